#include "container_proto.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::ListContainers(grpc::ServerContext*,
                                            const v1::ListContainersRequest* request,
                                            v1::ListContainersResponse* response) {
  return Serve("ListContainers", [&](const RequestContext&) -> absl::Status {
    // Straight from the store's records into the response: no copy of the records.
    options_.state.VisitContainers(ToContainerFilter(request->filter()),
                                   [response](const store::ContainerRecord& container) {
                                     *response->add_containers() = ToProtoContainer(container);
                                   });
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
