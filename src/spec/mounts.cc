// mounts: the defaults every container gets, the pod's files, then the CRI mounts.

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crio/common/status.h"
#include "internal.h"

namespace crio::spec::internal {
namespace {

using nlohmann::json;

json MountJson(absl::string_view destination, absl::string_view type, absl::string_view source,
               std::vector<std::string> options) {
  return {{"destination", destination}, {"type", type}, {"source", source}, {"options", options}};
}

// Privileged containers get the host's view: nothing read-only among the defaults.
void MakeWritable(json* mount) {
  json options = json::array();
  for (const auto& option : (*mount)["options"]) {
    if (option != "ro" && option != "rw") options.push_back(option);
  }
  options.push_back("rw");
  (*mount)["options"] = std::move(options);
}

std::size_t Depth(const std::string& path) { return std::count(path.begin(), path.end(), '/'); }

bool Under(const std::string& path, absl::string_view dir) {
  return absl::StartsWith(path, absl::StrCat(dir, "/"));
}

}  // namespace

std::string CleanPath(absl::string_view path) {
  const bool absolute = IsAbsolute(path);
  std::vector<absl::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == absl::string_view::npos) end = path.size();
    const absl::string_view part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += "/";
    out.append(parts[i].data(), parts[i].size());
  }
  return out.empty() ? "." : out;
}

absl::StatusOr<json> BuildMounts(const SpecInput& in, const Plan& plan,
                                 std::string* rootfs_propagation,
                                 std::vector<std::string>* warnings) {
  const PodContext& pod = in.pod;
  const std::vector<Mount>& cri = in.request.mounts;

  std::set<std::string> cri_destinations;
  for (std::size_t i = 0; i < cri.size(); ++i) {
    if (!IsAbsolute(cri[i].container_path)) {
      return absl::InvalidArgumentError(absl::StrCat("mounts[", i, "].container_path: \"",
                                                     cri[i].container_path, "\" is not absolute"));
    }
    if (!IsAbsolute(cri[i].host_path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("mounts[", i, "].host_path: \"", cri[i].host_path, "\" is not absolute"));
    }
    cri_destinations.insert(CleanPath(cri[i].container_path));
  }
  const bool cri_dev = cri_destinations.contains("/dev");
  const bool cri_sys = cri_destinations.contains("/sys");
  // A CRI mount replaces a default one at the same place, and a CRI /dev or /sys
  // everything the defaults would mount below it.
  const auto replaced = [&](const std::string& destination) {
    return cri_destinations.contains(destination) || (cri_dev && Under(destination, "/dev")) ||
           (cri_sys && Under(destination, "/sys"));
  };

  const std::string ro_rw = plan.readonly_rootfs ? "ro" : "rw";
  std::vector<json> defaults = {
      MountJson("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      MountJson("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      MountJson("/dev/pts", "devpts", "devpts",
                {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      MountJson("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      MountJson("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      MountJson("/sys/fs/cgroup", "cgroup", "cgroup",
                {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  };
  if (!pod.shm_path.empty()) {
    defaults.push_back(MountJson("/dev/shm", "bind", pod.shm_path, {"rw", "bind"}));
  } else {
    defaults.push_back(MountJson("/dev/shm", "tmpfs", "shm",
                                 {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
  }
  if (!pod.resolv_conf_path.empty()) {
    defaults.push_back(MountJson("/etc/resolv.conf", "bind", pod.resolv_conf_path,
                                 {ro_rw, "bind", "nodev", "nosuid", "noexec"}));
  }
  if (!pod.hostname_path.empty()) {
    defaults.push_back(MountJson("/etc/hostname", "bind", pod.hostname_path, {ro_rw, "bind"}));
  }
  if (!pod.hosts_path.empty()) {
    defaults.push_back(MountJson("/etc/hosts", "bind", pod.hosts_path, {ro_rw, "bind"}));
  }
  if (!pod.containerenv_path.empty()) {
    defaults.push_back(
        MountJson("/run/.containerenv", "bind", pod.containerenv_path, {ro_rw, "bind"}));
  }
  if (in.defaults.read_only) {
    // crio.runtime.read_only: scratch space where programs expect to write.
    // tmpcopyup (a runc extension) keeps what the image has there.
    for (const auto& [dir, mode] : {std::pair<std::string, std::string>{"/run", "mode=0755"},
                                    {"/tmp", "mode=1777"},
                                    {"/var/tmp", "mode=1777"}}) {
      defaults.push_back(
          MountJson(dir, "tmpfs", "tmpfs", {"rw", "noexec", "nosuid", "nodev", "tmpcopyup", mode}));
    }
  }

  json mounts = json::array();
  for (json& mount : defaults) {
    if (replaced(mount["destination"].get<std::string>())) continue;
    if (plan.privileged) MakeWritable(&mount);
    mounts.push_back(std::move(mount));
  }

  // Shallow mounts first, so that a deeper one is not hidden under a later parent.
  std::vector<const Mount*> ordered;
  for (const Mount& m : cri) ordered.push_back(&m);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Mount* a, const Mount* b) {
    return Depth(CleanPath(a->container_path)) < Depth(CleanPath(b->container_path));
  });
  for (const Mount* m : ordered) {
    const std::size_t index = static_cast<std::size_t>(m - cri.data());
    const std::string destination = CleanPath(m->container_path);
    if (CleanPath(m->host_path) == "/" && destination == "/") {
      warnings->push_back(
          "Configuration specifies mounting host root to the container root. This is dangerous "
          "(especially with privileged containers) and should be avoided.");
    }
    std::vector<std::string> options = {"rbind"};
    switch (m->propagation) {
      case MountPropagation::kPrivate:
        options.emplace_back("rprivate");
        break;
      case MountPropagation::kHostToContainer:
        options.emplace_back("rslave");
        if (*rootfs_propagation != "rshared") *rootfs_propagation = "rslave";
        break;
      case MountPropagation::kBidirectional:
        // The source must sit on a shared mount; runc reports it when it is not.
        options.emplace_back("rshared");
        *rootfs_propagation = "rshared";
        break;
    }
    if (m->recursive_read_only) {
      if (!m->readonly) {
        return absl::InvalidArgumentError(absl::StrCat(
            "mounts[", index, "].recursive_read_only: conflicts with a read-write mount"));
      }
      if (m->propagation != MountPropagation::kPrivate) {
        return absl::InvalidArgumentError(
            absl::StrCat("mounts[", index, "].recursive_read_only: requires private propagation"));
      }
      if (!in.defaults.recursive_read_only_supported) {
        return absl::FailedPreconditionError(absl::StrCat(
            "mounts[", index, "].recursive_read_only: the OCI runtime does not support it"));
      }
      options.emplace_back("rro");
    } else {
      options.emplace_back(m->readonly ? "ro" : "rw");
    }
    mounts.push_back(MountJson(destination, "bind", m->host_path, std::move(options)));
  }
  return mounts;
}

std::vector<std::string> UncoveredImageVolumes(const SpecInput& in) {
  std::set<std::string> covered;
  for (const Mount& m : in.request.mounts) covered.insert(CleanPath(m.container_path));
  std::set<std::string> volumes;
  for (const std::string& volume : in.image.config.volumes) {
    // Relative or climbing paths stay below "/" once made absolute.
    const std::string path = CleanPath(absl::StrCat("/", volume));
    if (path == "/" || covered.contains(path)) continue;
    volumes.insert(path);
  }
  return {volumes.begin(), volumes.end()};
}

}  // namespace crio::spec::internal
