// Reading cgroups: the v1 controller dirs (cpuacct, memory) or the v2 unified dir.

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crio/common/fs.h"
#include "crio/stats/stats.h"

namespace crio::stats {
namespace {

// v1 reports "no limit" as the largest page-aligned int64; anything this large is none.
constexpr std::uint64_t kNoLimitAbove = std::uint64_t{1} << 62;

// The whole of a small pseudo-file; NotFound when it is missing.
absl::StatusOr<std::string> ReadSmall(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fs::ErrnoStatus(errno, absl::StrCat("open ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::uint64_t> ReadNumber(const std::string& path) {
  auto text = ReadSmall(path);
  if (!text.ok()) return std::nullopt;
  std::uint64_t value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &value)) return std::nullopt;
  return value;
}

// "key value" lines (memory.stat, cpu.stat).
std::map<std::string, std::uint64_t> ReadKeyValues(const std::string& path) {
  std::map<std::string, std::uint64_t> values;
  auto text = ReadSmall(path);
  if (!text.ok()) return values;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    std::uint64_t value = 0;
    if (parts.size() == 2 && absl::SimpleAtoi(parts[1], &value)) {
      values[std::string(parts[0])] = value;
    }
  }
  return values;
}

std::optional<std::uint64_t> Get(const std::map<std::string, std::uint64_t>& values,
                                 const std::string& key) {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void SetWorkingSet(CgroupSample& sample, std::optional<std::uint64_t> inactive_file) {
  if (!sample.memory_usage) return;
  const std::uint64_t inactive = inactive_file.value_or(0);
  sample.working_set = *sample.memory_usage > inactive ? *sample.memory_usage - inactive : 0;
}

CgroupSample ReadV1(const std::string& root, const std::string& dir) {
  CgroupSample sample;
  sample.cpu_usage_ns = ReadNumber(absl::StrCat(root, "/cpuacct", dir, "/cpuacct.usage"));
  const std::string memory = absl::StrCat(root, "/memory", dir);
  sample.memory_usage = ReadNumber(memory + "/memory.usage_in_bytes");
  const auto stat = ReadKeyValues(memory + "/memory.stat");
  // The total_ counters include child cgroups, as the kubelet (cAdvisor) reads them.
  SetWorkingSet(sample, Get(stat, "total_inactive_file"));
  sample.rss = Get(stat, "total_rss");
  sample.page_faults = Get(stat, "total_pgfault");
  sample.major_page_faults = Get(stat, "total_pgmajfault");
  if (auto limit = ReadNumber(memory + "/memory.limit_in_bytes"); limit && *limit < kNoLimitAbove) {
    sample.memory_limit = limit;
  }
  return sample;
}

CgroupSample ReadV2(const std::string& root, const std::string& dir) {
  CgroupSample sample;
  const std::string path = root + dir;
  if (auto usec = Get(ReadKeyValues(path + "/cpu.stat"), "usage_usec")) {
    sample.cpu_usage_ns = *usec * 1000;
  }
  sample.memory_usage = ReadNumber(path + "/memory.current");
  const auto stat = ReadKeyValues(path + "/memory.stat");
  SetWorkingSet(sample, Get(stat, "inactive_file"));
  sample.rss = Get(stat, "anon");
  sample.page_faults = Get(stat, "pgfault");
  sample.major_page_faults = Get(stat, "pgmajfault");
  // "max" (no limit) does not parse as a number, so it leaves the limit empty.
  sample.memory_limit = ReadNumber(path + "/memory.max");
  return sample;
}

}  // namespace

CgroupVersion DetectCgroupVersion(const std::string& root) {
  struct statfs st {};
  if (::statfs(root.c_str(), &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) {
    return CgroupVersion::kV2;
  }
  // A plain directory tree (tests) is v2 when it has the unified hierarchy's root file.
  struct stat file {};
  if (::stat((root + "/cgroup.controllers").c_str(), &file) == 0) return CgroupVersion::kV2;
  return CgroupVersion::kV1;
}

absl::StatusOr<std::string> CgroupDirOf(const std::string& cgroups_path) {
  if (cgroups_path.empty() || cgroups_path[0] == '/') return cgroups_path;
  const std::vector<std::string> parts = absl::StrSplit(cgroups_path, ':');
  if (parts.size() != 3 || parts[0].empty() || parts[2].empty() ||
      !absl::EndsWith(parts[0], ".slice")) {
    return absl::InvalidArgumentError(absl::StrCat("linux.cgroupsPath: \"", cgroups_path,
                                                   "\" is neither a path nor slice:prefix:name"));
  }
  // systemd nests "a-b-c.slice" in "a.slice/a-b.slice/"; "-.slice" is the root.
  std::string dir;
  const std::string slice(absl::StripSuffix(parts[0], ".slice"));
  if (slice != "-") {
    std::string prefix;
    for (absl::string_view piece : absl::StrSplit(slice, '-')) {
      if (piece.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("linux.cgroupsPath: bad slice name \"", parts[0], "\""));
      }
      prefix = prefix.empty() ? std::string(piece) : absl::StrCat(prefix, "-", piece);
      absl::StrAppend(&dir, "/", prefix, ".slice");
    }
  }
  const std::string unit = absl::EndsWith(parts[2], ".slice") ? parts[2]
                           : parts[1].empty()                 ? absl::StrCat(parts[2], ".scope")
                                              : absl::StrCat(parts[1], "-", parts[2], ".scope");
  return absl::StrCat(dir, "/", unit);
}

absl::StatusOr<CgroupSample> ReadCgroup(const std::string& root, CgroupVersion version,
                                        const std::string& dir) {
  if (version == CgroupVersion::kV2) {
    if (!IsDir(root + dir)) return absl::NotFoundError(absl::StrCat("no cgroup ", root, dir));
    return ReadV2(root, dir);
  }
  if (!IsDir(absl::StrCat(root, "/memory", dir)) && !IsDir(absl::StrCat(root, "/cpuacct", dir))) {
    return absl::NotFoundError(absl::StrCat("no cgroup ", dir, " under ", root));
  }
  return ReadV1(root, dir);
}

std::uint64_t NanoCores(std::uint64_t prev_usage, std::int64_t prev_ns, std::uint64_t usage,
                        std::int64_t now_ns) {
  if (now_ns <= prev_ns || usage < prev_usage) return 0;
  const long double rate = static_cast<long double>(usage - prev_usage) * 1e9L /
                           static_cast<long double>(now_ns - prev_ns);
  return static_cast<std::uint64_t>(rate);
}

}  // namespace crio::stats
