// OciRuntime over the runc command line, which crun implements too. Differences met so
// far, all absorbed here or in cli_output.cc:
// - errors: runc prints logrus lines (`time=... level=error msg="..."`) on stderr, or a
//   bare message when --log is given; crun prints bare messages ("error opening file
//   `<root>/<id>/status`: No such file or directory").
// - an unknown id: runc says "container does not exist"; crun reports ENOENT on the
//   container's state directory.
// - `list --format json` with no containers: runc prints `null`, crun `[]`.
// - `exec` of a missing command: runc exits 255 ("exec failed: ... executable file not
//   found in $PATH"); crun exits with its own code and message. Neither writes the pid
//   file then.
// - options: crun parses with argp, runc with urfave/cli; both take "--flag value".

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "cli_output.h"
#include "crio/common/fs.h"
#include "crio/common/log.h"
#include "crio/common/status.h"
#include "crio/runtime/oci_runtime.h"
#include "exec_fifo.h"

namespace crio::runtime {
namespace {

// Enough for `list` with thousands of containers.
constexpr std::size_t kMaxCommandStdout = std::size_t{16} * 1024 * 1024;
constexpr std::size_t kMaxCommandStderr = std::size_t{64} * 1024;
constexpr std::size_t kMaxPidFileBytes = 64;

absl::Status CheckId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("container id is empty");
  // The id is a positional argument: one that looks like a flag would be read as one.
  if (id.front() == '-' || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("container id \"", id, "\" is not valid"));
  }
  return absl::OkStatus();
}

// A private directory for the files of one call, removed with everything in it.
class ScratchDir {
 public:
  static absl::StatusOr<ScratchDir> Create(const std::string& parent) {
    std::string base = parent;
    if (base.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
    std::string pattern = absl::StrCat(absl::StripSuffix(base, "/"), "/crio-runtime-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      return fs::ErrnoStatus(errno, absl::StrCat("create temporary directory in ", base));
    }
    return ScratchDir(std::move(pattern));
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, "")) {}
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(absl::string_view name) const { return absl::StrCat(path_, "/", name); }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// A file only the runtime reads, once: no fsync (as WriteFileAtomic does) on the exec
// path, which kubelet's probes take every few seconds.
absl::Status WriteScratchFile(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fs::ErrnoStatus(errno, absl::StrCat("create ", path));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return fs::ErrnoStatus(err, absl::StrCat("write ", path));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) return fs::ErrnoStatus(errno, absl::StrCat("close ", path));
  return absl::OkStatus();
}

// The pid `exec --pid-file` wrote, or 0 when it has not (yet).
pid_t ReadPidFile(const std::string& path) {
  auto content = fs::ReadFile(path, kMaxPidFileBytes);
  if (!content.ok()) return 0;
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*content), &pid) || pid <= 0) return 0;
  return pid;
}

// Through a pidfd, so that a pid recycled between reading it and signalling it is not
// hit: the pidfd refers to the process that had the pid when it was opened.
void KillPid(pid_t pid) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    if (errno == ENOSYS) ::kill(pid, SIGKILL);
    return;
  }
  ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
  ::close(pidfd);
}

class RuncRuntime final : public OciRuntime {
 public:
  RuncRuntime(RuncRuntimeOptions options, subprocess::Runner& runner)
      : options_(std::move(options)), runner_(runner) {
    if (options_.root.empty()) options_.root = DefaultRuntimeRoot(options_.path);
    if (options_.name.empty()) {
      options_.name = std::filesystem::path(options_.path).filename().string();
    }
    global_args_ = GlobalArgs(options_);
  }

  absl::Status Start(const RequestContext& ctx, const std::string& id) override {
    RETURN_IF_ERROR(CheckId(id));
    if (options_.start_through_exec_fifo) {
      auto started = internal::StartThroughExecFifo(
          (std::filesystem::path(options_.root) / id).string(), options_.timeout);
      if (!started.ok()) return Annotate(started.status(), Command("start", id));
      if (*started == internal::FifoStart::kStarted) {
        log::Debug(ctx, "Started {} through its exec fifo", id);
        return absl::OkStatus();
      }
    }
    return Call(ctx, {"start", id}, id).status();
  }

  absl::StatusOr<ContainerState> State(const RequestContext& ctx, const std::string& id) override {
    RETURN_IF_ERROR(CheckId(id));
    ASSIGN_OR_RETURN(subprocess::Result result, Call(ctx, {"state", id}, id));
    auto state = internal::ParseState(result.stdout_data);
    // Output we cannot read is the runtime's fault, not the caller's.
    if (!state.ok()) {
      return absl::InternalError(
          absl::StrCat(Command("state", id), " output: ", state.status().message()));
    }
    return state;
  }

  absl::Status Kill(const RequestContext& ctx, const std::string& id, int signal,
                    bool all) override {
    RETURN_IF_ERROR(CheckId(id));
    if (signal <= 0 || signal >= NSIG) {
      return absl::InvalidArgumentError(absl::StrCat("signal ", signal, " is not valid"));
    }
    std::vector<std::string> args = {"kill"};
    if (all) args.emplace_back("--all");
    args.push_back(id);
    args.push_back(std::to_string(signal));
    return Call(ctx, std::move(args), id).status();
  }

  absl::Status Delete(const RequestContext& ctx, const std::string& id, bool force) override {
    RETURN_IF_ERROR(CheckId(id));
    // runc and crun keep a directory per container under their root. Without one there
    // is nothing to delete (crio-monitor deletes a container when it ends), and no
    // process to spawn on the RemoveContainer path.
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(options_.root) / id, ec) && !ec) {
      log::Debug(ctx, "Container {} is not known to {}: nothing to delete", id, options_.name);
      return absl::OkStatus();
    }
    std::vector<std::string> args = {"delete"};
    if (force) args.emplace_back("--force");
    args.push_back(id);
    absl::Status status = Call(ctx, std::move(args), id).status();
    if (absl::IsNotFound(status)) {
      log::Debug(ctx, "Container {} was already deleted from {}", id, options_.name);
      return absl::OkStatus();
    }
    return status;
  }

  absl::Status Pause(const RequestContext& ctx, const std::string& id) override {
    RETURN_IF_ERROR(CheckId(id));
    return Call(ctx, {"pause", id}, id).status();
  }

  absl::Status Resume(const RequestContext& ctx, const std::string& id) override {
    RETURN_IF_ERROR(CheckId(id));
    return Call(ctx, {"resume", id}, id).status();
  }

  absl::Status Update(const RequestContext& ctx, const std::string& id,
                      const std::string& resources_json) override {
    RETURN_IF_ERROR(CheckId(id));
    const auto parsed = nlohmann::json::parse(resources_json, nullptr, false);
    if (!parsed.is_object()) {
      return absl::InvalidArgumentError("resources: not a JSON object (OCI linux.resources)");
    }
    // A file rather than stdin: crun's --resources takes only a path.
    ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Create(options_.temp_dir));
    const std::string file = scratch.File("resources.json");
    RETURN_IF_ERROR(WriteScratchFile(file, resources_json));
    return Call(ctx, {"update", "--resources", file, id}, id).status();
  }

  absl::StatusOr<std::vector<ContainerState>> List(const RequestContext& ctx) override {
    ASSIGN_OR_RETURN(subprocess::Result result, Call(ctx, {"list", "--format", "json"}, ""));
    auto states = internal::ParseStateList(result.stdout_data);
    if (!states.ok()) {
      return absl::InternalError(
          absl::StrCat(options_.name, " list output: ", states.status().message()));
    }
    return states;
  }

  absl::StatusOr<ExecResult> ExecSync(const RequestContext& ctx, const std::string& id,
                                      const ExecRequest& request) override {
    RETURN_IF_ERROR(CheckId(id));
    ASSIGN_OR_RETURN(std::string process, BuildExecProcess(request));
    ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Create(options_.temp_dir));
    const std::string process_file = scratch.File("process.json");
    const std::string pid_file = scratch.File("pid");
    RETURN_IF_ERROR(WriteScratchFile(process_file, process));

    subprocess::Options run =
        BaseOptions({"exec", "--process", process_file, "--pid-file", pid_file, id});
    run.max_stdout_bytes = request.max_output_bytes;
    run.max_stderr_bytes = request.max_output_bytes;
    run.timeout = request.timeout;
    // Killing only the runtime client would orphan the command inside the container,
    // where it would keep running (or stay a zombie under an init that does not reap).
    // Kill the command first, so that the client reaps it and exits by itself.
    bool killed_command = false;
    run.on_timeout = [&pid_file, &killed_command](pid_t) {
      if (const pid_t pid = ReadPidFile(pid_file); pid > 0) {
        KillPid(pid);
        killed_command = true;
      }
    };
    run.timeout_grace = options_.exec_kill_grace;
    const std::string command = Command("exec", id);
    // The command's arguments are not logged: they may carry secrets.
    log::Debug(ctx, "Running {}", command);
    auto ran = runner_.Run(run);
    if (!ran.ok()) return Annotate(ran.status(), command);
    subprocess::Result& result = *ran;

    const bool started = ReadPidFile(pid_file) > 0;
    if (result.timed_out && started && !killed_command) {
      // The pid file appeared only after the deadline, and the client was killed
      // while the command ran. The command was orphaned inside the container, so its
      // pid is still its own (alive or a zombie there) and not yet reused.
      KillPid(ReadPidFile(pid_file));
    }
    ExecResult out;
    out.timed_out = result.timed_out;
    out.exit_code = result.signal != 0 ? 128 + result.signal : result.exit_code;
    out.stdout_truncated = result.stdout_truncated;
    out.stderr_truncated = result.stderr_truncated;
    if (!started && !result.Success() && !result.timed_out) {
      // The command never ran: the runtime refused. An unknown or stopped container is
      // the caller's error; anything else (no such command in the image, not
      // executable, ...) is the command's failure, reported as runc does.
      const absl::Status error = internal::RuntimeError(command, result, id, options_.root);
      if (absl::IsNotFound(error) || absl::IsFailedPrecondition(error)) return error;
      std::string message = internal::ExtractErrorMessage(result.stderr_data);
      out.stderr_data = message.empty() ? std::move(result.stderr_data) : message + "\n";
      out.stdout_data = std::move(result.stdout_data);
      if (out.exit_code == 0) out.exit_code = 1;
      return out;
    }
    out.stdout_data = std::move(result.stdout_data);
    out.stderr_data = std::move(result.stderr_data);
    return out;
  }

 private:
  std::string Command(absl::string_view verb, absl::string_view id) const {
    return id.empty() ? absl::StrCat(options_.name, " ", verb)
                      : absl::StrCat(options_.name, " ", verb, " ", id);
  }

  subprocess::Options BaseOptions(std::vector<std::string> args) const {
    subprocess::Options run;
    run.argv.reserve(1 + global_args_.size() + args.size());
    run.argv.push_back(options_.path);
    run.argv.insert(run.argv.end(), global_args_.begin(), global_args_.end());
    run.argv.insert(run.argv.end(), std::make_move_iterator(args.begin()),
                    std::make_move_iterator(args.end()));
    run.env = options_.env;
    run.timeout = options_.timeout;
    // Whatever the runtime forks (runc init) dies with it on a timeout.
    run.new_process_group = true;
    run.max_stdout_bytes = kMaxCommandStdout;
    run.max_stderr_bytes = kMaxCommandStderr;
    return run;
  }

  // Runs one command; a non-zero exit becomes the runtime's error.
  absl::StatusOr<subprocess::Result> Call(const RequestContext& ctx, std::vector<std::string> args,
                                          const std::string& id) {
    const std::string command = Command(args.front(), id);
    log::Debug(ctx, "Running {}", command);
    auto result = runner_.Run(BaseOptions(std::move(args)));
    if (!result.ok()) return Annotate(result.status(), command);
    if (!result->Success()) return internal::RuntimeError(command, *result, id, options_.root);
    return result;
  }

  RuncRuntimeOptions options_;
  subprocess::Runner& runner_;
  std::vector<std::string> global_args_;
};

}  // namespace

std::string_view StatusName(ContainerStatus status) {
  switch (status) {
    case ContainerStatus::kCreating:
      return "creating";
    case ContainerStatus::kCreated:
      return "created";
    case ContainerStatus::kRunning:
      return "running";
    case ContainerStatus::kPaused:
      return "paused";
    case ContainerStatus::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::string DefaultRuntimeRoot(std::string_view runtime_path) {
  return absl::StrCat("/run/", std::filesystem::path(runtime_path).filename().string());
}

std::vector<std::string> GlobalArgs(const RuncRuntimeOptions& options) {
  std::vector<std::string> args = {
      "--root", options.root.empty() ? DefaultRuntimeRoot(options.path) : options.root};
  if (options.systemd_cgroup) args.emplace_back("--systemd-cgroup");
  if (!options.log_path.empty()) {
    args.insert(args.end(), {"--log", options.log_path, "--log-format", "json"});
  }
  return args;
}

std::unique_ptr<OciRuntime> NewRuncRuntime(RuncRuntimeOptions options, subprocess::Runner& runner) {
  return std::make_unique<RuncRuntime>(std::move(options), runner);
}

}  // namespace crio::runtime
