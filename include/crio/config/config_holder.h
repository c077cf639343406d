#pragma once

// The running daemon's configuration. SIGHUP swaps in a new snapshot; readers take a
// snapshot and keep using it for the whole request, so a reload never tears one.

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "crio/config/config.h"

namespace crio::config {

class ConfigHolder {
 public:
  explicit ConfigHolder(Config initial)
      : current_(std::make_shared<const Config>(std::move(initial))) {}

  /// The configuration in force now; stays valid however long the caller keeps it.
  std::shared_ptr<const Config> Get() const {
    absl::MutexLock lock(&mu_);
    return current_;
  }

  /// Makes `next` the configuration in force for every later Get().
  void Set(Config next) {
    auto snapshot = std::make_shared<const Config>(std::move(next));
    absl::MutexLock lock(&mu_);
    current_ = std::move(snapshot);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Config> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::config
