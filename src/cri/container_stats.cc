#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"
#include "stats_convert.h"

namespace crio::cri {

grpc::Status RuntimeService::ContainerStats(grpc::ServerContext*,
                                            const v1::ContainerStatsRequest* request,
                                            v1::ContainerStatsResponse* response) {
  return Serve("ContainerStats", [&](const RequestContext&) -> absl::Status {
    if (request->container_id().empty()) {
      return absl::InvalidArgumentError("container_id: must not be empty");
    }
    ASSIGN_OR_RETURN(const stats::ContainerStats found,
                     options_.stats.Container(request->container_id()));
    *response->mutable_stats() = ToProtoContainerStats(found);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
