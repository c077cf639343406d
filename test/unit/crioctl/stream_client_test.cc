// The exec/attach client against the real streaming server and its fake backend, over
// both transports (SPDY and WebSocket) and over TLS, and the pure pieces: URLs,
// transports, exit statuses, the detach keys.

#include "stream_client.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "stream_test_util.h"
#include "tls_proxy.h"

namespace crio::ctl {
namespace {

using ::crio::ctl::testing::Pipe;
using ::crio::ctl::testing::StreamingFixture;

std::string TransportName(const ::testing::TestParamInfo<StreamTransport>& info) {
  return info.param == StreamTransport::kSpdy ? "Spdy" : "WebSocket";
}

// Each test runs over SPDY and over a WebSocket (the parameter).
class StreamClientTest : public ::testing::TestWithParam<StreamTransport> {
 protected:
  void SetUp() override { ASSERT_NE(fixture_.server, nullptr); }

  RemoteCommandOptions Options() {
    RemoteCommandOptions options;
    options.transport = GetParam();
    options.out = &out_;
    options.err = &err_;
    return options;
  }

  bool spdy() const { return GetParam() == StreamTransport::kSpdy; }

  StreamingFixture fixture_;
  std::ostringstream out_;
  std::ostringstream err_;
};

INSTANTIATE_TEST_SUITE_P(Transports, StreamClientTest,
                         ::testing::Values(StreamTransport::kSpdy, StreamTransport::kWebSocket),
                         TransportName);

TEST_P(StreamClientTest, ExecCopiesOutputAndEndsWithSuccess) {
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"echo", "hello", "world"}), Options());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 0);
  // The newest protocol both sides speak: v5 adds nothing to SPDY, which kubectl and
  // crictl speak in v4.
  EXPECT_EQ(ended->protocol, spdy() ? kProtocolV4 : kProtocolV5);
  EXPECT_EQ(out_.str(), "hello world\n");
  EXPECT_EQ(err_.str(), "to stderr\n");
  EXPECT_EQ(fixture_.backend.last_exec().container_id, "c1");
}

TEST_P(StreamClientTest, ANonZeroExitCodeIsTheResult) {
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"exit", "42"}), Options());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 42);
  EXPECT_EQ(out_.str(), "");
}

TEST_P(StreamClientTest, ACommandThatCannotRunIsAnErrorWithTheServersMessage) {
  const auto ended = RunRemoteCommand(fixture_.ExecUrl({"fail"}), Options());
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(ended.status().message(), "Internal error occurred: container \"c1\" is not running");
}

TEST_P(StreamClientTest, StdinIsPipedAndItsEndClosesTheCommandsStdin) {
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

TEST_P(StreamClientTest, LargeStdinArrivesWhole) {
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
  ASSERT_TRUE(ended.ok()) << ended.status() << " after " << out_.str().size() << " bytes";
  EXPECT_EQ(out_.str().size(), data.size());
  EXPECT_TRUE(out_.str() == data);
}

TEST_P(StreamClientTest, AServerThatPicksAnOlderProtocolIsSpokenToInIt) {
  // WebSocket v4 cannot end stdin; SPDY v3 ends with text instead of a status object.
  const std::string older = spdy() ? kProtocolV3 : kProtocolV4;
  RemoteCommandOptions options = Options();
  options.protocols = {older};
  auto ended = RunRemoteCommand(fixture_.ExecUrl({"exit", "3"}), options);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->protocol, older);
  EXPECT_EQ(ended->exit_code, 3);
  ended = RunRemoteCommand(fixture_.ExecUrl({"echo", "x"}), options);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 0);
  EXPECT_EQ(out_.str(), "x\n");
  const auto failed = RunRemoteCommand(fixture_.ExecUrl({"fail"}), options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnknown);
  EXPECT_NE(failed.status().message().find("container \"c1\" is not running"), std::string::npos)
      << failed.status();
}

TEST_P(StreamClientTest, AttachConnectsToTheContainersStdio) {
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

TEST_P(StreamClientTest, ATerminalGetsItsSizeAtTheStartAndOnSigwinch) {
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

TEST_P(StreamClientTest, TheDetachKeysEndTheSessionWithoutAnExitStatus) {
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

TEST_P(StreamClientTest, AUsedUrlIsRefusedClearly) {
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

TEST_P(StreamClientTest, NoServerIsUnavailable) {
  const auto ended = RunRemoteCommand(
      "http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/exec/abc", Options());
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(ended.status().message().find("connecting to the streaming server at 127.0.0.1:"),
            std::string::npos)
      << ended.status();
}

TEST_P(StreamClientTest, AnHttpsServerIsReachedWithoutVerifyingItsCertificate) {
  // The server's CA is trusted nowhere: a client that verified it would fail.
  StreamingFixture tls(/*tls=*/true);
  ASSERT_NE(tls.server, nullptr);
  std::string url = tls.ExecUrl({"echo", "over", "tls"});
  ASSERT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;
  auto ended = RunRemoteCommand(url, Options());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 0);
  EXPECT_EQ(out_.str(), "over tls\n");
  EXPECT_EQ(err_.str(), "to stderr\n");

  Pipe in;
  ASSERT_TRUE(in.Write("typed\n"));
  in.write_end.Reset();
  RemoteCommandOptions options = Options();
  options.stdin = true;
  options.stdin_fd = in.read_end.get();
  ended = RunRemoteCommand(tls.ExecUrl({"cat"}, /*stdin=*/true), options);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->exit_code, 0);
  EXPECT_EQ(out_.str(), "over tls\ntyped\n");
}

TEST_P(StreamClientTest, TheTlsServerNameIsTheHostNeverAnAddress) {
  testing::TlsProxy proxy(testing::PortOf(fixture_.server->BaseUrl()));
  ASSERT_NE(proxy.port(), 0);
  for (const char* host : {"localhost", "127.0.0.1"}) {
    const auto ended =
        RunRemoteCommand(proxy.Https(fixture_.ExecUrl({"exit", "9"}), host), Options());
    ASSERT_TRUE(ended.ok()) << host << ": " << ended.status();
    EXPECT_EQ(ended->exit_code, 9) << host;
  }
  const std::vector<std::string> want = {"localhost", ""};
  EXPECT_EQ(proxy.server_names(), want) << "RFC 6066: no address as server name";
}

TEST_P(StreamClientTest, AnHttpsUrlToAPlainServerFailsItsHandshake) {
  std::string url = fixture_.ExecUrl({"echo", "x"});
  url.replace(0, 4, "https");
  const auto ended = RunRemoteCommand(url, Options());
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(ended.status().message().find("TLS handshake with the streaming server at 127.0.0.1:"),
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

  EXPECT_FALSE(url->tls);

  url = ParseStreamUrl("/exec/tok");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "10250") << "crictl's default: the kubelet";
  EXPECT_FALSE(url->tls);
}

TEST(ParseStreamUrlTest, TakesHttps) {
  auto url = ParseStreamUrl("https://node.example:10250/exec/tok");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "node.example");
  EXPECT_EQ(url->port, "10250");
  EXPECT_EQ(url->target, "/exec/tok");
  url = ParseStreamUrl("https://[fd00::1]/portforward/t");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "fd00::1");
  EXPECT_EQ(url->port, "443");
}

TEST(ParseStreamUrlTest, RefusesWhatItCannotReach) {
  for (const char* bad :
       {"", "ftp://x/", "http://", "https://", "http://:80/x", "http://h:0/x", "http://h:99999/x",
        "http://h:x/", "http://u@h/x", "http://[::1/x", "https://h:0/x"}) {
    EXPECT_EQ(ParseStreamUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseStreamTransportTest, ReadsCrictlsNames) {
  EXPECT_EQ(ParseStreamTransport("spdy").value(), StreamTransport::kSpdy);
  EXPECT_EQ(ParseStreamTransport("websocket").value(), StreamTransport::kWebSocket);
  for (const char* bad : {"", "SPDY", "ws", "http"}) {
    const auto parsed = ParseStreamTransport(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(parsed.status().message(),
              std::string("unknown transport \"") + bad + "\": expected spdy or websocket");
  }
}

TEST(ChannelProtocolVersionTest, ReadsTheNumber) {
  EXPECT_EQ(ChannelProtocolVersion(kProtocolV5), 5);
  EXPECT_EQ(ChannelProtocolVersion(kProtocolV4), 4);
  EXPECT_EQ(ChannelProtocolVersion(kProtocolV2), 2);
  EXPECT_EQ(ChannelProtocolVersion(kProtocolV1), 1);
  for (const char* other : {"", "portforward.k8s.io", "v4.base64.channel.k8s.io",
                            "vx.channel.k8s.io", "v0.channel.k8s.io", "xchannel.k8s.io"}) {
    EXPECT_EQ(ChannelProtocolVersion(other), 0) << other;
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
