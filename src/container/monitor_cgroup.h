#pragma once

// Where crio-monitor runs, as CRI-O's monitor_cgroup (formerly conmon_cgroup) says.
// With the cgroupfs manager and "pod", each monitor gets a cgroup of its own beside its
// container's, <pod cgroup parent>/crio-conmon-<id> (CRI-O's name), so that the pod's
// accounting includes it. "" and "system.slice" (which only a systemd manager can act
// on) leave it in the daemon's cgroup.

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"

namespace crio::container {

/// The monitor's cgroup path (the same in every hierarchy); "" = it stays where it is.
std::string MonitorCgroupPath(const std::string& cgroup_manager, const std::string& monitor_cgroup,
                              const std::string& pod_cgroup_parent,
                              const std::string& container_id);

/// Moves `pid` into `path` in every mounted cgroup hierarchy (v1 controllers, named v1
/// hierarchies and the unified one), creating the directories. A new cpuset v1 level
/// gets its parent's cpus and mems, without which it could hold no process.
absl::Status JoinCgroup(const std::string& path, pid_t pid);

/// Removes the (by now empty) leaf `path` from every hierarchy; a missing one is fine.
absl::Status RemoveCgroup(const std::string& path);

}  // namespace crio::container
