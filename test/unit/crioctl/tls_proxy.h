#pragma once

// A TLS front for a plain TCP server, to see what a TLS client sends: it listens on
// 127.0.0.1 with a certificate from a throwaway CA (test_certs.h), ends TLS, copies
// bytes to and from the upstream port, and records the server name (SNI) each client
// sent.

#include <openssl/ssl.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_certs.h"

namespace crio::ctl::testing {

class TlsProxy {
 public:
  explicit TlsProxy(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
    if (!UseTestCertificate()) return;
    boost::system::error_code ec;
    const tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) return;
    port_ = acceptor_.local_endpoint().port();
    boost::asio::co_spawn(io_, Accept(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~TlsProxy() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  /// 0 when the proxy could not start.
  std::uint16_t port() const { return port_; }

  /// The server names the clients sent, one per connection ("" for none).
  std::vector<std::string> server_names() {
    std::lock_guard lock(mu_);
    return server_names_;
  }

  /// `url` (http://HOST:PORT/PATH) as https://`host`:PROXY/PATH.
  std::string Https(const std::string& url, const std::string& host) const {
    const auto path = url.find('/', std::string("http://").size());
    return "https://" + host + ":" + std::to_string(port_) + url.substr(path);
  }

 private:
  using tcp = boost::asio::ip::tcp;
  using TlsSocket = boost::asio::ssl::stream<tcp::socket>;

  bool UseTestCertificate() {
    const streaming::testing::TestCert ca = streaming::testing::MakeTestCa();
    const streaming::testing::TestCert cert = streaming::testing::MakeServerCert(ca, "localhost");
    boost::system::error_code ec;
    context_.use_certificate_chain(boost::asio::buffer(cert.cert_pem), ec);
    if (!ec) {
      context_.use_private_key(boost::asio::buffer(cert.key_pem), boost::asio::ssl::context::pem,
                               ec);
    }
    return !ec;
  }

  boost::asio::awaitable<void> Accept() {
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(
          boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) co_return;
      boost::asio::co_spawn(io_, Serve(std::make_shared<TlsSocket>(std::move(socket), context_)),
                            boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> Serve(std::shared_ptr<TlsSocket> client) {
    boost::system::error_code ec;
    co_await client->async_handshake(boost::asio::ssl::stream_base::server,
                                     boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (ec) co_return;
    const char* name = SSL_get_servername(client->native_handle(), TLSEXT_NAMETYPE_host_name);
    {
      std::lock_guard lock(mu_);
      server_names_.emplace_back(name != nullptr ? name : "");
    }
    auto upstream = std::make_shared<tcp::socket>(io_);
    const tcp::endpoint target(boost::asio::ip::make_address("127.0.0.1"), upstream_port_);
    co_await upstream->async_connect(target,
                                     boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (ec) co_return;
    boost::asio::co_spawn(io_, Copy(client, upstream, *upstream, *client), boost::asio::detached);
    co_await Copy(client, upstream, *client, *upstream);
  }

  // Copies `from` to `to` until either ends; then closes both sockets. The shared
  // pointers keep both alive meanwhile.
  template <typename From, typename To>
  boost::asio::awaitable<void> Copy(std::shared_ptr<TlsSocket> client,
                                    std::shared_ptr<tcp::socket> upstream, From& from, To& to) {
    std::vector<char> buffer(16 * 1024);
    while (true) {
      boost::system::error_code ec;
      const std::size_t got = co_await from.async_read_some(
          boost::asio::buffer(buffer), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) break;
      co_await boost::asio::async_write(
          to, boost::asio::buffer(buffer.data(), got),
          boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) break;
    }
    boost::system::error_code ignored;
    client->lowest_layer().close(ignored);
    upstream->close(ignored);
  }

  const std::uint16_t upstream_port_;
  boost::asio::io_context io_;
  boost::asio::ssl::context context_{boost::asio::ssl::context::tls_server};
  tcp::acceptor acceptor_{io_};
  std::uint16_t port_ = 0;
  std::mutex mu_;
  std::vector<std::string> server_names_;
  std::thread thread_;
};

}  // namespace crio::ctl::testing
