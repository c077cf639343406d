// Exec, Attach and PortForward end to end: the real daemon hands out URLs, and our
// SPDY and WebSocket clients (test/support/stream_clients.h, speaking as kubectl does)
// drive real runc containers through them: exec under its own crio-monitor, attach to
// the container's monitor, port-forward into the pod's network namespace.

#include <nlohmann/json.hpp>

#include "lifecycle_fixture.h"
#include "stream_clients.h"

namespace crio::e2e {
namespace {

using streaming::testing::SpdyClient;
using streaming::testing::StreamTypeHeader;
using streaming::testing::WsClient;

class StreamingTest : public LifecycleTest {
 protected:
  // A running "sleep" container in a pod of its own.
  std::string RunningContainer(const std::string& name,
                               std::vector<std::string> command = {"sleep", "3600"},
                               bool stdin = false) {
    v1::PodSandboxConfig pod_config = PodConfig(name);
    std::string pod;
    EXPECT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
    pod_ = pod;
    v1::ContainerConfig config = ContainerConfig(name, command);
    config.set_stdin(stdin);
    std::string id;
    const grpc::Status created = Create(pod, pod_config, config, &id);
    EXPECT_TRUE(created.ok()) << created.error_message() << daemon_->Log();
    const grpc::Status started = Start(id);
    EXPECT_TRUE(started.ok()) << started.error_message() << daemon_->Log();
    return id;
  }

  std::string ExecUrl(const std::string& id, const std::vector<std::string>& cmd, bool stdin,
                      bool tty) {
    v1::ExecRequest request;
    request.set_container_id(id);
    for (const auto& arg : cmd) request.add_cmd(arg);
    request.set_stdin(stdin);
    request.set_stdout(true);
    request.set_stderr(!tty);
    request.set_tty(tty);
    v1::ExecResponse response;
    const grpc::Status status = daemon_->runtime().Exec(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.url();
  }

  // Exec sessions leave no monitor and no session directory behind.
  void ExpectNoExecSessionLeft() {
    const std::string attach_dir = dirs_.root() + "/run/attach";
    const auto sessions = [&] {
      std::vector<std::string> found;
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(attach_dir, ec)) {
        if (entry.path().filename().string().rfind("exec-", 0) == 0) found.push_back(entry.path());
      }
      return found;
    };
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while ((!sessions().empty() || !ProcessesMentioning(attach_dir + "/exec-").empty()) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(sessions().empty()) << sessions().front() << " is left";
    EXPECT_TRUE(ProcessesMentioning(attach_dir + "/exec-").empty()) << "an exec monitor is left";
  }

  std::string pod_;
};

TEST_F(StreamingTest, ExecOverSpdyStreamsOutputAndTheExitCode) {
  const std::string id = RunningContainer("spdy-exec");
  SpdyClient client;
  ASSERT_EQ(
      client.Connect(ExecUrl(id, {"sh", "-c", "echo out; echo err >&2; exit 3"}, false, false),
                     {"v4.channel.k8s.io"}),
      101);
  const auto error = client.Open(StreamTypeHeader("error"));
  const auto out = client.Open(StreamTypeHeader("stdout"));
  const auto err = client.Open(StreamTypeHeader("stderr"));
  client.PumpToClose();
  EXPECT_EQ(client.received(out), "out\n");
  EXPECT_EQ(client.received(err), "err\n");
  const auto status = nlohmann::json::parse(client.received(error), nullptr, false);
  EXPECT_EQ(status.value("reason", ""), "NonZeroExitCode") << client.received(error);
  EXPECT_EQ(status["details"]["causes"][0]["message"], "3");
  ExpectNoExecSessionLeft();
}

TEST_F(StreamingTest, ExecOverWebSocketPipesStdin) {
  const std::string id = RunningContainer("ws-stdin");
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl(id, {"sh", "-c", "cat; echo done"}, true, false),
                             "v5.channel.k8s.io"));
  client.Send(0, "line one\n");
  client.Send(0, "line two\n");
  client.SendRaw(std::string("\xff\x00", 2));  // v5: stdin closed
  auto all = client.ReadAll();
  EXPECT_EQ(all[1], "line one\nline two\ndone\n");
  EXPECT_EQ(nlohmann::json::parse(all[3], nullptr, false).value("status", ""), "Success") << all[3];
  ExpectNoExecSessionLeft();
}

TEST_F(StreamingTest, ExecWithATerminalFollowsResizes) {
  const std::string id = RunningContainer("tty-exec");
  for (const bool spdy : {false, true}) {
    SCOPED_TRACE(spdy ? "SPDY" : "WebSocket");
    const std::string url = ExecUrl(id, {"sh", "-c", "read x; busybox stty size"}, true, true);
    std::string output;
    if (spdy) {
      SpdyClient client;
      ASSERT_EQ(client.Connect(url, {"v4.channel.k8s.io"}), 101);
      client.Open(StreamTypeHeader("error"));
      const auto in = client.Open(StreamTypeHeader("stdin"));
      const auto out = client.Open(StreamTypeHeader("stdout"));
      const auto resize = client.Open(StreamTypeHeader("resize"));
      client.Send(resize, R"({"Width":100,"Height":40})");
      // The shell reads a line only after the size is set.
      ASSERT_TRUE(client.PumpUntil([&] { return client.replied(resize); }));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      client.Send(in, "go\n");
      client.PumpToClose();
      output = client.received(out);
    } else {
      WsClient client;
      ASSERT_TRUE(client.Connect(url, "v4.channel.k8s.io"));
      client.Send(4, R"({"Width":100,"Height":40})");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      client.Send(0, "go\n");
      output = client.ReadAll()[1];
    }
    EXPECT_NE(output.find("40 100"), std::string::npos) << output;
  }
  ExpectNoExecSessionLeft();
}

TEST_F(StreamingTest, ExecOfAMissingBinaryReportsTheRuntimesError) {
  const std::string id = RunningContainer("no-binary");
  WsClient client;
  ASSERT_TRUE(client.Connect(ExecUrl(id, {"/no/such/binary"}, false, false), "v4.channel.k8s.io"));
  auto all = client.ReadAll();
  const auto status = nlohmann::json::parse(all[3], nullptr, false);
  EXPECT_EQ(status.value("status", ""), "Failure") << all[3];
  EXPECT_NE(all[3].find("no such file or directory"), std::string::npos) << all[3];
  ExpectNoExecSessionLeft();
}

TEST_F(StreamingTest, ALeavingClientKillsItsExecedProcess) {
  const std::string id = RunningContainer("leaver");
  {
    WsClient client;
    ASSERT_TRUE(client.Connect(ExecUrl(id, {"sleep", "4242"}, false, false), "v4.channel.k8s.io"));
    ASSERT_TRUE(client.Read().has_value());  // connected; the command runs
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string ps;
  while (std::chrono::steady_clock::now() < deadline) {
    grpc::Status status;
    ps = Exec(id, {"ps"}, &status).stdout();
    if (ps.find("4242") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ps.find("4242"), std::string::npos) << ps;
  ExpectNoExecSessionLeft();
}

TEST_F(StreamingTest, AttachReachesTheContainersOwnStdio) {
  const std::string id = RunningContainer("attached", {"cat"}, /*stdin=*/true);
  v1::AttachRequest request;
  request.set_container_id(id);
  request.set_stdin(true);
  request.set_stdout(true);
  request.set_stderr(true);
  v1::AttachResponse response;
  ASSERT_TRUE(daemon_->runtime().Attach(Context().get(), request, &response).ok());
  WsClient client;
  ASSERT_TRUE(client.Connect(response.url(), "v5.channel.k8s.io"));
  client.Send(0, "ping\n");
  std::string echoed;
  while (echoed.find("ping\n") == std::string::npos) {
    auto message = client.Read();
    ASSERT_TRUE(message.has_value()) << echoed;
    if (message->channel == 1) echoed += message->data;
  }
  client.Close();
  // Leaving an attach leaves the container running.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Status(id).state(), v1::CONTAINER_RUNNING);
}

TEST_F(StreamingTest, PortForwardReachesAnHttpdInThePod) {
  const std::string id = RunningContainer(
      "httpd", {"sh", "-c",
                "mkdir -p /tmp/www && echo hello from the pod > /tmp/www/index.html && "
                "exec busybox httpd -f -p 127.0.0.1:8080 -h /tmp/www"});
  const std::string request = "GET /index.html HTTP/1.0\r\n\r\n";
  const auto forward_url = [&] {
    v1::PortForwardRequest forward;
    forward.set_pod_sandbox_id(pod_);
    forward.add_port(8080);
    v1::PortForwardResponse response;
    EXPECT_TRUE(daemon_->runtime().PortForward(Context().get(), forward, &response).ok());
    return response.url();
  };
  // httpd needs a moment to listen: retry over SPDY until it answers.
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (answer.find("hello from the pod") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    SpdyClient client;
    ASSERT_EQ(client.Connect(forward_url(), {"portforward.k8s.io"}), 101);
    const spdy::Headers common = {{"port", {"8080"}}, {"requestid", {"0"}}};
    spdy::Headers error_headers = common;
    error_headers["streamtype"] = {"error"};
    spdy::Headers data_headers = common;
    data_headers["streamtype"] = {"data"};
    const auto error = client.Open(error_headers);
    const auto data = client.Open(data_headers);
    client.Send(data, request);
    client.PumpUntil([&] { return client.half_closed(data) || client.half_closed(error); });
    answer = client.received(data);
    if (answer.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_NE(answer.find("hello from the pod"), std::string::npos) << answer;

  // The same over a WebSocket: channel 0 data, channel 1 errors, each starting with the port.
  WsClient client;
  ASSERT_TRUE(client.Connect(forward_url(), "v4.channel.k8s.io"));
  std::map<int, std::string> got;
  for (int i = 0; i < 2; ++i) {
    auto message = client.Read();
    ASSERT_TRUE(message.has_value());
    got[message->channel] += message->data;
  }
  EXPECT_EQ(got[0], std::string("\x90\x1f", 2)) << "8080, little-endian";
  client.Send(0, request);
  std::string body;
  while (auto message = client.Read()) {
    if (message->channel == 0) body += message->data;
  }
  EXPECT_NE(body.find("hello from the pod"), std::string::npos) << body;
  (void)id;
}

TEST_F(StreamingTest, StreamingUrlsNeedARunningTarget) {
  const std::string id = RunningContainer("stopped");
  ASSERT_TRUE(Stop(id, 0).ok());
  v1::ExecRequest request;
  request.set_container_id(id);
  request.add_cmd("true");
  request.set_stdout(true);
  v1::ExecResponse response;
  const grpc::Status status = daemon_->runtime().Exec(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  v1::PortForwardRequest forward;
  forward.set_pod_sandbox_id("no-such-pod");
  v1::PortForwardResponse forwarded;
  EXPECT_EQ(daemon_->runtime().PortForward(Context().get(), forward, &forwarded).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace crio::e2e
