#pragma once

// Pod sandboxes: pinned network/IPC/UTS namespaces, a run dir with the files every
// container of the pod mounts (hostname, resolv.conf, hosts), a pod-wide /dev/shm, and
// the pod's attachment to the default CNI network (unless it uses the host's network).
// No infra container by default (drop_infra_ctr = true); with one, the container module
// runs it through the run_infra hook. State lives in the store; this class makes and
// unmakes the host side.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/common/log.h"
#include "crio/network/cni.h"
#include "crio/network/network_watcher.h"
#include "crio/selinux/label.h"
#include "crio/selinux/mcs.h"
#include "crio/store/store.h"

namespace crio::sandbox {

/// The pod's DNS config: written to its resolv.conf and offered to CNI plugins.
using DnsConfig = network::DnsConfig;

/// What RunPodSandbox asks for, already taken out of the CRI message.
struct PodRequest {
  store::PodRecord pod;  ///< metadata, labels, annotations, hostname, log dir, host ns flags...
  DnsConfig dns;
  /// The pod's port mappings, as the CRI gave them (those without a host port too).
  std::vector<network::PortMapping> port_mappings;
  std::map<std::string, std::string> sysctls;
  selinux::SELinuxOptions selinux_options;  ///< the pod security context's
};

struct PodOptions {
  std::string runroot;         ///< pod run dirs: <runroot>/pods/<id>
  std::string namespaces_dir;  ///< pinned namespaces
  std::string cgroup_manager;  ///< "cgroupfs" or "systemd": the default cgroup parent
  std::string host_resolv_conf = "/etc/resolv.conf";
  /// Host-network pods share the host's network identity, so they get its hosts file.
  std::string host_hosts = "/etc/hosts";
  std::uint64_t shm_size = 64ull << 20;  ///< CRI-O's default pod /dev/shm size
  /// Runs `pause <pod id>` as PID 1 of a pod-shared PID namespace (crio-monitor).
  std::string pause_binary;
  /// SELinux (crio.runtime.selinux): every pod gets labels with a level of its own from
  /// `mcs`, on the host's container contexts. Null: no labels.
  selinux::McsAllocator* mcs = nullptr;
  selinux::ContainerContexts selinux_contexts = selinux::ContainerContexts::Defaults();
  /// CNI: pods not in the host's network join the default network through `cni` (ADD
  /// on Run, DEL on Stop and Remove). Both set, or both null: then pods get loopback
  /// only, which only tests of the host side want.
  network::CniManager* cni = nullptr;
  const network::NetworkWatcher* network = nullptr;  ///< the default network, kept current
};

/// What the pod manager needs from the container side, wired by the daemon.
struct PodContainerHooks {
  /// Stops every container of the pod (StopPodSandbox).
  std::function<absl::Status(const RequestContext&, const std::string& pod_id)> stop_all;
  /// Removes every container of the pod (RemovePodSandbox).
  std::function<absl::Status(const RequestContext&, const std::string& pod_id)> remove_all;
  /// Creates and starts the pod's infra container (drop_infra_ctr = false), which holds
  /// its namespaces and, when the pod shares one, its PID namespace. Unset: no infra
  /// container, and a crio-monitor "pause" holds a shared PID namespace.
  std::function<absl::Status(const RequestContext&, const store::PodRecord& pod)> run_infra;
};

class PodManager {
 public:
  PodManager(store::Store& store, PodOptions options, PodContainerHooks hooks);

  /// Creates the pod and answers its id. All or nothing: a failed CNI ADD is undone by
  /// the CNI manager, and any later failure runs DEL.
  /// @return InvalidArgument for bad metadata, paths, DNS entries, sysctls or bandwidth
  ///     annotations; AlreadyExists for a name in use; FailedPrecondition when the pod
  ///     needs a network and no usable CNI config exists (the kubelet waits for
  ///     NetworkReady before it starts pods, as with CRI-O); the CNI plugin's error,
  ///     naming it, when ADD fails
  absl::StatusOr<std::string> Run(const RequestContext& ctx, PodRequest request);

  /// Stops the pod's containers, runs CNI DEL, and releases its namespaces and /dev/shm.
  /// Idempotent (DEL too, also after a restart and once the namespace is gone); a
  /// missing pod is not an error (the CRI asks for that). A failed DEL fails the call
  /// before the namespace is released, so that the kubelet's retry can run it again.
  absl::Status Stop(const RequestContext& ctx, const std::string& id);

  /// Stop, then removes the containers, the run dir and the record. Idempotent.
  absl::Status Remove(const RequestContext& ctx, const std::string& id);

  /// At start: finishes or undoes what a crash interrupted (pods still being created
  /// are removed). Ready pods whose namespaces are gone (a reboot) become NotReady, and
  /// their network attachments (IPAM leases on disk) are released.
  void Recover(const RequestContext& ctx);

  /// Whether pods can join a network now: OK, or why not (what FindDefaultNetwork
  /// said, FailedPrecondition). nullopt when the manager runs no CNI.
  std::optional<absl::Status> NetworkStatus() const;

 private:
  /// A recovered pod keeps its SELinux level: no new pod may be given it.
  void ReserveMcsLevel(const RequestContext& ctx, const store::PodRecord& pod);
  void ReleaseMcsLevel(const store::PodRecord& pod);
  absl::Status Release(const store::PodRecord& pod);
  /// The pod's /etc/hosts: the host's for host-network pods, else its name and IPs.
  std::string HostsFor(const store::PodRecord& pod) const;
  /// CNI DEL for the pod; OK for host-network pods and without CNI.
  absl::Status TearDownNetwork(const RequestContext& ctx, const store::PodRecord& pod);

  store::Store& store_;
  PodOptions options_;
  PodContainerHooks hooks_;
};

/// resolv.conf text for a pod: the DNS config's servers, searches and options, or the
/// host's file when the config has none.
/// @return InvalidArgument for entries with whitespace or control characters
absl::StatusOr<std::string> ResolvConfText(const DnsConfig& dns, const std::string& host_file);

/// /etc/hosts for a pod: localhost entries, then a line naming the pod's hostname for
/// each of its IPs, or 127.0.1.1 when it has none (loopback only).
std::string HostsText(const std::string& hostname, const std::vector<std::string>& ips);

/// The CNI attachment of a pod, without its id and netns path (known once the pod is
/// made): CNI_ARGS from the metadata, the port mappings that have a host port (the
/// others need no rule), DNS when the config has any, bandwidth from the
/// kubernetes.io/{ingress,egress}-bandwidth annotations.
/// @return InvalidArgument naming a malformed bandwidth annotation
absl::StatusOr<network::PodAttachment> AttachmentFor(const PodRequest& request);

/// The IPs a pod reports from a CNI result: loopback addresses (a config with only the
/// loopback plugin) are not the pod's address; the first IPv4 left stays primary.
network::PodIps PodIpsOf(const network::PodIps& ips);

}  // namespace crio::sandbox
