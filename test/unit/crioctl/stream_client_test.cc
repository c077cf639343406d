// The exec/attach WebSocket client against the real streaming server and its fake
// backend, and the pure pieces: URLs, exit statuses, the detach keys.

#include "stream_client.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "stream_test_util.h"

namespace crio::ctl {
namespace {

using ::crio::ctl::testing::Pipe;
using ::crio::ctl::testing::StreamingFixture;

class StreamClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(fixture_.server, nullptr); }

  RemoteCommandOptions Options() {
    RemoteCommandOptions options;
    options.out = &out_;
    options.err = &err_;
    return options;
  }

  StreamingFixture fixture_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(StreamClientTest, ExecCopiesOutputAndEndsWithSuccess) {
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"echo", "hello", "world"}), Options());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 0);
  EXPECT_EQ(ended->protocol, kProtocolV5) << "the newest protocol both sides speak";
  EXPECT_EQ(out_.str(), "hello world\n");
  EXPECT_EQ(err_.str(), "to stderr\n");
  EXPECT_EQ(fixture_.backend.last_exec().container_id, "c1");
}

TEST_F(StreamClientTest, ANonZeroExitCodeIsTheResult) {
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"exit", "42"}), Options());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 42);
  EXPECT_EQ(out_.str(), "");
}

TEST_F(StreamClientTest, ACommandThatCannotRunIsAnErrorWithTheServersMessage) {
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"fail"}), Options());
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(ended.status().message(), "Internal error occurred: container \"c1\" is not running");
}

TEST_F(StreamClientTest, StdinIsPipedAndItsEndClosesTheCommandsStdin) {
  Pipe in;
  ASSERT_TRUE(in.Write("line one\n"));
  ASSERT_TRUE(in.Write("line two\n"));
  in.write_end.Reset();
  RemoteCommandOptions options = Options();
  options.stdin = true;
  options.stdin_fd = in.read_end.get();
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"cat"}, /*stdin=*/true), options);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 0);
  EXPECT_EQ(out_.str(), "line one\nline two\n");
}

TEST_F(StreamClientTest, LargeStdinArrivesWhole) {
  // More than the client keeps in flight and the server buffers: flow control both ways.
  std::string data;
  for (int i = 0; data.size() < 3 * 1024 * 1024; ++i) data += std::to_string(i) + "\n";
  Pipe in;
  std::thread writer([&] {
    in.Write(data);
    in.write_end.Reset();
  });
  RemoteCommandOptions options = Options();
  options.stdin = true;
  options.stdin_fd = in.read_end.get();
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"cat"}, true), options);
  writer.join();
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(out_.str().size(), data.size());
  EXPECT_TRUE(out_.str() == data);
}

TEST_F(StreamClientTest, AServerWithoutV5IsSpokenToInV4) {
  RemoteCommandOptions options = Options();
  options.protocols = {kProtocolV4};
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"exit", "3"}), options);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->protocol, kProtocolV4);
  EXPECT_EQ(ended->exit_code, 3);
}

TEST_F(StreamClientTest, AttachConnectsToTheContainersStdio) {
  Pipe in;
  ASSERT_TRUE(in.Write("typed\n"));
  in.write_end.Reset();
  RemoteCommandOptions options = Options();
  options.stdin = true;
  options.stdin_fd = in.read_end.get();
  const auto ended = RunRemoteCommand(fixture_.AttachUrl("c2", /*stdin=*/true), options);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 0);
  EXPECT_EQ(out_.str(), "attached to c2\ntyped\n");
}

TEST_F(StreamClientTest, ATerminalGetsItsSizeAtTheStartAndOnSigwinch) {
  RemoteCommandOptions options = Options();
  options.tty = true;
  options.handle_signals = true;
  std::atomic<int> calls{0};
  options.terminal_size = [&calls]() -> std::optional<TerminalSize> {
    return ++calls == 1 ? TerminalSize{80, 24} : TerminalSize{132, 50};
  };
  // SIGWINCH is ignored by default, so sending it before the session takes it is
  // harmless; it is sent until the session is over.
  std::atomic<bool> over{false};
  std::thread resizer([&] {
    while (!over) {
      ::kill(::getpid(), SIGWINCH);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"resize"}, false, /*tty=*/true), options);
  over = true;
  resizer.join();
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 0);
  EXPECT_EQ(out_.str(), "80x24\n132x50\n");
  EXPECT_TRUE(fixture_.backend.last_exec().tty);
}

TEST_F(StreamClientTest, TheDetachKeysEndTheSessionWithoutAnExitStatus) {
  Pipe in;
  ASSERT_TRUE(in.Write("abc\x10\x11"));  // Ctrl-P Ctrl-Q; the pipe stays open
  RemoteCommandOptions options = Options();
  options.stdin = true;
  options.tty = true;
  options.detach_keys = true;
  options.stdin_fd = in.read_end.get();
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"cat"}, true, true), options);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_TRUE(ended->detached);
  EXPECT_EQ(ended->exit_code, 0);
}

TEST_F(StreamClientTest, AUsedUrlIsRefusedClearly) {
  const std::string url = fixture_.ExecUrl({"echo", "x"});
  ASSERT_TRUE(RunRemoteCommand(url, Options()).ok());
  const auto again = RunRemoteCommand(url, Options());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kNotFound);
  const std::string message(again.status().message());
  EXPECT_NE(message.find("refused /exec/...: 404 Not Found"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown, expired or already used"), std::string::npos) << message;
  EXPECT_EQ(message.find(url.substr(url.rfind('/') + 1)), std::string::npos)
      << "the token is not printed: " << message;
}

TEST_F(StreamClientTest, NoServerIsUnavailable) {
  const auto ended = RunRemoteCommand(
      "http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/exec/abc", Options());
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(ended.status().message().find("connecting to the streaming server at 127.0.0.1:"),
            std::string::npos)
      << ended.status();
}

TEST(ParseStreamUrlTest, SplitsHostPortAndTarget) {
  auto url = ParseStreamUrl("http://127.0.0.1:4321/exec/tok?port=80");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "4321");
  EXPECT_EQ(url->target, "/exec/tok?port=80");

  url = ParseStreamUrl("http://[::1]:9/attach/t");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "9");

  url = ParseStreamUrl("http://node");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->target, "/");

  url = ParseStreamUrl("/exec/tok");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "10250") << "crictl's default: the kubelet";
}

TEST(ParseStreamUrlTest, RefusesWhatItCannotReach) {
  EXPECT_EQ(ParseStreamUrl("https://127.0.0.1:1/exec/t").status().code(),
            absl::StatusCode::kUnimplemented);
  for (const char* bad : {"", "ftp://x/", "http://", "http://:80/x", "http://h:0/x",
                          "http://h:99999/x", "http://h:x/", "http://u@h/x", "http://[::1/x"}) {
    EXPECT_EQ(ParseStreamUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(WithPortQueryTest, AddsToTheQuery) {
  EXPECT_EQ(WithPortQuery("http://h:1/portforward/t", 80), "http://h:1/portforward/t?port=80");
  EXPECT_EQ(WithPortQuery("http://h:1/p/t?a=b", 8080), "http://h:1/p/t?a=b&port=8080");
}

TEST(ExitCodeFromStatusTest, ReadsTheKubernetesStatus) {
  EXPECT_EQ(ExitCodeFromStatus(R"({"metadata":{},"status":"Success"})").value_or(-1), 0);
  EXPECT_EQ(
      ExitCodeFromStatus(R"({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[)"
                         R"({"reason":"ExitCode","message":"137"}]}})")
          .value_or(-1),
      137);

  const auto internal = ExitCodeFromStatus(
      R"({"status":"Failure","message":"Internal error occurred: boom","reason":"InternalError"})");
  EXPECT_EQ(internal.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(internal.status().message(), "Internal error occurred: boom");

  // A NonZeroExitCode without a readable code is a failure with its message.
  EXPECT_EQ(ExitCodeFromStatus(R"({"status":"Failure","reason":"NonZeroExitCode","message":"m"})")
                .status()
                .message(),
            "m");
  EXPECT_EQ(ExitCodeFromStatus("not json").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExitCodeFromStatus("[1]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExitCodeFromStatus(R"({"status":7})").status().code(), absl::StatusCode::kUnknown);
}

TEST(DetachKeyFilterTest, StopsAtCtrlPCtrlQ) {
  DetachKeyFilter filter;
  EXPECT_EQ(filter.Feed("ls\r"), "ls\r");
  EXPECT_EQ(filter.Feed("x\x10\x11y"), "x");
  EXPECT_TRUE(filter.detached());
  EXPECT_EQ(filter.Feed("more"), "");
}

TEST(DetachKeyFilterTest, TheKeysMaySpanReadsAndALoneCtrlPPasses) {
  DetachKeyFilter filter;
  EXPECT_EQ(filter.Feed("a\x10"), "a");
  EXPECT_EQ(filter.Feed("b"),
            "\x10"
            "b");
  EXPECT_EQ(filter.Feed("\x10\x10"), "\x10");
  EXPECT_FALSE(filter.detached());
  EXPECT_EQ(filter.Feed("\x11"), "");
  EXPECT_TRUE(filter.detached());
}

}  // namespace
}  // namespace crio::ctl
