// The streaming server's SPDY transport over loopback, driven by a client built on our
// own SPDY session in the client role, the way kubectl's spdystream client behaves:
// one stream per channel, named by "streamtype".

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "crio/spdy/session.h"
#include "crio/streaming/server.h"
#include "fake_backend.h"
#include "stream_clients.h"

namespace crio::streaming {
namespace {

using testing::SpdyClient;

spdy::Headers Type(const std::string& type) { return testing::StreamTypeHeader(type); }

// A port-forward stream's headers, as kubectl sends them.
spdy::Headers PortStream(const std::string& type, const std::string& port,
                         const std::string& request_id) {
  return {{"streamtype", {type}}, {"port", {port}}, {"requestid", {request_id}}};
}

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class SpdyStreamingTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(ServerOptions{}); }
  void StartServer(const ServerOptions& options) {
    server_.reset();
    auto started = Server::Start(options, backend_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = std::move(*started);
  }

  std::string Exec(std::vector<std::string> cmd, bool stdin, bool tty) {
    ExecSpec spec;
    spec.container_id = "c1";
    spec.cmd = std::move(cmd);
    spec.stdin = stdin;
    spec.stdout = true;
    spec.stderr = !tty;
    spec.tty = tty;
    return server_->UrlFor(spec).value();
  }

  testing::FakeBackend backend_;
  std::unique_ptr<Server> server_;
};

TEST_F(SpdyStreamingTest, ExecNegotiatesV4AndStreamsOutputAndStatus) {
  SpdyClient client;
  ASSERT_EQ(client.Connect(Exec({"echo", "hello"}, false, false),
                           {"v4.channel.k8s.io", "v3.channel.k8s.io"}),
            101);
  EXPECT_NE(client.response_head().find("X-Stream-Protocol-Version: v4.channel.k8s.io"),
            std::string::npos)
      << client.response_head();
  const auto error = client.Open(Type("error"));
  const auto out = client.Open(Type("stdout"));
  const auto err = client.Open(Type("stderr"));
  client.PumpToClose();
  EXPECT_TRUE(client.replied(error) && client.replied(out) && client.replied(err));
  EXPECT_EQ(client.received(out), "hello\n");
  EXPECT_EQ(client.received(err), "to stderr\n");
  EXPECT_EQ(nlohmann::json::parse(client.received(error))["status"], "Success");
  EXPECT_TRUE(client.half_closed(error));
  EXPECT_TRUE(client.half_closed(out));
  EXPECT_TRUE(client.goaway());
}

TEST_F(SpdyStreamingTest, ExitCodesReachTheErrorStream) {
  SpdyClient client;
  ASSERT_EQ(client.Connect(Exec({"exit", "7"}, false, false), {"v4.channel.k8s.io"}), 101);
  const auto error = client.Open(Type("error"));
  client.Open(Type("stdout"));
  client.Open(Type("stderr"));
  client.PumpToClose();
  const auto status = nlohmann::json::parse(client.received(error));
  EXPECT_EQ(status["reason"], "NonZeroExitCode");
  EXPECT_EQ(status["details"]["causes"][0]["message"], "7");
}

TEST_F(SpdyStreamingTest, StdinSentBeforeTheRepliesArrivesAndFinEndsIt) {
  SpdyClient client;
  ASSERT_EQ(client.Connect(Exec({"cat"}, true, false), {"v4.channel.k8s.io"}), 101);
  client.Open(Type("error"));
  const auto in = client.Open(Type("stdin"));
  // As kubectl does: stdin data right after the SYN_STREAM, without waiting.
  client.Send(in, "piped ");
  const auto out = client.Open(Type("stdout"));
  client.Open(Type("stderr"));
  client.Send(in, "input\n", /*fin=*/true);
  client.PumpToClose();
  EXPECT_EQ(client.received(out), "piped input\n");
}

// A command that ends while its client is still writing: the server reads and drops
// the rest instead of closing a socket with unread input, whose reset would make the
// client's kernel discard the output and status it has not read yet.
TEST_F(SpdyStreamingTest, OutputSurvivesAClientStillWritingAsTheCommandEnds) {
  SpdyClient client;
  ASSERT_EQ(client.Connect(Exec({"echo", "bye"}, true, false), {"v4.channel.k8s.io"}), 101);
  const auto error = client.Open(Type("error"));
  const auto in = client.Open(Type("stdin"));
  const auto out = client.Open(Type("stdout"));
  client.Open(Type("stderr"));
  const std::string chunk(64 * 1024, 'x');
  bool wrote_all = true;
  try {
    for (int i = 0; i < 48; ++i) {
      client.Send(in, chunk);
      if (i % 8 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (const boost::system::system_error& e) {
    wrote_all = false;
    ADD_FAILURE() << "the server reset the connection: " << e.what();
  }
  client.PumpToClose();
  EXPECT_TRUE(wrote_all);
  EXPECT_EQ(client.received(out), "bye\n");
  EXPECT_EQ(nlohmann::json::parse(client.received(error), nullptr, false).value("status", ""),
            "Success")
      << client.received(error);
}

TEST_F(SpdyStreamingTest, ResizeStreamCarriesTerminalSizes) {
  SpdyClient client;
  ASSERT_EQ(client.Connect(Exec({"resize"}, false, true), {"v4.channel.k8s.io"}), 101);
  client.Open(Type("error"));
  const auto out = client.Open(Type("stdout"));
  const auto resize = client.Open(Type("resize"));
  client.Send(resize, R"({"Width":80,"Height":24})");
  client.Send(resize, R"({"Width":132,"Height":50})");
  client.PumpToClose();
  EXPECT_EQ(client.received(out), "80x24\n132x50\n");
}

TEST_F(SpdyStreamingTest, AClientThatNeverOpensItsStreamsIsDropped) {
  ServerOptions options;
  options.creation_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  SpdyClient client;
  ASSERT_EQ(client.Connect(Exec({"echo", "x"}, false, false), {"v4.channel.k8s.io"}), 101);
  client.Open(Type("error"));  // stdout and stderr never come
  client.PumpToClose();
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(backend_.last_exec().container_id, "") << "the command never ran";
}

TEST_F(SpdyStreamingTest, AClientThatLeavesEndsTheCommand) {
  {
    SpdyClient client;
    ASSERT_EQ(client.Connect(Exec({"wait-for-gone"}, false, false), {"v4.channel.k8s.io"}), 101);
    const auto error = client.Open(Type("error"));
    client.Open(Type("stdout"));
    client.Open(Type("stderr"));
    client.PumpUntil([&] { return client.replied(error); });
  }  // the socket closes here
  EXPECT_TRUE(backend_.WaitGoneSeen(std::chrono::seconds(10)));
}

TEST_F(SpdyStreamingTest, PortForwardPairsStreamsByRequestId) {
  PortForwardSpec spec;
  spec.pod_id = "pod1";
  SpdyClient client;
  ASSERT_EQ(client.Connect(server_->UrlFor(spec).value(), {"portforward.k8s.io"}), 101);
  const std::string echo_port = std::to_string(backend_.echo_port());
  const auto error0 = client.Open(PortStream("error", echo_port, "0"));
  const auto data0 = client.Open(PortStream("data", echo_port, "0"));
  const auto error1 =
      client.Open({{"streamtype", {"error"}}, {"port", {"9"}}, {"requestid", {"1"}}});
  const auto data1 = client.Open({{"streamtype", {"data"}}, {"port", {"9"}}, {"requestid", {"1"}}});
  client.Send(data0, "ping");
  ASSERT_TRUE(client.PumpUntil(
      [&] { return client.received(data0) == "ping" && client.half_closed(error1); }));
  EXPECT_NE(client.received(error1).find("error forwarding port 9 to pod pod1"), std::string::npos)
      << client.received(error1);
  EXPECT_TRUE(client.half_closed(data1));
  EXPECT_TRUE(client.received(error0).empty());
  // The client ends its side: the echo server ends, and so do the pair's streams.
  client.Send(data0, "", /*fin=*/true);
  ASSERT_TRUE(client.PumpUntil([&] { return client.half_closed(data0); }));
}

TEST_F(SpdyStreamingTest, PortForwardIsLimitedToThePortsOfTheRequest) {
  PortForwardSpec spec;
  spec.pod_id = "pod1";
  spec.ports = {9};
  SpdyClient client;
  ASSERT_EQ(client.Connect(server_->UrlFor(spec).value(), {"portforward.k8s.io"}), 101);
  const std::string echo_port = std::to_string(backend_.echo_port());
  const auto error = client.Open(PortStream("error", echo_port, "0"));
  client.Open(PortStream("data", echo_port, "0"));
  ASSERT_TRUE(client.PumpUntil([&] { return client.half_closed(error); }));
  EXPECT_NE(client.received(error).find("not named by the PortForward request"), std::string::npos);
}

TEST_F(SpdyStreamingTest, PortForwardDropsAPairWhoseSecondStreamNeverComes) {
  ServerOptions options;
  options.creation_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  PortForwardSpec spec;
  spec.pod_id = "pod1";
  SpdyClient client;
  ASSERT_EQ(client.Connect(server_->UrlFor(spec).value(), {"portforward.k8s.io"}), 101);
  const std::string echo_port = std::to_string(backend_.echo_port());
  // Request 0 never sends its data stream, request 1 never its error stream.
  const auto error0 = client.Open(PortStream("error", echo_port, "0"));
  const auto data1 = client.Open(PortStream("data", echo_port, "1"));
  ASSERT_TRUE(
      client.PumpUntil([&] { return client.half_closed(error0) && client.was_reset(data1); }));
  EXPECT_NE(client.received(error0).find("timed out waiting for streams"), std::string::npos)
      << client.received(error0);
  EXPECT_FALSE(client.was_reset(error0));

  // The entry is gone: a late data stream for request 0 starts a pair of its own, which
  // times out in turn instead of joining the closed error stream.
  const auto late0 = client.Open(PortStream("data", echo_port, "0"));
  ASSERT_TRUE(client.PumpUntil([&] { return client.was_reset(late0); }));

  // The connection still forwards complete pairs.
  client.Open(PortStream("error", echo_port, "2"));
  const auto data2 = client.Open(PortStream("data", echo_port, "2"));
  client.Send(data2, "ping");
  ASSERT_TRUE(client.PumpUntil([&] { return client.received(data2) == "ping"; }));
  EXPECT_FALSE(client.was_reset(data2));
}

TEST_F(SpdyStreamingTest, APortForwardPairCompletedInTimeIsNotDropped) {
  ServerOptions options;
  options.creation_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  PortForwardSpec spec;
  spec.pod_id = "pod1";
  SpdyClient client;
  ASSERT_EQ(client.Connect(server_->UrlFor(spec).value(), {"portforward.k8s.io"}), 101);
  const std::string echo_port = std::to_string(backend_.echo_port());
  const auto error = client.Open(PortStream("error", echo_port, "0"));
  const auto data = client.Open(PortStream("data", echo_port, "0"));
  client.Send(data, "one");
  ASSERT_TRUE(client.PumpUntil([&] { return client.received(data) == "one"; }));
  // Past the creation timeout, a pair that completed in time still forwards.
  SpdyClient probe;  // a second connection whose lone stream times out marks the time
  ASSERT_EQ(probe.Connect(server_->UrlFor(spec).value(), {"portforward.k8s.io"}), 101);
  const auto lone = probe.Open(PortStream("data", echo_port, "0"));
  ASSERT_TRUE(probe.PumpUntil([&] { return probe.was_reset(lone); }));
  client.Send(data, "two");
  ASSERT_TRUE(client.PumpUntil([&] { return client.received(data) == "onetwo"; }));
  EXPECT_TRUE(client.received(error).empty());
  EXPECT_FALSE(client.half_closed(error));
}

}  // namespace
}  // namespace crio::streaming
