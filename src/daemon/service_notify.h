#pragma once

// The systemd notification protocol, for Type=notify units: one datagram with
// newline-separated KEY=VALUE assignments, sent to the unix socket named by
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). systemd documents the
// protocol as stable and meant to be reimplemented; doing so keeps libsystemd, and the
// compression and crypto libraries it loads, out of the daemon's memory.

#include <string_view>

#include "absl/status/status.h"

namespace crio::daemon {

/// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1") to the service manager.
/// @return OK, also when $NOTIFY_SOCKET is unset (not run by systemd); an error when the
///     variable names an unusable address or the send fails
absl::Status NotifyServiceManager(std::string_view state);

}  // namespace crio::daemon
