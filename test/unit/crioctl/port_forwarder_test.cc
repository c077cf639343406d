// crioctl port-forward's engine against the real streaming server, over SPDY and over
// a WebSocket, plain and with TLS: the fake backend's pod "pod1" has an echo server on
// backend.echo_port(). Also the port arguments.

#include "port_forwarder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "stream_test_util.h"

namespace crio::ctl {
namespace {

using ::crio::ctl::testing::ConnectLoopback;
using ::crio::ctl::testing::ReadFor;
using ::crio::ctl::testing::StreamingFixture;

// Each test runs over SPDY and over a WebSocket (the parameter).
class PortForwarderTest : public ::testing::TestWithParam<StreamTransport> {
 protected:
  void SetUp() override { ASSERT_NE(fixture_.server, nullptr); }

  void TearDown() override {
    if (forwarder_) forwarder_->Stop();
    if (runner_.joinable()) runner_.join();
  }

  // Listens for `remote` (a free local port) and runs on a thread of its own.
  void Start(std::uint16_t remote, const std::string& pod_id = "pod1") {
    PortForwardOptions options;
    options.ports = {PortMapping{0, remote}};
    options.transport = GetParam();
    options.out = &out_;
    options.err = &err_;
    options.url_for = [this, pod_id](std::uint16_t) -> absl::StatusOr<std::string> {
      ++urls_;
      if (fail_urls_) return absl::UnavailableError("port forward: no runtime");
      return (tls_fixture_ ? *tls_fixture_ : fixture_).PortForwardUrl(pod_id);
    };
    auto listening = PortForwarder::Listen(std::move(options));
    ASSERT_TRUE(listening.ok()) << listening.status();
    forwarder_ = std::move(*listening);
    ASSERT_EQ(forwarder_->local_ports().size(), 1u);
    local_port_ = forwarder_->local_ports()[0];
    ASSERT_GT(local_port_, 0);
    runner_ = std::thread([this] { run_status_ = forwarder_->Run(); });
  }

  // Stops the forwarder and waits for Run(); out_ and err_ may be read afterwards.
  void Finish() {
    forwarder_->Stop();
    runner_.join();
    EXPECT_TRUE(run_status_.ok()) << run_status_;
  }

  StreamingFixture fixture_;
  std::ostringstream out_;
  std::ostringstream err_;
  std::unique_ptr<PortForwarder> forwarder_;
  std::uint16_t local_port_ = 0;
  std::thread runner_;
  absl::Status run_status_;
  std::atomic<int> urls_{0};
  std::atomic<bool> fail_urls_{false};
  std::unique_ptr<StreamingFixture> tls_fixture_;  // when set, its https URLs are used
};

std::string TransportName(const ::testing::TestParamInfo<StreamTransport>& info) {
  return info.param == StreamTransport::kSpdy ? "Spdy" : "WebSocket";
}

INSTANTIATE_TEST_SUITE_P(Transports, PortForwarderTest,
                         ::testing::Values(StreamTransport::kSpdy, StreamTransport::kWebSocket),
                         TransportName);

TEST_P(PortForwarderTest, EachConnectionReachesThePodsPort) {
  const auto echo = static_cast<std::uint16_t>(fixture_.backend.echo_port());
  Start(echo);
  EXPECT_EQ(out_.str(),
            absl::StrCat("Forwarding from 127.0.0.1:", local_port_, " -> ", echo, "\n"));

  OwnedFd first = ConnectLoopback(local_port_);
  ASSERT_GE(first.get(), 0);
  OwnedFd second = ConnectLoopback(local_port_);
  ASSERT_GE(second.get(), 0);
  ASSERT_EQ(::write(first.get(), "ping", 4), 4);
  ASSERT_EQ(::write(second.get(), "pong!", 5), 5);
  EXPECT_EQ(ReadFor(first.get(), 4), "ping");
  EXPECT_EQ(ReadFor(second.get(), 5), "pong!");
  // Binary data, in several writes.
  const std::string binary("\x00\x01\xff\x02", 4);
  ASSERT_EQ(::write(first.get(), binary.data(), binary.size()), 4);
  EXPECT_EQ(ReadFor(first.get(), 4), binary);
  first.Reset();
  second.Reset();

  Finish();
  EXPECT_EQ(urls_, 2) << "a URL is good for one connection";
  EXPECT_NE(out_.str().find(absl::StrCat("Handling connection for ", local_port_, "\n")),
            std::string::npos)
      << out_.str();
  EXPECT_EQ(err_.str(), "");
}

TEST_P(PortForwarderTest, APortNothingListensOnEndsThatConnectionWithTheError) {
  Start(9);
  OwnedFd conn = ConnectLoopback(local_port_);
  ASSERT_GE(conn.get(), 0);
  EXPECT_EQ(ReadFor(conn.get(), 1), "") << "closed without data";
  conn.Reset();
  Finish();
  const std::string err = err_.str();
  EXPECT_NE(err.find(absl::StrCat("an error occurred forwarding ", local_port_, " -> 9: ")),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("error forwarding port 9 to pod pod1"), std::string::npos) << err;
}

TEST_P(PortForwarderTest, AFailedRpcEndsThatConnectionOnly) {
  const auto echo = static_cast<std::uint16_t>(fixture_.backend.echo_port());
  Start(echo);
  fail_urls_ = true;
  OwnedFd refused = ConnectLoopback(local_port_);
  ASSERT_GE(refused.get(), 0);
  EXPECT_EQ(ReadFor(refused.get(), 1), "");
  fail_urls_ = false;
  OwnedFd next = ConnectLoopback(local_port_);
  ASSERT_GE(next.get(), 0);
  ASSERT_EQ(::write(next.get(), "again", 5), 5);
  EXPECT_EQ(ReadFor(next.get(), 5), "again");
  next.Reset();
  Finish();
  EXPECT_NE(err_.str().find("port forward: no runtime"), std::string::npos) << err_.str();
}

TEST_P(PortForwarderTest, StopEndsOpenConnections) {
  const auto echo = static_cast<std::uint16_t>(fixture_.backend.echo_port());
  Start(echo);
  OwnedFd conn = ConnectLoopback(local_port_);
  ASSERT_GE(conn.get(), 0);
  ASSERT_EQ(::write(conn.get(), "x", 1), 1);
  ASSERT_EQ(ReadFor(conn.get(), 1), "x");
  Finish();
  EXPECT_EQ(ReadFor(conn.get(), 1), "") << "the local connection was closed";
  EXPECT_FALSE(ConnectLoopback(local_port_).get() >= 0) << "no longer listening";
}

TEST_P(PortForwarderTest, HttpsConnectionsGoThroughTls) {
  tls_fixture_ = std::make_unique<StreamingFixture>(/*tls=*/true);
  ASSERT_NE(tls_fixture_->server, nullptr);
  ASSERT_EQ(tls_fixture_->server->BaseUrl().rfind("https://", 0), 0u);
  Start(static_cast<std::uint16_t>(tls_fixture_->backend.echo_port()));
  OwnedFd first = ConnectLoopback(local_port_);
  OwnedFd second = ConnectLoopback(local_port_);
  ASSERT_GE(first.get(), 0);
  ASSERT_GE(second.get(), 0);
  ASSERT_EQ(::write(first.get(), "secret", 6), 6);
  ASSERT_EQ(::write(second.get(), "other", 5), 5);
  EXPECT_EQ(ReadFor(first.get(), 6), "secret");
  EXPECT_EQ(ReadFor(second.get(), 5), "other");
  first.Reset();
  second.Reset();
  Finish();
  EXPECT_EQ(urls_, 2);
  EXPECT_EQ(err_.str(), "");
}

TEST_P(PortForwarderTest, ALocalHalfCloseReachesThePodOverSpdy) {
  const auto echo = static_cast<std::uint16_t>(fixture_.backend.echo_port());
  Start(echo);
  OwnedFd conn = ConnectLoopback(local_port_);
  ASSERT_GE(conn.get(), 0);
  ASSERT_EQ(::write(conn.get(), "last words", 10), 10);
  ASSERT_EQ(::shutdown(conn.get(), SHUT_WR), 0);
  // Read until the end: the echo server closes once it saw ours.
  const std::string answer = ReadFor(conn.get(), 11);
  if (GetParam() == StreamTransport::kSpdy) {
    EXPECT_EQ(answer, "last words") << "the pod's side answers after our end";
  } else {
    EXPECT_LE(answer.size(), 10u) << "a WebSocket cannot close one way: the connection ends";
  }
  conn.Reset();
  Finish();
  EXPECT_EQ(err_.str(), "");
}

TEST_P(PortForwarderTest, APortInUseIsRefusedBeforeAnythingRuns) {
  const auto echo = static_cast<std::uint16_t>(fixture_.backend.echo_port());
  PortForwardOptions options;
  options.ports = {PortMapping{0, 80}, PortMapping{echo, 80}};  // the echo server has it
  options.out = &out_;
  options.url_for = [](std::uint16_t) -> absl::StatusOr<std::string> { return ""; };
  const auto listening = PortForwarder::Listen(std::move(options));
  ASSERT_FALSE(listening.ok());
  EXPECT_EQ(listening.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(listening.status().message().find(absl::StrCat("listening on 127.0.0.1:", echo)),
            std::string::npos)
      << listening.status();
  EXPECT_EQ(out_.str(), "") << "nothing is announced unless every port is bound";
}

TEST(ParsePortMappingsTest, ReadsCrictlsSyntax) {
  const auto mappings = ParsePortMappings({"8080", "9000:80", ":443", "0:53"});
  ASSERT_TRUE(mappings.ok()) << mappings.status();
  const std::vector<PortMapping> want = {{8080, 8080}, {9000, 80}, {0, 443}, {0, 53}};
  EXPECT_EQ(*mappings, want);
}

TEST(ParsePortMappingsTest, RefusesBadPorts) {
  EXPECT_EQ(ParsePortMappings({}).status().message(),
            "port-forward needs at least one [LOCAL_PORT:]REMOTE_PORT");
  EXPECT_EQ(ParsePortMappings({"80", "http"}).status().message(),
            "invalid port \"http\" in \"http\": expected a number from 1 to 65535");
  EXPECT_EQ(ParsePortMappings({"8080:0"}).status().message(),
            "invalid port \"0\" in \"8080:0\": expected a number from 1 to 65535");
  EXPECT_EQ(ParsePortMappings({"1:2:3"}).status().message(),
            "invalid port \"1:2:3\": expected [LOCAL_PORT:]REMOTE_PORT");
  for (const char* bad : {"", "0", "65536", "-1:80", "80:", "x:80", "99999:80"}) {
    EXPECT_EQ(ParsePortMappings({bad}).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace crio::ctl
