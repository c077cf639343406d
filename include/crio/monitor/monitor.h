#pragma once

// The daemon's side of crio-monitor, the small per-container process that runs the OCI
// runtime's create, copies the container's output to the CRI log, serves attach and
// writes the exit file (conmon's job; docs/architecture.md "crio-monitor").

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio::monitor {

/// Everything crio-monitor needs to create and supervise one container. Paths are
/// absolute; the monitor creates missing parent directories of the files it writes.
struct MonitorLaunch {
  std::string monitor_path;                ///< the crio-monitor binary
  std::string container_id;                ///< the runtime's id; also names the monitor
  std::string runtime_path;                ///< runc or crun
  std::string runtime_root;                ///< the runtime's --root; empty: its default
  std::vector<std::string> runtime_args;   ///< global args before "create" (--systemd-cgroup)
  std::string bundle_dir;                  ///< holds config.json and the rootfs
  std::string pid_file;                    ///< the runtime writes the init's pid here
  std::string log_path;                    ///< the CRI log file
  std::int64_t log_size_max = -1;          ///< rotate at this size; <= 0: never (else >= 1024)
  std::string exit_file;                   ///< written atomically when the init ends
  std::string attach_socket_path;          ///< SOCK_SEQPACKET attach endpoint
  std::string control_path;                ///< SOCK_SEQPACKET socket for reopen/resize
  bool tty = false;                        ///< a terminal (console socket) instead of pipes
  bool stdin = false;                      ///< keep a stdin for attach clients
  bool stdin_once = false;                 ///< close stdin when an attach client leaves
  std::map<std::string, std::string> env;  ///< added to the runtime's environment
  std::chrono::milliseconds create_timeout{240000};  ///< kill the runtime's create after this
};

/// A created container (the init waits for the runtime's start).
struct MonitorStarted {
  pid_t container_pid = 0;  ///< the container's init, as the runtime wrote it
  pid_t monitor_pid = 0;    ///< the detached crio-monitor
};

/// How the container's init ended, from the exit file.
struct ExitInfo {
  int exit_code = 0;                ///< exit status, 128 + signal when killed
  int signal = 0;                   ///< the killing signal, 0 when it exited
  std::int64_t finished_at_ns = 0;  ///< unix nanoseconds
  bool oom_killed = false;          ///< the cgroup's OOM killer struck
};

/// Starts crio-monitor, which detaches and runs the runtime's create, and waits for
/// its report.
/// @return the pids; InvalidArgument for a bad launch; on a failed create an error
///   (Internal, DeadlineExceeded on timeout) whose message has the runtime's own
///   error text, after which no process, runtime state or pid file is left
absl::StatusOr<MonitorStarted> StartMonitor(const MonitorLaunch& launch);

/// Asks the monitor to close and reopen its log file (ReopenContainerLog). Returns
/// after the new file exists.
/// @return FailedPrecondition when no monitor listens, Internal if the reopen failed
absl::Status ReopenLog(const std::string& control_path);

/// Sets the container's terminal size.
/// @return FailedPrecondition when no monitor listens or the container has no terminal
absl::Status ResizeTerminal(const std::string& control_path, std::uint16_t width,
                            std::uint16_t height);

/// Reads an exit file.
/// @return nullopt while the container runs (no file yet); InvalidArgument when the
///   file is not in the monitor's format
absl::StatusOr<std::optional<ExitInfo>> ReadExitFile(const std::string& path);

/// Whether `pid` is a live crio-monitor supervising `container_id` (its command line
/// names both), for recovery after a daemon restart: a reused pid does not match.
bool MonitorRunning(pid_t pid, absl::string_view container_id);

/// Waits until the monitor of `container_id` with `pid` has ended (after it wrote the
/// exit file it still has to exit) or `limit` passes. No polling: a pidfd.
/// @return true when it is gone (or `pid` is not that monitor)
bool WaitMonitorEnd(pid_t pid, absl::string_view container_id, std::chrono::milliseconds limit);

/// The launcher as an interface, so the runtime module can be tested with a fake.
class MonitorLauncher {
 public:
  virtual ~MonitorLauncher() = default;
  /// @see StartMonitor
  virtual absl::StatusOr<MonitorStarted> Start(const MonitorLaunch& launch) = 0;
  /// @see ReopenLog
  virtual absl::Status ReopenLog(const std::string& control_path) = 0;
  /// @see ResizeTerminal
  virtual absl::Status ResizeTerminal(const std::string& control_path, std::uint16_t width,
                                      std::uint16_t height) = 0;
  /// @see ReadExitFile
  virtual absl::StatusOr<std::optional<ExitInfo>> ReadExitFile(const std::string& path) = 0;
  /// @see MonitorRunning
  virtual bool Running(pid_t pid, absl::string_view container_id) = 0;
  /// @see WaitMonitorEnd
  virtual bool WaitEnd(pid_t pid, absl::string_view container_id,
                       std::chrono::milliseconds limit) = 0;
};

/// The launcher that runs the real crio-monitor (the functions above).
std::unique_ptr<MonitorLauncher> MakeMonitorLauncher();

}  // namespace crio::monitor
