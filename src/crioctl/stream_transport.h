#pragma once

// The transports below a remote command session (stream_client.cc) and a forwarded
// connection (port_forwarder.cc): the same channels over a WebSocket
// (websocket_client.cc) or over SPDY/3.1 (spdy_client.cc). The sessions above own what
// does not depend on the wire: stdin, detach keys, signals, terminal sizes, exit codes,
// local sockets. A transport lives on its session's thread.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "stream_client.h"

namespace crio::ctl {

namespace asio = boost::asio;

/// The streams an exec or attach asked for (the server expects exactly these).
struct CommandStreams {
  bool stdin = false;
  bool stderr = true;
  bool tty = false;  ///< the command has a terminal, which can be resized
};

/// Where a transport hands what the server sends.
struct CommandHandlers {
  std::function<void(std::string_view)> stdout;
  std::function<void(std::string_view)> stderr;
  std::function<void(std::string_view)> status;  ///< the error channel's text
  std::function<void()> status_end;              ///< the server closed the error channel
};

/// One exec or attach connection.
class CommandTransport {
 public:
  virtual ~CommandTransport() = default;

  /// Connects to `url`, upgrades offering `protocols` (empty: the transport's own
  /// list) and sets up the channels of `streams`.
  /// @return as RunRemoteCommand's connection failures
  virtual asio::awaitable<absl::Status> Dial(const std::string& url,
                                             const std::vector<std::string>& protocols,
                                             const CommandStreams& streams) = 0;

  /// The protocol the server chose (after Dial).
  virtual const std::string& protocol() const = 0;

  /// Reads until the server ends the session, handing what arrives to `handlers`.
  /// @return OK at a normal end; Unavailable when the connection broke
  virtual asio::awaitable<absl::Status> Receive(const CommandHandlers& handlers) = 0;

  /// Queues stdin bytes; `sent` runs once they are written (or dropped).
  virtual void SendStdin(std::string data, std::function<void()> sent) = 0;

  /// Ends the command's stdin, where the protocol can (not v4 over a WebSocket).
  virtual void CloseStdin() = 0;

  /// Queues a terminal size, as the resize channel's JSON.
  virtual void SendResize(std::string json) = 0;

  /// Ends the session after what is queued (a detach, a signal): the server then ends
  /// an exec'd command. Receive() returns once the connection is gone.
  virtual void Close() = 0;

  /// Closes the connection at once; nothing more is sent.
  virtual void Abandon() = 0;
};

/// What Receive() of a forwarded connection got.
struct PortReceived {
  std::string data;   ///< bytes from the pod's port
  std::string error;  ///< text of the error channel
  bool end = false;   ///< the pod's side is done (or the connection ended)
};

/// One forwarded connection to a port in the pod.
class PortTransport {
 public:
  virtual ~PortTransport() = default;

  /// Connects to the PortForward URL for `port`; `request_id` names the connection
  /// (SPDY's requestID header).
  virtual asio::awaitable<absl::Status> Dial(const std::string& url, std::uint16_t port,
                                             std::uint64_t request_id) = 0;

  /// Sends local bytes to the pod and waits until they are written.
  /// @return false when the connection is gone
  virtual asio::awaitable<bool> Send(std::string data) = 0;

  /// The local side sent its last byte.
  /// @return true when the pod's side keeps sending (SPDY half-closes the data stream);
  ///     false when the whole connection is over (a WebSocket cannot close one way)
  virtual asio::awaitable<bool> CloseSend() = 0;

  /// The next bytes or error text from the pod, or the end.
  virtual asio::awaitable<PortReceived> Receive() = 0;

  /// Closes the connection at once.
  virtual void Abandon() = 0;
};

std::shared_ptr<CommandTransport> MakeWebSocketCommandTransport(
    const asio::any_io_executor& executor);
std::shared_ptr<CommandTransport> MakeSpdyCommandTransport(const asio::any_io_executor& executor);
std::shared_ptr<PortTransport> MakeWebSocketPortTransport(const asio::any_io_executor& executor);
std::shared_ptr<PortTransport> MakeSpdyPortTransport(const asio::any_io_executor& executor);

inline std::shared_ptr<CommandTransport> MakeCommandTransport(
    StreamTransport transport, const asio::any_io_executor& executor) {
  return transport == StreamTransport::kSpdy ? MakeSpdyCommandTransport(executor)
                                             : MakeWebSocketCommandTransport(executor);
}

inline std::shared_ptr<PortTransport> MakePortTransport(StreamTransport transport,
                                                        const asio::any_io_executor& executor) {
  return transport == StreamTransport::kSpdy ? MakeSpdyPortTransport(executor)
                                             : MakeWebSocketPortTransport(executor);
}

}  // namespace crio::ctl
