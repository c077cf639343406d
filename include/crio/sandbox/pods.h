#pragma once

// Pod sandboxes: pinned network/IPC/UTS namespaces, a run dir with the files every
// container of the pod mounts (hostname, resolv.conf, hosts), and a pod-wide /dev/shm.
// No infra container by default (drop_infra_ctr = true); with one, the container module
// runs it through the run_infra hook. State lives in the store; this class makes and
// unmakes the host side.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/common/log.h"
#include "crio/selinux/label.h"
#include "crio/selinux/mcs.h"
#include "crio/store/store.h"

namespace crio::sandbox {

struct DnsConfig {
  std::vector<std::string> servers;
  std::vector<std::string> searches;
  std::vector<std::string> options;
};

/// What RunPodSandbox asks for, already taken out of the CRI message.
struct PodRequest {
  store::PodRecord pod;  ///< metadata, labels, annotations, hostname, log dir, host ns flags...
  DnsConfig dns;
  std::map<std::string, std::string> sysctls;
  selinux::SELinuxOptions selinux_options;  ///< the pod security context's
};

struct PodOptions {
  std::string runroot;         ///< pod run dirs: <runroot>/pods/<id>
  std::string namespaces_dir;  ///< pinned namespaces
  std::string cgroup_manager;  ///< "cgroupfs" or "systemd": the default cgroup parent
  std::string host_resolv_conf = "/etc/resolv.conf";
  std::uint64_t shm_size = 64ull << 20;  ///< CRI-O's default pod /dev/shm size
  /// Runs `pause <pod id>` as PID 1 of a pod-shared PID namespace (crio-monitor).
  std::string pause_binary;
  /// SELinux (crio.runtime.selinux): every pod gets labels with a level of its own from
  /// `mcs`, on the host's container contexts. Null: no labels.
  selinux::McsAllocator* mcs = nullptr;
  selinux::ContainerContexts selinux_contexts = selinux::ContainerContexts::Defaults();
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

  /// Creates the pod and answers its id. All or nothing.
  /// @return InvalidArgument for bad metadata, paths, DNS entries or sysctls;
  ///     AlreadyExists for a name in use
  absl::StatusOr<std::string> Run(const RequestContext& ctx, PodRequest request);

  /// Stops the pod's containers and releases its namespaces and /dev/shm. Idempotent;
  /// a missing pod is not an error (the CRI asks for that).
  absl::Status Stop(const RequestContext& ctx, const std::string& id);

  /// Stop, then removes the containers, the run dir and the record. Idempotent.
  absl::Status Remove(const RequestContext& ctx, const std::string& id);

  /// At start: finishes or undoes what a crash interrupted (pods still being created
  /// are removed). Ready pods whose namespaces are gone (a reboot) become NotReady.
  void Recover(const RequestContext& ctx);

 private:
  /// A recovered pod keeps its SELinux level: no new pod may be given it.
  void ReserveMcsLevel(const RequestContext& ctx, const store::PodRecord& pod);
  void ReleaseMcsLevel(const store::PodRecord& pod);
  absl::Status Release(const store::PodRecord& pod);

  store::Store& store_;
  PodOptions options_;
  PodContainerHooks hooks_;
};

/// resolv.conf text for a pod: the DNS config's servers, searches and options, or the
/// host's file when the config has none.
/// @return InvalidArgument for entries with whitespace or control characters
absl::StatusOr<std::string> ResolvConfText(const DnsConfig& dns, const std::string& host_file);

/// /etc/hosts for a pod: localhost entries, then the pod's IP (when known) and hostname.
std::string HostsText(const std::string& hostname, const std::string& ip);

}  // namespace crio::sandbox
