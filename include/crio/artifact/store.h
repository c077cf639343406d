#pragma once

// Seccomp profiles distributed as OCI artifacts (CRI-O's
// seccomp-profile.kubernetes.cri-o.io annotations): an OCI image manifest whose config
// media type is application/vnd.cncf.seccomp-profile.config.v1+json and whose layers
// are profile JSON files. Pulled through the registry client with the same sources,
// credentials and TLS rules as images, and kept on disk by digest so that a pinned
// (digest) reference needs no network at all. docs/artifacts.md has the details.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crio/common/digest.h"
#include "crio/common/log.h"
#include "crio/registry/client.h"
#include "crio/registry/credentials.h"
#include "crio/registry/registries_conf.h"

namespace crio::artifact {

/// The config media type that marks a manifest as a seccomp profile artifact.
inline constexpr absl::string_view kSeccompProfileConfigMediaType =
    "application/vnd.cncf.seccomp-profile.config.v1+json";
/// A seccomp profile is a few KiB of JSON (the docker default is ~20 KiB); a layer
/// declaring more than this is refused before any byte is downloaded.
inline constexpr std::int64_t kDefaultMaxProfileBytes = 1 << 20;
/// Layers per artifact: they are all held in memory, so their count is bounded too.
inline constexpr std::size_t kMaxLayers = 64;

struct StoreOptions {
  std::string root;                              ///< e.g. /var/lib/crio/artifacts
  registry::RegistriesConf registries;           ///< registries.conf, already loaded
  std::vector<std::string> insecure_registries;  ///< [crio.image] insecure_registries
  std::string global_auth_file;                  ///< [crio.image] global_auth_file; "" = none
  std::int64_t max_profile_bytes = kDefaultMaxProfileBytes;  ///< per layer
};

/// A pulled seccomp profile artifact.
struct SeccompArtifact {
  explicit SeccompArtifact(Digest digest) : manifest_digest(std::move(digest)) {}

  Digest manifest_digest;  ///< what a pinned reference (repo@digest) names
  std::string reference;   ///< as the caller gave it
  /// Every layer's bytes, in manifest order; each is a JSON object. CRI-O applies the
  /// first one only; the others are kept for profile stacking, which the caller decides.
  std::vector<std::string> layers;
};

/// One artifact kept on disk.
struct StoredArtifact {
  explicit StoredArtifact(Digest digest) : manifest_digest(std::move(digest)) {}

  Digest manifest_digest;
  std::vector<std::string> references;    ///< every reference it was pulled as, sorted
  std::vector<Digest> layers;             ///< layer digests, in manifest order
  std::int64_t size = 0;                  ///< manifest + layer bytes
  std::int64_t pulled_unix_nanos = 0;     ///< first pull
  std::int64_t last_used_unix_nanos = 0;  ///< last pull or use from disk
};

class ArtifactStore {
 public:
  /// Opens (creating if needed) the store under options.root and loads its index.
  /// Temporary files of writes interrupted by a crash are deleted, as are records whose
  /// blobs are missing and blobs no record refers to.
  /// @param client outlives the store
  static absl::StatusOr<std::unique_ptr<ArtifactStore>> Open(StoreOptions options,
                                                             registry::RegistryClient& client);

  /// Pulls the seccomp profile artifact `reference`. A digest reference already stored
  /// is read from disk (and re-verified) without contacting the registry; a tag always
  /// asks the registry for its manifest (tags move), reusing stored layers by digest.
  /// Logs "Pulling OCI artifact from ref: <reference>" and, on success, "Retrieved OCI
  /// artifact seccomp profile of len: <bytes of the first layer>".
  /// @param credentials from the request; when unset, global_auth_file is consulted
  /// @return errors name the reference: InvalidArgument (bad reference, a layer over
  ///         max_profile_bytes, a layer that is not a JSON object), FailedPrecondition
  ///         (an index, a config media type other than kSeccompProfileConfigMediaType,
  ///         no layers, blocked registry), DataLoss (digest mismatch), NotFound (no such
  ///         manifest), Unavailable (registry unreachable), PermissionDenied/
  ///         Unauthenticated as the registry answers
  absl::StatusOr<SeccompArtifact> PullSeccompProfile(
      const RequestContext& ctx, const std::string& reference,
      const std::optional<registry::Credentials>& credentials);

  /// Every stored artifact, by manifest digest.
  std::vector<StoredArtifact> List() const;

  /// Deletes the artifact `digest` ("sha256:<hex>") and the blobs only it used.
  /// @return NotFound when it is not stored, InvalidArgument for a malformed digest
  absl::Status Remove(const std::string& digest);

  /// Deletes every stored artifact whose manifest digest is not in `digests_in_use`.
  /// @return the digests removed
  absl::StatusOr<std::vector<Digest>> Prune(const std::set<std::string>& digests_in_use);

 private:
  ArtifactStore(StoreOptions options, registry::RegistryClient& client);

  absl::Status Load();
  /// The artifact `digest` from disk, verified, or nullopt when it is not (fully) there.
  std::optional<SeccompArtifact> ReadStored(const RequestContext& ctx, const Digest& digest,
                                            const std::string& reference);
  absl::StatusOr<SeccompArtifact> PullFromSource(
      const RequestContext& ctx, const std::string& reference, const registry::PullSource& source,
      const std::optional<registry::Credentials>& credentials);
  /// Writes the blobs not yet on disk and the record, under mu_.
  absl::Status Commit(const SeccompArtifact& artifact, const std::string& manifest_body,
                      const std::vector<Digest>& layer_digests);
  /// Marks a stored artifact used by `reference` now, under mu_.
  absl::Status Touch(const Digest& digest, const std::string& reference);
  absl::Status WriteRecord(const StoredArtifact& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RemoveLocked(const Digest& digest) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  /// Deletes blobs that no record refers to.
  void CollectBlobsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string BlobPath(const Digest& digest) const;
  std::string RecordPath(const Digest& digest) const;

  StoreOptions options_;
  registry::RegistryClient& client_;
  std::string blobs_dir_;    ///< <root>/blobs/sha256/<hex>: manifests and layers
  std::string records_dir_;  ///< <root>/artifacts/<hex>.json: one record per artifact
  /// Guards the index and every write to disk, so that a prune never deletes a blob
  /// that a pull is about to reference. Downloads happen outside it.
  mutable absl::Mutex mu_;
  std::map<Digest, StoredArtifact> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::artifact
