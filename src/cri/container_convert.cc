#include "container_convert.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crio/common/status.h"

namespace crio::cri {
namespace {

namespace v1 = ::runtime::v1;

// Kubernetes' limit for uids and gids (int32).
constexpr std::int64_t kMaxId = 2147483647;

bool Absolute(absl::string_view path) { return !path.empty() && path.front() == '/'; }

absl::Status CheckAbsolute(absl::string_view path, absl::string_view field) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": empty"));
  if (!Absolute(path)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": \"", path, "\" is not absolute"));
  }
  return absl::OkStatus();
}

absl::Status CheckId(std::int64_t id, absl::string_view field) {
  if (id < 0 || id > kMaxId) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", id, " is out of range (0 to ", kMaxId, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<spec::NamespaceMode> Mode(v1::NamespaceMode mode, absl::string_view field) {
  switch (mode) {
    case v1::POD:
      return spec::NamespaceMode::kPod;
    case v1::CONTAINER:
      return spec::NamespaceMode::kContainer;
    case v1::NODE:
      return spec::NamespaceMode::kNode;
    case v1::TARGET:
      return spec::NamespaceMode::kTarget;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": unknown namespace mode ", static_cast<int>(mode)));
  }
}

absl::StatusOr<spec::Mount> ToMount(const v1::Mount& m, std::size_t i) {
  const std::string field = absl::StrCat("config.mounts[", i, "]");
  if (m.has_image() && !m.image().image().empty()) {
    return absl::UnimplementedError(absl::StrCat(field, ".image: image volumes are not supported"));
  }
  if (m.uidmappings_size() > 0 || m.gidmappings_size() > 0) {
    return absl::UnimplementedError(absl::StrCat(field, ": ID-mapped mounts are not supported"));
  }
  RETURN_IF_ERROR(CheckAbsolute(m.container_path(), absl::StrCat(field, ".container_path")));
  RETURN_IF_ERROR(CheckAbsolute(m.host_path(), absl::StrCat(field, ".host_path")));
  spec::Mount out;
  out.container_path = m.container_path();
  out.host_path = m.host_path();
  out.readonly = m.readonly();
  out.recursive_read_only = m.recursive_read_only();
  out.selinux_relabel = m.selinux_relabel();
  switch (m.propagation()) {
    case v1::PROPAGATION_PRIVATE:
      out.propagation = spec::MountPropagation::kPrivate;
      break;
    case v1::PROPAGATION_HOST_TO_CONTAINER:
      out.propagation = spec::MountPropagation::kHostToContainer;
      break;
    case v1::PROPAGATION_BIDIRECTIONAL:
      out.propagation = spec::MountPropagation::kBidirectional;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".propagation: unknown value ", static_cast<int>(m.propagation())));
  }
  return out;
}

absl::StatusOr<spec::LinuxResources> ToResources(const v1::LinuxContainerResources& r) {
  const absl::string_view field = "config.linux.resources";
  const auto negative = [&](absl::string_view name, std::int64_t value, std::int64_t min) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".", name, ": ", value, " is below ", min));
  };
  if (r.cpu_period() < 0) return negative("cpu_period", r.cpu_period(), 0);
  if (r.cpu_quota() < -1) return negative("cpu_quota", r.cpu_quota(), -1);
  if (r.cpu_shares() < 0) return negative("cpu_shares", r.cpu_shares(), 0);
  if (r.memory_limit_in_bytes() < 0) {
    return negative("memory_limit_in_bytes", r.memory_limit_in_bytes(), 0);
  }
  if (r.memory_swap_limit_in_bytes() < -1) {
    return negative("memory_swap_limit_in_bytes", r.memory_swap_limit_in_bytes(), -1);
  }
  if (r.oom_score_adj() < -1000 || r.oom_score_adj() > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".oom_score_adj: ", r.oom_score_adj(), " is not in -1000..1000"));
  }
  spec::LinuxResources out;
  out.cpu_period = r.cpu_period();
  out.cpu_quota = r.cpu_quota();
  out.cpu_shares = r.cpu_shares();
  out.memory_limit_in_bytes = r.memory_limit_in_bytes();
  out.memory_swap_limit_in_bytes = r.memory_swap_limit_in_bytes();
  out.oom_score_adj = r.oom_score_adj();
  out.cpuset_cpus = r.cpuset_cpus();
  out.cpuset_mems = r.cpuset_mems();
  for (int i = 0; i < r.hugepage_limits_size(); ++i) {
    const v1::HugepageLimit& h = r.hugepage_limits(i);
    if (h.page_size().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".hugepage_limits[", i, "].page_size: empty"));
    }
    out.hugepage_limits.push_back({h.page_size(), h.limit()});
  }
  out.unified = {r.unified().begin(), r.unified().end()};
  return out;
}

// The container's seccomp choice: the SecurityProfile when given, else the deprecated
// seccomp_profile_path ("runtime/default", "docker/default", "unconfined",
// "localhost/<absolute path>"), else unset (the daemon's config decides).
absl::StatusOr<spec::SeccompProfileRequest> ToSeccompRequest(
    const v1::LinuxContainerSecurityContext& sc, const std::string& field) {
  spec::SeccompProfileRequest out;
  if (sc.has_seccomp()) {
    switch (sc.seccomp().profile_type()) {
      case v1::SecurityProfile::RuntimeDefault:
        out.type = spec::SeccompProfileType::kRuntimeDefault;
        break;
      case v1::SecurityProfile::Unconfined:
        out.type = spec::SeccompProfileType::kUnconfined;
        break;
      case v1::SecurityProfile::Localhost:
        out.type = spec::SeccompProfileType::kLocalhost;
        out.localhost_ref = sc.seccomp().localhost_ref();
        if (!Absolute(out.localhost_ref)) {
          return absl::InvalidArgumentError(absl::StrCat(field, ".seccomp.localhost_ref: \"",
                                                         out.localhost_ref,
                                                         "\" is not an absolute path"));
        }
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".seccomp.profile_type: unknown value ",
                         static_cast<int>(sc.seccomp().profile_type())));
    }
    return out;
  }
  // Deprecated in the CRI, but older kubelets and crictl still send it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const std::string& path = sc.seccomp_profile_path();
#pragma GCC diagnostic pop
  if (path.empty()) return out;
  if (path == "runtime/default" || path == "docker/default") {
    out.type = spec::SeccompProfileType::kRuntimeDefault;
  } else if (path == "unconfined") {
    out.type = spec::SeccompProfileType::kUnconfined;
  } else if (absl::StartsWith(path, "localhost/") && Absolute(path.substr(10))) {
    out.type = spec::SeccompProfileType::kLocalhost;
    out.localhost_ref = path.substr(10);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".seccomp_profile_path: \"", path,
                     "\" is not runtime/default, unconfined or localhost/<absolute path>"));
  }
  return out;
}

absl::StatusOr<spec::SecurityContext> ToSecurity(const v1::LinuxContainerSecurityContext& sc) {
  const std::string field = "config.linux.security_context";
  spec::SecurityContext out;
  if (sc.has_capabilities()) {
    const v1::Capability& caps = sc.capabilities();
    out.add_capabilities = {caps.add_capabilities().begin(), caps.add_capabilities().end()};
    out.drop_capabilities = {caps.drop_capabilities().begin(), caps.drop_capabilities().end()};
    out.add_ambient_capabilities = {caps.add_ambient_capabilities().begin(),
                                    caps.add_ambient_capabilities().end()};
  }
  out.privileged = sc.privileged();
  const v1::NamespaceOption& ns = sc.namespace_options();
  ASSIGN_OR_RETURN(out.namespace_options.network,
                   Mode(ns.network(), field + ".namespace_options.network"));
  ASSIGN_OR_RETURN(out.namespace_options.pid, Mode(ns.pid(), field + ".namespace_options.pid"));
  ASSIGN_OR_RETURN(out.namespace_options.ipc, Mode(ns.ipc(), field + ".namespace_options.ipc"));
  out.namespace_options.target_id = ns.target_id();
  if (out.namespace_options.pid == spec::NamespaceMode::kTarget && ns.target_id().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".namespace_options.target_id: empty with pid mode TARGET"));
  }
  if (ns.has_userns_options() && ns.userns_options().mode() != v1::NODE &&
      (ns.userns_options().uids_size() > 0 || ns.userns_options().gids_size() > 0)) {
    return absl::UnimplementedError(
        absl::StrCat(field,
                     ".namespace_options.userns_options: user namespaces are not "
                     "supported"));
  }
  if (sc.has_run_as_user()) {
    RETURN_IF_ERROR(CheckId(sc.run_as_user().value(), field + ".run_as_user"));
    out.run_as_user = sc.run_as_user().value();
  }
  if (sc.has_run_as_group()) {
    RETURN_IF_ERROR(CheckId(sc.run_as_group().value(), field + ".run_as_group"));
    if (!sc.has_run_as_user() && sc.run_as_username().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".run_as_group: set without run_as_user or run_as_username"));
    }
    out.run_as_group = sc.run_as_group().value();
  }
  out.run_as_username = sc.run_as_username();
  out.readonly_rootfs = sc.readonly_rootfs();
  for (int i = 0; i < sc.supplemental_groups_size(); ++i) {
    RETURN_IF_ERROR(
        CheckId(sc.supplemental_groups(i), absl::StrCat(field, ".supplemental_groups[", i, "]")));
    out.supplemental_groups.push_back(sc.supplemental_groups(i));
  }
  switch (sc.supplemental_groups_policy()) {
    case v1::Merge:
      out.supplemental_groups_policy = spec::SupplementalGroupsPolicy::kMerge;
      break;
    case v1::Strict:
      out.supplemental_groups_policy = spec::SupplementalGroupsPolicy::kStrict;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".supplemental_groups_policy: unknown value ",
                       static_cast<int>(sc.supplemental_groups_policy())));
  }
  out.no_new_privs = sc.no_new_privs();
  ASSIGN_OR_RETURN(out.seccomp, ToSeccompRequest(sc, field));
  if (sc.has_selinux_options()) {
    const v1::SELinuxOption& se = sc.selinux_options();
    out.selinux_options = {se.user(), se.role(), se.type(), se.level()};
  }
  out.masked_paths = {sc.masked_paths().begin(), sc.masked_paths().end()};
  out.readonly_paths = {sc.readonly_paths().begin(), sc.readonly_paths().end()};
  return out;
}

}  // namespace

std::string SignalName(v1::Signal signal) {
  if (signal == v1::RUNTIME_DEFAULT) return "";
  std::string name = v1::Signal_Name(signal);
  // The enum cannot spell "SIGRTMIN+3" or "SIGRTMAX-2".
  for (const auto& [marker, sign] :
       {std::pair<std::string, std::string>{"PLUS", "+"}, {"MINUS", "-"}}) {
    const std::size_t at = name.find(marker);
    if (at != std::string::npos) name.replace(at, marker.size(), sign);
  }
  return name;
}

absl::StatusOr<spec::ContainerRequest> ToContainerRequest(const v1::ContainerConfig& config) {
  if (!config.has_metadata()) return absl::InvalidArgumentError("config.metadata: missing");
  if (config.metadata().name().empty()) {
    return absl::InvalidArgumentError("config.metadata.name: empty");
  }
  if (config.image().image().empty()) {
    return absl::InvalidArgumentError("config.image.image: empty");
  }
  if (config.cdi_devices_size() > 0) {
    return absl::UnimplementedError("config.CDI_devices: CDI devices are not supported");
  }
  spec::ContainerRequest out;
  out.name = config.metadata().name();
  out.attempt = config.metadata().attempt();
  out.image = config.image().image();
  out.command = {config.command().begin(), config.command().end()};
  out.args = {config.args().begin(), config.args().end()};
  if (!config.working_dir().empty() && !Absolute(config.working_dir())) {
    return absl::InvalidArgumentError(
        absl::StrCat("config.working_dir: \"", config.working_dir(), "\" is not absolute"));
  }
  out.working_dir = config.working_dir();
  for (int i = 0; i < config.envs_size(); ++i) {
    const v1::KeyValue& kv = config.envs(i);
    if (kv.key().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("config.envs[", i, "].key: empty"));
    }
    if (kv.key().find('=') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("config.envs[", i, "].key: \"", kv.key(), "\" contains '='"));
    }
    out.envs.emplace_back(kv.key(), kv.value());
  }
  for (int i = 0; i < config.mounts_size(); ++i) {
    ASSIGN_OR_RETURN(spec::Mount mount, ToMount(config.mounts(i), static_cast<std::size_t>(i)));
    out.mounts.push_back(std::move(mount));
  }
  for (int i = 0; i < config.devices_size(); ++i) {
    const v1::Device& d = config.devices(i);
    const std::string field = absl::StrCat("config.devices[", i, "]");
    RETURN_IF_ERROR(CheckAbsolute(d.container_path(), field + ".container_path"));
    RETURN_IF_ERROR(CheckAbsolute(d.host_path(), field + ".host_path"));
    if (d.permissions().find_first_not_of("rwm") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".permissions: \"", d.permissions(), "\" is not made of r, w and m"));
    }
    out.devices.push_back({d.container_path(), d.host_path(), d.permissions()});
  }
  out.labels = {config.labels().begin(), config.labels().end()};
  out.annotations = {config.annotations().begin(), config.annotations().end()};
  out.log_path = config.log_path();
  out.stdin = config.stdin();
  out.stdin_once = config.stdin_once();
  out.tty = config.tty();
  if (config.has_linux()) {
    if (config.linux().has_resources()) {
      ASSIGN_OR_RETURN(out.resources, ToResources(config.linux().resources()));
    }
    if (config.linux().has_security_context()) {
      ASSIGN_OR_RETURN(out.security, ToSecurity(config.linux().security_context()));
    }
  }
  if (!v1::Signal_IsValid(config.stop_signal())) {
    return absl::InvalidArgumentError(
        absl::StrCat("config.stop_signal: unknown value ", static_cast<int>(config.stop_signal())));
  }
  out.stop_signal = SignalName(config.stop_signal());
  return out;
}

absl::StatusOr<spec::PodContext> ToPodContext(const v1::PodSandboxConfig& config) {
  if (!config.has_metadata()) return absl::InvalidArgumentError("sandbox_config.metadata: missing");
  spec::PodContext out;
  out.name = config.metadata().name();
  out.namespace_ = config.metadata().namespace_();
  out.uid = config.metadata().uid();
  out.attempt = config.metadata().attempt();
  out.hostname = config.hostname();
  if (!config.log_directory().empty() && !Absolute(config.log_directory())) {
    return absl::InvalidArgumentError(absl::StrCat("sandbox_config.log_directory: \"",
                                                   config.log_directory(), "\" is not absolute"));
  }
  out.log_directory = config.log_directory();
  if (config.has_linux()) {
    const v1::LinuxPodSandboxConfig& linux = config.linux();
    out.cgroup_parent = linux.cgroup_parent();
    out.sysctls = {linux.sysctls().begin(), linux.sysctls().end()};
    const v1::LinuxSandboxSecurityContext& sc = linux.security_context();
    out.host_network = sc.namespace_options().network() == v1::NODE;
    out.host_ipc = sc.namespace_options().ipc() == v1::NODE;
    out.host_pid = sc.namespace_options().pid() == v1::NODE;
    out.privileged = sc.privileged();
  }
  return out;
}

}  // namespace crio::cri
