// Network interface counters of a pod: /proc/net/dev as seen from the pod's network
// namespace (/proc/thread-self follows the reading thread's namespace; /sys/class/net
// would show the namespace sysfs was mounted in).

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crio/common/fs.h"
#include "crio/common/netns.h"
#include "crio/common/status.h"
#include "crio/stats/stats.h"

namespace crio::stats {
namespace {

// Columns after "<name>:": 8 receive counters, then 8 transmit counters.
constexpr std::size_t kCounters = 16;
constexpr std::size_t kRxBytes = 0;
constexpr std::size_t kRxErrors = 2;
constexpr std::size_t kTxBytes = 8;
constexpr std::size_t kTxErrors = 10;

// Big enough for hundreds of interfaces; the bound keeps a misbehaving procfs from
// filling the daemon's memory.
constexpr std::size_t kMaxNetDevBytes = 1 << 20;

}  // namespace

absl::StatusOr<std::vector<InterfaceStats>> ParseNetDev(absl::string_view text) {
  std::vector<InterfaceStats> out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    // Two header lines, both with '|' and no ':' before it.
    if (line_number <= 2 || absl::StripAsciiWhitespace(line).empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("/proc/net/dev line ", line_number, ": no \"<interface>:\""));
    }
    InterfaceStats interface;
    interface.name = std::string(absl::StripAsciiWhitespace(line.substr(0, colon)));
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line.substr(colon + 1), ' ', absl::SkipEmpty());
    std::uint64_t counters[kCounters] = {};
    if (interface.name.empty() || fields.size() < kCounters) {
      return absl::InvalidArgumentError(absl::StrCat("/proc/net/dev line ", line_number,
                                                     ": want an interface name and 16 counters"));
    }
    for (std::size_t i = 0; i < kCounters; ++i) {
      if (!absl::SimpleAtoi(fields[i], &counters[i])) {
        return absl::InvalidArgumentError(absl::StrCat(
            "/proc/net/dev line ", line_number, ": counter \"", fields[i], "\" is not a number"));
      }
    }
    if (interface.name == "lo") continue;
    interface.rx_bytes = counters[kRxBytes];
    interface.rx_errors = counters[kRxErrors];
    interface.tx_bytes = counters[kTxBytes];
    interface.tx_errors = counters[kTxErrors];
    out.push_back(std::move(interface));
  }
  return out;
}

absl::StatusOr<std::vector<InterfaceStats>> ReadNamespaceInterfaces(const std::string& netns_path) {
  absl::StatusOr<std::string> text = absl::InternalError("not read");
  RETURN_IF_ERROR(netns::RunIn(
      netns_path, [&] { text = fs::ReadFile("/proc/thread-self/net/dev", kMaxNetDevBytes); }));
  if (!text.ok()) return text.status();
  return ParseNetDev(*text);
}

}  // namespace crio::stats
