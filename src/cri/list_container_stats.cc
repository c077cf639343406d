#include "rpc.h"
#include "runtime_service.h"
#include "stats_convert.h"

namespace crio::cri {

grpc::Status RuntimeService::ListContainerStats(grpc::ServerContext*,
                                                const v1::ListContainerStatsRequest* request,
                                                v1::ListContainerStatsResponse* response) {
  return Serve("ListContainerStats", [&](const RequestContext&) -> absl::Status {
    // As CRI-O: exited containers are left out.
    const auto list = options_.stats.ListContainers(ToContainerFilter(request->filter()));
    response->mutable_stats()->Reserve(static_cast<int>(list.size()));
    for (const stats::ContainerStats& container : list) {
      *response->add_stats() = ToProtoContainerStats(container);
    }
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
