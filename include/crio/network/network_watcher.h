#pragma once

// Keeping "which network do pods join, and is there one" current while network
// providers write their config after the daemon started, so that Status reports
// NetworkReady without a restart (CRI-O's ocicni watches the same dirs).
//
// A thread of its own waits on inotify for changes to the network config dir and the
// plugin dirs, and runs FindDefaultNetwork again once they settle; the daemon has no
// event loop whose poll could take an fd instead. A dir that is missing (or is removed)
// is looked for again every retry interval, and the network looked up again with it.

#include <chrono>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "crio/network/cni_config.h"

namespace crio::network {

/// Tuning for the watcher; the defaults suit the daemon.
struct NetworkWatcherOptions {
  /// After a change, how long the dirs must stay quiet before the lookup: a provider
  /// writes several files, an editor writes a file in steps.
  std::chrono::milliseconds settle{100};
  /// How often dirs that cannot be watched (missing) are tried again.
  std::chrono::milliseconds retry{5'000};
};

/// The current default network. Thread-safe.
class NetworkWatcher {
 public:
  virtual ~NetworkWatcher() = default;

  /// What FindDefaultNetwork said at the last lookup: the network, or why there is
  /// none (FailedPrecondition, for NetworkReady's reason and message).
  virtual absl::StatusOr<CniNetwork> Current() const = 0;

  /// How many lookups were done; grows by one per lookup (the first is 1).
  virtual std::uint64_t Generation() const = 0;

  /// Looks the network up now, without waiting for a change (e.g. on SIGHUP).
  virtual void Refresh() = 0;
};

/// Looks the network up once, then starts watching. Stops and joins its thread when
/// destroyed.
/// @return Internal when inotify or the thread cannot be set up
absl::StatusOr<std::unique_ptr<NetworkWatcher>> StartNetworkWatcher(
    CniSearch search, NetworkWatcherOptions options = {});

}  // namespace crio::network
