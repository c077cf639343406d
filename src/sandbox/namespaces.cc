// Pinning a pod's namespaces from a forked child.

#include "crio/sandbox/namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"
#include "crio/config/values.h"

namespace crio::sandbox {

namespace stdfs = std::filesystem;
namespace {

struct Target {
  const char* type;  // "net", "ipc", "uts"
  std::string path;
};

// The child reports failures as one message on a pipe; it may only make async-signal-safe
// calls, so messages are assembled from fixed pieces with plain writes.
void Report(int fd, const char* what, const char* detail, int err) {
  auto put = [fd](const char* text) {
    if (text != nullptr) (void)!::write(fd, text, std::strlen(text));
  };
  put(what);
  if (detail != nullptr) {
    put(" ");
    put(detail);
  }
  if (err != 0) {
    put(": ");
    put(::strerrordesc_np(err));
  }
}

bool WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

struct ChildPlan {
  int flags = 0;
  std::string hostname;
  std::vector<std::pair<std::string, std::string>> sysctl_files;  // /proc/sys path, value
  std::vector<Target> targets;
};

[[noreturn]] void RunChild(const ChildPlan& plan, int report_fd) {
  if (::unshare(plan.flags) != 0) {
    Report(report_fd, "unshare", nullptr, errno);
    ::_exit(1);
  }
  if (!plan.hostname.empty() && ::sethostname(plan.hostname.c_str(), plan.hostname.size()) != 0) {
    Report(report_fd, "set hostname", plan.hostname.c_str(), errno);
    ::_exit(1);
  }
  if ((plan.flags & CLONE_NEWNET) != 0) {
    const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &request) != 0) {
      Report(report_fd, "get loopback flags", nullptr, errno);
      ::_exit(1);
    }
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(sock, SIOCSIFFLAGS, &request) != 0) {
      Report(report_fd, "bring loopback up", nullptr, errno);
      ::_exit(1);
    }
    ::close(sock);
  }
  for (const auto& [file, value] : plan.sysctl_files) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || !WriteAll(fd, value.data(), value.size())) {
      Report(report_fd, "write sysctl", file.c_str(), errno);
      ::_exit(2);
    }
    ::close(fd);
  }
  for (const Target& target : plan.targets) {
    char source[32] = "/proc/self/ns/";
    std::strcat(source, target.type);
    if (::mount(source, target.path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      Report(report_fd, "bind-mount namespace onto", target.path.c_str(), errno);
      ::_exit(1);
    }
  }
  ::_exit(0);
}

void RemovePinned(const std::string& path) {
  if (path.empty()) return;
  // A pinned file is a mount point; a plain file is what a failed pin leaves.
  ::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
  ::unlink(path.c_str());
}

}  // namespace

std::string SysctlNamespace(const std::string& name) { return config::SysctlNamespaceOf(name); }

absl::StatusOr<PinnedNamespaces> PinNamespaces(const PinRequest& request) {
  if (request.pod_id.empty() || request.pod_id.find('/') != std::string::npos ||
      request.pod_id == "." || request.pod_id == "..") {
    return absl::InvalidArgumentError(absl::StrCat("invalid pod id \"", request.pod_id, "\""));
  }
  ChildPlan plan;
  plan.hostname = request.uts ? request.hostname : "";
  PinnedNamespaces pinned;
  const auto add = [&](bool wanted, int flag, const char* type, std::string& out) -> absl::Status {
    if (!wanted) return absl::OkStatus();
    const std::string dir = absl::StrCat(request.namespaces_dir, "/", type, "ns");
    RETURN_IF_ERROR(fs::MakeDirs(dir, 0755));
    out = absl::StrCat(dir, "/", request.pod_id);
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0) {
      const int err = errno;
      out.clear();
      return fs::ErrnoStatus(err, absl::StrCat("create ", dir, "/", request.pod_id));
    }
    ::close(fd);
    plan.flags |= flag;
    plan.targets.push_back({type, out});
    return absl::OkStatus();
  };
  bool done = false;
  struct Undo {
    PinnedNamespaces& pinned;
    bool& done;
    ~Undo() {
      if (done) return;
      RemovePinned(pinned.net);
      RemovePinned(pinned.ipc);
      RemovePinned(pinned.uts);
    }
  } undo{pinned, done};

  RETURN_IF_ERROR(add(request.net, CLONE_NEWNET, "net", pinned.net));
  RETURN_IF_ERROR(add(request.ipc, CLONE_NEWIPC, "ipc", pinned.ipc));
  RETURN_IF_ERROR(add(request.uts, CLONE_NEWUTS, "uts", pinned.uts));
  if (plan.flags == 0) {
    done = true;
    return pinned;
  }
  for (const auto& [name, value] : request.sysctls) {
    const std::string ns = SysctlNamespace(name);
    const bool joined = (ns == "net" && request.net) || (ns == "ipc" && request.ipc) ||
                        (ns == "uts" && request.uts);
    if (!joined) {
      return absl::InvalidArgumentError(
          absl::StrCat("sysctl \"", name, "\" is not allowed: ",
                       ns.empty() ? "it is not namespaced and would change the host"
                                  : "the pod shares that namespace with the host"));
    }
    if (name.find("..") != std::string::npos || name.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("invalid sysctl name \"", name, "\""));
    }
    plan.sysctl_files.emplace_back("/proc/sys/" + absl::StrReplaceAll(name, {{".", "/"}}), value);
  }

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return fs::ErrnoStatus(errno, "pipe");
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return fs::ErrnoStatus(err, "fork to pin namespaces");
  }
  if (pid == 0) {
    ::close(pipe_fds[0]);
    RunChild(plan, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0 && message.size() < 4096) message.append(buffer, static_cast<std::size_t>(n));
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (message.empty()) message = "the child failed";
    // Exit code 2: a sysctl the kernel refused, which is the request's fault.
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
      return absl::InvalidArgumentError(absl::StrCat("pin namespaces: ", message));
    }
    return absl::InternalError(absl::StrCat("pin namespaces: ", message));
  }
  done = true;
  return pinned;
}

absl::StatusOr<pid_t> StartPidNamespaceHolder(const std::string& binary,
                                              const std::string& pod_id) {
  if (::access(binary.c_str(), X_OK) != 0) {
    return fs::ErrnoStatus(errno, absl::StrCat("the pause program ", binary));
  }
  const std::vector<std::string> args = {binary, "pause", pod_id};
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return fs::ErrnoStatus(errno, "pipe");
  const pid_t child = ::fork();
  if (child < 0) {
    const int err = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return fs::ErrnoStatus(err, "fork the PID namespace holder");
  }
  if (child == 0) {
    // Async-signal-safe calls only. The child leaves the daemon's session, makes the new
    // PID namespace, and its own child becomes PID 1 there; then it exits, so the holder
    // is reparented away from the daemon.
    ::setsid();
    if (::unshare(CLONE_NEWPID) != 0) ::_exit(1);
    const pid_t holder = ::fork();
    if (holder < 0) ::_exit(1);
    if (holder == 0) {
      const int null_fd = ::open("/dev/null", O_RDWR);
      if (null_fd >= 0) {
        ::dup2(null_fd, 0);
        ::dup2(null_fd, 1);
        ::dup2(null_fd, 2);
      }
      ::close_range(3, ~0U, 0);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const int pid = holder;
    (void)!::write(pipe_fds[1], &pid, sizeof pid);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  int holder = 0;
  const ssize_t got = ::read(pipe_fds[0], &holder, sizeof holder);
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != sizeof holder || holder <= 0) {
    return absl::InternalError("could not start the PID namespace holder");
  }
  // Wait until it runs the pause program, so that the pid check of later calls holds.
  for (int i = 0; i < 200 && !PidNamespaceHolderRunning(holder, pod_id); ++i) {
    ::usleep(1000);
  }
  if (!PidNamespaceHolderRunning(holder, pod_id)) {
    ::kill(holder, SIGKILL);
    return absl::InternalError(absl::StrCat("the PID namespace holder ", binary, " did not start"));
  }
  return holder;
}

bool PidNamespaceHolderRunning(pid_t pid, const std::string& pod_id) {
  if (pid <= 0) return false;
  auto cmdline = fs::ReadFile(absl::StrCat("/proc/", pid, "/cmdline"), 4096);
  if (!cmdline.ok()) return false;
  return absl::StrContains(*cmdline, absl::StrCat(std::string("pause") + '\0', pod_id));
}

void StopPidNamespaceHolder(pid_t pid, const std::string& pod_id) {
  if (!PidNamespaceHolderRunning(pid, pod_id)) return;
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 1000 && PidNamespaceHolderRunning(pid, pod_id); ++i) ::usleep(1000);
}

std::vector<pid_t> FindPidNamespaceHolders(const std::string& pod_id) {
  std::vector<pid_t> holders;
  if (pod_id.empty()) return holders;
  std::error_code ec;
  for (stdfs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (PidNamespaceHolderRunning(pid, pod_id)) holders.push_back(pid);
  }
  return holders;
}

absl::Status UnpinNamespaces(const PinnedNamespaces& pinned) {
  for (const std::string* path : {&pinned.net, &pinned.ipc, &pinned.uts}) {
    if (path->empty()) continue;
    if (::umount2(path->c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL &&
        errno != ENOENT) {
      return fs::ErrnoStatus(errno, absl::StrCat("unmount ", *path));
    }
    if (::unlink(path->c_str()) != 0 && errno != ENOENT) {
      return fs::ErrnoStatus(errno, absl::StrCat("remove ", *path));
    }
  }
  return absl::OkStatus();
}

}  // namespace crio::sandbox
