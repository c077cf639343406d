#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "crio/selinux/label.h"
#include "crio/selinux/labeler.h"
#include "fake_labeler.h"

namespace crio::selinux {
namespace {

namespace stdfs = std::filesystem;

constexpr char kMountLabel[] = "system_u:object_r:container_file_t:s0:c1,c2";

class RelabelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (stdfs::temp_directory_path() / "selinux_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    // The temp dir itself may sit behind a symlink; use its resolved name, as
    // RelabelVolume labels the resolved tree.
    root_ = stdfs::canonical(pattern).string();
  }
  void TearDown() override { stdfs::remove_all(root_); }

  // root_/vol/{a, sub/b, sub/deeper/c, link -> outside/, filelink -> outside/x}
  std::string MakeTree() {
    const stdfs::path vol = stdfs::path(root_) / "vol";
    stdfs::create_directories(vol / "sub" / "deeper");
    stdfs::create_directories(stdfs::path(root_) / "outside");
    std::ofstream(vol / "a") << "a";
    std::ofstream(vol / "sub" / "b") << "b";
    std::ofstream(vol / "sub" / "deeper" / "c") << "c";
    std::ofstream(stdfs::path(root_) / "outside" / "x") << "x";
    stdfs::create_directory_symlink(stdfs::path(root_) / "outside", vol / "link");
    stdfs::create_symlink(stdfs::path(root_) / "outside" / "x", vol / "filelink");
    return vol.string();
  }

  std::set<std::string> TreeEntries(const std::string& vol) {
    std::set<std::string> entries = {vol};
    for (const auto& entry : stdfs::recursive_directory_iterator(vol)) {
      entries.insert(entry.path().string());
    }
    return entries;
  }

  RelabelPolicy Policy(bool try_skip = false, std::string type = "container_t") {
    RelabelPolicy policy;
    policy.try_skip = try_skip;
    policy.process_type = std::move(type);
    return policy;
  }

  std::string root_;
  FakeLabeler labeler_;
};

TEST_F(RelabelTest, RefusesEverySystemPath) {
  for (const char* path :
       {"/",    "/bin",   "/boot",  "/dev", "/etc",  "/etc/passwd", "/etc/shadow", "/home",
        "/lib", "/lib64", "/media", "/opt", "/proc", "/root",       "/run",        "/sbin",
        "/srv", "/sys",   "/tmp",   "/usr", "/var",  "/usr/bin",    "/var/lib"}) {
    absl::Status status = RelabelVolume(labeler_, path, kMountLabel, Policy());
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_NE(status.message().find(path), absl::string_view::npos) << status;
  }
  EXPECT_TRUE(labeler_.set_calls_.empty());
}

TEST_F(RelabelTest, RefusesOtherSpellingsOfSystemPaths) {
  for (const char* path : {"/etc/", "//usr", "/var/../etc", "/./etc", "/usr/./", "///", "/../..",
                           "/var/lib/../../etc//passwd", "/tmp/.."}) {
    EXPECT_EQ(RelabelVolume(labeler_, path, kMountLabel, Policy()).code(),
              absl::StatusCode::kInvalidArgument)
        << path;
  }
  EXPECT_TRUE(labeler_.set_calls_.empty());
}

TEST_F(RelabelTest, RefusesSymlinkToSystemPath) {
  const std::string link = root_ + "/etc-link";
  stdfs::create_directory_symlink("/etc", link);
  absl::Status status = RelabelVolume(labeler_, link, kMountLabel, Policy());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(link), absl::string_view::npos) << status;
  EXPECT_TRUE(labeler_.set_calls_.empty());
}

TEST_F(RelabelTest, RefusesRelativePath) {
  EXPECT_EQ(RelabelVolume(labeler_, "etc", kMountLabel, Policy()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RelabelTest, RefusesBadMountLabel) {
  const std::string vol = MakeTree();
  EXPECT_EQ(RelabelVolume(labeler_, vol, "bogus", Policy()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RelabelVolume(labeler_, vol, "u:r:t", Policy()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RelabelTest, MissingPathIsNotFound) {
  EXPECT_EQ(RelabelVolume(labeler_, root_ + "/nope", kMountLabel, Policy()).code(),
            absl::StatusCode::kNotFound);
}

TEST(ProtectedPathTest, SubdirectoriesAreFine) {
  EXPECT_TRUE(IsProtectedPath("/var"));
  EXPECT_TRUE(IsProtectedPath("/var/lib/../"));
  EXPECT_FALSE(IsProtectedPath("/var/lib/kubelet/pods/123/volumes/kubernetes.io~empty-dir/x"));
  EXPECT_FALSE(IsProtectedPath("/etc/myapp"));
  EXPECT_FALSE(IsProtectedPath("/mnt/data"));
}

TEST_F(RelabelTest, LabelsEveryEntryOfTheTree) {
  const std::string vol = MakeTree();
  ASSERT_TRUE(RelabelVolume(labeler_, vol, kMountLabel, Policy()).ok());
  const std::set<std::string> entries = TreeEntries(vol);
  EXPECT_EQ(entries.size(), 8u);  // vol, a, sub, b, deeper, c, link, filelink
  for (const std::string& entry : entries) {
    EXPECT_EQ(labeler_.labels_[entry], kMountLabel) << entry;
  }
  EXPECT_EQ(labeler_.labels_.size(), entries.size()) << "labeled something outside the tree";
}

TEST_F(RelabelTest, SymlinksAreLabeledNotFollowed) {
  const std::string vol = MakeTree();
  ASSERT_TRUE(RelabelVolume(labeler_, vol, kMountLabel, Policy()).ok());
  EXPECT_EQ(labeler_.labels_.count(vol + "/link"), 1u);
  EXPECT_EQ(labeler_.labels_.count(vol + "/filelink"), 1u);
  EXPECT_EQ(labeler_.labels_.count(root_ + "/outside"), 0u);
  EXPECT_EQ(labeler_.labels_.count(root_ + "/outside/x"), 0u);
  EXPECT_EQ(labeler_.labels_.count(vol + "/link/x"), 0u);
}

TEST_F(RelabelTest, NormalizedSpellingOfAVolumeWorks) {
  const std::string vol = MakeTree();
  ASSERT_TRUE(RelabelVolume(labeler_, vol + "/sub/../", kMountLabel, Policy()).ok());
  EXPECT_EQ(labeler_.labels_[vol], kMountLabel);
}

TEST_F(RelabelTest, SymlinkedVolumeLabelsItsTarget) {
  const std::string vol = MakeTree();
  const std::string link = root_ + "/vol-link";
  stdfs::create_directory_symlink(vol, link);
  ASSERT_TRUE(RelabelVolume(labeler_, link, kMountLabel, Policy()).ok());
  EXPECT_EQ(labeler_.labels_[vol + "/sub/deeper/c"], kMountLabel);
}

TEST_F(RelabelTest, SpcNeverRelabels) {
  const std::string vol = MakeTree();
  EXPECT_TRUE(RelabelVolume(labeler_, vol, kMountLabel, Policy(false, "spc_t")).ok());
  EXPECT_TRUE(RelabelVolume(labeler_, "/etc", kMountLabel, Policy(false, "spc_t")).ok());
  EXPECT_TRUE(labeler_.set_calls_.empty());
}

TEST_F(RelabelTest, TrySkipWithMatchingTopLabelSkips) {
  const std::string vol = MakeTree();
  labeler_.labels_[vol] = kMountLabel;
  ASSERT_TRUE(RelabelVolume(labeler_, vol, kMountLabel, Policy(true)).ok());
  EXPECT_TRUE(labeler_.set_calls_.empty());
}

TEST_F(RelabelTest, TrySkipWithDifferentTopLabelRelabelsTheWholeTree) {
  const std::string vol = MakeTree();
  labeler_.labels_[vol] = "system_u:object_r:container_file_t:s0:c3,c4";
  ASSERT_TRUE(RelabelVolume(labeler_, vol, kMountLabel, Policy(true)).ok());
  for (const std::string& entry : TreeEntries(vol)) {
    EXPECT_EQ(labeler_.labels_[entry], kMountLabel) << entry;
  }
}

TEST_F(RelabelTest, WithoutTrySkipAMatchingTopLabelStillRelabels) {
  const std::string vol = MakeTree();
  labeler_.labels_[vol] = kMountLabel;
  ASSERT_TRUE(RelabelVolume(labeler_, vol, kMountLabel, Policy(false)).ok());
  EXPECT_EQ(labeler_.set_calls_.size(), 8u);
}

TEST_F(RelabelTest, DisabledLabelerDoesNothing) {
  FakeLabeler disabled(false);
  const std::string vol = MakeTree();
  EXPECT_TRUE(RelabelVolume(disabled, vol, kMountLabel, Policy()).ok());
  EXPECT_TRUE(disabled.set_calls_.empty());
}

TEST_F(RelabelTest, LabelerErrorNamesTheFile) {
  const std::string vol = MakeTree();
  labeler_.set_error_ = absl::PermissionDeniedError("denied");
  absl::Status status = RelabelVolume(labeler_, vol, kMountLabel, Policy());
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(status.message().find(vol), absl::string_view::npos) << status;
}

TEST_F(RelabelTest, LoadContainerContextsFromTheLabelersPath) {
  const std::string path = root_ + "/lxc_contexts";
  std::ofstream(path) << "process = \"system_u:system_r:svirt_lxc_net_t:s0\"\n";
  labeler_.lxc_contexts_path_ = path;
  absl::StatusOr<ContainerContexts> contexts = LoadContainerContexts(labeler_);
  ASSERT_TRUE(contexts.ok()) << contexts.status();
  EXPECT_EQ(contexts->process.type, "svirt_lxc_net_t");
  EXPECT_EQ(contexts->file, ContainerContexts::Defaults().file);
}

TEST_F(RelabelTest, LoadContainerContextsFallsBackToDefaults) {
  FakeLabeler disabled(false);
  disabled.lxc_contexts_path_ = root_ + "/ignored";
  EXPECT_EQ(LoadContainerContexts(disabled)->process, ContainerContexts::Defaults().process);
  labeler_.lxc_contexts_path_ = root_ + "/missing";
  EXPECT_EQ(LoadContainerContexts(labeler_)->file, ContainerContexts::Defaults().file);
  std::ofstream(root_ + "/bad") << "file = \"broken\"\n";
  labeler_.lxc_contexts_path_ = root_ + "/bad";
  EXPECT_EQ(LoadContainerContexts(labeler_).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SystemLabelerTest, DisabledHostReportsDisabled) {
  // This host runs without SELinux; on an SELinux host the check is meaningless.
  std::unique_ptr<Labeler> labeler = MakeSystemLabeler();
  if (labeler->Enabled()) GTEST_SKIP() << "SELinux is enabled here";
  EXPECT_EQ(labeler->LxcContextsPath(), "");
  EXPECT_EQ(LoadContainerContexts(*labeler)->process, ContainerContexts::Defaults().process);
}

}  // namespace
}  // namespace crio::selinux
