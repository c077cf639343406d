#include "process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <system_error>
#include <thread>

namespace bench {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

void OnInterrupt(int /*signal*/) { g_interrupted = 1; }

std::system_error ErrnoError(const std::string& what) {
  return std::system_error(errno, std::generic_category(), what);
}

// execv() needs a path; PATH is searched here, before fork(), because after fork() in a
// process that has gRPC threads only async-signal-safe calls are allowed.
std::string ResolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const std::string candidate = path.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  throw std::runtime_error("program not found in PATH: " + name);
}

int OpenOrThrow(const char* path, int flags) {
  const int fd = ::open(path, flags | O_CLOEXEC, 0644);
  if (fd < 0) throw ErrnoError(std::string("open ") + path);
  return fd;
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal_number, &action, nullptr);
}

void CheckInterrupted() {
  if (InterruptRequested()) throw Interrupted();
}

bool InterruptRequested() { return g_interrupted != 0; }

void SleepFor(std::chrono::milliseconds duration) {
  constexpr std::chrono::milliseconds kSlice{50};
  const auto until = std::chrono::steady_clock::now() + duration;
  for (auto now = std::chrono::steady_clock::now(); now < until;
       now = std::chrono::steady_clock::now()) {
    CheckInterrupted();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kSlice, until - now));
  }
  CheckInterrupted();
}

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw ErrnoError("mkdtemp " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
  if (error) std::cerr << "warning: cannot remove " << path_ << ": " << error.message() << "\n";
}

Child::Child(const std::vector<std::string>& argv, const std::filesystem::path& output_file) {
  if (argv.empty()) throw std::invalid_argument("Child: empty argv");
  // Everything the child needs is prepared here, before fork().
  const std::string program = ResolveProgram(argv[0]);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const int null_fd = OpenOrThrow("/dev/null", O_RDONLY);
  const int out_fd = OpenOrThrow(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC);
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ == 0) {
    // Dies with us even if we are SIGKILLed and never run a destructor.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    ::execv(program.c_str(), args.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(null_fd);
  ::close(out_fd);
  if (pid_ < 0) {
    errno = fork_errno;
    throw ErrnoError("fork");
  }
}

Child::~Child() { Kill(); }

bool Child::Running() {
  if (pid_ < 0) return false;
  int status = 0;
  const pid_t result = ::waitpid(pid_, &status, WNOHANG);
  if (result == 0) return true;
  if (result == pid_) wait_status_ = status;
  pid_ = -1;  // reaped (or not ours any more): never signal this PID again
  return false;
}

bool Child::Stop(std::chrono::milliseconds grace) {
  if (!Running()) return true;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Kill();
  return false;
}

void Child::Kill() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  wait_status_ = status;
  pid_ = -1;
}

std::string CaptureOutput(const std::vector<std::string>& argv) {
  TempDir dir("daemon-bench-out-");
  const auto output_file = dir.path() / "output";
  {
    Child child(argv, output_file);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (child.Running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    child.Stop(std::chrono::seconds(1));
  }
  std::ifstream in(output_file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return "signal " + std::to_string(WTERMSIG(wait_status));
  return "status " + std::to_string(wait_status);
}

std::string TailOfFile(const std::filesystem::path& file, int max_lines) {
  std::ifstream in(file);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (static_cast<int>(lines.size()) > max_lines) lines.pop_front();
  }
  std::string tail;
  for (const std::string& line : lines) tail += "  | " + line + "\n";
  return tail;
}

}  // namespace bench
