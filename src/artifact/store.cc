// ArtifactStore: seccomp profile artifacts pulled through the registry client, checked
// (config media type, layer count and sizes, JSON), and kept content-addressed under
// the store root. Downloads run without the lock; every write to disk and to the
// index runs under it, so a prune never deletes a blob a pull is about to reference.

#include "crio/artifact/store.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crio/common/clock.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"
#include "crio/registry/manifest.h"
#include "crio/registry/pull_sources.h"
#include "crio/registry/reference.h"

namespace crio::artifact {
namespace {

namespace stdfs = std::filesystem;

// fs::WriteFileAtomic's temporary files are ".<name>.XXXXXX" beside the target; a crash
// mid-write leaves them behind.
bool IsTemporaryName(const std::string& name) { return absl::StartsWith(name, "."); }

nlohmann::json RecordToJson(const StoredArtifact& record) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : record.layers) layers.push_back(layer.str());
  return {{"digest", record.manifest_digest.str()},
          {"references", record.references},
          {"layers", layers},
          {"size", record.size},
          {"pulledUnixNanos", record.pulled_unix_nanos},
          {"lastUsedUnixNanos", record.last_used_unix_nanos}};
}

absl::StatusOr<StoredArtifact> RecordFromJson(const std::string& text) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  try {
    ASSIGN_OR_RETURN(Digest digest, Digest::Parse(json.at("digest").get<std::string>()));
    StoredArtifact record(std::move(digest));
    record.references = json.at("references").get<std::vector<std::string>>();
    for (const auto& layer : json.at("layers")) {
      ASSIGN_OR_RETURN(Digest layer_digest, Digest::Parse(layer.get<std::string>()));
      record.layers.push_back(std::move(layer_digest));
    }
    record.size = json.at("size").get<std::int64_t>();
    record.pulled_unix_nanos = json.at("pulledUnixNanos").get<std::int64_t>();
    record.last_used_unix_nanos = json.at("lastUsedUnixNanos").get<std::int64_t>();
    return record;
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

void AddReference(StoredArtifact& record, const std::string& reference) {
  for (const auto& known : record.references) {
    if (known == reference) return;
  }
  record.references.push_back(reference);
  std::sort(record.references.begin(), record.references.end());
}

// The checks that make a manifest a seccomp profile artifact we accept.
absl::Status CheckArtifactManifest(const registry::ImageManifest& manifest,
                                   std::int64_t max_layer_bytes) {
  if (manifest.config.media_type != kSeccompProfileConfigMediaType) {
    return absl::FailedPreconditionError(absl::StrCat(
        "not a seccomp profile artifact: config media type is \"", manifest.config.media_type,
        "\", expected \"", kSeccompProfileConfigMediaType, "\""));
  }
  if (manifest.layers.empty()) {
    return absl::FailedPreconditionError(
        "seccomp profile artifact has no layers (the first layer is the profile)");
  }
  if (manifest.layers.size() > kMaxLayers) {
    return absl::FailedPreconditionError(absl::StrCat("seccomp profile artifact has ",
                                                      manifest.layers.size(), " layers, at most ",
                                                      kMaxLayers, " are accepted"));
  }
  for (const auto& layer : manifest.layers) {
    if (layer.size > max_layer_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "layer ", layer.digest.str(), " declares ", layer.size, " bytes, more than the ",
          max_layer_bytes, " bytes a seccomp profile may have"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckProfileJson(const registry::Descriptor& layer, const std::string& content) {
  const nlohmann::json json = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError(
        absl::StrCat("layer ", layer.digest.str(), " is not valid JSON"));
  }
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("layer ", layer.digest.str(), " is JSON but not an object"));
  }
  return absl::OkStatus();
}

}  // namespace

ArtifactStore::ArtifactStore(StoreOptions options, registry::RegistryClient& client)
    : options_(std::move(options)),
      client_(client),
      blobs_dir_(absl::StrCat(options_.root, "/blobs/sha256")),
      records_dir_(absl::StrCat(options_.root, "/artifacts")) {}

absl::StatusOr<std::unique_ptr<ArtifactStore>> ArtifactStore::Open(
    StoreOptions options, registry::RegistryClient& client) {
  if (options.root.empty()) return absl::InvalidArgumentError("artifact store root is empty");
  std::unique_ptr<ArtifactStore> store(new ArtifactStore(std::move(options), client));
  RETURN_IF_ERROR(store->Load());
  return store;
}

std::string ArtifactStore::BlobPath(const Digest& digest) const {
  return absl::StrCat(blobs_dir_, "/", digest.hex());
}

std::string ArtifactStore::RecordPath(const Digest& digest) const {
  return absl::StrCat(records_dir_, "/", digest.hex(), ".json");
}

absl::Status ArtifactStore::Load() {
  RETURN_IF_ERROR(fs::MakeDirs(blobs_dir_, 0700));
  RETURN_IF_ERROR(fs::MakeDirs(records_dir_, 0700));
  absl::MutexLock lock(&mu_);
  std::error_code list_error;
  std::error_code ec;  // per-file checks and removals: best effort
  for (const auto& entry : stdfs::directory_iterator(records_dir_, list_error)) {
    const std::string name = entry.path().filename().string();
    const std::string path = entry.path().string();
    if (IsTemporaryName(name) || !absl::EndsWith(name, ".json")) {
      stdfs::remove_all(path, ec);
      continue;
    }
    auto text = fs::ReadFile(path, 1 << 20);
    absl::StatusOr<StoredArtifact> record =
        text.ok() ? RecordFromJson(*text) : absl::StatusOr<StoredArtifact>(text.status());
    if (record.ok() && absl::StrCat(record->manifest_digest.hex(), ".json") != name) {
      record = absl::InvalidArgumentError("file name does not match its digest");
    }
    bool complete = record.ok() && stdfs::is_regular_file(BlobPath(record->manifest_digest), ec);
    if (complete) {
      for (const auto& layer : record->layers) {
        complete = complete && stdfs::is_regular_file(BlobPath(layer), ec);
      }
    }
    if (!complete) {
      spdlog::warn("Dropping artifact record {}: {}", path,
                   record.ok() ? "a blob is missing" : record.status().ToString());
      stdfs::remove(path, ec);
      continue;
    }
    const Digest digest = record->manifest_digest;
    records_.emplace(digest, *std::move(record));
  }
  if (list_error) return fs::ErrnoStatus(list_error.value(), absl::StrCat("read ", records_dir_));
  // Blobs written by a pull that crashed before its record are unreferenced.
  CollectBlobsLocked();
  return absl::OkStatus();
}

void ArtifactStore::CollectBlobsLocked() {
  std::set<std::string> referenced;
  for (const auto& [digest, record] : records_) {
    referenced.insert(std::string(digest.hex()));
    for (const auto& layer : record.layers) referenced.insert(std::string(layer.hex()));
  }
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(blobs_dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (referenced.count(name) == 0) stdfs::remove_all(entry.path(), ec);
  }
}

absl::StatusOr<SeccompArtifact> ArtifactStore::PullSeccompProfile(
    const RequestContext& ctx, const std::string& reference,
    const std::optional<registry::Credentials>& credentials) {
  log::Info(ctx, "Pulling OCI artifact from ref: {}", reference);
  const std::string context = absl::StrCat("pull seccomp profile artifact ", reference);
  auto ref = registry::ParseReference(reference);
  if (!ref.ok()) return Annotate(ref.status(), context);

  std::optional<SeccompArtifact> result;
  if (ref->digest.has_value()) result = ReadStored(ctx, *ref->digest, reference);
  if (result.has_value()) {
    log::Debug(ctx, "OCI artifact {} served from the local store", ref->digest->str());
    const absl::Status touched = Touch(result->manifest_digest, reference);
    if (!touched.ok()) log::Warn(ctx, "Recording the use of {}: {}", reference, touched.message());
  } else {
    registry::PullSourceOptions sources;
    sources.registries = &options_.registries;
    sources.insecure_registries = &options_.insecure_registries;
    sources.global_auth_file = options_.global_auth_file;
    const absl::Status tried = registry::TryPullSources(
        *ref, sources, credentials, absl::NotFoundError("no source to pull from"),
        [&](const registry::Reference&, const registry::PullSource& source,
            const std::optional<registry::Credentials>& source_credentials) -> absl::Status {
          auto pulled = PullFromSource(ctx, reference, source, source_credentials);
          if (pulled.ok()) {
            result.emplace(*std::move(pulled));
            return absl::OkStatus();
          }
          absl::Status failed =
              Annotate(pulled.status(), absl::StrCat("from ", source.reference.String()));
          log::Warn(ctx, "Pulling OCI artifact {} failed: {}", reference, failed.message());
          return failed;
        });
    if (!tried.ok()) return Annotate(tried, context);
  }
  log::Info(ctx, "Retrieved OCI artifact seccomp profile of len: {}",
            result->layers.front().size());
  return *std::move(result);
}

std::optional<SeccompArtifact> ArtifactStore::ReadStored(const RequestContext& ctx,
                                                         const Digest& digest,
                                                         const std::string& reference) {
  {
    absl::MutexLock lock(&mu_);
    if (records_.count(digest) == 0) return std::nullopt;
  }
  // Read without the lock: blobs are only ever replaced whole (rename), and one that a
  // concurrent Remove deleted just reads as missing, which means "pull it".
  auto damaged = [&](const Digest& blob,
                     const absl::Status& why) -> std::optional<SeccompArtifact> {
    log::Warn(ctx, "Stored OCI artifact {} is unusable ({}: {}); pulling it again", digest.str(),
              blob.str(), why.message());
    absl::MutexLock lock(&mu_);
    // A corrupt blob is deleted so that the pull writes it again; re-checked under the
    // lock so that a good copy written meanwhile is kept.
    auto again = fs::ReadFile(BlobPath(blob), registry::kMaxManifestBytes);
    if (again.ok() && !VerifyDigest(*again, blob, "blob").ok()) {
      std::error_code ec;
      stdfs::remove(BlobPath(blob), ec);
    }
    return std::nullopt;
  };
  auto manifest_body = fs::ReadFile(BlobPath(digest), registry::kMaxManifestBytes);
  if (!manifest_body.ok()) return damaged(digest, manifest_body.status());
  if (absl::Status verified = VerifyDigest(*manifest_body, digest, "manifest"); !verified.ok()) {
    return damaged(digest, verified);
  }
  auto parsed = registry::ParseManifest("", *manifest_body);
  if (!parsed.ok()) return damaged(digest, parsed.status());
  const auto* manifest = std::get_if<registry::ImageManifest>(&*parsed);
  if (manifest == nullptr) return damaged(digest, absl::InvalidArgumentError("an index"));
  if (absl::Status checked = CheckArtifactManifest(*manifest, options_.max_profile_bytes);
      !checked.ok()) {
    return damaged(digest, checked);
  }
  SeccompArtifact artifact(digest);
  artifact.reference = reference;
  for (const auto& layer : manifest->layers) {
    auto content = fs::ReadFile(BlobPath(layer.digest), static_cast<std::size_t>(layer.size));
    if (!content.ok()) return damaged(layer.digest, content.status());
    if (absl::Status verified = VerifyDigest(*content, layer.digest, "layer"); !verified.ok()) {
      return damaged(layer.digest, verified);
    }
    artifact.layers.push_back(*std::move(content));
  }
  return artifact;
}

absl::StatusOr<SeccompArtifact> ArtifactStore::PullFromSource(
    const RequestContext& ctx, const std::string& reference, const registry::PullSource& source,
    const std::optional<registry::Credentials>& credentials) {
  log::Debug(ctx, "Fetching OCI artifact {} from {}{}", reference, source.reference.String(),
             source.mirror ? " (mirror)" : "");
  ASSIGN_OR_RETURN(const registry::FetchedManifest fetched,
                   client_.GetManifest(source, credentials));
  ASSIGN_OR_RETURN(const auto parsed, registry::ParseManifest(fetched.media_type, fetched.body));
  const auto* manifest = std::get_if<registry::ImageManifest>(&parsed);
  if (manifest == nullptr) {
    // An index would need a platform pick, and a profile is not platform content:
    // artifacts are pushed as a plain manifest (oras push does so).
    return absl::FailedPreconditionError(
        absl::StrCat("not a seccomp profile artifact: ", fetched.digest.str(),
                     " is an image index, not an image manifest"));
  }
  RETURN_IF_ERROR(CheckArtifactManifest(*manifest, options_.max_profile_bytes));

  SeccompArtifact artifact(fetched.digest);
  artifact.reference = reference;
  std::vector<Digest> layer_digests;
  for (const auto& layer : manifest->layers) {
    layer_digests.push_back(layer.digest);
    // A tag moves but the blobs it names do not: reuse what is stored, if intact.
    auto stored = fs::ReadFile(BlobPath(layer.digest), static_cast<std::size_t>(layer.size));
    if (stored.ok() && VerifyDigest(*stored, layer.digest, "layer").ok()) {
      log::Debug(ctx, "Layer {} of OCI artifact {} already stored", layer.digest.str(), reference);
      RETURN_IF_ERROR(CheckProfileJson(layer, *stored));
      artifact.layers.push_back(*std::move(stored));
      continue;
    }
    registry::StringSink sink;
    absl::Status fetched_blob = client_.GetBlob(source, layer, credentials, sink);
    if (!fetched_blob.ok())
      return Annotate(fetched_blob, absl::StrCat("layer ", layer.digest.str()));
    RETURN_IF_ERROR(CheckProfileJson(layer, sink.data));
    artifact.layers.push_back(std::move(sink.data));
  }
  RETURN_IF_ERROR(Commit(artifact, fetched.body, layer_digests));
  return artifact;
}

absl::Status ArtifactStore::Commit(const SeccompArtifact& artifact,
                                   const std::string& manifest_body,
                                   const std::vector<Digest>& layer_digests) {
  absl::MutexLock lock(&mu_);
  std::error_code ec;
  // A stored copy is kept when intact; a damaged one (the reason a layer may have been
  // downloaded again) is replaced.
  auto store_blob = [&](const Digest& digest, const std::string& content) -> absl::Status {
    const std::string path = BlobPath(digest);
    if (stdfs::is_regular_file(path, ec)) {
      auto stored = fs::ReadFile(path, content.size());
      if (stored.ok() && *stored == content) return absl::OkStatus();
    }
    return fs::WriteFileAtomic(path, content, 0600);
  };
  std::int64_t size = static_cast<std::int64_t>(manifest_body.size());
  for (std::size_t i = 0; i < layer_digests.size(); ++i) {
    RETURN_IF_ERROR(store_blob(layer_digests[i], artifact.layers[i]));
    size += static_cast<std::int64_t>(artifact.layers[i].size());
  }
  RETURN_IF_ERROR(store_blob(artifact.manifest_digest, manifest_body));

  const std::int64_t now = UnixNanosNow();
  auto it = records_.find(artifact.manifest_digest);
  StoredArtifact record =
      it != records_.end() ? it->second : StoredArtifact(artifact.manifest_digest);
  if (it == records_.end()) record.pulled_unix_nanos = now;
  record.layers = layer_digests;
  record.size = size;
  record.last_used_unix_nanos = now;
  AddReference(record, artifact.reference);
  RETURN_IF_ERROR(WriteRecord(record));
  records_.insert_or_assign(record.manifest_digest, record);
  return absl::OkStatus();
}

absl::Status ArtifactStore::Touch(const Digest& digest, const std::string& reference) {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(digest);
  if (it == records_.end()) return absl::OkStatus();  // removed meanwhile: nothing to mark
  StoredArtifact record = it->second;
  record.last_used_unix_nanos = UnixNanosNow();
  AddReference(record, reference);
  RETURN_IF_ERROR(WriteRecord(record));
  it->second = std::move(record);
  return absl::OkStatus();
}

absl::Status ArtifactStore::WriteRecord(const StoredArtifact& record) {
  return fs::WriteFileAtomic(RecordPath(record.manifest_digest), RecordToJson(record).dump(2),
                             0600);
}

std::vector<StoredArtifact> ArtifactStore::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<StoredArtifact> out;
  out.reserve(records_.size());
  for (const auto& [digest, record] : records_) out.push_back(record);
  return out;
}

absl::Status ArtifactStore::RemoveLocked(const Digest& digest) {
  auto it = records_.find(digest);
  if (it == records_.end()) {
    return absl::NotFoundError(absl::StrCat("no stored artifact ", digest.str()));
  }
  if (::unlink(RecordPath(digest).c_str()) != 0 && errno != ENOENT) {
    return fs::ErrnoStatus(errno, absl::StrCat("remove artifact record ", RecordPath(digest)));
  }
  records_.erase(it);
  return absl::OkStatus();
}

absl::Status ArtifactStore::Remove(const std::string& digest) {
  ASSIGN_OR_RETURN(const Digest parsed, Digest::Parse(digest));
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(RemoveLocked(parsed));
  CollectBlobsLocked();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Digest>> ArtifactStore::Prune(
    const std::set<std::string>& digests_in_use) {
  absl::MutexLock lock(&mu_);
  std::vector<Digest> unused;
  for (const auto& [digest, record] : records_) {
    if (digests_in_use.count(digest.str()) == 0) unused.push_back(digest);
  }
  absl::Status first_error;
  std::vector<Digest> removed;
  for (const auto& digest : unused) {
    absl::Status status = RemoveLocked(digest);
    if (status.ok()) {
      removed.push_back(digest);
    } else if (first_error.ok()) {
      first_error = status;
    }
  }
  CollectBlobsLocked();
  if (!first_error.ok()) return first_error;
  return removed;
}

}  // namespace crio::artifact
