#pragma once

// The OCI runtime spec (config.json, runtime-spec 1.0.2 as runc 1.1 reads it) of one
// container, built from values: what the CRI asked for (ContainerRequest, converted
// from the proto by src/cri/container_convert.cc), the pod it joins (PodContext, from
// the sandbox module), the daemon's settings (RuntimeDefaults, from crio.conf and a
// look at the host at start-up) and the image (ImageInfo).
//
// BuildContainerSpec is pure but for one read: the image's /etc/passwd and /etc/group,
// taken from the container's rootfs directory without following links out of it, to
// resolve user and group names. Everything else that needs the host (device numbers,
// the daemon's own capabilities, namespace paths) is looked up by the caller and
// passed in, so the builder is tested as a function on values.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/config/config.h"
#include "crio/registry/manifest.h"
#include "crio/seccomp/seccomp.h"

namespace crio::spec {

/// The CRI NamespaceMode.
enum class NamespaceMode {
  kPod,        ///< shared by the pod's containers
  kContainer,  ///< private to the container
  kNode,       ///< the host's
  kTarget,     ///< another container's (NamespaceOptions::target_id)
};

/// The CRI MountPropagation.
enum class MountPropagation {
  kPrivate,          ///< rprivate
  kHostToContainer,  ///< rslave
  kBidirectional,    ///< rshared; the source must be on a shared mount (runc checks)
};

/// The CRI SupplementalGroupsPolicy.
enum class SupplementalGroupsPolicy {
  kMerge,   ///< the image's /etc/group memberships plus the requested groups
  kStrict,  ///< only the requested groups
};

/// A host path bind-mounted into the container (CRI Mount).
struct Mount {
  std::string container_path;  ///< absolute
  std::string host_path;       ///< absolute; symlinks already resolved by the caller
  bool readonly = false;
  bool recursive_read_only = false;  ///< needs readonly and kPrivate, and runtime support
  bool selinux_relabel = false;      ///< for the selinux module; the builder ignores it
  MountPropagation propagation = MountPropagation::kPrivate;

  bool operator==(const Mount&) const = default;
};

/// A host device the CRI asks for (CRI Device), before it is looked up on the host.
struct DeviceRequest {
  std::string container_path;  ///< absolute
  std::string host_path;       ///< absolute
  std::string permissions;     ///< cgroup access, a subset of "rwm"; "" means "rwm"

  bool operator==(const DeviceRequest&) const = default;
};

/// A device node as linux.devices and the cgroup rules need it (ResolveDevice makes one).
struct LinuxDevice {
  std::string path;        ///< in the container
  char type = 'c';         ///< 'c', 'b', 'u' or 'p'
  std::int64_t major = 0;  ///< ignored for 'p'
  std::int64_t minor = 0;
  std::uint32_t file_mode = 0666;  ///< permission bits of the node
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string permissions = "rwm";  ///< cgroup access granted

  bool operator==(const LinuxDevice&) const = default;
};

/// One hugetlb limit (CRI HugepageLimit).
struct HugepageLimit {
  std::string page_size;  ///< "2MB", "1GB"
  std::uint64_t limit = 0;

  bool operator==(const HugepageLimit&) const = default;
};

/// CRI LinuxContainerResources; 0 or empty means "not set".
struct LinuxResources {
  std::int64_t cpu_period = 0;  ///< microseconds
  std::int64_t cpu_quota = 0;   ///< microseconds per period; -1 = unlimited
  std::int64_t cpu_shares = 0;
  std::int64_t memory_limit_in_bytes = 0;
  std::int64_t memory_swap_limit_in_bytes = 0;  ///< memory+swap; -1 = unlimited swap
  std::int64_t oom_score_adj = 0;               ///< -1000..1000
  std::string cpuset_cpus;                      ///< Linux CPU list, "0-3,6"
  std::string cpuset_mems;
  std::vector<HugepageLimit> hugepage_limits;
  std::map<std::string, std::string> unified;  ///< cgroup v2 files, e.g. "memory.high"

  bool operator==(const LinuxResources&) const = default;
};

/// CRI NamespaceOption of a container.
struct NamespaceOptions {
  NamespaceMode network = NamespaceMode::kPod;
  NamespaceMode pid = NamespaceMode::kPod;
  NamespaceMode ipc = NamespaceMode::kPod;
  std::string target_id;  ///< the container whose PID namespace kTarget joins

  bool operator==(const NamespaceOptions&) const = default;
};

/// The CRI SecurityProfile of a container's seccomp (or the deprecated
/// seccomp_profile_path spelled as one).
enum class SeccompProfileType { kUnset, kRuntimeDefault, kUnconfined, kLocalhost };
struct SeccompProfileRequest {
  SeccompProfileType type = SeccompProfileType::kUnset;
  std::string localhost_ref;  ///< absolute path, for kLocalhost

  bool operator==(const SeccompProfileRequest&) const = default;
};

/// CRI SELinuxOption: the parts of a label the user asked for ("" = not given).
struct SELinuxOption {
  std::string user;
  std::string role;
  std::string type;
  std::string level;

  bool operator==(const SELinuxOption&) const = default;
};

/// CRI LinuxContainerSecurityContext. The profile selections (seccomp, SELinux) are
/// carried here and resolved by their own modules before the spec is built.
struct SecurityContext {
  std::vector<std::string> add_capabilities;  ///< "ALL" or names, with or without CAP_
  std::vector<std::string> drop_capabilities;
  std::vector<std::string> add_ambient_capabilities;  ///< added to every set, ambient too
  bool privileged = false;
  NamespaceOptions namespace_options;
  std::optional<std::int64_t> run_as_user;
  std::optional<std::int64_t> run_as_group;  ///< only with run_as_user or run_as_username
  std::string run_as_username;
  bool readonly_rootfs = false;
  std::vector<std::int64_t> supplemental_groups;
  SupplementalGroupsPolicy supplemental_groups_policy = SupplementalGroupsPolicy::kMerge;
  bool no_new_privs = false;
  /// OCI maskedPaths; empty = the runtime defaults (kDefaultMaskedPaths). proto3 cannot
  /// tell "unset" from "empty", so an explicitly empty list also gets the defaults.
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;  ///< as masked_paths, with kDefaultReadonlyPaths
  SeccompProfileRequest seccomp;
  SELinuxOption selinux_options;

  bool operator==(const SecurityContext&) const = default;
};

/// Everything of the CRI ContainerConfig that shapes the spec.
struct ContainerRequest {
  std::string name;                                       ///< metadata.name, required
  std::uint32_t attempt = 0;                              ///< metadata.attempt
  std::string image;                                      ///< image.image as kubelet gave it
  std::vector<std::string> command;                       ///< replaces the image's Entrypoint
  std::vector<std::string> args;                          ///< replaces the image's Cmd
  std::string working_dir;                                ///< absolute or ""
  std::vector<std::pair<std::string, std::string>> envs;  ///< in request order
  std::vector<Mount> mounts;
  std::vector<DeviceRequest> devices;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string log_path;  ///< relative to PodContext::log_directory; "" = "<id>.log"
  bool stdin = false;
  bool stdin_once = false;
  bool tty = false;
  LinuxResources resources;
  SecurityContext security;
  std::string stop_signal;  ///< "SIGTERM", "SIGRTMIN+1", ...; "" = the image's or default

  bool operator==(const ContainerRequest&) const = default;
};

/// The pod a container is created in: CRI PodSandboxConfig values plus what the sandbox
/// module set up (pinned namespaces, files it bind-mounts into every container).
struct PodContext {
  std::string id;            ///< the sandbox id
  std::string sandbox_name;  ///< CRI-O's k8s_<pod>_<ns>_<uid>_<attempt>, for annotations
  std::string name;          ///< metadata.name
  std::string namespace_;    ///< metadata.namespace
  std::string uid;           ///< metadata.uid
  std::uint32_t attempt = 0;
  std::string hostname;
  std::string log_directory;  ///< absolute; container log paths are relative to it
  /// Pinned namespaces to join; "" = none pinned: the host's when the pod uses the
  /// host's namespace (host_network, host_ipc), else a new one for the container.
  std::string net_ns_path;
  std::string ipc_ns_path;
  std::string uts_ns_path;  ///< "" and host_network: the host's UTS namespace
  std::string pid_ns_path;  ///< the pod's PID namespace, for NamespaceMode::kPod
  bool host_network = false;
  bool host_ipc = false;
  bool host_pid = false;
  std::string cgroup_parent;  ///< cgroupfs path or systemd slice (.slice); "" = default
  std::map<std::string, std::string> sysctls;
  std::string shm_path;           ///< bind-mounted on /dev/shm; "" = a private tmpfs
  std::string resolv_conf_path;   ///< bind-mounted on /etc/resolv.conf when set
  std::string hosts_path;         ///< on /etc/hosts when set and no CRI mount covers it
  std::string hostname_path;      ///< on /etc/hostname when set
  std::string containerenv_path;  ///< on /run/.containerenv when set
  bool privileged = false;        ///< the pod allows privileged containers
  /// Pod annotations to copy into the spec (already filtered by the caller).
  std::map<std::string, std::string> annotations;

  bool operator==(const PodContext&) const = default;
};

/// Settings of the daemon: crio.conf values and facts about the host and the daemon
/// process, gathered once at start-up.
struct RuntimeDefaults {
  std::vector<std::string> default_capabilities = config::RuntimeConfig{}.default_capabilities;
  bool add_inheritable_capabilities = false;
  std::vector<std::string> default_ulimits;  ///< "name=soft:hard"
  std::vector<std::string> default_sysctls;  ///< "key=value"
  std::vector<std::string> default_env;      ///< "NAME=value"
  std::int64_t pids_limit = -1;              ///< applied when > 0
  std::string cgroup_manager = "systemd";    ///< "systemd" or "cgroupfs"
  bool read_only = false;  ///< crio.runtime.read_only: every rootfs read-only, tmpfs scratch
  std::int64_t container_min_memory = 12 * 1024 * 1024;  ///< smallest memory limit, bytes
  std::string image_volumes = "mkdir";                   ///< "mkdir", "bind" or "ignore"
  bool privileged_without_host_devices = false;          ///< of the runtime handler

  // Facts about the host and the daemon.
  int daemon_oom_score_adj = 0;             ///< the daemon's own /proc/self/oom_score_adj
  bool daemon_has_cap_sys_resource = true;  ///< may lower oom_score_adj below its own
  int last_cap = 40;                        ///< /proc/sys/kernel/cap_last_cap
  /// CapBnd of /proc/self/status: "all capabilities" never exceeds what the daemon has.
  std::uint64_t daemon_bounding_caps = ~std::uint64_t{0};
  bool cgroup2 = false;                          ///< unified hierarchy: cgroupns, "unified"
  bool swap_supported = true;                    ///< memory.memsw / memory.swap.max exist
  bool hugetlb_supported = true;                 ///< the hugetlb controller is mounted
  bool pids_supported = true;                    ///< the pids controller is mounted
  bool recursive_read_only_supported = false;    ///< the runtime knows "rro" (runc >= 1.2)
  std::string arch = "amd64";                    ///< Go architecture name, for seccomp
  std::optional<seccomp::KernelVersion> kernel;  ///< for seccomp minKernel rules

  bool operator==(const RuntimeDefaults&) const = default;
};

/// The image the container runs.
struct ImageInfo {
  registry::ContainerConfig config;  ///< Entrypoint, Cmd, Env, User, WorkingDir, Volumes...
  std::string name;                  ///< a name of the image ("docker.io/library/busybox:1")
  std::string id;                    ///< the image id (config digest)
};

/// Everything BuildContainerSpec needs.
struct SpecInput {
  std::string container_id;
  ContainerRequest request;
  PodContext pod;
  RuntimeDefaults defaults;
  ImageInfo image;
  std::string rootfs;  ///< absolute: root.path, and where /etc/passwd is read
  /// request.devices plus crio.conf additional_devices, looked up with ResolveDevice;
  /// every request device must be here (matched by container path).
  std::vector<LinuxDevice> devices;
  /// All host devices (HostDevices()); given to privileged containers unless
  /// privileged_without_host_devices.
  std::vector<LinuxDevice> host_devices;
  /// The PID namespace of request.security.namespace_options.target_id, for kTarget.
  std::string target_pid_ns_path;
  /// The container's seccomp profile as chosen by the caller (security context, config,
  /// annotations); nullopt = unconfined. The builder resolves it for the container's own
  /// capabilities and the host's architecture into linux.seccomp. Privileged containers
  /// get none unless seccomp_when_privileged (privileged_seccomp_profile).
  std::optional<seccomp::Profile> seccomp_profile;
  bool seccomp_when_privileged = false;
  /// SELinux labels (selinux module); "" = none. Always shown in the spec's annotations
  /// (io.kubernetes.cri-o.ProcessLabel, io.kubernetes.cri-o.MountLabel); set as
  /// process.selinuxLabel and linux.mountLabel only with apply_selinux_labels, since
  /// runc refuses labels on a host where SELinux is disabled.
  std::string process_label;
  std::string mount_label;
  bool apply_selinux_labels = false;
  std::string created;  ///< RFC 3339 creation time for the Created annotation; "" = none
};

/// The user the container's first process runs as.
struct ResolvedUser {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> additional_gids;  ///< gid first, then the others, no repeats
  std::string username;                        ///< from /etc/passwd; "" when not listed
  std::string home = "/";                      ///< from /etc/passwd; "/" when not listed

  bool operator==(const ResolvedUser&) const = default;
};

/// What BuildContainerSpec produced.
struct BuiltSpec {
  nlohmann::json spec;                ///< config.json
  std::vector<std::string> warnings;  ///< for the caller to log at warn level
  ResolvedUser user;
  /// Image VOLUMEs no CRI mount covers (clean absolute container paths). With
  /// image_volumes "mkdir" (and "bind", which is treated like it) the caller creates
  /// them in the rootfs, owned by `user`, without following links out of it.
  std::vector<std::string> image_volumes;
  std::string log_path;     ///< absolute container log path
  std::string stop_signal;  ///< the request's, else the image's; "" = runtime default
};

/// Masked and read-only paths used when the CRI gives none (kubelet's and Docker's).
extern const std::vector<std::string> kDefaultMaskedPaths;
extern const std::vector<std::string> kDefaultReadonlyPaths;

/// Builds the OCI spec of a container, following Kubernetes' and CRI-O's rules:
/// - process.args: command (+ args) replaces the image; args alone follow the image's
///   Entrypoint; neither gives Entrypoint + Cmd; nothing at all is an error.
/// - env: PATH, HOSTNAME, TERM (tty), default_env, the image's Env, the request's envs;
///   a later value replaces an earlier one of the same name; HOME from /etc/passwd
///   unless set.
/// - cwd: the request's working_dir, else the image's WorkingDir, else "/".
/// - user: run_as_username / run_as_user / run_as_group, else the image's User,
///   resolved in the rootfs's /etc/passwd and /etc/group (ResolveUser).
/// - mounts: /proc, /dev, /dev/pts, /dev/mqueue, /sys, /sys/fs/cgroup, /dev/shm, the
///   pod's files, then the CRI mounts (shallow first); a CRI mount replaces a default
///   one at the same place.
/// - namespaces, resources, cgroupsPath, capabilities, sysctls, rlimits, devices,
///   masked/readonly paths, seccomp and annotations as described in docs/architecture.md.
/// @param input the values to build from
/// @return the spec, or InvalidArgument naming the field at fault (bad request, image
///     or configuration), FailedPrecondition when the pod or host cannot provide what
///     the request needs (a namespace to join, a runtime feature)
absl::StatusOr<BuiltSpec> BuildContainerSpec(const SpecInput& input);

/// The RuntimeDefaults of crio.conf for one runtime handler; the host facts keep their
/// defaults and are the caller's to fill.
/// @param config the daemon's configuration
/// @param handler the runtime handler's name ("" = the default runtime)
/// @return the defaults, or InvalidArgument for an unknown handler or a bad
///     container_min_memory
absl::StatusOr<RuntimeDefaults> RuntimeDefaultsFromConfig(const config::Config& config,
                                                          const std::string& handler);

}  // namespace crio::spec
