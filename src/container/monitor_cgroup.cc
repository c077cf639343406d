// The monitor's cgroup: path choice, joining every hierarchy, removal.

#include "monitor_cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crio/common/fs.h"

namespace crio::container {
namespace {

namespace stdfs = std::filesystem;

struct Hierarchy {
  std::string mount_point;
  bool cpuset = false;  ///< v1 cpuset: new levels need cpus and mems
};

// One mount per hierarchy (a hierarchy mounted twice shares its device number).
std::vector<Hierarchy> CgroupHierarchies() {
  std::vector<Hierarchy> found;
  std::set<std::string> devices;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // <id> <parent> <major:minor> <root> <mount point> <options> [optional...] - <type> <source>
    // <super options>
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::vector<std::string> head = absl::StrSplit(line.substr(0, dash), ' ');
    std::vector<std::string> tail = absl::StrSplit(line.substr(dash + 3), ' ');
    if (head.size() < 5 || tail.size() < 3) continue;
    if (tail[0] != "cgroup" && tail[0] != "cgroup2") continue;
    if (!devices.insert(head[2]).second) continue;
    Hierarchy hierarchy;
    hierarchy.mount_point = head[4];
    if (tail[0] == "cgroup") {
      for (const auto option : absl::StrSplit(tail[2], ',')) {
        if (option == "cpuset") hierarchy.cpuset = true;
      }
    }
    found.push_back(std::move(hierarchy));
  }
  return found;
}

std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  std::getline(in, value);
  return value;
}

absl::Status WriteValue(const std::string& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fs::ErrnoStatus(errno, absl::StrCat("open ", path));
  const ssize_t written = ::write(fd, value.data(), value.size());
  const int err = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(value.size())) {
    return fs::ErrnoStatus(err, absl::StrCat("write ", value, " to ", path));
  }
  return absl::OkStatus();
}

// Creates each missing level of `path` under the mount; cpuset levels are filled from
// their parents (an empty cpuset.cpus refuses tasks).
absl::Status MakeLevels(const Hierarchy& hierarchy, const std::string& path) {
  std::string dir = hierarchy.mount_point;
  for (const auto& part : stdfs::path(path).relative_path()) {
    const std::string parent = dir;
    dir = absl::StrCat(dir, "/", part.string());
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return fs::ErrnoStatus(errno, absl::StrCat("create cgroup ", dir));
    }
    if (!hierarchy.cpuset) continue;
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
      const std::string own = absl::StrCat(dir, "/", file);
      if (!ReadTrimmed(own).empty()) continue;
      const std::string inherited = ReadTrimmed(absl::StrCat(parent, "/", file));
      if (!inherited.empty()) {
        if (absl::Status copied = WriteValue(own, inherited); !copied.ok()) return copied;
      }
    }
  }
  return absl::OkStatus();
}

bool Clean(const std::string& path) {
  if (path.empty() || path.front() != '/') return false;
  for (const auto& part : stdfs::path(path).relative_path()) {
    if (part == ".." || part == ".") return false;
  }
  return true;
}

}  // namespace

std::string MonitorCgroupPath(const std::string& cgroup_manager, const std::string& monitor_cgroup,
                              const std::string& pod_cgroup_parent,
                              const std::string& container_id) {
  if (cgroup_manager != "cgroupfs" || monitor_cgroup != "pod") return "";
  std::string parent = pod_cgroup_parent.empty() ? "/crio" : pod_cgroup_parent;
  if (parent.front() != '/')
    parent = absl::StrCat("/", parent);  // not insert(): GCC 12 -Wrestrict false positive
  while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
  return absl::StrCat(parent == "/" ? "" : parent, "/crio-conmon-", container_id);
}

absl::Status JoinCgroup(const std::string& path, pid_t pid) {
  if (!Clean(path)) return absl::InvalidArgumentError(absl::StrCat("cgroup path \"", path, "\""));
  const std::string pid_text = std::to_string(pid);
  for (const Hierarchy& hierarchy : CgroupHierarchies()) {
    if (absl::Status made = MakeLevels(hierarchy, path); !made.ok()) return made;
    if (absl::Status joined =
            WriteValue(absl::StrCat(hierarchy.mount_point, path, "/cgroup.procs"), pid_text);
        !joined.ok()) {
      return joined;
    }
  }
  return absl::OkStatus();
}

absl::Status RemoveCgroup(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  if (!Clean(path)) return absl::InvalidArgumentError(absl::StrCat("cgroup path \"", path, "\""));
  absl::Status first = absl::OkStatus();
  for (const Hierarchy& hierarchy : CgroupHierarchies()) {
    const std::string dir = hierarchy.mount_point + path;
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && first.ok()) {
      first = fs::ErrnoStatus(errno, absl::StrCat("remove cgroup ", dir));
    }
  }
  return first;
}

}  // namespace crio::container
