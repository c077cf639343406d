#include "container_convert.h"
#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::CreateContainer(grpc::ServerContext*,
                                             const v1::CreateContainerRequest* request,
                                             v1::CreateContainerResponse* response) {
  return Serve("CreateContainer", [&](const RequestContext& ctx) -> absl::Status {
    if (request->pod_sandbox_id().empty()) {
      return absl::InvalidArgumentError("pod_sandbox_id: must not be empty");
    }
    if (!request->has_config()) return absl::InvalidArgumentError("config: missing");
    ASSIGN_OR_RETURN(spec::ContainerRequest container, ToContainerRequest(request->config()));
    ASSIGN_OR_RETURN(spec::PodContext pod, ToPodContext(request->sandbox_config()));
    log::Info(ctx, "Creating container {} in pod sandbox {}", container.name,
              request->pod_sandbox_id());
    ASSIGN_OR_RETURN(const std::string id,
                     options_.containers.Create(ctx, request->pod_sandbox_id(),
                                                std::move(container), std::move(pod)));
    response->set_container_id(id);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
