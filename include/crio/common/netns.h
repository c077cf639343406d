#pragma once

// Work inside a pod's network namespace (a connect for port-forward, a read of its
// interface counters) without moving any daemon thread: the work runs on a short-lived
// thread of its own that enters the namespace and ends right after.

#include <functional>
#include <string>

#include "absl/status/status.h"

namespace crio::netns {

/// Runs `work` on a new thread in the network namespace pinned at `netns_path` ("" = the
/// daemon's own, for host-network pods) and waits for it. `work` reports its own result
/// through what it captures; it does not run when the namespace cannot be entered.
/// @return FailedPrecondition when the namespace is gone, the errno status of a refused
///     setns, else OK
absl::Status RunIn(const std::string& netns_path, const std::function<void()>& work);

}  // namespace crio::netns
