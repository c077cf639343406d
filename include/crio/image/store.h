#pragma once

// The image store: pulled images, their manifests and configs (content-addressed), and
// their layers unpacked once under their chain id and shared by every image that has
// them. State is on disk under <root>/images and survives restarts; an in-memory index
// answers the kubelet's frequent ListImages/ImageStatus calls.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crio/common/digest.h"
#include "crio/common/log.h"
#include "crio/registry/client.h"
#include "crio/registry/credentials.h"
#include "crio/registry/manifest.h"
#include "crio/registry/registries_conf.h"

namespace crio::image {

/// One layer of an image, bottom first.
struct LayerRecord {
  Digest chain_id;        ///< names the unpacked dir: layers/<hex>/diff
  Digest diff_id;         ///< sha256 of the uncompressed tar
  Digest digest;          ///< the compressed blob's digest (manifest descriptor)
  std::int64_t size = 0;  ///< compressed size
};

/// A pulled image.
struct ImageRecord {
  Digest id = Digest::Of("");             ///< config digest: the CRI image id
  std::vector<std::string> repo_tags;     ///< "docker.io/library/busybox:latest"
  std::vector<std::string> repo_digests;  ///< "docker.io/library/busybox@sha256:..."
  Digest manifest_digest = Digest::Of("");
  std::string manifest_media_type;
  std::int64_t size = 0;  ///< config + compressed layers, bytes
  std::vector<LayerRecord> layers;
  std::map<std::string, std::string> annotations;  ///< index entry, then manifest
  registry::ContainerConfig config;                ///< the image config's "config"
  std::string architecture;
  std::string os;
  std::int64_t pulled_unix_nanos = 0;
  bool pinned = false;  ///< matches [crio.image] pinned_images
};

/// What a pull may use besides the reference.
struct PullRequest {
  std::string image;                                 ///< as the CRI gives it
  std::optional<registry::Credentials> credentials;  ///< from the request's AuthConfig
};

/// ImageFsInfo numbers.
struct FsUsage {
  std::string mountpoint;
  std::uint64_t used_bytes = 0;
  std::uint64_t inodes_used = 0;
  std::int64_t timestamp_unix_nanos = 0;
};

struct StoreOptions {
  std::string root;                              ///< [crio] root; images go in <root>/images
  registry::RegistriesConf registries;           ///< registries.conf, already loaded
  std::vector<std::string> insecure_registries;  ///< [crio.image] insecure_registries
  std::string global_auth_file;                  ///< [crio.image] global_auth_file
  std::vector<std::string> pinned_images;        ///< exact names, "prefix*", "*part*"
  int max_parallel_downloads = 3;
  bool overlay_whiteouts = true;  ///< false: whiteouts recorded, for hosts without overlay
};

class ImageStore {
 public:
  /// Opens (creating if needed) the store and loads its index. Leftovers of pulls
  /// interrupted by a crash are removed.
  static absl::StatusOr<std::unique_ptr<ImageStore>> Open(StoreOptions options,
                                                          registry::RegistryClient& client);

  /// Pulls `request.image`: credentials from the request, else from global_auth_file;
  /// mirrors and insecure/blocked registries from registries.conf; linux/amd64 from an
  /// index. Atomic: on failure nothing new is listed and no partial layer is kept.
  /// Concurrent pulls of one image download it once.
  absl::StatusOr<ImageRecord> Pull(const RequestContext& ctx, const PullRequest& request);

  /// Looks an image up by id (full or "sha256:"-less hex), tag, or repo digest, with
  /// short names normalised ("busybox" finds docker.io/library/busybox:latest).
  /// @return NotFound when no image matches
  absl::StatusOr<ImageRecord> Find(const std::string& name) const;

  /// Every image, or those matching `name` (same rules as Find) when it is not empty.
  std::vector<ImageRecord> List(const std::string& name = "") const;

  /// Removes the image `name` names: by tag, only that tag unless it was the last one;
  /// by id or digest, the whole image. Layers no image uses any more are deleted.
  /// A missing image is not an error.
  absl::Status Remove(const RequestContext& ctx, const std::string& name);

  /// Which containers use an image (their root filesystems are on its layers).
  using UsersOfImage = std::function<std::vector<std::string>(const Digest& image_id)>;

  /// Installs the check Remove makes: an image some container uses is not removed
  /// (FailedPrecondition naming the container). Called once, before serving.
  void SetUsersOfImage(UsersOfImage users);

  /// Bytes and inodes under the store's directory.
  absl::StatusOr<FsUsage> Usage() const;

  /// Where a layer's files are (for building a container's root filesystem).
  std::string LayerDir(const Digest& chain_id) const;

  /// The manifest and config blobs kept for an image.
  absl::StatusOr<std::string> ReadBlob(const Digest& digest) const;

 private:
  ImageStore(StoreOptions options, registry::RegistryClient& client);
  absl::Status Load();
  absl::StatusOr<ImageRecord> PullOne(const RequestContext& ctx, const registry::Reference& ref,
                                      const registry::PullSource& source,
                                      const std::optional<registry::Credentials>& credentials);
  absl::Status EnsureLayer(const RequestContext& ctx, const registry::PullSource& source,
                           const registry::Descriptor& blob, const Digest& diff_id,
                           const Digest& chain_id,
                           const std::optional<registry::Credentials>& credentials);
  absl::Status WriteBlob(const Digest& digest, const std::string& content) const;
  absl::Status Commit(ImageRecord record, const std::string& tag, const std::string& repo_digest);
  absl::Status SaveLocked(const ImageRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CollectLayersLocked(const RequestContext& ctx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<Digest> ResolveLocked(const std::string& name) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool IsPinned(const ImageRecord& record) const;
  /// Serialises work on one key (an image id or a layer chain id) across threads.
  std::shared_ptr<absl::Mutex> KeyLock(const std::string& key);

  StoreOptions options_;
  registry::RegistryClient& client_;
  std::string dir_;  ///< <root>/images

  mutable absl::Mutex mu_;
  std::map<Digest, ImageRecord> images_ ABSL_GUARDED_BY(mu_);
  UsersOfImage users_of_image_ ABSL_GUARDED_BY(mu_);

  absl::Mutex keys_mu_;
  std::map<std::string, std::weak_ptr<absl::Mutex>> key_locks_ ABSL_GUARDED_BY(keys_mu_);
};

/// JSON form of a record, as stored on disk (and shown in verbose ImageStatus).
std::string RecordToJson(const ImageRecord& record);
absl::StatusOr<ImageRecord> RecordFromJson(const std::string& text);

}  // namespace crio::image
