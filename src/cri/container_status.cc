#include <nlohmann/json.hpp>

#include "container_proto.h"
#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::ContainerStatus(grpc::ServerContext*,
                                             const v1::ContainerStatusRequest* request,
                                             v1::ContainerStatusResponse* response) {
  return Serve("ContainerStatus", [&](const RequestContext&) -> absl::Status {
    if (request->container_id().empty()) {
      return absl::InvalidArgumentError("container_id: must not be empty");
    }
    ASSIGN_OR_RETURN(const store::ContainerRecord container,
                     options_.containers.Status(request->container_id()));
    *response->mutable_status() = ToProtoContainerStatus(container);
    if (request->verbose()) {
      // What crictl inspect shows under "info", shaped as CRI-O answers it.
      nlohmann::json info = {{"sandboxID", container.pod_id},
                             {"pid", container.pid},
                             {"runtimeHandler", container.runtime_handler}};
      if (auto spec = options_.containers.RuntimeSpec(container); spec.ok()) {
        info["runtimeSpec"] = nlohmann::json::parse(*spec, nullptr, false);
      }
      (*response->mutable_info())["info"] = info.dump();
    }
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
