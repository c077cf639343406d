# Precompiled headers. Most of the build's time went into parsing the same heavy headers
# in every file: a one-line CRI handler took 17 s to compile, nearly all of it the
# generated CRI messages and gRPC; test files add gtest/gmock, many files nlohmann/json.
# A target that opts in parses its set once. -DCRIO_PCH=OFF turns them off (to check
# that every file includes what it uses). Unity builds (hack/build.sh, CI) already parse
# the headers once per batch, and there a precompiled header would cost more than it
# saves: they are skipped.
option(CRIO_PCH "Precompile the heavy third-party headers of the big targets" ON)

set(CRIO_PCH_BASE
    <string> <string_view> <vector> <map> <memory> <functional> <optional> <chrono>
    <filesystem> <absl/status/statusor.h> <absl/strings/str_cat.h>)

# crio_precompile_headers(<target> [PROTO] [GTEST] [GMOCK] [JSON])
#   PROTO  the CRI messages and gRPC (targets linking crio_proto)
#   GTEST, GMOCK  the test frameworks
#   JSON   nlohmann/json
function(crio_precompile_headers target)
  cmake_parse_arguments(PCH "PROTO;GTEST;GMOCK;JSON" "" "" ${ARGN})
  if(NOT CRIO_PCH OR CMAKE_UNITY_BUILD)
    return()
  endif()
  set(headers ${CRIO_PCH_BASE})
  if(PCH_PROTO)
    # crio/cri/api.h keeps <signal.h>'s macros away from the generated enum.
    list(APPEND headers <crio/cri/api.h> <grpcpp/grpcpp.h>)
  endif()
  if(PCH_JSON)
    list(APPEND headers <nlohmann/json.hpp>)
  endif()
  if(PCH_GTEST OR PCH_GMOCK)
    list(APPEND headers <gtest/gtest.h>)
  endif()
  if(PCH_GMOCK)
    list(APPEND headers <gmock/gmock.h>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
