#pragma once

// The daemon's configuration: CRI-O's crio.conf tables and keys, loaded from the main
// file, the drop-in directory and command-line flags, then validated.
//
// Every key is described once, in the descriptor tables of src/config/descriptors.cc,
// and those tables drive loading, validation, `crio config` output, the JSON shown in
// CRI Status, SIGHUP reloading and docs/crio.conf.5.md. A key added there shows up in
// all of them; nothing else lists keys.

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio::config {

/// CRI-O's default for both gRPC message size limits (80 MiB).
inline constexpr std::int64_t kDefaultGrpcMaxMsgSize = 80 * 1024 * 1024;
/// CRI-O raises ctr_stop_timeout to this many seconds when it is lower.
inline constexpr std::int64_t kMinCtrStopTimeout = 30;
/// Default and minimum of a handler's container_create_timeout, in seconds.
inline constexpr std::int64_t kDefaultContainerCreateTimeout = 240;
inline constexpr std::int64_t kMinContainerCreateTimeout = 30;

/// [crio]: storage locations and the files crio leaves behind between runs.
struct RootConfig {
  std::string root = "/var/lib/crio";                  ///< persistent data: images, container state
  std::string runroot = "/run/crio";                   ///< state that must not survive a reboot
  std::string storage_driver = "overlay";              ///< only "overlay" is implemented
  std::vector<std::string> storage_option;             ///< driver options, passed through
  std::string log_dir = "/var/log/crio/pods";          ///< container logs when kubelet gives none
  std::string version_file = "/var/run/crio/version";  ///< tmpfs: detects reboots
  std::string version_file_persist;                    ///< persistent: detects upgrades ("" = off)
  std::string clean_shutdown_file = "/var/lib/crio/clean.shutdown";
  bool internal_wipe = true;    ///< wipe stale containers/images at startup
  bool internal_repair = true;  ///< check and repair storage after an unclean stop

  bool operator==(const RootConfig&) const = default;
};

/// [crio.api]: the CRI socket and the streaming (exec/attach/port-forward) server.
struct ApiConfig {
  std::string listen = "/var/run/crio/crio.sock";  ///< the CRI unix socket
  std::string stream_address = "127.0.0.1";
  std::string stream_port = "0";  ///< a string, as in CRI-O; "0" = pick a free port
  bool stream_enable_tls = false;
  std::string stream_tls_cert;
  std::string stream_tls_key;
  std::string stream_tls_ca;
  std::string stream_idle_timeout;  ///< Go duration; "" = the streaming default (4h)
  std::int64_t grpc_max_send_msg_size = kDefaultGrpcMaxMsgSize;
  std::int64_t grpc_max_recv_msg_size = kDefaultGrpcMaxMsgSize;

  bool operator==(const ApiConfig&) const = default;
};

/// [crio.runtime.runtimes.<name>]: one OCI runtime handler (the CRI RuntimeHandler).
/// A handler first named in a drop-in starts from these member defaults.
struct RuntimeHandler {
  std::string runtime_path;              ///< "" = look the handler name up in $PATH
  std::string runtime_type = "oci";      ///< "oci", "vm" or "pod" ("" means "oci")
  std::string runtime_root;              ///< the runtime's --root, e.g. /run/runc
  std::string runtime_config_path;       ///< only for runtime_type "vm"
  std::string monitor_path;              ///< crio-monitor binary; "" = next to the crio binary
  std::string monitor_cgroup;            ///< "", "pod" or a systemd slice such as system.slice
  std::string monitor_exec_cgroup;       ///< "" or "container"
  std::vector<std::string> monitor_env;  ///< environment of crio-monitor and the runtime
  std::vector<std::string> allowed_annotations;            ///< experimental annotations let through
  std::map<std::string, std::string> default_annotations;  ///< added unless the pod sets them
  std::map<std::string, std::string> platform_runtime_paths;  ///< "os/arch" -> runtime binary
  bool privileged_without_host_devices = false;
  std::string container_min_memory;      ///< e.g. "12MiB"; "" = 12MiB
  bool no_sync_log = false;              ///< skip fsync of logs on rotation and exit
  bool stream_websockets = false;        ///< WebSocket streaming (runtime_type "pod" only)
  bool inherit_default_runtime = false;  ///< take path/type/root from default_runtime
  std::string exec_cpu_affinity;         ///< "" or "first"
  std::string seccomp_profile;           ///< overrides crio.runtime.seccomp_profile when set
  std::int64_t container_create_timeout = kDefaultContainerCreateTimeout;  ///< seconds

  bool operator==(const RuntimeHandler&) const = default;
};

/// [crio.runtime.workloads.<name>.resources]: defaults a pod may override per container.
struct WorkloadResources {
  std::int64_t cpushares = 0;
  std::string cpuset;
  std::int64_t cpuquota = 0;
  std::int64_t cpuperiod = 0;
  std::int64_t cpulimit = 0;  ///< millicores; overrides cpuquota

  bool operator==(const WorkloadResources&) const = default;
};

/// [crio.runtime.workloads.<name>]: settings a pod opts into with an annotation.
struct Workload {
  std::string activation_annotation;  ///< required: the pod annotation key that selects it
  std::string annotation_prefix;
  std::vector<std::string> allowed_annotations;
  std::optional<WorkloadResources> resources;  ///< present iff the resources table is

  bool operator==(const Workload&) const = default;
};

/// [crio.runtime]: how containers are created and run.
struct RuntimeConfig {
  std::string default_runtime = "runc";      ///< a key of `runtimes`
  std::vector<std::string> default_ulimits;  ///< "name=soft:hard"
  bool no_pivot = false;
  std::string decryption_keys_path = "/etc/crio/keys/";
  bool selinux = false;
  std::string seccomp_profile;  ///< "" = the built-in default profile
  /// Deprecated CRI-O key, still read: an empty CRI profile means RuntimeDefault.
  bool seccomp_use_default_when_empty = true;
  /// Beyond CRI-O 1.30: an allowed seccomp profile annotation also replaces RuntimeDefault.
  bool seccomp_annotations_override_default = false;
  std::string privileged_seccomp_profile;
  std::string apparmor_profile = "crio-default";
  std::string cgroup_manager = "systemd";  ///< "systemd" or "cgroupfs"
  std::string separate_pull_cgroup;
  std::vector<std::string> default_capabilities = {"CHOWN",   "DAC_OVERRIDE",     "FSETID",
                                                   "FOWNER",  "SETGID",           "SETUID",
                                                   "SETPCAP", "NET_BIND_SERVICE", "KILL"};
  bool add_inheritable_capabilities = false;
  std::vector<std::string> default_sysctls;  ///< "name=value"
  std::vector<std::string> allowed_devices = {"/dev/fuse", "/dev/net/tun"};
  std::vector<std::string> additional_devices;  ///< "host[:container[:perms]]"
  bool device_ownership_from_security_context = false;
  std::vector<std::string> hooks_dir = {"/usr/share/containers/oci/hooks.d"};
  std::string default_mounts_file;
  std::int64_t pids_limit = -1;    ///< deprecated in CRI-O (kubelet --pod-pids-limit)
  std::int64_t log_size_max = -1;  ///< bytes; negative = unlimited, else >= 8192
  bool log_to_journald = false;
  std::string container_exits_dir = "/var/run/crio/exits";
  std::string container_attach_socket_dir = "/var/run/crio";
  std::string bind_mount_prefix;
  bool read_only = false;
  std::string log_level = "info";
  std::string log_filter;    ///< regular expression; "" = no filter
  std::string uid_mappings;  ///< "containerID:hostID:size[,...]"
  std::string gid_mappings;
  std::int64_t ctr_stop_timeout = kMinCtrStopTimeout;  ///< seconds
  bool drop_infra_ctr = true;
  std::string infra_ctr_cpuset;  ///< Linux CPU list, e.g. "0-1,4"
  std::string namespaces_dir = "/var/run";
  std::string pinns_path;
  bool enable_criu_support = false;
  bool enable_pod_events = false;
  std::vector<std::string> absent_mount_sources_to_reject;
  std::string timezone;  ///< "" = keep the image's, "Local" = the host's, or an IANA name
  std::vector<std::string> default_env;  ///< "NAME=value"
  bool hostnetwork_disable_selinux = true;
  bool disable_hostport_mapping = false;
  std::map<std::string, RuntimeHandler> runtimes;  ///< by handler name
  std::map<std::string, Workload> workloads;       ///< by workload name

  bool operator==(const RuntimeConfig&) const = default;
};

/// [crio.image]: pulling and keeping images.
struct ImageConfig {
  std::string default_transport = "docker://";
  std::string global_auth_file;  ///< docker config.json style credentials
  std::string pause_image = "registry.k8s.io/pause:3.10";
  std::string pause_image_auth_file;
  std::string pause_command = "/pause";
  std::vector<std::string> pinned_images;  ///< exact, "prefix*" or "*keyword*" patterns
  std::string signature_policy;            ///< "" = the system policy
  std::string signature_policy_dir = "/etc/crio/policies";
  std::vector<std::string> insecure_registries;
  std::string image_volumes = "mkdir";  ///< "mkdir", "bind" or "ignore"
  std::string big_files_temporary_dir;
  std::string pull_progress_timeout = "0s";   ///< Go duration; "0s" = no timeout
  std::string short_name_mode = "enforcing";  ///< "enforcing" or "disabled"
  /// Ours: CRI-O takes this path from --registries-conf / containers defaults.
  std::string registries_conf = "/etc/containers/registries.conf";
  /// Ours: per-registry TLS files; CRI-O always uses /etc/containers/certs.d.
  std::string certs_dir = "/etc/containers/certs.d";

  bool operator==(const ImageConfig&) const = default;
};

/// [crio.network]: CNI.
struct NetworkConfig {
  std::string cni_default_network;  ///< "" = the first network found in network_dir
  std::string network_dir = "/etc/cni/net.d/";
  std::vector<std::string> plugin_dirs = {"/opt/cni/bin/", "/usr/lib/cni/"};

  bool operator==(const NetworkConfig&) const = default;
};

/// [crio.metrics]: the Prometheus endpoint.
struct MetricsConfig {
  bool enable_metrics = false;
  std::vector<std::string> metrics_collectors = {
      "image_pulls_layer_size",
      "containers_events_dropped_total",
      "containers_oom_total",
      "processes_defunct",
      "operations_total",
      "operations_latency_seconds",
      "operations_latency_seconds_total",
      "operations_errors_total",
      "image_pulls_bytes_total",
      "image_pulls_skipped_bytes_total",
      "image_pulls_failure_total",
      "image_pulls_success_total",
      "image_layer_reuse_total",
      "containers_oom_count_total",
      "containers_seccomp_notifier_count_total",
      "resources_stalled_at_stage",
      "containers_stopped_monitor_count",
  };
  std::string metrics_host = "127.0.0.1";
  std::int64_t metrics_port = 9090;
  std::string metrics_socket;
  std::string metrics_cert;
  std::string metrics_key;

  bool operator==(const MetricsConfig&) const = default;
};

/// [crio.stats]: how often container and pod stats are collected.
struct StatsConfig {
  std::int64_t stats_collection_period = 0;  ///< seconds; 0 = on demand
  std::int64_t collection_period = 0;        ///< seconds; 0 = on demand

  bool operator==(const StatsConfig&) const = default;
};

/// The whole configuration, one member per CRI-O table.
struct Config {
  RootConfig crio;        ///< [crio]
  ApiConfig api;          ///< [crio.api]
  RuntimeConfig runtime;  ///< [crio.runtime]
  ImageConfig image;      ///< [crio.image]
  NetworkConfig network;  ///< [crio.network]
  MetricsConfig metrics;  ///< [crio.metrics]
  StatsConfig stats;      ///< [crio.stats]

  /// CRI-O's defaults with ours where they differ (root, runroot, the runc and crun
  /// handlers with runc as default, the Debian CNI plugin dir, the pause image).
  /// @return the configuration used when no file sets anything
  static Config Defaults();

  bool operator==(const Config&) const = default;
};

/// Where Load looks for files.
struct LoadOptions {
  std::string config_file = "/etc/crio/crio.conf";
  std::string config_dir = "/etc/crio/crio.conf.d";
};

/// Command-line flags; each one that is set overrides every file.
struct Overrides {
  std::optional<std::string> listen;           ///< crio.api.listen
  std::optional<std::string> root;             ///< crio.root
  std::optional<std::string> runroot;          ///< crio.runroot
  std::optional<std::string> log_level;        ///< crio.runtime.log_level
  std::optional<std::string> log_dir;          ///< crio.log_dir
  std::optional<std::string> cgroup_manager;   ///< crio.runtime.cgroup_manager
  std::optional<std::string> default_runtime;  ///< crio.runtime.default_runtime
};

/// What Load produced.
struct LoadResult {
  Config config;
  /// Things the daemon should log at warn level: unknown keys ("<file>: unknown key
  /// crio.runtime.foo"), deprecated keys that a file set, values raised to a minimum.
  std::vector<std::string> warnings;
  std::vector<std::string> files;  ///< files read, in the order they were applied
};

/// Loads the effective configuration: defaults, then the main file (a missing one is
/// fine), then every regular `*.conf` file of the drop-in directory in lexical order
/// (a missing directory is fine), merging key by key; then `overrides`; then
/// Validate(kPure).
/// @param options the main file and drop-in directory
/// @param overrides command-line flags
/// @return the configuration, or InvalidArgument naming "<file>:<line>: <key>" for
///     syntax errors, wrong types and invalid values
absl::StatusOr<LoadResult> Load(const LoadOptions& options, const Overrides& overrides);

/// Defaults overlaid with one TOML document, then Validate(kPure). For tests, fuzzing
/// and `crio config --from`.
/// @param toml the document
/// @param name used as the file name in messages
/// @return as Load
absl::StatusOr<LoadResult> LoadFromString(std::string_view toml, std::string_view name);

enum class ValidationMode {
  kPure,  ///< values only: ranges, formats, cross-key consistency
  kHost,  ///< also the host: default runtime resolvable, dirs creatable, systemd present
};

/// Host locations that kHost validation probes; tests point them at temp dirs.
struct HostPaths {
  std::string systemd_run_dir = "/run/systemd/system";  ///< exists iff systemd is PID 1
  std::string zoneinfo_dir = "/usr/share/zoneinfo";
};

/// Checks `config` (CRI-O's Validate(onExecution)). kHost checks only the default
/// runtime handler's binaries, as CRI-O does; PruneUnusableHandlers deals with the rest.
/// @param config what to check
/// @param mode kPure or kHost
/// @param host where kHost looks
/// @return OK, InvalidArgument for a bad value ("<key>: ..."), or FailedPrecondition
///     for a host that cannot run this configuration
absl::Status Validate(const Config& config, ValidationMode mode, const HostPaths& host = {});

/// The runtime binary a handler runs: runtime_path when set (it must be an executable
/// file), else `name` looked up in $PATH.
/// @param handler the handler's table
/// @param name the handler's name
/// @return the absolute path, or FailedPrecondition naming the handler
absl::StatusOr<std::string> ResolveRuntimePath(const RuntimeHandler& handler,
                                               std::string_view name);

/// CRI-O ignores a non-default handler whose runtime cannot be found instead of
/// failing; this removes such handlers from `config`.
/// @param config modified in place; the default handler is never removed
/// @return one warning per removed handler, saying why
std::vector<std::string> PruneUnusableHandlers(Config& config);

/// The whole configuration as TOML, every key, each documented by a comment from the
/// descriptor tables. LoadFromString(ToToml(c)) gives back c. conf/crio.conf is
/// ToToml(Config::Defaults()).
/// @param config what to print
/// @return the document
std::string ToToml(const Config& config);

/// The configuration nested by table with TOML key names ({"crio": {"root": ...,
/// "runtime": {"runtimes": {...}}}}), for the CRI Status verbose info.
/// @param config what to convert
/// @return the JSON object
nlohmann::json ToJson(const Config& config);

/// docs/crio.conf.5.md: every key with its table, type, default, meaning and whether
/// SIGHUP reloads it, generated from the same descriptor tables.
/// @return the Markdown man page
std::string ManPageMarkdown();

/// What a SIGHUP changes.
struct ReloadResult {
  Config config;                     ///< `running` with the live-changeable keys taken from `fresh`
  std::vector<std::string> changes;  ///< "crio.runtime.log_level: info -> debug"
  std::vector<std::string> needs_restart;  ///< keys that differ but only apply on restart
};

/// CRI-O's reload: takes from `fresh` only the keys marked live-reloadable (log_level,
/// pause_image, pinned_images, the handlers' and workloads' allowed_annotations, ...).
/// Other differences, including added or removed handlers and workloads, are listed in
/// needs_restart and not applied. `fresh` should already have passed Load.
/// @param running the configuration in use
/// @param fresh the configuration just loaded from disk
/// @return the configuration to use from now on and what changed
ReloadResult ApplyReloadable(const Config& running, const Config& fresh);

}  // namespace crio::config
