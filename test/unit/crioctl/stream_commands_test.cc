// crioctl exec, attach and port-forward as commands: a CRI runtime on a unix socket
// whose Exec, Attach and PortForward return URLs of the real streaming server (with
// the streaming module's fake backend), and the requests they send. The session tests
// run with each transport; the --transport tests look at the upgrade requests.

#include <gtest/gtest.h>
#include <pty.h>
#include <termios.h>

#include <mutex>
#include <sstream>

#include "commands.h"
#include "crio/cri/api.h"
#include "fake_cri_server.h"
#include "stream_test_util.h"

namespace crio::ctl {
namespace {

using ::crio::ctl::testing::Pipe;
using ::crio::ctl::testing::RecordingHttpServer;
using ::crio::ctl::testing::StreamingFixture;
using ::crio::ctl::testing::TempDir;
namespace v1 = ::runtime::v1;

// Only the streaming RPCs and ExecSync; list calls are unimplemented, so ids are used
// as given.
class StreamingRuntime final : public v1::RuntimeService::Service {
 public:
  explicit StreamingRuntime(StreamingFixture& fixture) : fixture_(fixture) {}

  grpc::Status Exec(grpc::ServerContext*, const v1::ExecRequest* request,
                    v1::ExecResponse* response) override {
    std::lock_guard lock(mu);
    last_exec = *request;
    if (!exec_url.empty()) {
      response->set_url(exec_url);
      return grpc::Status::OK;
    }
    streaming::ExecSpec spec;
    spec.container_id = request->container_id();
    spec.cmd.assign(request->cmd().begin(), request->cmd().end());
    spec.tty = request->tty();
    spec.stdin = request->stdin();
    spec.stdout = request->stdout();
    spec.stderr = request->stderr();
    return Url(spec, response);
  }

  grpc::Status ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest* request,
                        v1::ExecSyncResponse* response) override {
    std::lock_guard lock(mu);
    last_exec_sync = *request;
    response->set_stdout("synchronously\n");
    response->set_exit_code(4);
    return grpc::Status::OK;
  }

  grpc::Status Attach(grpc::ServerContext*, const v1::AttachRequest* request,
                      v1::AttachResponse* response) override {
    std::lock_guard lock(mu);
    last_attach = *request;
    if (!exec_url.empty()) {
      response->set_url(exec_url);
      return grpc::Status::OK;
    }
    streaming::AttachSpec spec;
    spec.container_id = request->container_id();
    spec.tty = request->tty();
    spec.stdin = request->stdin();
    spec.stdout = request->stdout();
    spec.stderr = request->stderr();
    return Url(spec, response);
  }

  grpc::Status PortForward(grpc::ServerContext*, const v1::PortForwardRequest* request,
                           v1::PortForwardResponse* response) override {
    std::lock_guard lock(mu);
    ++port_forwards;
    if (!exec_url.empty()) {
      response->set_url(exec_url);
      return grpc::Status::OK;
    }
    streaming::PortForwardSpec spec;
    spec.pod_id = request->pod_sandbox_id();
    return Url(spec, response);
  }

  std::mutex mu;
  v1::ExecRequest last_exec;
  v1::ExecSyncRequest last_exec_sync;
  v1::AttachRequest last_attach;
  std::string exec_url;  ///< returned by Exec and Attach instead of a fresh one when set
  int port_forwards = 0;

 private:
  template <typename Spec, typename Response>
  grpc::Status Url(const Spec& spec, Response* response) {
    auto url = fixture_.server->UrlFor(spec);
    if (!url.ok()) return {grpc::StatusCode::INTERNAL, std::string(url.status().message())};
    response->set_url(*url);
    return grpc::Status::OK;
  }

  StreamingFixture& fixture_;
};

struct Invocation {
  int exit_code = 0;
  std::string out;
  std::string err;
};

class StreamCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(fixture_.server, nullptr);
    ASSERT_FALSE(dir_.path().empty());
    socket_ = dir_.path() + "/cri.sock";
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&runtime_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  // Runs crioctl with `args`; exec and attach get transport_args_ after their name.
  Invocation Cli(std::vector<std::string> args, int in_fd = -1) {
    if (!args.empty() && (args[0] == "exec" || args[0] == "attach")) {
      args.insert(args.begin() + 1, transport_args_.begin(), transport_args_.end());
    }
    CLI::App app{"crioctl"};
    app.require_subcommand(1);
    Globals globals;
    globals.runtime_endpoint = "unix://" + socket_;
    CommandResult result;
    std::ostringstream out, err;
    Streams io{&out, &err};
    io.in_fd = in_fd;
    io.take_signals = false;
    AddExecCommand(app, globals, result, io);
    AddAttachCommand(app, globals, result, io);
    AddPortForwardCommand(app, globals, result, io);
    args.insert(args.begin(), "crioctl");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      result.exit_code = app.exit(e, out, err);
    }
    return {result.exit_code, out.str(), err.str()};
  }

  StreamingFixture fixture_;
  StreamingRuntime runtime_{fixture_};
  TempDir dir_;
  std::string socket_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> transport_args_;
};

// The session tests, with "-r spdy", "--transport websocket" and no flag (spdy).
class StreamSessionCommandsTest : public StreamCommandsTest,
                                  public ::testing::WithParamInterface<std::vector<std::string>> {
 protected:
  void SetUp() override {
    StreamCommandsTest::SetUp();
    transport_args_ = GetParam();
  }
};

std::string FlagName(const ::testing::TestParamInfo<std::vector<std::string>>& param) {
  return param.param.empty() ? std::string("Default") : "Flag_" + param.param[1];
}

INSTANTIATE_TEST_SUITE_P(Transports, StreamSessionCommandsTest,
                         ::testing::Values(std::vector<std::string>{},
                                           std::vector<std::string>{"-r", "spdy"},
                                           std::vector<std::string>{"--transport", "websocket"}),
                         FlagName);

TEST_P(StreamSessionCommandsTest, ExecStreamsByDefaultAsCrictlDoes) {
  const Invocation exec = Cli({"exec", "c1", "echo", "-n", "hello"});
  EXPECT_EQ(exec.exit_code, 0) << exec.err;
  EXPECT_EQ(exec.out, "-n hello\n") << "the command's flags are its own";
  EXPECT_EQ(exec.err, "to stderr\n");
  const v1::ExecRequest& request = runtime_.last_exec;
  EXPECT_EQ(request.container_id(), "c1");
  ASSERT_EQ(request.cmd_size(), 3);
  EXPECT_EQ(request.cmd(1), "-n");
  EXPECT_FALSE(request.stdin());
  EXPECT_FALSE(request.tty());
  EXPECT_TRUE(request.stdout());
  EXPECT_TRUE(request.stderr());
  EXPECT_EQ(runtime_.last_exec_sync.container_id(), "") << "no ExecSync";
}

TEST_P(StreamSessionCommandsTest, ExecExitsWithTheCommandsCode) {
  const Invocation exec = Cli({"exec", "c1", "exit", "7"});
  EXPECT_EQ(exec.exit_code, 7);
  EXPECT_EQ(exec.out, "");
  EXPECT_EQ(exec.err, "");
}

TEST_P(StreamSessionCommandsTest, ExecReportsACommandThatCannotRun) {
  const Invocation exec = Cli({"exec", "c1", "fail"});
  EXPECT_EQ(exec.exit_code, 1);
  EXPECT_EQ(exec.err,
            "execing command in container c1: Internal error occurred: container \"c1\" is not "
            "running\n");
}

TEST_P(StreamSessionCommandsTest, ExecInteractivePipesStdin) {
  Pipe in;
  ASSERT_TRUE(in.Write("from stdin\n"));
  in.write_end.Reset();
  const Invocation exec = Cli({"exec", "-i", "c1", "cat"}, in.read_end.get());
  EXPECT_EQ(exec.exit_code, 0) << exec.err;
  EXPECT_EQ(exec.out, "from stdin\n");
  EXPECT_TRUE(runtime_.last_exec.stdin());
  EXPECT_FALSE(runtime_.last_exec.tty());
}

TEST_P(StreamSessionCommandsTest, ExecTtyWithoutATerminalStillAsksForOne) {
  const Invocation exec = Cli({"exec", "-t", "c1", "echo", "x"});
  EXPECT_EQ(exec.exit_code, 0) << exec.err;
  EXPECT_EQ(exec.out, "x\n");
  EXPECT_EQ(exec.err, "") << "a terminal has no separate stderr";
  EXPECT_TRUE(runtime_.last_exec.tty());
  EXPECT_FALSE(runtime_.last_exec.stderr());
}

TEST_P(StreamSessionCommandsTest, ExecItOnATerminalGoesRawAndRestoresIt) {
  int master = -1;
  int replica = -1;
  winsize size{};
  size.ws_col = 100;
  size.ws_row = 30;
  ASSERT_EQ(::openpty(&master, &replica, nullptr, nullptr, &size), 0);
  const OwnedFd master_fd(master);
  const OwnedFd replica_fd(replica);
  // The bytes typed below must reach crioctl as they are: no line editing, no flow
  // control (Ctrl-Q is START) before crioctl's own raw mode.
  termios before{};
  ASSERT_EQ(::tcgetattr(replica, &before), 0);
  before.c_lflag &= ~static_cast<tcflag_t>(ICANON | ISIG | IEXTEN);
  before.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
  before.c_lflag |= ECHO;
  ASSERT_EQ(::tcsetattr(replica, TCSANOW, &before), 0);
  ASSERT_EQ(::tcgetattr(replica, &before), 0);
  ASSERT_EQ(::write(master, "hi\x10\x11", 4), 4);  // then Ctrl-P Ctrl-Q: detach

  const Invocation exec = Cli({"exec", "-it", "c1", "cat"}, replica);
  EXPECT_EQ(exec.exit_code, 0) << exec.err;
  EXPECT_TRUE(runtime_.last_exec.tty());
  EXPECT_TRUE(runtime_.last_exec.stdin());
  EXPECT_FALSE(runtime_.last_exec.stderr());
  termios after{};
  ASSERT_EQ(::tcgetattr(replica, &after), 0);
  EXPECT_EQ(after.c_lflag, before.c_lflag) << "the terminal mode is restored";
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  EXPECT_EQ(after.c_oflag, before.c_oflag);
}

TEST_P(StreamSessionCommandsTest, SyncAndTimeoutUseExecSync) {
  Invocation exec = Cli({"exec", "-s", "c1", "ls"});
  EXPECT_EQ(exec.exit_code, 4);
  EXPECT_EQ(exec.out, "synchronously\n");
  EXPECT_EQ(runtime_.last_exec.container_id(), "") << "no Exec";
  runtime_.last_exec_sync.Clear();
  exec = Cli({"exec", "--timeout", "3", "c1", "ls"});
  EXPECT_EQ(exec.exit_code, 4);
  EXPECT_EQ(runtime_.last_exec_sync.timeout(), 3);
}

TEST_F(StreamCommandsTest, ExecRefusesFlagsThatDoNotGoTogether) {
  EXPECT_EQ(Cli({"exec", "-s", "-i", "c1", "cat"}).err,
            "-s runs the command without stdin or a terminal: it cannot be combined with -i or "
            "-t\n");
  EXPECT_EQ(Cli({"exec", "--timeout", "5", "-t", "c1", "sh"}).err,
            "--timeout applies to synchronous exec only; -i and -t stream the command\n");
  EXPECT_EQ(runtime_.last_exec.container_id(), "");
  EXPECT_EQ(runtime_.last_exec_sync.container_id(), "");
}

TEST_P(StreamSessionCommandsTest, ARefusedUrlIsAClearError) {
  runtime_.exec_url = fixture_.server->BaseUrl() + "/exec/notatoken";
  const Invocation exec = Cli({"exec", "c1", "echo"});
  EXPECT_EQ(exec.exit_code, 1);
  EXPECT_NE(exec.err.find("execing command in container c1: the streaming server at 127.0.0.1:"),
            std::string::npos)
      << exec.err;
  EXPECT_NE(exec.err.find("404 Not Found"), std::string::npos) << exec.err;
}

TEST_P(StreamSessionCommandsTest, AttachConnectsToTheContainer) {
  Pipe in;
  ASSERT_TRUE(in.Write("hello\n"));
  in.write_end.Reset();
  const Invocation attach = Cli({"attach", "-i", "c2"}, in.read_end.get());
  EXPECT_EQ(attach.exit_code, 0) << attach.err;
  EXPECT_EQ(attach.out, "attached to c2\nhello\n");
  const v1::AttachRequest& request = runtime_.last_attach;
  EXPECT_EQ(request.container_id(), "c2");
  EXPECT_TRUE(request.stdin());
  EXPECT_FALSE(request.tty());
  EXPECT_TRUE(request.stdout());
  EXPECT_TRUE(request.stderr());
}

TEST_F(StreamCommandsTest, PortForwardChecksItsPortsFirst) {
  Invocation forward = Cli({"port-forward", "pod1", "80", "web"});
  EXPECT_EQ(forward.exit_code, 1);
  EXPECT_EQ(forward.err, "invalid port \"web\" in \"web\": expected a number from 1 to 65535\n");
  forward = Cli({"port-forward", "pod1"});
  EXPECT_NE(forward.exit_code, 0);
  EXPECT_NE(forward.err.find("PORTS is required"), std::string::npos) << forward.err;
}

TEST_F(StreamCommandsTest, TheTransportIsSpdyByDefaultAndWebSocketOnRequest) {
  RecordingHttpServer http;
  runtime_.exec_url = http.Url("/exec/token");
  // The recording server refuses every upgrade: each command fails once it asked.
  Invocation exec = Cli({"exec", "c1", "echo"});
  EXPECT_EQ(exec.exit_code, 1);
  EXPECT_NE(exec.err.find("404 Not Found (404 page not found)"), std::string::npos) << exec.err;
  std::string request = http.last_request();
  EXPECT_EQ(request.rfind("POST /exec/token HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nUpgrade: SPDY/3.1"), std::string::npos) << request;
  EXPECT_NE(request.find("\r\nX-Stream-Protocol-Version: v4.channel.k8s.io"), std::string::npos)
      << request;
  EXPECT_NE(request.find("\r\nX-Stream-Protocol-Version: channel.k8s.io"), std::string::npos)
      << request;

  exec = Cli({"exec", "-r", "websocket", "c1", "echo"});
  EXPECT_EQ(exec.exit_code, 1);
  request = http.last_request();
  EXPECT_EQ(request.rfind("GET /exec/token HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nUpgrade: websocket"), std::string::npos) << request;
  EXPECT_NE(request.find("v5.channel.k8s.io, v4.channel.k8s.io"), std::string::npos) << request;

  const Invocation attach = Cli({"attach", "--transport", "websocket", "c2"});
  EXPECT_EQ(attach.exit_code, 1);
  EXPECT_NE(attach.err.find("attaching to container c2: the streaming server"), std::string::npos)
      << attach.err;
  EXPECT_NE(http.last_request().find("\r\nUpgrade: websocket"), std::string::npos);
  EXPECT_EQ(Cli({"attach", "c2"}).exit_code, 1);
  EXPECT_NE(http.last_request().find("\r\nUpgrade: SPDY/3.1"), std::string::npos);
}

TEST_F(StreamCommandsTest, PortForwardTakesTheTransportFlag) {
  // A local port in use ends the command before it forwards anything (the forwarder
  // tests run both transports): the flag is taken, and the command gets as far as
  // listening.
  const std::string busy = std::to_string(fixture_.backend.echo_port());
  for (const char* transport : {"", "spdy", "websocket"}) {
    std::vector<std::string> args = {"port-forward", "pod1", busy + ":80"};
    if (*transport != '\0') args.insert(args.begin() + 1, {"--transport", transport});
    const Invocation forward = Cli(args);
    EXPECT_EQ(forward.exit_code, 1) << transport;
    EXPECT_EQ(forward.err, "listening on 127.0.0.1:" + busy + ": Address already in use\n")
        << transport;
  }
}

TEST_F(StreamCommandsTest, ABadTransportIsAUsageError) {
  for (const std::string command : {"exec", "attach", "port-forward"}) {
    std::vector<std::string> args = {command, "-r", "quic", "c1"};
    if (command == "exec") args.push_back("ls");
    if (command == "port-forward") args.push_back("80");
    const Invocation run = Cli(args);
    EXPECT_NE(run.exit_code, 0) << command;
    EXPECT_NE(run.err.find("unknown transport \"quic\": expected spdy or websocket"),
              std::string::npos)
        << command << ": " << run.err;
  }
  EXPECT_EQ(runtime_.last_exec.container_id(), "") << "no RPC";
  EXPECT_EQ(runtime_.last_attach.container_id(), "");
  EXPECT_EQ(runtime_.port_forwards, 0);
}

}  // namespace
}  // namespace crio::ctl
