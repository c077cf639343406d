#include "cni_exec_config.h"

#include <array>
#include <cctype>
#include <charconv>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crio::network {
namespace {

using nlohmann::json;

bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

absl::Status ValidateId(const std::string& value, const char* what) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  bool ok = std::isalnum(static_cast<unsigned char>(value[0])) != 0;
  for (char c : value) ok = ok && IsIdChar(c);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", value,
                     "\" must start with a letter or digit and hold only letters, digits, "
                     "'_', '.' and '-'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PluginList> ParsePluginList(const json& list) {
  if (!list.is_object()) return absl::InvalidArgumentError("network list is not a JSON object");
  PluginList out;
  if (auto it = list.find("name"); it != list.end() && it->is_string()) {
    out.name = it->get<std::string>();
  }
  if (out.name.empty()) return absl::InvalidArgumentError("network list has no \"name\"");
  if (auto it = list.find("cniVersion"); it != list.end() && it->is_string()) {
    out.cni_version = it->get<std::string>();
  }
  if (auto it = list.find("disableCheck"); it != list.end() && it->is_boolean()) {
    out.disable_check = it->get<bool>();
  }
  auto plugins = list.find("plugins");
  if (plugins == list.end() || !plugins->is_array() || plugins->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("network \"", out.name, "\": \"plugins\" must be a non-empty array"));
  }
  for (std::size_t i = 0; i < plugins->size(); ++i) {
    const json& plugin = (*plugins)[i];
    if (!plugin.is_object() || PluginType(plugin).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("network \"", out.name, "\": plugins[", i,
                                                     "] is not an object with a \"type\""));
    }
    out.plugins.push_back(plugin);
  }
  return out;
}

std::string PluginType(const json& plugin) {
  auto it = plugin.find("type");
  if (it == plugin.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool VersionAtLeast(const std::string& version, int major, int minor, int patch) {
  const std::string text = version.empty() ? "0.1.0" : version;
  std::vector<std::string> parts = absl::StrSplit(text, '.');
  std::array<int, 3> got{0, 0, 0};
  for (std::size_t i = 0; i < parts.size() && i < got.size(); ++i) {
    const std::string& part = parts[i];
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), got[i]);
    if (ec != std::errc() || end != part.data() + part.size()) return false;
  }
  return std::tie(got[0], got[1], got[2]) >= std::tie(major, minor, patch);
}

json CapabilityArgsJson(const CapabilityArgs& args) {
  json out = json::object();
  json mappings = json::array();
  for (const PortMapping& mapping : args.port_mappings) {
    if (mapping.host_port <= 0) continue;
    json entry = {
        {"hostPort", mapping.host_port},
        {"containerPort", mapping.container_port},
        {"protocol", absl::AsciiStrToLower(mapping.protocol.empty() ? "tcp" : mapping.protocol)}};
    if (!mapping.host_ip.empty()) entry["hostIP"] = mapping.host_ip;
    mappings.push_back(std::move(entry));
  }
  if (!mappings.empty()) out["portMappings"] = std::move(mappings);
  if (args.dns &&
      (!args.dns->servers.empty() || !args.dns->searches.empty() || !args.dns->options.empty())) {
    out["dns"] = {{"servers", args.dns->servers},
                  {"searches", args.dns->searches},
                  {"options", args.dns->options}};
  }
  if (const auto& bw = args.bandwidth; bw && (bw->ingress_rate != 0 || bw->egress_rate != 0 ||
                                              bw->ingress_burst != 0 || bw->egress_burst != 0)) {
    out["bandwidth"] = {{"ingressRate", bw->ingress_rate},
                        {"ingressBurst", bw->ingress_burst},
                        {"egressRate", bw->egress_rate},
                        {"egressBurst", bw->egress_burst}};
  }
  if (!args.cgroup_path.empty()) out["cgroupPath"] = args.cgroup_path;
  if (!args.pod_annotations.empty()) {
    out["io.kubernetes.cri.pod-annotations"] = args.pod_annotations;
  }
  return out;
}

json ExecConfig(const PluginList& list, std::size_t index, const json& capability_args,
                const json& prev_result) {
  json config = list.plugins.at(index);
  json runtime_config = json::object();
  if (auto caps = config.find("capabilities"); caps != config.end() && caps->is_object()) {
    for (const auto& [name, enabled] : caps->items()) {
      if (!enabled.is_boolean() || !enabled.get<bool>()) continue;
      if (auto arg = capability_args.find(name); arg != capability_args.end()) {
        runtime_config[name] = *arg;
      }
    }
  }
  config.erase("capabilities");
  config["name"] = list.name;
  config["cniVersion"] = list.cni_version;
  if (!runtime_config.empty()) config["runtimeConfig"] = std::move(runtime_config);
  // Only the runtime says what came before; a "prevResult" in a config file is stale.
  config.erase("prevResult");
  if (!prev_result.is_null()) config["prevResult"] = prev_result;
  return config;
}

std::string CniArgs(const PodAttachment& pod) {
  return absl::StrCat(
      "IgnoreUnknown=1;K8S_POD_NAMESPACE=", pod.pod_namespace, ";K8S_POD_NAME=", pod.pod_name,
      ";K8S_POD_INFRA_CONTAINER_ID=", pod.container_id, ";K8S_POD_UID=", pod.pod_uid);
}

std::vector<std::string> ExecEnv(const ExecParams& params) {
  return {absl::StrCat("PATH=", params.path_env),
          absl::StrCat("CNI_COMMAND=", params.command),
          absl::StrCat("CNI_CONTAINERID=", params.container_id),
          absl::StrCat("CNI_NETNS=", params.netns),
          absl::StrCat("CNI_IFNAME=", params.ifname),
          absl::StrCat("CNI_ARGS=", params.cni_args),
          absl::StrCat("CNI_PATH=", absl::StrJoin(params.plugin_dirs, ":"))};
}

absl::Status ValidateNetworkName(const std::string& name) {
  return ValidateId(name, "network name");
}

absl::Status ValidateContainerId(const std::string& id) { return ValidateId(id, "container id"); }

absl::Status ValidateInterfaceName(const std::string& ifname) {
  // IFNAMSIZ is 16 with the terminating NUL.
  constexpr std::size_t kMaxInterfaceName = 15;
  if (ifname.empty() || ifname.size() > kMaxInterfaceName || ifname == "." || ifname == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("interface name \"", ifname, "\" must be 1 to 15 bytes, not . or .."));
  }
  for (char c : ifname) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("interface name \"", ifname, "\" must not hold '/', ':' or spaces"));
    }
  }
  return absl::OkStatus();
}

}  // namespace crio::network
