// grpc_floor_server: a gRPC server with one generic service that implements nothing, on
// the unix socket given as its only argument. lifecycle_bench reads its idle VmRSS: the
// memory any daemon built on Debian's libgrpc++ starts from, before any code of its own.

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: grpc_floor_server <socket path>\n";
    return 2;
  }
  grpc::ServerBuilder builder;
  // A server needs a service; a generic one answers every method with UNIMPLEMENTED.
  grpc::CallbackGenericService generic;
  builder.RegisterCallbackGenericService(&generic);
  builder.AddListeningPort(std::string("unix://") + argv[1], grpc::InsecureServerCredentials());
  auto server = builder.BuildAndStart();
  if (server == nullptr) {
    std::cerr << "grpc_floor_server: cannot listen on " << argv[1] << "\n";
    return 1;
  }
  server->Wait();
  return 0;
}
