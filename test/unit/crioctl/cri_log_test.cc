#include "cri_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "fake_cri_server.h"
#include "log_reader.h"

namespace crio::ctl {
namespace {

using ::crio::ctl::testing::TempDir;

constexpr std::int64_t kSecond = 1'000'000'000;
// 2016-10-06T00:17:09Z
constexpr std::int64_t kT0 = 1475713029LL * kSecond;

TEST(Rfc3339Test, ParsesFractionsAndZones) {
  auto utc = ParseRfc3339("2016-10-06T00:17:09.669794202Z");
  ASSERT_TRUE(utc.ok()) << utc.status();
  EXPECT_EQ(utc->unix_nanos, kT0 + 669794202);
  EXPECT_EQ(utc->utc_offset_seconds, 0);

  auto no_fraction = ParseRfc3339("2016-10-06T00:17:09Z");
  ASSERT_TRUE(no_fraction.ok());
  EXPECT_EQ(no_fraction->unix_nanos, kT0);

  auto zoned = ParseRfc3339("2016-10-06T02:17:09.5+02:00");
  ASSERT_TRUE(zoned.ok());
  EXPECT_EQ(zoned->unix_nanos, kT0 + 500000000);
  EXPECT_EQ(zoned->utc_offset_seconds, 7200);

  for (const char* bad : {"", "2016-10-06", "2016-10-06T00:17:09", "2016-13-06T00:17:09Z",
                          "2016-10-06T00:17:09.Z", "2016-10-06T00:17:09.1234567890Z",
                          "2016-10-06T00:17:09+0200", "2016-10-06T00:17:09Zjunk"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(Rfc3339Test, FormatsAsGoRfc3339Nano) {
  EXPECT_EQ(FormatLogTime({kT0 + 669794202, 0}), "2016-10-06T00:17:09.669794202Z");
  EXPECT_EQ(FormatLogTime({kT0 + 100000000, 0}), "2016-10-06T00:17:09.1Z");
  EXPECT_EQ(FormatLogTime({kT0, 0}), "2016-10-06T00:17:09Z");
  EXPECT_EQ(FormatLogTime({kT0 + 500000000, 7200}), "2016-10-06T02:17:09.5+02:00");
  EXPECT_EQ(FormatLogTime({kT0, -5400}), "2016-10-05T22:47:09-01:30");
}

TEST(CriLogLineTest, SplitsTheFields) {
  auto full = ParseCriLogLine("2016-10-06T00:17:09.669794202Z stdout F hello world");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->stream, LogStream::kStdout);
  EXPECT_FALSE(full->partial);
  EXPECT_EQ(full->content, "hello world");

  auto partial = ParseCriLogLine("2016-10-06T00:17:09Z stderr P part ");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->stream, LogStream::kStderr);
  EXPECT_TRUE(partial->partial);
  EXPECT_EQ(partial->content, "part ");

  auto empty = ParseCriLogLine("2016-10-06T00:17:09Z stdout F ");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->content, "");

  // Tags after ':' are for later extensions.
  auto tagged = ParseCriLogLine("2016-10-06T00:17:09Z stdout P:extra x");
  ASSERT_TRUE(tagged.ok());
  EXPECT_TRUE(tagged->partial);
  EXPECT_EQ(tagged->content, "x");
}

TEST(CriLogLineTest, RejectsMalformedLines) {
  for (const char* bad : {"", "garbage", "2016-10-06T00:17:09Z", "2016-10-06T00:17:09Z stdout",
                          "2016-10-06T00:17:09Z stdout F", "2016-10-06T00:17:09Z stdin F x",
                          "2016-10-06T00:17:09Z stdout X x", "yesterday stdout F x",
                          "{\"log\":\"docker json\\n\",\"stream\":\"stdout\"}"}) {
    EXPECT_FALSE(ParseCriLogLine(bad).ok()) << bad;
  }
}

TEST(CriLogAssemblerTest, JoinsPiecesPerStream) {
  const std::string text =
      "2016-10-06T00:17:09Z stdout P abc\n"
      "2016-10-06T00:17:10Z stderr F oops\n"
      "2016-10-06T00:17:11Z stdout P def\n"
      "not a log line\n"
      "2016-10-06T00:17:12Z stdout F ghi\n"
      "2016-10-06T00:17:13Z stdout F second\n"
      "2016-10-06T00:17:14Z stderr P unfinished";
  const auto lines = ParseCriLog(text);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], (LogLine{{kT0 + kSecond, 0}, LogStream::kStderr, "oops", true}));
  EXPECT_EQ(lines[1], (LogLine{{kT0, 0}, LogStream::kStdout, "abcdefghi", true}));
  EXPECT_EQ(lines[2], (LogLine{{kT0 + 4 * kSecond, 0}, LogStream::kStdout, "second", true}));
  EXPECT_EQ(lines[3], (LogLine{{kT0 + 5 * kSecond, 0}, LogStream::kStderr, "unfinished", false}));

  CriLogAssembler assembler;
  EXPECT_FALSE(assembler.Add("bad"));
  EXPECT_FALSE(assembler.Add("2016-10-06T00:17:09Z stdout Q x"));
  EXPECT_EQ(assembler.malformed(), 2u);
}

TEST(CriLogTest, RendersWithAndWithoutTimestamps) {
  const LogLine line{{kT0 + 100000000, 0}, LogStream::kStdout, "hi", true};
  EXPECT_EQ(RenderLogLine(line, false), "hi\n");
  EXPECT_EQ(RenderLogLine(line, true), "2016-10-06T00:17:09.1Z hi\n");
  EXPECT_EQ(RenderLogLine({{kT0, 0}, LogStream::kStdout, "piece", false}, false), "piece");
}

TEST(TailBufferTest, KeepsTheLastLines) {
  TailBuffer all(-1), none(0), two(2);
  for (int i = 0; i < 5; ++i) {
    const LogLine line{{i, 0}, LogStream::kStdout, std::to_string(i), true};
    all.Push(line);
    none.Push(line);
    two.Push(line);
  }
  EXPECT_EQ(all.Take().size(), 5u);
  EXPECT_TRUE(none.Take().empty());
  const auto last = two.Take();
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].text, "3");
  EXPECT_EQ(last[1].text, "4");
}

TEST(ParseSinceTest, DurationsTimestampsAndUnixSeconds) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  const std::int64_t now_nanos = 1'700'000'000LL * kSecond;
  EXPECT_EQ(*ParseSince("42m", now), now_nanos - 42 * 60 * kSecond);
  EXPECT_EQ(*ParseSince("1h30m", now), now_nanos - 90 * 60 * kSecond);
  EXPECT_EQ(*ParseSince("1.5s", now), now_nanos - kSecond - kSecond / 2);
  EXPECT_EQ(*ParseSince("2016-10-06T00:17:09Z", now), kT0);
  EXPECT_EQ(*ParseSince("1475713029.25", now), kT0 + kSecond / 4);
  auto local = ParseSince("2016-10-06T00:17:09", now);
  ASSERT_TRUE(local.ok()) << local.status();
  struct tm tm {};
  tm.tm_year = 116;
  tm.tm_mon = 9;
  tm.tm_mday = 6;
  tm.tm_hour = 0;
  tm.tm_min = 17;
  tm.tm_sec = 9;
  tm.tm_isdst = -1;
  EXPECT_EQ(*local, static_cast<std::int64_t>(mktime(&tm)) * kSecond);
  EXPECT_FALSE(ParseSince("soon", now).ok());
  EXPECT_FALSE(ParseSince("5 minutes", now).ok());
}

class LogFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& content, const std::string& name = "0.log") {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::trunc) << content;
    return path;
  }

  absl::Status Read(const std::string& path, const LogReadOptions& options) {
    return ReadCriLogFile(path, options, out_, err_, [] { return false; });
  }

  TempDir dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

constexpr char kLog[] =
    "2016-10-06T00:17:09Z stdout F one\n"
    "2016-10-06T00:17:10Z stderr F warn\n"
    "2016-10-06T00:17:11Z stdout P tw\n"
    "2016-10-06T00:17:11Z stdout F o\n"
    "junk\n"
    "2016-10-06T00:17:12Z stdout F three\n"
    "2016-10-06T00:17:13Z stdout F no newline at the end";

TEST_F(LogFileTest, SplitsStreamsAndSkipsMalformedLines) {
  ASSERT_TRUE(Read(Write(kLog), {}).ok());
  EXPECT_EQ(out_.str(), "one\ntwo\nthree\nno newline at the end\n");
  EXPECT_EQ(err_.str(), "warn\n");
}

TEST_F(LogFileTest, TailCountsJoinedLines) {
  LogReadOptions options;
  options.tail = 2;
  ASSERT_TRUE(Read(Write(kLog), options).ok());
  EXPECT_EQ(out_.str(), "three\nno newline at the end\n");
  EXPECT_EQ(err_.str(), "");

  out_.str("");
  options.tail = 4;
  ASSERT_TRUE(Read(Write(kLog), options).ok());
  EXPECT_EQ(out_.str(), "two\nthree\nno newline at the end\n");
  EXPECT_EQ(err_.str(), "warn\n");

  out_.str("");
  err_.str("");
  options.tail = 0;
  ASSERT_TRUE(Read(Write(kLog), options).ok());
  EXPECT_EQ(out_.str() + err_.str(), "");
}

TEST_F(LogFileTest, SinceStreamTimestampsAndLimit) {
  LogReadOptions options;
  options.since_unix_nanos = kT0 + 2 * kSecond;
  options.show_stderr = false;
  options.timestamps = true;
  ASSERT_TRUE(Read(Write(kLog), options).ok());
  EXPECT_EQ(out_.str(),
            "2016-10-06T00:17:11Z two\n2016-10-06T00:17:12Z three\n"
            "2016-10-06T00:17:13Z no newline at the end\n");

  out_.str("");
  LogReadOptions limited;
  limited.limit_bytes = 6;
  ASSERT_TRUE(Read(Write(kLog), limited).ok());
  EXPECT_EQ(out_.str(), "one\n");
  EXPECT_EQ(err_.str(), "wa");
}

TEST_F(LogFileTest, MissingFileIsAnError) {
  const absl::Status status = Read(dir_.path() + "/missing.log", {});
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_NE(status.message().find("missing.log"), std::string::npos);
}

// Collects what the follower prints, safely across threads.
class LockedStream : public std::stringbuf {
 public:
  std::string Text() {
    std::lock_guard lock(mu_);
    return str();
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard lock(mu_);
    return std::stringbuf::xsputn(s, n);
  }
  int sync() override { return 0; }

 private:
  std::mutex mu_;
};

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text << std::flush;
}

TEST_F(LogFileTest, FollowReadsAcrossRotationUntilTheContainerStops) {
  const std::string path = Write("2016-10-06T00:17:09Z stdout F before\n");
  LockedStream out_buffer, err_buffer;
  std::ostream out(&out_buffer), err(&err_buffer);
  std::atomic<bool> running{true};
  LogReadOptions options;
  options.follow = true;
  options.poll_interval = std::chrono::milliseconds(5);
  options.status_interval = std::chrono::milliseconds(5);
  absl::Status status;
  std::thread follower(
      [&] { status = ReadCriLogFile(path, options, out, err, [&] { return running.load(); }); });

  auto wait_for = [&](const std::string& text) {
    for (int i = 0; i < 2000 && out_buffer.Text().find(text) == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return out_buffer.Text().find(text) != std::string::npos;
  };
  ASSERT_TRUE(wait_for("before\n"));
  Append(path, "2016-10-06T00:17:10Z stdout P ap");
  Append(path, "pended half");
  Append(path, "\n2016-10-06T00:17:10Z stdout F pended\n");
  ASSERT_TRUE(wait_for("appended halfpended\n"));

  // Rotation: the file is renamed away and a new one takes its place.
  Append(path, "2016-10-06T00:17:11Z stderr F last words of the old file\n");
  ASSERT_EQ(std::rename(path.c_str(), (path + ".20161006-001711").c_str()), 0);
  Append(path, "2016-10-06T00:17:12Z stdout F in the new file\n");
  ASSERT_TRUE(wait_for("in the new file\n"));

  // Copy-and-truncate rotation: the same file starts over.
  std::ofstream(path, std::ios::trunc) << "2016-10-06T00:17:13Z stdout F after truncate\n";
  ASSERT_TRUE(wait_for("after truncate\n"));

  Append(path, "2016-10-06T00:17:14Z stdout F final\n");
  running = false;
  follower.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(out_buffer.Text(),
            "before\nappended halfpended\nin the new file\nafter truncate\nfinal\n");
  EXPECT_EQ(err_buffer.Text(), "last words of the old file\n");
}

TEST_F(LogFileTest, FollowOfAStoppedContainerPrintsEverythingAndEnds) {
  LogReadOptions options;
  options.follow = true;
  options.tail = 1;
  // When following, a last line without its newline is still being written: --tail
  // counts the finished lines, and that one is printed when it is done (here: at the end).
  ASSERT_TRUE(Read(Write(kLog), options).ok());
  EXPECT_EQ(out_.str(), "three\nno newline at the end\n");

  out_.str("");
  ASSERT_TRUE(Read(Write(std::string(kLog) + "\n"), options).ok());
  EXPECT_EQ(out_.str(), "no newline at the end\n");
}

}  // namespace
}  // namespace crio::ctl
