// Containers' root filesystems on pulled images: overlay mounts and the copy fallback show
// the same merged view (whiteouts and opaque dirs applied), writes stay in the container's
// own dir, an image in use cannot be removed, and nothing is left after Remove.
// Overlay mounts, whiteout devices and trusted.* xattrs need root: those tests skip without.

#include "crio/image/rootfs.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crio/image/store.h"
#include "image_fakes.h"

namespace crio::image {
namespace {

namespace stdfs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const std::string& path, const std::string& content) {
  stdfs::create_directories(stdfs::path(path).parent_path());
  std::ofstream(path) << content;
}

class RootfsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (overlay whiteouts and mounts)";
    char tmpl[] = "/tmp/crio-rootfs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    StoreOptions options;
    options.root = root_;
    auto store = ImageStore::Open(options, client_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    registry_.AddImage("1", {MakeLayer({{"etc/os-release", "base\n"},
                                        {"etc/old", "gone\n"},
                                        {"data/a", "a\n"},
                                        {"data/b", "b\n"}}),
                             MakeLayer({{"etc/os-release", "top\n"},
                                        {"etc/.wh.old", ""},
                                        {"data/.wh..wh..opq", ""},
                                        {"data/c", "c\n"}})});
    auto image = store_->Pull(ctx_, PullRequest{"reg.example/app:1", std::nullopt});
    ASSERT_TRUE(image.ok()) << image.status();
    image_ = *image;
    OpenManager();
  }

  void TearDown() override {
    manager_.reset();
    store_.reset();
    if (!root_.empty()) {
      // Whatever a failed test left mounted goes before the files do.
      std::error_code ec;
      for (const auto& entry : stdfs::directory_iterator(root_ + "/rootfs", ec)) {
        ::umount2((entry.path() / "merged").c_str(), MNT_DETACH);
      }
      stdfs::remove_all(root_);
    }
  }

  void OpenManager() {
    manager_.reset();
    auto manager =
        RootfsManager::Open({.dir = root_ + "/rootfs", .allow_overlay = GetParam()}, *store_);
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = *std::move(manager);
  }

  const RequestContext ctx_{"test", "CreateContainer"};
  FakeRegistry registry_;
  FakeHttp http_{[this](const registry::HttpRequest& r) { return registry_.Serve(r); }};
  registry::RegistryClient client_{
      http_, registry::ClientOptions{.certs_dir = "/nonexistent",
                                     .initial_backoff = std::chrono::milliseconds(1)}};
  std::string root_;
  std::unique_ptr<ImageStore> store_;
  std::unique_ptr<RootfsManager> manager_;
  ImageRecord image_;
};

TEST_P(RootfsTest, ShowsTheLayersMergedAndKeepsWritesPrivate) {
  auto rootfs = manager_->Create(ctx_, "ctr1", image_);
  ASSERT_TRUE(rootfs.ok()) << rootfs.status();
  EXPECT_EQ(rootfs->mode, GetParam() ? RootfsMode::kOverlay : RootfsMode::kCopy);
  EXPECT_EQ(Slurp(rootfs->path + "/etc/os-release"), "top\n");
  EXPECT_FALSE(stdfs::exists(rootfs->path + "/etc/old"));  // whiteout
  EXPECT_FALSE(stdfs::exists(rootfs->path + "/data/a"));   // opaque dir
  EXPECT_EQ(Slurp(rootfs->path + "/data/c"), "c\n");

  Write(rootfs->path + "/etc/new", "written\n");
  EXPECT_TRUE(stdfs::exists(rootfs->upper + "/etc/new"));
  for (const LayerRecord& layer : image_.layers) {
    EXPECT_FALSE(stdfs::exists(store_->LayerDir(layer.chain_id) + "/etc/new"));
  }
  auto usage = manager_->WritableUsage("ctr1");
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_GT(usage->inodes_used, 0u);

  // A second container of the same image does not see the first one's writes.
  auto other = manager_->Create(ctx_, "ctr2", image_);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(stdfs::exists(other->path + "/etc/new"));

  ASSERT_TRUE(manager_->Remove(ctx_, "ctr1").ok());
  ASSERT_TRUE(manager_->Remove(ctx_, "ctr2").ok());
  EXPECT_FALSE(stdfs::exists(root_ + "/rootfs/ctr1"));
  EXPECT_TRUE(manager_->Remove(ctx_, "ctr1").ok()) << "Remove is idempotent";
}

TEST_P(RootfsTest, AnImageInUseIsNotRemoved) {
  ASSERT_TRUE(manager_->Create(ctx_, "ctr1", image_).ok());
  const absl::Status removed = store_->Remove(ctx_, image_.id.str());
  EXPECT_TRUE(absl::IsFailedPrecondition(removed)) << removed;
  EXPECT_NE(removed.message().find("in use by container ctr1"), std::string::npos) << removed;
  EXPECT_TRUE(store_->Find(image_.id.str()).ok());

  ASSERT_TRUE(manager_->Remove(ctx_, "ctr1").ok());
  EXPECT_TRUE(store_->Remove(ctx_, image_.id.str()).ok());
  EXPECT_FALSE(manager_->Create(ctx_, "ctr2", image_).ok()) << "the image is gone";
  EXPECT_FALSE(stdfs::exists(root_ + "/rootfs/ctr2")) << "a failed create leaves nothing";
}

TEST_P(RootfsTest, RecordsSurviveReopeningAndRemountWorks) {
  ASSERT_TRUE(manager_->Create(ctx_, "ctr1", image_).ok());
  Write(root_ + "/rootfs/half-made/diff/x", "");  // a create that crashed before its record
  OpenManager();
  EXPECT_FALSE(stdfs::exists(root_ + "/rootfs/half-made"));
  ASSERT_TRUE(manager_->Get("ctr1").has_value());
  EXPECT_EQ(manager_->UsersOf(image_.id), std::vector<std::string>{"ctr1"});

  ASSERT_TRUE(manager_->Unmount("ctr1").ok());
  auto mounted = manager_->Mount("ctr1");
  ASSERT_TRUE(mounted.ok()) << mounted.status();
  EXPECT_EQ(Slurp(mounted->path + "/etc/os-release"), "top\n");
  EXPECT_TRUE(manager_->Mount("ctr1").ok()) << "mounting a mounted rootfs is a no-op";
  ASSERT_TRUE(manager_->Remove(ctx_, "ctr1").ok());
}

TEST_P(RootfsTest, AnImageWhoseLayerPathsDoNotFitInOneMountIsStillMerged) {
  // 45 layers: their absolute paths pass the page that mount options fit in, so the
  // overlay is mounted from a child with relative paths (or copied, in copy mode).
  std::vector<std::string> layers;
  for (int i = 0; i < 45; ++i) {
    layers.push_back(MakeLayer({{"layers/" + std::to_string(i), std::to_string(i) + "\n"},
                                {"etc/top", std::to_string(i) + "\n"}}));
  }
  registry_.AddImage("tall", layers);
  auto tall = store_->Pull(ctx_, PullRequest{"reg.example/app:tall", std::nullopt});
  ASSERT_TRUE(tall.ok()) << tall.status();
  ASSERT_EQ(tall->layers.size(), 45u);
  std::size_t absolute = 0;
  for (const LayerRecord& layer : tall->layers)
    absolute += store_->LayerDir(layer.chain_id).size() + 1;
  ASSERT_GT(absolute, 4096u) << "the test needs paths longer than a page";
  auto rootfs = manager_->Create(ctx_, "tall1", *tall);
  ASSERT_TRUE(rootfs.ok()) << rootfs.status();
  EXPECT_EQ(Slurp(rootfs->path + "/layers/0"), "0\n");
  EXPECT_EQ(Slurp(rootfs->path + "/layers/44"), "44\n");
  EXPECT_EQ(Slurp(rootfs->path + "/etc/top"), "44\n") << "the last layer is on top";
  ASSERT_TRUE(manager_->Remove(ctx_, "tall1").ok());
}

TEST_P(RootfsTest, RefusesBadIdsAndDuplicates) {
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Create(ctx_, "../escape", image_).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Create(ctx_, "", image_).status()));
  ASSERT_TRUE(manager_->Create(ctx_, "ctr1", image_).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(manager_->Create(ctx_, "ctr1", image_).status()));
  EXPECT_TRUE(manager_->Get("ctr1").has_value()) << "the duplicate did not undo the original";
  ASSERT_TRUE(manager_->Remove(ctx_, "ctr1").ok());
}

INSTANTIATE_TEST_SUITE_P(OverlayAndCopy, RootfsTest, ::testing::Bool(), [](const auto& param_info) {
  return param_info.param ? "Overlay" : "Copy";
});

// The copy fallback keeps what a filesystem image needs beyond file contents.
TEST(CopyLayersTest, KeepsLinksOwnersModesDevicesAndAppliesWhiteouts) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (chown, mknod, trusted.* xattrs)";
  char tmpl[] = "/tmp/crio-copy-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string lower = dir + "/lower", upper = dir + "/upper", target = dir + "/target";
  Write(lower + "/bin/tool", "tool");
  ASSERT_EQ(::chown((lower + "/bin/tool").c_str(), 1000, 1001), 0);  // chown clears setuid
  ASSERT_EQ(::chmod((lower + "/bin/tool").c_str(), 04755), 0);
  ASSERT_EQ(::link((lower + "/bin/tool").c_str(), (lower + "/bin/alias").c_str()), 0);
  ASSERT_EQ(::symlink("bin", (lower + "/sbin").c_str()), 0);
  ASSERT_EQ(::mkfifo((lower + "/fifo").c_str(), 0600), 0);
  Write(lower + "/old/file", "old");
  Write(lower + "/opaque/hidden", "hidden");
  ASSERT_EQ(::setxattr((lower + "/bin/tool").c_str(), "user.note", "kept", 4, 0), 0);
  // The upper layer deletes old/, makes opaque/ opaque, and turns the sbin symlink into a dir.
  stdfs::create_directories(upper);
  ASSERT_EQ(::mknod((upper + "/old").c_str(), S_IFCHR | 0, makedev(0, 0)), 0);
  Write(upper + "/opaque/visible", "visible");
  ASSERT_EQ(::setxattr((upper + "/opaque").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  Write(upper + "/sbin/real", "real");
  stdfs::create_directories(target);

  ASSERT_TRUE(CopyLayers({lower, upper}, target).ok());
  struct stat tool {};
  struct stat alias {};
  ASSERT_EQ(::lstat((target + "/bin/tool").c_str(), &tool), 0);
  ASSERT_EQ(::lstat((target + "/bin/alias").c_str(), &alias), 0);
  EXPECT_EQ(tool.st_ino, alias.st_ino) << "hard links stay links";
  EXPECT_EQ(tool.st_mode & 07777, 04755u);
  EXPECT_EQ(tool.st_uid, 1000u);
  EXPECT_EQ(tool.st_gid, 1001u);
  char note[8] = {};
  EXPECT_EQ(::getxattr((target + "/bin/tool").c_str(), "user.note", note, sizeof note), 4);
  struct stat fifo {};
  ASSERT_EQ(::lstat((target + "/fifo").c_str(), &fifo), 0);
  EXPECT_TRUE(S_ISFIFO(fifo.st_mode));
  EXPECT_FALSE(stdfs::exists(target + "/old"));
  EXPECT_FALSE(stdfs::exists(target + "/opaque/hidden"));
  EXPECT_TRUE(stdfs::exists(target + "/opaque/visible"));
  char opaque[2] = {};
  EXPECT_LT(::getxattr((target + "/opaque").c_str(), "trusted.overlay.opaque", opaque, 2), 0)
      << "overlay's own xattrs are not copied";
  EXPECT_TRUE(stdfs::is_directory(stdfs::symlink_status(target + "/sbin")));
  EXPECT_TRUE(stdfs::exists(target + "/sbin/real"));
  stdfs::remove_all(dir);
}

}  // namespace
}  // namespace crio::image
