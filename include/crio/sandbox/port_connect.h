#pragma once

// Reaching a port inside a pod for PortForward: a TCP connection to 127.0.0.1:<port>
// made from within the pod's network namespace, usable from anywhere afterwards (a
// socket keeps the namespace it was created in).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "crio/common/owned_fd.h"
#include "crio/store/store.h"

namespace crio::sandbox {

/// Connects to 127.0.0.1:`port` in the network namespace pinned at `netns_path` ("" =
/// the daemon's own, for host-network pods). The setns happens on a short-lived thread
/// of its own, so no daemon thread ever changes namespace.
/// @return the connected socket; InvalidArgument for a port outside 1..65535,
///     FailedPrecondition when the namespace is gone, Unavailable when nothing listens
absl::StatusOr<OwnedFd> ConnectInNetworkNamespace(const std::string& netns_path, std::int32_t port);

/// ConnectInNetworkNamespace for a pod of `state`.
/// @return NotFound for an unknown pod; FailedPrecondition for a stopped one
absl::StatusOr<OwnedFd> ConnectToPodPort(const store::Store& state, const std::string& pod_id,
                                         std::int32_t port);

}  // namespace crio::sandbox
