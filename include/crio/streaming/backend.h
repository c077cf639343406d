#pragma once

// What the streaming server needs from the rest of the daemon: running a command in a
// container, attaching to one, and reaching a port inside a pod. The server owns the
// client's connection and its protocol (SPDY or WebSocket); a backend sees only the
// byte streams of RemoteCommandStreams.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crio/common/owned_fd.h"
#include "crio/streaming/request.h"

namespace crio::streaming {

/// A terminal size as the Kubernetes resize stream sends it.
struct TerminalSize {
  std::uint16_t width = 0;   ///< columns
  std::uint16_t height = 0;  ///< rows
  bool operator==(const TerminalSize&) const = default;
};

/// The client's end of one exec or attach, whatever the protocol. Each method may
/// block; one thread may read stdin, another resizes, others write output.
class RemoteCommandStreams {
 public:
  virtual ~RemoteCommandStreams() = default;
  /// The next bytes the client typed or piped; nullopt once stdin has ended (the
  /// client closed it, left, or never asked for stdin).
  virtual std::optional<std::string> ReadStdin() = 0;
  /// The next terminal size the client asked for; nullopt when none will come.
  virtual std::optional<TerminalSize> NextResize() = 0;
  /// Sends output to the client, blocking while it is too far behind.
  /// @return false once the client is gone: the backend should stop.
  virtual bool WriteStdout(std::string_view data) = 0;
  virtual bool WriteStderr(std::string_view data) = 0;
  /// The backend is done: ReadStdin and NextResize return nullopt from now on, so
  /// threads waiting in them can be joined while the client is still connected.
  virtual void StopReading() = 0;
  /// Whether the client is gone.
  virtual bool ClientGone() = 0;
  /// A descriptor that becomes readable once the client is gone, for a backend that
  /// waits in poll(2) on its own descriptors too. Owned by the streams.
  virtual int GoneFd() = 0;
};

/// The daemon's side of the streaming server.
class StreamingBackend {
 public:
  virtual ~StreamingBackend() = default;
  /// Runs `spec.cmd` in the container wired to `streams` until it ends (or the client
  /// leaves, which kills it).
  /// @return the command's exit code (128 + signal when killed); an error when it could
  ///     not run (the container is gone or not running, the binary does not exist)
  virtual absl::StatusOr<int> Exec(const ExecSpec& spec, RemoteCommandStreams& streams) = 0;
  /// Connects `streams` to the container's own stdio until the container ends or the
  /// client leaves.
  virtual absl::Status Attach(const AttachSpec& spec, RemoteCommandStreams& streams) = 0;
  /// A TCP connection to 127.0.0.1:`port` inside the pod's network namespace.
  /// @return the connected socket; NotFound for an unknown pod, FailedPrecondition
  ///     when the pod has no network namespace (stopped), Unavailable when nothing
  ///     listens there
  virtual absl::StatusOr<OwnedFd> PortForwardConnect(const std::string& pod_id,
                                                     std::int32_t port) = 0;
};

}  // namespace crio::streaming
