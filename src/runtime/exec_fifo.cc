#include "exec_fifo.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "crio/common/fs.h"
#include "crio/common/owned_fd.h"

namespace crio::runtime::internal {
namespace {

using Clock = std::chrono::steady_clock;

// runc's state.json holds the container's whole libcontainer config; a few KiB usually.
constexpr std::size_t kMaxStateBytes = std::size_t{4} * 1024 * 1024;

// Field 22 of /proc/<pid>/stat (start time in clock ticks), which runc records as
// init_process_start; nullopt when the process is gone or a zombie.
std::optional<std::uint64_t> LiveStartTime(int pid) {
  auto stat = fs::ReadFile(absl::StrCat("/proc/", pid, "/stat"), 4096);
  if (!stat.ok()) return std::nullopt;
  // The command name may hold spaces and parentheses: fields resume after the last ')'.
  const auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(*stat).substr(close + 1), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state), so field 22 is fields[19].
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") return std::nullopt;
  std::uint64_t start = 0;
  if (!absl::SimpleAtoi(fields[19], &start)) return std::nullopt;
  return start;
}

// init's pid and start time from runc's state.json, or nullopt when the file is not
// runc's, or when the container has poststart hooks (left to `runc start`).
struct InitProcess {
  int pid = 0;
  std::uint64_t start_time = 0;
};
std::optional<InitProcess> ReadInit(const std::string& state_dir) {
  auto text = fs::ReadFile(state_dir + "/state.json", kMaxStateBytes);
  if (!text.ok()) return std::nullopt;
  const auto state = nlohmann::json::parse(*text, nullptr, false);
  if (!state.is_object()) return std::nullopt;
  // runc lists every hook kind, null when there is none: {"Hooks":{"poststart":null,...}}.
  const auto config = state.find("config");
  if (config == state.end() || !config->is_object()) return std::nullopt;
  if (const auto hooks = config->find("Hooks"); hooks != config->end() && !hooks->is_null()) {
    if (!hooks->is_object()) return std::nullopt;
    const auto poststart = hooks->find("poststart");
    if (poststart != hooks->end() && !poststart->is_null() && !poststart->empty()) {
      return std::nullopt;
    }
  }
  const auto pid = state.find("init_process_pid");
  const auto start = state.find("init_process_start");
  if (pid == state.end() || !pid->is_number_integer() || start == state.end() ||
      !start->is_number_unsigned()) {
    return std::nullopt;
  }
  InitProcess init;
  init.pid = pid->get<int>();
  init.start_time = start->get<std::uint64_t>();
  if (init.pid <= 0) return std::nullopt;
  return init;
}

// How long Start waits for an exec that has passed its point of no return to finish.
constexpr std::chrono::milliseconds kExecSettleLimit{1000};

// /proc/<pid>/cmdline, "" when unreadable or while exec has not set it yet.
std::string CommandLine(int pid) {
  auto text = fs::ReadFile(absl::StrCat("/proc/", pid, "/cmdline"), 4096);
  return text.ok() ? *text : std::string();
}

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

}  // namespace

absl::StatusOr<FifoStart> StartThroughExecFifo(const std::string& state_dir,
                                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string fifo_path = state_dir + "/exec.fifo";
  // Every check comes before the fifo is opened: opening it lets init's blocked open
  // through, and init then dies of EPIPE writing to a reader that has closed, so the
  // fast path must not open it and then decline.
  // Without a fifo the container is not in the created state (or not runc's): runc start
  // says which.
  struct stat fifo_stat {};
  if (::stat(fifo_path.c_str(), &fifo_stat) != 0 || !S_ISFIFO(fifo_stat.st_mode)) {
    return FifoStart::kNotApplicable;
  }
  const std::optional<InitProcess> init = ReadInit(state_dir);
  if (!init) return FifoStart::kNotApplicable;
  // A pidfd tells when init dies without taking the go-ahead. It is checked against
  // init's start time, so that a recycled pid is not mistaken for init.
  OwnedFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, init->pid, 0)));
  if (pidfd.get() < 0) {
    if (errno != ESRCH) return FifoStart::kNotApplicable;
  } else if (LiveStartTime(init->pid) != init->start_time) {
    return absl::FailedPreconditionError("container process is already dead");
  }
  const std::string init_cmdline = CommandLine(init->pid);
  OwnedFd fifo(::open(fifo_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fifo.get() < 0) {
    return absl::InternalError(absl::StrCat("open ", fifo_path, ": ", std::strerror(errno)));
  }

  // Phase 1: init writes its byte once our open lets its blocked open through.
  std::size_t received = 0;
  char buffer[16];
  bool init_gone = pidfd.get() < 0;
  while (received == 0 && !init_gone) {
    pollfd fds[2] = {{fifo.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
    const int ready = ::poll(fds, 2, RemainingMs(deadline));
    if (ready < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("poll ", fifo_path, ": ", std::strerror(errno)));
    }
    if (ready == 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the container's init did not take the go-ahead in ", timeout.count(), " ms"));
    }
    if ((fds[0].revents & POLLIN) != 0) {
      const ssize_t n = ::read(fifo.get(), buffer, sizeof buffer);
      if (n > 0) received += static_cast<std::size_t>(n);
    } else if ((fds[0].revents & POLLHUP) != 0) {
      // Reported only when init opened after us, then closed without writing: it died.
      init_gone = true;
    }
    if ((fds[1].revents & POLLIN) != 0) init_gone = true;
  }
  if (received == 0) {
    // It may have written just before it ended.
    const ssize_t n = ::read(fifo.get(), buffer, sizeof buffer);
    if (n <= 0) return absl::FailedPreconditionError("container process is already dead");
    received += static_cast<std::size_t>(n);
  }

  // Phase 2: the fifo is close-on-exec in init, so end-of-file means the user process
  // was exec'd (or init failed and exited). poll() does not report that hang-up to a
  // reader that opened after the writer, so read until end-of-file with short waits.
  auto pause = std::chrono::microseconds(100);
  while (true) {
    const ssize_t n = ::read(fifo.get(), buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return absl::InternalError(absl::StrCat("read ", fifo_path, ": ", std::strerror(errno)));
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the container's init did not exec its process in ", timeout.count(), " ms"));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
  // Phase 3: end-of-file comes once exec is past its point of no return, but before the
  // new program is in place (the command line reads "runc init", then "", meanwhile).
  // Under load that lasts milliseconds; `runc start` hides it behind its own exit. Wait
  // until the command line is the user process's, briefly: exec cannot fail any more.
  const auto settle_deadline = std::min(deadline, Clock::now() + kExecSettleLimit);
  pause = std::chrono::microseconds(50);
  while (Clock::now() < settle_deadline) {
    const std::string now = CommandLine(init->pid);
    if (!LiveStartTime(init->pid) || (!now.empty() && now != init_cmdline)) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }

  // runc reads "created" from the fifo's presence: without it the container is running.
  if (::unlink(fifo_path.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat("remove ", fifo_path, ": ", std::strerror(errno)));
  }
  return FifoStart::kStarted;
}

}  // namespace crio::runtime::internal
