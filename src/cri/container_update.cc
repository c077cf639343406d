#include "container_proto.h"
#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::UpdateContainerResources(
    grpc::ServerContext*, const v1::UpdateContainerResourcesRequest* request,
    v1::UpdateContainerResourcesResponse*) {
  return Serve("UpdateContainerResources", [&](const RequestContext& ctx) -> absl::Status {
    if (request->container_id().empty()) {
      return absl::InvalidArgumentError("container_id: must not be empty");
    }
    ASSIGN_OR_RETURN(const std::string resources, ToOciResourcesJson(request->linux()));
    return options_.containers.UpdateResources(ctx, request->container_id(), resources);
  });
}

}  // namespace crio::cri
