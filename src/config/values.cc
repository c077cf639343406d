#include "crio/config/values.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "string_util.h"

namespace crio::config {
namespace {

using internal::Cat;
using internal::ParseInt;
using internal::Split;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a run of decimal digits into `*value`, saturating at `limit` so that huge
// numbers are reported as out of range rather than wrapping.
std::size_t ReadDigits(std::string_view s, std::size_t pos, std::uint64_t limit,
                       std::uint64_t* value, bool* overflow) {
  std::size_t i = pos;
  while (i < s.size() && IsDigit(s[i])) {
    const auto digit = static_cast<std::uint64_t>(s[i] - '0');
    if (*value > (limit - digit) / 10) {
      *overflow = true;
      *value = limit;
    } else if (!*overflow) {
      *value = *value * 10 + digit;
    }
    ++i;
  }
  return i - pos;
}

absl::Status Invalid(std::string_view what, std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(Cat(what, " \"", text, "\" ", why));
}

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

absl::StatusOr<absl::Duration> ParseGoDuration(std::string_view text) {
  // Nanoseconds per unit; longest unit names first so "ms" is not read as "m".
  struct Unit {
    std::string_view name;
    std::uint64_t nanos;
  };
  static constexpr std::array<Unit, 8> kUnits = {{
      {"ns", 1},
      {"us", 1000},
      {"\xC2\xB5s", 1000},  // U+00B5 MICRO SIGN
      {"\xCE\xBCs", 1000},  // U+03BC GREEK SMALL LETTER MU
      {"ms", 1000 * 1000},
      {"s", 1000 * 1000 * 1000},
      {"m", 60ULL * 1000 * 1000 * 1000},
      {"h", 3600ULL * 1000 * 1000 * 1000},
  }};
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max());

  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return absl::ZeroDuration();
  if (s.empty()) return Invalid("duration", text, "is empty");

  std::uint64_t total = 0;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::uint64_t whole = 0;
    bool overflow = false;
    const std::size_t whole_digits = ReadDigits(s, pos, kMax, &whole, &overflow);
    pos += whole_digits;
    double fraction = 0;
    std::size_t fraction_digits = 0;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      double scale = 0.1;
      while (pos < s.size() && IsDigit(s[pos])) {
        fraction += scale * (s[pos] - '0');
        scale /= 10;
        ++pos;
        ++fraction_digits;
      }
    }
    if (whole_digits == 0 && fraction_digits == 0) {
      return Invalid("duration", text, "is not a Go duration such as \"90s\" or \"1h30m\"");
    }
    if (overflow) return Invalid("duration", text, "is out of range");
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.substr(pos, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return Invalid("duration", text, "needs a unit: ns, us, ms, s, m or h");
    }
    pos += unit->name.size();
    if (whole > kMax / unit->nanos) return Invalid("duration", text, "is out of range");
    std::uint64_t part = whole * unit->nanos;
    const double extra = fraction * static_cast<double>(unit->nanos);
    if (extra >= static_cast<double>(kMax - part)) {
      return Invalid("duration", text, "is out of range");
    }
    part += static_cast<std::uint64_t>(extra);
    if (part > kMax - total) return Invalid("duration", text, "is out of range");
    total += part;
  }
  const auto nanos = static_cast<std::int64_t>(total);
  return absl::Nanoseconds(negative ? -nanos : nanos);
}

absl::StatusOr<std::int64_t> ParseMemorySize(std::string_view text) {
  // go-units: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$, multiples of 1024.
  std::string_view s = text;
  std::size_t pos = 0;
  while (pos < s.size() && (IsDigit(s[pos]) || s[pos] == '.')) ++pos;
  const std::string_view number = s.substr(0, pos);
  if (number.empty() || !IsDigit(number.front()) || !IsDigit(number.back()) ||
      number.find("..") != std::string_view::npos) {
    return Invalid("size", text, "is not a size such as \"12MiB\" or \"500KiB\"");
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) {
    return Invalid("size", text, "is not a size such as \"12MiB\" or \"500KiB\"");
  }
  if (pos < s.size() && s[pos] == ' ') ++pos;
  double multiplier = 1;
  if (pos < s.size()) {
    switch (std::tolower(static_cast<unsigned char>(s[pos]))) {
      case 'k':
        multiplier = 1024.0;
        ++pos;
        break;
      case 'm':
        multiplier = 1024.0 * 1024;
        ++pos;
        break;
      case 'g':
        multiplier = 1024.0 * 1024 * 1024;
        ++pos;
        break;
      case 't':
        multiplier = 1024.0 * 1024 * 1024 * 1024;
        ++pos;
        break;
      case 'p':
        multiplier = 1024.0 * 1024 * 1024 * 1024 * 1024;
        ++pos;
        break;
      default:
        break;
    }
  }
  if (pos < s.size() && (s[pos] == 'i' || s[pos] == 'I')) ++pos;
  if (pos < s.size() && (s[pos] == 'b' || s[pos] == 'B')) ++pos;
  if (pos != s.size()) {
    return Invalid("size", text, "is not a size such as \"12MiB\" or \"500KiB\"");
  }
  const double bytes = value * multiplier;
  if (!(bytes < 9.2e18)) return Invalid("size", text, "is out of range");
  return static_cast<std::int64_t>(bytes);
}

absl::StatusOr<std::string> CanonicalCapability(std::string_view name) {
  static constexpr std::array<std::string_view, 41> kCapabilities = {
      "CHOWN",
      "DAC_OVERRIDE",
      "DAC_READ_SEARCH",
      "FOWNER",
      "FSETID",
      "KILL",
      "SETGID",
      "SETUID",
      "SETPCAP",
      "LINUX_IMMUTABLE",
      "NET_BIND_SERVICE",
      "NET_BROADCAST",
      "NET_ADMIN",
      "NET_RAW",
      "IPC_LOCK",
      "IPC_OWNER",
      "SYS_MODULE",
      "SYS_RAWIO",
      "SYS_CHROOT",
      "SYS_PTRACE",
      "SYS_PACCT",
      "SYS_ADMIN",
      "SYS_BOOT",
      "SYS_NICE",
      "SYS_RESOURCE",
      "SYS_TIME",
      "SYS_TTY_CONFIG",
      "MKNOD",
      "LEASE",
      "AUDIT_WRITE",
      "AUDIT_CONTROL",
      "SETFCAP",
      "MAC_OVERRIDE",
      "MAC_ADMIN",
      "SYSLOG",
      "WAKE_ALARM",
      "BLOCK_SUSPEND",
      "AUDIT_READ",
      "PERFMON",
      "BPF",
      "CHECKPOINT_RESTORE",
  };
  const std::string upper = internal::ToUpper(name);
  std::string_view bare = upper;
  if (bare.starts_with("CAP_")) bare.remove_prefix(4);
  if (std::find(kCapabilities.begin(), kCapabilities.end(), bare) == kCapabilities.end()) {
    return Invalid("capability", name, "is not a Linux capability");
  }
  return Cat("CAP_", bare);
}

absl::StatusOr<Ulimit> ParseUlimit(std::string_view text) {
  static constexpr std::array<std::string_view, 15> kNames = {
      "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
      "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack"};
  const std::vector<std::string_view> name_limits = Split(text, '=', 2);
  if (name_limits.size() != 2) return Invalid("ulimit", text, "is not name=soft:hard");
  Ulimit ulimit;
  ulimit.name = std::string(name_limits[0]);
  if (std::find(kNames.begin(), kNames.end(), ulimit.name) == kNames.end()) {
    std::string names;
    for (std::string_view n : kNames) internal::Append(&names, names.empty() ? "" : ", ", n);
    return Invalid("ulimit", text, Cat("names no resource; use one of ", names));
  }
  const std::vector<std::string_view> limits = Split(name_limits[1], ':');
  if (limits.size() > 2) return Invalid("ulimit", text, "is not name=soft:hard");
  auto parse = [](std::string_view v, std::int64_t* out) { return ParseInt(v, out) && *out >= -1; };
  if (!parse(limits[0], &ulimit.soft)) {
    return Invalid("ulimit", text, "has a soft limit that is not -1 or a number >= 0");
  }
  ulimit.hard = ulimit.soft;
  if (limits.size() == 2 && !parse(limits[1], &ulimit.hard)) {
    return Invalid("ulimit", text, "has a hard limit that is not -1 or a number >= 0");
  }
  // -1 is unlimited, which is above any number.
  const auto rank = [](std::int64_t v) {
    return v < 0 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(v);
  };
  if (rank(ulimit.soft) > rank(ulimit.hard)) {
    return Invalid("ulimit", text, "has a soft limit above its hard limit");
  }
  return ulimit;
}

absl::StatusOr<Sysctl> ParseSysctl(std::string_view text) {
  const std::vector<std::string_view> parts = Split(text, '=', 2);
  if (parts.size() != 2 || parts[0].empty()) {
    return Invalid("sysctl", text, "is not in key=value format");
  }
  if (Trim(parts[0]) != parts[0] || Trim(parts[1]) != parts[1]) {
    return Invalid("sysctl", text, "has spaces around '='; write key=value");
  }
  return Sysctl{std::string(parts[0]), std::string(parts[1])};
}

absl::Status CheckSysctlText(std::string_view key, std::string_view value) {
  const auto smuggles = [](std::string_view text) {
    for (const char c : text) {
      // A tab separates numbers in values such as net.ipv4.ip_local_port_range.
      if (c == '\t') continue;
      if (c == '+' || c == '=' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    }
    return false;
  };
  const std::string name(key);
  if (key.empty()) return absl::InvalidArgumentError("sysctl: empty name");
  if (smuggles(key) || key.find('/') != std::string_view::npos ||
      key.find("..") != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("sysctl \"", absl::CEscape(name),
                                                   "\": invalid name (it may not hold '+', '=', "
                                                   "'/', '..' or control characters)"));
  }
  if (smuggles(value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sysctl \"", name, "\": invalid value \"", absl::CEscape(std::string(value)),
        "\" (it may not hold '+', '=' or control characters, which could set another sysctl)"));
  }
  return absl::OkStatus();
}

std::string SysctlNamespaceOf(std::string_view key) {
  // The IPC names the kernel isolates, exactly (a prefix of one is not one of them).
  static constexpr std::array<std::string_view, 8> kIpc = {
      "kernel.sem",    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni"};
  const auto starts = [key](std::string_view prefix) {
    return key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix;
  };
  if (std::find(kIpc.begin(), kIpc.end(), key) != kIpc.end() || starts("fs.mqueue.")) return "ipc";
  if (starts("net.")) return "net";
  if (key == "kernel.hostname" || key == "kernel.domainname") return "uts";
  return "";
}

absl::StatusOr<std::vector<IdMapping>> ParseIdMappings(std::string_view text) {
  std::vector<IdMapping> mappings;
  if (text.empty()) return mappings;
  for (std::string_view range : Split(text, ',')) {
    const std::vector<std::string_view> fields = Split(range, ':');
    IdMapping m;
    if (fields.size() != 3 || !ParseInt(fields[0], &m.container_id) ||
        !ParseInt(fields[1], &m.host_id) || !ParseInt(fields[2], &m.size) || m.size == 0) {
      return Invalid("ID mapping", range, "is not containerID:hostID:size with size > 0");
    }
    mappings.push_back(m);
  }
  return mappings;
}

absl::StatusOr<DeviceSpec> ParseDevice(std::string_view text) {
  const std::vector<std::string_view> fields = Split(text, ':');
  if (fields.size() > 3 || fields[0].empty() || fields[0][0] != '/') {
    return Invalid("device", text, "is not /host/path[:/container/path[:permissions]]");
  }
  DeviceSpec device{std::string(fields[0]), std::string(fields[0]), "rwm"};
  if (fields.size() >= 2) {
    if (fields[1].empty() || fields[1][0] != '/') {
      return Invalid("device", text, "has a container path that is not absolute");
    }
    device.container_path = std::string(fields[1]);
  }
  if (fields.size() == 3) {
    if (fields[2].empty() || fields[2].find_first_not_of("rwm") != std::string_view::npos) {
      return Invalid("device", text, "has permissions that are not made of r, w and m");
    }
    device.permissions = std::string(fields[2]);
  }
  return device;
}

absl::StatusOr<std::vector<int>> ParseCpuList(std::string_view text) {
  // Far above any real machine; keeps "0-2000000000" from allocating gigabytes.
  constexpr int kMaxCpu = 65535;
  std::vector<int> cpus;
  if (text.empty()) return cpus;
  for (std::string_view item : Split(text, ',')) {
    const std::vector<std::string_view> bounds = Split(item, '-', 2);
    int first = 0;
    int last = 0;
    const auto parse = [](std::string_view v, int* out) {
      return !v.empty() && std::all_of(v.begin(), v.end(), IsDigit) && ParseInt(v, out);
    };
    if (!parse(bounds[0], &first) || (bounds.size() == 2 && !parse(bounds[1], &last))) {
      return Invalid("CPU list", text, "is not a Linux CPU list such as \"0-3,6\"");
    }
    if (bounds.size() == 1) last = first;
    if (first > last) return Invalid("CPU list", text, "has a range that goes backwards");
    if (last > kMaxCpu) return Invalid("CPU list", text, "names a CPU above 65535");
    for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

}  // namespace crio::config
