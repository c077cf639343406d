#include "crio/cri/services.h"

#include "runtime_service.h"

namespace crio::cri {

std::unique_ptr<grpc::Service> MakeRuntimeService(const ServiceOptions& options) {
  return std::make_unique<RuntimeService>(options);
}

std::unique_ptr<grpc::Service> MakeImageService(const ServiceOptions& options) {
  return std::make_unique<ImageService>(options);
}

}  // namespace crio::cri
