#include "crio/common/fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace crio::fs {
namespace {

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-fs-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FsTest, WriteAtomicThenRead) {
  const std::string path = dir_ + "/state.json";
  ASSERT_TRUE(WriteFileAtomic(path, "first", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second", 0600).ok());
  auto content = ReadFile(path, 1024);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, "second");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary file is left beside the target.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(FsTest, ReadMissingIsNotFound) {
  EXPECT_EQ(ReadFile(dir_ + "/missing", 10).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FsTest, ReadRefusesFilesOverTheBound) {
  const std::string path = dir_ + "/big";
  std::ofstream(path) << std::string(100, 'x');
  auto content = ReadFile(path, 99);
  EXPECT_EQ(content.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ReadFile(path, 100).ok());
}

TEST_F(FsTest, WriteIntoMissingDirFails) {
  EXPECT_FALSE(WriteFileAtomic(dir_ + "/no/such/dir/file", "x").ok());
}

TEST_F(FsTest, MakeDirsCreatesParentsAndKeepsExistingModes) {
  const std::string nested = dir_ + "/a/b/c";
  ASSERT_TRUE(MakeDirs(nested, 0700).ok());
  struct stat st {};
  ASSERT_EQ(::stat(nested.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::chmod(nested.c_str(), 0755), 0);
  ASSERT_TRUE(MakeDirs(nested, 0700).ok());
  ASSERT_EQ(::stat(nested.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST(ErrnoStatusTest, MapsCommonErrors) {
  EXPECT_EQ(ErrnoStatus(ENOENT, "open x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus(EACCES, "open x").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EEXIST, "mkdir x").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoStatus(EIO, "read x").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ErrnoStatus(ENOENT, "open x").message(), "open x: No such file or directory");
}

}  // namespace
}  // namespace crio::fs
