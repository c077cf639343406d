#pragma once

// Whether a process a test started has ended, for the unit tests of the modules that
// spawn processes (common's subprocess, the runtime).

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <string>

namespace crio::testing {

/// True once `pid` is gone or a zombie (its parent may be a reaper that is slow to wait).
/// read(2), not an ifstream: a process reaped between the open and the read makes the
/// read fail with ESRCH, which libstdc++'s filebuf throws as an exception.
inline bool ProcessGone(pid_t pid) {
  const int fd = ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  char buffer[1024];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n <= 0) return true;
  const std::string content(buffer, static_cast<std::size_t>(n));
  const auto paren = content.rfind(')');
  return paren != std::string::npos && paren + 2 < content.size() && content[paren + 2] == 'Z';
}

}  // namespace crio::testing
