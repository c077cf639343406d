#pragma once

// The pure half of running a plugin list: the list as plugins see it, each plugin's
// execution configuration (stdin) and environment, the CNI_ARGS string and the
// validation of attachment parameters. No I/O here.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crio/network/cni.h"

namespace crio::network {

/// A network list, parsed for execution.
struct PluginList {
  std::string name;
  std::string cni_version;
  bool disable_check = false;
  std::vector<nlohmann::json> plugins;  ///< each plugin's config object, as configured
};

/// Parses a list in the form CniNetwork::conflist_json has (and the cache keeps).
/// @return InvalidArgument for a list that has no name, no plugins or a plugin
///     without a string "type"
absl::StatusOr<PluginList> ParsePluginList(const nlohmann::json& list);

/// The "type" of a plugin config ("" when absent; ParsePluginList rejects that).
std::string PluginType(const nlohmann::json& plugin);

/// `version` >= major.minor.patch; "" counts as 0.1.0 (the spec's default), and text
/// that is not a version as 0.0.0.
bool VersionAtLeast(const std::string& version, int major, int minor, int patch);

/// The capability arguments as CNI CONVENTIONS.md spells them ("portMappings", "dns",
/// "bandwidth"), leaving out those that carry nothing; port mappings without a host
/// port are left out, because the portmap plugin rejects them and they map nothing.
nlohmann::json CapabilityArgsJson(const CapabilityArgs& args);

/// The execution configuration of `list.plugins[index]`: its config without
/// "capabilities", with the list's name and cniVersion, a "runtimeConfig" of the
/// declared capabilities found in `capability_args`, and `prev_result` as "prevResult"
/// unless it is null.
nlohmann::json ExecConfig(const PluginList& list, std::size_t index,
                          const nlohmann::json& capability_args, const nlohmann::json& prev_result);

/// "IgnoreUnknown=1;K8S_POD_NAMESPACE=..;K8S_POD_NAME=..;K8S_POD_INFRA_CONTAINER_ID=..;
/// K8S_POD_UID=..", as kubelet's dockershim, CRI-O and containerd pass them.
std::string CniArgs(const PodAttachment& pod);

/// What identifies an attachment, and the environment of one plugin run.
struct ExecParams {
  std::string command;  ///< "ADD", "DEL", "CHECK"
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::string cni_args;
  std::vector<std::string> plugin_dirs;
  std::string path_env;
};

/// PATH and the six CNI_* variables, in that order.
std::vector<std::string> ExecEnv(const ExecParams& params);

/// libcni's rules: a network name and a container id start with a letter or digit and
/// hold only letters, digits, '_', '.', '-'; an interface name is 1 to 15 bytes, not
/// "." or "..", without '/', ':' or whitespace.
absl::Status ValidateNetworkName(const std::string& name);
absl::Status ValidateContainerId(const std::string& id);
absl::Status ValidateInterfaceName(const std::string& ifname);

}  // namespace crio::network
