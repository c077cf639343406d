#include "crio/cri/services.h"

#include "container_proto.h"
#include "runtime_service.h"

namespace crio::cri {

RuntimeService::RuntimeService(const ServiceOptions& options) : options_(options) {
  options_.state.SetContainerEncoder(EncodeListEntry);
  // Read once, as CRI-O does: turning events on or off takes a restart.
  if (options_.config.Get()->runtime.enable_pod_events) {
    events_ = std::make_unique<ContainerEventHub>(options_.state);
  }
}

std::unique_ptr<grpc::Service> MakeRuntimeService(const ServiceOptions& options) {
  return std::make_unique<RuntimeService>(options);
}

std::unique_ptr<grpc::Service> MakeImageService(const ServiceOptions& options) {
  return std::make_unique<ImageService>(options);
}

}  // namespace crio::cri
