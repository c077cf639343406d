#pragma once

// A pod's namespaces, pinned: made by a short-lived child that unshares them, and kept
// alive after it exits by bind-mounting its /proc/self/ns/<type> files onto
// <namespaces_dir>/<type>ns/<pod id> (CRI-O's pinns does the same). Containers join
// them by path; no infra process is needed to hold them.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::sandbox {

struct PinRequest {
  std::string namespaces_dir;  ///< [crio.runtime] namespaces_dir, e.g. /var/run
  std::string pod_id;
  bool net = true;
  bool ipc = true;
  bool uts = true;
  std::string hostname;  ///< set in the new UTS namespace ("" = leave it)
  /// Namespaced sysctls ("net.ipv4.ip_forward" -> "1"), written inside the new
  /// namespaces: net.* in the network one, kernel.shm*/msg*/sem and fs.mqueue.* in IPC.
  std::map<std::string, std::string> sysctls;
};

struct PinnedNamespaces {
  std::string net;  ///< bind-mounted ns file, "" when not requested
  std::string ipc;
  std::string uts;
};

/// Unshares the requested namespaces in a child, brings loopback up in a new network
/// namespace, sets hostname and sysctls, and pins them. All or nothing: on failure no
/// pinned file is left.
/// @return InvalidArgument for a sysctl that is not namespaced or cannot be written
absl::StatusOr<PinnedNamespaces> PinNamespaces(const PinRequest& request);

/// Unmounts and removes pinned namespace files. Missing files are fine (idempotent).
absl::Status UnpinNamespaces(const PinnedNamespaces& pinned);

/// Starts the holder of a pod's shared PID namespace: `<binary> pause <pod id>` as PID 1
/// of a new PID namespace, detached (own session) so that it outlives the daemon.
/// @return its host pid; its namespace is /proc/<pid>/ns/pid
absl::StatusOr<pid_t> StartPidNamespaceHolder(const std::string& binary, const std::string& pod_id);

/// Whether `pid` is the holder started for `pod_id` (its command line says so: a reused
/// pid does not match).
bool PidNamespaceHolderRunning(pid_t pid, const std::string& pod_id);

/// Kills the holder (and with it every process of the PID namespace). Idempotent.
void StopPidNamespaceHolder(pid_t pid, const std::string& pod_id);

/// The holders running for `pod_id`, found by their command lines: for a pod whose
/// record never got the holder's pid (the daemon died while running it).
std::vector<pid_t> FindPidNamespaceHolders(const std::string& pod_id);

/// Whether a sysctl is namespaced and in which namespace ("net", "ipc", "uts"), as
/// runc and CRI-O decide it; "" when it would change the host.
std::string SysctlNamespace(const std::string& name);

}  // namespace crio::sandbox
