// Exec, Attach and PortForward end to end: the real daemon hands out URLs, and our
// SPDY and WebSocket clients (test/support/stream_clients.h, speaking as kubectl does)
// drive real runc containers through them: exec under its own crio-monitor, attach to
// the container's monitor, port-forward into the pod's network namespace. Every case
// runs over both transports, through one driver (CommandSession) so that the cases
// read the same for each.

#include <nlohmann/json.hpp>

#include "lifecycle_fixture.h"
#include "stream_clients.h"

namespace crio::e2e {
namespace {

using streaming::testing::SpdyClient;
using streaming::testing::StreamTypeHeader;
using streaming::testing::WsClient;

enum class Transport { kSpdy, kWebSocket };

std::string TransportName(const ::testing::TestParamInfo<Transport>& info) {
  return info.param == Transport::kSpdy ? "Spdy" : "WebSocket";
}

// What a remote command said before its end.
struct CommandOutput {
  std::string out;
  std::string err;
  nlohmann::json status;  // the v4/v5 status object that ends the stream
  std::string raw_status;
};

// One exec or attach session as kubectl drives it: v4.channel.k8s.io streams over SPDY,
// v5.channel.k8s.io channels over a WebSocket.
class CommandSession {
 public:
  virtual ~CommandSession() = default;
  static std::unique_ptr<CommandSession> Make(Transport transport);

  /// Connects to `url` and opens the streams a request with these flags has.
  virtual bool Connect(const std::string& url, bool stdin, bool tty) = 0;
  virtual void Write(const std::string& data) = 0;
  virtual void CloseStdin() = 0;
  /// Sends a terminal size and waits until the server has taken the resize stream.
  virtual void Resize(int width, int height) = 0;
  /// Reads until stdout holds `text`. @return false when the session ended first
  virtual bool ReadStdoutUntil(const std::string& text) = 0;
  /// Reads to the end of the session.
  virtual CommandOutput Finish() = 0;
  /// Leaves without a word, as a killed client does.
  virtual void Leave() = 0;
};

class SpdyCommandSession final : public CommandSession {
 public:
  bool Connect(const std::string& url, bool stdin, bool tty) override {
    if (client_->Connect(url, {"v4.channel.k8s.io"}) != 101) return false;
    error_ = client_->Open(StreamTypeHeader("error"));
    if (stdin) stdin_ = client_->Open(StreamTypeHeader("stdin"));
    stdout_ = client_->Open(StreamTypeHeader("stdout"));
    if (!tty) stderr_ = client_->Open(StreamTypeHeader("stderr"));
    if (tty) resize_ = client_->Open(StreamTypeHeader("resize"));
    return true;
  }
  void Write(const std::string& data) override { client_->Send(stdin_, data); }
  void CloseStdin() override { client_->Send(stdin_, "", /*fin=*/true); }
  void Resize(int width, int height) override {
    client_->Send(resize_, nlohmann::json{{"Width", width}, {"Height", height}}.dump());
    EXPECT_TRUE(client_->PumpUntil([&] { return client_->replied(resize_); }));
    // The size and the input that reads it travel on different streams, each on to the
    // monitor: give the size a moment to reach the terminal first.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  bool ReadStdoutUntil(const std::string& text) override {
    return client_->PumpUntil(
        [&] { return client_->received(stdout_).find(text) != std::string::npos; });
  }
  CommandOutput Finish() override {
    client_->PumpToClose();
    CommandOutput output;
    output.out = client_->received(stdout_);
    if (stderr_ != 0) output.err = client_->received(stderr_);
    output.raw_status = client_->received(error_);
    output.status = nlohmann::json::parse(output.raw_status, nullptr, false);
    return output;
  }
  // Dropping the client closes its socket.
  void Leave() override { client_.reset(); }

 private:
  std::unique_ptr<SpdyClient> client_ = std::make_unique<SpdyClient>();
  std::uint32_t error_ = 0, stdin_ = 0, stdout_ = 0, stderr_ = 0, resize_ = 0;
};

class WebSocketCommandSession final : public CommandSession {
 public:
  bool Connect(const std::string& url, bool /*stdin*/, bool /*tty*/) override {
    return client_.Connect(url, "v5.channel.k8s.io");
  }
  void Write(const std::string& data) override { client_.Send(0, data); }
  void CloseStdin() override { client_.SendRaw(std::string("\xff\x00", 2)); }
  void Resize(int width, int height) override {
    client_.Send(4, nlohmann::json{{"Width", width}, {"Height", height}}.dump());
    // As over SPDY: give the size a moment to reach the terminal before the input.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  bool ReadStdoutUntil(const std::string& text) override {
    while (received_[1].find(text) == std::string::npos) {
      auto message = client_.Read();
      if (!message) return false;
      received_[message->channel] += message->data;
    }
    return true;
  }
  CommandOutput Finish() override {
    for (auto& [channel, data] : client_.ReadAll()) received_[channel] += data;
    CommandOutput output;
    output.out = received_[1];
    output.err = received_[2];
    output.raw_status = received_[3];
    output.status = nlohmann::json::parse(output.raw_status, nullptr, false);
    return output;
  }
  void Leave() override { client_.Close(); }

 private:
  WsClient client_;
  std::map<int, std::string> received_;
};

std::unique_ptr<CommandSession> CommandSession::Make(Transport transport) {
  if (transport == Transport::kSpdy) return std::make_unique<SpdyCommandSession>();
  return std::make_unique<WebSocketCommandSession>();
}

// The body a GET of `path` on a forwarded port returns: one pair of SPDY streams, or
// the WebSocket's channels 0 and 1 (each of which starts with the port, little-endian).
std::string FetchThroughPortForward(Transport transport, const std::string& url, std::uint16_t port,
                                    const std::string& path) {
  const std::string request = "GET " + path + " HTTP/1.0\r\n\r\n";
  if (transport == Transport::kSpdy) {
    SpdyClient client;
    if (client.Connect(url, {"portforward.k8s.io"}) != 101) return "";
    const spdy::Headers common = {{"port", {std::to_string(port)}}, {"requestid", {"0"}}};
    spdy::Headers error_headers = common;
    error_headers["streamtype"] = {"error"};
    spdy::Headers data_headers = common;
    data_headers["streamtype"] = {"data"};
    const auto error = client.Open(error_headers);
    const auto data = client.Open(data_headers);
    client.Send(data, request);
    client.PumpUntil([&] { return client.half_closed(data) || client.half_closed(error); });
    return client.received(data);
  }
  WsClient client;
  if (!client.Connect(url, "v4.channel.k8s.io")) return "";
  std::map<int, std::string> prefix;
  for (int i = 0; i < 2; ++i) {
    auto message = client.Read();
    if (!message) return "";
    prefix[message->channel] += message->data;
  }
  const std::string little_endian{static_cast<char>(port & 0xff), static_cast<char>(port >> 8)};
  EXPECT_EQ(prefix[0], little_endian);
  EXPECT_EQ(prefix[1], little_endian);
  client.Send(0, request);
  std::string body;
  while (auto message = client.Read()) {
    if (message->channel == 0) body += message->data;
  }
  return body;
}

class StreamingTest : public LifecycleTest, public ::testing::WithParamInterface<Transport> {
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

  // A session over this test's transport, connected to an exec of `cmd`.
  std::unique_ptr<CommandSession> Exec(const std::string& id, const std::vector<std::string>& cmd,
                                       bool stdin, bool tty) {
    auto session = CommandSession::Make(GetParam());
    EXPECT_TRUE(session->Connect(ExecUrl(id, cmd, stdin, tty), stdin, tty));
    return session;
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

INSTANTIATE_TEST_SUITE_P(BothTransports, StreamingTest,
                         ::testing::Values(Transport::kSpdy, Transport::kWebSocket), TransportName);

TEST_P(StreamingTest, ExecStreamsOutputAndTheExitCode) {
  const std::string id = RunningContainer("exec-exit");
  auto session = Exec(id, {"sh", "-c", "echo out; echo err >&2; exit 3"}, false, false);
  const CommandOutput output = session->Finish();
  EXPECT_EQ(output.out, "out\n");
  EXPECT_EQ(output.err, "err\n");
  EXPECT_EQ(output.status.value("reason", ""), "NonZeroExitCode") << output.raw_status;
  EXPECT_EQ(output.status["details"]["causes"][0]["message"], "3") << output.raw_status;

  const CommandOutput success = Exec(id, {"true"}, false, false)->Finish();
  EXPECT_EQ(success.status.value("status", ""), "Success") << success.raw_status;
  ExpectNoExecSessionLeft();
}

TEST_P(StreamingTest, ExecPipesStdinToItsEnd) {
  const std::string id = RunningContainer("exec-stdin");
  auto session = Exec(id, {"sh", "-c", "cat; echo done"}, true, false);
  session->Write("line one\n");
  session->Write("line two\n");
  session->CloseStdin();
  const CommandOutput output = session->Finish();
  EXPECT_EQ(output.out, "line one\nline two\ndone\n");
  EXPECT_EQ(output.status.value("status", ""), "Success") << output.raw_status;
  ExpectNoExecSessionLeft();
}

TEST_P(StreamingTest, ExecWithATerminalFollowsResizes) {
  const std::string id = RunningContainer("exec-tty");
  // The shell reads a line only after the size is set, then prints it.
  auto session =
      Exec(id, {"sh", "-c", "read x; busybox stty size; read y; busybox stty size"}, true, true);
  session->Resize(100, 40);
  session->Write("go\n");
  EXPECT_TRUE(session->ReadStdoutUntil("40 100"));
  session->Resize(120, 50);
  session->Write("again\n");
  const CommandOutput output = session->Finish();
  EXPECT_NE(output.out.find("40 100"), std::string::npos) << output.out;
  EXPECT_NE(output.out.find("50 120"), std::string::npos) << output.out;
  EXPECT_EQ(output.status.value("status", ""), "Success") << output.raw_status;
  ExpectNoExecSessionLeft();
}

TEST_P(StreamingTest, ExecOfAMissingBinaryReportsTheRuntimesError) {
  const std::string id = RunningContainer("no-binary");
  const CommandOutput output = Exec(id, {"/no/such/binary"}, false, false)->Finish();
  EXPECT_EQ(output.status.value("status", ""), "Failure") << output.raw_status;
  EXPECT_NE(output.raw_status.find("no such file or directory"), std::string::npos)
      << output.raw_status;
  ExpectNoExecSessionLeft();
}

TEST_P(StreamingTest, ALeavingClientKillsItsExecedProcess) {
  const std::string id = RunningContainer("leaver");
  auto session = Exec(id, {"sh", "-c", "echo started; exec sleep 4242"}, false, false);
  ASSERT_TRUE(session->ReadStdoutUntil("started"));
  session->Leave();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string ps;
  while (std::chrono::steady_clock::now() < deadline) {
    grpc::Status status;
    ps = LifecycleTest::Exec(id, {"ps"}, &status).stdout();
    if (ps.find("4242") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ps.find("4242"), std::string::npos) << ps;
  ExpectNoExecSessionLeft();
}

TEST_P(StreamingTest, AttachReachesTheContainersOwnStdio) {
  const std::string id = RunningContainer("attached", {"cat"}, /*stdin=*/true);
  v1::AttachRequest request;
  request.set_container_id(id);
  request.set_stdin(true);
  request.set_stdout(true);
  request.set_stderr(true);
  v1::AttachResponse response;
  ASSERT_TRUE(daemon_->runtime().Attach(Context().get(), request, &response).ok());
  auto session = CommandSession::Make(GetParam());
  ASSERT_TRUE(session->Connect(response.url(), /*stdin=*/true, /*tty=*/false));
  session->Write("ping\n");
  EXPECT_TRUE(session->ReadStdoutUntil("ping\n"));
  session->Leave();
  // Leaving an attach leaves the container running.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Status(id).state(), v1::CONTAINER_RUNNING);
}

TEST_P(StreamingTest, PortForwardReachesAnHttpdInThePod) {
  RunningContainer("httpd", {"sh", "-c",
                             "mkdir -p /tmp/www && echo hello from the pod > /tmp/www/index.html "
                             "&& exec busybox httpd -f -p 127.0.0.1:8080 -h /tmp/www"});
  const auto forward_url = [&] {
    v1::PortForwardRequest forward;
    forward.set_pod_sandbox_id(pod_);
    forward.add_port(8080);
    v1::PortForwardResponse response;
    EXPECT_TRUE(daemon_->runtime().PortForward(Context().get(), forward, &response).ok());
    return response.url();
  };
  // httpd needs a moment to listen: retry until it answers.
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (answer.find("hello from the pod") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    answer = FetchThroughPortForward(GetParam(), forward_url(), 8080, "/index.html");
    if (answer.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_NE(answer.find("hello from the pod"), std::string::npos) << answer;
}

// Not per transport: the RPCs refuse before any URL exists.
class StreamingUrlTest : public LifecycleTest {};

TEST_F(StreamingUrlTest, StreamingUrlsNeedARunningTarget) {
  v1::PodSandboxConfig pod_config = PodConfig("stopped");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  std::string id;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("stopped", {"sleep", "3600"}), &id).ok());
  ASSERT_TRUE(Start(id).ok());
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
