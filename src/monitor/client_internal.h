#pragma once

// The parts of the client (client.cc) that the unit tests use directly: the pure
// pieces, and the spawn and sync pipe steps (to drive a monitor without connecting).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/monitor/monitor.h"

namespace crio::monitor::internal {

/// Checks the fields crio-monitor relies on; InvalidArgument names the field.
absl::Status ValidateLaunch(const MonitorLaunch& launch);

/// crio-monitor's argv for `launch` (argv[0] is monitor_path).
std::vector<std::string> MonitorArgv(const MonitorLaunch& launch);

/// Checks an exec session's launch; InvalidArgument names the field.
absl::Status ValidateExecLaunch(const ExecLaunch& launch);

/// crio-monitor's argv for an exec session (argv[0] is monitor_path).
std::vector<std::string> ExecMonitorArgv(const ExecLaunch& launch);

/// launch.process_json with "terminal" and "consoleSize" set from the launch.
/// @return InvalidArgument when it is not a JSON object
absl::StatusOr<std::string> ExecProcessJson(const ExecLaunch& launch);

/// What the monitor wrote on the sync pipe (protocol.h).
struct SyncReport {
  pid_t monitor_pid = 0;    ///< 0 if the monitor died before detaching
  bool ready = false;       ///< exec mode: the attach socket listened
  bool ok = false;          ///< create succeeded
  pid_t container_pid = 0;  ///< when ok
  std::string error_kind;   ///< protocol::kError*, when it failed
  long error_value = 0;     ///< exit status, signal, timeout ms or errno
  std::string message;      ///< the runtime's (or the monitor's) error text
};

/// Parses the whole sync pipe content (read to EOF).
/// @return InvalidArgument when it is neither a success nor a failure report
absl::StatusOr<SyncReport> ParseSyncReport(absl::string_view text);

/// Turns a failure report into the error StartMonitor returns.
absl::Status ReportToStatus(const SyncReport& report, const MonitorLaunch& launch);

/// Turns a failure report into an error; `what` names the operation ("exec in
/// container 4f2a with /usr/sbin/runc").
absl::Status ReportToStatus(const SyncReport& report, absl::string_view what);

/// Whether the sync pipe text so far has the exec monitor's "ready" line.
bool ReportSaysReady(absl::string_view text);

/// A crio-monitor just spawned: its first process (which forks the detached monitor
/// and exits) and the read end of the sync pipe. Destroying it closes the pipe and
/// reaps the first process.
class SpawnedMonitor {
 public:
  SpawnedMonitor(pid_t first, int sync_fd) : first_(first), sync_fd_(sync_fd) {}
  SpawnedMonitor(SpawnedMonitor&& other) noexcept
      : first_(std::exchange(other.first_, -1)), sync_fd_(std::exchange(other.sync_fd_, -1)) {}
  SpawnedMonitor& operator=(SpawnedMonitor&&) = delete;
  SpawnedMonitor(const SpawnedMonitor&) = delete;
  SpawnedMonitor& operator=(const SpawnedMonitor&) = delete;
  ~SpawnedMonitor();
  int sync_fd() const { return sync_fd_; }

 private:
  pid_t first_;
  int sync_fd_;
};

/// Spawns crio-monitor with `args` (args[0] is the binary) and the sync pipe on
/// protocol::kSyncFd, with no signal blocked and /dev/null as stdio.
absl::StatusOr<SpawnedMonitor> SpawnMonitor(const std::vector<std::string>& args);

/// Reads the sync pipe to EOF. After each read, `on_data` (may be null) sees all the
/// text so far. When `limit` has passed, the monitor (if it reported its pid) is
/// killed: DeadlineExceeded "<what>: no report from crio-monitor within <limit> ms".
absl::StatusOr<std::string> ReadSyncPipe(const SpawnedMonitor& monitor,
                                         std::chrono::milliseconds limit, absl::string_view what,
                                         const std::function<void(const std::string&)>& on_data);

/// Parses an exit file's content; `path` only names it in errors.
absl::StatusOr<ExitInfo> ParseExitFile(absl::string_view content, absl::string_view path);

}  // namespace crio::monitor::internal
