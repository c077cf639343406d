#include "crio/common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/owned_fd.h"
#include "crio/common/status.h"

extern char** environ;

namespace crio::subprocess {
namespace {

using Clock = std::chrono::steady_clock;

// When no pidfd is available the loop cannot sleep until the child exits, so it looks
// this often.
constexpr std::chrono::milliseconds kExitPollInterval{20};

absl::StatusOr<OwnedFd> OpenDevNull(int flags) {
  const int fd = ::open("/dev/null", flags | O_CLOEXEC);
  if (fd < 0) return fs::ErrnoStatus(errno, "open /dev/null");
  return OwnedFd(fd);
}

absl::StatusOr<OwnedFd> StageStdin(const std::string& data) {
  const int fd = ::memfd_create("crio-stdin", MFD_CLOEXEC);
  if (fd < 0) return fs::ErrnoStatus(errno, "memfd_create for stdin");
  OwnedFd owned(fd);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fs::ErrnoStatus(errno, "write stdin to memfd");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) return fs::ErrnoStatus(errno, "rewind stdin memfd");
  return owned;
}

// One captured stream: the parent's non-blocking read end and what was kept.
struct Capture {
  OwnedFd fd;
  std::string* out = nullptr;
  bool* truncated = nullptr;
  std::size_t cap = 0;

  bool open() const { return fd.get() >= 0; }

  // Reads what is there now, at most `budget` bytes so that a writer faster than us
  // cannot keep the caller from checking its deadline. Returns false once the pipe is
  // closed and at EOF.
  bool Drain(std::size_t budget) {
    // Filled by read() before use.
    std::array<char, std::size_t{64} * 1024> buf;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    while (budget > 0) {
      const ssize_t n = ::read(fd.get(), buf.data(), std::min(buf.size(), budget));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return true;
        fd.Reset();
        return false;
      }
      if (n == 0) {
        fd.Reset();
        return false;
      }
      const std::size_t got = static_cast<std::size_t>(n);
      budget -= got;
      const std::size_t room = cap > out->size() ? cap - out->size() : 0;
      out->append(buf.data(), std::min(room, got));
      if (got > room) *truncated = true;
    }
    return true;
  }

  // After the child exited: what it wrote is in the pipe, at most the pipe's size. A
  // descendant still writing does not keep us here.
  void DrainRemaining() {
    if (!open()) return;
    const int size = ::fcntl(fd.get(), F_GETPIPE_SZ);
    Drain(size > 0 ? static_cast<std::size_t>(size) : std::size_t{1024} * 1024);
  }
};

// Per wake-up, so that a flood on one pipe cannot delay the deadline check for long.
constexpr std::size_t kDrainBudget = std::size_t{1024} * 1024;

absl::Status CheckOutput(OutputMode mode, int fd, const char* name) {
  if (mode == OutputMode::kFd && fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, "_fd must be set for OutputMode::kFd"));
  }
  return absl::OkStatus();
}

// Sets up the child's end of one output stream.
absl::StatusOr<int> OutputSource(OutputMode mode, int caller_fd, Capture& capture,
                                 std::vector<OwnedFd>& keep) {
  switch (mode) {
    case OutputMode::kDiscard: {
      ASSIGN_OR_RETURN(OwnedFd null_fd, OpenDevNull(O_WRONLY));
      keep.push_back(std::move(null_fd));
      return keep.back().get();
    }
    case OutputMode::kFd:
      return caller_fd;
    case OutputMode::kCapture:
      break;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fs::ErrnoStatus(errno, "pipe");
  capture.fd = OwnedFd(fds[0]);
  keep.emplace_back(fds[1]);
  // Only the parent's end is non-blocking: the child writes with ordinary blocking
  // semantics.
  if (::fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) return fs::ErrnoStatus(errno, "fcntl pipe");
  return fds[1];
}

int MillisUntil(Clock::time_point when, Clock::time_point now) {
  if (when <= now) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
  return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

}  // namespace

std::string Result::Describe() const {
  std::string how = signal != 0 ? absl::StrCat("killed by signal ", signal)
                                : absl::StrCat("exit status ", exit_code);
  if (timed_out) return absl::StrCat("timed out after ", duration.count(), "ms (", how, ")");
  return how;
}

absl::StatusOr<Result> Run(const Options& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return absl::InvalidArgumentError("argv: the program to run is empty");
  }
  RETURN_IF_ERROR(CheckOutput(options.stdout_mode, options.stdout_fd, "stdout"));
  RETURN_IF_ERROR(CheckOutput(options.stderr_mode, options.stderr_fd, "stderr"));
  const std::string& program = options.argv[0];

  Result result;
  std::vector<OwnedFd> keep;  // parent copies of what the child receives; closed after spawn
  Capture out{.fd = OwnedFd(),
              .out = &result.stdout_data,
              .truncated = &result.stdout_truncated,
              .cap = options.max_stdout_bytes};
  Capture err{.fd = OwnedFd(),
              .out = &result.stderr_data,
              .truncated = &result.stderr_truncated,
              .cap = options.max_stderr_bytes};

  int stdin_source = -1;
  if (options.stdin_data.has_value()) {
    ASSIGN_OR_RETURN(OwnedFd staged, StageStdin(*options.stdin_data));
    keep.push_back(std::move(staged));
  } else {
    ASSIGN_OR_RETURN(OwnedFd null_fd, OpenDevNull(O_RDONLY));
    keep.push_back(std::move(null_fd));
  }
  stdin_source = keep.back().get();
  ASSIGN_OR_RETURN(const int stdout_source,
                   OutputSource(options.stdout_mode, options.stdout_fd, out, keep));
  ASSIGN_OR_RETURN(const int stderr_source,
                   OutputSource(options.stderr_mode, options.stderr_fd, err, keep));

  // Child fd i comes from sources[i]. Every source is first duplicated above the highest
  // target, so that no dup2 in the child overwrites a source still to be copied (a
  // daemon started with fd 0 closed gets pipes at 0..2, for instance).
  std::vector<int> sources = {stdin_source, stdout_source, stderr_source};
  sources.insert(sources.end(), options.extra_fds.begin(), options.extra_fds.end());
  const int first_free = static_cast<int>(sources.size());
  std::vector<OwnedFd> high;
  for (int source : sources) {
    const int copy = ::fcntl(source, F_DUPFD_CLOEXEC, first_free);
    if (copy < 0) return fs::ErrnoStatus(errno, absl::StrCat("duplicate fd ", source));
    high.emplace_back(copy);
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  absl::Cleanup destroy_actions = [&actions] { posix_spawn_file_actions_destroy(&actions); };
  for (std::size_t i = 0; i < high.size(); ++i) {
    posix_spawn_file_actions_adddup2(&actions, high[i].get(), static_cast<int>(i));
  }
  // Whatever the rest of the daemon opened without O_CLOEXEC stays out of the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, first_free);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  }

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  absl::Cleanup destroy_attr = [&attr] { posix_spawnattr_destroy(&attr); };
  // The daemon blocks signals for sigwait; the child must start with none blocked and
  // every handler at its default, or e.g. runc would ignore SIGTERM.
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  if (options.new_session) {
    flags |= POSIX_SPAWN_SETSID;
  } else if (options.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr, 0);
  }
  posix_spawnattr_setflags(&attr, flags);

  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  char** env = environ;
  if (options.env.has_value()) {
    envp.reserve(options.env->size() + 1);
    for (const std::string& var : *options.env) envp.push_back(const_cast<char*>(var.c_str()));
    envp.push_back(nullptr);
    env = envp.data();
  }

  const Clock::time_point start = Clock::now();
  pid_t pid = -1;
  const int spawn_error =
      program.find('/') != std::string::npos
          ? ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), env)
          : ::posix_spawnp(&pid, program.c_str(), &actions, &attr, argv.data(), env);
  keep.clear();
  high.clear();
  if (spawn_error != 0) {
    return fs::ErrnoStatus(spawn_error,
                           options.working_dir.empty()
                               ? absl::StrCat("start ", program)
                               : absl::StrCat("start ", program, " in ", options.working_dir));
  }
  result.pid = pid;

  // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++.
  OwnedFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  const bool has_deadline = options.timeout.count() > 0;
  const Clock::time_point deadline = start + options.timeout;
  bool deadline_passed = false;
  bool killed = false;
  Clock::time_point kill_at{};
  int wait_status = 0;
  bool reaped = false;
  bool status_lost = false;

  auto kill_child = [&] {
    if (killed) return;
    killed = true;
    if (options.new_process_group || options.new_session) ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  };
  auto try_reap = [&](int wait_flags) {
    for (;;) {
      const pid_t r = ::waitpid(pid, &wait_status, wait_flags);
      if (r < 0 && errno == EINTR) continue;
      if (r == pid) reaped = true;
      // ECHILD: someone else reaped it (SIGCHLD ignored); it is gone, its status lost.
      if (r < 0) reaped = status_lost = true;
      return;
    }
  };

  while (!reaped) {
    const Clock::time_point now = Clock::now();
    if (has_deadline && !deadline_passed && now >= deadline) {
      deadline_passed = true;
      result.timed_out = true;
      if (options.on_timeout) options.on_timeout(pid);
      kill_at = Clock::now() + options.timeout_grace;
    }
    if (deadline_passed && !killed && Clock::now() >= kill_at) kill_child();

    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    int out_index = -1;
    int err_index = -1;
    int pid_index = -1;
    if (out.open()) {
      out_index = static_cast<int>(count);
      fds[count++] = {.fd = out.fd.get(), .events = POLLIN, .revents = 0};
    }
    if (err.open()) {
      err_index = static_cast<int>(count);
      fds[count++] = {.fd = err.fd.get(), .events = POLLIN, .revents = 0};
    }
    if (pidfd.get() >= 0) {
      pid_index = static_cast<int>(count);
      fds[count++] = {.fd = pidfd.get(), .events = POLLIN, .revents = 0};
    }
    int wait_ms = -1;
    const Clock::time_point poll_now = Clock::now();
    if (has_deadline && !deadline_passed) wait_ms = MillisUntil(deadline, poll_now);
    if (deadline_passed && !killed) wait_ms = MillisUntil(kill_at, poll_now);
    if (pidfd.get() < 0) {
      const int tick = static_cast<int>(kExitPollInterval.count());
      wait_ms = wait_ms < 0 ? tick : std::min(wait_ms, tick);
    }
    const int ready = ::poll(fds.data(), count, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      // Cannot wait any more: make sure the child does not outlive the call.
      kill_child();
      try_reap(0);
      break;
    }
    if (out_index >= 0 && fds[out_index].revents != 0) out.Drain(kDrainBudget);
    if (err_index >= 0 && fds[err_index].revents != 0) err.Drain(kDrainBudget);
    if (pid_index >= 0) {
      if (fds[pid_index].revents != 0) try_reap(0);
    } else {
      try_reap(WNOHANG);
    }
  }
  // What the child wrote before it exited is still in the pipes.
  out.DrainRemaining();
  err.DrainRemaining();

  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (!status_lost && WIFEXITED(wait_status)) {
    result.exit_code = WEXITSTATUS(wait_status);
  } else if (!status_lost && WIFSIGNALED(wait_status)) {
    result.signal = WTERMSIG(wait_status);
  }
  return result;
}

namespace {
class RealRunner final : public Runner {
 public:
  absl::StatusOr<Result> Run(const Options& options) override { return subprocess::Run(options); }
};
}  // namespace

Runner& DefaultRunner() {
  static RealRunner* runner = new RealRunner();
  return *runner;
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> env;
  for (char** var = environ; var != nullptr && *var != nullptr; ++var) env.emplace_back(*var);
  return env;
}

std::vector<std::string> MergeEnvironment(std::vector<std::string> base,
                                          const std::vector<std::string>& overrides) {
  auto name_of = [](const std::string& var) { return var.substr(0, var.find('=')); };
  for (const std::string& var : overrides) {
    const std::string name = name_of(var);
    auto it = std::find_if(base.begin(), base.end(),
                           [&](const std::string& b) { return name_of(b) == name; });
    if (it != base.end()) {
      *it = var;
    } else {
      base.push_back(var);
    }
  }
  return base;
}

}  // namespace crio::subprocess
