# crio_proto_library(<target> <proto file>...): compiles .proto files once into their own
# static library with C++ and gRPC code. The generated code is large, so nothing else
# recompiles it, and it is built without our warning flags. Call it from the directory
# that is the proto import root (protobuf_generate names outputs relative to it).
function(crio_proto_library target)
  set(out_dir ${CMAKE_BINARY_DIR}/generated)
  file(MAKE_DIRECTORY ${out_dir})
  add_library(${target} STATIC ${ARGN})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++)
  # include/crio/cri/api.h is the header to include; the generated ones sit behind it.
  target_include_directories(${target} SYSTEM PUBLIC ${out_dir})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  protobuf_generate(
    TARGET ${target}
    LANGUAGE cpp
    IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR}
    PROTOC_OUT_DIR ${out_dir})
  protobuf_generate(
    TARGET ${target}
    LANGUAGE grpc
    GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
    PLUGIN protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
    IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR}
    PROTOC_OUT_DIR ${out_dir})
endfunction()
