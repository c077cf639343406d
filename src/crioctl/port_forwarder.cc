#include "port_forwarder.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <csignal>
#include <list>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "stream_connection.h"
#include "stream_transport.h"

namespace crio::ctl {
namespace {

using tcp = asio::ip::tcp;

constexpr std::size_t kReadChunk = 32 * 1024;
// The error channel carries one line; more is not read.
constexpr std::size_t kMaxErrorText = 4096;
// After a failed accept (out of descriptors, say), before accepting again.
constexpr std::chrono::milliseconds kAcceptRetry{100};

absl::StatusOr<std::uint16_t> ParsePort(absl::string_view text, const std::string& arg,
                                        bool zero_ok) {
  int port = 0;
  if (!absl::SimpleAtoi(text, &port) || port < (zero_ok ? 0 : 1) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("invalid port \"", text, "\" in \"", arg,
                                                   "\": expected a number from ", zero_ok ? 0 : 1,
                                                   " to 65535"));
  }
  return static_cast<std::uint16_t>(port);
}

std::string HostPort(const asio::ip::address& address, std::uint16_t port) {
  return address.is_v6() ? absl::StrCat("[", address.to_string(), "]:", port)
                         : absl::StrCat(address.to_string(), ":", port);
}

void Print(std::ostream& stream, const std::string& line) {
  stream << line << "\n";
  stream.flush();
}

}  // namespace

absl::StatusOr<std::vector<PortMapping>> ParsePortMappings(const std::vector<std::string>& args) {
  if (args.empty()) {
    return absl::InvalidArgumentError("port-forward needs at least one [LOCAL_PORT:]REMOTE_PORT");
  }
  std::vector<PortMapping> mappings;
  for (const std::string& arg : args) {
    const std::vector<absl::string_view> parts = absl::StrSplit(arg, ':');
    if (parts.size() > 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid port \"", arg, "\": expected [LOCAL_PORT:]REMOTE_PORT"));
    }
    PortMapping mapping;
    auto remote = ParsePort(parts.back(), arg, /*zero_ok=*/false);
    if (!remote.ok()) return remote.status();
    mapping.remote = *remote;
    if (parts.size() == 1) {
      mapping.local = mapping.remote;
    } else if (!parts.front().empty()) {
      auto local = ParsePort(parts.front(), arg, /*zero_ok=*/true);
      if (!local.ok()) return local.status();
      mapping.local = *local;
    }
    mappings.push_back(mapping);
  }
  return mappings;
}

class PortForwarder::Impl {
 public:
  explicit Impl(PortForwardOptions options) : options_(std::move(options)) {}

  absl::Status Listen() {
    boost::system::error_code ec;
    address_ = asio::ip::make_address(options_.address, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("listen address \"", options_.address, "\": ", ec.message()));
    }
    for (const PortMapping& mapping : options_.ports) {
      auto acceptor = std::make_unique<tcp::acceptor>(ioc_);
      const tcp::endpoint endpoint(address_, mapping.local);
      acceptor->open(endpoint.protocol(), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acceptor->bind(endpoint, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        return absl::UnavailableError(
            absl::StrCat("listening on ", HostPort(address_, mapping.local), ": ", ec.message()));
      }
      local_ports_.push_back(acceptor->local_endpoint().port());
      acceptors_.push_back(std::move(acceptor));
    }
    for (std::size_t i = 0; i < options_.ports.size(); ++i) {
      Print(*options_.out, absl::StrCat("Forwarding from ", HostPort(address_, local_ports_[i]),
                                        " -> ", options_.ports[i].remote));
    }
    return absl::OkStatus();
  }

  absl::Status Run() {
    if (options_.handle_signals) {
      boost::system::error_code ignored;
      for (const int signo : {SIGINT, SIGTERM, SIGHUP}) signals_.add(signo, ignored);
      asio::co_spawn(ioc_, WatchSignals(), asio::detached);
    }
    for (std::size_t i = 0; i < acceptors_.size(); ++i) {
      asio::co_spawn(ioc_, Accept(i), asio::detached);
    }
    ioc_.run();
    boost::system::error_code ignored;
    signals_.clear(ignored);
    return absl::OkStatus();
  }

  void Stop() {
    asio::post(ioc_, [this] { StopNow(); });
  }

  const std::vector<std::uint16_t>& local_ports() const { return local_ports_; }

 private:
  // One local connection and its transport, shared by the coroutines copying each way.
  struct Connection {
    explicit Connection(tcp::socket socket) : local(std::move(socket)) {}
    tcp::socket local;
    std::shared_ptr<PortTransport> transport;  // once the URL is there
    bool ended = false;
  };

  asio::awaitable<void> WatchSignals() {
    boost::system::error_code ec;
    co_await signals_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) StopNow();
  }

  void StopNow() {
    stopping_ = true;
    boost::system::error_code ignored;
    for (auto& acceptor : acceptors_) acceptor->close(ignored);
    signals_.cancel(ignored);
    for (const auto& weak : connections_) {
      if (auto connection = weak.lock()) End(*connection);
    }
    connections_.clear();
  }

  asio::awaitable<void> Accept(std::size_t index) {
    tcp::acceptor& acceptor = *acceptors_[index];
    PortMapping mapping;
    mapping.local = local_ports_[index];
    mapping.remote = options_.ports[index].remote;
    while (!stopping_) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (stopping_) break;
      if (ec) {
        Print(*options_.err, absl::StrCat("accepting a connection on ",
                                          HostPort(address_, mapping.local), ": ", ec.message()));
        asio::steady_timer pause(ioc_, kAcceptRetry);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      auto connection = std::make_shared<Connection>(std::move(socket));
      connections_.remove_if([](const std::weak_ptr<Connection>& weak) { return weak.expired(); });
      connections_.push_back(connection);
      asio::co_spawn(ioc_, Forward(connection, mapping), asio::detached);
    }
  }

  // One local connection: a URL, a connection to it, then the pod's side copied to the
  // local socket here while CopyToPod copies the other way.
  asio::awaitable<void> Forward(std::shared_ptr<Connection> connection, PortMapping mapping) {
    Print(*options_.out, absl::StrCat("Handling connection for ", mapping.local));
    absl::StatusOr<std::string> url = co_await FetchUrl(mapping.remote);
    if (connection->ended) co_return;
    if (!url.ok()) {
      Report(mapping, url.status().message());
      End(*connection);
      co_return;
    }
    connection->transport = MakePortTransport(options_.transport, ioc_.get_executor());
    const absl::Status dialed =
        co_await connection->transport->Dial(*url, mapping.remote, next_request_id_++);
    if (connection->ended) co_return;
    if (!dialed.ok()) {
      Report(mapping, dialed.message());
      End(*connection);
      co_return;
    }
    asio::co_spawn(ioc_, CopyToPod(connection), asio::detached);

    std::string error_text;
    while (error_text.empty() && !connection->ended) {
      const PortReceived received = co_await connection->transport->Receive();
      error_text.append(received.error.substr(0, kMaxErrorText));
      if (!received.data.empty() && !connection->ended) {
        boost::system::error_code ec;
        co_await asio::async_write(connection->local, asio::buffer(received.data),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
      if (received.end) break;
    }
    if (!error_text.empty()) Report(mapping, error_text);
    End(*connection);
  }

  asio::awaitable<void> CopyToPod(std::shared_ptr<Connection> connection) {
    std::string chunk(kReadChunk, '\0');
    boost::system::error_code ec;
    while (!connection->ended) {
      const std::size_t got = co_await connection->local.async_read_some(
          asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
      if (got > 0 && !connection->ended) {
        const bool sent = co_await connection->transport->Send(chunk.substr(0, got));
        if (!sent) break;
      }
      if (ec) break;
    }
    if (connection->ended) co_return;
    // The local side ended. Over SPDY the pod's side may still answer (Forward ends the
    // connection then); otherwise, or after a failure, the whole connection ends now.
    if (ec == asio::error::eof) {
      const bool half_closed = co_await connection->transport->CloseSend();
      if (half_closed || connection->ended) co_return;
    }
    End(*connection);
  }

  // Runs options_.url_for (a blocking RPC) on the pool; the other connections go on.
  asio::awaitable<absl::StatusOr<std::string>> FetchUrl(std::uint16_t remote_port) {
    struct Pending {
      explicit Pending(const asio::any_io_executor& executor) : ready(executor) {}
      Wakeup ready;
      std::optional<absl::StatusOr<std::string>> url;
    };
    auto pending = std::make_shared<Pending>(ioc_.get_executor());
    asio::post(pool_, [this, pending, remote_port] {
      absl::StatusOr<std::string> url = options_.url_for(remote_port);
      asio::post(ioc_, [pending, url = std::move(url)]() mutable {
        pending->url = std::move(url);
        pending->ready.Notify();
      });
    });
    while (!pending->url) co_await pending->ready.Wait();
    co_return std::move(*pending->url);
  }

  void Report(const PortMapping& mapping, absl::string_view message) {
    Print(*options_.err, absl::StrCat("an error occurred forwarding ", mapping.local, " -> ",
                                      mapping.remote, ": ", message));
  }

  static void End(Connection& connection) {
    if (connection.ended) return;
    connection.ended = true;
    boost::system::error_code ignored;
    connection.local.shutdown(tcp::socket::shutdown_both, ignored);
    connection.local.close(ignored);
    if (connection.transport) connection.transport->Abandon();
  }

  PortForwardOptions options_;
  asio::ip::address address_;
  std::vector<std::uint16_t> local_ports_;
  asio::io_context ioc_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  asio::signal_set signals_{ioc_};
  std::list<std::weak_ptr<Connection>> connections_;
  std::uint64_t next_request_id_ = 0;  // SPDY's requestID of the next connection
  bool stopping_ = false;
  // Last: destroyed (joined) first, while what its tasks use still exists.
  asio::thread_pool pool_{2};
};

PortForwarder::PortForwarder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PortForwarder::~PortForwarder() = default;

absl::StatusOr<std::unique_ptr<PortForwarder>> PortForwarder::Listen(PortForwardOptions options) {
  if (!options.url_for) return absl::InvalidArgumentError("port-forward needs a URL source");
  auto impl = std::make_unique<Impl>(std::move(options));
  absl::Status listening = impl->Listen();
  if (!listening.ok()) return listening;
  return std::unique_ptr<PortForwarder>(new PortForwarder(std::move(impl)));
}

std::vector<std::uint16_t> PortForwarder::local_ports() const { return impl_->local_ports(); }

absl::Status PortForwarder::Run() { return impl_->Run(); }

void PortForwarder::Stop() { impl_->Stop(); }

}  // namespace crio::ctl
