#pragma once

// What the WebSocket and SPDY transports (websocket_client.cc, spdy_client.cc) share
// below their protocols: the connection to a streaming URL (TCP, or TLS for https),
// the one writer of a connection (Outbox), a wakeup for coroutines, and how a refused
// upgrade reads. Each session runs its coroutines on one thread, so nothing here locks.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "stream_client.h"

namespace crio::ctl {

namespace asio = boost::asio;

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

/// Runs `work` while holding `owner`, so that a coroutine spawned by an object cannot
/// outlive it.
asio::awaitable<void> KeepAlive(std::shared_ptr<void> owner, asio::awaitable<void> work);

/// A connection to a streaming server: plain TCP for http URLs, TLS over TCP for https
/// ones. It is an Asio stream (Beast's WebSocket stream runs over it) whose layer is
/// chosen when it connects.
class StreamConnection {
 public:
  using executor_type = asio::any_io_executor;

  explicit StreamConnection(const executor_type& executor);

  /// Resolves and connects to `url`; for https, the TLS handshake follows, with the
  /// host as server name (SNI) unless it is an IP literal. The server's certificate is
  /// not verified, as crictl does not verify the runtime's: the single-use token in the
  /// URL is the credential.
  /// @return Unavailable when the server cannot be reached or the handshake fails
  asio::awaitable<absl::Status> Connect(const StreamUrl& url);

  /// Closes the socket at once; pending operations end with an error.
  void Close();

  /// The TCP layer (its timeouts bound every operation on the connection).
  boost::beast::tcp_stream& Tcp() { return tls_ ? tls_->next_layer() : *plain_; }

  executor_type get_executor() noexcept { return Tcp().get_executor(); }

  template <class MutableBufferSequence, class ReadHandler>
  auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<ReadHandler>(handler));
    return plain_->async_read_some(buffers, std::forward<ReadHandler>(handler));
  }

  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<WriteHandler>(handler));
    return plain_->async_write_some(buffers, std::forward<WriteHandler>(handler));
  }

  // Beast's hooks: how a WebSocket over this connection ends it.
  friend void beast_close_socket(StreamConnection& connection) { connection.Close(); }

  friend void teardown(boost::beast::role_type role, StreamConnection& connection,
                       boost::system::error_code& ec) {
    using boost::beast::websocket::teardown;
    if (connection.tls_) {
      teardown(role, *connection.tls_, ec);
    } else {
      teardown(role, *connection.plain_, ec);
    }
  }

  template <class TeardownHandler>
  friend void async_teardown(boost::beast::role_type role, StreamConnection& connection,
                             TeardownHandler&& handler) {
    using boost::beast::websocket::async_teardown;
    if (connection.tls_) {
      async_teardown(role, *connection.tls_, std::forward<TeardownHandler>(handler));
    } else {
      async_teardown(role, *connection.plain_, std::forward<TeardownHandler>(handler));
    }
  }

 private:
  // Declared before tls_, which uses it, so that it is destroyed after.
  std::unique_ptr<asio::ssl::context> tls_context_;
  std::optional<boost::beast::tcp_stream> plain_;  // until a TLS handshake takes it over
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
};

/// "host:port", with an IPv6 literal in brackets, for messages and the Host header.
std::string HostPort(const StreamUrl& url);

/// The error for an upgrade the server answered with HTTP `status` instead of 101:
/// the code matching the status (NotFound for an unknown, expired or used URL) and a
/// message with the server's reason and body, without the URL's token.
absl::Status UpgradeRefused(const StreamUrl& url, unsigned status, std::string_view reason,
                            std::string_view body);

/// Unimplemented unless `negotiated` is one of `offered`: without a known protocol the
/// framing is unknown.
absl::Status CheckNegotiated(const StreamUrl& url, const std::string& negotiated,
                             const std::vector<std::string>& offered);

/// How an Outbox writes to its connection.
class OutboxWriter {
 public:
  virtual ~OutboxWriter() = default;
  /// Writes one item (a WebSocket message, or bytes of a SPDY session). A failure
  /// leaves the connection open: what the server sent before it went is still there
  /// for the reader, which then sees the end itself.
  /// @return whether the item was written
  virtual asio::awaitable<bool> WriteItem(const std::string& item) = 0;
  /// Ends the connection after the last item (a WebSocket closing handshake).
  virtual asio::awaitable<void> WriteClose() = 0;
};

/// The only writer of a connection: items are written in order by Run(), while the
/// rest of the session queues them without waiting.
class Outbox {
 public:
  Outbox(const asio::any_io_executor& executor, OutboxWriter& writer);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  /// Queues `item`; `sent` runs once it is written, or dropped by Stop().
  void Push(std::string item, std::function<void()> sent = nullptr);

  /// Queues `item` and waits until it is written.
  /// @return false when the connection failed or the outbox stopped first
  asio::awaitable<bool> Write(std::string item);

  /// Queues the end of the connection (OutboxWriter::WriteClose) after what is queued;
  /// what is pushed later is dropped.
  void PushClose();

  /// PushClose(), then waits until the connection is closed.
  asio::awaitable<void> Close();

  /// Drops what is queued (running its callbacks) and ends Run(). Idempotent.
  void Stop();

  /// The writer; spawn it once (with KeepAlive on the owner of this outbox).
  asio::awaitable<void> Run();

 private:
  struct Item {
    std::string data;
    std::function<void()> sent;
    bool close = false;
  };
  void Enqueue(Item item);
  asio::awaitable<void> WaitFor(Item item);

  asio::any_io_executor executor_;
  OutboxWriter& writer_;
  Wakeup ready_;
  std::deque<Item> queue_;
  bool closing_ = false;  // a close is queued: nothing more is
  bool stopped_ = false;
};

}  // namespace crio::ctl
