#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"
#include "stats_convert.h"

namespace crio::cri {

grpc::Status RuntimeService::PodSandboxStats(grpc::ServerContext*,
                                             const v1::PodSandboxStatsRequest* request,
                                             v1::PodSandboxStatsResponse* response) {
  return Serve("PodSandboxStats", [&](const RequestContext&) -> absl::Status {
    if (request->pod_sandbox_id().empty()) {
      return absl::InvalidArgumentError("pod_sandbox_id: must not be empty");
    }
    ASSIGN_OR_RETURN(const stats::PodStats found, options_.stats.Pod(request->pod_sandbox_id()));
    *response->mutable_stats() = ToProtoPodStats(found);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
