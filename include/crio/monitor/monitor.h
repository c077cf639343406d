#pragma once

// The daemon's side of crio-monitor, the small per-container process that runs the OCI
// runtime's create, copies the container's output to the CRI log, serves attach and
// writes the exit file (conmon's job; docs/architecture.md "crio-monitor"). A second
// mode runs one exec session (the CRI's streaming Exec) under its own crio-monitor.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio::monitor {

/// Everything crio-monitor needs to create and supervise one container. Paths are
/// absolute; the monitor creates missing parent directories of the files it writes.
struct MonitorLaunch {
  std::string monitor_path;                ///< the crio-monitor binary
  std::string container_id;                ///< the runtime's id; also names the monitor
  std::string runtime_path;                ///< runc or crun
  std::string runtime_root;                ///< the runtime's --root; empty: its default
  std::vector<std::string> runtime_args;   ///< global args before "create" (--systemd-cgroup)
  std::string bundle_dir;                  ///< holds config.json and the rootfs
  std::string pid_file;                    ///< the runtime writes the init's pid here
  std::string log_path;                    ///< the CRI log file
  std::int64_t log_size_max = -1;          ///< rotate at this size; <= 0: never (else >= 1024)
  std::string exit_file;                   ///< written atomically when the init ends
  std::string attach_socket_path;          ///< SOCK_SEQPACKET attach endpoint
  std::string control_path;                ///< SOCK_SEQPACKET socket for reopen/resize
  bool tty = false;                        ///< a terminal (console socket) instead of pipes
  bool stdin = false;                      ///< keep a stdin for attach clients
  bool stdin_once = false;                 ///< close stdin when an attach client leaves
  std::map<std::string, std::string> env;  ///< added to the runtime's environment
  std::chrono::milliseconds create_timeout{240000};  ///< kill the runtime's create after this
};

/// A created container (the init waits for the runtime's start).
struct MonitorStarted {
  pid_t container_pid = 0;  ///< the container's init, as the runtime wrote it
  pid_t monitor_pid = 0;    ///< the detached crio-monitor
};

/// How the container's init ended, from the exit file.
struct ExitInfo {
  int exit_code = 0;                ///< exit status, 128 + signal when killed
  int signal = 0;                   ///< the killing signal, 0 when it exited
  std::int64_t finished_at_ns = 0;  ///< unix nanoseconds
  bool oom_killed = false;          ///< the cgroup's OOM killer struck
};

/// A terminal's size in character cells.
struct TerminalSize {
  std::uint16_t width = 0;   ///< columns
  std::uint16_t height = 0;  ///< rows
};

/// Everything crio-monitor needs to run one process in a running container and stream
/// it to one client (the CRI's streaming Exec). Paths are absolute; the caller owns
/// the files (process_file, pid_file, exit_file) and removes them after the session;
/// the monitor removes its sockets.
struct ExecLaunch {
  std::string monitor_path;               ///< the crio-monitor binary
  std::string container_id;               ///< the runtime's id of the running container
  std::string runtime_path;               ///< runc or crun
  std::string runtime_root;               ///< the runtime's --root; empty: its default
  std::vector<std::string> runtime_args;  ///< global args before "exec"
  /// The OCI "process" object for `exec --process`, as JSON (what the runtime module's
  /// BuildExecProcess makes for ExecSync). Its "terminal" is set to `tty` here and its
  /// "consoleSize" to `terminal_size`, so the two cannot disagree.
  std::string process_json;
  std::string process_file;                        ///< where process_json is written (0600)
  std::string pid_file;                            ///< the runtime writes the process's pid here
  std::string exit_file;                           ///< written atomically when the process ends
  std::string attach_socket_path;                  ///< SOCK_SEQPACKET, for the one client
  std::string control_path;                        ///< SOCK_SEQPACKET socket for resize
  bool tty = false;                                ///< a terminal (console socket) instead of pipes
  bool stdin = false;                              ///< the process reads the client's stdin
  std::optional<TerminalSize> terminal_size;       ///< with tty: the size it starts with
  std::map<std::string, std::string> env;          ///< added to the runtime's environment
  std::chrono::milliseconds start_timeout{60000};  ///< kill the runtime's exec after this
  /// How long the monitor waits for its attach client (StartExecMonitor connects as
  /// soon as the socket listens; this only bounds a daemon that died in between).
  std::chrono::milliseconds attach_timeout{10000};
};

/// One piece of what an attach socket delivers, in order.
struct AttachChunk {
  enum class Kind {
    kStdout,  ///< `data` is output of the process (all of it, with a terminal)
    kStderr,  ///< `data` is its stderr
    kExit,    ///< exec sessions only, last before kEnd: the process ended
    kEnd,     ///< the monitor closed the connection (or Cancel); every later Read too
  };
  Kind kind = Kind::kEnd;
  std::string data;   ///< kStdout, kStderr
  int exit_code = 0;  ///< kExit: the exit status, 128 + signal when killed
};

/// A blocking client of an attach socket: an exec session's (which has the process's
/// exit status at the end) or a running container's (the CRI's Attach; it ends with
/// kEnd when the container ends or the client leaves, and its clients may lose output
/// they are too slow to take, which the log keeps). Meant for the streaming server's
/// threads: Read in one thread while WriteStdin, CloseStdin and Resize run in another
/// is safe, and Cancel may be called from any thread.
class AttachStream {
 public:
  virtual ~AttachStream() = default;
  /// Blocks until the next chunk.
  /// @return Internal on a socket error or a malformed exit packet
  virtual absl::StatusOr<AttachChunk> Read() = 0;
  /// Sends `data` to the process's stdin, blocking while the process does not read it
  /// (the monitor stops reading the socket). Dropped when it has no stdin.
  /// @return FailedPrecondition when the monitor has closed the connection
  virtual absl::Status WriteStdin(absl::string_view data) = 0;
  /// Ends the stdin: the process reads EOF (for a container only with stdin_once; a
  /// terminal has no EOF). Output keeps coming.
  virtual absl::Status CloseStdin() = 0;
  /// Sets the terminal size (ResizeTerminal on the control socket).
  /// @return FailedPrecondition without a terminal or when no monitor listens
  virtual absl::Status Resize(std::uint16_t width, std::uint16_t height) = 0;
  /// Leaves: a blocked Read returns kEnd (later Reads return what had already arrived,
  /// then kEnd), later writes fail. An exec session's process is killed by its monitor
  /// (so it is when the stream is destroyed before the end).
  virtual void Cancel() = 0;
};

/// A running exec session.
struct ExecSession {
  pid_t monitor_pid = 0;  ///< the detached crio-monitor
  pid_t process_pid = 0;  ///< the exec'd process, as the runtime wrote it
  /// The session's one client, already connected: nothing the process writes is lost.
  std::unique_ptr<AttachStream> stream;
};

/// Starts crio-monitor, which detaches and runs the runtime's create, and waits for
/// its report.
/// @return the pids; InvalidArgument for a bad launch; on a failed create an error
///   (Internal, DeadlineExceeded on timeout) whose message has the runtime's own
///   error text, after which no process, runtime state or pid file is left
absl::StatusOr<MonitorStarted> StartMonitor(const MonitorLaunch& launch);

/// Starts a crio-monitor for an exec session: writes the process file, starts the
/// monitor, connects to its attach socket as soon as it listens (the monitor starts
/// the process only then), and waits until the runtime's exec has reported.
/// @return the session; InvalidArgument for a bad launch or process_json; on a failed
///   exec an error (Internal, DeadlineExceeded on timeout) whose message has the
///   runtime's own error text (an unknown executable, a stopped container), after
///   which no process is left
absl::StatusOr<ExecSession> StartExecMonitor(const ExecLaunch& launch);

/// Connects to an attach socket: a running container's (CRI Attach) or an exec
/// session's. `control_path` is the same monitor's control socket, for Resize.
/// @return FailedPrecondition when no monitor listens there
absl::StatusOr<std::unique_ptr<AttachStream>> OpenAttachStream(
    const std::string& attach_socket_path, const std::string& control_path);

/// Asks the monitor to close and reopen its log file (ReopenContainerLog). Returns
/// after the new file exists.
/// @return FailedPrecondition when no monitor listens, Internal if the reopen failed
absl::Status ReopenLog(const std::string& control_path);

/// Sets the container's terminal size.
/// @return FailedPrecondition when no monitor listens or the container has no terminal
absl::Status ResizeTerminal(const std::string& control_path, std::uint16_t width,
                            std::uint16_t height);

/// Reads an exit file.
/// @return nullopt while the container runs (no file yet); InvalidArgument when the
///   file is not in the monitor's format
absl::StatusOr<std::optional<ExitInfo>> ReadExitFile(const std::string& path);

/// Whether `pid` is a live crio-monitor supervising `container_id` (its command line
/// names both), for recovery after a daemon restart: a reused pid does not match.
bool MonitorRunning(pid_t pid, absl::string_view container_id);

/// Waits until the monitor of `container_id` with `pid` has ended (after it wrote the
/// exit file it still has to exit) or `limit` passes. No polling: a pidfd.
/// @return true when it is gone (or `pid` is not that monitor)
bool WaitMonitorEnd(pid_t pid, absl::string_view container_id, std::chrono::milliseconds limit);

/// The launcher as an interface, so the runtime module can be tested with a fake.
class MonitorLauncher {
 public:
  virtual ~MonitorLauncher() = default;
  /// @see StartMonitor
  virtual absl::StatusOr<MonitorStarted> Start(const MonitorLaunch& launch) = 0;
  /// @see StartExecMonitor
  virtual absl::StatusOr<ExecSession> StartExec(const ExecLaunch& launch) = 0;
  /// @see OpenAttachStream
  virtual absl::StatusOr<std::unique_ptr<AttachStream>> OpenAttach(
      const std::string& attach_socket_path, const std::string& control_path) = 0;
  /// @see ReopenLog
  virtual absl::Status ReopenLog(const std::string& control_path) = 0;
  /// @see ResizeTerminal
  virtual absl::Status ResizeTerminal(const std::string& control_path, std::uint16_t width,
                                      std::uint16_t height) = 0;
  /// @see ReadExitFile
  virtual absl::StatusOr<std::optional<ExitInfo>> ReadExitFile(const std::string& path) = 0;
  /// @see MonitorRunning
  virtual bool Running(pid_t pid, absl::string_view container_id) = 0;
  /// @see WaitMonitorEnd
  virtual bool WaitEnd(pid_t pid, absl::string_view container_id,
                       std::chrono::milliseconds limit) = 0;
};

/// The launcher that runs the real crio-monitor (the functions above).
std::unique_ptr<MonitorLauncher> MakeMonitorLauncher();

}  // namespace crio::monitor
