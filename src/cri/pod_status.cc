#include <nlohmann/json.hpp>

#include "crio/common/status.h"
#include "pod_convert.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::PodSandboxStatus(grpc::ServerContext*,
                                              const v1::PodSandboxStatusRequest* request,
                                              v1::PodSandboxStatusResponse* response) {
  return Serve("PodSandboxStatus", [&](const RequestContext&) -> absl::Status {
    if (request->pod_sandbox_id().empty()) {
      return absl::InvalidArgumentError("pod_sandbox_id: must not be empty");
    }
    ASSIGN_OR_RETURN(const store::PodRecord pod, options_.state.GetPod(request->pod_sandbox_id()));
    if (pod.phase != store::Phase::kCreated) {
      return absl::NotFoundError(
          absl::StrCat("pod sandbox \"", request->pod_sandbox_id(), "\" not found"));
    }
    *response->mutable_status() = ToProtoPodStatus(pod);
    if (request->verbose()) {
      // crictl inspectp shows "info" as JSON; like CRI-O, it holds the pod's config and
      // where its namespaces and files are.
      nlohmann::json info = {
          {"runtimeHandler", pod.runtime_handler},
          {"hostname", pod.hostname},
          {"cgroupParent", pod.cgroup_parent},
          {"namespaces",
           {{"network", pod.netns_path}, {"ipc", pod.ipcns_path}, {"uts", pod.utsns_path}}},
          {"resolvPath", pod.resolv_conf_path},
          {"hostsPath", pod.hosts_path},
          {"shmPath", pod.shm_path}};
      info["config"] = nlohmann::json::parse(pod.config_json, nullptr, false);
      (*response->mutable_info())["info"] = info.dump();
    }
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
