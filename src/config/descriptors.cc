#include "descriptors.h"

#include <array>
#include <limits>

#include "absl/strings/str_format.h"
#include "crio/common/log.h"
#include "crio/config/values.h"

namespace crio::config::internal {
namespace {

absl::Status Bad(std::string_view why) { return absl::InvalidArgumentError(ToAbsl(why)); }

template <typename T>
absl::Status FromStatusOr(const absl::StatusOr<T>& parsed) {
  return parsed.ok() ? absl::OkStatus() : parsed.status();
}

// ---- string checks ----

absl::Status AbsPath(std::string_view v) {
  return !v.empty() && v[0] == '/' ? absl::OkStatus() : Bad("must be an absolute path");
}
absl::Status OptionalAbsPath(std::string_view v) {
  return v.empty() || v[0] == '/' ? absl::OkStatus() : Bad("must be empty or an absolute path");
}
absl::Status NonEmpty(std::string_view v) {
  return v.empty() ? Bad("must not be empty") : absl::OkStatus();
}
absl::Status LogLevel(std::string_view v) {
  return crio::log::ParseLevel(v).ok()
             ? absl::OkStatus()
             : Bad("must be one of trace, debug, info, warn, warning, error, fatal, panic");
}
absl::Status CgroupManager(std::string_view v) {
  return v == "systemd" || v == "cgroupfs" ? absl::OkStatus()
                                           : Bad("must be \"systemd\" or \"cgroupfs\"");
}
absl::Status RuntimeType(std::string_view v) {
  return v.empty() || v == "oci" || v == "vm" || v == "pod"
             ? absl::OkStatus()
             : Bad("must be \"oci\", \"vm\" or \"pod\"");
}
absl::Status Port(std::string_view v) {
  std::int64_t port = 0;
  bool digits = !v.empty() && v.size() <= 5;
  for (char c : v) {
    if (c < '0' || c > '9') digits = false;
    if (digits) port = port * 10 + (c - '0');
  }
  return digits && port <= 65535 ? absl::OkStatus()
                                 : Bad("must be a decimal port number from 0 to 65535");
}
absl::Status Duration(std::string_view v) { return FromStatusOr(ParseGoDuration(v)); }
absl::Status OptionalDuration(std::string_view v) {
  return v.empty() ? absl::OkStatus() : Duration(v);
}
absl::Status Capability(std::string_view v) { return FromStatusOr(CanonicalCapability(v)); }
absl::Status SysctlEntry(std::string_view v) {
  // CRI-O skips empty entries for backwards compatibility.
  if (v.empty()) return absl::OkStatus();
  auto sysctl = ParseSysctl(v);
  if (!sysctl.ok()) return sysctl.status();
  // Checked as a pod's would be (CVE-2022-0811): one setting, and a namespaced one.
  if (absl::Status text = CheckSysctlText(sysctl->key, sysctl->value); !text.ok()) return text;
  if (SysctlNamespaceOf(sysctl->key).empty()) {
    return absl::InvalidArgumentError("sysctl \"" + sysctl->key +
                                      "\" is not namespaced and would change the whole host");
  }
  return absl::OkStatus();
}
absl::Status UlimitEntry(std::string_view v) { return FromStatusOr(ParseUlimit(v)); }
absl::Status DeviceEntry(std::string_view v) { return FromStatusOr(ParseDevice(v)); }
absl::Status IdMappings(std::string_view v) { return FromStatusOr(ParseIdMappings(v)); }
absl::Status CpuList(std::string_view v) { return FromStatusOr(ParseCpuList(v)); }
absl::Status MemorySize(std::string_view v) {
  return v.empty() ? absl::OkStatus() : FromStatusOr(ParseMemorySize(v));
}
absl::Status ImageVolumes(std::string_view v) {
  return v == "mkdir" || v == "bind" || v == "ignore"
             ? absl::OkStatus()
             : Bad("must be \"mkdir\", \"bind\" or \"ignore\"");
}
absl::Status ShortNameMode(std::string_view v) {
  return v.empty() || v == "enforcing" || v == "disabled"
             ? absl::OkStatus()
             : Bad("must be \"enforcing\" or \"disabled\"");
}
absl::Status ExecCpuAffinity(std::string_view v) {
  return v.empty() || v == "first" ? absl::OkStatus() : Bad("must be empty or \"first\"");
}
absl::Status MonitorExecCgroup(std::string_view v) {
  return v.empty() || v == "container" ? absl::OkStatus() : Bad("must be empty or \"container\"");
}
absl::Status SliceOrPod(std::string_view v) {
  return v.empty() || v == "pod" || v.ends_with(".slice")
             ? absl::OkStatus()
             : Bad("must be empty, \"pod\" or a systemd slice such as \"system.slice\"");
}
absl::Status Timezone(std::string_view v) {
  if (v.empty() || EqualsIgnoreCase(v, "local")) return absl::OkStatus();
  if (v[0] == '/' || v.find("..") != std::string_view::npos ||
      v.find_first_of(" \t\n") != std::string_view::npos) {
    return Bad("must be empty, \"Local\" or a time zone name such as \"Europe/Paris\"");
  }
  return absl::OkStatus();
}
absl::Status EnvEntry(std::string_view v) {
  const std::size_t eq = v.find('=');
  return eq != std::string_view::npos && eq > 0 ? absl::OkStatus() : Bad("must be NAME=value");
}
absl::Status ImageRef(std::string_view v) {
  if (v.empty()) return Bad("must name an image such as \"registry.k8s.io/pause:3.10\"");
  if (v.find_first_of(" \t\n\r") != std::string_view::npos) {
    return Bad("must not contain white space");
  }
  return absl::OkStatus();
}

// ---- integer checks ----

absl::Status MetricsPort(std::int64_t v) {
  return v >= 1 && v <= 65535 ? absl::OkStatus() : Bad("must be a port from 1 to 65535");
}
absl::Status LogSizeMax(std::int64_t v) {
  // crio-monitor reads container output in 8 KiB chunks, as conmon does.
  return v < 0 || v >= 8192 ? absl::OkStatus()
                            : Bad("must be negative (no limit) or at least 8192");
}
absl::Status PidsLimit(std::int64_t v) {
  return v >= -1 ? absl::OkStatus() : Bad("must be -1 (no limit) or at least 0");
}
absl::Status NonNegative(std::int64_t v) {
  return v >= 0 ? absl::OkStatus() : Bad("must not be negative");
}
absl::Status GrpcMessageSize(std::int64_t v) {
  return v <= std::numeric_limits<std::int32_t>::max()
             ? absl::OkStatus()
             : Bad("must be at most 2147483647 (0 or less means 83886080)");
}

// ---- the tables ----

using R = RootConfig;
const Field<R> kRootFields[] = {
    {.key = "root",
     .member = &R::root,
     .doc = "Path to the \"root directory\". crio stores all of its persistent data, "
            "including container images, in this directory.",
     .string_check = AbsPath},
    {.key = "runroot",
     .member = &R::runroot,
     .doc = "Path to the \"run directory\". crio stores all of its state that must not "
            "survive a reboot in this directory.",
     .string_check = AbsPath},
    {.key = "storage_driver",
     .member = &R::storage_driver,
     .doc = "Storage driver used to manage the storage of images and containers. crio "
            "implements \"overlay\".",
     .string_check = NonEmpty},
    {.key = "storage_option",
     .member = &R::storage_option,
     .doc = "List of options passed to the storage driver, see "
            "containers-storage.conf(5)."},
    {.key = "log_dir",
     .member = &R::log_dir,
     .doc = "The default log directory where all logs will go unless directly specified by "
            "the kubelet. The log directory specified must be an absolute directory.",
     .string_check = AbsPath},
    {.key = "version_file",
     .member = &R::version_file,
     .doc = "Location of the temporary version file. It is used to check if crio should "
            "wipe containers, which should always happen on a node reboot, so it belongs "
            "on a tmpfs.",
     .string_check = AbsPath},
    {.key = "version_file_persist",
     .member = &R::version_file_persist,
     .doc = "Location of the persistent version file. It is used to check if crio should "
            "wipe images, which should only happen when crio has been upgraded. Empty "
            "disables the check.",
     .string_check = OptionalAbsPath},
    {.key = "clean_shutdown_file",
     .member = &R::clean_shutdown_file,
     .doc = "Location of the clean shutdown file. It is used to check whether crio had time "
            "to sync before shutting down. If not found, crio wipes the storage directory.",
     .string_check = OptionalAbsPath},
    {.key = "internal_wipe",
     .member = &R::internal_wipe,
     .doc = "Whether crio should wipe containers after a reboot and images after an upgrade "
            "when the server starts. If set to false, one must run `crio wipe` to do it."},
    {.key = "internal_repair",
     .member = &R::internal_repair,
     .doc = "Whether crio should check if the container and image storage was corrupted "
            "after a sudden restart, and if so attempt to repair it."},
};

using A = ApiConfig;
const Field<A> kApiFields[] = {
    {.key = "listen",
     .member = &A::listen,
     .doc = "Path to the AF_LOCAL socket on which crio serves the CRI.",
     .string_check = AbsPath},
    {.key = "stream_address",
     .member = &A::stream_address,
     .doc = "IP address on which the stream server (exec, attach, port-forward) listens."},
    {.key = "stream_port",
     .member = &A::stream_port,
     .doc = "The port on which the stream server listens, as a string. If set to \"0\", crio "
            "picks a random free port.",
     .string_check = Port},
    {.key = "stream_enable_tls",
     .member = &A::stream_enable_tls,
     .doc = "Enable encrypted TLS transport of the stream server. Requires stream_tls_cert "
            "and stream_tls_key."},
    {.key = "stream_idle_timeout",
     .member = &A::stream_idle_timeout,
     .doc = "Length of time until open streams terminate due to lack of activity, as a Go "
            "duration such as \"4h\". Empty means 4h.",
     .string_check = OptionalDuration},
    {.key = "stream_tls_cert",
     .member = &A::stream_tls_cert,
     .doc = "Path to the x509 certificate file used to serve the encrypted stream. crio "
            "picks up changes of this file.",
     .string_check = OptionalAbsPath},
    {.key = "stream_tls_key",
     .member = &A::stream_tls_key,
     .doc = "Path to the key file used to serve the encrypted stream. crio picks up changes "
            "of this file.",
     .string_check = OptionalAbsPath},
    {.key = "stream_tls_ca",
     .member = &A::stream_tls_ca,
     .doc = "Path to the x509 CA(s) file used to verify and authenticate client "
            "communication with the encrypted stream. crio picks up changes of this file.",
     .string_check = OptionalAbsPath},
    {.key = "grpc_max_send_msg_size",
     .member = &A::grpc_max_send_msg_size,
     .doc = "Maximum gRPC send message size in bytes. If not set or <= 0, crio uses "
            "83886080 (80 MiB).",
     .int_check = GrpcMessageSize},
    {.key = "grpc_max_recv_msg_size",
     .member = &A::grpc_max_recv_msg_size,
     .doc = "Maximum gRPC receive message size in bytes. If not set or <= 0, crio uses "
            "83886080 (80 MiB).",
     .int_check = GrpcMessageSize},
};

using RC = RuntimeConfig;
const Field<RC> kRuntimeFields[] = {
    {.key = "default_runtime",
     .member = &RC::default_runtime,
     .doc = "The name of the runtime handler used when the CRI names none. It must have a "
            "[crio.runtime.runtimes.<name>] table. Changing it on reload needs that table "
            "to exist already.",
     .string_check = NonEmpty,
     .reload = Reload::kLive},
    {.key = "default_ulimits",
     .member = &RC::default_ulimits,
     .doc = "A list of ulimits to be set in containers by default, specified as "
            "\"<ulimit name>=<soft limit>:<hard limit>\", for example \"nofile=1024:2048\". "
            "If empty, containers inherit crio's limits.",
     .string_check = UlimitEntry},
    {.key = "no_pivot",
     .member = &RC::no_pivot,
     .doc = "If true, the runtime will not use pivot_root, but instead use MS_MOVE."},
    {.key = "decryption_keys_path",
     .member = &RC::decryption_keys_path,
     .doc = "Path where the keys required for image decryption are stored.",
     .string_check = OptionalAbsPath,
     .reload = Reload::kLive},
    {.key = "selinux",
     .member = &RC::selinux,
     .doc = "If true, SELinux will be used for pod separation on the host."},
    {.key = "seccomp_profile",
     .member = &RC::seccomp_profile,
     .doc = "Path to the seccomp.json profile used as the default seccomp profile for the "
            "runtime. If empty or missing on disk, the built-in default profile is used.",
     .string_check = OptionalAbsPath,
     .reload = Reload::kLive},
    {.key = "seccomp_use_default_when_empty",
     .member = &RC::seccomp_use_default_when_empty,
     .doc = "Changes the meaning of an empty seccomp profile. The CRI says an empty profile "
            "means unconfined; with this option crio uses the default profile instead.",
     .deprecated = "set seccompProfile: RuntimeDefault on the pods, or kubelet's "
                   "--seccomp-default"},
    {.key = "seccomp_annotations_override_default",
     .member = &RC::seccomp_annotations_override_default,
     .doc = "If true, an allowed seccomp-profile.kubernetes.cri-o.io (or seccomp-profile.crio.io) "
            "annotation also replaces the RuntimeDefault profile, not only Unconfined. A profile "
            "given as Localhost always wins.",
     .reload = Reload::kLive},
    {.key = "privileged_seccomp_profile",
     .member = &RC::privileged_seccomp_profile,
     .doc = "Path to a seccomp profile applied to privileged containers. Empty means "
            "privileged containers run unconfined.",
     .string_check = OptionalAbsPath,
     .reload = Reload::kLive},
    {.key = "apparmor_profile",
     .member = &RC::apparmor_profile,
     .doc = "Name of the default AppArmor profile, used when the pod does not specify one. "
            "\"unconfined\" disables AppArmor.",
     .reload = Reload::kLive},
    {.key = "cgroup_manager",
     .member = &RC::cgroup_manager,
     .doc = "Cgroup management implementation used for the runtime: \"systemd\" or "
            "\"cgroupfs\". \"systemd\" needs systemd running as PID 1.",
     .string_check = CgroupManager},
    {.key = "separate_pull_cgroup",
     .member = &RC::separate_pull_cgroup,
     .doc = "If set, images are pulled in this systemd slice; \"pod\" means the pod's "
            "cgroup. Only with the systemd cgroup manager.",
     .string_check = SliceOrPod},
    {.key = "default_capabilities",
     .member = &RC::default_capabilities,
     .doc = "List of default capabilities for containers, with or without the CAP_ prefix. "
            "If empty, only the capabilities the container requests are added.",
     .string_check = Capability},
    {.key = "add_inheritable_capabilities",
     .member = &RC::add_inheritable_capabilities,
     .doc = "Add capabilities to the inheritable set as well as to the permitted, bounding "
            "and effective ones. Needed when non-root users in containers expect them."},
    {.key = "default_sysctls",
     .member = &RC::default_sysctls,
     .doc = "List of default sysctls, as \"key=value\" without spaces around '='. If empty, "
            "only the sysctls the pod requests are set.",
     .string_check = SysctlEntry},
    {.key = "allowed_devices",
     .member = &RC::allowed_devices,
     .doc = "List of host devices that pods may request with the allowed annotation "
            "\"io.kubernetes.cri-o.Devices\".",
     .string_check = AbsPath},
    {.key = "additional_devices",
     .member = &RC::additional_devices,
     .doc = "List of devices added to every container, as "
            "\"<device-on-host>:<device-on-container>:<permissions>\", for example "
            "\"/dev/sdc:/dev/xvdc:rwm\".",
     .string_check = DeviceEntry},
    {.key = "device_ownership_from_security_context",
     .member = &RC::device_ownership_from_security_context,
     .doc = "Set the uid/gid of container devices from the CRI SecurityContext "
            "(RunAsUser/RunAsGroup) instead of copying the host's."},
    {.key = "hooks_dir",
     .member = &RC::hooks_dir,
     .doc = "Directories of OCI hook files (oci-hooks(5)); later directories win. "
            "Directories that do not exist are skipped.",
     .string_check = AbsPath},
    {.key = "default_mounts_file",
     .member = &RC::default_mounts_file,
     .doc = "Path to a file listing default mounts for each container, one /SRC:/DST per "
            "line. Empty means /etc/containers/mounts.conf, then "
            "/usr/share/containers/mounts.conf.",
     .string_check = OptionalAbsPath},
    {.key = "pids_limit",
     .member = &RC::pids_limit,
     .doc = "Maximum number of processes allowed in a container; -1 or 0 means no limit.",
     .int_check = PidsLimit,
     .deprecated = "use the kubelet flag --pod-pids-limit"},
    {.key = "log_size_max",
     .member = &RC::log_size_max,
     .doc = "Maximum size in bytes of a container log file. Negative means no limit; "
            "otherwise it must be at least 8192. The file is truncated and reopened so the "
            "limit is never exceeded.",
     .int_check = LogSizeMax,
     .deprecated = "use the kubelet flag --container-log-max-size"},
    {.key = "log_to_journald",
     .member = &RC::log_to_journald,
     .doc = "Whether container output is logged to journald in addition to the kubernetes "
            "log file."},
    {.key = "container_exits_dir",
     .member = &RC::container_exits_dir,
     .doc = "Path to the directory in which crio-monitor writes container exit files.",
     .string_check = AbsPath},
    {.key = "container_attach_socket_dir",
     .member = &RC::container_attach_socket_dir,
     .doc = "Path to the directory for container attach sockets.",
     .string_check = AbsPath},
    {.key = "bind_mount_prefix",
     .member = &RC::bind_mount_prefix,
     .doc = "A prefix for the source of every bind mount, for running crio in a container "
            "that sees the host's / at this path.",
     .string_check = OptionalAbsPath},
    {.key = "read_only",
     .member = &RC::read_only,
     .doc = "If true, all containers run with a read-only root filesystem."},
    {.key = "log_level",
     .member = &RC::log_level,
     .doc = "Changes the verbosity of the logs based on the level it is set to. Options "
            "are fatal, panic, error, warn, info, debug and trace.",
     .string_check = LogLevel,
     .reload = Reload::kLive},
    {.key = "log_filter",
     .member = &RC::log_filter,
     .doc = "Filter the log messages by the provided regular expression. For example "
            "\"request:.*\" keeps only the lines of gRPC requests.",
     .reload = Reload::kLive},
    {.key = "uid_mappings",
     .member = &RC::uid_mappings,
     .doc = "The UID mappings for the user namespace of each container, as "
            "containerUID:HostUID:Size ranges separated by commas.",
     .string_check = IdMappings,
     .deprecated = "use Kubernetes user namespaces (hostUsers: false)"},
    {.key = "gid_mappings",
     .member = &RC::gid_mappings,
     .doc = "The GID mappings for the user namespace of each container, as "
            "containerGID:HostGID:Size ranges separated by commas.",
     .string_check = IdMappings,
     .deprecated = "use Kubernetes user namespaces (hostUsers: false)"},
    {.key = "ctr_stop_timeout",
     .member = &RC::ctr_stop_timeout,
     .doc = "The minimal amount of time in seconds to wait before issuing a timeout "
            "regarding the proper termination of the container. Values below 30 are "
            "raised to 30."},
    {.key = "drop_infra_ctr",
     .member = &RC::drop_infra_ctr,
     .doc = "Whether crio drops the infra (pause) container when a pod does not have a "
            "private PID namespace and does not use a VM runtime."},
    {.key = "infra_ctr_cpuset",
     .member = &RC::infra_ctr_cpuset,
     .doc = "CPUs used to run infra containers, in Linux CPU list format (\"0-1,4\"). Empty "
            "means all online CPUs.",
     .string_check = CpuList},
    {.key = "namespaces_dir",
     .member = &RC::namespaces_dir,
     .doc = "The directory where the pinned namespaces of pods are kept.",
     .string_check = AbsPath},
    {.key = "pinns_path",
     .member = &RC::pinns_path,
     .doc = "Path to the pinns binary used to pin pod namespaces. Empty means pinns is "
            "looked up in $PATH when needed.",
     .string_check = OptionalAbsPath},
    {.key = "enable_criu_support",
     .member = &RC::enable_criu_support,
     .doc = "Enable checkpoint/restore of containers with CRIU; needs criu in $PATH."},
    {.key = "enable_pod_events",
     .member = &RC::enable_pod_events,
     .doc = "Send container lifecycle events to the kubelet (evented PLEG) so it need not "
            "poll. Off, GetContainerEvents ends at once with OK. On, each pod and container "
            "transition (created, started, stopped, deleted; a pod under its own id) is sent "
            "with the pod's and its containers' statuses; a client more than 1000 events "
            "behind has its stream ended with RESOURCE_EXHAUSTED rather than miss events."},
    {.key = "absent_mount_sources_to_reject",
     .member = &RC::absent_mount_sources_to_reject,
     .doc = "Paths that make container creation fail when a mount source is absent on the "
            "host, instead of creating it as a directory (for example /etc/hostname).",
     .string_check = AbsPath},
    {.key = "timezone",
     .member = &RC::timezone,
     .doc = "Time zone of the containers: empty keeps the image's, \"Local\" uses the "
            "host's, or an IANA name such as \"Europe/Paris\".",
     .string_check = Timezone},
    {.key = "default_env",
     .member = &RC::default_env,
     .doc = "Environment variables (\"NAME=value\") set in all containers, unless the image "
            "or the container configuration sets them.",
     .string_check = EnvEntry},
    {.key = "hostnetwork_disable_selinux",
     .member = &RC::hostnetwork_disable_selinux,
     .doc = "Whether SELinux separation is disabled for pods in the host network namespace."},
    {.key = "disable_hostport_mapping",
     .member = &RC::disable_hostport_mapping,
     .doc = "Disable crio's own host port mapping, for CNI plugins that do it themselves."},
};

using H = RuntimeHandler;
const Field<H> kHandlerFields[] = {
    {.key = "runtime_path",
     .member = &H::runtime_path,
     .doc = "Absolute path to the runtime executable. If empty, the handler name is looked "
            "up in $PATH.",
     .string_check = OptionalAbsPath},
    {.key = "runtime_type",
     .member = &H::runtime_type,
     .doc = "Type of runtime: \"oci\" (runc, crun), \"vm\" (containerd shim v2) or \"pod\". "
            "Empty means \"oci\".",
     .string_check = RuntimeType},
    {.key = "runtime_root",
     .member = &H::runtime_root,
     .doc = "Root directory the runtime keeps container state in (its --root).",
     .string_check = OptionalAbsPath},
    {.key = "runtime_config_path",
     .member = &H::runtime_config_path,
     .doc = "Path to the runtime's configuration file; only for runtime_type \"vm\".",
     .string_check = OptionalAbsPath},
    {.key = "monitor_path",
     .member = &H::monitor_path,
     .doc = "Path to crio-monitor, the per-container monitor that replaces conmon. Empty "
            "means the crio-monitor next to the crio binary.",
     .string_check = OptionalAbsPath},
    {.key = "monitor_cgroup",
     .member = &H::monitor_cgroup,
     .doc = "Cgroup of the monitor process: a systemd slice such as \"system.slice\", "
            "\"pod\" for the pod's cgroup, or empty. With cgroupfs only \"pod\" or empty "
            "(\"system.slice\" is read as empty).",
     .string_check = SliceOrPod},
    {.key = "monitor_exec_cgroup",
     .member = &H::monitor_exec_cgroup,
     .doc = "\"container\" moves exec probes into the container's cgroup; empty keeps them "
            "in the monitor's.",
     .string_check = MonitorExecCgroup},
    {.key = "monitor_env",
     .member = &H::monitor_env,
     .doc = "Environment variables (\"NAME=value\") passed to the monitor and the runtime.",
     .string_check = EnvEntry},
    {.key = "allowed_annotations",
     .member = &H::allowed_annotations,
     .doc = "Experimental annotations this handler processes, such as "
            "\"seccomp-profile.kubernetes.cri-o.io\" (seccomp profile per pod, container or "
            "image), \"io.kubernetes.cri-o.Devices\", \"io.kubernetes.cri-o.ShmSize\", "
            "\"io.kubernetes.cri-o.userns-mode\" or \"io.kubernetes.cri-o.UnifiedCgroup\". "
            "Others are dropped from pods.",
     .string_check = NonEmpty,
     .reload = Reload::kLive},
    {.key = "default_annotations",
     .member = &H::default_annotations,
     .doc = "Annotations added to pods of this handler unless the pod sets them.",
     .reload = Reload::kLive},
    {.key = "platform_runtime_paths",
     .member = &H::platform_runtime_paths,
     .doc = "Runtime executables per platform, as { \"os/arch\" = \"/path\" }.",
     .string_check = AbsPath},
    {.key = "privileged_without_host_devices",
     .member = &H::privileged_without_host_devices,
     .doc = "Do not pass host devices to privileged containers of this handler.",
     .reload = Reload::kLive},
    {.key = "container_min_memory",
     .member = &H::container_min_memory,
     .doc = "The minimum memory limit a container of this handler may have, such as "
            "\"12MiB\". Empty means 12MiB.",
     .string_check = MemorySize,
     .reload = Reload::kLive},
    {.key = "no_sync_log",
     .member = &H::no_sync_log,
     .doc = "Do not fsync container logs on rotation and exit. Faster, but a machine crash "
            "may lose log lines. Only for runtime_type \"oci\"."},
    {.key = "stream_websockets",
     .member = &H::stream_websockets,
     .doc = "Use the WebSocket protocol for exec, attach and port forward. Only for "
            "runtime_type \"pod\"."},
    {.key = "inherit_default_runtime",
     .member = &H::inherit_default_runtime,
     .doc = "Take runtime_path, runtime_type, runtime_root and runtime_config_path from the "
            "default runtime handler, as it is once every file and flag is read."},
    {.key = "exec_cpu_affinity",
     .member = &H::exec_cpu_affinity,
     .doc = "CPU for exec'd processes: empty lets the runtime decide, \"first\" uses the "
            "first CPU of the container's (shared, else exclusive) cpuset.",
     .string_check = ExecCpuAffinity},
    {.key = "seccomp_profile",
     .member = &H::seccomp_profile,
     .doc = "Path to the default seccomp profile of this handler; overrides "
            "crio.runtime.seccomp_profile. Empty means that one.",
     .string_check = OptionalAbsPath},
    {.key = "container_create_timeout",
     .member = &H::container_create_timeout,
     .doc = "Seconds a container creation may take. Values below 30 are raised to 30.",
     .int_check = NonNegative,
     .reload = Reload::kLive},
};

using W = Workload;
const Field<W> kWorkloadFields[] = {
    {.key = "activation_annotation",
     .member = &W::activation_annotation,
     .doc = "The pod annotation (key only, the value is ignored) that selects this workload. "
            "Required.",
     .string_check = NonEmpty},
    {.key = "annotation_prefix",
     .member = &W::annotation_prefix,
     .doc = "Prefix of the per-container override annotations, "
            "\"<annotation_prefix>/<container>\" = '{\"cpushares\": \"5\"}'. If empty, every "
            "container gets the defaults of the resources table."},
    {.key = "allowed_annotations",
     .member = &W::allowed_annotations,
     .doc = "Experimental annotations pods of this workload may use; see the runtime "
            "handlers' allowed_annotations.",
     .string_check = NonEmpty,
     .reload = Reload::kLive},
};

using WR = WorkloadResources;
const Field<WR> kResourcesFields[] = {
    {.key = "cpushares",
     .member = &WR::cpushares,
     .doc = "Default CPU shares.",
     .int_check = NonNegative},
    {.key = "cpuset",
     .member = &WR::cpuset,
     .doc = "Default cpuset, in Linux CPU list format.",
     .string_check = CpuList},
    {.key = "cpuquota", .member = &WR::cpuquota, .doc = "Default CPU quota in microseconds."},
    {.key = "cpuperiod",
     .member = &WR::cpuperiod,
     .doc = "Default CPU period in microseconds.",
     .int_check = NonNegative},
    {.key = "cpulimit",
     .member = &WR::cpulimit,
     .doc = "Default CPU limit in millicores; overrides cpuquota.",
     .int_check = NonNegative},
};

using I = ImageConfig;
const Field<I> kImageFields[] = {
    {.key = "default_transport",
     .member = &I::default_transport,
     .doc = "Default transport for pulling images from a remote container storage.",
     .string_check = NonEmpty},
    {.key = "global_auth_file",
     .member = &I::global_auth_file,
     .doc = "The path to a file like /var/lib/kubelet/config.json holding credentials "
            "necessary for pulling images from secure registries.",
     .string_check = OptionalAbsPath,
     .reload = Reload::kLive},
    {.key = "pause_image",
     .member = &I::pause_image,
     .doc = "The image used to instantiate infra containers. It should start with a "
            "registry host name.",
     .string_check = ImageRef,
     .reload = Reload::kLive},
    {.key = "pause_image_auth_file",
     .member = &I::pause_image_auth_file,
     .doc = "The path to a file like /var/lib/kubelet/config.json holding credentials "
            "specific to pulling the pause_image.",
     .string_check = OptionalAbsPath,
     .reload = Reload::kLive},
    {.key = "pause_command",
     .member = &I::pause_command,
     .doc = "The command run in infra containers. Empty falls back to the entrypoint and "
            "command of the pause image.",
     .reload = Reload::kLive},
    {.key = "pinned_images",
     .member = &I::pinned_images,
     .doc = "Images excluded from the kubelet's garbage collection: exact names, globs "
            "ending in * or keywords with * on both ends. As in CRI-O, the pause_image is "
            "pinned as well.",
     .reload = Reload::kLive},
    {.key = "signature_policy",
     .member = &I::signature_policy,
     .doc = "Path to the signature policy file (containers-policy.json(5)) deciding which "
            "images are trusted. Empty means the system-wide /etc/containers/policy.json.",
     .string_check = OptionalAbsPath},
    {.key = "signature_policy_dir",
     .member = &I::signature_policy_dir,
     .doc = "Root of per-namespace signature policies: <dir>/<namespace>.json is used for "
            "pulls of pods in that namespace when it exists.",
     .string_check = AbsPath},
    {.key = "insecure_registries",
     .member = &I::insecure_registries,
     .doc = "Registries to contact without TLS verification. Prefer insecure = true in "
            "registries.conf.",
     .reload = Reload::kLive},
    {.key = "image_volumes",
     .member = &I::image_volumes,
     .doc = "How volumes declared by images are handled: \"mkdir\", \"bind\" or \"ignore\".",
     .string_check = ImageVolumes},
    {.key = "big_files_temporary_dir",
     .member = &I::big_files_temporary_dir,
     .doc = "Directory for big temporary files such as image blobs being downloaded. Empty "
            "means the system default, /var/tmp.",
     .string_check = OptionalAbsPath},
    {.key = "pull_progress_timeout",
     .member = &I::pull_progress_timeout,
     .doc = "A pull is cancelled when it makes no progress for this long, as a Go duration "
            "such as \"1m\". \"0s\" disables the timeout.",
     .string_check = Duration},
    {.key = "short_name_mode",
     .member = &I::short_name_mode,
     .doc = "Short image names: \"enforcing\" fails a pull when a short name is ambiguous, "
            "\"disabled\" takes the first match.",
     .string_check = ShortNameMode},
    {.key = "registries_conf",
     .member = &I::registries_conf,
     .doc = "Path to containers-registries.conf(5): search registries, mirrors, insecure and "
            "blocked registries. Not a CRI-O key: CRI-O takes this path from "
            "--registries-conf. Its content is re-read on SIGHUP.",
     .string_check = AbsPath,
     .reload = Reload::kLive},
    {.key = "certs_dir",
     .member = &I::certs_dir,
     .doc = "Directory of per-registry TLS files, as containers-certs.d(5) describes: "
            "<host[:port]>/*.crt are extra CAs, <name>.cert with <name>.key a client "
            "certificate. Not a CRI-O key: CRI-O always uses /etc/containers/certs.d.",
     .string_check = AbsPath},
};

using N = NetworkConfig;
const Field<N> kNetworkFields[] = {
    {.key = "cni_default_network",
     .member = &N::cni_default_network,
     .doc = "The default CNI network name. If empty, crio uses the first network found in "
            "network_dir."},
    {.key = "network_dir",
     .member = &N::network_dir,
     .doc = "Path to the directory where CNI configuration files are located.",
     .string_check = AbsPath},
    {.key = "plugin_dirs",
     .member = &N::plugin_dirs,
     .doc = "Directories where CNI plugin binaries are located, searched in order.",
     .string_check = AbsPath},
};

using M = MetricsConfig;
const Field<M> kMetricsFields[] = {
    {.key = "enable_metrics",
     .member = &M::enable_metrics,
     .doc = "Globally enable or disable the Prometheus metrics server."},
    {.key = "metrics_collectors",
     .member = &M::metrics_collectors,
     .doc = "Enabled metrics collectors. Names may carry the \"crio_\" or "
            "\"container_runtime_\" prefix.",
     .string_check = NonEmpty},
    {.key = "metrics_host",
     .member = &M::metrics_host,
     .doc = "The IP address or hostname on which the metrics server listens."},
    {.key = "metrics_port",
     .member = &M::metrics_port,
     .doc = "The port on which the metrics server listens.",
     .int_check = MetricsPort},
    {.key = "metrics_socket",
     .member = &M::metrics_socket,
     .doc = "Local socket path to bind the metrics server to, instead of a port.",
     .string_check = OptionalAbsPath},
    {.key = "metrics_cert",
     .member = &M::metrics_cert,
     .doc = "The certificate for the secure metrics server.",
     .string_check = OptionalAbsPath},
    {.key = "metrics_key",
     .member = &M::metrics_key,
     .doc = "The certificate key for the secure metrics server.",
     .string_check = OptionalAbsPath},
};

using ST = StatsConfig;
const Field<ST> kStatsFields[] = {
    {.key = "stats_collection_period",
     .member = &ST::stats_collection_period,
     .doc = "Seconds between collections of pod and container stats. 0 collects them on "
            "demand.",
     .int_check = NonNegative},
    {.key = "collection_period",
     .member = &ST::collection_period,
     .doc = "Seconds between collections of pod/container stats and pod sandbox metrics. 0 "
            "collects them on demand.",
     .int_check = NonNegative},
};

}  // namespace

const Table<RootConfig>& RootTable() {
  static const Table<RootConfig> t{
      "crio",
      "The crio table holds the storage locations. crio stores images and containers in "
      "its own root, not in containers-storage.",
      kRootFields};
  return t;
}
const Table<ApiConfig>& ApiTable() {
  static const Table<ApiConfig> t{
      "crio.api", "The crio.api table contains settings for the kubelet/gRPC interface.",
      kApiFields};
  return t;
}
const Table<RuntimeConfig>& RuntimeTable() {
  static const Table<RuntimeConfig> t{
      "crio.runtime",
      "The crio.runtime table contains settings pertaining to the OCI runtime used and "
      "options for how to set up and manage the OCI runtime.",
      kRuntimeFields};
  return t;
}
const Table<ImageConfig>& ImageTable() {
  static const Table<ImageConfig> t{
      "crio.image",
      "The crio.image table contains settings pertaining to the management of OCI images. "
      "Registries (search order, mirrors, insecure, blocked) come from registries_conf.",
      kImageFields};
  return t;
}
const Table<NetworkConfig>& NetworkTable() {
  static const Table<NetworkConfig> t{
      "crio.network",
      "The crio.network table contains settings pertaining to the management of CNI "
      "plugins.",
      kNetworkFields};
  return t;
}
const Table<MetricsConfig>& MetricsTable() {
  static const Table<MetricsConfig> t{
      "crio.metrics", "The crio.metrics table configures Prometheus metrics.", kMetricsFields};
  return t;
}
const Table<StatsConfig>& StatsTable() {
  static const Table<StatsConfig> t{
      "crio.stats", "The crio.stats table configures how container and pod stats are collected.",
      kStatsFields};
  return t;
}
const Table<RuntimeHandler>& HandlerTable() {
  static const Table<RuntimeHandler> t{
      "crio.runtime.runtimes",
      "Each [crio.runtime.runtimes.<handler>] table defines an OCI runtime handler. The CRI "
      "picks a handler by name (the RuntimeClass handler); pods naming none use "
      "default_runtime. A handler first named in a drop-in starts from the defaults "
      "listed here, not from another handler.",
      kHandlerFields};
  return t;
}
const Table<Workload>& WorkloadTable() {
  static const Table<Workload> t{
      "crio.runtime.workloads",
      "Each [crio.runtime.workloads.<name>] table defines a workload: settings that pods "
      "opt into with the activation annotation, with default resources in "
      "[crio.runtime.workloads.<name>.resources] that containers may override by "
      "annotation. EXPERIMENTAL, as in CRI-O.",
      kWorkloadFields};
  return t;
}
const Table<WorkloadResources>& ResourcesTable() {
  static const Table<WorkloadResources> t{
      "resources", "Default resources of the containers of a workload.", kResourcesFields};
  return t;
}

std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += absl::StrFormat("\\u%04X", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string TomlKey(std::string_view key) {
  const bool bare = !key.empty() && key.find_first_not_of(
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789_-") == std::string_view::npos;
  return bare ? std::string(key) : TomlString(key);
}

std::string TomlInlineList(const StringList& list) {
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) {
    Append(&out, i == 0 ? "" : ", ", TomlString(list[i]));
  }
  return out + "]";
}

std::string TomlInlineTable(const StringMap& map) {
  if (map.empty()) return "{}";
  std::string out = "{ ";
  bool first = true;
  for (const auto& [k, v] : map) {
    Append(&out, first ? "" : ", ", TomlKey(k), " = ", TomlString(v));
    first = false;
  }
  return out + " }";
}

std::string ChangeText(const std::string& v) { return v.empty() ? "\"\"" : v; }
std::string ChangeText(bool v) { return v ? "true" : "false"; }
std::string ChangeText(std::int64_t v) { return Cat(v); }
std::string ChangeText(const StringList& v) { return TomlInlineList(v); }
std::string ChangeText(const StringMap& v) { return TomlInlineTable(v); }

absl::Status CheckString(StringCheck check, std::string_view value) {
  if (check == nullptr) return absl::OkStatus();
  absl::Status s = check(value);
  if (s.ok()) return s;
  return absl::InvalidArgumentError(Cat("invalid value ", TomlString(value), ": ", s.message()));
}

absl::Status CheckInt(IntCheck check, std::int64_t value) {
  if (check == nullptr) return absl::OkStatus();
  absl::Status s = check(value);
  if (s.ok()) return s;
  return absl::InvalidArgumentError(Cat("invalid value ", value, ": ", s.message()));
}

std::string DeprecationWarning(std::string_view file, std::string_view key,
                               std::string_view instead) {
  return Cat(file, ": ", key, " is deprecated: ", instead);
}

}  // namespace crio::config::internal
