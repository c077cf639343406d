// What the kernel says about a running daemon's memory and threads.
#pragma once

#include <sys/types.h>

namespace bench {

struct MemorySnapshot {
  double rss_mib = 0;      // VmRSS: resident now, shared library pages included
  double anon_mib = 0;     // RssAnon: the heap, stacks and other anonymous pages of VmRSS
  double private_mib = 0;  // Private_Clean + Private_Dirty from smaps_rollup: the daemon's own
  double hwm_mib = 0;      // VmHWM: the resident peak so far
  int threads = 0;         // Threads
};

// Reads /proc/<pid>/status and /proc/<pid>/smaps_rollup; throws if either is unreadable.
MemorySnapshot ReadMemory(pid_t pid);

}  // namespace bench
