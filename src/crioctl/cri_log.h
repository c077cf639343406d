#pragma once

// The CRI container log format, as kubelet and crictl read it and crio-monitor writes it:
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P>[:<more tags>] <content>\n
// A "P" (partial) line is a piece of a longer line; the pieces of one stream are joined
// until the "F" (full) line that ends it. Pure functions on values: no files here.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::ctl {

enum class LogStream { kStdout, kStderr };

/// A log timestamp: the instant, and the UTC offset it was written with (so that
/// `--timestamps` prints it back in the zone it was written in, as kubelet does).
struct LogTime {
  std::int64_t unix_nanos = 0;
  int utc_offset_seconds = 0;

  bool operator==(const LogTime&) const = default;
};

/// Parses RFC 3339 with an optional fraction of up to 9 digits and "Z" or "+hh:mm".
absl::StatusOr<LogTime> ParseRfc3339(std::string_view text);

/// Go's time.RFC3339Nano output: trailing zeros of the fraction removed.
std::string FormatLogTime(const LogTime& time);

/// One line of a log file, split into its parts; `content` points into the line.
struct CriLogRecord {
  LogTime time;
  LogStream stream = LogStream::kStdout;
  bool partial = false;
  std::string_view content;
};

/// Parses one line of a CRI log file, given without its newline.
absl::StatusOr<CriLogRecord> ParseCriLogLine(std::string_view line);

/// A logical line: the pieces of one stream joined. `time` is the first piece's.
/// `complete` is false for pieces still waiting for their "F" line.
struct LogLine {
  LogTime time;
  LogStream stream = LogStream::kStdout;
  std::string text;
  bool complete = true;

  bool operator==(const LogLine&) const = default;
};

/// Joins the pieces of each stream into logical lines, skipping malformed lines.
class CriLogAssembler {
 public:
  /// Feeds one file line (without its newline); returns the logical line it completes.
  std::optional<LogLine> Add(std::string_view line);

  /// Takes the pieces still waiting for their "F" line, stdout's first.
  std::vector<LogLine> TakePending();

  /// How many lines could not be parsed.
  std::size_t malformed() const { return malformed_; }

 private:
  std::optional<LogLine> pending_[2];
  std::size_t malformed_ = 0;
};

/// A whole log text (possibly ending without a newline) as logical lines; unfinished
/// pieces at the end come last with `complete == false`.
std::vector<LogLine> ParseCriLog(std::string_view text);

/// Keeps the last `count` lines pushed into it (all of them when `count` is negative).
class TailBuffer {
 public:
  explicit TailBuffer(std::int64_t count) : count_(count) {}
  void Push(LogLine line);
  std::vector<LogLine> Take();

 private:
  std::int64_t count_;
  std::deque<LogLine> lines_;
};

/// The text crictl prints for a line: "<timestamp> " when asked, the text, and a newline
/// unless the line is an unfinished piece.
std::string RenderLogLine(const LogLine& line, bool timestamps);

}  // namespace crio::ctl
