#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "client_internal.h"
#include "crio/monitor/monitor.h"
#include "exit_record.h"

namespace crio::monitor {
namespace {

// A real wait status from a child that ends as `body` makes it.
template <typename F>
int WaitStatusOf(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

class ExitFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-exitfile-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ExitFileTest, ExitCodeRoundTrip) {
  const int status = WaitStatusOf([] { ::_exit(3); });
  const ExitRecord record = ExitRecordFromWaitStatus(status, 1700000000123456789, false);
  const std::string path = dir_ + "/exits/abc";
  ASSERT_EQ(WriteExitRecord(path.c_str(), record), 0);
  auto info = ReadExitFile(path);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_TRUE(info->has_value());
  EXPECT_EQ((*info)->exit_code, 3);
  EXPECT_EQ((*info)->signal, 0);
  EXPECT_EQ((*info)->finished_at_ns, 1700000000123456789);
  EXPECT_FALSE((*info)->oom_killed);
}

TEST_F(ExitFileTest, KilledBySignalIs128PlusSignal) {
  const int status = WaitStatusOf([] { ::raise(SIGKILL); });
  const std::string path = dir_ + "/killed";
  ASSERT_EQ(WriteExitRecord(path.c_str(), ExitRecordFromWaitStatus(status, 5, true)), 0);
  auto info = ReadExitFile(path);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_TRUE(info->has_value());
  EXPECT_EQ((*info)->exit_code, 137);
  EXPECT_EQ((*info)->signal, SIGKILL);
  EXPECT_TRUE((*info)->oom_killed);
}

TEST_F(ExitFileTest, FormatIsKeyValueLines) {
  char buf[256];
  const std::size_t n = FormatExitRecord(ExitRecord{137, 9, 42, true}, buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, n), "exit_code=137\nsignal=9\nfinished_at=42\noom_killed=true\n");
  EXPECT_EQ(FormatExitRecord(ExitRecord{}, buf, 10), 0u);
}

TEST_F(ExitFileTest, MissingFileMeansStillRunning) {
  auto info = ReadExitFile(dir_ + "/none");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_FALSE(info->has_value());
}

TEST_F(ExitFileTest, WriteReplacesThroughATemporaryFileAndRename) {
  const std::string path = dir_ + "/ctr";
  std::ofstream(path) << "old";
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  ASSERT_EQ(WriteExitRecord(path.c_str(), ExitRecord{1, 0, 7, false}), 0);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  // A new inode: the file was renamed into place, never rewritten where readers see it.
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(after.st_mode & 0777, 0644u);
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "ctr");
  }
  EXPECT_EQ(entries, 1);
  auto info = ReadExitFile(path);
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->exit_code, 1);
}

TEST_F(ExitFileTest, WriteFailsWithErrnoWhenTheDirCannotBeMade) {
  std::ofstream(dir_ + "/file") << "x";
  const std::string path = dir_ + "/file/exits/ctr";
  EXPECT_EQ(WriteExitRecord(path.c_str(), ExitRecord{}), ENOTDIR);
}

TEST(ParseExitFileTest, IgnoresUnknownKeysAndBlankLines) {
  auto info = internal::ParseExitFile(
      "exit_code=0\n\nsignal=0\nfinished_at=9\noom_killed=false\nreason=later\n", "/e");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->finished_at_ns, 9);
}

TEST(ParseExitFileTest, RejectsMalformedContent) {
  struct Case {
    const char* content;
    const char* message;
  };
  const Case cases[] = {
      {"garbage", "line 1 is not key=value"},
      {"exit_code=abc\nsignal=0\nfinished_at=1\noom_killed=false\n", "invalid exit_code \"abc\""},
      {"exit_code=1\nsignal=0\nfinished_at=1\noom_killed=maybe\n", "invalid oom_killed"},
      {"exit_code=1\nsignal=0\noom_killed=true\n", "no finished_at"},
      {"", "no exit_code"},
  };
  for (const Case& c : cases) {
    auto info = internal::ParseExitFile(c.content, "/run/crio/exits/x");
    ASSERT_FALSE(info.ok()) << c.content;
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(info.status().message().find("exit file /run/crio/exits/x"), std::string::npos);
    EXPECT_NE(info.status().message().find(c.message), std::string::npos)
        << info.status().message();
  }
}

TEST(ParseExitFileTest, ReadExitFileReportsParseErrors) {
  char tmpl[] = "/tmp/crio-exitfile-bad-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "exit_code=\n", 11), 11);
  ::close(fd);
  auto info = ReadExitFile(tmpl);
  ::unlink(tmpl);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio::monitor
