#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::RuntimeConfig(grpc::ServerContext*, const v1::RuntimeConfigRequest*,
                                           v1::RuntimeConfigResponse* response) {
  return Serve("RuntimeConfig", [&](const RequestContext&) {
    const auto config = options_.config.Get();
    // Kubelet (KubeletCgroupDriverFromCRI) adopts whatever driver we answer here.
    response->mutable_linux()->set_cgroup_driver(config->runtime.cgroup_manager == "systemd"
                                                     ? v1::CgroupDriver::SYSTEMD
                                                     : v1::CgroupDriver::CGROUPFS);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
