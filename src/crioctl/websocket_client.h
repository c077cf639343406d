#pragma once

// What the exec/attach session (stream_client.cc) and the port forwarder
// (port_forwarder.cc) share below their protocols: dialling a streaming URL as a
// WebSocket, the binary channel framing, and a wakeup for coroutines. Each session runs
// its coroutines on one thread, so nothing here locks.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace crio::ctl {

namespace asio = boost::asio;
using WebSocket = boost::beast::websocket::stream<boost::beast::tcp_stream>;

/// Wakes one waiting coroutine; a notification that comes first is kept for the next
/// wait.
class Wakeup {
 public:
  explicit Wakeup(const asio::any_io_executor& executor);
  void Notify();
  asio::awaitable<void> Wait();

 private:
  asio::steady_timer timer_;
  bool notified_ = false;
};

/// Connects `ws` to the streaming URL `url` and upgrades it, offering `protocols`.
/// @param negotiated set to the protocol the server chose, one of `protocols`
/// @return Unavailable when the server cannot be reached; for a refused upgrade, the
///     code matching the HTTP status (NotFound for an unknown, expired or used URL)
///     with the server's reason
asio::awaitable<absl::Status> DialWebSocket(WebSocket& ws, std::string url,
                                            std::vector<std::string> protocols,
                                            std::string& negotiated);

/// Closes the connection under `ws` at once and stops its timers, which Beast leaves
/// running after a refused handshake: a pending timer would keep the io_context busy.
void Abandon(WebSocket& ws);

/// One binary message on `channel`.
std::string ChannelMessage(std::uint8_t channel, std::string_view data);

/// v5's message closing `channel` (the end of stdin).
std::string CloseChannelMessage(std::uint8_t channel);

}  // namespace crio::ctl
