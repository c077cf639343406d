// crioctl's pod and container commands against the real daemon, with configs written
// as JSON and YAML files, as an operator would drive it; and its streaming commands
// (exec, port-forward) over both transports, plain and over https.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "lifecycle_fixture.h"
#include "test_certs.h"

namespace crio::e2e {
namespace {

using namespace std::chrono_literals;

// The memory cgroup (v1) limit of process `pid`, or -1.
std::int64_t MemoryLimitOf(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // "<id>:memory:/path"
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (line.substr(first + 1, second - first - 1) != "memory") continue;
    const std::string limit =
        Slurp("/sys/fs/cgroup/memory" + line.substr(second + 1) + "/memory.limit_in_bytes");
    return limit.empty() ? -1 : std::stoll(limit);
  }
  return -1;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST_F(LifecycleTest, CrioctlDrivesAPodAndItsContainers) {
  const std::string endpoint = "unix://" + dirs_.socket();
  auto crioctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {CrioctlBinary(), "-r", endpoint});
    return RunCommand(args, {}, 60s);
  };
  const std::string logs = dirs_.root() + "/logs/cli";
  // The pod as YAML, one container as JSON and one as YAML.
  dirs_.Write("pod.yaml",
              "metadata: {name: cli, namespace: default, uid: cli-uid, attempt: 1}\n"
              "hostname: cli\n"
              "log_directory: " +
                  logs +
                  "\n"
                  "labels: {app: cli}\n"
                  "linux:\n  cgroup_parent: /crio-e2e\n");
  dirs_.Write(
      "talker.json",
      nlohmann::json{{"metadata", {{"name", "talker"}}},
                     {"image", {{"image", fixture_->Image("busybox")}}},
                     {"command", {"sh", "-c", "echo one; echo two; echo three; exec sleep 1000"}},
                     {"labels", {{"tier", "front"}}},
                     {"log_path", "talker.log"}}
          .dump());
  dirs_.Write("quick.yaml",
              "metadata:\n  name: quick\n"
              "image:\n  image: " +
                  fixture_->Image("busybox") +
                  "\n"
                  "command: [sh, -c, 'echo done; exit 2']\n"
                  "labels:\n  tier: back\n"
                  "log_path: quick.log\n");
  const std::string pod_yaml = dirs_.root() + "/pod.yaml";

  CommandOutput out = crioctl({"runp", pod_yaml});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  const std::string pod = Lines(out.out).at(0);
  EXPECT_EQ(pod.size(), 64u) << out.out;

  out = crioctl({"create", pod, dirs_.root() + "/talker.json", pod_yaml});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(out.err.find("Pulling"), std::string::npos) << "the image is already pulled";
  const std::string talker = Lines(out.out).at(0);
  out = crioctl({"create", pod, dirs_.root() + "/quick.yaml", pod_yaml});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  const std::string quick = Lines(out.out).at(0);

  // Created containers show only with -a or --state.
  out = crioctl({"ps", "-q"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "");
  out = crioctl({"ps", "-a", "-q"});
  EXPECT_EQ(Lines(out.out).size(), 2u) << out.out;
  out = crioctl({"ps", "-q", "--state", "created"});
  EXPECT_EQ(Lines(out.out).size(), 2u) << out.out;

  out = crioctl({"start", talker.substr(0, 12), quick});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  WaitExited(quick);

  out = crioctl({"ps"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  ASSERT_EQ(Lines(out.out).size(), 2u) << out.out;
  EXPECT_EQ(Lines(out.out)[0].rfind("CONTAINER ", 0), 0u) << out.out;
  EXPECT_NE(Lines(out.out)[1].find("Running"), std::string::npos) << out.out;
  EXPECT_NE(Lines(out.out)[1].find("talker"), std::string::npos) << out.out;
  EXPECT_EQ(Lines(out.out)[1].rfind(talker.substr(0, 13), 0), 0u) << out.out;
  out = crioctl({"ps", "-q", "--state", "exited"});
  EXPECT_EQ(out.out, quick + "\n");
  out = crioctl({"ps", "-a", "-q", "--label", "tier=back"});
  EXPECT_EQ(out.out, quick + "\n");
  out = crioctl({"ps", "-a", "-q", "--pod", pod.substr(0, 8)});
  EXPECT_EQ(Lines(out.out).size(), 2u) << out.out;
  out = crioctl({"ps", "-a", "-q", "--pod", "ffffffffffff"});
  // As crictl: an unknown pod id filters everything out; it is not an error.
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "") << "an unknown pod id";

  out = crioctl({"pods"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  ASSERT_EQ(Lines(out.out).size(), 2u) << out.out;
  EXPECT_NE(Lines(out.out)[1].find("Ready"), std::string::npos) << out.out;
  EXPECT_NE(Lines(out.out)[1].find("cli"), std::string::npos) << out.out;
  out = crioctl({"pods", "-q"});
  EXPECT_EQ(out.out, pod + "\n");

  out = crioctl({"inspect", talker});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  nlohmann::json inspected = nlohmann::json::parse(out.out);
  EXPECT_EQ(inspected["status"]["id"], talker);
  EXPECT_EQ(inspected["status"]["state"], "CONTAINER_RUNNING");
  EXPECT_EQ(inspected["info"]["runtimeSpec"]["process"]["args"][0], "sh");
  const int pid = inspected["info"].value("pid", 0);
  EXPECT_GT(pid, 0);
  out = crioctl({"inspect", quick});
  inspected = nlohmann::json::parse(out.out);
  EXPECT_EQ(inspected["status"]["exitCode"], 2);
  out = crioctl({"inspectp", pod});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const nlohmann::json pod_json = nlohmann::json::parse(out.out);
  EXPECT_EQ(pod_json["status"]["state"], "SANDBOX_READY");
  EXPECT_EQ(pod_json["status"]["metadata"]["name"], "cli");
  EXPECT_TRUE(pod_json.contains("info")) << out.out;

  out = crioctl({"logs", talker});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "one\ntwo\nthree\n");
  out = crioctl({"logs", "--tail", "1", talker});
  EXPECT_EQ(out.out, "three\n");
  out = crioctl({"logs", quick});
  EXPECT_EQ(out.out, "done\n");

  out = crioctl({"exec", talker, "sh", "-c", "echo out; echo err >&2; exit 5"});
  EXPECT_EQ(out.exit_code, 5);
  EXPECT_EQ(out.out, "out\n");
  EXPECT_EQ(out.err, "err\n");
  out = crioctl({"exec", talker, "hostname"});
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.out, "cli\n");

  out = crioctl({"update", "--memory", "67108864", talker});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(MemoryLimitOf(pid), 64 * 1024 * 1024);

  out = crioctl({"rm", talker});
  EXPECT_NE(out.exit_code, 0) << "removing a running container needs -f";
  out = crioctl({"stop", "-t", "5", talker});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(out.out, talker + "\n");
  out = crioctl({"ps", "-q"});
  EXPECT_EQ(out.out, "");
  out = crioctl({"rm", talker, quick});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_FALSE(std::filesystem::exists(logs + "/talker.log")) << "rm deletes the log";
  out = crioctl({"ps", "-a", "-q"});
  EXPECT_EQ(out.out, "");

  out = crioctl({"rmp", pod});
  EXPECT_NE(out.exit_code, 0) << "removing a ready pod needs stopp first";
  out = crioctl({"stopp", pod});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(out.out, "Stopped sandbox " + pod + "\n");
  out = crioctl({"pods", "--state", "notready", "-q"});
  EXPECT_EQ(out.out, pod + "\n");
  out = crioctl({"rmp", pod});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(out.out, "Removed sandbox " + pod + "\n");
  out = crioctl({"pods", "-q"});
  EXPECT_EQ(out.out, "");
  ExpectNothingLeft();
}

// A command left running (crioctl port-forward), its output in files; ended by SIGTERM.
class BackgroundCommand {
 public:
  BackgroundCommand(const std::vector<std::string>& argv, const std::string& dir)
      : out_path_(dir + "/bg.out"), err_path_(dir + "/bg.err") {
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&files, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    if (::posix_spawn(&pid_, args[0], &files, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&files);
  }

  ~BackgroundCommand() {
    if (pid_ > 0) Stop();
  }

  // Sends SIGTERM and waits (at most 10 s, then SIGKILL). @return the exit code; -1
  // when killed.
  int Stop() {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Waits until stdout holds `needle` (at most 10 s). @return stdout then
  std::string WaitForOutput(const std::string& needle) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string out = Slurp(out_path_);
    while (out.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      out = Slurp(out_path_);
    }
    return out;
  }

  std::string err() const { return Slurp(err_path_); }
  bool started() const { return pid_ > 0; }

 private:
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = -1;
};

// Sends an HTTP/1.0 GET to 127.0.0.1:`port` and reads the answer until the server closes
// (or 10 s pass).
std::string HttpGet(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      pollfd pfd{fd, POLLIN, 0};
      while (::poll(&pfd, 1, 10000) > 0) {
        const ssize_t got = ::read(fd, buffer, sizeof(buffer));
        if (got <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(got));
      }
    }
  }
  ::close(fd);
  return answer;
}

class CrioctlStreamingTest : public LifecycleTest {
 protected:
  CommandOutput Crioctl(std::vector<std::string> args) {
    args.insert(args.begin(), {CrioctlBinary(), "-r", "unix://" + dirs_.socket()});
    return RunCommand(args, {}, 60s);
  }

  // A pod running busybox httpd on 127.0.0.1:8080 (its network namespace), serving
  // "hello from the pod"; sets pod_.
  std::string HttpdContainer() {
    const v1::PodSandboxConfig pod_config = PodConfig("cli-stream");
    EXPECT_TRUE(RunPod(pod_config, &pod_).ok()) << daemon_->Log();
    const v1::ContainerConfig config = ContainerConfig(
        "httpd", {"sh", "-c",
                  "mkdir -p /tmp/www && echo hello from the pod > /tmp/www/index.html && "
                  "exec busybox httpd -f -p 127.0.0.1:8080 -h /tmp/www"});
    std::string id;
    const grpc::Status created = Create(pod_, pod_config, config, &id);
    EXPECT_TRUE(created.ok()) << created.error_message() << daemon_->Log();
    const grpc::Status started = Start(id);
    EXPECT_TRUE(started.ok()) << started.error_message() << daemon_->Log();
    return id;
  }

  // exec with each transport: output, stderr, exit code, and stdin's end (from
  // /dev/null) reaching `cat`.
  void ExpectExecWorks(const std::string& id) {
    for (const std::vector<std::string>& transport :
         {std::vector<std::string>{}, std::vector<std::string>{"-r", "spdy"},
          std::vector<std::string>{"--transport", "websocket"}}) {
      const std::string name = transport.empty() ? "default" : transport[1];
      std::vector<std::string> args = {"exec"};
      args.insert(args.end(), transport.begin(), transport.end());
      args.insert(args.end(), {id, "sh", "-c", "echo out; echo err >&2; exit 5"});
      CommandOutput out = Crioctl(args);
      EXPECT_EQ(out.exit_code, 5) << name << ": " << out.err << daemon_->Log();
      EXPECT_EQ(out.out, "out\n") << name;
      EXPECT_EQ(out.err, "err\n") << name;

      args = {"exec", "-i"};
      args.insert(args.end(), transport.begin(), transport.end());
      args.insert(args.end(), {id, "sh", "-c", "cat; echo stdin ended"});
      out = Crioctl(args);
      EXPECT_EQ(out.exit_code, 0) << name << ": " << out.err;
      EXPECT_EQ(out.out, "stdin ended\n") << name;
    }
  }

  std::string pod_;
};

TEST_F(CrioctlStreamingTest, CrioctlExecsOverSpdyByDefaultAndOverWebSocket) {
  const std::string id = HttpdContainer();
  ExpectExecWorks(id);
  // A container id prefix and a command's own flags, over SPDY. (Not a look at the
  // container's files: where the daemon runs chrooted, as in CI, runc exec starts the
  // process at the host's root.)
  const CommandOutput out = Crioctl({"exec", id.substr(0, 12), "echo", "-n", "flags pass"});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "flags pass");
  const CommandOutput bad = Crioctl({"exec", "-r", "http2", id, "true"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("unknown transport \"http2\": expected spdy or websocket"),
            std::string::npos)
      << bad.err;
}

TEST_F(CrioctlStreamingTest, CrioctlPortForwardsToAnHttpdInThePod) {
  HttpdContainer();
  for (const std::string transport : {"spdy", "websocket"}) {
    BackgroundCommand forward({CrioctlBinary(), "-r", "unix://" + dirs_.socket(), "port-forward",
                               "-r", transport, pod_, ":8080"},
                              dirs_.root());
    ASSERT_TRUE(forward.started());
    const std::string announced = forward.WaitForOutput(" -> 8080\n");
    const std::string prefix = "Forwarding from 127.0.0.1:";
    ASSERT_EQ(announced.rfind(prefix, 0), 0u) << announced << forward.err();
    const auto port = static_cast<std::uint16_t>(std::stoi(announced.substr(prefix.size())));
    // httpd needs a moment to listen: a refused connection is reported and retried.
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (answer.find("hello from the pod") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      answer = HttpGet(port, "/index.html");
      if (answer.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_NE(answer.find(" 200 OK\r\n"), std::string::npos) << transport << ": " << answer;
    EXPECT_NE(answer.find("hello from the pod"), std::string::npos)
        << transport << ": " << answer << forward.err();
    // Two connections at once: each gets its own URL and streams.
    std::string first, second;
    std::thread other([&] { second = HttpGet(port, "/index.html"); });
    first = HttpGet(port, "/index.html");
    other.join();
    EXPECT_NE(first.find("hello from the pod"), std::string::npos) << transport << ": " << first;
    EXPECT_NE(second.find("hello from the pod"), std::string::npos) << transport << ": " << second;
    EXPECT_EQ(forward.Stop(), 0) << transport << ": " << forward.err();
    EXPECT_NE(forward.WaitForOutput("Handling connection for")
                  .find("Handling connection for " + std::to_string(port)),
              std::string::npos);
  }
}

// The daemon's streaming server with stream_enable_tls and a certificate crioctl cannot
// verify (its CA is nowhere in the system's store): crioctl execs through the https://
// URLs anyway, as crictl does.
class CrioctlHttpsTest : public CrioctlStreamingTest {
 protected:
  void SetUp() override {
    const streaming::testing::TestCert ca = streaming::testing::MakeTestCa();
    const streaming::testing::TestCert server = streaming::testing::MakeServerCert(ca);
    dirs_.Write("crioctl-tls/server.pem", server.cert_pem);
    dirs_.Write("crioctl-tls/server-key.pem", server.key_pem);
    dirs_.Write("crio.conf.d/20-crioctl-tls.conf",
                "[crio.api]\nstream_enable_tls = true\nstream_tls_cert = \"" + dirs_.root() +
                    "/crioctl-tls/server.pem\"\nstream_tls_key = \"" + dirs_.root() +
                    "/crioctl-tls/server-key.pem\"\n");
    LifecycleTest::SetUp();
  }
};

TEST_F(CrioctlHttpsTest, CrioctlExecsOverHttpsWithBothTransports) {
  const std::string id = HttpdContainer();
  v1::ExecRequest request;
  request.set_container_id(id);
  request.add_cmd("true");
  request.set_stdout(true);
  v1::ExecResponse response;
  ASSERT_TRUE(daemon_->runtime().Exec(Context().get(), request, &response).ok());
  ASSERT_EQ(response.url().rfind("https://", 0), 0u) << response.url();
  ExpectExecWorks(id);
}

}  // namespace
}  // namespace crio::e2e
