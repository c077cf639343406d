#include "daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace crio::e2e {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// fork+exec with stdout/stderr to files; the child gets the parent's env plus `extra`.
pid_t SpawnWithFiles(std::vector<std::string> argv, const std::vector<std::string>& extra_env,
                     const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const auto& e : extra_env) env.push_back(e);
  auto c_argv = CStrings(argv);
  auto c_env = CStrings(env);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    // The test process blocks nothing, but gtest may; start the child clean.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    ::_exit(127);
  }
  return pid;
}

int WaitPid(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (std::chrono::steady_clock::now() > deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

TestDirs::TestDirs() {
  char tmpl[] = "/tmp/crio-e2e-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  std::filesystem::create_directories(config_dir());
  std::filesystem::create_directories(root_ + "/net.d");
}

TestDirs::~TestDirs() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void TestDirs::Write(const std::string& relative, const std::string& text) const {
  const std::filesystem::path path = std::filesystem::path(root_) / relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

namespace {

std::string BinaryUnderTest(const char* name, const char* built) {
  const char* dir = std::getenv("CRIO_E2E_BIN_DIR");
  if (dir == nullptr || *dir == '\0') return built;
  return std::string(dir) + "/" + name;
}

}  // namespace

std::string CrioBinary() { return BinaryUnderTest("crio", CRIO_BUILT_BIN); }
std::string CrioctlBinary() { return BinaryUnderTest("crioctl", CRIOCTL_BUILT_BIN); }

bool BinariesAreSanitized() {
  const char* flag = std::getenv("CRIO_E2E_SANITIZED");
  return CRIO_E2E_SANITIZED != 0 || (flag != nullptr && std::string(flag) == "1");
}

CommandOutput RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env, std::chrono::seconds timeout) {
  char tmpl[] = "/tmp/crio-cmd-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::string dir = tmpl;
  CommandOutput result;
  const pid_t pid = SpawnWithFiles(argv, extra_env, dir + "/out", dir + "/err");
  result.exit_code = WaitPid(pid, timeout);
  if (result.exit_code == -2) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  result.out = ReadAll(dir + "/out");
  result.err = ReadAll(dir + "/err");
  std::filesystem::remove_all(dir);
  return result;
}

DaemonProcess::DaemonProcess(const TestDirs& dirs) : dirs_(dirs) {
  if (!std::filesystem::exists(dirs_.config_file())) {
    // No CNI config in net.d: NetworkReady starts false. The runtime is the real runc
    // from $PATH, as on a node.
    // Every path the daemon writes is inside `dirs`, runc's state included.
    const std::string& root = dirs_.root();
    dirs_.Write("crio.conf",
                "[crio]\n"
                "log_dir = \"" +
                    root +
                    "/pod-logs\"\n"
                    "[crio.runtime]\n"
                    "cgroup_manager = \"cgroupfs\"\n"
                    "log_level = \"info\"\n"
                    "container_exits_dir = \"" +
                    root +
                    "/run/exits\"\n"
                    "container_attach_socket_dir = \"" +
                    root +
                    "/run/attach\"\n"
                    "namespaces_dir = \"" +
                    root +
                    "/run/ns\"\n"
                    "[crio.runtime.runtimes.runc]\n"
                    "runtime_root = \"" +
                    root +
                    "/run/runc\"\n"
                    "\n[crio.network]\n"
                    "network_dir = \"" +
                    dirs_.root() +
                    "/net.d/\"\n"
                    "plugin_dirs = [\"" +
                    dirs_.root() + "/cni-bin/\"]\n");
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void DaemonProcess::Spawn(const std::vector<std::string>& extra_args,
                          const std::vector<std::string>& extra_env) {
  std::vector<std::string> argv = {
      CrioBinary(),          "--config",  dirs_.config_file(),  "--config-dir",
      dirs_.config_dir(),    "--listen",  dirs_.socket(),       "--root",
      dirs_.root() + "/lib", "--runroot", dirs_.root() + "/run"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = SpawnWithFiles(argv, extra_env, dirs_.log_file(), dirs_.log_file());
}

runtime::v1::RuntimeService::Stub& DaemonProcess::runtime() {
  if (!runtime_) {
    // Polling for readiness fails connections on purpose; keep gRPC's reconnect
    // backoff short so that a daemon that is ready is seen at once.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
    channel_ = grpc::CreateCustomChannel("unix://" + dirs_.socket(),
                                         grpc::InsecureChannelCredentials(), args);
    runtime_ = runtime::v1::RuntimeService::NewStub(channel_);
    image_ = runtime::v1::ImageService::NewStub(channel_);
  }
  return *runtime_;
}

runtime::v1::ImageService::Stub& DaemonProcess::image() {
  runtime();
  return *image_;
}

std::unique_ptr<grpc::ClientContext> DaemonProcess::Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return context;
}

bool DaemonProcess::WaitReady(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (std::filesystem::exists(dirs_.socket())) {
      runtime::v1::VersionRequest request;
      runtime::v1::VersionResponse response;
      auto context = std::make_unique<grpc::ClientContext>();
      context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
      if (runtime().Version(context.get(), request, &response).ok()) return true;
      // A channel that first met a stale socket may sit in its reconnect backoff;
      // the next attempt starts on a new one.
      runtime_.reset();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void DaemonProcess::Signal(int signo) const {
  if (pid_ > 0) ::kill(pid_, signo);
}

int DaemonProcess::WaitExit(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  const int code = WaitPid(pid_, timeout);
  if (code != -2) pid_ = -1;
  return code < 0 ? -1 : code;
}

std::string DaemonProcess::Log() const { return ReadAll(dirs_.log_file()); }

bool DaemonProcess::WaitForLog(const std::string& needle, std::size_t from,
                               std::chrono::seconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = Log();
    if (log.size() > from && log.find(needle, from) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace crio::e2e
