#pragma once

// The two transports a streaming connection runs on: plain TCP, or TLS over TCP when
// stream_enable_tls is set. The sessions (sessions.h) are templates on the stream type,
// explicitly instantiated for both, so each protocol's logic exists once. Code that
// needs the socket goes through boost::beast::get_lowest_layer(stream), which is the
// tcp_stream in both cases.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>

namespace crio::streaming {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// How long a TLS connection waits for the client's close_notify after sending its own.
inline constexpr std::chrono::seconds kTlsShutdownTimeout{1};

/// Ends our sending side, so that the client reads everything sent and then the end:
/// a plain stream shuts its socket down for sending; a TLS stream sends its
/// close_notify and waits (at most kTlsShutdownTimeout) for the client's. The socket
/// stays open. No other operation may be pending on the stream.
boost::asio::awaitable<void> ShutdownTransport(PlainStream& stream);
boost::asio::awaitable<void> ShutdownTransport(TlsStream& stream);

/// How long a closing connection keeps reading (and dropping) what the client still
/// sends, waiting for its end.
inline constexpr std::chrono::seconds kLingerTimeout{2};

/// Reads and drops whatever arrives until the client closes its side, an error, or
/// kLingerTimeout. Closing a socket that holds unread input makes the kernel send a
/// reset, and a reset makes the client's kernel drop output we sent it but it has not
/// read yet: a command's last output and its exit status, when the client was still
/// writing stdin (or SPDY frames) as the command ended.
boost::asio::awaitable<void> DrainUntilClientCloses(boost::beast::tcp_stream& tcp);

/// ShutdownTransport, then DrainUntilClientCloses, then the socket closed.
template <class Stream>
boost::asio::awaitable<void> CloseTransport(Stream& stream) {
  co_await ShutdownTransport(stream);
  auto& tcp = boost::beast::get_lowest_layer(stream);
  co_await DrainUntilClientCloses(tcp);
  boost::system::error_code ignored;
  tcp.socket().close(ignored);
}

}  // namespace crio::streaming
