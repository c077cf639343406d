// The "linux" section: namespaces, resources and device rules, cgroupsPath, sysctls;
// and process.rlimits, which come from the same daemon settings.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "crio/common/status.h"
#include "crio/config/values.h"
#include "internal.h"

namespace crio::spec::internal {
namespace {

using nlohmann::json;

json Namespace(absl::string_view type, const std::string& path = "") {
  json ns = {{"type", type}};
  if (!path.empty()) ns["path"] = path;
  return ns;
}

// network and ipc: the host's, the pod's pinned one, or a new one.
absl::StatusOr<bool> AddSharedNamespace(absl::string_view type, absl::string_view field,
                                        NamespaceMode mode, bool pod_uses_host,
                                        const std::string& pod_path, json* namespaces) {
  switch (mode) {
    case NamespaceMode::kTarget:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": TARGET is only valid for the pid namespace"));
    case NamespaceMode::kNode:
      return true;
    case NamespaceMode::kContainer:
      namespaces->push_back(Namespace(type));
      return false;
    case NamespaceMode::kPod:
      if (pod_uses_host) return true;
      namespaces->push_back(Namespace(type, pod_path));
      return false;
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ": unknown namespace mode"));
}

json DeviceRule(bool allow, absl::string_view type, std::optional<std::int64_t> major,
                std::optional<std::int64_t> minor, absl::string_view access) {
  json rule = {{"allow", allow}, {"access", access}};
  if (!type.empty()) rule["type"] = type;
  if (major) rule["major"] = *major;
  if (minor) rule["minor"] = *minor;
  return rule;
}

// What runc itself allows every container (libcontainer/specconv AllowedDevices), minus
// /dev/net/tun, which Docker and runc 1.2 dropped: mknod of anything, and the standard
// nodes runc creates in /dev.
json DefaultDeviceRules() {
  json rules = json::array();
  rules.push_back(DeviceRule(true, "c", std::nullopt, std::nullopt, "m"));
  rules.push_back(DeviceRule(true, "b", std::nullopt, std::nullopt, "m"));
  const std::pair<std::int64_t, std::int64_t> nodes[] = {
      {1, 3},  // /dev/null
      {1, 5},  // /dev/zero
      {1, 7},  // /dev/full
      {1, 8},  // /dev/random
      {1, 9},  // /dev/urandom
      {5, 0},  // /dev/tty
      {5, 2},  // /dev/ptmx
  };
  for (const auto& [major, minor] : nodes) {
    rules.push_back(DeviceRule(true, "c", major, minor, "rwm"));
  }
  rules.push_back(DeviceRule(true, "c", 136, std::nullopt, "rwm"));  // /dev/pts/*
  return rules;
}

// The devices a container gets: the host's for privileged ones, then its own (by path,
// the later wins).
std::vector<LinuxDevice> ContainerDevices(const SpecInput& in, const Plan& plan) {
  std::map<std::string, LinuxDevice> by_path;
  if (plan.privileged && !in.defaults.privileged_without_host_devices) {
    for (const LinuxDevice& d : in.host_devices) by_path[d.path] = d;
  }
  for (const LinuxDevice& d : in.devices) by_path[d.path] = d;
  std::vector<LinuxDevice> devices;
  for (auto& [path, device] : by_path) devices.push_back(std::move(device));
  return devices;
}

enum class SysctlNamespace { kIpc, kNet, kUts, kNone };

// Which namespace isolates a sysctl (the kernel's list, as CRI-O and runc check it).
SysctlNamespace NamespaceOf(absl::string_view key) {
  const std::string ns = config::SysctlNamespaceOf(std::string_view(key.data(), key.size()));
  if (ns == "ipc") return SysctlNamespace::kIpc;
  if (ns == "net") return SysctlNamespace::kNet;
  if (ns == "uts") return SysctlNamespace::kUts;
  return SysctlNamespace::kNone;
}

absl::Status CheckSysctl(absl::string_view key, absl::string_view field, const Plan& plan) {
  switch (NamespaceOf(key)) {
    case SysctlNamespace::kIpc:
      if (plan.host_ipc) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": sysctl \"", key, "\" not allowed with host ipc enabled"));
      }
      return absl::OkStatus();
    case SysctlNamespace::kNet:
      if (plan.host_network) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": sysctl \"", key, "\" not allowed with host net enabled"));
      }
      return absl::OkStatus();
    case SysctlNamespace::kUts:
      if (!plan.own_uts) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": sysctl \"", key, "\" not allowed with host uts enabled"));
      }
      return absl::OkStatus();
    case SysctlNamespace::kNone:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": sysctl \"", key, "\" is not namespaced and would change the whole host"));
}

}  // namespace

absl::StatusOr<json> BuildNamespaces(const SpecInput& in, Plan* plan) {
  const NamespaceOptions& opts = in.request.security.namespace_options;
  const PodContext& pod = in.pod;
  json namespaces = json::array();

  switch (opts.pid) {
    case NamespaceMode::kNode:
      break;
    case NamespaceMode::kContainer:
      namespaces.push_back(Namespace("pid"));
      break;
    case NamespaceMode::kPod:
      if (pod.host_pid) break;
      if (pod.pid_ns_path.empty()) {
        return absl::FailedPreconditionError(
            "namespace_options.pid: POD, but the pod has no PID namespace to join");
      }
      namespaces.push_back(Namespace("pid", pod.pid_ns_path));
      break;
    case NamespaceMode::kTarget:
      if (in.target_pid_ns_path.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("namespace_options.target_id: no PID namespace known for container \"",
                         opts.target_id, "\""));
      }
      namespaces.push_back(Namespace("pid", in.target_pid_ns_path));
      break;
  }

  ASSIGN_OR_RETURN(plan->host_network,
                   AddSharedNamespace("network", "namespace_options.network", opts.network,
                                      pod.host_network, pod.net_ns_path, &namespaces));
  ASSIGN_OR_RETURN(plan->host_ipc, AddSharedNamespace("ipc", "namespace_options.ipc", opts.ipc,
                                                      pod.host_ipc, pod.ipc_ns_path, &namespaces));
  // Kubernetes ties the UTS namespace to the network: hostNetwork pods keep the node's
  // hostname unless the sandbox pinned a UTS namespace anyway.
  if (!pod.uts_ns_path.empty()) {
    namespaces.push_back(Namespace("uts", pod.uts_ns_path));
    plan->own_uts = true;
  } else if (plan->host_network) {
    plan->own_uts = false;
  } else {
    namespaces.push_back(Namespace("uts"));
    plan->own_uts = true;
  }
  namespaces.push_back(Namespace("mount"));
  // As CRI-O: a private cgroup view on the unified hierarchy; privileged containers
  // see the host's.
  if (in.defaults.cgroup2 && !plan->privileged) namespaces.push_back(Namespace("cgroup"));
  return namespaces;
}

absl::StatusOr<json> BuildResources(const SpecInput& in, const Plan& plan, int* oom_score_adj,
                                    std::vector<std::string>* warnings) {
  const LinuxResources& r = in.request.resources;
  const RuntimeDefaults& d = in.defaults;
  json resources = json::object();

  json rules = json::array();
  rules.push_back(DeviceRule(false, "", std::nullopt, std::nullopt, "rwm"));
  if (plan.privileged) {
    rules.push_back(DeviceRule(true, "", std::nullopt, std::nullopt, "rwm"));
  } else {
    for (json& rule : DefaultDeviceRules()) rules.push_back(std::move(rule));
    for (const LinuxDevice& device : in.devices) {
      // cgroups know character and block devices only; FIFOs need no rule.
      if (device.type != 'c' && device.type != 'b') continue;
      rules.push_back(DeviceRule(true, std::string(1, device.type), device.major, device.minor,
                                 device.permissions));
    }
  }
  resources["devices"] = std::move(rules);

  if (r.cpu_shares < 0 || r.cpu_period < 0 || r.cpu_quota < -1) {
    return absl::InvalidArgumentError(
        "resources: cpu_shares and cpu_period must be >= 0 and cpu_quota >= -1");
  }
  json cpu = json::object();
  if (r.cpu_shares > 0) cpu["shares"] = static_cast<std::uint64_t>(r.cpu_shares);
  if (r.cpu_quota != 0) cpu["quota"] = r.cpu_quota;
  if (r.cpu_period > 0) cpu["period"] = static_cast<std::uint64_t>(r.cpu_period);
  if (!r.cpuset_cpus.empty()) {
    RETURN_IF_ERROR(Annotate(config::ParseCpuList(r.cpuset_cpus).status(), "cpuset_cpus"));
    cpu["cpus"] = r.cpuset_cpus;
  }
  if (!r.cpuset_mems.empty()) {
    RETURN_IF_ERROR(Annotate(config::ParseCpuList(r.cpuset_mems).status(), "cpuset_mems"));
    cpu["mems"] = r.cpuset_mems;
  }
  if (!cpu.empty()) resources["cpu"] = std::move(cpu);

  if (r.memory_limit_in_bytes < 0 || r.memory_swap_limit_in_bytes < -1) {
    return absl::InvalidArgumentError(
        "resources: memory_limit_in_bytes must be >= 0 and memory_swap_limit_in_bytes >= -1");
  }
  if (r.memory_limit_in_bytes > 0) {
    if (r.memory_limit_in_bytes < d.container_min_memory) {
      return absl::InvalidArgumentError(
          absl::StrCat("memory_limit_in_bytes: ", r.memory_limit_in_bytes,
                       " is too low; it should be at least ", d.container_min_memory));
    }
    json memory = {{"limit", r.memory_limit_in_bytes}};
    // memory+swap: as CRI-O, no swap beyond the limit unless the CRI grants some.
    std::int64_t swap = r.memory_limit_in_bytes;
    if (r.memory_swap_limit_in_bytes != 0) {
      if (r.memory_swap_limit_in_bytes > 0 &&
          r.memory_swap_limit_in_bytes < r.memory_limit_in_bytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            "memory_swap_limit_in_bytes: ", r.memory_swap_limit_in_bytes,
            " cannot be lower than memory_limit_in_bytes (", r.memory_limit_in_bytes, ")"));
      }
      swap = r.memory_swap_limit_in_bytes;
    }
    if (d.swap_supported) memory["swap"] = swap;
    resources["memory"] = std::move(memory);
  }

  if (!r.hugepage_limits.empty()) {
    if (d.hugetlb_supported) {
      json limits = json::array();
      for (std::size_t i = 0; i < r.hugepage_limits.size(); ++i) {
        if (r.hugepage_limits[i].page_size.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("hugepage_limits[", i, "].page_size: empty"));
        }
        limits.push_back(
            {{"pageSize", r.hugepage_limits[i].page_size}, {"limit", r.hugepage_limits[i].limit}});
      }
      resources["hugepageLimits"] = std::move(limits);
    } else {
      warnings->push_back("Ignoring hugepage limits: the hugetlb cgroup controller is missing");
    }
  }

  if (d.pids_limit > 0 && d.pids_supported) resources["pids"] = {{"limit", d.pids_limit}};

  if (!r.unified.empty()) {
    if (d.cgroup2) {
      resources["unified"] = r.unified;
    } else {
      warnings->push_back("Ignoring unified cgroup resources: the host does not use cgroup v2");
    }
  }

  if (r.oom_score_adj < -1000 || r.oom_score_adj > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("oom_score_adj: ", r.oom_score_adj, " is not in -1000..1000"));
  }
  *oom_score_adj = static_cast<int>(r.oom_score_adj);
  // Lowering oom_score_adj below one's own needs CAP_SYS_RESOURCE; without it the
  // runtime would fail the container, so run it at the daemon's value instead.
  if (*oom_score_adj < d.daemon_oom_score_adj && !d.daemon_has_cap_sys_resource) {
    warnings->push_back(absl::StrCat("Raising oom_score_adj from ", *oom_score_adj, " to ",
                                     d.daemon_oom_score_adj,
                                     ": the daemon lacks CAP_SYS_RESOURCE to go below its own"));
    *oom_score_adj = d.daemon_oom_score_adj;
  }
  return resources;
}

absl::StatusOr<json> BuildDevices(const SpecInput& in, const Plan& plan) {
  for (std::size_t i = 0; i < in.request.devices.size(); ++i) {
    const std::string& path = in.request.devices[i].container_path;
    const bool resolved = std::any_of(in.devices.begin(), in.devices.end(),
                                      [&](const LinuxDevice& d) { return d.path == path; });
    if (!resolved) {
      return absl::FailedPreconditionError(
          absl::StrCat("devices[", i, "]: ", path, " was not looked up on the host"));
    }
  }
  json devices = json::array();
  for (const LinuxDevice& d : ContainerDevices(in, plan)) {
    if (!IsAbsolute(d.path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("device path \"", d.path, "\" is not absolute"));
    }
    json device = {{"path", d.path},
                   {"type", std::string(1, d.type)},
                   {"fileMode", d.file_mode},
                   {"uid", d.uid},
                   {"gid", d.gid}};
    if (d.type != 'p') {
      device["major"] = d.major;
      device["minor"] = d.minor;
    }
    devices.push_back(std::move(device));
  }
  return devices;
}

absl::StatusOr<std::string> BuildCgroupsPath(const SpecInput& in) {
  const std::string& parent = in.pod.cgroup_parent;
  const std::string& manager = in.defaults.cgroup_manager;
  if (manager == "systemd") {
    if (parent.empty()) return absl::StrCat("system.slice:crio:", in.container_id);
    // kubelet passes the slice as a cgroupfs path; systemd wants its last part.
    const std::string clean = CleanPath(parent);
    const std::string slice = clean.substr(clean.rfind('/') + 1);
    if (!absl::EndsWith(slice, ".slice")) {
      return absl::InvalidArgumentError(
          absl::StrCat("cgroup_parent: \"", parent,
                       "\" is not a systemd slice, which the systemd cgroup manager needs"));
    }
    return absl::StrCat(slice, ":crio:", in.container_id);
  }
  if (manager == "cgroupfs") {
    if (absl::EndsWith(parent, ".slice")) {
      return absl::InvalidArgumentError(
          absl::StrCat("cgroup_parent: \"", parent,
                       "\" is a systemd slice, but the cgroup manager is cgroupfs"));
    }
    return CleanPath(
        absl::StrCat("/", parent.empty() ? "crio" : parent, "/crio-", in.container_id));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("cgroup_manager: \"", manager, "\" is neither systemd nor cgroupfs"));
}

absl::StatusOr<json> BuildSysctls(const SpecInput& in, const Plan& plan) {
  json sysctls = json::object();
  const auto put = [&](std::string key, const std::string& value,
                       const std::string& field) -> absl::Status {
    // kubelet accepts "net/ipv4/ip_forward"; the kernel names it with dots.
    if (key.find('.') == std::string::npos) absl::StrReplaceAll({{"/", "."}}, &key);
    if (absl::Status text = config::CheckSysctlText(key, value); !text.ok()) {
      return Annotate(text, field);
    }
    RETURN_IF_ERROR(CheckSysctl(key, field, plan));
    sysctls[key] = value;
    return absl::OkStatus();
  };
  for (std::size_t i = 0; i < in.defaults.default_sysctls.size(); ++i) {
    const std::string field = absl::StrCat("default_sysctls[", i, "]");
    absl::StatusOr<config::Sysctl> sysctl = config::ParseSysctl(in.defaults.default_sysctls[i]);
    if (!sysctl.ok()) return Annotate(sysctl.status(), field);
    RETURN_IF_ERROR(put(sysctl->key, sysctl->value, field));
  }
  for (const auto& [key, value] : in.pod.sysctls) {
    RETURN_IF_ERROR(put(key, value, "sysctls"));
  }
  return sysctls;
}

absl::StatusOr<json> BuildRlimits(const RuntimeDefaults& defaults) {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> limits;  // type -> soft, hard
  const auto value = [](std::int64_t v) {
    return v < 0 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(v);
  };
  for (std::size_t i = 0; i < defaults.default_ulimits.size(); ++i) {
    absl::StatusOr<config::Ulimit> ulimit = config::ParseUlimit(defaults.default_ulimits[i]);
    if (!ulimit.ok()) return Annotate(ulimit.status(), absl::StrCat("default_ulimits[", i, "]"));
    limits[absl::StrCat("RLIMIT_", absl::AsciiStrToUpper(ulimit->name))] = {value(ulimit->soft),
                                                                            value(ulimit->hard)};
  }
  json rlimits = json::array();
  for (const auto& [type, soft_hard] : limits) {
    rlimits.push_back({{"type", type}, {"soft", soft_hard.first}, {"hard", soft_hard.second}});
  }
  return rlimits;
}

}  // namespace crio::spec::internal
