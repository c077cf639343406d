#include "supervisor.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "cgroup.h"
#include "exit_record.h"
#include "fs_util.h"

extern char** environ;

namespace crio::monitor {
namespace {

// A piece of a line waits this long for its newline before it is logged as P.
constexpr std::int64_t kPartialFlushMs = 100;
// After init has ended, output still in flight is drained until the pipes reach EOF,
// or nothing came for kDrainQuietMs, and never for longer than kDrainMaxMs: daemonized
// processes of a container without a PID namespace may hold the pipes open forever.
constexpr std::int64_t kDrainQuietMs = 200;
constexpr std::int64_t kDrainMaxMs = 3000;
constexpr std::int64_t kDeleteTimeoutMs = 10000;
constexpr std::int64_t kReapTimeoutMs = 5000;

std::int64_t MonotonicMs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::int64_t RealtimeNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void SleepMs(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// The length snprintf wrote into a buffer of `cap` bytes (it returns what it wanted to).
std::size_t Printed(int n, std::size_t cap) {
  if (n < 0) return 0;
  return static_cast<std::size_t>(n) < cap ? static_cast<std::size_t>(n) : cap - 1;
}

void SetNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

// Static storage keeps the large buffers out of the stack and the heap; pages that a
// quiet container never uses are never touched.
char g_read_buf[protocol::kAttachDataMax];
char g_create_err[protocol::kMaxErrorMessage];
std::size_t g_create_err_len = 0;
const char** g_envp = nullptr;
// oom_score_adj as the monitor was started with, restored in the runtime's child so
// that the container does not inherit the monitor's protection.
char g_oom_score_adj[16] = {};

// Keeps the end of what the runtime wrote on stderr: its final error line comes last.
void MakeRoomInCreateErr() {
  if (g_create_err_len < sizeof(g_create_err)) return;
  const std::size_t half = sizeof(g_create_err) / 2;
  std::memmove(g_create_err, g_create_err + half, sizeof(g_create_err) - half);
  g_create_err_len -= half;
}

void AppendCreateErr(const char* data, std::size_t len) {
  while (len > 0) {
    MakeRoomInCreateErr();
    std::size_t take = sizeof(g_create_err) - g_create_err_len;
    if (take > len) take = len;
    std::memcpy(g_create_err + g_create_err_len, data, take);
    g_create_err_len += take;
    data += take;
    len -= take;
  }
}

// Reads `fd` (non-blocking) into g_create_err until it would block.
// @return true at EOF
bool ReadCreateErr(int fd) {
  for (;;) {
    MakeRoomInCreateErr();
    const ssize_t n =
        ::read(fd, g_create_err + g_create_err_len, sizeof(g_create_err) - g_create_err_len);
    if (n > 0) {
      g_create_err_len += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n == 0;
  }
}

struct Reaped {
  pid_t pid;
  int status;
};
// Children reaped before the init pid was known (the init can die during create).
Reaped g_reaped[16];
int g_reaped_count = 0;

void ProtectFromOomKiller() {
  const int fd = ::open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  const ssize_t n = ::read(fd, g_oom_score_adj, sizeof(g_oom_score_adj) - 1);
  if (n > 0) {
    g_oom_score_adj[n] = '\0';
    // Without CAP_SYS_RESOURCE this fails and the monitor keeps its score.
    if (::pwrite(fd, "-1000", 5, 0) < 0) g_oom_score_adj[0] = '\0';
  } else {
    g_oom_score_adj[0] = '\0';
  }
  ::close(fd);
}

void RestoreOomScore() {
  if (g_oom_score_adj[0] == '\0') return;
  const int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  if (::write(fd, g_oom_score_adj, std::strlen(g_oom_score_adj)) < 0) {
    // Nothing more can be done in the child before exec.
  }
  ::close(fd);
}

// The runtime's environment: the monitor's, with the --env values added or replaced.
const char** BuildEnv(const Options& options) {
  int count = 0;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) ++count;
  auto* envp = static_cast<const char**>(
      std::calloc(static_cast<std::size_t>(count) + static_cast<std::size_t>(options.env_count) + 1,
                  sizeof(char*)));
  if (envp == nullptr) return nullptr;
  int n = 0;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    const std::size_t key_len = eq == nullptr ? std::strlen(*e) : static_cast<std::size_t>(eq - *e);
    bool replaced = false;
    for (int i = 0; i < options.env_count; ++i) {
      if (std::strncmp(options.env[i], *e, key_len) == 0 && options.env[i][key_len] == '=') {
        replaced = true;
        break;
      }
    }
    if (!replaced) envp[n++] = *e;
  }
  for (int i = 0; i < options.env_count; ++i) envp[n++] = options.env[i];
  envp[n] = nullptr;
  return envp;
}

// The parent pid from /proc/<pid>/stat; the comm field may contain spaces and ')'.
pid_t ParentOf(const char* pid_dir) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%s/stat", pid_dir);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  const char* close_paren = std::strrchr(buf, ')');
  if (close_paren == nullptr) return -1;
  char state = 0;
  int ppid = -1;
  if (std::sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) return -1;
  return ppid;
}

}  // namespace

// in_buf_ stays untouched until an attach client sends stdin.
Supervisor::Supervisor(const Options& options)  // NOLINT(cppcoreguidelines-pro-type-member-init)
    : options_(options) {}

void Supervisor::Report(const char* text, std::size_t len) {
  // The daemon may be gone; the container must outlive it, so errors are ignored.
  if (sync_fd_ >= 0) WriteAll(sync_fd_, text, len);
}

void Supervisor::Fail(const char* kind, long value, const char* message, std::size_t len) {
  // An exec session must leave the container alone: no runtime delete, no cgroups
  // removed (its process joined the container's).
  const bool exec = options_.exec_mode();
  if (runtime_pid_ > 0 && !runtime_done_) {
    if (!exec) CollectContainerCgroups();
    ::kill(runtime_pid_, SIGKILL);
    int status = 0;
    while (::waitpid(runtime_pid_, &status, 0) < 0 && errno == EINTR) {
    }
    runtime_done_ = true;
  }
  if (runtime_pid_ > 0 && !exec) RunDelete();
  ::unlink(options_.pid_file);
  KillLeftoverChildren();
  CloseFd(&client_fd_);
  CloseFd(&console_conn_);
  if (console_listen_ >= 0) {
    CloseFd(&console_listen_);
    ::unlink(console_path_);
  }
  if (attach_listen_ >= 0) {
    CloseFd(&attach_listen_);
    ::unlink(options_.attach_socket);
  }
  if (control_listen_ >= 0) {
    CloseFd(&control_listen_);
    ::unlink(options_.control_socket);
  }
  char head[64];
  const int n = std::snprintf(head, sizeof(head), "%s %s %ld\n", protocol::kSyncError, kind, value);
  Report(head, Printed(n, sizeof(head)));
  Report(message, len < protocol::kMaxErrorMessage ? len : protocol::kMaxErrorMessage);
  ::_exit(1);
}

void Supervisor::SetupStdio() {
  auto fail_errno = [this](const char* what) {
    const int err = errno;
    char message[128];
    const int n = std::snprintf(message, sizeof(message), "%s: %s", what, std::strerror(err));
    Fail(protocol::kErrorSetup, err, message, Printed(n, sizeof(message)));
  };
  const int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (dev_null < 0) fail_errno("open /dev/null");
  if (options_.tty) {
    // runc connects here and sends the pty master it made inside the container.
    const char* slash = std::strrchr(options_.control_socket, '/');
    const int dir_len = slash == nullptr ? 0 : static_cast<int>(slash - options_.control_socket);
    int n = std::snprintf(console_path_, sizeof(console_path_), "%.*s/.console-%d", dir_len,
                          options_.control_socket, static_cast<int>(::getpid()));
    if (slash == nullptr || n < 0 || static_cast<std::size_t>(n) >= sizeof(console_path_)) {
      std::snprintf(console_path_, sizeof(console_path_), "/tmp/.crio-console-%d",
                    static_cast<int>(::getpid()));
    }
    MakeParentDirs(console_path_, 0755);
    ::unlink(console_path_);
    console_listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (console_listen_ < 0) fail_errno("console socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, console_path_, std::strlen(console_path_) + 1);
    const mode_t old = ::umask(0077);
    const int rc = ::bind(console_listen_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::umask(old);
    if (rc != 0) fail_errno("bind console socket");
    if (::listen(console_listen_, 1) != 0) fail_errno("listen on console socket");
    int err_pipe[2];
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) fail_errno("pipe");
    create_err_fd_ = err_pipe[0];
    child_err_ = err_pipe[1];
    child_in_ = dev_null;
    child_out_ = dev_null;
    SetNonBlocking(create_err_fd_);
    return;
  }
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) fail_errno("pipe");
  out_fd_[0] = out_pipe[0];
  child_out_ = out_pipe[1];
  out_fd_[1] = err_pipe[0];
  child_err_ = err_pipe[1];
  create_err_fd_ = out_fd_[1];
  SetNonBlocking(out_fd_[0]);
  SetNonBlocking(out_fd_[1]);
  if (options_.stdin) {
    int in_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) fail_errno("pipe");
    child_in_ = in_pipe[0];
    in_fd_ = in_pipe[1];
    SetNonBlocking(in_fd_);
    ::close(dev_null);
  } else {
    child_in_ = dev_null;
  }
}

void Supervisor::BuildRuntimeArgv(const char* verb, const char** argv) {
  int n = 0;
  argv[n++] = options_.runtime;
  if (options_.runtime_root != nullptr && options_.runtime_root[0] != '\0') {
    argv[n++] = "--root";
    argv[n++] = options_.runtime_root;
  }
  for (int i = 0; i < options_.runtime_arg_count; ++i) argv[n++] = options_.runtime_args[i];
  argv[n++] = verb;
  if (std::strcmp(verb, "create") == 0) {
    argv[n++] = "--bundle";
    argv[n++] = options_.bundle;
    argv[n++] = "--pid-file";
    argv[n++] = options_.pid_file;
    if (options_.tty) {
      argv[n++] = "--console-socket";
      argv[n++] = console_path_;
    }
  } else if (std::strcmp(verb, "exec") == 0) {
    argv[n++] = "--process";
    argv[n++] = options_.exec_process;
    argv[n++] = "--pid-file";
    argv[n++] = options_.pid_file;
    // The runtime returns once the process runs (runc insists on it with a console
    // socket); the monitor, its subreaper, inherits the process and waits for it.
    argv[n++] = "--detach";
    if (options_.tty) {
      argv[n++] = "--console-socket";
      argv[n++] = console_path_;
    }
  } else {
    argv[n++] = "--force";
  }
  argv[n++] = options_.id;
  argv[n] = nullptr;
}

pid_t Supervisor::SpawnRuntime(const char* verb, int in, int out, int err) {
  // The runtime, --root <root>, the global args, the verb and its at most 7 args, the
  // id, the terminating null.
  const char* argv[kMaxRepeated + 13];
  BuildRuntimeArgv(verb, argv);
  if (g_envp == nullptr) g_envp = BuildEnv(options_);
  if (g_envp == nullptr) {
    errno = ENOMEM;
    return -1;
  }
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // The child: undo what the monitor set for itself, since ignored signals and the
  // signal mask survive exec and would reach the container's processes.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::signal(SIGHUP, SIG_DFL);
  RestoreOomScore();
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
  ::execve(options_.runtime, const_cast<char* const*>(argv), const_cast<char* const*>(g_envp));
  char message[512];
  const int n = std::snprintf(message, sizeof(message), "exec %s: %s\n", options_.runtime,
                              std::strerror(errno));
  WriteAll(2, message, Printed(n, sizeof(message)));
  ::_exit(127);
}

void Supervisor::ReapChildren() {
  signalfd_siginfo info[8];
  while (::read(signal_fd_, info, sizeof(info)) > 0) {
  }
  int status = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == runtime_pid_) {
      runtime_done_ = true;
      runtime_status_ = status;
    } else if (init_pid_ > 0 && pid == init_pid_) {
      init_exited_ = true;
      init_status_ = status;
      finished_at_ns_ = RealtimeNs();
      exited_ms_ = MonotonicMs();
    } else if (init_pid_ <= 0) {
      g_reaped[g_reaped_count % 16] = Reaped{pid, status};
      ++g_reaped_count;
    }
  }
}

void Supervisor::ReceiveConsole() {
  if (console_conn_ < 0 && console_listen_ >= 0) {
    console_conn_ = ::accept4(console_listen_, nullptr, nullptr, SOCK_CLOEXEC);
    if (console_conn_ < 0) return;
  }
  if (console_conn_ < 0 || pty_master_ >= 0) return;
  char name[256];
  iovec iov{name, sizeof(name)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  const ssize_t n = ::recvmsg(console_conn_, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      std::memcpy(&pty_master_, CMSG_DATA(c), sizeof(int));
      SetNonBlocking(pty_master_);
      out_fd_[0] = pty_master_;
      if (options_.stdin) in_fd_ = pty_master_;
      break;
    }
  }
  CloseFd(&console_conn_);
}

void Supervisor::StartRuntime(const char* verb) {
  // runc writes the pid file through a temporary file beside it.
  if (const int err = MakeParentDirs(options_.pid_file, 0755); err != 0) {
    char message[512];
    const int n = std::snprintf(message, sizeof(message), "create the directory of %s: %s",
                                options_.pid_file, std::strerror(err));
    Fail(protocol::kErrorSetup, err, message, Printed(n, sizeof(message)));
  }
  runtime_pid_ = SpawnRuntime(verb, child_in_, child_out_, child_err_);
  if (runtime_pid_ < 0) {
    const int err = errno;
    runtime_pid_ = -1;
    char message[128];
    const int n = std::snprintf(message, sizeof(message), "fork: %s", std::strerror(err));
    Fail(protocol::kErrorSetup, err, message, Printed(n, sizeof(message)));
  }
  // Only the runtime and then the container may hold these ends, or EOF never comes.
  if (child_out_ != child_in_) ::close(child_out_);
  ::close(child_in_);
  ::close(child_err_);
  child_in_ = child_out_ = child_err_ = -1;
}

void Supervisor::FailOnRuntimeError() {
  if (WIFEXITED(runtime_status_) && WEXITSTATUS(runtime_status_) == 0) return;
  // Trimmed: runc ends its message with a newline.
  const char* text = g_create_err;
  std::size_t len = g_create_err_len;
  while (len > 0 && (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t')) {
    ++text;
    --len;
  }
  while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\n' || text[len - 1] == '\r' ||
                     text[len - 1] == '\t')) {
    --len;
  }
  if (len == 0) {
    text = "the runtime wrote no error message";
    len = std::strlen(text);
  }
  if (WIFSIGNALED(runtime_status_)) {
    Fail(protocol::kErrorSignal, WTERMSIG(runtime_status_), text, len);
  }
  Fail(protocol::kErrorExit, WEXITSTATUS(runtime_status_), text, len);
}

void Supervisor::TakeInitPid() {
  char message[256];
  int message_len = 0;
  const int fd = ::open(options_.pid_file, O_RDONLY | O_CLOEXEC);
  char buf[32] = {};
  const ssize_t n = fd >= 0 ? ::read(fd, buf, sizeof(buf) - 1) : -1;
  if (fd >= 0) ::close(fd);
  char* end = nullptr;
  const long pid = n > 0 ? std::strtol(buf, &end, 10) : 0;
  if (pid <= 0 || (end != nullptr && *end != '\0' && *end != '\n')) {
    message_len = std::snprintf(message, sizeof(message), "read pid file %s: %s", options_.pid_file,
                                n < 0 ? std::strerror(errno) : "no valid pid in it");
    Fail(protocol::kErrorSetup, 0, message, Printed(message_len, sizeof(message)));
  }
  init_pid_ = static_cast<pid_t>(pid);
  if (options_.tty && pty_master_ < 0) {
    message_len = std::snprintf(message, sizeof(message),
                                "the runtime sent no terminal on the console socket");
    Fail(protocol::kErrorSetup, 0, message, Printed(message_len, sizeof(message)));
  }
  if (console_listen_ >= 0) {
    CloseFd(&console_listen_);
    ::unlink(console_path_);
  }
  const int seen = g_reaped_count < 16 ? g_reaped_count : 16;
  for (int i = 0; i < seen; ++i) {
    if (g_reaped[i].pid == init_pid_) {
      init_exited_ = true;
      init_status_ = g_reaped[i].status;
      finished_at_ns_ = RealtimeNs();
      exited_ms_ = MonotonicMs();
    }
  }
  // Once the runtime is gone, what it started is the monitor's child (the monitor is
  // their subreaper) unless the runtime waited for it itself. Its end would then never
  // reach the monitor, which would wait for it forever: that is an error now instead.
  siginfo_t info{};
  if (!init_exited_ &&
      ::waitid(P_PID, static_cast<id_t>(init_pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 &&
      errno == ECHILD) {
    message_len = std::snprintf(message, sizeof(message),
                                "process %ld from the pid file is not a child of the monitor, so "
                                "its end cannot be seen (did the runtime wait for it?)",
                                pid);
    Fail(protocol::kErrorSetup, 0, message, Printed(message_len, sizeof(message)));
  }
}

void Supervisor::RunCreate() {
  const std::int64_t deadline = MonotonicMs() + options_.create_timeout_ms;
  StartRuntime("create");
  bool err_open = true;
  while (!runtime_done_) {
    const std::int64_t remaining = deadline - MonotonicMs();
    if (remaining <= 0) FailRuntimeTimeout();
    pollfd fds[4];
    int nfds = 0;
    fds[nfds++] = {signal_fd_, POLLIN, 0};
    const int err_index = err_open ? nfds : -1;
    if (err_open) fds[nfds++] = {create_err_fd_, POLLIN, 0};
    const int console_index = console_listen_ >= 0 && pty_master_ < 0 ? nfds : -1;
    if (console_index >= 0) {
      fds[nfds++] = {console_conn_ >= 0 ? console_conn_ : console_listen_, POLLIN, 0};
    }
    const int rc = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(remaining));
    if (rc < 0 && errno != EINTR) break;
    if (rc <= 0) continue;
    if (fds[0].revents != 0) ReapChildren();
    if (err_index >= 0 && fds[err_index].revents != 0 && ReadCreateErr(create_err_fd_)) {
      err_open = false;
    }
    if (console_index >= 0 && fds[console_index].revents != 0) ReceiveConsole();
  }
  if (err_open) ReadCreateErr(create_err_fd_);
  if (options_.tty) {
    // The connection may still wait in the backlog if runc exited quickly.
    ReceiveConsole();
    CloseFd(&create_err_fd_);
  }
  create_err_fd_ = -1;
  FailOnRuntimeError();
  TakeInitPid();
}

void Supervisor::FailRuntimeTimeout() {
  char message[256];
  const int n = std::snprintf(message, sizeof(message),
                              "runtime %s of container %s did not finish in %lld ms",
                              options_.exec_mode() ? "exec" : "create", options_.id,
                              static_cast<long long>(options_.create_timeout_ms));
  Fail(protocol::kErrorTimeout, static_cast<long>(options_.create_timeout_ms), message,
       Printed(n, sizeof(message)));
}

void Supervisor::RunDelete() {
  const int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (dev_null < 0) return;
  const pid_t pid = SpawnRuntime("delete", dev_null, dev_null, dev_null);
  ::close(dev_null);
  if (pid < 0) return;
  const std::int64_t deadline = MonotonicMs() + kDeleteTimeoutMs;
  int status = 0;
  // A delete takes tens of milliseconds and a StopContainer waits on it: look often at
  // first.
  for (int looks = 0; ::waitpid(pid, &status, WNOHANG) == 0; ++looks) {
    if (MonotonicMs() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return;
    }
    SleepMs(looks < 100 ? 1 : 10);
  }
}

// After a failed create nothing may stay behind: as the subreaper the monitor has
// inherited whatever the runtime left (its init, a hook), so kill and reap those.
namespace {

constexpr int kMaxCgroups = 16;
CgroupPath g_cgroups[kMaxCgroups];
int g_cgroup_count = 0;

bool IsDescendant(const char* pid_dir, pid_t ancestor) {
  pid_t parent = ParentOf(pid_dir);
  for (int depth = 0; depth < 8 && parent > 1; ++depth) {
    if (parent == ancestor) return true;
    char name[16];
    std::snprintf(name, sizeof(name), "%d", static_cast<int>(parent));
    parent = ParentOf(name);
  }
  return false;
}

}  // namespace

// runc's init processes die with runc (parent-death signal), so the cgroups they were
// placed in are read while runc still runs.
void Supervisor::CollectContainerCgroups() {
  const pid_t self = ::getpid();
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    if (IsDescendant(entry->d_name, self)) {
      g_cgroup_count = ContainerCgroups(static_cast<pid_t>(std::atoi(entry->d_name)), options_.id,
                                        g_cgroups, g_cgroup_count, kMaxCgroups);
    }
  }
  ::closedir(dir);
}

void Supervisor::KillLeftoverChildren() {
  const pid_t self = ::getpid();
  const std::int64_t deadline = MonotonicMs() + kReapTimeoutMs;
  for (;;) {
    int status = 0;
    while (::waitpid(-1, &status, WNOHANG) > 0) {
    }
    bool any = false;
    if (DIR* dir = ::opendir("/proc"); dir != nullptr) {
      while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        if (ParentOf(entry->d_name) == self) {
          const auto pid = static_cast<pid_t>(std::atoi(entry->d_name));
          if (!options_.exec_mode()) {
            g_cgroup_count =
                ContainerCgroups(pid, options_.id, g_cgroups, g_cgroup_count, kMaxCgroups);
          }
          ::kill(pid, SIGKILL);
          any = true;
        }
      }
      ::closedir(dir);
    }
    if (!any || MonotonicMs() >= deadline) break;
    SleepMs(10);
  }
  RemoveCgroups(g_cgroups, g_cgroup_count);
}

int Supervisor::Listen(const char* path) {
  if (const int err = MakeParentDirs(path, 0755); err != 0) return -err;
  ::unlink(path);
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  sockaddr_un addr{};
  socklen_t addr_len = 0;
  int dir_fd = -1;
  if (const int err = UnixAddress(path, &addr, &addr_len, &dir_fd); err != 0) {
    ::close(fd);
    return -err;
  }
  // Only the daemon (root) may attach: stdin goes straight into the container.
  const mode_t old = ::umask(0177);
  const int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), addr_len);
  const int bind_err = errno;
  ::umask(old);
  if (dir_fd >= 0) ::close(dir_fd);
  if (rc != 0 || ::listen(fd, kMaxConnections) != 0) {
    const int err = rc != 0 ? bind_err : errno;
    ::close(fd);
    return -err;
  }
  return fd;
}

void Supervisor::SetupEndpoints() {
  const char* paths[2] = {options_.attach_socket, options_.control_socket};
  int* fds[2] = {&attach_listen_, &control_listen_};
  for (int i = 0; i < 2; ++i) {
    const int fd = Listen(paths[i]);
    if (fd < 0) {
      char message[512];
      const int n =
          std::snprintf(message, sizeof(message), "listen on %s: %s", paths[i], std::strerror(-fd));
      Fail(protocol::kErrorSetup, -fd, message, Printed(n, sizeof(message)));
    }
    *fds[i] = fd;
  }
}

int Supervisor::Run() {
  sync_fd_ = options_.sync_fd;
  ProtectFromOomKiller();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd_ < 0) {
    const int err = errno;
    Fail(protocol::kErrorSetup, err, "signalfd", 8);
  }
  if (options_.exec_mode()) return RunExec();

  SetupStdio();
  RunCreate();

  static CriLogWriter log(options_.log_path, options_.log_size_max, WallNow);
  log_ = &log;
  if (const int err = log_->Open(); err != 0) {
    char message[512];
    const int n = std::snprintf(message, sizeof(message), "open log file %s: %s", options_.log_path,
                                std::strerror(err));
    Fail(protocol::kErrorSetup, err, message, Printed(n, sizeof(message)));
  }
  // Without a terminal the runtime's stderr is the container's: what it wrote during
  // create (warnings) belongs to the container's log.
  if (!options_.tty && g_create_err_len > 0) {
    log_->Write(LogStream::kStderr, g_create_err, g_create_err_len);
    if (log_->HasPending(LogStream::kStderr)) pending_since_ms_[1] = MonotonicMs();
  }
  SetupEndpoints();
  oom_fd_ = OpenOomCounter(init_pid_);
  oom_kills_at_start_ = ReadOomKillCount(oom_fd_);

  char ok[48];
  const int n =
      std::snprintf(ok, sizeof(ok), "%s %d\n", protocol::kSyncOk, static_cast<int>(init_pid_));
  Report(ok, Printed(n, sizeof(ok)));
  // From here on the daemon may come and go; the container is ours alone.
  CloseFd(&sync_fd_);

  Loop();
  Finish();
  return 0;
}

void Supervisor::Loop() {
  last_output_ms_ = MonotonicMs();
  enum : int { kSignal, kOut0, kOut1, kStdin, kAttachListen, kControlListen, kConn };
  for (;;) {
    const std::int64_t now = MonotonicMs();
    for (int s = 0; s < 2; ++s) {
      if (pending_since_ms_[s] != 0 && now - pending_since_ms_[s] >= kPartialFlushMs) {
        log_->FlushPartial(s == 1 ? LogStream::kStderr : LogStream::kStdout);
        pending_since_ms_[s] = 0;
      }
    }
    std::int64_t timeout = -1;
    auto at_most = [&timeout](std::int64_t ms) {
      if (ms < 0) ms = 0;
      if (timeout < 0 || ms < timeout) timeout = ms;
    };
    if (init_exited_) {
      const bool outputs_open = out_fd_[0] >= 0 || out_fd_[1] >= 0;
      const std::int64_t idle_since = last_output_ms_ > exited_ms_ ? last_output_ms_ : exited_ms_;
      const bool quiet = now - idle_since >= kDrainQuietMs && !OutputReadable();
      if (!outputs_open || quiet || now - exited_ms_ >= kDrainMaxMs) return;
      at_most(idle_since + kDrainQuietMs - now);
      at_most(exited_ms_ + kDrainMaxMs - now);
    }
    for (int s = 0; s < 2; ++s) {
      if (pending_since_ms_[s] != 0) at_most(pending_since_ms_[s] + kPartialFlushMs - now);
    }

    pollfd fds[kConn + kMaxConnections];
    int what[kConn + kMaxConnections];
    int nfds = 0;
    auto add = [&](int fd, short events, int tag) {
      fds[nfds] = {fd, events, 0};
      what[nfds++] = tag;
    };
    add(signal_fd_, POLLIN, kSignal);
    if (out_fd_[0] >= 0) add(out_fd_[0], POLLIN, kOut0);
    if (out_fd_[1] >= 0) add(out_fd_[1], POLLIN, kOut1);
    if (in_len_ > 0 && in_fd_ >= 0) add(in_fd_, POLLOUT, kStdin);
    add(attach_listen_, POLLIN, kAttachListen);
    add(control_listen_, POLLIN, kControlListen);
    for (int i = 0; i < kMaxConnections; ++i) {
      Connection& c = conns_[i];
      c.fresh = false;
      if (c.fd < 0) continue;
      // While stdin is backed up, attach clients are not read: back-pressure.
      const bool want_input = c.kind == ConnKind::kControl || (c.reading && in_len_ == 0);
      add(c.fd, want_input ? POLLIN : 0, kConn + i);
    }
    const int rc = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(timeout));
    if (rc < 0 && errno != EINTR) return;
    if (rc <= 0) continue;
    // New clients first: one that connected before the container wrote must get that
    // output. Their slots may still carry events of an fd dropped this round; `fresh`
    // tells those apart.
    for (int k = 0; k < nfds; ++k) {
      if (fds[k].revents == 0) continue;
      if (what[k] == kAttachListen) AcceptConnection(attach_listen_, ConnKind::kAttach);
      if (what[k] == kControlListen) AcceptConnection(control_listen_, ConnKind::kControl);
    }
    for (int k = 0; k < nfds; ++k) {
      const short revents = fds[k].revents;
      if (revents == 0) continue;
      switch (what[k]) {
        case kSignal:
          ReapChildren();
          break;
        case kOut0:
          OnOutput(0);
          break;
        case kOut1:
          OnOutput(1);
          break;
        case kStdin:
          FlushStdin();
          break;
        case kAttachListen:
        case kControlListen:
          break;
        default: {
          Connection& c = conns_[what[k] - kConn];
          if (c.fd < 0 || c.fresh) break;
          if (c.kind == ConnKind::kControl) {
            OnControl(c);
          } else if ((revents & POLLIN) != 0 && c.reading && in_len_ == 0) {
            OnAttachInput(c);
          } else if ((revents & (POLLHUP | POLLERR)) != 0) {
            DropConnection(c);
          }
          break;
        }
      }
    }
  }
}

void Supervisor::OnOutput(int stream) {
  const LogStream s = stream == 1 ? LogStream::kStderr : LogStream::kStdout;
  const ssize_t n = ::read(out_fd_[stream], g_read_buf, sizeof(g_read_buf));
  if (n > 0) {
    const auto len = static_cast<std::size_t>(n);
    log_->Write(s, g_read_buf, len);
    SendToAttach(stream == 1 ? protocol::kAttachStderr : protocol::kAttachStdout, g_read_buf, len);
    last_output_ms_ = MonotonicMs();
    if (!log_->HasPending(s)) {
      pending_since_ms_[stream] = 0;
    } else if (pending_since_ms_[stream] == 0) {
      pending_since_ms_[stream] = last_output_ms_;
    }
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  // EOF; a pty master reads EIO once no process holds the terminal any more.
  log_->EndStream(s);
  pending_since_ms_[stream] = 0;
  if (out_fd_[stream] == pty_master_) {
    CloseFd(&pty_master_);
    in_fd_ = -1;
    out_fd_[stream] = -1;
  } else {
    CloseFd(&out_fd_[stream]);
  }
}

void Supervisor::SendToAttach(char tag, const char* data, std::size_t len) {
  for (Connection& c : conns_) {
    if (c.fd < 0 || c.kind != ConnKind::kAttach) continue;
    iovec iov[2] = {{&tag, 1}, {const_cast<char*>(data), len}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    // A client too slow to take the packet loses it: the log and the container must
    // never wait for an attached terminal.
    if (::sendmsg(c.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
        errno != EINTR) {
      DropConnection(c);
    }
  }
}

void Supervisor::AcceptConnection(int listen_fd, ConnKind kind) {
  const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;
  for (Connection& c : conns_) {
    if (c.fd < 0) {
      c = Connection{fd, kind, true, true};
      return;
    }
  }
  ::close(fd);
}

ssize_t Supervisor::ReceiveStdin(int fd) {
  const ssize_t n = ::recv(fd, in_buf_, sizeof(in_buf_), 0);
  if (n > 0 && in_fd_ >= 0 && !stdin_closed_) {
    in_len_ = static_cast<std::size_t>(n);
    in_off_ = 0;
    FlushStdin();
  }
  return n;
}

void Supervisor::OnAttachInput(Connection& conn) {
  const ssize_t n = ReceiveStdin(conn.fd);
  if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) return;
  if (n == 0) {
    // The client shut down its sending side (its stdin ended) but may still read.
    conn.reading = false;
    if (options_.stdin_once) CloseStdin();
    return;
  }
  DropConnection(conn);
}

void Supervisor::FlushStdin() {
  while (in_off_ < in_len_ && in_fd_ >= 0) {
    const ssize_t n = ::write(in_fd_, in_buf_ + in_off_, in_len_ - in_off_);
    if (n > 0) {
      in_off_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    // Nobody reads the container's stdin any more.
    if (pty_master_ < 0) CloseStdin();
    break;
  }
  in_len_ = 0;
  in_off_ = 0;
}

void Supervisor::CloseStdin() {
  // A terminal has one fd for both directions; closing it would end the output too.
  if (options_.tty) return;
  stdin_closed_ = true;
  CloseFd(&in_fd_);
  in_len_ = 0;
  in_off_ = 0;
}

void Supervisor::DropConnection(Connection& conn) {
  if (conn.kind == ConnKind::kAttach && conn.reading && options_.stdin_once) CloseStdin();
  CloseFd(&conn.fd);
  conn.kind = ConnKind::kNone;
}

void Supervisor::OnControl(Connection& conn) {
  char request[protocol::kMaxControlPacket + 1];
  const ssize_t n = ::recv(conn.fd, request, protocol::kMaxControlPacket, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    DropConnection(conn);
    return;
  }
  std::size_t len = static_cast<std::size_t>(n);
  while (len > 0 && (request[len - 1] == '\n' || request[len - 1] == ' ')) --len;
  request[len] = '\0';
  char reply[320];
  int reply_len = 0;
  unsigned width = 0;
  unsigned height = 0;
  char extra = 0;
  if (std::strcmp(request, protocol::kCtlReopen) == 0 && log_ == nullptr) {
    reply_len = std::snprintf(reply, sizeof(reply), "%s exec session has no log file",
                              protocol::kReplyError);
  } else if (std::strcmp(request, protocol::kCtlReopen) == 0) {
    const int err = log_->Reopen();
    reply_len = err == 0
                    ? std::snprintf(reply, sizeof(reply), "%s", protocol::kReplyOk)
                    : std::snprintf(reply, sizeof(reply), "%s reopen %s: %s", protocol::kReplyError,
                                    options_.log_path, std::strerror(err));
  } else if (std::strncmp(request, protocol::kCtlResize, sizeof(protocol::kCtlResize) - 1) == 0 &&
             std::sscanf(request + sizeof(protocol::kCtlResize) - 1, "%u %u %c", &width, &height,
                         &extra) == 2 &&
             width <= 0xffff && height <= 0xffff) {
    if (!options_.tty) {
      reply_len = std::snprintf(
          reply, sizeof(reply), "%s %s %s has no terminal", protocol::kReplyError,
          options_.exec_mode() ? "exec session in container" : "container", options_.id);
    } else if (pty_master_ < 0) {
      reply_len = std::snprintf(reply, sizeof(reply), "%s terminal of container %s is closed",
                                protocol::kReplyError, options_.id);
    } else {
      winsize ws{};
      ws.ws_col = static_cast<unsigned short>(width);
      ws.ws_row = static_cast<unsigned short>(height);
      reply_len = ::ioctl(pty_master_, TIOCSWINSZ, &ws) == 0
                      ? std::snprintf(reply, sizeof(reply), "%s", protocol::kReplyOk)
                      : std::snprintf(reply, sizeof(reply), "%s resize terminal: %s",
                                      protocol::kReplyError, std::strerror(errno));
    }
  } else {
    reply_len = std::snprintf(reply, sizeof(reply), "%s unknown request", protocol::kReplyError);
  }
  ::send(conn.fd, reply, Printed(reply_len, sizeof(reply)), MSG_DONTWAIT | MSG_NOSIGNAL);
  DropConnection(conn);
}

void Supervisor::Finish() {
  for (int s = 0; s < 2; ++s) {
    if (out_fd_[s] < 0) continue;
    log_->EndStream(s == 1 ? LogStream::kStderr : LogStream::kStdout);
    if (out_fd_[s] == pty_master_) {
      CloseFd(&pty_master_);
      out_fd_[s] = -1;
      in_fd_ = -1;
    } else {
      CloseFd(&out_fd_[s]);
    }
  }
  log_->Sync();
  // Attached clients see EOF only after the last output reached them.
  for (Connection& c : conns_) {
    CloseFd(&c.fd);
    c.kind = ConnKind::kNone;
  }
  CloseFd(&attach_listen_);
  CloseFd(&control_listen_);
  ::unlink(options_.attach_socket);
  ::unlink(options_.control_socket);

  const std::int64_t oom_kills = ReadOomKillCount(oom_fd_);
  const bool oom_killed = oom_kills_at_start_ >= 0 && oom_kills > oom_kills_at_start_;
  CloseFd(&oom_fd_);
  // The container is over: the runtime forgets it and removes its cgroup now (what the
  // kubelet accounts), before the exit file tells the daemon, so that RemoveContainer
  // has no runtime call left to make and nothing stays behind if the daemon is down.
  RunDelete();
  const ExitRecord record = ExitRecordFromWaitStatus(init_status_, finished_at_ns_, oom_killed);
  if (const int err = WriteExitRecord(options_.exit_file, record); err != 0) {
    char message[512];
    const int n = std::snprintf(message, sizeof(message), "crio-monitor: write exit file %s: %s\n",
                                options_.exit_file, std::strerror(err));
    WriteAll(2, message, Printed(n, sizeof(message)));
  }
}

// Exec mode: one process started by the runtime's exec in a running container, one
// attach client that gets everything (protocol.h).

int Supervisor::RunExec() {
  SetupStdio();
  SetupEndpoints();
  char ready[16];
  const int n = std::snprintf(ready, sizeof(ready), "%s\n", protocol::kSyncReady);
  Report(ready, Printed(n, sizeof(ready)));
  // The process starts only once its client is there, so that none of its output is
  // lost.
  AwaitClient();
  StartRuntime("exec");
  ExecLoop();
  FinishExec();
  return 0;
}

void Supervisor::AwaitClient() {
  const std::int64_t deadline = MonotonicMs() + options_.attach_timeout_ms;
  while (client_fd_ < 0) {
    const std::int64_t remaining = deadline - MonotonicMs();
    if (remaining <= 0) {
      char message[512];
      const int n =
          std::snprintf(message, sizeof(message), "no attach client connected to %s within %lld ms",
                        options_.attach_socket, static_cast<long long>(options_.attach_timeout_ms));
      Fail(protocol::kErrorNoClient, static_cast<long>(options_.attach_timeout_ms), message,
           Printed(n, sizeof(message)));
    }
    pollfd pfd{attach_listen_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(remaining)) <= 0) continue;
    client_fd_ = ::accept4(attach_listen_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  }
  // Nobody else may read the session's output or type into it.
  CloseFd(&attach_listen_);
  ::unlink(options_.attach_socket);
}

void Supervisor::ExecLoop() {
  const std::int64_t deadline = MonotonicMs() + options_.create_timeout_ms;
  last_output_ms_ = MonotonicMs();
  enum : int {
    kSignal,
    kOut0,
    kOut1,
    kStdin,
    kClient,
    kConsole,
    kRuntimeErr,
    kControlListen,
    kConn
  };
  for (;;) {
    if (!exec_started_ && runtime_done_) OnExecRuntimeDone();
    const std::int64_t now = MonotonicMs();
    std::int64_t timeout = -1;
    auto at_most = [&timeout](std::int64_t ms) {
      if (ms < 0) ms = 0;
      if (timeout < 0 || ms < timeout) timeout = ms;
    };
    if (!exec_started_) {
      if (now >= deadline) FailRuntimeTimeout();
      at_most(deadline - now);
    }
    if (exec_started_ && init_exited_) {
      // As for a container, output still in flight is drained within kDrainQuietMs and
      // kDrainMaxMs; time spent waiting for a slow client does not count (SendPending).
      if (packet_len_ == 0 && (out_fd_[0] >= 0 || out_fd_[1] >= 0)) {
        const std::int64_t idle_since = last_output_ms_ > exited_ms_ ? last_output_ms_ : exited_ms_;
        const bool quiet = now - idle_since >= kDrainQuietMs && !OutputReadable();
        if (quiet || now - exited_ms_ >= kDrainMaxMs) {
          CloseOutput(0);
          CloseOutput(1);
        } else {
          at_most(idle_since + kDrainQuietMs - now);
          at_most(exited_ms_ + kDrainMaxMs - now);
        }
      }
      if (packet_len_ == 0 && out_fd_[0] < 0 && out_fd_[1] < 0) return;
    }

    pollfd fds[kConn + kMaxConnections];
    int what[kConn + kMaxConnections];
    int nfds = 0;
    auto add = [&](int fd, short events, int tag) {
      fds[nfds] = {fd, events, 0};
      what[nfds++] = tag;
    };
    add(signal_fd_, POLLIN, kSignal);
    if (packet_len_ == 0) {
      if (out_fd_[0] >= 0) add(out_fd_[0], POLLIN, kOut0);
      if (out_fd_[1] >= 0) add(out_fd_[1], POLLIN, kOut1);
    }
    if (in_len_ > 0 && in_fd_ >= 0) add(in_fd_, POLLOUT, kStdin);
    if (client_fd_ >= 0) {
      // Input waits until it has somewhere to go: with a terminal, the pty arrives
      // during the runtime's exec.
      const bool stdin_ready = !options_.stdin || in_fd_ >= 0 || exec_started_;
      short events = packet_len_ > 0 ? POLLOUT : 0;
      if (client_reading_ && in_len_ == 0 && stdin_ready) events |= POLLIN;
      add(client_fd_, events, kClient);
    }
    if (!exec_started_ && console_listen_ >= 0 && pty_master_ < 0) {
      add(console_conn_ >= 0 ? console_conn_ : console_listen_, POLLIN, kConsole);
    }
    // With a terminal the runtime's stderr is a pipe of its own; without, it is the
    // process's stderr, read as output.
    if (!exec_started_ && options_.tty && create_err_fd_ >= 0) {
      add(create_err_fd_, POLLIN, kRuntimeErr);
    }
    add(control_listen_, POLLIN, kControlListen);
    for (int i = 0; i < kMaxConnections; ++i) {
      Connection& c = conns_[i];
      c.fresh = false;
      if (c.fd >= 0) add(c.fd, POLLIN, kConn + i);
    }
    const int rc = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(timeout));
    if (rc < 0 && errno != EINTR) {
      const int err = errno;
      Fail(protocol::kErrorSetup, err, "poll", 4);
    }
    if (rc <= 0) continue;
    for (int k = 0; k < nfds; ++k) {
      if (what[k] == kControlListen && fds[k].revents != 0) {
        AcceptConnection(control_listen_, ConnKind::kControl);
      }
    }
    for (int k = 0; k < nfds; ++k) {
      const short revents = fds[k].revents;
      if (revents == 0) continue;
      switch (what[k]) {
        case kSignal:
          ReapChildren();
          break;
        case kOut0:
          OnExecOutput(0);
          break;
        case kOut1:
          OnExecOutput(1);
          break;
        case kStdin:
          FlushStdin();
          break;
        case kClient:
          if (client_fd_ < 0) break;
          if ((revents & POLLOUT) != 0) SendPending();
          if (client_fd_ >= 0 && (revents & POLLIN) != 0 && client_reading_ && in_len_ == 0) {
            OnClientInput();
          }
          // POLLHUP only when the client closed (or shut down both directions); its
          // shutdown(SHUT_WR) alone is the end of stdin.
          if (client_fd_ >= 0 && (revents & (POLLHUP | POLLERR)) != 0) ClientGone();
          break;
        case kConsole:
          ReceiveConsole();
          break;
        case kRuntimeErr:
          if (ReadCreateErr(create_err_fd_)) CloseFd(&create_err_fd_);
          break;
        case kControlListen:
          break;
        default: {
          Connection& c = conns_[what[k] - kConn];
          if (c.fd >= 0 && !c.fresh) OnControl(c);
          break;
        }
      }
    }
  }
}

void Supervisor::OnExecRuntimeDone() {
  if (options_.tty) {
    // The connection may still wait in the backlog if the runtime exited quickly.
    ReceiveConsole();
    if (create_err_fd_ >= 0) ReadCreateErr(create_err_fd_);
    CloseFd(&create_err_fd_);
  } else if (!WIFEXITED(runtime_status_) || WEXITSTATUS(runtime_status_) != 0) {
    // Its last words may still wait in the stderr pipe: the process never ran, so
    // all of it is the runtime's.
    if (out_fd_[1] >= 0) ReadCreateErr(out_fd_[1]);
  }
  create_err_fd_ = -1;
  FailOnRuntimeError();
  TakeInitPid();
  char ok[48];
  const int n =
      std::snprintf(ok, sizeof(ok), "%s %d\n", protocol::kSyncOk, static_cast<int>(init_pid_));
  Report(ok, Printed(n, sizeof(ok)));
  CloseFd(&sync_fd_);
  exec_started_ = true;
}

void Supervisor::OnExecOutput(int stream) {
  const ssize_t n = ::read(out_fd_[stream], packet_ + 1, protocol::kAttachDataMax);
  if (n > 0) {
    const auto len = static_cast<std::size_t>(n);
    // Until the runtime has reported, the stderr pipe is also where it explains a
    // failure.
    if (stream == 1 && !exec_started_ && !options_.tty) AppendCreateErr(packet_ + 1, len);
    last_output_ms_ = MonotonicMs();
    if (client_fd_ < 0) return;  // killed session: the output goes nowhere
    packet_[0] = stream == 1 ? protocol::kAttachStderr : protocol::kAttachStdout;
    packet_len_ = len + 1;
    SendPending();
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  // EOF; a pty master reads EIO once no process holds the terminal any more.
  CloseOutput(stream);
}

void Supervisor::CloseOutput(int stream) {
  if (out_fd_[stream] < 0) return;
  if (out_fd_[stream] == pty_master_) {
    CloseFd(&pty_master_);
    in_fd_ = -1;
    in_len_ = 0;
    in_off_ = 0;
    out_fd_[stream] = -1;
  } else {
    CloseFd(&out_fd_[stream]);
  }
}

// A late look is not a quiet pipe: a monitor held off the CPU past kDrainQuietMs
// (a loaded node) must still read what is waiting before it calls the pipes quiet.
bool Supervisor::OutputReadable() const {
  pollfd fds[2];
  nfds_t n = 0;
  for (const int fd : out_fd_) {
    if (fd >= 0) fds[n++] = {fd, POLLIN, 0};
  }
  if (n == 0 || ::poll(fds, n, 0) <= 0) return false;
  for (nfds_t i = 0; i < n; ++i) {
    if ((fds[i].revents & POLLIN) != 0) return true;
  }
  return false;
}

void Supervisor::SendPending() {
  while (packet_len_ > 0) {
    if (client_fd_ < 0) {
      packet_len_ = 0;
      return;
    }
    if (::send(client_fd_, packet_, packet_len_, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
      packet_len_ = 0;
      const std::int64_t now = MonotonicMs();
      if (blocked_since_ms_ != 0 && init_exited_) {
        // The drain limits after the process's end count only the time the monitor
        // could read: a slow client must not cost it the output still in the pipes.
        const std::int64_t from = blocked_since_ms_ > exited_ms_ ? blocked_since_ms_ : exited_ms_;
        exited_ms_ += now - from;
      }
      blocked_since_ms_ = 0;
      last_output_ms_ = now;
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      if (blocked_since_ms_ == 0) blocked_since_ms_ = MonotonicMs();
      return;
    }
    ClientGone();
  }
}

void Supervisor::OnClientInput() {
  const ssize_t n = ReceiveStdin(client_fd_);
  if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) return;
  if (n == 0) {
    // shutdown(SHUT_WR): the client's stdin ended; it still reads the output.
    client_reading_ = false;
    CloseStdin();
    return;
  }
  ClientGone();
}

void Supervisor::ClientGone() {
  CloseFd(&client_fd_);
  packet_len_ = 0;
  client_left_ = true;
  if (!exec_started_) {
    // Nobody wants the process any more: the runtime is killed, and so is whatever it
    // had started.
    static constexpr char kMessage[] = "the attach client left before the process started";
    Fail(protocol::kErrorSetup, 0, kMessage, sizeof(kMessage) - 1);
  }
  // The loop goes on until the killed process is reaped, so that the exit file tells
  // how it ended.
  KillExecProcess();
}

void Supervisor::KillExecProcess() {
  if (init_pid_ <= 0 || init_exited_) return;
  // runc makes the process a session and group leader; its group holds what it
  // started without job control (a shell's commands). The group's id cannot be reused
  // while its leader is the monitor's unreaped child.
  ::kill(-init_pid_, SIGKILL);
  ::kill(init_pid_, SIGKILL);
}

void Supervisor::FinishExec() {
  CloseOutput(0);
  CloseOutput(1);
  CloseFd(&in_fd_);
  // A killed session leaves nothing the monitor could still reach (children of the
  // process that were reparented to it, when the container shares the host's PID
  // namespace).
  if (client_left_) KillLeftoverChildren();
  const ExitRecord record = ExitRecordFromWaitStatus(init_status_, finished_at_ns_, false);
  if (const int err = WriteExitRecord(options_.exit_file, record); err != 0) {
    char message[512];
    const int n = std::snprintf(message, sizeof(message), "crio-monitor: write exit file %s: %s\n",
                                options_.exit_file, std::strerror(err));
    WriteAll(2, message, Printed(n, sizeof(message)));
  }
  if (client_fd_ >= 0) {
    packet_[0] = protocol::kAttachExit;
    const int n = std::snprintf(packet_ + 1, sizeof(packet_) - 1, "%d", record.exit_code);
    packet_len_ = 1 + Printed(n, sizeof(packet_) - 1);
    // The last packet is waited for: the client decides how long that takes, and
    // leaving ends the wait.
    while (packet_len_ > 0 && client_fd_ >= 0) {
      SendPending();
      if (packet_len_ == 0 || client_fd_ < 0) break;
      pollfd pfd{client_fd_, POLLOUT, 0};
      if (::poll(&pfd, 1, -1) > 0 && (pfd.revents & (POLLHUP | POLLERR)) != 0) break;
    }
    // Input nobody will read is dropped first: closing on unread packets would make
    // the client's socket report a reset ahead of the packets sent to it.
    while (client_fd_ >= 0 && ::recv(client_fd_, in_buf_, sizeof(in_buf_), MSG_DONTWAIT) > 0) {
    }
    CloseFd(&client_fd_);
  }
  for (Connection& c : conns_) {
    CloseFd(&c.fd);
    c.kind = ConnKind::kNone;
  }
  CloseFd(&control_listen_);
  ::unlink(options_.control_socket);
}

}  // namespace crio::monitor
