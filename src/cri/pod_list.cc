#include "crio/common/status.h"
#include "pod_convert.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::ListPodSandbox(grpc::ServerContext*,
                                            const v1::ListPodSandboxRequest* request,
                                            v1::ListPodSandboxResponse* response) {
  return Serve("ListPodSandbox", [&](const RequestContext&) -> absl::Status {
    for (const store::PodRecord& pod : options_.state.ListPods(ToPodFilter(request->filter()))) {
      *response->add_items() = ToProtoPod(pod);
    }
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
