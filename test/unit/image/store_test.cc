// ImageStore pulls through a RegistryClient whose HTTP is scripted: layers are real
// gzip tarballs made here, so unpacking, diff ids and chain ids are the real thing.

#include "crio/image/store.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "fake_http.h"

namespace crio::image {
namespace {

using crio::testing::FakeHttp;
using crio::testing::Respond;

// A gzip tar holding `files` (path -> content).
std::string MakeLayer(const std::map<std::string, std::string>& files, bool gzip = true) {
  std::string out;
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  if (gzip) archive_write_add_filter_gzip(writer);
  archive_write_open(
      writer, &out, nullptr,
      [](archive*, void* user, const void* data, size_t size) -> la_ssize_t {
        static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
        return static_cast<la_ssize_t>(size);
      },
      nullptr);
  for (const auto& [path, content] : files) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_write_header(writer, entry);
    archive_write_data(writer, content.data(), content.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
  return out;
}

std::string Ungzip(const std::string& gz) {
  archive* reader = archive_read_new();
  archive_read_support_filter_all(reader);
  archive_read_support_format_raw(reader);
  archive_read_open_memory(reader, gz.data(), gz.size());
  archive_entry* entry = nullptr;
  std::string out;
  if (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    char buf[8192];
    la_ssize_t n = 0;
    while ((n = archive_read_data(reader, buf, sizeof(buf))) > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  archive_read_free(reader);
  return out;
}

// A registry holding one repository "app" with images built from layer lists.
class FakeRegistry {
 public:
  // Adds an image under `tag`; returns its config digest (the image id).
  Digest AddImage(const std::string& tag, const std::vector<std::string>& layers,
                  const std::string& user = "") {
    nlohmann::json diff_ids = nlohmann::json::array();
    nlohmann::json layer_descs = nlohmann::json::array();
    for (const auto& layer : layers) {
      diff_ids.push_back(Digest::Of(Ungzip(layer)).str());
      const Digest digest = Digest::Of(layer);
      blobs[digest.str()] = layer;
      layer_descs.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                             {"digest", digest.str()},
                             {"size", layer.size()}});
    }
    const nlohmann::json config = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"config", {{"User", user}, {"Cmd", {"sh"}}, {"Env", {"PATH=/bin"}}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
    const std::string config_text = config.dump();
    const Digest config_digest = Digest::Of(config_text);
    blobs[config_digest.str()] = config_text;
    const nlohmann::json manifest = {{"schemaVersion", 2},
                                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                     {"config",
                                      {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                       {"digest", config_digest.str()},
                                       {"size", config_text.size()}}},
                                     {"layers", layer_descs},
                                     {"annotations", {{"org.example/role", "test"}}}};
    manifests[tag] = manifest.dump();
    manifests[Digest::Of(manifests[tag]).str()] = manifests[tag];
    return config_digest;
  }

  absl::StatusOr<registry::HttpResponse> Serve(const registry::HttpRequest& request) {
    const std::string prefix = "https://reg.example/v2/app/";
    if (request.url.rfind(prefix, 0) != 0) return Respond(404, "");
    const std::string rest = request.url.substr(prefix.size());
    if (rest.rfind("manifests/", 0) == 0) {
      auto it = manifests.find(rest.substr(10));
      if (it == manifests.end()) return Respond(404, "");
      return Respond(200, it->second,
                     {{"content-type", "application/vnd.oci.image.manifest.v1+json"}});
    }
    if (rest.rfind("blobs/", 0) == 0) {
      ++blob_fetches;
      auto it = blobs.find(rest.substr(6));
      if (it == blobs.end()) return Respond(404, "");
      return Respond(200, corrupt_blobs ? it->second + "x" : it->second);
    }
    return Respond(404, "");
  }

  std::map<std::string, std::string> manifests;
  std::map<std::string, std::string> blobs;
  int blob_fetches = 0;
  bool corrupt_blobs = false;
};

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-store-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    OpenStore();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void OpenStore() {
    store_.reset();
    StoreOptions options;
    options.root = root_;
    options.overlay_whiteouts = false;
    options.pinned_images = {"reg.example/app:pinned*"};
    auto store = ImageStore::Open(options, client_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  std::size_t CountEntries(const std::string& sub) const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator(root_ + "/images/" + sub)) {
      ++n;
    }
    return n;
  }

  const RequestContext ctx_{"test", "PullImage"};
  FakeRegistry registry_;
  FakeHttp http_{[this](const registry::HttpRequest& r) { return registry_.Serve(r); }};
  registry::RegistryClient client_{
      http_, registry::ClientOptions{.certs_dir = "/nonexistent",
                                     .initial_backoff = std::chrono::milliseconds(1)}};
  std::string root_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(ImageStoreTest, PullUnpacksLayersAndRecordsTheImage) {
  const std::string base = MakeLayer({{"bin/tool", "tool"}});
  const std::string top = MakeLayer({{"etc/motd", "hello"}});
  const Digest id = registry_.AddImage("1", {base, top}, "1000");

  auto record = store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->id, id);
  EXPECT_EQ(record->repo_tags, std::vector<std::string>{"reg.example/app:1"});
  ASSERT_EQ(record->repo_digests.size(), 1u);
  EXPECT_EQ(record->repo_digests[0],
            "reg.example/app@" + Digest::Of(registry_.manifests["1"]).str());
  EXPECT_EQ(record->config.user, "1000");
  EXPECT_EQ(record->annotations.at("org.example/role"), "test");
  ASSERT_EQ(record->layers.size(), 2u);
  EXPECT_EQ(record->layers[0].chain_id, record->layers[0].diff_id);
  EXPECT_EQ(record->size,
            static_cast<std::int64_t>(base.size() + top.size() + registry_.blobs[id.str()].size()));
  EXPECT_TRUE(std::filesystem::exists(store_->LayerDir(record->layers[0].chain_id) + "/bin/tool"));
  EXPECT_TRUE(std::filesystem::exists(store_->LayerDir(record->layers[1].chain_id) + "/etc/motd"));
  EXPECT_EQ(CountEntries("tmp"), 0u);
  EXPECT_TRUE(store_->ReadBlob(id).ok());
}

TEST_F(ImageStoreTest, FindByTagIdPrefixAndDigest) {
  const Digest id = registry_.AddImage("1", {MakeLayer({{"a", "a"}})});
  ASSERT_TRUE(store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt}).ok());
  const std::string digest = Digest::Of(registry_.manifests["1"]).str();
  for (const std::string& name :
       {std::string("reg.example/app:1"), id.str(), std::string(id.hex()),
        std::string(id.hex().substr(0, 12)), "reg.example/app@" + digest}) {
    auto found = store_->Find(name);
    ASSERT_TRUE(found.ok()) << name << ": " << found.status();
    EXPECT_EQ(found->id, id);
  }
  EXPECT_EQ(store_->Find("reg.example/app:2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->List().size(), 1u);
  EXPECT_EQ(store_->List("reg.example/app:1").size(), 1u);
  EXPECT_TRUE(store_->List("reg.example/other:1").empty());
}

TEST_F(ImageStoreTest, SharedLayersAreDownloadedOnce) {
  const std::string base = MakeLayer({{"bin/tool", "tool"}});
  registry_.AddImage("1", {base});
  registry_.AddImage("2", {base, MakeLayer({{"extra", "x"}})});
  ASSERT_TRUE(store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt}).ok());
  const int after_first = registry_.blob_fetches;  // config + base
  ASSERT_TRUE(store_->Pull(ctx_, PullRequest{"reg.example/app:2", std::nullopt}).ok());
  EXPECT_EQ(registry_.blob_fetches - after_first, 2);  // config + the new layer only
  EXPECT_EQ(CountEntries("layers"), 2u);
}

TEST_F(ImageStoreTest, CorruptBlobFailsAndLeavesNothing) {
  registry_.AddImage("1", {MakeLayer({{"a", "a"}})});
  registry_.corrupt_blobs = true;
  auto record = store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt});
  ASSERT_FALSE(record.ok());
  EXPECT_TRUE(store_->List().empty());
  EXPECT_EQ(CountEntries("layers"), 0u);
  EXPECT_EQ(CountEntries("tmp"), 0u);
  EXPECT_EQ(CountEntries("images"), 0u);
}

TEST_F(ImageStoreTest, MissingImageIsNotFound) {
  auto record = store_->Pull(ctx_, PullRequest{"reg.example/app:nope", std::nullopt});
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(record.status().message().find("reg.example/app:nope"), std::string::npos);
}

TEST_F(ImageStoreTest, RetaggingMovesTheTag) {
  registry_.AddImage("1", {MakeLayer({{"a", "a"}})});
  auto first = store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt});
  ASSERT_TRUE(first.ok());
  registry_.AddImage("1", {MakeLayer({{"a", "changed"}})});  // the tag moved upstream
  auto second = store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt});
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->id, second->id);
  EXPECT_TRUE(store_->Find(first->id.str())->repo_tags.empty());
  EXPECT_EQ(store_->Find("reg.example/app:1")->id, second->id);
}

TEST_F(ImageStoreTest, RemoveByTagUntagsThenRemovesAndCollectsLayers) {
  const Digest id = registry_.AddImage("1", {MakeLayer({{"a", "a"}})});
  registry_.manifests["2"] = registry_.manifests["1"];
  ASSERT_TRUE(store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt}).ok());
  ASSERT_TRUE(store_->Pull(ctx_, PullRequest{"reg.example/app:2", std::nullopt}).ok());
  EXPECT_EQ(store_->Find(id.str())->repo_tags.size(), 2u);

  ASSERT_TRUE(store_->Remove(ctx_, "reg.example/app:1").ok());
  auto left = store_->Find(id.str());
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->repo_tags, std::vector<std::string>{"reg.example/app:2"});

  ASSERT_TRUE(store_->Remove(ctx_, "reg.example/app:2").ok());
  EXPECT_TRUE(store_->List().empty());
  EXPECT_EQ(CountEntries("layers"), 0u);
  EXPECT_EQ(CountEntries("images"), 0u);
  EXPECT_TRUE(store_->Remove(ctx_, "reg.example/app:2").ok());  // idempotent
  EXPECT_TRUE(store_->Remove(ctx_, id.str()).ok());
}

TEST_F(ImageStoreTest, StateSurvivesReopening) {
  const Digest id = registry_.AddImage("pinned-1", {MakeLayer({{"a", "a"}})});
  ASSERT_TRUE(store_->Pull(ctx_, PullRequest{"reg.example/app:pinned-1", std::nullopt}).ok());
  OpenStore();
  auto found = store_->Find("reg.example/app:pinned-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id, id);
  EXPECT_TRUE(found->pinned);
}

TEST_F(ImageStoreTest, UsageCountsTheStore) {
  registry_.AddImage("1", {MakeLayer({{"a", std::string(10000, 'a')}})});
  ASSERT_TRUE(store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt}).ok());
  auto usage = store_->Usage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->mountpoint, root_ + "/images");
  EXPECT_GE(usage->used_bytes, 10000u);
  EXPECT_GE(usage->inodes_used, 5u);
  EXPECT_GT(usage->timestamp_unix_nanos, 0);
}

}  // namespace
}  // namespace crio::image
