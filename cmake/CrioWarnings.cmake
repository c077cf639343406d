# Warning flags for our own code. Generated code (protobuf/gRPC) does not use this.
add_library(crio_warnings INTERFACE)
target_compile_options(crio_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
if(CRIO_WERROR)
  target_compile_options(crio_warnings INTERFACE -Werror)
endif()
