#include "crio/spec/container_spec.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crio/common/status.h"
#include "crio/config/values.h"
#include "crio/spec/user.h"
#include "internal.h"

namespace crio::spec {

const std::vector<std::string> kDefaultMaskedPaths = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};

const std::vector<std::string> kDefaultReadonlyPaths = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

namespace {

using internal::CleanPath;
using internal::IsAbsolute;
using nlohmann::json;

constexpr absl::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// process.env with "later wins, in the place of the first" semantics.
class Environment {
 public:
  void Set(const std::string& name, const std::string& value) {
    const std::string entry = absl::StrCat(name, "=", value);
    const auto [it, inserted] = index_.emplace(name, entries_.size());
    if (inserted) {
      entries_.push_back(entry);
    } else {
      entries_[it->second] = entry;
    }
  }
  bool Has(const std::string& name) const { return index_.contains(name); }
  const std::string* Get(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
  std::map<std::string, std::size_t> index_;
};

// "NAME=value" -> NAME, value; false without '=' or with an empty name.
bool SplitEnv(const std::string& entry, std::string* name, std::string* value) {
  const std::size_t eq = entry.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  *name = entry.substr(0, eq);
  *value = entry.substr(eq + 1);
  return true;
}

// Kubernetes' rules for combining the CRI command/args with the image.
absl::StatusOr<std::vector<std::string>> ProcessArgs(const ContainerRequest& request,
                                                     const registry::ContainerConfig& image) {
  std::vector<std::string> command = request.command;
  std::vector<std::string> args = request.args;
  if (command.empty()) {
    if (args.empty()) args = image.cmd;
    command = image.entrypoint;
  }
  std::vector<std::string> argv = command;
  argv.insert(argv.end(), args.begin(), args.end());
  if (argv.empty()) return absl::InvalidArgumentError("no command specified");
  if (argv.front().empty()) {
    return absl::InvalidArgumentError("command: the program to run is an empty string");
  }
  return argv;
}

absl::StatusOr<Environment> ProcessEnv(const SpecInput& in, std::vector<std::string>* warnings) {
  Environment env;
  env.Set("PATH", std::string(kDefaultPath));
  if (!in.pod.hostname.empty()) env.Set("HOSTNAME", in.pod.hostname);
  if (in.request.tty) env.Set("TERM", "xterm");
  std::string name;
  std::string value;
  for (std::size_t i = 0; i < in.defaults.default_env.size(); ++i) {
    if (!SplitEnv(in.defaults.default_env[i], &name, &value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "default_env[", i, "]: \"", in.defaults.default_env[i], "\" is not NAME=value"));
    }
    env.Set(name, value);
  }
  for (const std::string& entry : in.image.config.env) {
    if (!SplitEnv(entry, &name, &value)) {
      warnings->push_back(
          absl::StrCat("Ignoring image environment entry \"", entry, "\": it is not NAME=value"));
      continue;
    }
    env.Set(name, value);
  }
  for (std::size_t i = 0; i < in.request.envs.size(); ++i) {
    const auto& [key, val] = in.request.envs[i];
    if (key.empty()) return absl::InvalidArgumentError(absl::StrCat("envs[", i, "].key: empty"));
    env.Set(key, val);
  }
  if (const std::string* home = env.Get("HOME"); home != nullptr) {
    if (home->find('\n') != std::string::npos) {
      return absl::InvalidArgumentError("env HOME: newline not allowed");
    }
  }
  return env;
}

absl::StatusOr<std::string> ProcessCwd(const ContainerRequest& request,
                                       const registry::ContainerConfig& image) {
  if (!request.working_dir.empty()) {
    if (!IsAbsolute(request.working_dir)) {
      return absl::InvalidArgumentError(
          absl::StrCat("working_dir: \"", request.working_dir, "\" is not absolute"));
    }
    return CleanPath(request.working_dir);
  }
  if (!image.working_dir.empty()) return CleanPath(absl::StrCat("/", image.working_dir));
  return std::string("/");
}

absl::StatusOr<std::string> LogPath(const SpecInput& in) {
  const std::string& dir = in.pod.log_directory;
  if (!IsAbsolute(dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("log_directory: \"", dir, "\" of the pod is not absolute"));
  }
  const std::string relative =
      in.request.log_path.empty() ? absl::StrCat(in.container_id, ".log") : in.request.log_path;
  const std::string clean_dir = CleanPath(dir);
  const std::string path = CleanPath(absl::StrCat(clean_dir, "/", relative));
  const std::string prefix = clean_dir == "/" ? "/" : absl::StrCat(clean_dir, "/");
  if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("log_path: \"", in.request.log_path,
                                                   "\" leaves the pod's log directory ", dir));
  }
  return path;
}

std::string StopSignal(const SpecInput& in) {
  return in.request.stop_signal.empty() ? in.image.config.stop_signal : in.request.stop_signal;
}

json VolumesJson(const std::vector<Mount>& mounts) {
  json volumes = json::array();
  for (const Mount& m : mounts) {
    volumes.push_back({{"container_path", m.container_path},
                       {"host_path", m.host_path},
                       {"readonly", m.readonly},
                       {"propagation", static_cast<int>(m.propagation)},
                       {"selinux_relabel", m.selinux_relabel}});
  }
  return volumes;
}

// CRI-O's annotations: the pod's, the container's and its labels, then the keys CRI-O
// and kubelet tools read back, last so that a request cannot forge them.
json Annotations(const SpecInput& in, const std::string& log_path, const std::string& stop_signal) {
  const ContainerRequest& request = in.request;
  const PodContext& pod = in.pod;
  json a = json::object();
  for (const auto& [key, value] : pod.annotations) a[key] = value;
  for (const auto& [key, value] : request.annotations) a[key] = value;
  for (const auto& [key, value] : request.labels) a[key] = value;

  const auto flag = [](bool b) { return b ? "true" : "false"; };
  a["io.container.manager"] = "cri-o";
  a["io.kubernetes.cri-o.ContainerType"] = "container";
  a["io.kubernetes.cri-o.ContainerID"] = in.container_id;
  if (!in.process_label.empty()) a["io.kubernetes.cri-o.ProcessLabel"] = in.process_label;
  if (!in.mount_label.empty()) a["io.kubernetes.cri-o.MountLabel"] = in.mount_label;
  a["io.kubernetes.cri-o.Name"] = absl::StrCat("k8s_", request.name, "_", pod.name, "_",
                                               pod.namespace_, "_", pod.uid, "_", request.attempt);
  a["io.kubernetes.cri-o.SandboxID"] = pod.id;
  if (!pod.sandbox_name.empty()) a["io.kubernetes.cri-o.SandboxName"] = pod.sandbox_name;
  a["io.kubernetes.cri-o.LogPath"] = log_path;
  a["io.kubernetes.cri-o.TTY"] = flag(request.tty);
  a["io.kubernetes.cri-o.Stdin"] = flag(request.stdin);
  a["io.kubernetes.cri-o.StdinOnce"] = flag(request.stdin_once);
  a["io.kubernetes.cri-o.Image"] = request.image;
  a["io.kubernetes.cri-o.ImageName"] = in.image.name;
  a["io.kubernetes.cri-o.ImageRef"] = in.image.id;
  a["io.kubernetes.cri-o.MountPoint"] = in.rootfs;
  a["io.kubernetes.cri-o.ResolvPath"] = pod.resolv_conf_path;
  if (!in.created.empty()) a["io.kubernetes.cri-o.Created"] = in.created;
  a["io.kubernetes.cri-o.Metadata"] =
      json{{"name", request.name}, {"attempt", request.attempt}}.dump();
  a["io.kubernetes.cri-o.Labels"] = json(request.labels).dump();
  a["io.kubernetes.cri-o.Annotations"] = json(request.annotations).dump();
  a["io.kubernetes.cri-o.Volumes"] = VolumesJson(request.mounts).dump();
  a["io.kubernetes.container.name"] = request.name;
  if (!pod.name.empty()) a["io.kubernetes.pod.name"] = pod.name;
  if (!pod.namespace_.empty()) a["io.kubernetes.pod.namespace"] = pod.namespace_;
  if (!pod.uid.empty()) a["io.kubernetes.pod.uid"] = pod.uid;
  if (!stop_signal.empty()) a["org.opencontainers.image.stopSignal"] = stop_signal;
  return a;
}

}  // namespace

absl::StatusOr<BuiltSpec> BuildContainerSpec(const SpecInput& in) {
  const ContainerRequest& request = in.request;
  const SecurityContext& sc = request.security;
  if (in.container_id.empty()) return absl::InvalidArgumentError("container id: empty");
  if (request.name.empty()) return absl::InvalidArgumentError("metadata.name: empty");
  if (!IsAbsolute(in.rootfs)) {
    return absl::InvalidArgumentError(absl::StrCat("rootfs: \"", in.rootfs, "\" is not absolute"));
  }
  if (sc.privileged && !in.pod.privileged) {
    return absl::InvalidArgumentError(
        "privileged: the pod's security context does not allow privileged containers");
  }

  BuiltSpec out;
  internal::Plan plan;
  plan.privileged = sc.privileged;
  plan.readonly_rootfs = sc.readonly_rootfs || in.defaults.read_only;

  // Namespaces first: sysctl checks and the hostname depend on them.
  ASSIGN_OR_RETURN(json namespaces, internal::BuildNamespaces(in, &plan));

  ASSIGN_OR_RETURN(std::vector<std::string> args, ProcessArgs(request, in.image.config));
  ASSIGN_OR_RETURN(Environment env, ProcessEnv(in, &out.warnings));
  ASSIGN_OR_RETURN(std::string cwd, ProcessCwd(request, in.image.config));

  UserRequest user_request;
  user_request.run_as_user = sc.run_as_user;
  user_request.run_as_group = sc.run_as_group;
  user_request.run_as_username = sc.run_as_username;
  user_request.image_user = in.image.config.user;
  user_request.supplemental_groups = sc.supplemental_groups;
  user_request.supplemental_groups_policy = sc.supplemental_groups_policy;
  ASSIGN_OR_RETURN(out.user, ResolveUser(in.rootfs, user_request));
  // HOME comes from the image's passwd entry, never from the user's own files.
  if (!env.Has("HOME")) env.Set("HOME", out.user.home);

  ASSIGN_OR_RETURN(json capabilities, internal::BuildCapabilities(in, plan, &out.warnings));
  // For the seccomp rules that depend on capabilities, before `capabilities` moves.
  const std::vector<std::string> bounding =
      capabilities["bounding"].get<std::vector<std::string>>();
  ASSIGN_OR_RETURN(json rlimits, internal::BuildRlimits(in.defaults));
  int oom_score_adj = 0;
  ASSIGN_OR_RETURN(json resources,
                   internal::BuildResources(in, plan, &oom_score_adj, &out.warnings));
  ASSIGN_OR_RETURN(json devices, internal::BuildDevices(in, plan));
  ASSIGN_OR_RETURN(std::string cgroups_path, internal::BuildCgroupsPath(in));
  ASSIGN_OR_RETURN(json sysctls, internal::BuildSysctls(in, plan));
  std::string rootfs_propagation;
  ASSIGN_OR_RETURN(json mounts,
                   internal::BuildMounts(in, plan, &rootfs_propagation, &out.warnings));
  ASSIGN_OR_RETURN(out.log_path, LogPath(in));
  out.stop_signal = StopSignal(in);
  out.image_volumes = in.defaults.image_volumes == "ignore" ? std::vector<std::string>{}
                                                            : internal::UncoveredImageVolumes(in);
  if (in.defaults.image_volumes == "bind" && !out.image_volumes.empty()) {
    out.warnings.push_back(
        "Creating image volumes as directories in the rootfs: image_volumes \"bind\" is not "
        "supported");
  }

  json user = {{"uid", out.user.uid}, {"gid", out.user.gid}};
  user["additionalGids"] = out.user.additional_gids;
  json process = {
      {"terminal", request.tty},
      {"user", std::move(user)},
      {"args", std::move(args)},
      {"env", env.entries()},
      {"cwd", std::move(cwd)},
      {"capabilities", std::move(capabilities)},
      {"noNewPrivileges", sc.no_new_privs},
      {"oomScoreAdj", oom_score_adj},
  };
  if (!rlimits.empty()) process["rlimits"] = std::move(rlimits);
  if (in.apply_selinux_labels && !in.process_label.empty()) {
    process["selinuxLabel"] = in.process_label;
  }

  json linux = {
      {"namespaces", std::move(namespaces)},
      {"resources", std::move(resources)},
      {"cgroupsPath", std::move(cgroups_path)},
  };
  if (!devices.empty()) linux["devices"] = std::move(devices);
  if (!sysctls.empty()) linux["sysctl"] = std::move(sysctls);
  if (!rootfs_propagation.empty()) linux["rootfsPropagation"] = rootfs_propagation;
  if (!plan.privileged) {
    linux["maskedPaths"] = sc.masked_paths.empty() ? kDefaultMaskedPaths : sc.masked_paths;
    linux["readonlyPaths"] = sc.readonly_paths.empty() ? kDefaultReadonlyPaths : sc.readonly_paths;
  }
  if (in.seccomp_profile && (!plan.privileged || in.seccomp_when_privileged)) {
    seccomp::Target target;
    target.capabilities = bounding;
    target.arch = in.defaults.arch;
    target.kernel = in.defaults.kernel;
    ASSIGN_OR_RETURN(linux["seccomp"],
                     seccomp::ToOciSeccomp(*in.seccomp_profile, target, &out.warnings));
  } else if (in.seccomp_profile) {
    out.warnings.push_back("Not applying a seccomp profile: the container is privileged");
  }
  if (in.apply_selinux_labels && !in.mount_label.empty()) linux["mountLabel"] = in.mount_label;

  out.spec = {
      {"ociVersion", "1.0.2-dev"},
      {"process", std::move(process)},
      {"root", {{"path", in.rootfs}, {"readonly", plan.readonly_rootfs}}},
      {"mounts", std::move(mounts)},
      {"annotations", Annotations(in, out.log_path, out.stop_signal)},
      {"linux", std::move(linux)},
  };
  // A hostname needs a UTS namespace of the container's own (or its pod's).
  if (plan.own_uts && !in.pod.hostname.empty()) out.spec["hostname"] = in.pod.hostname;
  return out;
}

absl::StatusOr<RuntimeDefaults> RuntimeDefaultsFromConfig(const config::Config& config,
                                                          const std::string& handler) {
  const config::RuntimeConfig& rc = config.runtime;
  const std::string name = handler.empty() ? rc.default_runtime : handler;
  const auto it = rc.runtimes.find(name);
  if (it == rc.runtimes.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("runtime handler \"", name, "\" is not configured"));
  }
  RuntimeDefaults d;
  d.default_capabilities = rc.default_capabilities;
  d.add_inheritable_capabilities = rc.add_inheritable_capabilities;
  d.default_ulimits = rc.default_ulimits;
  d.default_sysctls = rc.default_sysctls;
  d.default_env = rc.default_env;
  d.pids_limit = rc.pids_limit;
  d.cgroup_manager = rc.cgroup_manager;
  d.read_only = rc.read_only;
  d.image_volumes = config.image.image_volumes;
  d.privileged_without_host_devices = it->second.privileged_without_host_devices;
  if (!it->second.container_min_memory.empty()) {
    absl::StatusOr<std::int64_t> min = config::ParseMemorySize(it->second.container_min_memory);
    if (!min.ok()) {
      return Annotate(min.status(),
                      absl::StrCat("crio.runtime.runtimes.", name, ".container_min_memory"));
    }
    d.container_min_memory = *min;
  }
  return d;
}

}  // namespace crio::spec
