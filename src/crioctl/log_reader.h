#pragma once

// Reading a container's CRI log file the way crictl does (it reads the file itself, on
// the node, rather than asking the runtime): tail, since, stream and byte limits, and
// following the file across rotations until the container stops.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio::ctl {

struct LogReadOptions {
  std::int64_t tail = -1;                        ///< last N logical lines; negative = all
  std::optional<std::int64_t> since_unix_nanos;  ///< drop lines written before this
  bool timestamps = false;                       ///< prefix each line with its timestamp
  std::int64_t limit_bytes = -1;                 ///< stop after this many bytes; negative = none
  bool show_stdout = true;                       ///< print the stdout stream
  bool show_stderr = true;                       ///< print the stderr stream
  bool follow = false;                           ///< keep reading until the container stops
  /// How often to look for new data, a rotated file, while following.
  std::chrono::milliseconds poll_interval{100};
  /// How often to ask whether the container still runs, while following.
  std::chrono::milliseconds status_interval{1000};
};

/// The instant --since names, in Unix nanoseconds: a Go duration before `now` ("42m",
/// "1h30m", "1.5h"), an RFC 3339 timestamp, a timestamp without zone in local time
/// ("2013-01-02T13:23:37", "2013-01-02"), or Unix seconds ("1690000000.5").
absl::StatusOr<std::int64_t> ParseSince(const std::string& value,
                                        std::chrono::system_clock::time_point now);

/// Answers whether the container is still running (following stops once it is not).
using StillRunning = std::function<bool()>;

/// Prints the log at `path`: stdout lines to `out`, stderr lines to `err`. Malformed
/// lines are skipped. When following, a file replaced at `path` (rotation) is read from
/// its start after the rest of the old one, and a truncated file from its start.
absl::Status ReadCriLogFile(const std::string& path, const LogReadOptions& options,
                            std::ostream& out, std::ostream& err,
                            const StillRunning& still_running);

}  // namespace crio::ctl
