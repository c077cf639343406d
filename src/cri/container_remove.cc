#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::RemoveContainer(grpc::ServerContext*,
                                             const v1::RemoveContainerRequest* request,
                                             v1::RemoveContainerResponse*) {
  return Serve("RemoveContainer", [&](const RequestContext& ctx) -> absl::Status {
    if (request->container_id().empty()) {
      return absl::InvalidArgumentError("container_id: must not be empty");
    }
    return options_.containers.Remove(ctx, request->container_id());
  });
}

}  // namespace crio::cri
