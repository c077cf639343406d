# Unit test programs in CTest: one entry per program. Starting a process costs about
# 0.1 s on a small VM, which over 1250 GoogleTest cases registered one by one was most
# of the unit tests' time; run whole, the programs take about a minute under ASan+UBSan.
# A failing case is named in the program's output (ctest --output-on-failure).
# -DCRIO_CTEST_PER_CASE=ON registers every case on its own (gtest_discover_tests), for
# `ctest -R <Suite.Case>`.
option(CRIO_CTEST_PER_CASE "One CTest entry per GoogleTest case instead of per program" OFF)

# crio_add_unit_test(<target> [RUN_SERIAL]): RUN_SERIAL for programs that drive real
# runtimes or network namespaces and must not share the machine with other tests; they
# are scheduled first (COST), so that they do not wait for the long e2e programs.
function(crio_add_unit_test target)
  cmake_parse_arguments(arg "RUN_SERIAL" "" "" ${ARGN})
  set(properties LABELS unit)
  if(arg_RUN_SERIAL)
    list(APPEND properties RUN_SERIAL TRUE COST 10000)
  endif()
  if(CRIO_CTEST_PER_CASE)
    gtest_discover_tests(${target} PROPERTIES ${properties})
  else()
    add_test(NAME ${target} COMMAND ${target})
    set_tests_properties(${target} PROPERTIES ${properties})
  endif()
endfunction()
