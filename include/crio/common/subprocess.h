#pragma once

// Running a helper program (an OCI runtime, a CNI plugin) and collecting what it says,
// without a shell, without leaking the daemon's descriptors into it, with bounded memory
// for its output and a deadline after which it is killed.
//
// Children are started with posix_spawn. Their exit is learnt from a pidfd and they are
// reaped with waitpid(pid) on exactly their pid, so nothing here installs a SIGCHLD
// handler or reaps anybody else's children. The daemon must not set SIGCHLD to SIG_IGN
// (the kernel would then reap children itself and their exit status would be lost).

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::subprocess {

/// The default cap on each captured stream.
inline constexpr std::size_t kDefaultOutputCap = std::size_t{16} * 1024 * 1024;

/// Where one of the child's output streams goes.
enum class OutputMode {
  kCapture,  ///< a pipe read into Result::stdout_data / stderr_data, up to the cap
  kDiscard,  ///< /dev/null
  kFd,       ///< the caller's descriptor (a log file); the caller keeps ownership
};

/// What to run and how.
struct Options {
  /// argv[0] is the program: a path, or a name looked up in the daemon's $PATH.
  std::vector<std::string> argv;
  /// The child's whole environment; nullopt = a copy of the daemon's.
  std::optional<std::vector<std::string>> env;
  /// Bytes the child reads on stdin; nullopt = /dev/null. They are staged in a memfd, so
  /// the child may read them at its own pace, or not at all.
  std::optional<std::string> stdin_data;
  /// The child's working directory; "" = the daemon's.
  std::string working_dir;
  /// Descriptors the child receives as fd 3, 4, ... in this order (like Go's
  /// ExtraFiles). The caller keeps ownership; nothing else is inherited.
  std::vector<int> extra_fds;

  OutputMode stdout_mode = OutputMode::kCapture;
  int stdout_fd = -1;  ///< for OutputMode::kFd
  OutputMode stderr_mode = OutputMode::kCapture;
  int stderr_fd = -1;  ///< for OutputMode::kFd
  /// Captured bytes kept per stream; the rest is read and dropped so that the child
  /// never blocks on a full pipe and a flood cannot exhaust the daemon's memory.
  std::size_t max_stdout_bytes = kDefaultOutputCap;
  std::size_t max_stderr_bytes = kDefaultOutputCap;

  /// Zero or negative = no deadline. When it passes, on_timeout runs (if set), then the
  /// child gets timeout_grace to exit by itself, then SIGKILL.
  std::chrono::milliseconds timeout{0};
  /// Called once with the child's pid when the deadline passes, before any signal is
  /// sent; e.g. to kill the process a runtime started inside a container, so that the
  /// runtime reaps it.
  std::function<void(pid_t)> on_timeout;
  std::chrono::milliseconds timeout_grace{0};

  /// Puts the child in a new process group; the SIGKILL on timeout then goes to the
  /// whole group, grandchildren included.
  bool new_process_group = false;
  /// Starts the child in a new session (implies a new process group).
  bool new_session = false;
};

/// How the child ended and what it wrote.
struct Result {
  pid_t pid = -1;
  int exit_code = -1;      ///< the exit status, or -1 when a signal ended the child
  int signal = 0;          ///< the signal that ended the child, 0 when it exited
  bool timed_out = false;  ///< the deadline passed and the child was killed
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;  ///< more than max_stdout_bytes were written
  bool stderr_truncated = false;
  std::chrono::milliseconds duration{0};

  /// exit_code == 0, not signalled and not timed out.
  bool Success() const { return exit_code == 0 && signal == 0 && !timed_out; }
  /// "exit status 3", "killed by signal 9", "timed out after 1000ms (killed by signal 9)".
  std::string Describe() const;
};

/// Runs `options.argv` to completion. Output is collected until the child has exited
/// and the pipes hold nothing more; a descendant that keeps the pipes open does not
/// hold the call up.
/// @return the result for any exit, signal or timeout; an error only when the child
///     could not be started (NotFound for a missing program, PermissionDenied,
///     InvalidArgument for empty argv or a bad OutputMode/fd combination)
absl::StatusOr<Result> Run(const Options& options);

/// Starting a program, as an interface so that callers can be tested with a fake.
class Runner {
 public:
  virtual ~Runner() = default;
  /// As subprocess::Run.
  virtual absl::StatusOr<Result> Run(const Options& options) = 0;
};

/// The Runner that really starts processes (subprocess::Run); lives forever.
Runner& DefaultRunner();

/// The daemon's environment as "NAME=value" strings.
std::vector<std::string> CurrentEnvironment();

/// `base` with each "NAME=value" of `overrides` replacing the entry of the same name or
/// appended when there is none.
std::vector<std::string> MergeEnvironment(std::vector<std::string> base,
                                          const std::vector<std::string>& overrides);

}  // namespace crio::subprocess
