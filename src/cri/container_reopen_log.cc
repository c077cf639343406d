#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::ReopenContainerLog(grpc::ServerContext*,
                                                const v1::ReopenContainerLogRequest* request,
                                                v1::ReopenContainerLogResponse*) {
  return Serve("ReopenContainerLog", [&](const RequestContext& ctx) -> absl::Status {
    if (request->container_id().empty()) {
      return absl::InvalidArgumentError("container_id: must not be empty");
    }
    return options_.containers.ReopenLog(ctx, request->container_id());
  });
}

}  // namespace crio::cri
