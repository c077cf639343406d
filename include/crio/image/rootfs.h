#pragma once

// Containers' root filesystems on the image store's layers: an overlay mount whose lower
// dirs are the image's unpacked layers (shared, never written) and whose upper and work
// dirs belong to the container, or a private copy of the layers where overlayfs cannot
// be used. Each container's dir holds a small record naming its image, so the images in
// use are known again after a restart and the store refuses to remove them.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crio/common/digest.h"
#include "crio/common/log.h"
#include "crio/common/trash.h"
#include "crio/image/store.h"

namespace crio::image {

/// How a container's root filesystem is made.
enum class RootfsMode {
  kOverlay,  ///< overlay mount: layers as lowerdirs, the container's upper/work dirs
  kCopy,     ///< the layers copied (whiteouts applied) into a plain directory
};

struct Rootfs {
  std::string container_id;
  Digest image_id = Digest::Of("");
  RootfsMode mode = RootfsMode::kOverlay;
  std::string path;   ///< what the container sees as "/": <dir>/<id>/merged
  std::string upper;  ///< the container's writable layer (overlay) or `path` (copy)
};

struct RootfsOptions {
  std::string dir;            ///< per-container dirs: <dir>/<container id>/{diff,work,merged}
  bool allow_overlay = true;  ///< false: always copy (tests, hosts that forbid overlay mounts)
};

/// Bytes and inodes of a container's writable layer (for ContainerStats).
struct LayerUsage {
  std::uint64_t used_bytes = 0;
  std::uint64_t inodes_used = 0;
};

class RootfsManager {
 public:
  /// Opens the rootfs dir, loads the records of existing containers, probes whether an
  /// overlay mount works there (else copies, with a warning), and tells `store` which
  /// images are in use so that RemoveImage refuses to remove them.
  static absl::StatusOr<std::unique_ptr<RootfsManager>> Open(RootfsOptions options,
                                                             ImageStore& store);
  ~RootfsManager();
  RootfsManager(const RootfsManager&) = delete;
  RootfsManager& operator=(const RootfsManager&) = delete;

  /// Makes and mounts the root filesystem of a new container. Atomic: on failure nothing
  /// is left (no mount, no dir, no record).
  /// @return AlreadyExists when the container already has one
  absl::StatusOr<Rootfs> Create(const RequestContext& ctx, const std::string& container_id,
                                const ImageRecord& image);

  /// Mounts an existing container's overlay again (after a reboot); a no-op when mounted.
  absl::StatusOr<Rootfs> Mount(const std::string& container_id);

  /// Unmounts (lazily if busy); the container's files stay. Missing: not an error.
  absl::Status Unmount(const std::string& container_id);

  /// Unmounts and deletes everything of the container's root filesystem: the tree
  /// leaves the rootfs dir at once and is deleted from <dir>/.trash just after.
  /// Idempotent.
  absl::Status Remove(const RequestContext& ctx, const std::string& container_id);

  std::optional<Rootfs> Get(const std::string& container_id) const;
  std::vector<Rootfs> List() const;

  /// Containers whose root filesystem is on `image_id`.
  std::vector<std::string> UsersOf(const Digest& image_id) const;

  /// The container's writable layer usage.
  absl::StatusOr<LayerUsage> WritableUsage(const std::string& container_id) const;

  RootfsMode default_mode() const { return default_mode_; }

 private:
  RootfsManager(RootfsOptions options, ImageStore& store);
  absl::Status Load();
  absl::Status MountOverlay(const Rootfs& rootfs, const std::vector<std::string>& lower_dirs);
  std::string ContainerDir(const std::string& container_id) const;

  RootfsOptions options_;
  ImageStore& store_;
  RootfsMode default_mode_ = RootfsMode::kOverlay;

  mutable absl::Mutex mu_;
  std::map<std::string, Rootfs> rootfs_ ABSL_GUARDED_BY(mu_);
  /// <dir>/.trash: removed trees are deleted there, off RemoveContainer's path.
  std::unique_ptr<fs::Trash> trash_;
};

/// Copies layers (bottom first) into `target` as overlayfs would show them: overlay
/// whiteouts (0/0 character devices) delete what lower layers have, opaque dirs
/// (trusted.overlay.opaque=y) hide lower contents; owners, modes, times, xattrs, hard
/// links, symlinks and device nodes are kept. Exposed for tests.
absl::Status CopyLayers(const std::vector<std::string>& layer_dirs, const std::string& target);

}  // namespace crio::image
