// The Status RPC: kubelet marks the node NotReady unless both conditions are true,
// so each one is checked for real rather than assumed. The network's answer comes from
// the daemon's NetworkWatcher, which follows the CNI config dir as it changes, so the
// kubelet's Status every few seconds reads no files.

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "crio/config/config.h"
#include "crio/network/cni_config.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {
namespace {

constexpr char kRuntimeReady[] = "RuntimeReady";
constexpr char kNetworkReady[] = "NetworkReady";

void AddCondition(v1::RuntimeStatus* status, const char* type, const absl::Status& check,
                  const char* not_ready_reason) {
  v1::RuntimeCondition* condition = status->add_conditions();
  condition->set_type(type);
  condition->set_status(check.ok());
  if (!check.ok()) {
    condition->set_reason(not_ready_reason);
    condition->set_message(std::string(check.message()));
  }
}

absl::Status CheckRuntime(const config::Config& config) {
  auto handler = config.runtime.runtimes.find(config.runtime.default_runtime);
  if (handler == config.runtime.runtimes.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("default runtime \"", config.runtime.default_runtime, "\" is not configured"));
  }
  return config::ResolveRuntimePath(handler->second, handler->first).status();
}

// A pod manager without CNI (handler tests) has no watcher: the config is read here.
absl::Status CheckNetwork(const config::Config& config, const sandbox::PodManager& pods) {
  absl::Status found = absl::OkStatus();
  if (std::optional<absl::Status> watched = pods.NetworkStatus(); watched.has_value()) {
    found = *std::move(watched);
  } else {
    network::CniSearch search{config.network.network_dir, config.network.plugin_dirs,
                              config.network.cni_default_network};
    found = network::FindDefaultNetwork(search).status();
  }
  if (found.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("Network plugin returns error: ", found.message()));
}

}  // namespace

grpc::Status RuntimeService::Status(grpc::ServerContext*, const v1::StatusRequest* request,
                                    v1::StatusResponse* response) {
  return Serve("Status", [&](const RequestContext&) {
    const auto config = options_.config.Get();
    v1::RuntimeStatus* status = response->mutable_status();
    AddCondition(status, kRuntimeReady, CheckRuntime(*config), "RuntimeNotReady");
    AddCondition(status, kNetworkReady, CheckNetwork(*config, options_.pods),
                 "NetworkPluginNotReady");

    // Features stay false until the code that provides them exists: kubelet relies on
    // these answers to decide what it may ask for.
    for (const auto& [name, handler] : config->runtime.runtimes) {
      v1::RuntimeHandler* entry = response->add_runtime_handlers();
      entry->set_name(name);
      entry->mutable_features()->set_recursive_read_only_mounts(false);
      entry->mutable_features()->set_user_namespaces(false);
      if (name == config->runtime.default_runtime) {
        // The empty name is how the CRI spells "the default handler".
        v1::RuntimeHandler* default_entry = response->add_runtime_handlers();
        *default_entry = *entry;
        default_entry->set_name("");
      }
    }
    response->mutable_features()->set_supplemental_groups_policy(false);

    if (request->verbose()) {
      (*response->mutable_info())["config"] = config::ToJson(*config).dump();
    }
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
