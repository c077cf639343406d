// The streaming server over loopback against a fake backend, driven by a Beast
// WebSocket client (this file) and by a SPDY client (spdy_server_test.cc).

#include "crio/streaming/server.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "fake_backend.h"
#include "stream_clients.h"

namespace crio::streaming {
namespace {

using testing::HttpStatus;
using testing::Message;
using testing::WebSocketStatus;
using testing::WsClient;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

class StreamingServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = Server::Start(ServerOptions{}, backend_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = std::move(*started);
  }

  std::string ExecUrl(std::vector<std::string> cmd, bool stdin = false, bool tty = false) {
    ExecSpec spec;
    spec.container_id = "c1";
    spec.cmd = std::move(cmd);
    spec.stdin = stdin;
    spec.stdout = true;
    spec.stderr = !tty;
    spec.tty = tty;
    auto url = server_->UrlFor(spec);
    EXPECT_TRUE(url.ok()) << url.status();
    return url.value_or("");
  }

  testing::FakeBackend backend_;
  std::unique_ptr<Server> server_;
};

TEST_F(StreamingServerTest, TheBaseUrlHasTheBoundPort) {
  const std::string base = server_->BaseUrl();
  ASSERT_EQ(base.rfind("http://127.0.0.1:", 0), 0u) << base;
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(base.substr(base.rfind(':') + 1), &port));
  EXPECT_GT(port, 0);
}

TEST_F(StreamingServerTest, ExecOverV4ReportsOutputThenSuccess) {
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl({"echo", "hello"}), "v4.channel.k8s.io"));
  EXPECT_EQ(client.negotiated(), "v4.channel.k8s.io");
  const auto first = client.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->channel, 1) << "the empty first message goes to stdout";
  EXPECT_EQ(first->data, "");
  auto all = client.ReadAll();
  EXPECT_EQ(all[1], "hello\n");
  EXPECT_EQ(all[2], "to stderr\n");
  EXPECT_EQ(nlohmann::json::parse(all[3])["status"], "Success");
  EXPECT_EQ(backend_.last_exec().container_id, "c1");
}

TEST_F(StreamingServerTest, ANonZeroExitCodeIsInTheStatus) {
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl({"exit", "3"}), "v4.channel.k8s.io"));
  auto all = client.ReadAll();
  const auto status = nlohmann::json::parse(all[3]);
  EXPECT_EQ(status["reason"], "NonZeroExitCode");
  EXPECT_EQ(status["details"]["causes"][0]["message"], "3");
}

TEST_F(StreamingServerTest, ABackendErrorIsAnInternalErrorStatus) {
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl({"fail"}), "v4.channel.k8s.io"));
  auto all = client.ReadAll();
  const auto status = nlohmann::json::parse(all[3]);
  EXPECT_EQ(status["reason"], "InternalError");
  EXPECT_NE(status["message"].get<std::string>().find("is not running"), std::string::npos);
}

TEST_F(StreamingServerTest, V1ProtocolReportsOnlyFailuresAsText) {
  WsClient ok_client;
  ASSERT_TRUE(ok_client.Connect(ExecUrl({"echo", "x"}), "channel.k8s.io"));
  auto ok = ok_client.ReadAll();
  EXPECT_EQ(ok.count(3), 0u);
  WsClient failing;
  ASSERT_TRUE(failing.Connect(ExecUrl({"exit", "2"}), ""));
  auto failed = failing.ReadAll();
  EXPECT_NE(failed[3].find("exit status 2"), std::string::npos) << failed[3];
}

TEST_F(StreamingServerTest, StdinReachesTheCommandAndV5ClosesIt) {
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl({"cat"}, /*stdin=*/true), "v5.channel.k8s.io"));
  client.Send(0, "abc");
  client.Send(0, "def\n");
  client.SendRaw(std::string("\xff\x00", 2));
  auto all = client.ReadAll();
  EXPECT_EQ(all[1], "abcdef\n");
  EXPECT_EQ(nlohmann::json::parse(all[3])["status"], "Success");
}

TEST_F(StreamingServerTest, Base64ProtocolCarriesBinaryData) {
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl({"cat"}, true), "v4.base64.channel.k8s.io"));
  EXPECT_EQ(client.negotiated(), "v4.base64.channel.k8s.io");
  client.Send(0, std::string("\x00\x01\xff", 3));
  client.Send(0, "EOF");  // the fake's cat stops at "EOF"
  auto all = client.ReadAll();
  EXPECT_EQ(all[1], std::string("\x00\x01\xff", 3));
}

TEST_F(StreamingServerTest, ResizeEventsReachTheBackend) {
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl({"resize"}, false, /*tty=*/true), "v4.channel.k8s.io"));
  client.Send(4, R"({"Width":80,"Height":24})");
  client.Send(4, R"({"Width":132,)");
  client.Send(4, R"("Height":50})");
  auto all = client.ReadAll();
  EXPECT_EQ(all[1], "80x24\n132x50\n");
  EXPECT_EQ(all.count(2), 0u) << "a tty has no stderr stream";
}

TEST_F(StreamingServerTest, AClientThatLeavesEndsTheCommand) {
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl({"wait-for-gone"}), "v4.channel.k8s.io"));
  ASSERT_TRUE(client.Read().has_value());
  client.Close();
  EXPECT_TRUE(backend_.WaitGoneSeen(std::chrono::seconds(10)));
}

TEST_F(StreamingServerTest, TokensAreSingleUseAndBoundToTheirKind) {
  const std::string url = ExecUrl({"echo", "x"});
  // Used at the wrong path: refused, and consumed (a token is tried once).
  std::string wrong = url;
  wrong.replace(wrong.find("/exec/"), 6, "/attach/");
  EXPECT_EQ(WebSocketStatus(wrong, "v4.channel.k8s.io"), 404);
  EXPECT_EQ(WebSocketStatus(url, "v4.channel.k8s.io"), 404);

  const std::string fresh = ExecUrl({"echo", "x"});
  WsClient first;
  ASSERT_TRUE(first.Connect(fresh, "v4.channel.k8s.io"));
  first.ReadAll();
  EXPECT_EQ(WebSocketStatus(fresh, "v4.channel.k8s.io"), 404);
  EXPECT_EQ(HttpStatus(server_->BaseUrl() + "/exec/notatoken", {}), 404);
  EXPECT_EQ(HttpStatus(server_->BaseUrl() + "/exec/../../etc/passwd", {}), 404);
}

TEST_F(StreamingServerTest, ARequestWithoutUpgradeOrWithAnUnknownProtocolIsRefused) {
  EXPECT_EQ(HttpStatus(ExecUrl({"echo"}), {}), 400);
  EXPECT_EQ(WebSocketStatus(ExecUrl({"echo"}), "v9.channel.k8s.io"), 400);
  EXPECT_EQ(HttpStatus(ExecUrl({"echo"}), {{"Connection", "Upgrade"},
                                           {"Upgrade", "SPDY/3.1"},
                                           {"X-Stream-Protocol-Version", "v9.channel.k8s.io"}}),
            403);
}

TEST_F(StreamingServerTest, AttachUsesTheContainersStreams) {
  AttachSpec spec;
  spec.container_id = "c2";
  spec.stdin = true;
  spec.stdout = true;
  auto url = server_->UrlFor(spec);
  ASSERT_TRUE(url.ok());
  WsClient client;
  ASSERT_TRUE(client.Connect(*url, "v5.channel.k8s.io"));
  client.Send(0, "typed\n");
  client.SendRaw(std::string("\xff\x00", 2));
  auto all = client.ReadAll();
  EXPECT_EQ(all[1], "attached to c2\ntyped\n");
  EXPECT_EQ(nlohmann::json::parse(all[3])["status"], "Success");
}

TEST_F(StreamingServerTest, PortForwardOverWebSocketPairsChannelsWithPorts) {
  PortForwardSpec spec;
  spec.pod_id = "pod1";
  auto url = server_->UrlFor(spec);
  ASSERT_TRUE(url.ok());
  WsClient client;
  const std::string query = absl::StrCat("?port=", backend_.echo_port(), "&port=9");
  ASSERT_TRUE(client.Connect(*url, "v4.channel.k8s.io", query));
  const std::string echo_port_bytes{static_cast<char>(backend_.echo_port() & 0xff),
                                    static_cast<char>(backend_.echo_port() >> 8)};
  std::map<int, std::string> firsts;
  for (int i = 0; i < 5; ++i) {  // 4 port announcements and one error, in some order
    auto message = client.Read();
    ASSERT_TRUE(message.has_value());
    firsts[message->channel] += message->data;
  }
  EXPECT_EQ(firsts[0], echo_port_bytes);
  EXPECT_EQ(firsts[1], echo_port_bytes);
  EXPECT_EQ(firsts[2], std::string("\x09\x00", 2));
  EXPECT_EQ(firsts[3].substr(0, 2), std::string("\x09\x00", 2));
  EXPECT_NE(firsts[3].find("error forwarding port 9 to pod pod1"), std::string::npos) << firsts[3];
  client.Send(0, "ping");
  std::string echoed;
  while (echoed.size() < 4) {
    auto message = client.Read();
    ASSERT_TRUE(message.has_value());
    ASSERT_EQ(message->channel, 0);
    echoed += message->data;
  }
  EXPECT_EQ(echoed, "ping");
  client.Close();
}

TEST_F(StreamingServerTest, StopEndsLiveSessions) {
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl({"wait-for-gone"}), "v4.channel.k8s.io"));
  ASSERT_TRUE(client.Read().has_value());
  server_->Stop();
  EXPECT_TRUE(backend_.WaitGoneSeen(std::chrono::seconds(10)));
  EXPECT_FALSE(client.Read().has_value());
}

}  // namespace
}  // namespace crio::streaming
