#pragma once

// The per-protocol halves of the streaming server: after server.cc has read the HTTP
// request and consumed its token, one of these takes the connection over. Each runs
// as a coroutine on the connection's own io_context.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "crio/streaming/backend.h"
#include "crio/streaming/server.h"
#include "stream_transport.h"

namespace crio::streaming {

using HttpRequest = boost::beast::http::request<boost::beast::http::empty_body>;

/// An exec or an attach, as the transports see it.
struct RemoteCommandJob {
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
  bool tty = false;
  /// Runs the command on a thread of its own until it ends. An attach returns 0.
  std::function<absl::StatusOr<int>(RemoteCommandStreams&)> run;
};

// Each takes the connection's stream, plain or TLS (stream_transport.h); *_session.cc
// files instantiate them for PlainStream and TlsStream.

template <class Stream>
boost::asio::awaitable<void> ServeWebSocketCommand(Stream stream, HttpRequest request,
                                                   RemoteCommandJob job,
                                                   const ServerOptions& options);

template <class Stream>
boost::asio::awaitable<void> ServeWebSocketPortForward(Stream stream, HttpRequest request,
                                                       PortForwardSpec spec,
                                                       StreamingBackend& backend,
                                                       const ServerOptions& options);

/// `leftover` holds bytes the client sent after its request (SPDY frames already).
template <class Stream>
boost::asio::awaitable<void> ServeSpdyCommand(Stream stream, std::string leftover,
                                              std::string protocol, RemoteCommandJob job,
                                              const ServerOptions& options);

template <class Stream>
boost::asio::awaitable<void> ServeSpdyPortForward(Stream stream, std::string leftover,
                                                  PortForwardSpec spec, StreamingBackend& backend,
                                                  const ServerOptions& options);

/// The message a failed port connection reports on its error stream, as the kubelet words it.
std::string PortForwardError(std::int32_t port, const std::string& pod_id,
                             const absl::Status& error);

}  // namespace crio::streaming
