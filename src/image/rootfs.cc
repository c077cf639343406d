// Containers' root filesystems: overlay mounts on the shared layers, or copies of them.

#include "crio/image/rootfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"

namespace crio::image {
namespace {

namespace stdfs = std::filesystem;

constexpr char kRecordFile[] = "rootfs.json";
constexpr std::size_t kMaxRootfsRecordBytes = 1 << 20;
constexpr char kOpaqueXattr[] = "trusted.overlay.opaque";
// Mount options must fit in one page, lowerdirs included.
constexpr std::size_t kMaxMountOptions = 4095;

bool ValidContainerId(const std::string& id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

const char* ModeName(RootfsMode mode) { return mode == RootfsMode::kOverlay ? "overlay" : "copy"; }

// Whether `path` is the root of a mount: a mount point has another device than its parent
// (overlay mounts always do), or is the same inode as its parent (the fs root).
bool IsMountPoint(const std::string& path) {
  struct stat self {};
  struct stat parent {};
  if (::lstat(path.c_str(), &self) != 0) return false;
  if (::lstat((path + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

absl::Status UnmountPath(const std::string& path) {
  if (!IsMountPoint(path)) return absl::OkStatus();
  if (::umount2(path.c_str(), UMOUNT_NOFOLLOW) == 0) return absl::OkStatus();
  if (errno == EINVAL || errno == ENOENT) return absl::OkStatus();
  // Busy (a process still has a file open in it): detach now, the kernel frees it later.
  if (errno == EBUSY && ::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
    return absl::OkStatus();
  }
  return fs::ErrnoStatus(errno, absl::StrCat("unmount ", path));
}

// Mounts overlay at `target` from a child process whose working directory is `cwd`, so
// that lowerdirs can be relative: absolute layer paths of a many-layer image would not
// fit in the page that mount options are limited to. The daemon's own cwd is untouched.
absl::Status MountOverlayFrom(const std::string& cwd, const std::string& target,
                              const std::string& options) {
  const pid_t pid = ::fork();
  if (pid < 0) return fs::ErrnoStatus(errno, "fork for the overlay mount");
  if (pid == 0) {
    // Only async-signal-safe calls after fork in a threaded process.
    if (::chdir(cwd.c_str()) != 0) ::_exit(errno == 0 ? 125 : errno);
    if (::mount("overlay", target.c_str(), "overlay", 0, options.c_str()) != 0) {
      ::_exit(errno == 0 ? 125 : errno);
    }
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fs::ErrnoStatus(errno, "wait for the overlay mount");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  const int err = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
  return fs::ErrnoStatus(err, absl::StrCat("mount overlay on ", target));
}

// --- the copy fallback ---------------------------------------------------------------

absl::Status RemoveAll(const std::string& path) {
  std::error_code ec;
  stdfs::remove_all(path, ec);  // never follows symlinks
  if (ec) return absl::InternalError(absl::StrCat("remove ", path, ": ", ec.message()));
  return absl::OkStatus();
}

absl::Status CopyXattrs(const std::string& from, const std::string& to) {
  const ssize_t size = ::llistxattr(from.c_str(), nullptr, 0);
  if (size <= 0) return absl::OkStatus();  // none, or not supported: nothing to keep
  std::string names(static_cast<std::size_t>(size), '\0');
  const ssize_t got = ::llistxattr(from.c_str(), names.data(), names.size());
  if (got < 0) return fs::ErrnoStatus(errno, absl::StrCat("list xattrs of ", from));
  names.resize(static_cast<std::size_t>(got));
  for (std::size_t start = 0; start < names.size();) {
    const std::string name = names.c_str() + start;
    start += name.size() + 1;
    // overlayfs' own attributes describe the layer, not the file.
    if (name.empty() || absl::StartsWith(name, "trusted.overlay.")) continue;
    const ssize_t value_size = ::lgetxattr(from.c_str(), name.c_str(), nullptr, 0);
    if (value_size < 0) continue;
    std::string value(static_cast<std::size_t>(value_size), '\0');
    const ssize_t read = ::lgetxattr(from.c_str(), name.c_str(), value.data(), value.size());
    if (read < 0) continue;
    if (::lsetxattr(to.c_str(), name.c_str(), value.data(), static_cast<std::size_t>(read), 0) !=
        0) {
      return fs::ErrnoStatus(errno, absl::StrCat("set xattr ", name, " on ", to));
    }
  }
  return absl::OkStatus();
}

absl::Status CopyMetadata(const std::string& from, const std::string& to, const struct stat& st) {
  if (::lchown(to.c_str(), st.st_uid, st.st_gid) != 0) {
    return fs::ErrnoStatus(errno, absl::StrCat("chown ", to));
  }
  if (!S_ISLNK(st.st_mode) && ::chmod(to.c_str(), st.st_mode & 07777) != 0) {
    return fs::ErrnoStatus(errno, absl::StrCat("chmod ", to));
  }
  RETURN_IF_ERROR(CopyXattrs(from, to));
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return fs::ErrnoStatus(errno, absl::StrCat("set times of ", to));
  }
  return absl::OkStatus();
}

absl::Status CopyFileContent(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return fs::ErrnoStatus(errno, absl::StrCat("open ", from));
  absl::Cleanup close_in = [in] { ::close(in); };
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) return fs::ErrnoStatus(errno, absl::StrCat("create ", to));
  absl::Cleanup close_out = [out] { ::close(out); };
  for (;;) {
    const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n == 0) break;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    // Some filesystem pairs do not do copy_file_range: copy through a buffer.
    if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS) {
      return fs::ErrnoStatus(errno, absl::StrCat("copy ", from));
    }
    char buffer[1 << 16];
    for (;;) {
      const ssize_t got = ::read(in, buffer, sizeof buffer);
      if (got == 0) return absl::OkStatus();
      if (got < 0) {
        if (errno == EINTR) continue;
        return fs::ErrnoStatus(errno, absl::StrCat("read ", from));
      }
      for (ssize_t done = 0; done < got;) {
        const ssize_t wrote = ::write(out, buffer + done, static_cast<std::size_t>(got - done));
        if (wrote < 0) {
          if (errno == EINTR) continue;
          return fs::ErrnoStatus(errno, absl::StrCat("write ", to));
        }
        done += wrote;
      }
    }
  }
  return absl::OkStatus();
}

class LayerCopier {
 public:
  LayerCopier(std::string layer, std::string target)
      : layer_(std::move(layer)), target_(std::move(target)) {}

  absl::Status Run() { return CopyDir(""); }

 private:
  absl::Status CopyDir(const std::string& rel) {
    const std::string src_dir = layer_ + rel;
    DIR* dir = ::opendir(src_dir.c_str());
    if (dir == nullptr) return fs::ErrnoStatus(errno, absl::StrCat("open dir ", src_dir));
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());  // deterministic hard link targets
    for (const std::string& name : names) RETURN_IF_ERROR(CopyEntry(rel + "/" + name));
    return absl::OkStatus();
  }

  absl::Status CopyEntry(const std::string& rel) {
    const std::string src = layer_ + rel;
    const std::string dst = target_ + rel;
    struct stat st {};
    if (::lstat(src.c_str(), &st) != 0) return fs::ErrnoStatus(errno, absl::StrCat("stat ", src));
    struct stat existing {};
    const bool exists = ::lstat(dst.c_str(), &existing) == 0;

    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {  // overlay whiteout
      return exists ? RemoveAll(dst) : absl::OkStatus();
    }
    if (S_ISDIR(st.st_mode)) {
      if (exists && !S_ISDIR(existing.st_mode)) RETURN_IF_ERROR(RemoveAll(dst));
      if (!exists || !S_ISDIR(existing.st_mode)) {
        if (::mkdir(dst.c_str(), 0700) != 0) {
          return fs::ErrnoStatus(errno, absl::StrCat("mkdir ", dst));
        }
      } else if (IsOpaque(src)) {
        for (const auto& child : stdfs::directory_iterator(dst)) {
          RETURN_IF_ERROR(RemoveAll(child.path().string()));
        }
      }
      RETURN_IF_ERROR(CopyDir(rel));
      return CopyMetadata(src, dst, st);  // after the children: keeps the dir's mtime
    }
    if (exists) RETURN_IF_ERROR(RemoveAll(dst));
    if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1) {
        const auto key = std::make_pair(st.st_dev, st.st_ino);
        const auto seen = links_.find(key);
        if (seen != links_.end()) {
          if (::link(seen->second.c_str(), dst.c_str()) != 0) {
            return fs::ErrnoStatus(errno, absl::StrCat("link ", dst));
          }
          return absl::OkStatus();
        }
        links_.emplace(key, dst);
      }
      RETURN_IF_ERROR(CopyFileContent(src, dst));
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlink(src.c_str(), target.data(), target.size());
      if (n < 0) return fs::ErrnoStatus(errno, absl::StrCat("readlink ", src));
      target.resize(static_cast<std::size_t>(n));
      if (::symlink(target.c_str(), dst.c_str()) != 0) {
        return fs::ErrnoStatus(errno, absl::StrCat("symlink ", dst));
      }
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      if (::mknod(dst.c_str(), st.st_mode, st.st_rdev) != 0) {
        return fs::ErrnoStatus(errno, absl::StrCat("mknod ", dst));
      }
    } else {
      return absl::OkStatus();  // sockets are not content
    }
    return CopyMetadata(src, dst, st);
  }

  static bool IsOpaque(const std::string& path) {
    char value[2] = {};
    const ssize_t n = ::lgetxattr(path.c_str(), kOpaqueXattr, value, sizeof value);
    return n == 1 && value[0] == 'y';
  }

  std::string layer_;
  std::string target_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // within this layer
};

// --- records ---------------------------------------------------------------------------

struct Record {
  Rootfs rootfs;
  std::vector<std::string> lower_dirs;  // bottom layer first
};

std::string RecordJson(const Record& record) {
  nlohmann::json json = {{"container_id", record.rootfs.container_id},
                         {"image_id", record.rootfs.image_id.str()},
                         {"mode", ModeName(record.rootfs.mode)},
                         {"layers", record.lower_dirs}};
  return json.dump(2) + "\n";
}

absl::StatusOr<Record> ParseRecord(const std::string& text, const std::string& dir) {
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    Record record;
    record.rootfs.container_id = json.at("container_id").get<std::string>();
    ASSIGN_OR_RETURN(record.rootfs.image_id, Digest::Parse(json.at("image_id").get<std::string>()));
    const std::string mode = json.at("mode").get<std::string>();
    if (mode != "overlay" && mode != "copy") {
      return absl::InvalidArgumentError(absl::StrCat("unknown mode \"", mode, "\""));
    }
    record.rootfs.mode = mode == "overlay" ? RootfsMode::kOverlay : RootfsMode::kCopy;
    record.lower_dirs = json.at("layers").get<std::vector<std::string>>();
    record.rootfs.path = dir + "/merged";
    record.rootfs.upper =
        record.rootfs.mode == RootfsMode::kOverlay ? dir + "/diff" : dir + "/merged";
    return record;
  } catch (const nlohmann::json::exception& error) {
    return absl::InvalidArgumentError(error.what());
  }
}

absl::StatusOr<bool> ProbeOverlay(const std::string& dir) {
  const std::string probe = dir + "/.overlay-probe";
  RETURN_IF_ERROR(RemoveAll(probe));
  for (const char* sub : {"/lower", "/upper", "/work", "/merged"}) {
    RETURN_IF_ERROR(fs::MakeDirs(probe + sub, 0700));
  }
  absl::Cleanup remove = [&probe] { (void)RemoveAll(probe); };
  const absl::Status mounted =
      MountOverlayFrom(probe, probe + "/merged",
                       "lowerdir=lower,upperdir=" + probe + "/upper,workdir=" + probe + "/work");
  if (!mounted.ok()) {
    spdlog::warn("Overlay mounts do not work in {} ({}): root filesystems will be copies", dir,
                 mounted.message());
    return false;
  }
  RETURN_IF_ERROR(UnmountPath(probe + "/merged"));
  return true;
}

}  // namespace

absl::Status CopyLayers(const std::vector<std::string>& layer_dirs, const std::string& target) {
  for (const std::string& layer : layer_dirs) {
    RETURN_IF_ERROR(LayerCopier(layer, target).Run());
  }
  return absl::OkStatus();
}

RootfsManager::RootfsManager(RootfsOptions options, ImageStore& store)
    : options_(std::move(options)),
      store_(store),
      trash_(std::make_unique<fs::Trash>(options_.dir + "/.trash")) {}

RootfsManager::~RootfsManager() { store_.SetUsersOfImage(nullptr); }

absl::StatusOr<std::unique_ptr<RootfsManager>> RootfsManager::Open(RootfsOptions options,
                                                                   ImageStore& store) {
  if (options.dir.empty() || options.dir.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("rootfs dir \"", options.dir, "\" is not an absolute path"));
  }
  if (options.dir.find_first_of(",:") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("rootfs dir \"", options.dir,
                     "\" has a ',' or ':', which overlay mount options cannot hold"));
  }
  RETURN_IF_ERROR(fs::MakeDirs(options.dir, 0700));
  std::unique_ptr<RootfsManager> manager(new RootfsManager(std::move(options), store));
  if (manager->options_.allow_overlay) {
    ASSIGN_OR_RETURN(const bool overlay, ProbeOverlay(manager->options_.dir));
    manager->default_mode_ = overlay ? RootfsMode::kOverlay : RootfsMode::kCopy;
  } else {
    manager->default_mode_ = RootfsMode::kCopy;
  }
  RETURN_IF_ERROR(manager->Load());
  RootfsManager* self = manager.get();
  store.SetUsersOfImage([self](const Digest& image_id) { return self->UsersOf(image_id); });
  return manager;
}

std::string RootfsManager::ContainerDir(const std::string& container_id) const {
  return options_.dir + "/" + container_id;
}

absl::Status RootfsManager::Load() {
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    const std::string dir = entry.path().string();
    auto text = fs::ReadFile(dir + "/" + kRecordFile, kMaxRootfsRecordBytes);
    absl::StatusOr<Record> record =
        text.ok() ? ParseRecord(*text, dir) : absl::StatusOr<Record>(text.status());
    if (!record.ok() || record->rootfs.container_id != name) {
      // A create that crashed before its record was written: nothing uses it.
      spdlog::warn("Removing the unfinished root filesystem {}: {}", dir,
                   record.ok() ? "record names another container" : record.status().message());
      (void)UnmountPath(dir + "/merged");
      RETURN_IF_ERROR(RemoveAll(dir));
      continue;
    }
    absl::MutexLock lock(&mu_);
    rootfs_.emplace(name, record->rootfs);
  }
  if (ec) return absl::InternalError(absl::StrCat("list ", options_.dir, ": ", ec.message()));
  return absl::OkStatus();
}

absl::Status RootfsManager::MountOverlay(const Rootfs& rootfs,
                                         const std::vector<std::string>& lower_dirs) {
  if (lower_dirs.empty()) return absl::InvalidArgumentError("an image without layers");
  // Every layer dir is <layers>/<chain id>/diff: mount from <layers> with relative names.
  const std::string layers_root = stdfs::path(lower_dirs.front()).parent_path().parent_path();
  std::vector<std::string> relative;
  relative.reserve(lower_dirs.size());
  for (auto it = lower_dirs.rbegin(); it != lower_dirs.rend(); ++it) {  // topmost first
    const stdfs::path layer(*it);
    if (layer.parent_path().parent_path() != layers_root) {
      return absl::InternalError(absl::StrCat("layer ", *it, " is not under ", layers_root));
    }
    relative.push_back((layer.parent_path().filename() / layer.filename()).string());
  }
  const std::string dir = ContainerDir(rootfs.container_id);
  const std::string upper_and_work =
      absl::StrCat(",upperdir=", dir, "/diff,workdir=", dir, "/work");
  // Absolute layer paths when they fit (most images): one mount(2) from this thread.
  std::vector<std::string> absolute(lower_dirs.rbegin(), lower_dirs.rend());
  const std::string direct =
      absl::StrCat("lowerdir=", absl::StrJoin(absolute, ":"), upper_and_work);
  if (direct.size() <= kMaxMountOptions) {
    if (::mount("overlay", rootfs.path.c_str(), "overlay", 0, direct.c_str()) != 0) {
      return fs::ErrnoStatus(errno, absl::StrCat("mount overlay on ", rootfs.path));
    }
    return absl::OkStatus();
  }
  // Otherwise relative to the layers dir, from a child that can change its directory.
  const std::string options =
      absl::StrCat("lowerdir=", absl::StrJoin(relative, ":"), upper_and_work);
  if (options.size() > kMaxMountOptions) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the image's ", lower_dirs.size(), " layers do not fit in overlay mount options"));
  }
  return MountOverlayFrom(layers_root, rootfs.path, options);
}

absl::StatusOr<Rootfs> RootfsManager::Create(const RequestContext& ctx,
                                             const std::string& container_id,
                                             const ImageRecord& image) {
  if (!ValidContainerId(container_id)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid container id \"", container_id, "\""));
  }
  const std::string dir = ContainerDir(container_id);
  Rootfs rootfs{.container_id = container_id,
                .image_id = image.id,
                .mode = default_mode_,
                .path = dir + "/merged",
                .upper = dir + "/diff"};
  {
    // Registered before anything else, so that the image cannot be removed meanwhile.
    absl::MutexLock lock(&mu_);
    if (!rootfs_.emplace(container_id, rootfs).second) {
      return absl::AlreadyExistsError(
          absl::StrCat("container ", container_id, " already has a root filesystem"));
    }
  }
  bool done = false;
  absl::Cleanup undo = [&] {
    if (done) return;
    (void)UnmountPath(dir + "/merged");
    (void)RemoveAll(dir);
    absl::MutexLock lock(&mu_);
    rootfs_.erase(container_id);
  };
  // The image may have been removed between the caller's lookup and the registration.
  RETURN_IF_ERROR(store_.Find(image.id.str()).status());

  std::vector<std::string> lower_dirs;
  lower_dirs.reserve(image.layers.size());
  for (const LayerRecord& layer : image.layers)
    lower_dirs.push_back(store_.LayerDir(layer.chain_id));
  if (lower_dirs.empty()) return absl::InvalidArgumentError("the image has no layers");

  if (::mkdir(dir.c_str(), 0700) != 0) return fs::ErrnoStatus(errno, absl::StrCat("mkdir ", dir));
  for (const char* sub : {"/diff", "/work", "/merged"}) {
    if (::mkdir((dir + sub).c_str(), 0755) != 0) {
      return fs::ErrnoStatus(errno, absl::StrCat("mkdir ", dir, sub));
    }
  }
  if (rootfs.mode == RootfsMode::kOverlay) {
    const absl::Status mounted = MountOverlay(rootfs, lower_dirs);
    if (absl::IsResourceExhausted(mounted)) {
      log::Warn(ctx, "Copying the root filesystem of {}: {}", container_id, mounted.message());
      rootfs.mode = RootfsMode::kCopy;
    } else if (!mounted.ok()) {
      return Annotate(mounted, "root filesystem");
    }
  }
  if (rootfs.mode == RootfsMode::kCopy) {
    rootfs.upper = rootfs.path;
    const auto started = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(Annotate(CopyLayers(lower_dirs, rootfs.path), "copy the image's layers"));
    log::Debug(ctx, "Copied {} layers for {} in {} ms", lower_dirs.size(), container_id,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
  }
  RETURN_IF_ERROR(fs::WriteFileAtomic(
      dir + "/" + kRecordFile, RecordJson({.rootfs = rootfs, .lower_dirs = lower_dirs}), 0600));
  {
    absl::MutexLock lock(&mu_);
    rootfs_[container_id] = rootfs;
  }
  done = true;
  log::Debug(ctx, "Root filesystem of {} ({}) at {}", container_id, ModeName(rootfs.mode),
             rootfs.path);
  return rootfs;
}

absl::StatusOr<Rootfs> RootfsManager::Mount(const std::string& container_id) {
  const std::optional<Rootfs> rootfs = Get(container_id);
  if (!rootfs.has_value()) {
    return absl::NotFoundError(absl::StrCat("container ", container_id, " has no root filesystem"));
  }
  if (rootfs->mode == RootfsMode::kCopy || IsMountPoint(rootfs->path)) return *rootfs;
  const std::string dir = ContainerDir(container_id);
  ASSIGN_OR_RETURN(const std::string text,
                   fs::ReadFile(dir + "/" + kRecordFile, kMaxRootfsRecordBytes));
  ASSIGN_OR_RETURN(const Record record, ParseRecord(text, dir));
  RETURN_IF_ERROR(MountOverlay(*rootfs, record.lower_dirs));
  return *rootfs;
}

absl::Status RootfsManager::Unmount(const std::string& container_id) {
  const std::optional<Rootfs> rootfs = Get(container_id);
  if (!rootfs.has_value() || rootfs->mode == RootfsMode::kCopy) return absl::OkStatus();
  return UnmountPath(rootfs->path);
}

absl::Status RootfsManager::Remove(const RequestContext& ctx, const std::string& container_id) {
  if (!ValidContainerId(container_id)) return absl::OkStatus();  // never created
  const std::string dir = ContainerDir(container_id);
  RETURN_IF_ERROR(UnmountPath(dir + "/merged"));
  RETURN_IF_ERROR(trash_->Discard(dir));
  absl::MutexLock lock(&mu_);
  if (rootfs_.erase(container_id) != 0) {
    log::Debug(ctx, "Removed the root filesystem of {}", container_id);
  }
  return absl::OkStatus();
}

std::optional<Rootfs> RootfsManager::Get(const std::string& container_id) const {
  absl::MutexLock lock(&mu_);
  const auto it = rootfs_.find(container_id);
  if (it == rootfs_.end()) return std::nullopt;
  return it->second;
}

std::vector<Rootfs> RootfsManager::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Rootfs> all;
  all.reserve(rootfs_.size());
  for (const auto& [id, rootfs] : rootfs_) all.push_back(rootfs);
  return all;
}

std::vector<std::string> RootfsManager::UsersOf(const Digest& image_id) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> users;
  for (const auto& [id, rootfs] : rootfs_) {
    if (rootfs.image_id == image_id) users.push_back(id);
  }
  return users;
}

absl::StatusOr<LayerUsage> RootfsManager::WritableUsage(const std::string& container_id) const {
  const std::optional<Rootfs> rootfs = Get(container_id);
  if (!rootfs.has_value()) {
    return absl::NotFoundError(absl::StrCat("container ", container_id, " has no root filesystem"));
  }
  LayerUsage usage;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::error_code ec;
  const stdfs::path root(rootfs->upper);
  for (stdfs::recursive_directory_iterator it(root, stdfs::directory_options::none, ec), end;
       it != end; it.increment(ec)) {
    if (ec) break;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    if (st.st_dev != 0 && !seen.emplace(st.st_dev, st.st_ino).second) continue;
    ++usage.inodes_used;
    usage.used_bytes += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return usage;
}

}  // namespace crio::image
