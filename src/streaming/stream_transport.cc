#include "stream_transport.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace crio::streaming {

namespace asio = boost::asio;

asio::awaitable<void> ShutdownTransport(PlainStream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  co_return;
}

asio::awaitable<void> ShutdownTransport(TlsStream& stream) {
  auto& tcp = boost::beast::get_lowest_layer(stream);
  if (!tcp.socket().is_open()) co_return;
  tcp.expires_after(kTlsShutdownTimeout);
  // Completes when the client's close_notify arrives, the client closes, or the
  // timeout closes the socket: all the same to us.
  boost::system::error_code ignored;
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
  if (tcp.socket().is_open()) tcp.expires_never();
}

asio::awaitable<void> DrainUntilClientCloses(boost::beast::tcp_stream& tcp) {
  if (!tcp.socket().is_open()) co_return;
  // The raw socket, also under TLS: nothing read here is looked at.
  tcp.expires_after(kLingerTimeout);
  char dropped[16384];
  while (true) {
    boost::system::error_code ec;
    co_await tcp.async_read_some(asio::buffer(dropped),
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // the client's end, an error, or the timeout (which closes the socket)
  }
  if (tcp.socket().is_open()) tcp.expires_never();
}

}  // namespace crio::streaming
