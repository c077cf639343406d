#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::RemovePodSandbox(grpc::ServerContext*,
                                              const v1::RemovePodSandboxRequest* request,
                                              v1::RemovePodSandboxResponse*) {
  return Serve("RemovePodSandbox", [&](const RequestContext& ctx) -> absl::Status {
    if (request->pod_sandbox_id().empty()) {
      return absl::InvalidArgumentError("pod_sandbox_id: must not be empty");
    }
    return options_.pods.Remove(ctx, request->pod_sandbox_id());
  });
}

}  // namespace crio::cri
