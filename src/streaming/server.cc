#include "crio/streaming/server.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <list>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "channel_protocol.h"
#include "crio/common/log.h"
#include "crio/streaming/request_cache.h"
#include "sessions.h"
#include "stream_transport.h"
#include "tls_context.h"

namespace crio::streaming {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxRequestHeader = 16 * 1024;
constexpr char kAcceptedHeader[] = "X-Accepted-Stream-Protocol-Versions";

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Target {
  std::string kind;
  std::string token;
  std::string query;
};

// "/exec/<token>?query": the token is URL-safe base64, nothing else.
std::optional<Target> ParseTarget(std::string_view target) {
  Target out;
  const auto question = target.find('?');
  if (question != std::string_view::npos) {
    out.query = std::string(target.substr(question + 1));
    target = target.substr(0, question);
  }
  if (target.empty() || target[0] != '/') return std::nullopt;
  target.remove_prefix(1);
  const auto slash = target.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  out.kind = std::string(target.substr(0, slash));
  out.token = std::string(target.substr(slash + 1));
  if (out.token.empty() || out.token.size() > 128) return std::nullopt;
  for (const char c : out.token) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return std::nullopt;
    }
  }
  return out;
}

template <class Stream>
asio::awaitable<void> Respond(Stream& stream, http::status status, std::string body,
                              Headers extra = {}) {
  // Set field by field: GCC 12 mis-builds the braced constructor inside a coroutine.
  http::response<http::string_body> response;
  response.result(status);
  response.version(11);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.set(http::field::connection, "close");
  for (const auto& [name, value] : extra) response.set(name, value);
  response.body() = std::move(body) + "\n";
  response.prepare_payload();
  boost::system::error_code ec;
  co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await ShutdownTransport(stream);
}

// The first bytes of a plain HTTP request where a TLS record header should be.
bool LooksLikeHttp(std::string_view head) {
  for (const std::string_view method : {"GET /", "HEAD ", "POST ", "PUT /", "OPTIO"}) {
    if (head == method) return true;
  }
  return false;
}

bool IsSpdyUpgrade(const HttpRequest& request) {
  const auto upgrade = request[http::field::upgrade];
  return absl::EqualsIgnoreCase(absl::string_view(upgrade.data(), upgrade.size()), "SPDY/3.1");
}

std::vector<std::string> HeaderValues(const HttpRequest& request, std::string_view name) {
  std::vector<std::string> values;
  for (auto [it, end] = request.equal_range(beast::string_view(name.data(), name.size()));
       it != end; ++it) {
    values.emplace_back(it->value());
  }
  return values;
}

RemoteCommandJob ExecJob(ExecSpec spec, StreamingBackend& backend) {
  RemoteCommandJob job;
  job.stdin = spec.stdin;
  job.stdout = spec.stdout;
  job.stderr = spec.stderr && !spec.tty;
  job.tty = spec.tty;
  job.run = [spec = std::move(spec), &backend](RemoteCommandStreams& streams) {
    return backend.Exec(spec, streams);
  };
  return job;
}

RemoteCommandJob AttachJob(AttachSpec spec, StreamingBackend& backend) {
  RemoteCommandJob job;
  job.stdin = spec.stdin;
  job.stdout = spec.stdout;
  job.stderr = spec.stderr && !spec.tty;
  job.tty = spec.tty;
  job.run = [spec = std::move(spec),
             &backend](RemoteCommandStreams& streams) -> absl::StatusOr<int> {
    if (absl::Status attached = backend.Attach(spec, streams); !attached.ok()) return attached;
    return 0;
  };
  return job;
}

class ServerImpl;

// One client connection: its own io_context on its own thread, so that a slow client
// or a blocking backend call never holds up another.
struct Connection {
  asio::io_context io{1};
  std::thread thread;
  bool finished = false;  // guarded by ServerImpl::mu_
};

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerOptions& options, StreamingBackend& backend)
      : options_(options), backend_(backend), cache_(options.token_ttl), acceptor_(accept_io_) {}

  ~ServerImpl() override { Stop(); }

  absl::Status Listen() {
    if (options_.enable_tls) {
      TlsFiles files;
      files.cert = options_.tls_cert;
      files.key = options_.tls_key;
      files.ca = options_.tls_ca;
      absl::StatusOr<std::unique_ptr<TlsContextSource>> tls = TlsContextSource::Load(files);
      if (!tls.ok()) return tls.status();
      tls_ = std::move(*tls);
      spdlog::info("TLS enabled for streaming server");
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("stream_address \"", options_.address, "\": not an IP address"));
    }
    std::uint32_t port = 0;
    if (!absl::SimpleAtoi(options_.port, &port) || port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("stream_port \"", options_.port, "\": not a port number"));
    }
    const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("streaming server cannot listen on ",
                                                 options_.address, ":", options_.port, ": ",
                                                 ec.message()));
    }
    const tcp::endpoint bound = acceptor_.local_endpoint();
    const std::string host = bound.address().is_v6()
                                 ? absl::StrCat("[", bound.address().to_string(), "]")
                                 : bound.address().to_string();
    base_url_ = absl::StrCat(tls_ ? "https://" : "http://", host, ":", bound.port());
    asio::co_spawn(accept_io_, AcceptLoop(), asio::detached);
    accept_thread_ = std::thread([this] { accept_io_.run(); });
    spdlog::info("Streaming server listening on {}{}", base_url_,
                 tls_ && !options_.tls_ca.empty() ? " (client certificates required)" : "");
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> UrlFor(StreamRequest request) override {
    const char* kind = PathKind(request);
    absl::StatusOr<std::string> token = cache_.Insert(std::move(request));
    if (!token.ok()) return token.status();
    return absl::StrCat(base_url_, "/", kind, "/", *token);
  }

  std::string BaseUrl() const override { return base_url_; }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    asio::post(accept_io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    if (accept_thread_.joinable()) accept_thread_.join();
    std::list<std::unique_ptr<Connection>> connections;
    {
      std::lock_guard lock(mu_);
      connections.swap(connections_);
    }
    // Stopping a connection's io_context abandons its coroutines: their sockets close
    // as the frames are destroyed, and their backends see the client gone.
    for (auto& connection : connections) connection->io.stop();
    for (auto& connection : connections) {
      if (connection->thread.joinable()) connection->thread.join();
    }
  }

 private:
  asio::awaitable<void> AcceptLoop() {
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        spdlog::warn("Streaming server: accept failed: {}", ec.message());
        continue;
      }
      StartConnection(std::move(socket));
    }
  }

  void StartConnection(tcp::socket accepted) {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    ReapFinished();
    auto connection = std::make_unique<Connection>();
    Connection* raw = connection.get();
    boost::system::error_code ec;
    const auto protocol = accepted.local_endpoint(ec).protocol();
    tcp::socket socket(raw->io, protocol, accepted.release(ec));
    if (ec) return;
    asio::co_spawn(raw->io, Serve(std::move(socket)), asio::detached);
    raw->thread = std::thread([this, raw] {
      raw->io.run();
      std::lock_guard done(mu_);
      raw->finished = true;
    });
    connections_.push_back(std::move(connection));
  }

  // Joins the threads of connections that have ended. Called with mu_ held; a
  // finished thread does not take mu_ again, so joining it here cannot deadlock.
  void ReapFinished() {
    for (auto it = connections_.begin(); it != connections_.end();) {
      if ((*it)->finished) {
        if ((*it)->thread.joinable()) (*it)->thread.join();
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    PlainStream tcp_stream(std::move(socket));
    if (!tls_) {
      co_await ServeHttp(std::move(tcp_stream));
      co_return;
    }
    // HTTPS only: a client that does not complete a handshake in time is dropped.
    tcp_stream.expires_after(options_.creation_timeout);
    std::array<char, 5> first{};  // a TLS record header, or the start of a plain request
    boost::system::error_code ec;
    co_await asio::async_read(tcp_stream, asio::buffer(first),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (LooksLikeHttp(std::string_view(first.data(), first.size()))) {
      // A plain answer that tells what went wrong, as Go's HTTPS servers (CRI-O's) give.
      beast::flat_buffer buffer;
      buffer.commit(asio::buffer_copy(buffer.prepare(first.size()), asio::buffer(first)));
      http::request_parser<http::empty_body> parser;
      parser.header_limit(kMaxRequestHeader);
      co_await http::async_read(tcp_stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        co_await Respond(tcp_stream, http::status::bad_request,
                         "Client sent an HTTP request to an HTTPS server.");
      }
      co_return;
    }
    // The context (the files' current one) lives in this frame for the whole connection.
    const std::shared_ptr<asio::ssl::context> context = tls_->Current();
    TlsStream stream(std::move(tcp_stream), *context);
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::buffer(first),
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      boost::system::error_code ignored;
      const auto peer = beast::get_lowest_layer(stream).socket().remote_endpoint(ignored);
      spdlog::debug("Streaming: TLS handshake with {}:{} failed: {}", peer.address().to_string(),
                    peer.port(), ec.message());
      co_return;
    }
    co_await ServeHttp(std::move(stream));
  }

  template <class Stream>
  asio::awaitable<void> ServeHttp(Stream stream) {
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kMaxRequestHeader);
    beast::get_lowest_layer(stream).expires_after(options_.creation_timeout);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    beast::get_lowest_layer(stream).expires_never();
    HttpRequest request = parser.release();

    if (request.method() != http::verb::get && request.method() != http::verb::post) {
      co_await Respond(stream, http::status::method_not_allowed, "only GET and POST are served");
      co_return;
    }
    const auto target =
        ParseTarget(std::string_view(request.target().data(), request.target().size()));
    std::optional<StreamRequest> cached;
    if (target) cached = cache_.Consume(target->token);
    if (!cached || target->kind != PathKind(*cached)) {
      // One answer for every miss: an unknown, used, expired or misrouted token.
      co_await Respond(stream, http::status::not_found, "404 page not found");
      co_return;
    }

    const bool websocket = beast::websocket::is_upgrade(request);
    if (!websocket && !IsSpdyUpgrade(request)) {
      co_await Respond(stream, http::status::bad_request,
                       "Upgrade request required: Upgrade: SPDY/3.1 or websocket");
      co_return;
    }
    if (auto* port_forward = std::get_if<PortForwardSpec>(&*cached)) {
      if (websocket) {
        co_await ServeWebSocketPortForward(std::move(stream), std::move(request),
                                           std::move(*port_forward), backend_, options_);
        co_return;
      }
      const auto chosen = protocol::Negotiate(HeaderValues(request, "X-Stream-Protocol-Version"),
                                              {protocol::kPortForward});
      if (!chosen || chosen->empty()) {
        // Named, not braced in the co_await: GCC 12 miscompiles the latter.
        const Headers accepted = {
            {std::string(kAcceptedHeader), std::string(protocol::kPortForward)}};
        co_await Respond(stream, http::status::forbidden,
                         "unable to upgrade: unable to negotiate protocol: the server accepts " +
                             std::string(protocol::kPortForward),
                         accepted);
        co_return;
      }
      co_await ServeSpdyPortForward(std::move(stream), Leftover(buffer), std::move(*port_forward),
                                    backend_, options_);
      co_return;
    }

    RemoteCommandJob job = std::holds_alternative<ExecSpec>(*cached)
                               ? ExecJob(std::get<ExecSpec>(std::move(*cached)), backend_)
                               : AttachJob(std::get<AttachSpec>(std::move(*cached)), backend_);
    if (websocket) {
      co_await ServeWebSocketCommand(std::move(stream), std::move(request), std::move(job),
                                     options_);
      co_return;
    }
    const auto& supported = protocol::SpdyRemoteCommandProtocols();
    const auto chosen =
        protocol::Negotiate(HeaderValues(request, "X-Stream-Protocol-Version"), supported);
    if (!chosen) {
      std::string accepted;
      for (const auto& name : supported)
        absl::StrAppend(&accepted, accepted.empty() ? "" : ", ", name);
      const Headers headers = {{std::string(kAcceptedHeader), accepted}};
      co_await Respond(
          stream, http::status::forbidden,
          "unable to upgrade: unable to negotiate protocol: the server accepts " + accepted,
          headers);
      co_return;
    }
    co_await ServeSpdyCommand(std::move(stream), Leftover(buffer), *chosen, std::move(job),
                              options_);
  }

  static std::string Leftover(const beast::flat_buffer& buffer) {
    const auto data = buffer.data();
    return std::string(static_cast<const char*>(data.data()), data.size());
  }

  const ServerOptions options_;
  StreamingBackend& backend_;
  std::unique_ptr<TlsContextSource> tls_;  // null without TLS
  RequestCache cache_;
  asio::io_context accept_io_{1};
  tcp::acceptor acceptor_;
  std::thread accept_thread_;
  std::string base_url_;
  std::mutex mu_;
  bool stopped_ = false;
  std::list<std::unique_ptr<Connection>> connections_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      StreamingBackend& backend) {
  auto server = std::make_unique<ServerImpl>(options, backend);
  if (absl::Status listening = server->Listen(); !listening.ok()) return listening;
  return server;
}

std::string PortForwardError(std::int32_t port, const std::string& pod_id,
                             const absl::Status& error) {
  return absl::StrCat("error forwarding port ", port, " to pod ", pod_id,
                      ", uid : ", error.message());
}

}  // namespace crio::streaming
