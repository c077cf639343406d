#pragma once

// Attaching a pod to a CNI network and detaching it: running the network's plugin
// chain with ADD, DEL or CHECK, as the CNI spec (1.0.0, and 0.3.x/0.4.0 configs) says,
// and keeping each ADD's result on disk so that DEL and CHECK get it as prevResult even
// after the daemon restarted.
//
// Each plugin's stdin is its own config object from the list, minus "capabilities",
// plus the list's "name" and "cniVersion", a "runtimeConfig" holding the capability
// arguments (port mappings, DNS, bandwidth, cgroup path, pod annotations) the plugin declares in
// "capabilities", and a "prevResult": on ADD the previous plugin's result, on DEL and CHECK the
// cached final ADD result (for lists of version 0.4.0 and later; 0.3.x has no prevResult on DEL and
// no CHECK). The environment is PATH plus CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS,
// CNI_IFNAME, CNI_ARGS and CNI_PATH, nothing of the daemon's.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/common/log.h"
#include "crio/network/cni_config.h"
#include "crio/network/cni_plugin_runner.h"
#include "crio/network/cni_result.h"

namespace crio::network {

/// A CRI port mapping, for plugins declaring the "portMappings" capability.
struct PortMapping {
  std::int32_t host_port = 0;  ///< mappings without a host port are not passed on
  std::int32_t container_port = 0;
  std::string protocol = "tcp";  ///< "tcp", "udp", "sctp"; sent lower-case
  std::string host_ip;           ///< "" = every host address
};

/// The pod's DNS settings, for plugins declaring the "dns" capability.
struct DnsConfig {
  std::vector<std::string> servers;
  std::vector<std::string> searches;
  std::vector<std::string> options;
};

/// Traffic shaping, for plugins declaring the "bandwidth" capability. Rates in bits
/// per second and bursts in bits, as the bandwidth plugin reads them; a rate needs a
/// non-zero burst (BandwidthFromAnnotations sets both).
struct BandwidthLimits {
  std::uint64_t ingress_rate = 0;
  std::uint64_t ingress_burst = 0;
  std::uint64_t egress_rate = 0;
  std::uint64_t egress_burst = 0;
};

/// The capability arguments the runtime offers; each reaches only the plugins that
/// declare it (CNI CONVENTIONS.md).
struct CapabilityArgs {
  std::vector<PortMapping> port_mappings;    ///< "portMappings"
  std::optional<DnsConfig> dns;              ///< "dns"
  std::optional<BandwidthLimits> bandwidth;  ///< "bandwidth"
  /// "cgroupPath": the pod's cgroup parent, for plugins that act per cgroup (as the
  /// CNI conventions define it, and as containerd and CRI-O's ocicni pass it).
  std::string cgroup_path;
  /// "io.kubernetes.cri.pod-annotations": the pod's annotations, for plugins configured
  /// by them (the name containerd and CRI-O's ocicni use).
  std::map<std::string, std::string> pod_annotations;
};

/// One pod's attachment to a network: the CNI attachment parameters.
struct PodAttachment {
  std::string container_id;  ///< the pod sandbox id: CNI_CONTAINERID
  /// The pod's network namespace file: CNI_NETNS. Required for ADD and CHECK. For DEL a
  /// path that is gone, or no longer a namespace (an unmounted pin file), is passed as
  /// an empty CNI_NETNS, and "" falls back to the path cached at ADD.
  std::string netns_path;
  std::string ifname = "eth0";  ///< CNI_IFNAME
  std::string pod_namespace;    ///< K8S_POD_NAMESPACE in CNI_ARGS
  std::string pod_name;         ///< K8S_POD_NAME
  std::string pod_uid;          ///< K8S_POD_UID
  CapabilityArgs capabilities;  ///< ADD only: DEL and CHECK reuse those cached at ADD
};

/// What an attachment gave the pod.
struct AttachResult {
  std::string network_name;  ///< the network's "name"
  std::string ifname;
  std::string result_json;  ///< the final ADD result, as the last plugin printed it
  CniResult result;         ///< the same, parsed
  PodIps ips;               ///< the pod's IPs for the CRI
};

/// How plugins are found and run, and where results are kept.
struct CniOptions {
  /// Plugin binary dirs, searched in order for each plugin's "type"; CNI_PATH.
  std::vector<std::string> plugin_dirs;
  /// Where ADD results are kept until DEL, e.g. <root>/cni-cache. Created on first use.
  std::string cache_dir;
  /// How long one plugin may run before it and its process group are killed.
  std::chrono::milliseconds plugin_timeout{60'000};
  /// PATH given to plugins (portmap runs iptables); "" = the daemon's PATH, or the
  /// usual sbin/bin dirs when the daemon has none.
  std::string path_env;
};

/// Attaches pods to CNI networks and detaches them. Thread-safe; operations on one
/// container id are serialized, as the spec requires, others run in parallel.
///
/// Errors name the network, the plugin (its type) and the command, and carry the
/// plugin's own error: its CNI error JSON ("msg: details (CNI error code N)") or else
/// its stderr. Codes: InvalidArgument (bad attachment parameters, a malformed network
/// list or result), FailedPrecondition (a plugin binary is missing), DeadlineExceeded
/// (a plugin timed out), Unavailable (CNI error 11, "try again later"), Internal (any
/// other plugin failure).
class CniManager {
 public:
  virtual ~CniManager() = default;

  /// ADD: runs the network's plugins in order, each given the previous one's result,
  /// and caches the final result with the config used. On any failure (a plugin, a
  /// malformed result, the cache write) it runs DEL over the whole chain, with the last
  /// good result as prevResult, before returning the error, so nothing is left behind.
  /// @param network the network to join (FindDefaultNetwork)
  /// @return the attachment's result; the error of the failure, with the rollback DEL's
  ///     error appended when that failed too
  virtual absl::StatusOr<AttachResult> Add(const RequestContext& ctx, const CniNetwork& network,
                                           const PodAttachment& pod) = 0;

  /// DEL: for every cached attachment of (container id, ifname), runs its cached plugin
  /// list in reverse order with the cached result as prevResult, then drops the cache
  /// entry. Without a cache entry it runs `network`'s plugins without prevResult, and
  /// with no network either there is nothing it could run: OK. Stops at the first
  /// plugin that fails, keeping the cache entry so that DEL can be retried. Idempotent.
  /// @param network the current network, used when nothing is cached; nullptr = none
  virtual absl::Status Del(const RequestContext& ctx, const CniNetwork* network,
                           const PodAttachment& pod) = 0;

  /// CHECK: runs the cached plugin list in order with the cached result as prevResult.
  /// Lists older than 0.4.0 and lists with "disableCheck" are not run (the spec
  /// forbids it) and count as healthy.
  /// @return the cached attachment; NotFound when (container id, ifname) has none
  virtual absl::StatusOr<AttachResult> Check(const RequestContext& ctx,
                                             const PodAttachment& pod) = 0;

  /// The cached ADD result of (container id, ifname), without running anything: the
  /// pod's IPs after a daemon restart.
  /// @return NotFound when there is none
  virtual absl::StatusOr<AttachResult> Cached(const std::string& container_id,
                                              const std::string& ifname) = 0;
};

/// The CniManager that runs plugins through `runner` (NewPluginRunner() outside tests).
/// `runner` must outlive it.
std::unique_ptr<CniManager> NewCniManager(CniOptions options, PluginRunner& runner);

}  // namespace crio::network
