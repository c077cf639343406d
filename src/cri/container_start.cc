#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::StartContainer(grpc::ServerContext*,
                                            const v1::StartContainerRequest* request,
                                            v1::StartContainerResponse*) {
  return Serve("StartContainer", [&](const RequestContext& ctx) -> absl::Status {
    if (request->container_id().empty()) {
      return absl::InvalidArgumentError("container_id: must not be empty");
    }
    return options_.containers.StartContainer(ctx, request->container_id());
  });
}

}  // namespace crio::cri
