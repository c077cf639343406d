#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client_internal.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"
#include "crio/monitor/monitor.h"
#include "exit_record.h"
#include "fs_util.h"
#include "nlohmann/json.hpp"
#include "protocol.h"

extern char** environ;

namespace crio::monitor {
namespace internal {
namespace {

// Beyond the create timeout, the monitor may spend this long cleaning up a failed
// create (runtime delete, reaping) before it reports.
constexpr std::chrono::milliseconds kReportGrace{30000};
constexpr std::size_t kMaxReport = protocol::kMaxErrorMessage + 256;
constexpr int kControlTimeoutMs = 10000;

bool IsAbsolute(const std::string& path) { return !path.empty() && path[0] == '/'; }

// The monitor's pid from the first report line, 0 if it has not come yet.
pid_t MonitorPidOf(const std::string& text) {
  const std::size_t nl = text.find('\n');
  const std::string prefix = absl::StrCat(protocol::kSyncPid, " ");
  int pid = 0;
  if (nl == std::string::npos || !absl::StartsWith(text, prefix) ||
      !absl::SimpleAtoi(absl::string_view(text).substr(prefix.size(), nl - prefix.size()), &pid)) {
    return 0;
  }
  return pid;
}

using PathField = std::pair<const char*, const std::string*>;

// The checks a container launch and an exec launch share; `what` starts each message.
absl::Status CheckPaths(absl::string_view what, std::initializer_list<PathField> paths) {
  for (const auto& [field, value] : paths) {
    if (!IsAbsolute(*value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": ", field, " must be an absolute path, got \"", *value, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRuntimeTarget(absl::string_view what, const std::string& container_id,
                                const std::string& runtime_root) {
  if (container_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": container_id is empty"));
  }
  if (!runtime_root.empty() && !IsAbsolute(runtime_root)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": runtime_root must be an absolute path, got \"", runtime_root, "\""));
  }
  return absl::OkStatus();
}

absl::Status CheckEnv(absl::string_view what, const std::map<std::string, std::string>& env) {
  for (const auto& [key, value] : env) {
    if (key.empty() || key.find('=') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": env key \"", key, "\" is empty or contains '='"));
    }
  }
  return absl::OkStatus();
}

// The start of both monitors' command lines: who they are and which runtime they drive.
std::vector<std::string> ArgvHead(const std::string& monitor_path, const std::string& container_id,
                                  const std::string& runtime_path, const std::string& runtime_root,
                                  const std::vector<std::string>& runtime_args) {
  namespace p = protocol;
  std::vector<std::string> argv = {monitor_path, p::kFlagId, container_id, p::kFlagRuntime,
                                   runtime_path};
  if (!runtime_root.empty()) argv.insert(argv.end(), {p::kFlagRuntimeRoot, runtime_root});
  for (const std::string& arg : runtime_args) argv.insert(argv.end(), {p::kFlagRuntimeArg, arg});
  return argv;
}

void AppendEnv(const std::map<std::string, std::string>& env, std::vector<std::string>* argv) {
  for (const auto& [key, value] : env) {
    argv->insert(argv->end(), {protocol::kFlagEnv, absl::StrCat(key, "=", value)});
  }
}

}  // namespace

absl::Status ValidateLaunch(const MonitorLaunch& launch) {
  constexpr absl::string_view kWhat = "monitor launch";
  RETURN_IF_ERROR(CheckPaths(kWhat, {{"monitor_path", &launch.monitor_path},
                                     {"runtime_path", &launch.runtime_path},
                                     {"bundle_dir", &launch.bundle_dir},
                                     {"pid_file", &launch.pid_file},
                                     {"log_path", &launch.log_path},
                                     {"exit_file", &launch.exit_file},
                                     {"attach_socket_path", &launch.attach_socket_path},
                                     {"control_path", &launch.control_path}}));
  RETURN_IF_ERROR(CheckRuntimeTarget(kWhat, launch.container_id, launch.runtime_root));
  if (launch.log_size_max > 0 && launch.log_size_max < 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("monitor launch: log_size_max must be <= 0 (no limit) or at least 1024, got ",
                     launch.log_size_max));
  }
  if (launch.create_timeout.count() <= 0) {
    return absl::InvalidArgumentError("monitor launch: create_timeout must be positive");
  }
  return CheckEnv(kWhat, launch.env);
}

std::vector<std::string> MonitorArgv(const MonitorLaunch& launch) {
  namespace p = protocol;
  std::vector<std::string> argv =
      ArgvHead(launch.monitor_path, launch.container_id, launch.runtime_path, launch.runtime_root,
               launch.runtime_args);
  argv.insert(
      argv.end(),
      {p::kFlagBundle, launch.bundle_dir, p::kFlagPidFile, launch.pid_file, p::kFlagLogPath,
       launch.log_path, p::kFlagLogSizeMax, absl::StrCat(launch.log_size_max), p::kFlagExitFile,
       launch.exit_file, p::kFlagAttachSocket, launch.attach_socket_path, p::kFlagControlSocket,
       launch.control_path, p::kFlagCreateTimeoutMs, absl::StrCat(launch.create_timeout.count()),
       p::kFlagSyncFd, absl::StrCat(p::kSyncFd)});
  AppendEnv(launch.env, &argv);
  if (launch.tty) argv.emplace_back(p::kFlagTty);
  if (launch.stdin) argv.emplace_back(p::kFlagStdin);
  if (launch.stdin && launch.stdin_once) argv.emplace_back(p::kFlagStdinOnce);
  return argv;
}

absl::StatusOr<SyncReport> ParseSyncReport(absl::string_view text) {
  SyncReport report;
  auto next_line = [&text](absl::string_view* line) {
    const std::size_t nl = text.find('\n');
    if (nl == absl::string_view::npos) return false;
    *line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    return true;
  };
  auto malformed = [](absl::string_view line) {
    return absl::InvalidArgumentError(
        absl::StrCat("crio-monitor sync report: malformed line \"", line, "\""));
  };
  absl::string_view line;
  while (next_line(&line)) {
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    if (words[0] == protocol::kSyncPid && words.size() == 2) {
      int pid = 0;
      if (!absl::SimpleAtoi(words[1], &pid) || pid <= 0) return malformed(line);
      report.monitor_pid = pid;
    } else if (words[0] == protocol::kSyncReady && words.size() == 1) {
      report.ready = true;
    } else if (words[0] == protocol::kSyncOk && words.size() == 2) {
      int pid = 0;
      if (!absl::SimpleAtoi(words[1], &pid) || pid <= 0) return malformed(line);
      report.ok = true;
      report.container_pid = pid;
      return report;
    } else if (words[0] == protocol::kSyncError && words.size() == 3) {
      if (!absl::SimpleAtoi(words[2], &report.error_value)) return malformed(line);
      report.error_kind = std::string(words[1]);
      report.message = std::string(text);
      return report;
    } else {
      return malformed(line);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "crio-monitor sync report: no result", report.monitor_pid > 0 ? "" : " and no pid",
      text.empty() ? "" : absl::StrCat(" (trailing \"", text, "\")")));
}

absl::Status ReportToStatus(const SyncReport& report, const MonitorLaunch& launch) {
  return ReportToStatus(report, absl::StrCat("create container ", launch.container_id, " with ",
                                             launch.runtime_path));
}

absl::Status ReportToStatus(const SyncReport& report, absl::string_view what) {
  const std::string& message = report.message;
  if (report.error_kind == protocol::kErrorExit) {
    return absl::InternalError(
        absl::StrCat(what, ": exit status ", report.error_value, ": ", message));
  }
  if (report.error_kind == protocol::kErrorSignal) {
    return absl::InternalError(
        absl::StrCat(what, ": killed by signal ", report.error_value, ": ", message));
  }
  if (report.error_kind == protocol::kErrorTimeout ||
      report.error_kind == protocol::kErrorNoClient) {
    return absl::DeadlineExceededError(absl::StrCat(what, ": ", message));
  }
  return absl::InternalError(absl::StrCat(what, ": crio-monitor: ", message));
}

bool ReportSaysReady(absl::string_view text) {
  // Only complete lines: the text may end in the middle of one.
  text = text.substr(0, text.rfind('\n') + 1);
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line == protocol::kSyncReady) return true;
  }
  return false;
}

absl::Status ValidateExecLaunch(const ExecLaunch& launch) {
  constexpr absl::string_view kWhat = "exec monitor launch";
  RETURN_IF_ERROR(CheckPaths(kWhat, {{"monitor_path", &launch.monitor_path},
                                     {"runtime_path", &launch.runtime_path},
                                     {"process_file", &launch.process_file},
                                     {"pid_file", &launch.pid_file},
                                     {"exit_file", &launch.exit_file},
                                     {"attach_socket_path", &launch.attach_socket_path},
                                     {"control_path", &launch.control_path}}));
  RETURN_IF_ERROR(CheckRuntimeTarget(kWhat, launch.container_id, launch.runtime_root));
  if (launch.start_timeout.count() <= 0 || launch.attach_timeout.count() <= 0) {
    return absl::InvalidArgumentError(
        "exec monitor launch: start_timeout and attach_timeout must be positive");
  }
  if (launch.terminal_size.has_value() && !launch.tty) {
    return absl::InvalidArgumentError("exec monitor launch: terminal_size without tty");
  }
  return CheckEnv(kWhat, launch.env);
}

std::vector<std::string> ExecMonitorArgv(const ExecLaunch& launch) {
  namespace p = protocol;
  std::vector<std::string> argv =
      ArgvHead(launch.monitor_path, launch.container_id, launch.runtime_path, launch.runtime_root,
               launch.runtime_args);
  argv.insert(
      argv.end(),
      {p::kFlagExecProcess, launch.process_file, p::kFlagPidFile, launch.pid_file, p::kFlagExitFile,
       launch.exit_file, p::kFlagAttachSocket, launch.attach_socket_path, p::kFlagControlSocket,
       launch.control_path, p::kFlagCreateTimeoutMs, absl::StrCat(launch.start_timeout.count()),
       p::kFlagAttachTimeoutMs, absl::StrCat(launch.attach_timeout.count()), p::kFlagSyncFd,
       absl::StrCat(p::kSyncFd)});
  AppendEnv(launch.env, &argv);
  if (launch.tty) argv.emplace_back(p::kFlagTty);
  if (launch.stdin) argv.emplace_back(p::kFlagStdin);
  return argv;
}

absl::StatusOr<std::string> ExecProcessJson(const ExecLaunch& launch) {
  nlohmann::json process =
      nlohmann::json::parse(launch.process_json, nullptr, /*allow_exceptions=*/false);
  if (!process.is_object()) {
    return absl::InvalidArgumentError("exec monitor launch: process_json is not a JSON object");
  }
  // runc refuses a terminal without a console socket and a console socket without a
  // terminal; the monitor passes one exactly when `tty` is set.
  process["terminal"] = launch.tty;
  if (launch.terminal_size.has_value()) {
    process["consoleSize"] = {{"height", launch.terminal_size->height},
                              {"width", launch.terminal_size->width}};
  } else {
    process.erase("consoleSize");
  }
  try {
    return process.dump();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("exec monitor launch: process_json: ", e.what()));
  }
}

absl::StatusOr<ExitInfo> ParseExitFile(absl::string_view content, absl::string_view path) {
  ExitInfo info;
  bool have_code = false;
  bool have_signal = false;
  bool have_finished = false;
  bool have_oom = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    if (line.empty()) continue;
    const std::size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("exit file ", path, ": line ", line_number, " is not key=value"));
    }
    const absl::string_view key = line.substr(0, eq);
    const absl::string_view value = line.substr(eq + 1);
    bool good = true;
    if (key == kExitKeyCode) {
      good = have_code = absl::SimpleAtoi(value, &info.exit_code);
    } else if (key == kExitKeySignal) {
      good = have_signal = absl::SimpleAtoi(value, &info.signal);
    } else if (key == kExitKeyFinishedAt) {
      good = have_finished = absl::SimpleAtoi(value, &info.finished_at_ns);
    } else if (key == kExitKeyOomKilled) {
      good = have_oom = value == "true" || value == "false";
      info.oom_killed = value == "true";
    }
    if (!good) {
      return absl::InvalidArgumentError(
          absl::StrCat("exit file ", path, ": invalid ", key, " \"", value, "\""));
    }
  }
  const std::pair<bool, const char*> required[] = {{have_code, kExitKeyCode},
                                                   {have_signal, kExitKeySignal},
                                                   {have_finished, kExitKeyFinishedAt},
                                                   {have_oom, kExitKeyOomKilled}};
  for (const auto& [have, key] : required) {
    if (!have) return absl::InvalidArgumentError(absl::StrCat("exit file ", path, ": no ", key));
  }
  return info;
}

SpawnedMonitor::~SpawnedMonitor() {
  if (sync_fd_ >= 0) ::close(sync_fd_);
  // The first process only forks the detached monitor and exits; reap it.
  if (first_ > 0) {
    int status = 0;
    while (::waitpid(first_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

absl::StatusOr<SpawnedMonitor> SpawnMonitor(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) return fs::ErrnoStatus(errno, "create sync pipe");
  absl::Cleanup close_read = [&sync] { ::close(sync[0]); };
  // dup2 onto the same fd would keep O_CLOEXEC, so make sure the source is not 3.
  const int write_end = ::fcntl(sync[1], F_DUPFD_CLOEXEC, protocol::kSyncFd + 1);
  const int dup_err = errno;
  ::close(sync[1]);
  if (write_end < 0) return fs::ErrnoStatus(dup_err, "duplicate sync pipe");

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  absl::Cleanup destroy = [&] {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  };
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end, protocol::kSyncFd);
  // The daemon blocks signals for sigwait; the monitor must start with none blocked
  // and default dispositions.
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t first = 0;
  const int spawn_err =
      ::posix_spawn(&first, args[0].c_str(), &actions, &attr, argv.data(), environ);
  ::close(write_end);
  if (spawn_err != 0) return fs::ErrnoStatus(spawn_err, absl::StrCat("start ", args[0]));
  std::move(close_read).Cancel();
  return SpawnedMonitor(first, sync[0]);
}

absl::StatusOr<std::string> ReadSyncPipe(const SpawnedMonitor& monitor,
                                         std::chrono::milliseconds limit, absl::string_view what,
                                         const std::function<void(const std::string&)>& on_data) {
  std::string report_text;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      // A hung monitor is killed so that it cannot create the container later.
      if (const pid_t monitor_pid = MonitorPidOf(report_text); monitor_pid > 0) {
        ::kill(monitor_pid, SIGKILL);
      }
      return absl::DeadlineExceededError(
          absl::StrCat(what, ": no report from crio-monitor within ", limit.count(), " ms"));
    }
    pollfd pfd{monitor.sync_fd(), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return fs::ErrnoStatus(errno, "poll sync pipe");
    if (ready <= 0) continue;
    const ssize_t n = ::read(monitor.sync_fd(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fs::ErrnoStatus(errno, "read sync pipe");
    }
    if (n == 0) return report_text;
    if (report_text.size() < kMaxReport) report_text.append(buf, static_cast<std::size_t>(n));
    if (on_data) on_data(report_text);
  }
}

namespace {

// The process file holds the command line and environment of the exec: only root
// reads it. Not fsynced: it only lives as long as the session.
absl::Status WriteProcessFile(const std::string& path, const std::string& content) {
  if (const int err = MakeParentDirs(path.c_str(), 0755); err != 0) {
    return fs::ErrnoStatus(err, absl::StrCat("create the directory of ", path));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fs::ErrnoStatus(errno, absl::StrCat("create ", path));
  const int err = WriteAll(fd, content.data(), content.size());
  const int close_err = ::close(fd) == 0 ? 0 : errno;
  if (err != 0 || close_err != 0) {
    return fs::ErrnoStatus(err != 0 ? err : close_err, absl::StrCat("write ", path));
  }
  return absl::OkStatus();
}

// Connects a SOCK_SEQPACKET socket to `path`; a missing listener is
// FailedPrecondition.
absl::StatusOr<int> ConnectSeqpacket(const std::string& path, absl::string_view what) {
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return fs::ErrnoStatus(errno, absl::StrCat(what, " socket"));
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  sockaddr_un addr{};
  socklen_t addr_len = 0;
  int dir_fd = -1;
  if (const int err = UnixAddress(path.c_str(), &addr, &addr_len, &dir_fd); err != 0) {
    if (err == ENOENT) {
      return absl::FailedPreconditionError(
          absl::StrCat("no crio-monitor listens on ", path, ": ", std::strerror(err)));
    }
    return fs::ErrnoStatus(err, absl::StrCat(what, " socket ", path));
  }
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), addr_len);
  const int connect_err = errno;
  if (dir_fd >= 0) ::close(dir_fd);
  if (rc != 0) {
    if (connect_err == ENOENT || connect_err == ECONNREFUSED) {
      return absl::FailedPreconditionError(
          absl::StrCat("no crio-monitor listens on ", path, ": ", std::strerror(connect_err)));
    }
    return fs::ErrnoStatus(connect_err, absl::StrCat("connect to ", path));
  }
  std::move(close_fd).Cancel();
  return fd;
}

// Sends one request on the control socket and waits for the reply.
absl::StatusOr<std::string> Control(const std::string& control_path, const std::string& request) {
  ASSIGN_OR_RETURN(const int fd, ConnectSeqpacket(control_path, "control"));
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    return fs::ErrnoStatus(errno, absl::StrCat("send to ", control_path));
  }
  pollfd pfd{fd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&pfd, 1, kControlTimeoutMs)) < 0 && errno == EINTR) {
  }
  if (ready == 0) {
    return absl::DeadlineExceededError(
        absl::StrCat("no reply from crio-monitor on ", control_path));
  }
  char reply[protocol::kMaxControlPacket + 64];
  const ssize_t n = ::recv(fd, reply, sizeof(reply), 0);
  if (n < 0) return fs::ErrnoStatus(errno, absl::StrCat("receive from ", control_path));
  if (n == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("crio-monitor on ", control_path, " closed without a reply"));
  }
  return std::string(reply, static_cast<std::size_t>(n));
}

class RealAttachStream final : public AttachStream {
 public:
  RealAttachStream(int fd, std::string attach_path, std::string control_path)
      : fd_(fd), attach_path_(std::move(attach_path)), control_path_(std::move(control_path)) {}
  ~RealAttachStream() override { ::close(fd_); }
  RealAttachStream(const RealAttachStream&) = delete;
  RealAttachStream& operator=(const RealAttachStream&) = delete;

  absl::StatusOr<AttachChunk> Read() override {
    // One packet is one tag byte and at most kAttachDataMax bytes.
    char buf[1 + protocol::kAttachDataMax];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n < 0) {
        // A monitor that closed with stdin packets unread makes the socket report a
        // reset once, ahead of the packets it had sent: they are still to be read.
        if (errno == EINTR || errno == ECONNRESET) continue;
        return fs::ErrnoStatus(errno, absl::StrCat("read from ", attach_path_));
      }
      if (n == 0) return AttachChunk{};
      const absl::string_view data(buf + 1, static_cast<std::size_t>(n) - 1);
      AttachChunk chunk;
      switch (buf[0]) {
        case protocol::kAttachStdout:
          chunk.kind = AttachChunk::Kind::kStdout;
          chunk.data = std::string(data);
          return chunk;
        case protocol::kAttachStderr:
          chunk.kind = AttachChunk::Kind::kStderr;
          chunk.data = std::string(data);
          return chunk;
        case protocol::kAttachExit:
          chunk.kind = AttachChunk::Kind::kExit;
          if (!absl::SimpleAtoi(data, &chunk.exit_code)) {
            return absl::InternalError(absl::StrCat("attach ", attach_path_,
                                                    ": malformed exit status \"",
                                                    absl::CHexEscape(data), "\""));
          }
          return chunk;
        default:
          // A kind of packet this daemon does not know yet.
          continue;
      }
    }
  }

  absl::Status WriteStdin(absl::string_view data) override {
    // One packet at most fills the monitor's buffer; none is empty (that reads as EOF).
    while (!data.empty()) {
      const absl::string_view piece = data.substr(0, protocol::kAttachDataMax);
      const ssize_t n = ::send(fd_, piece.data(), piece.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EPIPE || errno == ECONNRESET) {
          return absl::FailedPreconditionError(
              absl::StrCat("attach ", attach_path_, ": the connection is closed"));
        }
        return fs::ErrnoStatus(errno, absl::StrCat("write to ", attach_path_));
      }
      data.remove_prefix(piece.size());
    }
    return absl::OkStatus();
  }

  absl::Status CloseStdin() override {
    if (::shutdown(fd_, SHUT_WR) != 0 && errno != ENOTCONN) {
      return fs::ErrnoStatus(errno, absl::StrCat("close stdin on ", attach_path_));
    }
    return absl::OkStatus();
  }

  absl::Status Resize(std::uint16_t width, std::uint16_t height) override {
    return ResizeTerminal(control_path_, width, height);
  }

  // shutdown, not close: another thread may be blocked on the fd, and a closed fd
  // number could be reused under it.
  void Cancel() override { ::shutdown(fd_, SHUT_RDWR); }

 private:
  const int fd_;
  const std::string attach_path_;
  const std::string control_path_;
};

class RealMonitorLauncher final : public MonitorLauncher {
 public:
  absl::StatusOr<MonitorStarted> Start(const MonitorLaunch& launch) override {
    return StartMonitor(launch);
  }
  absl::StatusOr<ExecSession> StartExec(const ExecLaunch& launch) override {
    return StartExecMonitor(launch);
  }
  absl::StatusOr<std::unique_ptr<AttachStream>> OpenAttach(
      const std::string& attach_socket_path, const std::string& control_path) override {
    return OpenAttachStream(attach_socket_path, control_path);
  }
  absl::Status ReopenLog(const std::string& control_path) override {
    return monitor::ReopenLog(control_path);
  }
  absl::Status ResizeTerminal(const std::string& control_path, std::uint16_t width,
                              std::uint16_t height) override {
    return monitor::ResizeTerminal(control_path, width, height);
  }
  absl::StatusOr<std::optional<ExitInfo>> ReadExitFile(const std::string& path) override {
    return monitor::ReadExitFile(path);
  }
  bool Running(pid_t pid, absl::string_view container_id) override {
    return MonitorRunning(pid, container_id);
  }
  bool WaitEnd(pid_t pid, absl::string_view container_id,
               std::chrono::milliseconds limit) override {
    return WaitMonitorEnd(pid, container_id, limit);
  }
};

}  // namespace
}  // namespace internal

absl::StatusOr<MonitorStarted> StartMonitor(const MonitorLaunch& launch) {
  RETURN_IF_ERROR(internal::ValidateLaunch(launch));
  // Everything is built before the spawn: the daemon is multi-threaded.
  ASSIGN_OR_RETURN(internal::SpawnedMonitor monitor,
                   internal::SpawnMonitor(internal::MonitorArgv(launch)));
  const std::string what = absl::StrCat("create container ", launch.container_id);
  ASSIGN_OR_RETURN(std::string report_text,
                   internal::ReadSyncPipe(monitor, launch.create_timeout + internal::kReportGrace,
                                          what, nullptr));
  auto report = internal::ParseSyncReport(report_text);
  if (!report.ok()) {
    return absl::InternalError(
        absl::StrCat(what, ": crio-monitor ended without a result: ", report.status().message()));
  }
  if (!report->ok) return internal::ReportToStatus(*report, launch);
  return MonitorStarted{report->container_pid, report->monitor_pid};
}

absl::StatusOr<ExecSession> StartExecMonitor(const ExecLaunch& launch) {
  RETURN_IF_ERROR(internal::ValidateExecLaunch(launch));
  ASSIGN_OR_RETURN(const std::string process, internal::ExecProcessJson(launch));
  RETURN_IF_ERROR(internal::WriteProcessFile(launch.process_file, process));
  ASSIGN_OR_RETURN(internal::SpawnedMonitor monitor,
                   internal::SpawnMonitor(internal::ExecMonitorArgv(launch)));
  const std::string what = absl::StrCat("exec in container ", launch.container_id);
  // The monitor starts the process only once its client is connected: connect as
  // soon as it says the socket listens, then wait for the runtime's verdict.
  std::unique_ptr<AttachStream> stream;
  absl::Status connected = absl::OkStatus();
  auto on_data = [&](const std::string& text) {
    if (stream != nullptr || !connected.ok() || !internal::ReportSaysReady(text)) return;
    auto opened = OpenAttachStream(launch.attach_socket_path, launch.control_path);
    if (opened.ok()) {
      stream = std::move(*opened);
    } else {
      connected = opened.status();
    }
  };
  ASSIGN_OR_RETURN(
      std::string report_text,
      internal::ReadSyncPipe(monitor,
                             launch.start_timeout + launch.attach_timeout + internal::kReportGrace,
                             what, on_data));
  auto report = internal::ParseSyncReport(report_text);
  if (!report.ok()) {
    return absl::InternalError(
        absl::StrCat(what, ": crio-monitor ended without a result: ", report.status().message()));
  }
  if (!report->ok) {
    const absl::Status status =
        internal::ReportToStatus(*report, absl::StrCat(what, " with ", launch.runtime_path));
    if (connected.ok()) return status;
    return absl::Status(status.code(),
                        absl::StrCat(status.message(), " (connect: ", connected.message(), ")"));
  }
  if (stream == nullptr) {
    // Someone else took the session's only client slot.
    return absl::InternalError(absl::StrCat(
        what, ": crio-monitor started the process for another client: ", connected.message()));
  }
  return ExecSession{report->monitor_pid, report->container_pid, std::move(stream)};
}

absl::StatusOr<std::unique_ptr<AttachStream>> OpenAttachStream(
    const std::string& attach_socket_path, const std::string& control_path) {
  ASSIGN_OR_RETURN(const int fd, internal::ConnectSeqpacket(attach_socket_path, "attach"));
  return std::make_unique<internal::RealAttachStream>(fd, attach_socket_path, control_path);
}

absl::Status ReopenLog(const std::string& control_path) {
  ASSIGN_OR_RETURN(std::string reply, internal::Control(control_path, protocol::kCtlReopen));
  if (reply == protocol::kReplyOk) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("reopen container log: ",
                   absl::StripPrefix(reply, absl::StrCat(protocol::kReplyError, " "))));
}

absl::Status ResizeTerminal(const std::string& control_path, std::uint16_t width,
                            std::uint16_t height) {
  ASSIGN_OR_RETURN(
      std::string reply,
      internal::Control(control_path, absl::StrCat(protocol::kCtlResize, " ", width, " ", height)));
  if (reply == protocol::kReplyOk) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "resize terminal: ", absl::StripPrefix(reply, absl::StrCat(protocol::kReplyError, " "))));
}

absl::StatusOr<std::optional<ExitInfo>> ReadExitFile(const std::string& path) {
  auto content = fs::ReadFile(path, 4096);
  if (absl::IsNotFound(content.status())) return std::nullopt;
  if (!content.ok()) return content.status();
  ASSIGN_OR_RETURN(ExitInfo info, internal::ParseExitFile(*content, path));
  return info;
}

bool MonitorRunning(pid_t pid, absl::string_view container_id) {
  if (pid <= 0) return false;
  auto stat = fs::ReadFile(absl::StrCat("/proc/", pid, "/stat"), 4096);
  if (!stat.ok()) return false;
  const std::size_t paren = stat->rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat->size() || (*stat)[paren + 2] == 'Z') {
    return false;
  }
  auto cmdline = fs::ReadFile(absl::StrCat("/proc/", pid, "/cmdline"), 1 << 16);
  if (!cmdline.ok()) return false;
  std::vector<absl::string_view> args = absl::StrSplit(*cmdline, '\0');
  if (args.empty()) return false;
  const absl::string_view program = args[0].substr(args[0].rfind('/') + 1);
  if (program != "crio-monitor") return false;
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == protocol::kFlagId && args[i + 1] == container_id) return true;
  }
  return false;
}

std::unique_ptr<MonitorLauncher> MakeMonitorLauncher() {
  return std::make_unique<internal::RealMonitorLauncher>();
}

bool WaitMonitorEnd(pid_t pid, absl::string_view container_id, std::chrono::milliseconds limit) {
  if (pid <= 0) return true;
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return true;  // gone already
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  // The pidfd holds the pid: checked after it is open, a reused pid cannot fool us.
  if (!MonitorRunning(pid, container_id)) return true;
  pollfd pfd{fd, POLLIN, 0};
  int ready = 0;
  while ((ready = ::poll(&pfd, 1, static_cast<int>(limit.count()))) < 0 && errno == EINTR) {
  }
  return ready > 0;
}

}  // namespace crio::monitor
