#include "container_proto.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::ListContainers(grpc::ServerContext*,
                                            const v1::ListContainersRequest* request,
                                            v1::ListContainersResponse* response) {
  return Serve("ListContainers", [&](const RequestContext&) -> absl::Status {
    const auto containers = options_.state.ListContainers(ToContainerFilter(request->filter()));
    response->mutable_containers()->Reserve(static_cast<int>(containers.size()));
    for (const store::ContainerRecord& container : containers) {
      *response->add_containers() = ToProtoContainer(container);
    }
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
