#include "exit_record.h"

#include <sys/wait.h>

#include <cstdio>

#include "fs_util.h"

namespace crio::monitor {

ExitRecord ExitRecordFromWaitStatus(int wait_status, std::int64_t finished_at_ns, bool oom_killed) {
  ExitRecord record;
  if (WIFSIGNALED(wait_status)) {
    record.signal = WTERMSIG(wait_status);
    record.exit_code = 128 + record.signal;
  } else if (WIFEXITED(wait_status)) {
    record.exit_code = WEXITSTATUS(wait_status);
  }
  record.finished_at_ns = finished_at_ns;
  record.oom_killed = oom_killed;
  return record;
}

std::size_t FormatExitRecord(const ExitRecord& record, char* out, std::size_t cap) {
  const int n = std::snprintf(out, cap, "%s=%d\n%s=%d\n%s=%lld\n%s=%s\n", kExitKeyCode,
                              record.exit_code, kExitKeySignal, record.signal, kExitKeyFinishedAt,
                              static_cast<long long>(record.finished_at_ns), kExitKeyOomKilled,
                              record.oom_killed ? "true" : "false");
  if (n < 0 || static_cast<std::size_t>(n) >= cap) return 0;
  return static_cast<std::size_t>(n);
}

int WriteExitRecord(const char* path, const ExitRecord& record) {
  char buf[256];
  const std::size_t n = FormatExitRecord(record, buf, sizeof(buf));
  return WriteFileAtomic(path, buf, n, 0644);
}

}  // namespace crio::monitor
