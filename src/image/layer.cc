#include "crio/image/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "crio/common/digest.h"
#include "crio/common/fs.h"
#include "crio/common/owned_fd.h"
#include "crio/common/status.h"

namespace crio::image {
namespace {

constexpr absl::string_view kWhiteoutPrefix = ".wh.";
constexpr absl::string_view kOpaqueMarker = ".wh..wh..opq";
// aufs bookkeeping (".wh..wh.plnk", ".wh..wh.aufs", ".wh..wh.orph"): never content.
constexpr absl::string_view kAufsMetaPrefix = ".wh..wh.";
constexpr char kOverlayOpaqueXattr[] = "trusted.overlay.opaque";
constexpr std::size_t kReadBlockSize = 128 * 1024;

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;

std::string ArchiveError(struct archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? std::string(message) : std::string("unknown libarchive error");
}

// The decompressed tar stream: libarchive's filters (gzip, zstd, none) with the "raw"
// format turn the blob into plain bytes, which are hashed and counted here and handed
// to the tar reader through StreamRead. One pass over the blob, no temporary copy.
struct Stream {
  struct archive* decompressor = nullptr;
  Sha256 hash;
  std::uint64_t size = 0;
  std::uint64_t limit = 0;
  bool eof = false;
  // The first error of the decompressor or a limit; wins over the tar reader's message.
  absl::Status error;

  // Next block of decompressed bytes; empty at the end. The block stays valid until
  // the next call.
  absl::StatusOr<absl::string_view> Next() {
    if (eof) return absl::string_view();
    for (;;) {
      const void* block = nullptr;
      std::size_t length = 0;
      la_int64_t offset = 0;
      const int r = archive_read_data_block(decompressor, &block, &length, &offset);
      if (r == ARCHIVE_EOF) {
        eof = true;
        return absl::string_view();
      }
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        error = absl::InvalidArgumentError(
            absl::StrCat("decompress layer: ", ArchiveError(decompressor)));
        return error;
      }
      if (length == 0) continue;
      if (length > limit || size > limit - length) {
        error = absl::InvalidArgumentError(
            absl::StrCat("layer exceeds the limit of ", limit, " uncompressed bytes"));
        return error;
      }
      size += length;
      hash.Update(block, length);
      return absl::string_view(static_cast<const char*>(block), length);
    }
  }
};

la_ssize_t StreamRead(struct archive* reader, void* client, const void** buffer) {
  auto* stream = static_cast<Stream*>(client);
  absl::StatusOr<absl::string_view> block = stream->Next();
  if (!block.ok()) {
    archive_set_error(reader, EINVAL, "%s", std::string(block.status().message()).c_str());
    return -1;
  }
  *buffer = block->data();
  return static_cast<la_ssize_t>(block->size());
}

// A tar path as components: "./a//b/" -> {"a", "b"}; empty for the root itself.
absl::StatusOr<std::vector<std::string>> SplitPath(absl::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("empty path");
  if (path.front() == '/') return absl::InvalidArgumentError("absolute path");
  std::vector<std::string> components;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return absl::InvalidArgumentError("path contains \"..\"");
    components.emplace_back(part);
  }
  return components;
}

std::string JoinPath(const std::vector<std::string>& components, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += '/';
    out += components[i];
  }
  return out.empty() ? std::string(".") : out;
}

// The path of `name` in the directory `dirfd`, for the *xattr calls that have no *at
// form. /proc/self/fd/N is the directory itself, so nothing above it is re-resolved.
std::string ProcPath(int dirfd, const std::string& name) {
  return absl::StrCat("/proc/self/fd/", dirfd, "/", name);
}

const char* EntryPathname(struct archive_entry* entry) {
  const char* path = archive_entry_pathname(entry);
  return path != nullptr ? path : archive_entry_pathname_utf8(entry);
}
const char* EntryHardlink(struct archive_entry* entry) {
  const char* path = archive_entry_hardlink(entry);
  return path != nullptr ? path : archive_entry_hardlink_utf8(entry);
}
const char* EntrySymlink(struct archive_entry* entry) {
  const char* path = archive_entry_symlink(entry);
  return path != nullptr ? path : archive_entry_symlink_utf8(entry);
}

using Xattrs = std::vector<std::pair<std::string, std::string>>;

// Ownership, permissions, times and xattrs of one entry.
struct Metadata {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0;                // permission bits incl. setuid/setgid/sticky
  struct timespec times[2] = {};  // atime, mtime
  Xattrs xattrs;
};

Metadata ReadMetadata(struct archive_entry* entry) {
  Metadata meta;
  meta.uid = static_cast<uid_t>(archive_entry_uid(entry));
  meta.gid = static_cast<gid_t>(archive_entry_gid(entry));
  meta.mode = archive_entry_perm(entry) & 07777;
  meta.times[1].tv_sec = static_cast<time_t>(archive_entry_mtime(entry));
  meta.times[1].tv_nsec = archive_entry_mtime_nsec(entry);
  if (archive_entry_atime_is_set(entry)) {
    meta.times[0].tv_sec = static_cast<time_t>(archive_entry_atime(entry));
    meta.times[0].tv_nsec = archive_entry_atime_nsec(entry);
  } else {
    meta.times[0] = meta.times[1];
  }
  archive_entry_xattr_reset(entry);
  const char* name = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    if (name == nullptr) continue;
    std::string data =
        value != nullptr ? std::string(static_cast<const char*>(value), size) : std::string();
    // pax archives may carry the same xattr twice (SCHILY.xattr and LIBARCHIVE.xattr).
    auto same = std::find_if(meta.xattrs.begin(), meta.xattrs.end(),
                             [name](const auto& kv) { return kv.first == name; });
    if (same != meta.xattrs.end()) {
      same->second = std::move(data);
    } else {
      meta.xattrs.emplace_back(name, std::move(data));
    }
  }
  return meta;
}

// A directory whose mode and times are set once its contents are in place.
struct DeferredDir {
  std::vector<std::string> components;
  Metadata meta;
};

class Unpacker {
 public:
  Unpacker(int root, const UnpackOptions& options, UnpackResult& result)
      : root_(root), options_(options), result_(result), is_root_(::geteuid() == 0) {}

  absl::Status Entry(struct archive* reader, struct archive_entry* entry) {
    const char* raw = EntryPathname(entry);
    if (raw == nullptr) return absl::InvalidArgumentError("entry without a path");
    const std::string path(raw);
    return Annotate(EntryImpl(reader, entry, path), absl::StrCat("entry \"", path, "\""));
  }

  // Applies the deferred directory metadata, deepest first, so that a read-only
  // directory is locked only after everything below it is done.
  absl::Status Finish() {
    std::stable_sort(dirs_.begin(), dirs_.end(), [](const DeferredDir& a, const DeferredDir& b) {
      return a.components.size() > b.components.size();
    });
    for (const DeferredDir& dir : dirs_) {
      const std::string path = JoinPath(dir.components, dir.components.size());
      absl::Status status = FinishDir(dir);
      if (!status.ok()) return Annotate(status, absl::StrCat("directory \"", path, "\""));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status EntryImpl(struct archive* reader, struct archive_entry* entry,
                         const std::string& path) {
    ASSIGN_OR_RETURN(std::vector<std::string> components, SplitPath(path));
    for (const std::string& component : components) {
      if (absl::StartsWith(component, kAufsMetaPrefix) && component != kOpaqueMarker) {
        return absl::OkStatus();  // aufs bookkeeping, not content
      }
    }
    const mode_t type = archive_entry_filetype(entry);
    const char* hardlink = EntryHardlink(entry);
    if (components.empty()) {
      if (hardlink != nullptr || type != AE_IFDIR) {
        return absl::InvalidArgumentError("the layer root is not a directory");
      }
      dirs_.push_back({components, ReadMetadata(entry)});
      return absl::OkStatus();
    }
    const std::string name = components.back();
    if (absl::StartsWith(name, kWhiteoutPrefix)) return Whiteout(components);

    ASSIGN_OR_RETURN(OwnedFd parent, OpenDir(components, components.size() - 1, /*create=*/true));
    if (hardlink != nullptr) return HardLink(parent.get(), name, hardlink);
    switch (type) {
      case AE_IFDIR:
        return Directory(parent.get(), components, entry);
      case AE_IFREG:
        return RegularFile(reader, parent.get(), name, entry);
      case AE_IFLNK:
        return Symlink(parent.get(), name, entry);
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO:
        return Node(parent.get(), name, entry);
      default:
        return absl::InvalidArgumentError(absl::StrCat("unsupported entry type ", type));
    }
  }

  // Opens the directory made of the first `count` components beneath the root, never
  // following a symlink; missing directories are created (0755) when `create`.
  absl::StatusOr<OwnedFd> OpenDir(const std::vector<std::string>& components, std::size_t count,
                                  bool create) {
    OwnedFd dir(::openat(root_, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return fs::ErrnoStatus(errno, "open layer root");
    for (std::size_t i = 0; i < count; ++i) {
      const std::string& component = components[i];
      int fd =
          ::openat(dir.get(), component.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && create) {
        if (::mkdirat(dir.get(), component.c_str(), 0755) != 0 && errno != EEXIST) {
          return fs::ErrnoStatus(errno,
                                 absl::StrCat("create directory ", JoinPath(components, i + 1)));
        }
        fd = ::openat(dir.get(), component.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
      }
      if (fd < 0) {
        if (errno == ENOTDIR || errno == ELOOP) {
          return absl::InvalidArgumentError(absl::StrCat("path component \"",
                                                         JoinPath(components, i + 1),
                                                         "\" is a symlink or not a directory"));
        }
        return fs::ErrnoStatus(errno, absl::StrCat("open directory ", JoinPath(components, i + 1)));
      }
      dir = OwnedFd(fd);
    }
    return dir;
  }

  // Makes room for a new entry `name`: a non-directory in the way is removed (a later
  // entry replaces an earlier one, as tar does). Returns true when a directory is
  // already there and `is_dir` (the two merge).
  absl::StatusOr<bool> MakeRoom(int parent, const std::string& name, bool is_dir) {
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return false;
      return fs::ErrnoStatus(errno, "stat");
    }
    if (S_ISDIR(st.st_mode)) {
      if (is_dir) return true;
      return absl::InvalidArgumentError("would replace a directory of the same layer");
    }
    if (::unlinkat(parent, name.c_str(), 0) != 0) return fs::ErrnoStatus(errno, "remove existing");
    return false;
  }

  absl::Status Chown(int parent, const std::string& name, const Metadata& meta) {
    if (::fchownat(parent, name.c_str(), meta.uid, meta.gid, AT_SYMLINK_NOFOLLOW) == 0) {
      return absl::OkStatus();
    }
    if ((errno == EPERM || errno == EINVAL) && !is_root_ && options_.ignore_chown_errors) {
      return absl::OkStatus();
    }
    return fs::ErrnoStatus(errno, absl::StrCat("chown to ", meta.uid, ":", meta.gid));
  }

  // Sets the entry's xattrs on `name` in `parent` (or on `fd` when it is >= 0).
  absl::Status SetXattrs(int fd, int parent, const std::string& name, const Metadata& meta) {
    for (const auto& [key, value] : meta.xattrs) {
      if (absl::StartsWith(key, "trusted.overlay.")) {
        // Would change what overlayfs shows (redirects, opaque, metacopy): whiteouts
        // come only from .wh. entries.
        ++result_.skipped_xattrs;
        continue;
      }
      if (!is_root_ && absl::StartsWith(key, "trusted.")) {
        ++result_.skipped_xattrs;
        continue;
      }
      const int r = fd >= 0 ? ::fsetxattr(fd, key.c_str(), value.data(), value.size(), 0)
                            : ::lsetxattr(ProcPath(parent, name).c_str(), key.c_str(), value.data(),
                                          value.size(), 0);
      if (r != 0) {
        if (!is_root_ && errno == EPERM) {
          ++result_.skipped_xattrs;
          continue;
        }
        return fs::ErrnoStatus(errno, absl::StrCat("set xattr ", key));
      }
    }
    return absl::OkStatus();
  }

  absl::Status SetTimes(int parent, const std::string& name, const Metadata& meta) {
    if (::utimensat(parent, name.c_str(), meta.times, AT_SYMLINK_NOFOLLOW) != 0) {
      return fs::ErrnoStatus(errno, "set times");
    }
    return absl::OkStatus();
  }

  absl::Status Whiteout(const std::vector<std::string>& components) {
    const std::string& name = components.back();
    ASSIGN_OR_RETURN(OwnedFd parent, OpenDir(components, components.size() - 1, /*create=*/true));
    const std::string parent_path = JoinPath(components, components.size() - 1);
    if (name == kOpaqueMarker) {
      if (options_.whiteout_mode == WhiteoutMode::kRecord) {
        result_.opaque_dirs.push_back(parent_path);
        return absl::OkStatus();
      }
      // Following /proc/self/fd/N reaches exactly the directory already opened.
      if (::setxattr(ProcPath(parent.get(), "").c_str(), kOverlayOpaqueXattr, "y", 1, 0) != 0) {
        if (errno == EPERM || errno == ENOTSUP) {
          return absl::FailedPreconditionError(
              "marking an opaque directory needs root (trusted.* xattrs); use record mode");
        }
        return fs::ErrnoStatus(errno, "set opaque xattr");
      }
      return absl::OkStatus();
    }
    const std::string target = name.substr(kWhiteoutPrefix.size());
    if (target.empty() || target == "." || target == "..") {
      return absl::InvalidArgumentError("whiteout names no valid file");
    }
    if (options_.whiteout_mode == WhiteoutMode::kRecord) {
      result_.whiteouts.push_back(components.size() == 1 ? target
                                                         : absl::StrCat(parent_path, "/", target));
      return absl::OkStatus();
    }
    if (::mknodat(parent.get(), target.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0) {
      // An entry of the same name in this layer wins over the whiteout (OCI layer spec:
      // a whiteout only hides lower layers).
      if (errno == EEXIST) return absl::OkStatus();
      if (errno == EPERM) {
        return absl::FailedPreconditionError(
            "creating an overlay whiteout needs CAP_MKNOD; use record mode");
      }
      return fs::ErrnoStatus(errno, "create whiteout");
    }
    return absl::OkStatus();
  }

  absl::Status Directory(int parent, const std::vector<std::string>& components,
                         struct archive_entry* entry) {
    const std::string& name = components.back();
    ASSIGN_OR_RETURN(bool exists, MakeRoom(parent, name, /*is_dir=*/true));
    if (!exists && ::mkdirat(parent, name.c_str(), 0700) != 0) {
      return fs::ErrnoStatus(errno, "create directory");
    }
    dirs_.push_back({components, ReadMetadata(entry)});
    return absl::OkStatus();
  }

  absl::Status FinishDir(const DeferredDir& dir) {
    const bool is_layer_root = dir.components.empty();
    const std::size_t depth = is_layer_root ? 0 : dir.components.size() - 1;
    ASSIGN_OR_RETURN(OwnedFd parent, OpenDir(dir.components, depth, /*create=*/false));
    const std::string name = is_layer_root ? std::string(".") : dir.components.back();
    struct stat st {};
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return fs::ErrnoStatus(errno, "stat");
    }
    if (!S_ISDIR(st.st_mode)) return absl::InternalError("no longer a directory");
    RETURN_IF_ERROR(Chown(parent.get(), name, dir.meta));
    RETURN_IF_ERROR(SetXattrs(-1, parent.get(), name, dir.meta));
    if (::fchmodat(parent.get(), name.c_str(), dir.meta.mode, 0) != 0) {
      return fs::ErrnoStatus(errno, "chmod");
    }
    return SetTimes(parent.get(), name, dir.meta);
  }

  absl::Status RegularFile(struct archive* reader, int parent, const std::string& name,
                           struct archive_entry* entry) {
    const std::int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
    if (declared < 0 || static_cast<std::uint64_t>(declared) > options_.max_uncompressed_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("declared size ", declared, " out of range"));
    }
    ASSIGN_OR_RETURN(bool exists, MakeRoom(parent, name, /*is_dir=*/false));
    (void)exists;
    OwnedFd file(
        ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (file.get() < 0) return fs::ErrnoStatus(errno, "create file");
    for (;;) {
      const void* block = nullptr;
      std::size_t length = 0;
      la_int64_t offset = 0;
      const int r = archive_read_data_block(reader, &block, &length, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        return absl::InvalidArgumentError(ArchiveError(reader));
      }
      if (offset < 0 || static_cast<std::uint64_t>(offset) > static_cast<std::uint64_t>(declared) ||
          length > static_cast<std::uint64_t>(declared - offset)) {
        return absl::InvalidArgumentError(
            absl::StrCat("data exceeds the declared size of ", declared, " bytes"));
      }
      const char* data = static_cast<const char*>(block);
      std::size_t done = 0;
      while (done < length) {
        const ssize_t n = ::pwrite(file.get(), data + done, length - done,
                                   static_cast<off_t>(offset + static_cast<la_int64_t>(done)));
        if (n < 0) {
          if (errno == EINTR) continue;
          return fs::ErrnoStatus(errno, "write");
        }
        done += static_cast<std::size_t>(n);
      }
    }
    // Holes of sparse files stay holes; the file gets its declared size.
    if (::ftruncate(file.get(), static_cast<off_t>(declared)) != 0) {
      return fs::ErrnoStatus(errno, "truncate");
    }
    const Metadata meta = ReadMetadata(entry);
    RETURN_IF_ERROR(Chown(parent, name, meta));
    // After chown, which clears setuid/setgid and file capabilities.
    if (::fchmod(file.get(), meta.mode) != 0) return fs::ErrnoStatus(errno, "chmod");
    RETURN_IF_ERROR(SetXattrs(file.get(), parent, name, meta));
    if (::futimens(file.get(), meta.times) != 0) return fs::ErrnoStatus(errno, "set times");
    return absl::OkStatus();
  }

  absl::Status Symlink(int parent, const std::string& name, struct archive_entry* entry) {
    const char* target = EntrySymlink(entry);
    if (target == nullptr || *target == '\0') {
      return absl::InvalidArgumentError("symlink without a target");
    }
    ASSIGN_OR_RETURN(bool exists, MakeRoom(parent, name, /*is_dir=*/false));
    (void)exists;
    // The target is not checked: it is resolved inside the container's root later, and
    // nothing in this layer is ever written through it.
    if (::symlinkat(target, parent, name.c_str()) != 0) {
      return fs::ErrnoStatus(errno, "create symlink");
    }
    const Metadata meta = ReadMetadata(entry);
    RETURN_IF_ERROR(Chown(parent, name, meta));
    RETURN_IF_ERROR(SetXattrs(-1, parent, name, meta));
    return SetTimes(parent, name, meta);
  }

  absl::Status HardLink(int parent, const std::string& name, const char* raw_target) {
    const std::string target_path(raw_target);
    absl::StatusOr<std::vector<std::string>> target = SplitPath(target_path);
    if (!target.ok()) {
      return Annotate(target.status(), absl::StrCat("hard link target \"", target_path, "\""));
    }
    if (target->empty()) return absl::InvalidArgumentError("hard link to the layer root");
    absl::StatusOr<OwnedFd> target_dir = OpenDir(*target, target->size() - 1, /*create=*/false);
    if (!target_dir.ok()) {
      return Annotate(target_dir.status(), absl::StrCat("hard link target \"", target_path, "\""));
    }
    ASSIGN_OR_RETURN(bool exists, MakeRoom(parent, name, /*is_dir=*/false));
    (void)exists;
    // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
    if (::linkat(target_dir->get(), target->back().c_str(), parent, name.c_str(), 0) != 0) {
      return fs::ErrnoStatus(errno, absl::StrCat("hard link to \"", target_path, "\""));
    }
    return absl::OkStatus();
  }

  absl::Status Node(int parent, const std::string& name, struct archive_entry* entry) {
    const mode_t type = archive_entry_filetype(entry);
    ASSIGN_OR_RETURN(bool exists, MakeRoom(parent, name, /*is_dir=*/false));
    (void)exists;
    const dev_t rdev = type == AE_IFIFO ? 0 : archive_entry_rdev(entry);
    if (::mknodat(parent, name.c_str(), type | 0600, rdev) != 0) {
      if (errno == EPERM && !is_root_ && type != AE_IFIFO) {
        ++result_.skipped_devices;
        return absl::OkStatus();
      }
      return fs::ErrnoStatus(errno, "create device node");
    }
    const Metadata meta = ReadMetadata(entry);
    RETURN_IF_ERROR(Chown(parent, name, meta));
    // Just created by us, so not a symlink: fchmodat may follow.
    if (::fchmodat(parent, name.c_str(), meta.mode, 0) != 0) return fs::ErrnoStatus(errno, "chmod");
    RETURN_IF_ERROR(SetXattrs(-1, parent, name, meta));
    return SetTimes(parent, name, meta);
  }

  int root_;
  const UnpackOptions& options_;
  UnpackResult& result_;
  bool is_root_;
  std::vector<DeferredDir> dirs_;
};

absl::StatusOr<UnpackResult> Unpack(const std::string& blob_path, const std::string& dest_dir,
                                    const UnpackOptions& options) {
  OwnedFd root(::open(dest_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return fs::ErrnoStatus(errno, absl::StrCat("open ", dest_dir));
  OwnedFd blob(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (blob.get() < 0) return fs::ErrnoStatus(errno, absl::StrCat("open ", blob_path));

  ArchivePtr decompressor(archive_read_new());
  ArchivePtr reader(archive_read_new());
  if (decompressor == nullptr || reader == nullptr) {
    return absl::ResourceExhaustedError("allocate libarchive reader");
  }
  for (int r : {archive_read_support_filter_gzip(decompressor.get()),
                archive_read_support_filter_zstd(decompressor.get()),
                archive_read_support_filter_none(decompressor.get()),
                archive_read_support_format_raw(decompressor.get())}) {
    if (r < ARCHIVE_WARN) {
      return absl::InternalError(
          absl::StrCat("set up decompression: ", ArchiveError(decompressor.get())));
    }
  }
  if (archive_read_open_fd(decompressor.get(), blob.get(), kReadBlockSize) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("read layer: ", ArchiveError(decompressor.get())));
  }
  struct archive_entry* raw_entry = nullptr;
  const int first = archive_read_next_header(decompressor.get(), &raw_entry);
  if (first == ARCHIVE_EOF) return absl::InvalidArgumentError("layer blob is empty");
  if (first != ARCHIVE_OK && first != ARCHIVE_WARN) {
    return absl::InvalidArgumentError(
        absl::StrCat("read layer: ", ArchiveError(decompressor.get())));
  }
  // One compression layer at most ("none" counts as one filter).
  if (archive_filter_count(decompressor.get()) > 2) {
    return absl::InvalidArgumentError("layer is compressed more than once");
  }

  Stream stream;
  stream.decompressor = decompressor.get();
  stream.limit = options.max_uncompressed_bytes;
  if (archive_read_support_format_tar(reader.get()) != ARCHIVE_OK ||
      archive_read_open(reader.get(), &stream, nullptr, StreamRead, nullptr) != ARCHIVE_OK) {
    if (!stream.error.ok()) return stream.error;
    return absl::InvalidArgumentError(absl::StrCat("read tar: ", ArchiveError(reader.get())));
  }

  UnpackResult result;
  Unpacker unpacker(root.get(), options, result);
  for (;;) {
    struct archive_entry* entry = nullptr;
    const int r = archive_read_next_header(reader.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    // ARCHIVE_RETRY (a damaged header libarchive would skip) is an error here too.
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (!stream.error.ok()) return stream.error;
      return absl::InvalidArgumentError(absl::StrCat("read tar: ", ArchiveError(reader.get())));
    }
    if (++result.entries > options.max_entries) {
      return absl::InvalidArgumentError(
          absl::StrCat("layer has more than ", options.max_entries, " entries"));
    }
    absl::Status status = unpacker.Entry(reader.get(), entry);
    if (!stream.error.ok()) return stream.error;
    RETURN_IF_ERROR(status);
  }
  // Whatever follows the end-of-archive blocks is part of the diff id too.
  for (;;) {
    ASSIGN_OR_RETURN(absl::string_view block, stream.Next());
    if (block.empty()) break;
  }
  RETURN_IF_ERROR(unpacker.Finish());
  result.uncompressed_size = stream.size;
  result.diff_id = stream.hash.Finish();
  return result;
}

}  // namespace

absl::StatusOr<UnpackResult> UnpackLayer(const std::string& blob_path, const std::string& dest_dir,
                                         const UnpackOptions& options) {
  absl::StatusOr<UnpackResult> result = Unpack(blob_path, dest_dir, options);
  if (!result.ok()) return Annotate(result.status(), absl::StrCat("unpack layer ", blob_path));
  return result;
}

}  // namespace crio::image
