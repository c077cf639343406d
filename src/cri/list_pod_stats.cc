#include "rpc.h"
#include "runtime_service.h"
#include "stats_convert.h"

namespace crio::cri {

grpc::Status RuntimeService::ListPodSandboxStats(grpc::ServerContext*,
                                                 const v1::ListPodSandboxStatsRequest* request,
                                                 v1::ListPodSandboxStatsResponse* response) {
  return Serve("ListPodSandboxStats", [&](const RequestContext&) -> absl::Status {
    const auto list = options_.stats.ListPods(ToPodFilter(request->filter()));
    response->mutable_stats()->Reserve(static_cast<int>(list.size()));
    for (const stats::PodStats& pod : list) *response->add_stats() = ToProtoPodStats(pod);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
