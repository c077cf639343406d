#include "display.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace crio::ctl {
namespace {

constexpr std::size_t kMinWidth = 20;
constexpr std::size_t kPadding = 3;
constexpr std::size_t kTruncatedIdLength = 13;

// Go's tabwriter counts runes, not bytes: names and images may be UTF-8.
std::size_t DisplayWidth(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

void Table::AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

std::string Table::Render() const {
  // Rows of a crictl table all have the same cells, so one column block spans them all.
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) widths.resize(i + 1, kMinWidth);
      widths[i] = std::max(widths[i], DisplayWidth(row[i]) + kPadding);
    }
  }
  std::string out;
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - DisplayWidth(row[i]), ' ');
    }
    out += '\n';
  }
  return out;
}

std::string HumanDuration(std::chrono::nanoseconds duration) {
  const double seconds_f = std::chrono::duration<double>(duration).count();
  const auto seconds = static_cast<std::int64_t>(seconds_f);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return absl::StrCat(seconds, " seconds");
  const auto minutes = static_cast<std::int64_t>(seconds_f / 60);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return absl::StrCat(minutes, " minutes");
  const auto hours = static_cast<std::int64_t>(std::round(seconds_f / 3600));
  if (hours == 1) return "About an hour";
  if (hours < 48) return absl::StrCat(hours, " hours");
  if (hours < 24 * 7 * 2) return absl::StrCat(hours / 24, " days");
  if (hours < 24 * 30 * 2) return absl::StrCat(hours / 24 / 7, " weeks");
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24 / 30, " months");
  return absl::StrCat(static_cast<std::int64_t>(seconds_f / 3600) / 24 / 365, " years");
}

std::string CreatedAgo(std::int64_t created_unix_nanos, std::chrono::system_clock::time_point now) {
  const auto now_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  return absl::StrCat(HumanDuration(std::chrono::nanoseconds(now_nanos - created_unix_nanos)),
                      " ago");
}

std::string TruncateId(std::string_view id, std::string_view prefix) {
  if (!prefix.empty() && id.substr(0, prefix.size()) == prefix) id.remove_prefix(prefix.size());
  return std::string(id.substr(0, kTruncatedIdLength));
}

std::string FormatUnixNanosWithOffset(std::int64_t unix_nanos, int utc_offset_seconds) {
  const std::int64_t seconds = FloorDiv(unix_nanos, 1'000'000'000);
  const auto nanos = static_cast<std::int64_t>(unix_nanos - seconds * 1'000'000'000);
  const time_t shifted = static_cast<time_t>(seconds + utc_offset_seconds);
  struct tm tm {};
  gmtime_r(&shifted, &tm);
  char date[64];
  std::snprintf(date, sizeof(date), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = date;
  if (nanos != 0) {
    char fraction[16];
    std::snprintf(fraction, sizeof(fraction), "%09lld", static_cast<long long>(nanos));
    std::string digits = fraction;
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  if (utc_offset_seconds == 0) {
    out += 'Z';
  } else {
    const int magnitude = std::abs(utc_offset_seconds);
    char zone[16];
    std::snprintf(zone, sizeof(zone), "%c%02d:%02d", utc_offset_seconds < 0 ? '-' : '+',
                  magnitude / 3600, (magnitude / 60) % 60);
    out += zone;
  }
  return out;
}

std::string FormatUnixNanos(std::int64_t unix_nanos) {
  const time_t seconds = static_cast<time_t>(FloorDiv(unix_nanos, 1'000'000'000));
  struct tm local {};
  localtime_r(&seconds, &local);
  return FormatUnixNanosWithOffset(unix_nanos, static_cast<int>(local.tm_gmtoff));
}

}  // namespace crio::ctl
