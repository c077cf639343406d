// UpdatePodSandboxResources: the kubelet's word that a pod was resized in place (its
// new overhead and the sum of its containers' resources). The kubelet owns the pod's
// cgroup and sets its limits itself; CRI-O hands the call to NRI plugins and has no
// other use for it. Without NRI, the runtime checks the values and keeps the pod's
// recorded config current, so that `inspectp` shows what the pod has now.

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "container_proto.h"
#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {
namespace {

// The resources as the pod's config JSON spells them (proto field names).
nlohmann::json ResourcesJson(const v1::LinuxContainerResources& resources) {
  std::string text;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(resources, &text, print).ok()) return {};
  return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace

grpc::Status RuntimeService::UpdatePodSandboxResources(
    grpc::ServerContext*, const v1::UpdatePodSandboxResourcesRequest* request,
    v1::UpdatePodSandboxResourcesResponse*) {
  return Serve("UpdatePodSandboxResources", [&](const RequestContext& ctx) -> absl::Status {
    if (request->pod_sandbox_id().empty()) {
      return absl::InvalidArgumentError("pod_sandbox_id: must not be empty");
    }
    // The same checks as a container's update: negative sizes mean nothing.
    RETURN_IF_ERROR(ToOciResourcesJson(request->overhead(), "overhead").status());
    RETURN_IF_ERROR(ToOciResourcesJson(request->resources(), "resources").status());
    const auto not_found = [&] {
      return absl::NotFoundError(
          absl::StrCat("pod sandbox \"", request->pod_sandbox_id(), "\" not found"));
    };
    ASSIGN_OR_RETURN(const store::PodRecord pod, options_.state.GetPod(request->pod_sandbox_id()));
    if (pod.phase != store::Phase::kCreated) return not_found();
    const nlohmann::json overhead = ResourcesJson(request->overhead());
    const nlohmann::json resources = ResourcesJson(request->resources());
    auto updated = options_.state.UpdatePod(pod.id, [&](store::PodRecord& record) {
      nlohmann::json config = nlohmann::json::parse(record.config_json, nullptr, false);
      if (!config.is_object()) config = nlohmann::json::object();
      nlohmann::json& linux = config["linux"];
      if (!linux.is_object()) linux = nlohmann::json::object();
      // Absent means none: the kubelet sends the whole new state, not a change.
      if (request->has_overhead()) {
        linux["overhead"] = overhead;
      } else {
        linux.erase("overhead");
      }
      if (request->has_resources()) {
        linux["resources"] = resources;
      } else {
        linux.erase("resources");
      }
      record.config_json = config.dump();
    });
    if (!updated.ok()) return absl::IsNotFound(updated.status()) ? not_found() : updated.status();
    log::Info(ctx, "Updated the resources of pod sandbox {}: overhead {}, resources {}", pod.id,
              overhead.dump(), resources.dump());
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
