#pragma once

// crio-monitor's command line (flags in protocol.h), parsed without allocation: every
// string points into argv, which lives as long as the process.

#include <cstddef>
#include <cstdint>

namespace crio::monitor {

/// How many --runtime-arg and --env values the monitor accepts.
inline constexpr int kMaxRepeated = 64;

/// Everything one monitor needs to run one container, or one exec session in one
/// (exec_process set; protocol.h).
struct Options {
  const char* id = nullptr;                     ///< container id (also names the process)
  const char* runtime = nullptr;                ///< absolute path of runc/crun
  const char* runtime_root = nullptr;           ///< --root for the runtime, or null
  const char* runtime_args[kMaxRepeated] = {};  ///< global args before "create"
  int runtime_arg_count = 0;
  const char* bundle = nullptr;          ///< OCI bundle dir (container mode)
  const char* exec_process = nullptr;    ///< process.json: exec mode when set
  const char* pid_file = nullptr;        ///< where the runtime writes the init's (exec'd) pid
  const char* log_path = nullptr;        ///< the CRI log file (container mode)
  std::int64_t log_size_max = 0;         ///< <= 0: no rotation
  const char* exit_file = nullptr;       ///< written when init ends
  const char* attach_socket = nullptr;   ///< SOCK_SEQPACKET attach endpoint
  const char* control_socket = nullptr;  ///< SOCK_SEQPACKET reopen/resize endpoint
  const char* env[kMaxRepeated] = {};    ///< KEY=VALUE added to the runtime's env
  int env_count = 0;
  std::int64_t create_timeout_ms = 0;  ///< kill the runtime's create (exec) after this long
  std::int64_t attach_timeout_ms = 0;  ///< exec mode: wait this long for the attach client
  int sync_fd = -1;                    ///< the pipe to report the pid or failure on
  bool tty = false;                    ///< console socket + pty instead of pipes
  bool stdin = false;                  ///< the container has a stdin pipe
  bool stdin_once = false;             ///< close stdin when an attach client leaves

  bool exec_mode() const { return exec_process != nullptr; }
};

/// Parses argv into `out`. On failure writes a lower-case reason into `error`.
/// @return true on success
bool ParseOptions(int argc, char** argv, Options* out, char* error, std::size_t error_cap);

}  // namespace crio::monitor
