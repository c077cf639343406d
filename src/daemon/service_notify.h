#pragma once

// The systemd notification protocol, for Type=notify units: one datagram with
// newline-separated KEY=VALUE assignments, sent to the unix socket named by
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). systemd documents the
// protocol as stable and meant to be reimplemented; doing so keeps libsystemd, and the
// compression and crypto libraries it loads, out of the daemon's memory.

#include <string_view>

#include "absl/status/status.h"

namespace crio::daemon {

/// Moves $NOTIFY_SOCKET out of the environment into this module, so that no child
/// (crio-monitor, runc) inherits the daemon's socket: runc would take it for the
/// container's and make `runc start` wait for a READY=1 from the container. Call it early
/// in main, before any thread starts.
void TakeNotifySocketFromEnvironment();

/// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1") to the service manager.
/// @return OK, also when there is no socket (after Take..., the one taken) (not run by systemd); an
/// error when the
///     variable names an unusable address or the send fails
absl::Status NotifyServiceManager(std::string_view state);

}  // namespace crio::daemon
