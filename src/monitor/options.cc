#include "options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cri_log.h"
#include "protocol.h"

namespace crio::monitor {
namespace {

bool ParseInt(const char* text, std::int64_t* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = value;
  return true;
}

}  // namespace

bool ParseOptions(int argc, char** argv, Options* out, char* error, std::size_t error_cap) {
  namespace p = protocol;
  auto fail = [&](const char* what, const char* flag) {
    std::snprintf(error, error_cap, "%s %s", what, flag);
    return false;
  };
  for (int i = 1; i < argc; ++i) {
    const char* flag = argv[i];
    if (std::strcmp(flag, p::kFlagTty) == 0) {
      out->tty = true;
      continue;
    }
    if (std::strcmp(flag, p::kFlagStdin) == 0) {
      out->stdin = true;
      continue;
    }
    if (std::strcmp(flag, p::kFlagStdinOnce) == 0) {
      out->stdin_once = true;
      continue;
    }
    if (i + 1 >= argc) return fail("missing value for", flag);
    const char* value = argv[++i];
    std::int64_t number = 0;
    if (std::strcmp(flag, p::kFlagId) == 0) {
      out->id = value;
    } else if (std::strcmp(flag, p::kFlagRuntime) == 0) {
      out->runtime = value;
    } else if (std::strcmp(flag, p::kFlagRuntimeRoot) == 0) {
      out->runtime_root = value;
    } else if (std::strcmp(flag, p::kFlagRuntimeArg) == 0) {
      if (out->runtime_arg_count == kMaxRepeated) return fail("too many values for", flag);
      out->runtime_args[out->runtime_arg_count++] = value;
    } else if (std::strcmp(flag, p::kFlagBundle) == 0) {
      out->bundle = value;
    } else if (std::strcmp(flag, p::kFlagExecProcess) == 0) {
      out->exec_process = value;
    } else if (std::strcmp(flag, p::kFlagPidFile) == 0) {
      out->pid_file = value;
    } else if (std::strcmp(flag, p::kFlagLogPath) == 0) {
      out->log_path = value;
    } else if (std::strcmp(flag, p::kFlagLogSizeMax) == 0) {
      if (!ParseInt(value, &number)) return fail("invalid number for", flag);
      out->log_size_max = number;
    } else if (std::strcmp(flag, p::kFlagExitFile) == 0) {
      out->exit_file = value;
    } else if (std::strcmp(flag, p::kFlagAttachSocket) == 0) {
      out->attach_socket = value;
    } else if (std::strcmp(flag, p::kFlagControlSocket) == 0) {
      out->control_socket = value;
    } else if (std::strcmp(flag, p::kFlagEnv) == 0) {
      if (std::strchr(value, '=') == nullptr || value[0] == '=') {
        return fail("expected KEY=VALUE for", flag);
      }
      if (out->env_count == kMaxRepeated) return fail("too many values for", flag);
      out->env[out->env_count++] = value;
    } else if (std::strcmp(flag, p::kFlagCreateTimeoutMs) == 0) {
      if (!ParseInt(value, &number) || number <= 0) return fail("invalid number for", flag);
      out->create_timeout_ms = number;
    } else if (std::strcmp(flag, p::kFlagAttachTimeoutMs) == 0) {
      if (!ParseInt(value, &number) || number <= 0) return fail("invalid number for", flag);
      out->attach_timeout_ms = number;
    } else if (std::strcmp(flag, p::kFlagSyncFd) == 0) {
      if (!ParseInt(value, &number) || number < 0 || number > 1 << 20) {
        return fail("invalid number for", flag);
      }
      out->sync_fd = static_cast<int>(number);
    } else {
      return fail("unknown flag", flag);
    }
  }
  const bool exec = out->exec_mode();
  struct Required {
    const char* value;
    const char* flag;
    bool needed;  // else it must be absent
  };
  // An exec session has neither a bundle nor a log: both belong to the container's
  // own monitor.
  const Required required[] = {
      {out->id, p::kFlagId, true},
      {out->runtime, p::kFlagRuntime, true},
      {out->bundle, p::kFlagBundle, !exec},
      {out->pid_file, p::kFlagPidFile, true},
      {out->log_path, p::kFlagLogPath, !exec},
      {out->exit_file, p::kFlagExitFile, true},
      {out->attach_socket, p::kFlagAttachSocket, true},
      {out->control_socket, p::kFlagControlSocket, true},
  };
  for (const Required& r : required) {
    if (r.needed && (r.value == nullptr || r.value[0] == '\0')) return fail("missing", r.flag);
    if (!r.needed && r.value != nullptr) return fail("exec mode takes no", r.flag);
  }
  if (exec) {
    if (out->exec_process[0] == '\0') return fail("missing", p::kFlagExecProcess);
    if (out->stdin_once) return fail("exec mode takes no", p::kFlagStdinOnce);
    if (out->attach_timeout_ms <= 0) return fail("missing", p::kFlagAttachTimeoutMs);
  } else if (out->attach_timeout_ms != 0) {
    return fail("container mode takes no", p::kFlagAttachTimeoutMs);
  }
  if (out->sync_fd < 0) return fail("missing", p::kFlagSyncFd);
  if (out->create_timeout_ms <= 0) return fail("missing", p::kFlagCreateTimeoutMs);
  if (out->log_size_max > 0 && out->log_size_max < kMinLogSizeMax) {
    return fail("value below 1024 for", p::kFlagLogSizeMax);
  }
  if (out->stdin_once && !out->stdin) return fail("stdin-once without", p::kFlagStdin);
  return true;
}

}  // namespace crio::monitor
