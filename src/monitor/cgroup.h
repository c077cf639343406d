#pragma once

// The container's cgroups, as the monitor needs them.
//
// OOM-kill detection: both cgroup versions keep a counter of OOM kills, v1 in
// memory.oom_control, v2 in memory.events, each as a line "oom_kill <n>". The monitor
// opens that file while the container's init is alive (its /proc/<pid>/cgroup names
// the cgroup) and compares the count at exit.
//
// Cleanup after a create killed at its timeout: runc had made the cgroups but saved
// no state, so `runc delete` cannot remove them; the monitor removes the empty ones
// named after the container.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace crio::monitor {

/// Finds the memory controller's cgroup in /proc/<pid>/cgroup `content`: the v1 line
/// whose controller list has "memory", else the v2 line "0::<path>".
/// @param v2 set to whether the path is in the unified hierarchy
/// @return false when neither is there or `out` is too small
bool FindMemoryCgroup(const char* content, std::size_t len, bool* v2, char* out, std::size_t cap);

/// Parses one line of /proc/self/mountinfo. Matches a cgroup2 mount when `v2`, else a
/// v1 cgroup mount with the "memory" option, and returns its root and mount point.
bool ParseCgroupMount(const char* line, std::size_t len, bool v2, char* root, std::size_t root_cap,
                      char* mount_point, std::size_t mount_cap);

/// Like ParseCgroupMount, for any cgroup or cgroup2 mount.
bool ParseAnyCgroupMount(const char* line, std::size_t len, char* root, std::size_t root_cap,
                         char* mount_point, std::size_t mount_cap);

/// A cgroup path relative to its hierarchy's root.
struct CgroupPath {
  char path[256];
};

/// Adds to paths[count..cap) the distinct cgroup paths in /proc/<pid>/cgroup
/// `content` whose last component contains `id` (runc's "/<id>", CRI-O's
/// ".../crio-<id>"), so that no shared parent is ever picked.
/// @return the new count
int ContainerCgroupsIn(const char* content, std::size_t len, const char* id, CgroupPath* paths,
                       int count, int cap);

/// ContainerCgroupsIn on the live /proc/<pid>/cgroup.
int ContainerCgroups(pid_t pid, const char* id, CgroupPath* paths, int count, int cap);

/// Removes those cgroups under every cgroup mount where they exist and are empty.
void RemoveCgroups(const CgroupPath* paths, int count);

/// The n of the line "oom_kill <n>", or -1 when there is no such line.
std::int64_t ParseOomKillCount(const char* content, std::size_t len);

/// Opens the OOM counter file of `pid`'s memory cgroup.
/// @return an O_CLOEXEC fd, or -1 when the cgroup or the file cannot be found
int OpenOomCounter(pid_t pid);

/// Reads the counter through an fd from OpenOomCounter. -1 when it cannot.
std::int64_t ReadOomKillCount(int fd);

}  // namespace crio::monitor
