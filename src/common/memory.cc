#include "crio/common/memory.h"

#include <malloc.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

namespace crio::memory {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<Clock::rep> g_last_activity{0};
std::atomic<bool> g_busy_since_trim{false};

}  // namespace

void LimitArenas(int max_arenas) { ::mallopt(M_ARENA_MAX, max_arenas); }

void NoteActivity() {
  g_last_activity.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  g_busy_since_trim.store(true, std::memory_order_relaxed);
}

void StartIdleTrim(std::chrono::milliseconds idle) {
  static std::mutex mu;
  static std::condition_variable_any wake;
  // A static jthread: asked to stop and joined when the daemon exits.
  static std::jthread trimmer([idle](std::stop_token stop) {
    std::unique_lock lock(mu);
    for (;;) {
      wake.wait_for(lock, stop, idle, [] { return false; });  // wakes at stop or timeout
      if (stop.stop_requested()) return;
      if (!g_busy_since_trim.load(std::memory_order_relaxed)) continue;
      const Clock::duration since =
          Clock::now().time_since_epoch() -
          Clock::duration(g_last_activity.load(std::memory_order_relaxed));
      if (since < idle) continue;
      g_busy_since_trim.store(false, std::memory_order_relaxed);
      ::malloc_trim(0);
    }
  });
}

}  // namespace crio::memory
