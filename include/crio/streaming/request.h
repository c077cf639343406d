#pragma once

// What an Exec, Attach or PortForward RPC asked for, kept behind a single-use token
// until the client connects to the URL the RPC returned. Plain structs: the streaming
// module does not see the CRI's generated messages.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace crio::streaming {

/// An Exec: run `cmd` in a running container.
struct ExecSpec {
  std::string container_id;
  std::vector<std::string> cmd;
  bool tty = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

/// An Attach to a running container's own stdio.
struct AttachSpec {
  std::string container_id;
  bool tty = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

/// A PortForward into a pod's network namespace. The ports a SPDY client uses come
/// with each stream; a WebSocket client names them in the URL's query, and when the
/// RPC named ports too, only those may be used.
struct PortForwardSpec {
  std::string pod_id;
  std::vector<std::int32_t> ports;
};

using StreamRequest = std::variant<ExecSpec, AttachSpec, PortForwardSpec>;

/// The URL path segment of each kind: /exec/<token>, /attach/<token>, /portforward/<token>.
const char* PathKind(const StreamRequest& request);

}  // namespace crio::streaming
