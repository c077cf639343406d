#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::StopContainer(grpc::ServerContext*,
                                           const v1::StopContainerRequest* request,
                                           v1::StopContainerResponse*) {
  return Serve("StopContainer", [&](const RequestContext& ctx) -> absl::Status {
    if (request->container_id().empty()) {
      return absl::InvalidArgumentError("container_id: must not be empty");
    }
    if (request->timeout() < 0) {
      return absl::InvalidArgumentError("timeout: must not be negative");
    }
    return options_.containers.Stop(ctx, request->container_id(),
                                    std::chrono::seconds(request->timeout()));
  });
}

}  // namespace crio::cri
