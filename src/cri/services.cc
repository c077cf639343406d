#include "crio/cri/services.h"

#include "container_proto.h"
#include "runtime_service.h"

namespace crio::cri {

RuntimeService::RuntimeService(const ServiceOptions& options) : options_(options) {
  options_.state.SetContainerEncoder(EncodeListEntry);
}

std::unique_ptr<grpc::Service> MakeRuntimeService(const ServiceOptions& options) {
  return std::make_unique<RuntimeService>(options);
}

std::unique_ptr<grpc::Service> MakeImageService(const ServiceOptions& options) {
  return std::make_unique<ImageService>(options);
}

}  // namespace crio::cri
