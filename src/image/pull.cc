// ImageStore::Pull: registries.conf sources in order, the manifest (an index resolved
// to linux/amd64), the config, then the layers, downloaded in parallel, each verified,
// unpacked into tmp/ and renamed into layers/ only when complete.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "crio/common/clock.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"
#include "crio/image/layer.h"
#include "crio/image/store.h"
#include "crio/registry/pull_sources.h"

namespace crio::image {
namespace {

namespace stdfs = std::filesystem;

// An image config is JSON metadata; one this large is not a real image.
constexpr std::int64_t kMaxConfigBytes = 16 << 20;
constexpr auto kProgressInterval = std::chrono::seconds(2);

// Writes a blob to a file and logs how far it got, at most every kProgressInterval.
class FileSink final : public registry::BodySink {
 public:
  FileSink(int fd, const RequestContext& ctx, std::string what, std::int64_t total)
      : fd_(fd), ctx_(ctx), what_(std::move(what)), total_(total) {}

  absl::Status Write(absl::string_view chunk) override {
    std::size_t done = 0;
    while (done < chunk.size()) {
      const ssize_t n = ::write(fd_, chunk.data() + done, chunk.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fs::ErrnoStatus(errno, absl::StrCat("write ", what_));
      }
      done += static_cast<std::size_t>(n);
    }
    written_ += static_cast<std::int64_t>(chunk.size());
    const auto now = std::chrono::steady_clock::now();
    if (now - last_log_ >= kProgressInterval) {
      last_log_ = now;
      log::Info(ctx_, "Pulling {}: {} / {} bytes", what_, written_, total_);
    }
    return absl::OkStatus();
  }

 private:
  int fd_;
  const RequestContext& ctx_;
  std::string what_;
  std::int64_t total_;
  std::int64_t written_ = 0;
  std::chrono::steady_clock::time_point last_log_ = std::chrono::steady_clock::now();
};

}  // namespace

absl::StatusOr<ImageRecord> ImageStore::Pull(const RequestContext& ctx,
                                             const PullRequest& request) {
  ASSIGN_OR_RETURN(const registry::Reference ref, registry::ParseReference(request.image));
  registry::PullSourceOptions sources;
  sources.registries = &options_.registries;
  sources.insecure_registries = &options_.insecure_registries;
  sources.global_auth_file = options_.global_auth_file;
  std::optional<ImageRecord> pulled;
  RETURN_IF_ERROR(registry::TryPullSources(
      ref, sources, request.credentials,
      absl::NotFoundError(absl::StrCat("no source to pull ", request.image)),
      [&](const registry::Reference& candidate, const registry::PullSource& source,
          const std::optional<registry::Credentials>& credentials) -> absl::Status {
        auto record = PullOne(ctx, candidate, source, credentials);
        if (record.ok()) {
          pulled = *std::move(record);
          return absl::OkStatus();
        }
        absl::Status failed =
            Annotate(record.status(), absl::StrCat("pull ", source.reference.String()));
        log::Warn(ctx, "Pulling {} failed: {}", candidate.String(), failed.message());
        return failed;
      }));
  return *std::move(pulled);
}

absl::StatusOr<ImageRecord> ImageStore::PullOne(
    const RequestContext& ctx, const registry::Reference& ref, const registry::PullSource& source,
    const std::optional<registry::Credentials>& credentials) {
  const auto start = std::chrono::steady_clock::now();
  log::Info(ctx, "Pulling image {} from {}{}", ref.String(), source.reference.String(),
            source.mirror ? " (mirror)" : "");
  ASSIGN_OR_RETURN(registry::FetchedManifest top, client_.GetManifest(source, credentials));
  ASSIGN_OR_RETURN(auto parsed, registry::ParseManifest(top.media_type, top.body));

  ImageRecord record;
  std::vector<std::pair<Digest, std::string>> blobs;  // kept with the image
  registry::FetchedManifest image_manifest = top;
  if (auto* index = std::get_if<registry::ImageIndex>(&parsed)) {
    registry::Platform want;
    want.os = "linux";
    want.architecture = "amd64";
    ASSIGN_OR_RETURN(const registry::Descriptor chosen, registry::PickPlatform(*index, want));
    record.annotations = index->annotations;
    for (const auto& [key, value] : chosen.annotations) record.annotations[key] = value;
    blobs.emplace_back(top.digest, top.body);
    ASSIGN_OR_RETURN(image_manifest,
                     client_.GetManifestByDigest(source, chosen.digest, credentials));
    ASSIGN_OR_RETURN(parsed,
                     registry::ParseManifest(image_manifest.media_type, image_manifest.body));
  }
  auto* manifest = std::get_if<registry::ImageManifest>(&parsed);
  if (manifest == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(ref.String(), ": an index whose platform entry is itself an index"));
  }
  RETURN_IF_ERROR(registry::ValidateImageLayers(*manifest));
  for (const auto& [key, value] : manifest->annotations) record.annotations[key] = value;
  blobs.emplace_back(image_manifest.digest, image_manifest.body);

  if (manifest->config.size > kMaxConfigBytes) {
    return absl::InvalidArgumentError(absl::StrCat(ref.String(), ": image config of ",
                                                   manifest->config.size, " bytes is too large"));
  }
  registry::StringSink config_blob;
  RETURN_IF_ERROR(client_.GetBlob(source, manifest->config, credentials, config_blob));
  ASSIGN_OR_RETURN(const registry::ImageConfigBlob config,
                   registry::ParseImageConfig(config_blob.data));
  RETURN_IF_ERROR(registry::CheckLayerCount(config, *manifest));
  blobs.emplace_back(manifest->config.digest, config_blob.data);

  record.id = manifest->config.digest;
  record.manifest_digest = image_manifest.digest;
  record.manifest_media_type = image_manifest.media_type;
  record.config = config.config;
  record.architecture = config.architecture;
  record.os = config.os;
  record.size = manifest->config.size;

  // One image at a time per id: a second pull of it waits, then finds its layers.
  const auto image_lock = KeyLock(absl::StrCat("image ", record.id.str()));
  absl::MutexLock hold(image_lock.get());

  const std::vector<Digest> chain_ids = registry::ChainIds(config.diff_ids);
  for (std::size_t i = 0; i < manifest->layers.size(); ++i) {
    record.layers.push_back(LayerRecord{chain_ids[i], config.diff_ids[i],
                                        manifest->layers[i].digest, manifest->layers[i].size});
    record.size += manifest->layers[i].size;
  }

  // Layers in parallel, at most max_parallel_downloads at once; the first error wins.
  std::atomic<std::size_t> next{0};
  absl::Mutex errors_mu;
  absl::Status first_error;
  auto worker = [&] {
    for (std::size_t i = next++; i < manifest->layers.size(); i = next++) {
      absl::Status done = EnsureLayer(ctx, source, manifest->layers[i], config.diff_ids[i],
                                      chain_ids[i], credentials);
      if (!done.ok()) {
        absl::MutexLock lock(&errors_mu);
        if (first_error.ok()) first_error = done;
        next = manifest->layers.size();  // stop handing out work
      }
    }
  };
  const std::size_t threads =
      std::min<std::size_t>(manifest->layers.size(),
                            static_cast<std::size_t>(std::max(1, options_.max_parallel_downloads)));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  RETURN_IF_ERROR(first_error);

  for (const auto& [digest, content] : blobs) RETURN_IF_ERROR(WriteBlob(digest, content));
  record.pulled_unix_nanos = UnixNanosNow();
  const Digest& top_digest = top.digest;
  const std::string repo_digest = absl::StrCat(ref.Name(), "@", top_digest.str());
  RETURN_IF_ERROR(Commit(record, ref.digest.has_value() && ref.tag.empty() ? "" : ref.TagString(),
                         repo_digest));
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  log::Info(ctx, "Pulled image {} from {}: id {}, manifest {}, {} layers, {} bytes in {} ms",
            ref.String(), source.reference.registry, record.id.str(), top_digest.str(),
            record.layers.size(), record.size, millis);
  return Find(record.id.str());
}

absl::Status ImageStore::EnsureLayer(const RequestContext& ctx, const registry::PullSource& source,
                                     const registry::Descriptor& blob, const Digest& diff_id,
                                     const Digest& chain_id,
                                     const std::optional<registry::Credentials>& credentials) {
  const auto layer_lock = KeyLock(absl::StrCat("layer ", chain_id.str()));
  absl::MutexLock hold(layer_lock.get());
  const std::string final_dir = absl::StrCat(dir_, "/layers/", chain_id.hex());
  std::error_code ec;
  if (stdfs::is_directory(final_dir + "/diff", ec)) {
    log::Info(ctx, "Layer {} already present", blob.digest.str());
    return absl::OkStatus();
  }

  std::string tmp = absl::StrCat(dir_, "/tmp/layer-XXXXXX");
  if (::mkdtemp(tmp.data()) == nullptr) return fs::ErrnoStatus(errno, "create layer temp dir");
  absl::Cleanup remove_tmp = [&] { stdfs::remove_all(tmp, ec); };

  const std::string blob_path = tmp + "/blob";
  {
    const int fd = ::open(blob_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fs::ErrnoStatus(errno, absl::StrCat("create ", blob_path));
    absl::Cleanup close_fd = [fd] { ::close(fd); };
    FileSink sink(fd, ctx, absl::StrCat("layer ", blob.digest.str()), blob.size);
    RETURN_IF_ERROR(client_.GetBlob(source, blob, credentials, sink));
  }

  const std::string diff_dir = tmp + "/diff";
  if (::mkdir(diff_dir.c_str(), 0755) != 0) return fs::ErrnoStatus(errno, "create layer dir");
  UnpackOptions unpack;
  unpack.whiteout_mode =
      options_.overlay_whiteouts ? WhiteoutMode::kOverlay : WhiteoutMode::kRecord;
  unpack.ignore_chown_errors = ::geteuid() != 0;
  ASSIGN_OR_RETURN(const UnpackResult unpacked, UnpackLayer(blob_path, diff_dir, unpack));
  if (!(unpacked.diff_id == diff_id)) {
    return absl::DataLossError(absl::StrCat("layer ", blob.digest.str(),
                                            ": uncompressed content is ", unpacked.diff_id.str(),
                                            ", the image config says ", diff_id.str()));
  }
  stdfs::remove(blob_path, ec);
  const nlohmann::json info = {{"chainId", chain_id.str()},
                               {"diffId", diff_id.str()},
                               {"digest", blob.digest.str()},
                               {"size", blob.size},
                               {"uncompressedSize", unpacked.uncompressed_size}};
  RETURN_IF_ERROR(fs::WriteFileAtomic(tmp + "/layer.json", info.dump(2), 0600));
  if (::rename(tmp.c_str(), final_dir.c_str()) != 0) {
    return fs::ErrnoStatus(errno, absl::StrCat("rename ", tmp, " to ", final_dir));
  }
  std::move(remove_tmp).Cancel();
  log::Info(ctx, "Unpacked layer {} ({} bytes, {} entries)", blob.digest.str(),
            unpacked.uncompressed_size, unpacked.entries);
  return absl::OkStatus();
}

}  // namespace crio::image
