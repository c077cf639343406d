#pragma once

// Deleting directory trees off the caller's path: Discard renames a tree into a trash
// directory on the same filesystem (one rename, microseconds) and a worker thread
// deletes it. RemoveContainer is the caller: its answer does not wait on the disk.
// Whatever a crash leaves in the trash is deleted when the next Trash on that
// directory starts.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace crio::fs {

class Trash {
 public:
  /// Creates `dir` (mode 0700) when missing and queues what it already holds. A tree is
  /// deleted `delay` after its discard, so that the deletion does not compete for the
  /// CPU and the disk journal with the call that discarded it, which is still
  /// answering.
  explicit Trash(std::string dir, std::chrono::milliseconds delay = std::chrono::milliseconds(100));
  /// Stops the worker after the tree it is deleting; the rest waits for the next start.
  ~Trash();
  Trash(const Trash&) = delete;
  Trash& operator=(const Trash&) = delete;

  /// Moves `path` into the trash, to be deleted soon. A missing path is fine. When the
  /// rename fails (another filesystem), the tree is deleted here instead.
  absl::Status Discard(const std::string& path);

  /// Blocks until everything discarded so far is deleted.
  void Drain();

  const std::string& dir() const { return dir_; }

 private:
  void Work();

  std::string dir_;
  std::mutex mu_;
  std::condition_variable changed_;
  struct Discarded {
    std::string path;
    std::chrono::steady_clock::time_point due;
  };
  std::chrono::milliseconds delay_;
  std::deque<Discarded> queue_;  // guarded by mu_
  std::uint64_t counter_ = 0;    // guarded by mu_: unique names in the trash
  bool busy_ = false;            // guarded by mu_: the worker is deleting a tree
  bool stopping_ = false;        // guarded by mu_
  std::thread worker_;
};

}  // namespace crio::fs
