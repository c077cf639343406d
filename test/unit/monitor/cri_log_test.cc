#include "cri_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace crio::monitor {
namespace {

using ::testing::ElementsAre;

// 2016-10-06T00:15:29.000000042Z; tests move it to tell entries apart.
WallTime g_now{1475712929, 42, 0};
WallTime FakeClock() { return g_now; }

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& content) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(content);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

class CriLogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_now = WallTime{1475712929, 42, 0};
    char tmpl[] = "/tmp/crio-crilog-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/pods/ns_pod_uid/ctr/0.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string Entry(const char* stream, const char* tag, const std::string& text) {
    return std::string("2016-10-06T00:15:29.000000042Z ") + stream + " " + tag + " " + text;
  }

  std::string dir_;
  std::string path_;
};

TEST(Rfc3339NanoTest, FormatsUtcWithZAndNineDigits) {
  char out[kTimestampMax];
  EXPECT_EQ(std::string(out, FormatRfc3339Nano({1475712929, 669794202, 0}, out)),
            "2016-10-06T00:15:29.669794202Z");
  EXPECT_EQ(std::string(out, FormatRfc3339Nano({0, 0, 0}, out)), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(std::string(out, FormatRfc3339Nano({951782400, 5, 0}, out)),
            "2000-02-29T00:00:00.000000005Z");
  EXPECT_EQ(std::string(out, FormatRfc3339Nano({4102444799, 999999999, 0}, out)),
            "2099-12-31T23:59:59.999999999Z");
}

TEST(Rfc3339NanoTest, FormatsLocalOffsets) {
  char out[kTimestampMax];
  EXPECT_EQ(std::string(out, FormatRfc3339Nano({1475712929, 1, 3600}, out)),
            "2016-10-06T01:15:29.000000001+01:00");
  EXPECT_EQ(std::string(out, FormatRfc3339Nano({1475712929, 1, -19800}, out)),
            "2016-10-05T18:45:29.000000001-05:30");
}

TEST(Rfc3339NanoTest, WallNowUsesTheLocalOffset) {
  const WallTime now = WallNow();
  const time_t sec = now.sec;
  tm local{};
  ASSERT_NE(::localtime_r(&sec, &local), nullptr);
  EXPECT_EQ(now.utc_offset, local.tm_gmtoff);
  EXPECT_GE(now.nsec, 0);
  EXPECT_LT(now.nsec, 1000000000);
}

TEST_F(CriLogWriterTest, WritesFullLinesWithStreamTags) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  log.Write(LogStream::kStdout, "hello\nworld\n", 12);
  log.Write(LogStream::kStderr, "oops\n", 5);
  log.Write(LogStream::kStdout, "\n", 1);
  EXPECT_THAT(Lines(Read(path_)),
              ElementsAre(Entry("stdout", "F", "hello"), Entry("stdout", "F", "world"),
                          Entry("stderr", "F", "oops"), Entry("stdout", "F", "")));
  EXPECT_EQ(static_cast<std::size_t>(log.size()), Read(path_).size());
}

TEST_F(CriLogWriterTest, CreatesParentDirsAndUsesMode0640) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(CriLogWriterTest, HoldsAPartialLineUntilItsNewline) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  log.Write(LogStream::kStdout, "abc", 3);
  EXPECT_TRUE(log.HasPending(LogStream::kStdout));
  EXPECT_EQ(Read(path_), "");
  log.Write(LogStream::kStdout, "def\nxy", 6);
  EXPECT_THAT(Lines(Read(path_)), ElementsAre(Entry("stdout", "F", "abcdef")));
  EXPECT_TRUE(log.HasPending(LogStream::kStdout));
}

TEST_F(CriLogWriterTest, FlushPartialWritesPThenTheRestAsF) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  log.Write(LogStream::kStdout, "Password: ", 10);
  log.FlushPartial(LogStream::kStdout);
  EXPECT_FALSE(log.HasPending(LogStream::kStdout));
  log.Write(LogStream::kStdout, "ok\n", 3);
  EXPECT_THAT(Lines(Read(path_)),
              ElementsAre(Entry("stdout", "P", "Password: "), Entry("stdout", "F", "ok")));
}

TEST_F(CriLogWriterTest, StreamsKeepTheirOwnPartialLines) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  log.Write(LogStream::kStdout, "a", 1);
  log.Write(LogStream::kStderr, "b\n", 2);
  log.Write(LogStream::kStdout, "c\n", 2);
  EXPECT_THAT(Lines(Read(path_)),
              ElementsAre(Entry("stderr", "F", "b"), Entry("stdout", "F", "ac")));
}

TEST_F(CriLogWriterTest, SplitsLongLinesIntoPiecesEndingWithF) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  const std::string line = std::string(kMaxLogLine, 'a') + std::string(kMaxLogLine, 'b') + "tail";
  const std::string data = line + "\n";
  log.Write(LogStream::kStdout, data.data(), data.size());
  EXPECT_THAT(Lines(Read(path_)), ElementsAre(Entry("stdout", "P", std::string(kMaxLogLine, 'a')),
                                              Entry("stdout", "P", std::string(kMaxLogLine, 'b')),
                                              Entry("stdout", "F", "tail")));
}

TEST_F(CriLogWriterTest, LongLineAcrossReadsIsSplitWhenTheBufferOverflows) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  const std::string first(10000, 'x');
  const std::string second(10000, 'y');
  log.Write(LogStream::kStderr, first.data(), first.size());
  EXPECT_EQ(Read(path_), "");
  log.Write(LogStream::kStderr, second.data(), second.size());
  log.Write(LogStream::kStderr, "\n", 1);
  const std::string all = first + second;
  EXPECT_THAT(Lines(Read(path_)), ElementsAre(Entry("stderr", "P", all.substr(0, kMaxLogLine)),
                                              Entry("stderr", "F", all.substr(kMaxLogLine))));
}

TEST_F(CriLogWriterTest, ExactlyFullBufferStaysHeldUntilTheNewline) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  const std::string line(kMaxLogLine, 'z');
  log.Write(LogStream::kStdout, line.data(), line.size());
  log.Write(LogStream::kStdout, "\n", 1);
  EXPECT_THAT(Lines(Read(path_)), ElementsAre(Entry("stdout", "F", line)));
}

TEST_F(CriLogWriterTest, EndStreamWritesTheLeftoverAsF) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  log.Write(LogStream::kStdout, "no newline", 10);
  log.EndStream(LogStream::kStdout);
  // A line already written as P gets an empty F so that readers join it.
  log.Write(LogStream::kStderr, "half", 4);
  log.FlushPartial(LogStream::kStderr);
  log.EndStream(LogStream::kStderr);
  // Nothing open: nothing written.
  log.EndStream(LogStream::kStdout);
  EXPECT_THAT(Lines(Read(path_)),
              ElementsAre(Entry("stdout", "F", "no newline"), Entry("stderr", "P", "half"),
                          Entry("stderr", "F", "")));
}

TEST_F(CriLogWriterTest, EachCallIsStampedWithTheClock) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  log.Write(LogStream::kStdout, "one\n", 4);
  g_now = WallTime{1475712930, 123456789, 3600};
  log.Write(LogStream::kStdout, "two\n", 4);
  EXPECT_THAT(Lines(Read(path_)), ElementsAre(Entry("stdout", "F", "one"),
                                              "2016-10-06T01:15:30.123456789+01:00 stdout F two"));
}

TEST_F(CriLogWriterTest, RotatesSoTheFileNeverExceedsLogSizeMax) {
  constexpr std::int64_t kMax = 1024;
  CriLogWriter log(path_.c_str(), kMax, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  int rotations = 0;
  std::uintmax_t previous = 0;
  std::string last;
  for (int i = 0; i < 200; ++i) {
    last = "line number " + std::to_string(i);
    const std::string data = last + "\n";
    log.Write(LogStream::kStdout, data.data(), data.size());
    const std::uintmax_t size = std::filesystem::file_size(path_);
    ASSERT_LE(size, static_cast<std::uintmax_t>(kMax)) << "after line " << i;
    if (size < previous) {
      ++rotations;
      // The entry that did not fit starts the new file.
      EXPECT_THAT(Lines(Read(path_)), ElementsAre(Entry("stdout", "F", last)));
    }
    previous = size;
  }
  EXPECT_GT(rotations, 5);
  EXPECT_EQ(Lines(Read(path_)).back(), Entry("stdout", "F", last));
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
}

TEST_F(CriLogWriterTest, RotationCountsWhatTheFileHeldBeforeOpen) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  std::ofstream(path_) << std::string(1000, 'o') << "\n";
  CriLogWriter log(path_.c_str(), 1024, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  EXPECT_EQ(log.size(), 1001);
  log.Write(LogStream::kStdout, "next\n", 5);
  EXPECT_THAT(Lines(Read(path_)), ElementsAre(Entry("stdout", "F", "next")));
}

TEST_F(CriLogWriterTest, EntriesLargerThanLogSizeMaxAreCutToFit) {
  constexpr std::int64_t kMax = 1024;
  CriLogWriter log(path_.c_str(), kMax, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  const std::string data = std::string(3000, 'q') + "\n";
  log.Write(LogStream::kStdout, data.data(), data.size());
  ASSERT_LE(std::filesystem::file_size(path_), static_cast<std::uintmax_t>(kMax));
  // Header "<30-byte time> stdout F " is 40 bytes, so each piece carries 983.
  const std::vector<std::string> lines = Lines(Read(path_));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], Entry("stdout", "F", std::string(3000 - 3 * 983, 'q')));
}

TEST_F(CriLogWriterTest, ReopenStartsANewFileAfterTheOldOneWasMoved) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  log.Write(LogStream::kStdout, "before\n", 7);
  const std::string rotated = path_ + ".20240101";
  ASSERT_EQ(std::rename(path_.c_str(), rotated.c_str()), 0);
  // Until the reopen, output still goes to the moved file.
  log.Write(LogStream::kStdout, "moved\n", 6);
  ASSERT_EQ(log.Reopen(), 0);
  log.Write(LogStream::kStdout, "after\n", 6);
  EXPECT_THAT(Lines(Read(rotated)),
              ElementsAre(Entry("stdout", "F", "before"), Entry("stdout", "F", "moved")));
  EXPECT_THAT(Lines(Read(path_)), ElementsAre(Entry("stdout", "F", "after")));
  EXPECT_EQ(log.size(), static_cast<std::int64_t>(Read(path_).size()));
}

TEST_F(CriLogWriterTest, ReopenFailureKeepsTheOldFile) {
  CriLogWriter log(path_.c_str(), 0, FakeClock);
  ASSERT_EQ(log.Open(), 0);
  const std::string dir = std::filesystem::path(path_).parent_path();
  std::filesystem::remove(path_);
  std::filesystem::remove(dir);
  // A regular file where the directory was: the parent cannot be made again.
  std::ofstream(dir) << "x";
  EXPECT_NE(log.Reopen(), 0);
}

TEST_F(CriLogWriterTest, OpenReportsAnErrno) {
  std::ofstream(dir_ + "/file") << "x";
  const std::string bad = dir_ + "/file/sub/0.log";
  CriLogWriter log(bad.c_str(), 0, FakeClock);
  EXPECT_EQ(log.Open(), ENOTDIR);
  // Writing without a file does nothing, and does not crash.
  log.Write(LogStream::kStdout, "lost\n", 5);
}

}  // namespace
}  // namespace crio::monitor
