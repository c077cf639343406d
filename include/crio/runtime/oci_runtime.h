#pragma once

// The OCI runtime as the daemon uses it: every operation on an existing container.
// Creating one (`runc create`) is the job of crio-monitor, which must be the parent of
// the container; everything after that goes through OciRuntime, synchronously, with a
// deadline on each call.
//
// The implementation (src/runtime/runc_runtime.cc) drives the runc command line, which
// crun shares; the handler registry (crio/runtime/handlers.h) picks the binary.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crio/common/log.h"
#include "crio/common/subprocess.h"

namespace crio::runtime {

/// The OCI runtime-spec states.
enum class ContainerStatus {
  kCreating,  ///< crun may report it while create is still running
  kCreated,   ///< created, the user process not started yet
  kRunning,
  kPaused,  ///< frozen (cgroup freezer)
  kStopped,
};

/// "creating", "created", "running", "paused" or "stopped".
std::string_view StatusName(ContainerStatus status);

/// What `<runtime> state <id>` says about a container.
struct ContainerState {
  std::string id;
  ContainerStatus status = ContainerStatus::kStopped;
  int pid = 0;  ///< host pid of the container's init; 0 once stopped
  std::string bundle;
  std::string rootfs;
  std::string created;                  ///< RFC 3339, as the runtime printed it
  std::int64_t created_unix_nanos = 0;  ///< the same instant; 0 when it did not parse
  std::map<std::string, std::string> annotations;
  std::string oci_version;
};

/// process.user of the OCI spec.
struct ProcessUser {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> additional_gids;
  std::optional<std::uint32_t> umask;
};

/// process.capabilities of the OCI spec ("CAP_CHOWN", ...).
struct ProcessCapabilities {
  std::vector<std::string> bounding;
  std::vector<std::string> effective;
  std::vector<std::string> inheritable;
  std::vector<std::string> permitted;
  std::vector<std::string> ambient;
};

/// A command to run inside a running container and wait for.
struct ExecRequest {
  std::vector<std::string> args;  ///< required: the command and its arguments
  /// The "process" object of the container's config.json, as JSON. The exec'd process
  /// starts as a copy of it (user, env, cwd, capabilities, rlimits, labels, ...), then
  /// gets `args`, terminal=false and every field below that is set. "" = start from an
  /// empty process (cwd "/", uid 0).
  std::string base_process_json;
  std::optional<std::vector<std::string>> env;  ///< replaces the base's env
  std::optional<std::string> cwd;
  std::optional<ProcessUser> user;
  std::optional<ProcessCapabilities> capabilities;
  std::optional<bool> no_new_privileges;
  std::optional<std::string> apparmor_profile;
  std::optional<std::string> selinux_label;
  /// Zero = no deadline (CRI ExecSync's timeout 0). When it passes, the process is
  /// killed inside the container, then the runtime client.
  std::chrono::milliseconds timeout{0};
  std::size_t max_output_bytes = subprocess::kDefaultOutputCap;  ///< per stream
};

/// The OCI "process" object for `exec --process`: request.base_process_json with the
/// request's fields applied (terminal false, no consoleSize). What ExecSync runs, and
/// what a streaming exec hands its crio-monitor.
/// @return InvalidArgument for empty args or a base that is not a JSON object
absl::StatusOr<std::string> BuildExecProcess(const ExecRequest& request);

/// What an ExecSync produced.
struct ExecResult {
  /// The command's exit code (128+n when a signal n ended it). When the runtime could
  /// not start the command (not found in the container, not executable), the runtime's
  /// own non-zero code and its message in stderr_data, as `runc exec` reports it.
  int exit_code = -1;
  std::string stdout_data;
  std::string stderr_data;
  bool timed_out = false;
  bool stdout_truncated = false;  ///< more than max_output_bytes were written
  bool stderr_truncated = false;

  bool truncated() const { return stdout_truncated || stderr_truncated; }
};

/// Operations on created containers. Each call is bounded by a deadline. Errors carry
/// the runtime's own message: "runc start 4f2a: container not running (exit status 1)".
/// Codes: NotFound (the runtime does not know the id), FailedPrecondition (wrong state:
/// not running, not paused, ...), DeadlineExceeded (the runtime did not answer in time),
/// InvalidArgument (bad input), Internal (anything else the runtime refused).
class OciRuntime {
 public:
  virtual ~OciRuntime() = default;

  /// `start <id>`: runs the user process of a created container.
  virtual absl::Status Start(const RequestContext& ctx, const std::string& id) = 0;

  /// `state <id>`.
  /// @return the state, or NotFound when the runtime does not know `id`
  virtual absl::StatusOr<ContainerState> State(const RequestContext& ctx,
                                               const std::string& id) = 0;

  /// `kill [--all] <id> <signal>`.
  /// @param signal a signal number (SIGTERM, SIGKILL, ...)
  /// @param all signal every process of the container, not only its init
  virtual absl::Status Kill(const RequestContext& ctx, const std::string& id, int signal,
                            bool all) = 0;

  /// `delete [--force] <id>`. A container the runtime does not know is already deleted:
  /// that is OK, so Delete can be retried.
  /// @param force kill a running container first
  virtual absl::Status Delete(const RequestContext& ctx, const std::string& id, bool force) = 0;

  /// `pause <id>` (freezes every process of the container).
  virtual absl::Status Pause(const RequestContext& ctx, const std::string& id) = 0;

  /// `resume <id>`.
  virtual absl::Status Resume(const RequestContext& ctx, const std::string& id) = 0;

  /// `update --resources - <id>`.
  /// @param resources_json an OCI linux.resources object
  ///     (`{"memory":{"limit":...},"pids":{"limit":...},"cpu":{...}}`)
  /// @return InvalidArgument when it is not a JSON object
  virtual absl::Status Update(const RequestContext& ctx, const std::string& id,
                              const std::string& resources_json) = 0;

  /// `list --format json`: every container under the runtime's root.
  virtual absl::StatusOr<std::vector<ContainerState>> List(const RequestContext& ctx) = 0;

  /// `exec --process <file> --pid-file <file> <id>`: runs a command in the container and
  /// waits for it, capturing stdout and stderr (each capped at max_output_bytes).
  /// @return the result, also for non-zero exits and timeouts; an error only when the
  ///     container is unknown (NotFound), not running (FailedPrecondition), or the
  ///     request or the runtime is broken
  virtual absl::StatusOr<ExecResult> ExecSync(const RequestContext& ctx, const std::string& id,
                                              const ExecRequest& request) = 0;
};

/// How to drive one runtime binary through the runc command line.
struct RuncRuntimeOptions {
  std::string name;             ///< handler name, used in messages; "" = the binary's file name
  std::string path;             ///< absolute path of runc, crun or another binary with their CLI
  std::string root;             ///< --root; "" = DefaultRuntimeRoot(path)
  bool systemd_cgroup = false;  ///< pass --systemd-cgroup (cgroup_manager "systemd")
  /// "" = none; else `--log <log_path> --log-format json`, for the operator: errors are
  /// read from the runtime's stderr either way.
  std::string log_path;
  /// The runtime's environment; nullopt = the daemon's.
  std::optional<std::vector<std::string>> env;
  std::chrono::milliseconds timeout{30'000};  ///< per call, except ExecSync's own
  /// Where ExecSync writes its process.json and pid file; "" = $TMPDIR or /tmp.
  std::string temp_dir;
  /// After killing a timed-out exec'd process, how long the runtime client may take to
  /// notice, reap it and exit before it is killed too.
  std::chrono::milliseconds exec_kill_grace{2'000};
  /// Start a runc container by opening its exec.fifo, as `runc start` does, instead of
  /// spawning runc (src/runtime/exec_fifo.h); `runc start` stays the fallback. Only for
  /// runc itself: crun's start does more than that.
  bool start_through_exec_fifo = false;
};

/// The runc-CLI implementation of OciRuntime (runc and crun).
/// @param runner how processes are started; DefaultRunner() outside tests
std::unique_ptr<OciRuntime> NewRuncRuntime(
    RuncRuntimeOptions options, subprocess::Runner& runner = subprocess::DefaultRunner());

/// The runtime's default state directory: "/run/" + the binary's file name
/// (/run/runc, /run/crun).
std::string DefaultRuntimeRoot(std::string_view runtime_path);

/// The global arguments every invocation of the runtime starts with:
/// --root, then --systemd-cgroup and --log/--log-format when set. crio-monitor puts
/// them before `create`.
std::vector<std::string> GlobalArgs(const RuncRuntimeOptions& options);

}  // namespace crio::runtime
