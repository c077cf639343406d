#include "crio/common/status.h"
#include "pod_convert.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::RunPodSandbox(grpc::ServerContext*,
                                           const v1::RunPodSandboxRequest* request,
                                           v1::RunPodSandboxResponse* response) {
  return Serve("RunPodSandbox", [&](const RequestContext& ctx) -> absl::Status {
    ASSIGN_OR_RETURN(sandbox::PodRequest pod, ToPodRequest(*request));
    const auto config = options_.config.Get();
    const std::string& handler = request->runtime_handler();
    if (!handler.empty() && config->runtime.runtimes.count(handler) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("runtime_handler: \"", handler, "\" is not configured"));
    }
    log::Info(ctx, "Running pod sandbox {}/{} (attempt {})", pod.pod.pod_namespace, pod.pod.name,
              pod.pod.attempt);
    ASSIGN_OR_RETURN(const std::string id, options_.pods.Run(ctx, std::move(pod)));
    response->set_pod_sandbox_id(id);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
