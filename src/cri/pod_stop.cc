#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::StopPodSandbox(grpc::ServerContext*,
                                            const v1::StopPodSandboxRequest* request,
                                            v1::StopPodSandboxResponse*) {
  return Serve("StopPodSandbox", [&](const RequestContext& ctx) -> absl::Status {
    if (request->pod_sandbox_id().empty()) {
      return absl::InvalidArgumentError("pod_sandbox_id: must not be empty");
    }
    return options_.pods.Stop(ctx, request->pod_sandbox_id());
  });
}

}  // namespace crio::cri
