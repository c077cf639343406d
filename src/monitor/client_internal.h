#pragma once

// The pure parts of the client (client.cc), exposed for the unit tests.

#include <sys/types.h>

#include <string>
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

/// What the monitor wrote on the sync pipe (protocol.h).
struct SyncReport {
  pid_t monitor_pid = 0;    ///< 0 if the monitor died before detaching
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

/// Parses an exit file's content; `path` only names it in errors.
absl::StatusOr<ExitInfo> ParseExitFile(absl::string_view content, absl::string_view path);

}  // namespace crio::monitor::internal
