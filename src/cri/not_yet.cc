// RPCs that later issues implement. Each still passes through Serve(), so a kubelet
// that calls one gets UNIMPLEMENTED naming the RPC, and the call is logged with its
// request id. When an RPC is implemented, it moves to a file of its own.

#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

#define CRIO_NOT_YET(Service, Rpc, Request, Response)                                  \
  grpc::Status Service::Rpc(grpc::ServerContext*, const v1::Request*, v1::Response*) { \
    return Serve(#Rpc, [](const RequestContext&) { return NotImplementedYet(#Rpc); }); \
  }

// Checkpoint/restore needs CRIU (enable_criu_support); not built yet.
CRIO_NOT_YET(RuntimeService, CheckpointContainer, CheckpointContainerRequest,
             CheckpointContainerResponse)

// Metrics (a later issue).
CRIO_NOT_YET(RuntimeService, ListMetricDescriptors, ListMetricDescriptorsRequest,
             ListMetricDescriptorsResponse)
CRIO_NOT_YET(RuntimeService, ListPodSandboxMetrics, ListPodSandboxMetricsRequest,
             ListPodSandboxMetricsResponse)

#undef CRIO_NOT_YET

}  // namespace crio::cri
