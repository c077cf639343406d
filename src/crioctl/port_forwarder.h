#pragma once

// crioctl port-forward's engine: local listeners, and for each connection one
// connection to the streaming server carrying it to a port inside the pod, over SPDY
// (portforward.k8s.io: a data and an error stream) or a WebSocket (v4.channel.k8s.io:
// channel 0 data, channel 1 errors).

#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "stream_client.h"

namespace crio::ctl {

/// One [LOCAL_PORT:]REMOTE_PORT argument.
struct PortMapping {
  std::uint16_t local = 0;  ///< 0: a free port, chosen when listening
  std::uint16_t remote = 0;
  bool operator==(const PortMapping&) const = default;
};

/// Reads crictl's (and kubectl's) port arguments: "8080" forwards 8080 to 8080,
/// "8080:80" 8080 to 80, ":80" and "0:80" a free local port to 80.
/// @return InvalidArgument naming the bad argument, or when there is none
absl::StatusOr<std::vector<PortMapping>> ParsePortMappings(const std::vector<std::string>& args);

struct PortForwardOptions {
  std::vector<PortMapping> ports;
  std::string address = "127.0.0.1";  ///< where the local listeners bind
  /// How each connection reaches the streaming server.
  StreamTransport transport = StreamTransport::kSpdy;
  /// A fresh single-use URL (a PortForward RPC) for one connection to `remote_port`.
  /// Called on a thread of its own, so it may block.
  std::function<absl::StatusOr<std::string>(std::uint16_t remote_port)> url_for;
  std::ostream* out = &std::cout;  ///< "Forwarding from ...", "Handling connection for ..."
  std::ostream* err = &std::cerr;  ///< one line per failed connection
  /// SIGINT, SIGTERM and SIGHUP stop the forwarder. Off in tests.
  bool handle_signals = false;
};

class PortForwarder {
 public:
  /// Binds every local port (all or none) and prints "Forwarding from ADDR:LOCAL ->
  /// REMOTE" for each, as kubectl does.
  /// @return Unavailable when a port cannot be bound; InvalidArgument for a bad address
  static absl::StatusOr<std::unique_ptr<PortForwarder>> Listen(PortForwardOptions options);
  ~PortForwarder();

  /// The bound local ports, in the order of the options' ports.
  std::vector<std::uint16_t> local_ports() const;

  /// Forwards connections until Stop() or a handled signal; a failed connection is
  /// reported on `err` and does not end the forwarder. Over SPDY, a local client's
  /// half-close reaches the pod; over a WebSocket it ends the connection.
  absl::Status Run();

  /// Stops listening and ends every connection; Run() returns once they are gone.
  /// Callable from any thread.
  void Stop();

  class Impl;

 private:
  explicit PortForwarder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crio::ctl
