// The image store's index and disk state. Layout under <root>/images:
//   blobs/sha256/<hex>      manifests and image configs, content-addressed
//   layers/<chain hex>/diff the unpacked layer; layers/<chain hex>/layer.json its record
//   images/<id hex>.json    one record per image (tags, digests, layers, config)
//   tmp/                    downloads and unpacks in progress (emptied at start)
// A layer directory or image record appears by rename only once complete, so a crash
// never leaves a half-made one in place.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"
#include "crio/image/store.h"

namespace crio::image {
namespace {

namespace stdfs = std::filesystem;

constexpr std::size_t kMaxImageRecordBytes = 16 << 20;

nlohmann::json StringMapToJson(const std::map<std::string, std::string>& map) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

absl::StatusOr<Digest> DigestField(const nlohmann::json& json, const char* field) {
  if (!json.contains(field) || !json[field].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("field ", field, " missing"));
  }
  return Digest::Parse(json[field].get<std::string>());
}

bool MatchesPattern(const std::string& name, const std::string& pattern) {
  if (pattern.size() >= 2 && pattern.front() == '*' && pattern.back() == '*') {
    return absl::StrContains(name, pattern.substr(1, pattern.size() - 2));
  }
  if (!pattern.empty() && pattern.back() == '*') {
    return absl::StartsWith(name, pattern.substr(0, pattern.size() - 1));
  }
  return name == pattern;
}

}  // namespace

std::string RecordToJson(const ImageRecord& record) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : record.layers) {
    layers.push_back({{"chainId", layer.chain_id.str()},
                      {"diffId", layer.diff_id.str()},
                      {"digest", layer.digest.str()},
                      {"size", layer.size}});
  }
  const auto& c = record.config;
  const nlohmann::json config = {{"User", c.user},
                                 {"Env", c.env},
                                 {"Entrypoint", c.entrypoint},
                                 {"Cmd", c.cmd},
                                 {"WorkingDir", c.working_dir},
                                 {"Labels", StringMapToJson(c.labels)},
                                 {"StopSignal", c.stop_signal},
                                 {"Volumes", c.volumes},
                                 {"ExposedPorts", c.exposed_ports}};
  const nlohmann::json json = {{"id", record.id.str()},
                               {"repoTags", record.repo_tags},
                               {"repoDigests", record.repo_digests},
                               {"manifestDigest", record.manifest_digest.str()},
                               {"manifestMediaType", record.manifest_media_type},
                               {"size", record.size},
                               {"layers", layers},
                               {"annotations", StringMapToJson(record.annotations)},
                               {"config", config},
                               {"architecture", record.architecture},
                               {"os", record.os},
                               {"pulled", record.pulled_unix_nanos}};
  return json.dump(2);
}

absl::StatusOr<ImageRecord> RecordFromJson(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return absl::InvalidArgumentError("image record is not a JSON object");
  // The record is ours, written atomically: a type error means corruption, and
  // nlohmann's exceptions say where.
  try {
    ImageRecord record;
    ASSIGN_OR_RETURN(record.id, DigestField(json, "id"));
    ASSIGN_OR_RETURN(record.manifest_digest, DigestField(json, "manifestDigest"));
    record.repo_tags = json.at("repoTags").get<std::vector<std::string>>();
    record.repo_digests = json.at("repoDigests").get<std::vector<std::string>>();
    record.manifest_media_type = json.at("manifestMediaType").get<std::string>();
    record.size = json.at("size").get<std::int64_t>();
    for (const auto& layer : json.at("layers")) {
      ASSIGN_OR_RETURN(Digest chain_id, DigestField(layer, "chainId"));
      ASSIGN_OR_RETURN(Digest diff_id, DigestField(layer, "diffId"));
      ASSIGN_OR_RETURN(Digest digest, DigestField(layer, "digest"));
      record.layers.push_back(
          LayerRecord{chain_id, diff_id, digest, layer.at("size").get<std::int64_t>()});
    }
    record.annotations = json.at("annotations").get<std::map<std::string, std::string>>();
    const auto& c = json.at("config");
    record.config.user = c.at("User").get<std::string>();
    record.config.env = c.at("Env").get<std::vector<std::string>>();
    record.config.entrypoint = c.at("Entrypoint").get<std::vector<std::string>>();
    record.config.cmd = c.at("Cmd").get<std::vector<std::string>>();
    record.config.working_dir = c.at("WorkingDir").get<std::string>();
    record.config.labels = c.at("Labels").get<std::map<std::string, std::string>>();
    record.config.stop_signal = c.at("StopSignal").get<std::string>();
    record.config.volumes = c.at("Volumes").get<std::vector<std::string>>();
    record.config.exposed_ports = c.at("ExposedPorts").get<std::vector<std::string>>();
    record.architecture = json.at("architecture").get<std::string>();
    record.os = json.at("os").get<std::string>();
    record.pulled_unix_nanos = json.at("pulled").get<std::int64_t>();
    return record;
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("image record: ", e.what()));
  }
}

ImageStore::ImageStore(StoreOptions options, registry::RegistryClient& client)
    : options_(std::move(options)), client_(client), dir_(options_.root + "/images") {}

absl::StatusOr<std::unique_ptr<ImageStore>> ImageStore::Open(StoreOptions options,
                                                             registry::RegistryClient& client) {
  std::unique_ptr<ImageStore> store(new ImageStore(std::move(options), client));
  for (const char* sub : {"blobs/sha256", "layers", "images", "tmp"}) {
    RETURN_IF_ERROR(fs::MakeDirs(absl::StrCat(store->dir_, "/", sub), 0700));
  }
  // Whatever is in tmp/ belongs to a pull that did not finish.
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(store->dir_ + "/tmp", ec)) {
    stdfs::remove_all(entry.path(), ec);
  }
  RETURN_IF_ERROR(store->Load());
  return store;
}

absl::Status ImageStore::Load() {
  absl::MutexLock lock(&mu_);
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(dir_ + "/images", ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = fs::ReadFile(entry.path().string(), kMaxImageRecordBytes);
    auto record = text.ok() ? RecordFromJson(*text) : text.status();
    if (!record.ok()) {
      // One damaged record must not take the whole node's images down with it.
      spdlog::error("Ignoring image record {}: {}", entry.path().string(),
                    record.status().message());
      continue;
    }
    record->pinned = IsPinned(*record);
    images_.emplace(record->id, *std::move(record));
  }
  if (ec) return fs::ErrnoStatus(ec.value(), absl::StrCat("list ", dir_, "/images"));
  return absl::OkStatus();
}

bool ImageStore::IsPinned(const ImageRecord& record) const {
  for (const auto& pattern : options_.pinned_images) {
    for (const auto& tag : record.repo_tags) {
      if (MatchesPattern(tag, pattern)) return true;
    }
    for (const auto& digest : record.repo_digests) {
      if (MatchesPattern(digest, pattern)) return true;
    }
    if (MatchesPattern(record.id.str(), pattern)) return true;
  }
  return false;
}

std::string ImageStore::LayerDir(const Digest& chain_id) const {
  return absl::StrCat(dir_, "/layers/", chain_id.hex(), "/diff");
}

absl::StatusOr<std::string> ImageStore::ReadBlob(const Digest& digest) const {
  return fs::ReadFile(absl::StrCat(dir_, "/blobs/sha256/", digest.hex()), kMaxImageRecordBytes);
}

absl::Status ImageStore::WriteBlob(const Digest& digest, const std::string& content) const {
  return fs::WriteFileAtomic(absl::StrCat(dir_, "/blobs/sha256/", digest.hex()), content, 0600);
}

absl::Status ImageStore::SaveLocked(const ImageRecord& record) {
  return fs::WriteFileAtomic(absl::StrCat(dir_, "/images/", record.id.hex(), ".json"),
                             RecordToJson(record), 0600);
}

std::optional<Digest> ImageStore::ResolveLocked(const std::string& name) const {
  auto parsed = registry::ParseImageName(name);
  if (parsed.ok()) {
    if (const Digest* id = std::get_if<Digest>(&*parsed)) {
      if (images_.count(*id) != 0) return *id;
      return std::nullopt;
    }
    const auto& ref = std::get<registry::Reference>(*parsed);
    const std::string tag = ref.TagString();
    const std::string by_digest =
        ref.digest.has_value() ? absl::StrCat(ref.Name(), "@", ref.digest->str()) : "";
    for (const auto& [id, record] : images_) {
      for (const auto& repo_digest : record.repo_digests) {
        if (!by_digest.empty() && repo_digest == by_digest) return id;
      }
      if (!by_digest.empty()) continue;
      for (const auto& repo_tag : record.repo_tags) {
        if (repo_tag == tag) return id;
      }
    }
  }
  // A unique prefix of an id, as `crictl rmi 1a2b3c` gives it.
  std::string hex = absl::StartsWith(name, "sha256:") ? name.substr(7) : name;
  if (hex.size() < 3 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  std::optional<Digest> found;
  for (const auto& [id, record] : images_) {
    if (!absl::StartsWith(id.hex(), hex)) continue;
    if (found.has_value()) return std::nullopt;  // ambiguous
    found = id;
  }
  return found;
}

absl::StatusOr<ImageRecord> ImageStore::Find(const std::string& name) const {
  absl::ReaderMutexLock lock(&mu_);
  const auto id = ResolveLocked(name);
  if (!id.has_value()) return absl::NotFoundError(absl::StrCat("image \"", name, "\" not found"));
  return images_.at(*id);
}

std::vector<ImageRecord> ImageStore::List(const std::string& name) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ImageRecord> out;
  if (!name.empty()) {
    if (const auto id = ResolveLocked(name); id.has_value()) out.push_back(images_.at(*id));
    return out;
  }
  out.reserve(images_.size());
  for (const auto& [id, record] : images_) out.push_back(record);
  return out;
}

absl::Status ImageStore::Commit(ImageRecord record, const std::string& tag,
                                const std::string& repo_digest) {
  absl::MutexLock lock(&mu_);
  // A tag names one image: move it from whichever image had it.
  for (auto& [id, other] : images_) {
    if (id == record.id || tag.empty()) continue;
    auto it = std::find(other.repo_tags.begin(), other.repo_tags.end(), tag);
    if (it == other.repo_tags.end()) continue;
    other.repo_tags.erase(it);
    RETURN_IF_ERROR(SaveLocked(other));
  }
  if (auto existing = images_.find(record.id); existing != images_.end()) {
    record.repo_tags = existing->second.repo_tags;
    record.repo_digests = existing->second.repo_digests;
  }
  if (!tag.empty() &&
      std::find(record.repo_tags.begin(), record.repo_tags.end(), tag) == record.repo_tags.end()) {
    record.repo_tags.push_back(tag);
  }
  if (std::find(record.repo_digests.begin(), record.repo_digests.end(), repo_digest) ==
      record.repo_digests.end()) {
    record.repo_digests.push_back(repo_digest);
  }
  record.pinned = IsPinned(record);
  RETURN_IF_ERROR(SaveLocked(record));
  images_[record.id] = std::move(record);
  return absl::OkStatus();
}

absl::Status ImageStore::Remove(const RequestContext& ctx, const std::string& name) {
  absl::MutexLock lock(&mu_);
  const auto id = ResolveLocked(name);
  if (!id.has_value()) return absl::OkStatus();
  ImageRecord& record = images_.at(*id);

  // Removing by tag only drops that tag while the image has others (as CRI-O does).
  auto parsed = registry::ParseReference(name);
  if (parsed.ok() && !parsed->digest.has_value() && record.repo_tags.size() > 1) {
    const std::string tag = parsed->TagString();
    auto it = std::find(record.repo_tags.begin(), record.repo_tags.end(), tag);
    if (it != record.repo_tags.end()) {
      record.repo_tags.erase(it);
      log::Info(ctx, "Untagged {} from image {}", tag, id->str());
      return SaveLocked(record);
    }
  }
  if (users_of_image_) {
    const std::vector<std::string> users = users_of_image_(*id);
    if (!users.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("image ", name, " (", id->str(),
                                                        ") is in use by container ", users.front(),
                                                        users.size() > 1 ? " and others" : ""));
    }
  }
  const std::string path = absl::StrCat(dir_, "/images/", id->hex(), ".json");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fs::ErrnoStatus(errno, absl::StrCat("remove ", path));
  }
  std::error_code ec;
  stdfs::remove(absl::StrCat(dir_, "/blobs/sha256/", record.manifest_digest.hex()), ec);
  stdfs::remove(absl::StrCat(dir_, "/blobs/sha256/", id->hex()), ec);
  log::Info(ctx, "Removed image {} ({})", id->str(),
            record.repo_tags.empty() ? "untagged" : record.repo_tags.front());
  images_.erase(*id);
  CollectLayersLocked(ctx);
  return absl::OkStatus();
}

void ImageStore::CollectLayersLocked(const RequestContext& ctx) {
  std::set<std::string> used;
  for (const auto& [id, record] : images_) {
    for (const auto& layer : record.layers) used.insert(std::string(layer.chain_id.hex()));
  }
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(dir_ + "/layers", ec)) {
    const std::string name = entry.path().filename().string();
    if (used.count(name) != 0) continue;
    // A layer being unpacked right now lives in tmp/ until it is complete, so anything
    // here that no image names is garbage.
    stdfs::remove_all(entry.path(), ec);
    if (ec) {
      log::Warn(ctx, "Cannot remove unused layer {}: {}", entry.path().string(), ec.message());
    }
  }
}

void ImageStore::SetUsersOfImage(UsersOfImage users) {
  absl::MutexLock lock(&mu_);
  users_of_image_ = std::move(users);
}

absl::StatusOr<FsUsage> ImageStore::Usage() const {
  FsUsage usage;
  usage.mountpoint = dir_;
  usage.timestamp_unix_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  std::error_code ec;
  std::set<std::pair<dev_t, ino_t>> seen;  // hard links count once
  for (stdfs::recursive_directory_iterator it(dir_, stdfs::directory_options::none, ec), end;
       it != end; it.increment(ec)) {
    if (ec) break;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    if (!seen.insert({st.st_dev, st.st_ino}).second) continue;
    usage.inodes_used += 1;
    usage.used_bytes += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  if (ec) return fs::ErrnoStatus(ec.value(), absl::StrCat("walk ", dir_));
  return usage;
}

std::shared_ptr<absl::Mutex> ImageStore::KeyLock(const std::string& key) {
  absl::MutexLock lock(&keys_mu_);
  if (key_locks_.size() > 1024)
    std::erase_if(key_locks_, [](auto& kv) { return kv.second.expired(); });
  auto& weak = key_locks_[key];
  auto strong = weak.lock();
  if (!strong) {
    strong = std::make_shared<absl::Mutex>();
    weak = strong;
  }
  return strong;
}

}  // namespace crio::image
