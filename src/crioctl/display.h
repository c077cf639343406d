#pragma once

// How crictl shows things in tables: Go's tabwriter layout, "2 minutes ago", truncated
// ids, and timestamps in Go's RFC3339Nano form.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crio::ctl {

/// Columns aligned as Go's text/tabwriter does with crictl's settings (minimum width 20,
/// padding 3, spaces): every cell but the last of a row is padded to the widest cell
/// of its column plus 3, and to at least 20 characters.
class Table {
 public:
  void AddRow(std::vector<std::string> cells);
  /// The rows, each ending with a newline.
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

/// docker/go-units HumanDuration, which crictl appends " ago" to: "Less than a second",
/// "1 second", "12 seconds", "About a minute", "5 minutes", "About an hour", "3 hours",
/// "4 days", "3 weeks", "5 months", "2 years".
std::string HumanDuration(std::chrono::nanoseconds duration);

/// "<HumanDuration(now - created)> ago", with `created` in Unix nanoseconds.
std::string CreatedAgo(std::int64_t created_unix_nanos, std::chrono::system_clock::time_point now);

/// The first 13 characters of `id` after removing `prefix` (crictl's getTruncatedID).
std::string TruncateId(std::string_view id, std::string_view prefix = "");

/// Unix nanoseconds as Go's time.Unix(0, n).Format(time.RFC3339Nano) in the local zone:
/// fraction without trailing zeros (none when zero), "Z" for a zero UTC offset.
std::string FormatUnixNanos(std::int64_t unix_nanos);

/// The same for a given UTC offset (seconds east of UTC).
std::string FormatUnixNanosWithOffset(std::int64_t unix_nanos, int utc_offset_seconds);

}  // namespace crio::ctl
