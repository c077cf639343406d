#pragma once

// The exit file crio-monitor writes when the container's init ends, and the daemon
// reads (inotify on the exits dir, or at recovery). Text, one "key=value" per line:
//   exit_code=137
//   signal=9
//   finished_at=1700000000123456789
//   oom_killed=true
// Readers ignore keys they do not know, so fields can be added.

#include <cstddef>
#include <cstdint>

namespace crio::monitor {

inline constexpr char kExitKeyCode[] = "exit_code";
inline constexpr char kExitKeySignal[] = "signal";
inline constexpr char kExitKeyFinishedAt[] = "finished_at";
inline constexpr char kExitKeyOomKilled[] = "oom_killed";

/// How the container's init ended.
struct ExitRecord {
  int exit_code = 0;                ///< the exit status, or 128 + signal when killed
  int signal = 0;                   ///< the killing signal, 0 when it exited
  std::int64_t finished_at_ns = 0;  ///< unix nanoseconds when the monitor reaped it
  bool oom_killed = false;          ///< the cgroup's OOM killer killed a process in it
};

/// Builds an ExitRecord from a waitpid status.
ExitRecord ExitRecordFromWaitStatus(int wait_status, std::int64_t finished_at_ns, bool oom_killed);

/// Renders `record` in the format above into `out`.
/// @return the length, or 0 when `cap` is too small
std::size_t FormatExitRecord(const ExitRecord& record, char* out, std::size_t cap);

/// Writes the exit file atomically (temp file, fsync, rename), mode 0644.
/// @return 0 or an errno
int WriteExitRecord(const char* path, const ExitRecord& record);

}  // namespace crio::monitor
