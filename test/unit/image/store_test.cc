// ImageStore pulls through a RegistryClient whose HTTP is scripted: layers are real
// gzip tarballs made here, so unpacking, diff ids and chain ids are the real thing.

#include "crio/image/store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "image_fakes.h"

namespace crio::image {
namespace {

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
