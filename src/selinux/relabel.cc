// Volume relabeling: the rules of RelabelVolume (docs/selinux.md).

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

#include "crio/common/fs.h"
#include "crio/common/log.h"
#include "crio/common/status.h"
#include "crio/selinux/label.h"
#include "crio/selinux/labeler.h"

namespace crio::selinux {
namespace {

// Relabeling any of these would relabel the host itself: files the host's own services
// need under their own types would become container_file_t, which breaks the host (and
// hands the pod the files). Entries are lexically normalized and compared exactly, so
// /var/lib/kubelet/pods/<uid>/volumes/... stays allowed. /bin, /lib, /sbin are symlinks
// into /usr on merged-/usr hosts, hence their /usr twins.
const absl::flat_hash_set<std::string>& ProtectedPaths() {
  static const auto* const paths = new absl::flat_hash_set<std::string>{
      "/",           "/bin",         "/boot",        "/dev",
      "/etc",        "/etc/group",   "/etc/gshadow", "/etc/passwd",
      "/etc/shadow", "/etc/sudoers", "/etc/selinux", "/home",
      "/lib",        "/lib32",       "/lib64",       "/libx32",
      "/media",      "/opt",         "/proc",        "/root",
      "/run",        "/sbin",        "/srv",         "/sys",
      "/tmp",        "/usr",         "/usr/bin",     "/usr/lib",
      "/usr/lib32",  "/usr/lib64",   "/usr/libx32",  "/usr/local",
      "/usr/sbin",   "/usr/share",   "/var",         "/var/lib",
      "/var/log",    "/var/run",
  };
  return *paths;
}

// "/var/./lib//kubelet/../x/" -> "/var/lib/x" without touching the file system; ".."
// above the root stays at the root, as the kernel resolves it.
std::string NormalizeLexically(absl::string_view path) {
  std::vector<absl::string_view> kept;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(part);
  }
  return absl::StrCat("/", absl::StrJoin(kept, "/"));
}

absl::StatusOr<std::string> RealPath(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return fs::ErrnoStatus(errno, absl::StrCat("resolve ", path));
  std::string result(resolved);
  std::free(resolved);  // NOLINT(cppcoreguidelines-no-malloc): realpath allocates with malloc
  return result;
}

absl::Status RefusedPath(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("refusing to relabel ", path, ": ", why, " is a system path"));
}

// Labels every entry under `root` (not `root` itself). The iterator does not follow
// directory symlinks, and SetFileLabel labels a symlink itself.
absl::Status LabelTree(Labeler& labeler, const std::string& root, const std::string& label) {
  namespace stdfs = std::filesystem;
  std::error_code error;
  stdfs::recursive_directory_iterator it(root, stdfs::directory_options::none, error);
  if (error) return fs::ErrnoStatus(error.value(), absl::StrCat("list ", root));
  for (const stdfs::recursive_directory_iterator end; it != end; it.increment(error)) {
    if (error) return fs::ErrnoStatus(error.value(), absl::StrCat("walk ", root));
    const std::string entry = it->path().string();
    RETURN_IF_ERROR(Annotate(labeler.SetFileLabel(entry, label), absl::StrCat("relabel ", entry)));
  }
  if (error) return fs::ErrnoStatus(error.value(), absl::StrCat("walk ", root));
  return absl::OkStatus();
}

}  // namespace

bool IsProtectedPath(const std::string& path) {
  return ProtectedPaths().contains(NormalizeLexically(path));
}

absl::Status RelabelVolume(Labeler& labeler, const std::string& path,
                           const std::string& mount_label, const RelabelPolicy& policy) {
  ASSIGN_OR_RETURN(const Label parsed_label, Label::Parse(mount_label));
  RETURN_IF_ERROR(Annotate(parsed_label.Validate(), "mount label"));
  // spc_t is unconfined: it can read any label, so a relabel would only cost time
  // (the cause of kubelet timeouts on big volumes).
  if (policy.process_type == kSpcType) return absl::OkStatus();
  if (!labeler.Enabled()) return absl::OkStatus();

  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("refusing to relabel \"", path, "\": not an absolute path"));
  }
  const std::string normalized = NormalizeLexically(path);
  if (ProtectedPaths().contains(normalized)) return RefusedPath(path, normalized);
  // A symlink (or a ".." through one) that lands on a system path is refused just the same.
  ASSIGN_OR_RETURN(const std::string resolved, RealPath(path));
  if (ProtectedPaths().contains(resolved)) return RefusedPath(path, resolved);

  if (policy.try_skip) {
    absl::StatusOr<std::string> current = labeler.FileLabel(resolved);
    if (current.ok() && *current == mount_label) {
      spdlog::debug("Skipping relabel of {}: already labeled {}", path, mount_label);
      return absl::OkStatus();
    }
  }
  spdlog::debug("Relabeling {} with {}", path, mount_label);
  RETURN_IF_ERROR(
      Annotate(labeler.SetFileLabel(resolved, mount_label), absl::StrCat("relabel ", resolved)));
  return LabelTree(labeler, resolved, mount_label);
}

}  // namespace crio::selinux
