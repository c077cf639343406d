#include "monitor_test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace crio::monitor::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/crio-monitor-test-XXXXXX";
  if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string MonitorBinary() { return CRIO_MONITOR_BIN; }

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

absl::StatusOr<ExitInfo> WaitForExit(const std::string& exit_file,
                                     std::chrono::milliseconds timeout) {
  absl::StatusOr<std::optional<ExitInfo>> info = std::nullopt;
  WaitUntil(
      [&] {
        info = ReadExitFile(exit_file);
        return !info.ok() || info->has_value();
      },
      timeout);
  if (!info.ok()) return info.status();
  if (!info->has_value()) {
    return absl::DeadlineExceededError("no exit file " + exit_file);
  }
  return **info;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<CriEntry> ParseCriLog(const std::string& content) {
  std::vector<CriEntry> entries;
  std::istringstream in(content);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t a = line.find(' ');
    const std::size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
    const std::size_t c = b == std::string::npos ? b : line.find(' ', b + 1);
    if (c == std::string::npos) {
      ADD_FAILURE() << "malformed CRI log line: " << line;
      continue;
    }
    entries.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1),
                       line.substr(b + 1, c - b - 1), line.substr(c + 1)});
  }
  return entries;
}

std::string StreamText(const std::vector<CriEntry>& entries, const std::string& stream) {
  std::string text;
  for (const CriEntry& e : entries) {
    if (e.stream != stream) continue;
    text += e.text;
    if (e.tag == "F") text += "\n";
  }
  return text;
}

bool IsRfc3339Nano(const std::string& time) {
  // "2016-10-06T00:17:09.669794202" then "Z" or "+01:00"; D = digit.
  static constexpr char kShape[] = "DDDD-DD-DDTDD:DD:DD.DDDDDDDDD";
  constexpr std::size_t kLen = sizeof(kShape) - 1;
  auto matches = [](const std::string& text, const char* shape, std::size_t len) {
    for (std::size_t i = 0; i < len; ++i) {
      const bool ok = shape[i] == 'D' ? std::isdigit(static_cast<unsigned char>(text[i])) != 0
                                      : text[i] == shape[i];
      if (!ok) return false;
    }
    return true;
  };
  if (time.size() < kLen || !matches(time, kShape, kLen)) return false;
  const std::string zone = time.substr(kLen);
  if (zone == "Z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
         matches(zone.substr(1), "DD:DD", 5);
}

int ConnectAttach(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string ReadAttachUntil(int fd, char tag, const std::string& want,
                            std::chrono::milliseconds timeout) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (text.find(want) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[8193];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    if (buf[0] == tag) text.append(buf + 1, static_cast<std::size_t>(n - 1));
  }
  return text;
}

bool ProcessAlive(pid_t pid) {
  const std::string stat = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

pid_t ParentPid(pid_t pid) {
  const std::string stat = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream in(stat.substr(paren + 2));
  char state = 0;
  pid_t ppid = -1;
  in >> state >> ppid;
  return ppid;
}

std::vector<pid_t> FindProcesses(const std::string& needle) {
  std::vector<pid_t> pids;
  const pid_t self = ::getpid();
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || name[0] < '1' || name[0] > '9') continue;
    const pid_t pid = std::atoi(name.c_str());
    if (pid == self || !ProcessAlive(pid)) continue;
    std::string cmdline = ReadFileOrEmpty("/proc/" + name + "/cmdline");
    for (char& ch : cmdline) {
      if (ch == '\0') ch = ' ';
    }
    if (cmdline.find(needle) != std::string::npos) pids.push_back(pid);
  }
  return pids;
}

RunResult RunCommand(const std::vector<std::string>& argv) {
  RunResult result;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return result;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    const int dev_null = ::open("/dev/null", O_RDONLY);
    ::dup2(dev_null, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof(buf))) > 0) {
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

long PrivateKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  if (!in) return -1;
  long total = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Private_", 0) != 0) continue;
    std::istringstream fields(line.substr(line.find(':') + 1));
    long kib = 0;
    fields >> kib;
    total += kib;
  }
  return total;
}

}  // namespace crio::monitor::testing
