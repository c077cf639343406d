#include "crio/spec/devices.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"

namespace crio::spec {
namespace {

std::optional<char> DeviceType(mode_t mode) {
  if (S_ISCHR(mode)) return 'c';
  if (S_ISBLK(mode)) return 'b';
  if (S_ISFIFO(mode)) return 'p';
  return std::nullopt;
}

LinuxDevice FromStat(const std::string& container_path, const struct stat& st, char type) {
  LinuxDevice device;
  device.path = container_path;
  device.type = type;
  device.major = type == 'p' ? 0 : static_cast<std::int64_t>(major(st.st_rdev));
  device.minor = type == 'p' ? 0 : static_cast<std::int64_t>(minor(st.st_rdev));
  device.file_mode = static_cast<std::uint32_t>(st.st_mode & 07777);
  device.uid = st.st_uid;
  device.gid = st.st_gid;
  return device;
}

// Directories runc's HostDevices leaves out: other mounts and tool state.
bool Skipped(absl::string_view name) {
  for (absl::string_view skip : {"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"}) {
    if (name == skip) return true;
  }
  return false;
}

absl::Status Walk(const std::string& host_dir, const std::string& container_dir,
                  std::vector<LinuxDevice>* out) {
  DIR* dir = ::opendir(host_dir.c_str());
  if (dir == nullptr) return fs::ErrnoStatus(errno, absl::StrCat("open ", host_dir));
  absl::Cleanup close_dir = [dir] { ::closedir(dir); };
  std::vector<std::string> subdirs;
  while (const dirent* entry = ::readdir(dir)) {
    const absl::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string host_path = absl::StrCat(host_dir, "/", name);
    struct stat st {};
    // A node can vanish between readdir and lstat (udev at work); skip it.
    if (::lstat(host_path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (!Skipped(name)) subdirs.emplace_back(name);
      continue;
    }
    const std::string container_path = absl::StrCat(container_dir, "/", name);
    if (container_path == "/dev/console") continue;
    const std::optional<char> type = DeviceType(st.st_mode);
    if (!type) continue;
    out->push_back(FromStat(container_path, st, *type));
  }
  for (const std::string& sub : subdirs) {
    RETURN_IF_ERROR(
        Walk(absl::StrCat(host_dir, "/", sub), absl::StrCat(container_dir, "/", sub), out));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LinuxDevice> ResolveDevice(const DeviceRequest& request) {
  const std::string permissions = request.permissions.empty() ? "rwm" : request.permissions;
  if (permissions.find_first_not_of("rwm") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("device ", request.host_path, ": permissions \"",
                                                   permissions, "\" are not made of r, w and m"));
  }
  struct stat st {};
  if (::stat(request.host_path.c_str(), &st) != 0) {
    return fs::ErrnoStatus(errno, absl::StrCat("stat device ", request.host_path));
  }
  const std::optional<char> type = DeviceType(st.st_mode);
  if (!type) {
    return absl::InvalidArgumentError(
        absl::StrCat("device ", request.host_path, " is not a device node"));
  }
  LinuxDevice device = FromStat(
      request.container_path.empty() ? request.host_path : request.container_path, st, *type);
  device.permissions = permissions;
  return device;
}

absl::StatusOr<std::vector<LinuxDevice>> HostDevices(const std::string& dev_dir) {
  std::vector<LinuxDevice> devices;
  RETURN_IF_ERROR(Walk(dev_dir, "/dev", &devices));
  std::sort(devices.begin(), devices.end(),
            [](const LinuxDevice& a, const LinuxDevice& b) { return a.path < b.path; });
  return devices;
}

}  // namespace crio::spec
