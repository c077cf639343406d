// Exec, attach and port-forward over a WebSocket: the kubelet's wsstream channel
// protocols (channel.k8s.io and its base64, v4 and v5 variants). Every message carries
// its channel in its first byte (or character, in base64 mode).

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "asio_util.h"
#include "channel_protocol.h"
#include "crio/common/log.h"
#include "remote_command_core.h"
#include "sessions.h"

namespace crio::streaming {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
template <class Stream>
using WebSocket = websocket::stream<Stream>;

// A client message larger than this is refused (stdin comes in small pieces).
constexpr std::size_t kMaxClientMessage = std::size_t{1} << 20;
// Output read from a pod's port per message.
constexpr std::size_t kPortReadChunk = 32 * 1024;
constexpr std::size_t kMaxQueuedOutput = std::size_t{1} << 20;

std::vector<std::string> OfferedProtocols(const HttpRequest& request) {
  std::vector<std::string> offered;
  for (auto [it, end] = request.equal_range(http::field::sec_websocket_protocol); it != end; ++it) {
    offered.emplace_back(it->value());
  }
  return offered;
}

template <class Stream>
asio::awaitable<void> Refuse(Stream& stream, http::status status, std::string body) {
  // Set field by field: GCC 12 mis-builds the braced constructor inside a coroutine.
  http::response<http::string_body> response;
  response.result(status);
  response.version(11);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.set(http::field::connection, "close");
  response.body() = std::move(body) + "\n";
  response.prepare_payload();
  boost::system::error_code ec;
  co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await ShutdownTransport(stream);
}

// Negotiates one of `supported` (400 when the client offers only others) and accepts
// the upgrade with the server's timeouts, in the framing the protocol names.
// @return the protocol chosen ("" = none named); nullopt when the connection is done
template <class Stream>
asio::awaitable<std::optional<std::string>> Upgrade(WebSocket<Stream>& ws,
                                                    const HttpRequest& request,
                                                    const std::vector<std::string>& supported,
                                                    const ServerOptions& options) {
  const std::optional<std::string> chosen =
      protocol::Negotiate(OfferedProtocols(request), supported);
  if (!chosen) {
    co_await Refuse(ws.next_layer(), http::status::bad_request,
                    "requested protocol(s) are not supported");
    co_return std::nullopt;
  }
  const std::string name = *chosen;
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = options.creation_timeout;
  timeout.idle_timeout = options.idle_timeout;
  timeout.keep_alive_pings = false;
  ws.set_option(timeout);
  ws.set_option(websocket::stream_base::decorator([name](websocket::response_type& response) {
    if (!name.empty()) response.set(http::field::sec_websocket_protocol, name);
  }));
  ws.read_message_max(kMaxClientMessage);
  boost::system::error_code ec;
  co_await ws.async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return std::nullopt;
  ws.binary(!protocol::FramingOf(name).base64);
  co_return name;
}

// The messages waiting for the socket, written by one writer coroutine in order.
struct Outbox {
  explicit Outbox(const asio::any_io_executor& executor) : ready(executor), drained(executor) {}
  struct Item {
    std::string message;
    std::size_t output_bytes = 0;  // stdout/stderr payload to report as sent
  };
  std::deque<Item> items;
  std::size_t bytes = 0;
  Signal ready;    // an item was queued, or the session is ending
  Signal drained;  // bytes fell below the cap
  bool closing = false;
  bool failed = false;

  void Push(std::string message, std::size_t output_bytes = 0) {
    bytes += message.size();
    items.push_back({std::move(message), output_bytes});
    ready.Notify();
  }
};

// Writes what is queued, in order. @return false when the socket failed.
template <class Stream>
asio::awaitable<bool> Drain(WebSocket<Stream>& ws, Outbox& outbox,
                            const std::function<void(std::size_t)>& sent = nullptr) {
  while (!outbox.items.empty() && !outbox.failed) {
    Outbox::Item item = std::move(outbox.items.front());
    outbox.items.pop_front();
    boost::system::error_code ec;
    co_await ws.async_write(asio::buffer(item.message),
                            asio::redirect_error(asio::use_awaitable, ec));
    outbox.bytes -= item.message.size();
    if (outbox.bytes < kMaxQueuedOutput) outbox.drained.Notify();
    if (sent && item.output_bytes > 0) sent(item.output_bytes);
    if (ec) outbox.failed = true;
  }
  if (outbox.failed) outbox.items.clear();
  co_return !outbox.failed;
}

// Ends the session: a normal close when the socket still works, then the socket
// closed for good so that the reader coroutine (which holds `ws`) returns.
template <class Stream>
asio::awaitable<void> Finish(WebSocket<Stream>& ws, bool socket_ok, bool& reader_done,
                             Signal& reader_signal, Signal& resume_signal) {
  boost::system::error_code ec;
  if (socket_ok) {
    co_await ws.async_close(websocket::close_code::normal,
                            asio::redirect_error(asio::use_awaitable, ec));
  }
  beast::get_lowest_layer(ws).socket().close(ec);
  resume_signal.Notify();
  while (!reader_done) co_await reader_signal.Wait();
}

// -- exec and attach --------------------------------------------------------------

// The session's state on the connection's thread.
struct CommandIo {
  explicit CommandIo(const asio::any_io_executor& executor)
      : outbox(executor), resume(executor), reader_signal(executor) {}
  Outbox outbox;
  Signal resume;         // stdin was drained below the cap: read again
  Signal reader_signal;  // the reader ended
  bool reader_done = false;
  bool finished = false;
  absl::StatusOr<int> result = absl::UnknownError("not finished");
};

template <class Stream>
asio::awaitable<void> ReadCommandInput(WebSocket<Stream>& ws, protocol::WebSocketFraming framing,
                                       std::shared_ptr<RemoteCommandCore> core,
                                       std::shared_ptr<CommandIo> io) {
  protocol::ResizeDecoder resize;
  beast::flat_buffer buffer;
  while (true) {
    boost::system::error_code ec;
    buffer.clear();
    co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    const auto data = buffer.data();
    auto decoded = protocol::DecodeChannelMessage(
        framing, std::string_view(static_cast<const char*>(data.data()), data.size()));
    if (!decoded.ok()) {
      spdlog::debug("Streaming: dropping a client message: {}", decoded.status().message());
      continue;
    }
    if (!decoded->has_value()) continue;
    protocol::ChannelMessage& message = **decoded;
    if (message.close) {
      if (message.channel == protocol::kStdin) core->CloseStdin();
      continue;
    }
    if (message.channel == protocol::kStdin) {
      if (!core->PushStdin(std::move(message.data))) co_await io->resume.Wait();
    } else if (message.channel == protocol::kResize) {
      auto sizes = resize.Feed(message.data);
      if (!sizes.ok()) continue;
      for (const TerminalSize& size : *sizes) core->PushResize(size);
    }
  }
  core->MarkGone();
  io->reader_done = true;
  io->reader_signal.Notify();
}

// -- port-forward -----------------------------------------------------------------

struct ForwardedPort {
  std::int32_t port = 0;
  std::unique_ptr<tcp::socket> socket;  // null when the connection failed
  bool done = false;
};

struct PortForwardSession {
  explicit PortForwardSession(const asio::any_io_executor& executor)
      : outbox(executor), reader_signal(executor) {}
  Outbox outbox;  // its `ready` also wakes the writer when a port ends or the reader ends
  Signal reader_signal;
  std::vector<ForwardedPort> ports;
  bool reader_done = false;
};

std::string PortBytes(std::int32_t port) {
  const auto value = static_cast<std::uint16_t>(port);
  return std::string{static_cast<char>(value & 0xff), static_cast<char>(value >> 8)};
}

asio::awaitable<void> CopyFromPod(std::shared_ptr<PortForwardSession> session,
                                  protocol::WebSocketFraming framing, std::size_t index) {
  std::vector<char> chunk(kPortReadChunk);
  while (true) {
    ForwardedPort& port = session->ports[index];
    if (!port.socket || !port.socket->is_open()) break;
    boost::system::error_code ec;
    const std::size_t got = co_await port.socket->async_read_some(
        asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (got > 0) {
      session->outbox.Push(protocol::EncodeChannelMessage(
          framing, static_cast<std::uint8_t>(2 * index), std::string_view(chunk.data(), got)));
      while (session->outbox.bytes >= kMaxQueuedOutput && !session->outbox.failed) {
        co_await session->outbox.drained.Wait();
      }
    }
    if (ec) break;
  }
  session->ports[index].done = true;
  session->outbox.ready.Notify();
}

template <class Stream>
asio::awaitable<void> ReadPortForwardInput(WebSocket<Stream>& ws,
                                           protocol::WebSocketFraming framing,
                                           std::shared_ptr<PortForwardSession> session) {
  beast::flat_buffer buffer;
  while (true) {
    boost::system::error_code ec;
    buffer.clear();
    co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    const auto data = buffer.data();
    auto decoded = protocol::DecodeChannelMessage(
        framing, std::string_view(static_cast<const char*>(data.data()), data.size()));
    if (!decoded.ok() || !decoded->has_value()) continue;
    protocol::ChannelMessage& message = **decoded;
    // Only data channels (even numbers) take input; error channels are server-to-client.
    if (message.channel % 2 != 0 || message.channel / 2 >= session->ports.size()) continue;
    ForwardedPort& port = session->ports[message.channel / 2];
    if (message.close) {
      if (port.socket) port.socket->shutdown(tcp::socket::shutdown_send, ec);
      continue;
    }
    if (!port.socket || port.done || message.data.empty()) continue;
    co_await asio::async_write(*port.socket, asio::buffer(message.data),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  session->reader_done = true;
  session->reader_signal.Notify();
  session->outbox.ready.Notify();
}

}  // namespace

template <class Stream>
asio::awaitable<void> ServeWebSocketCommand(Stream stream, HttpRequest request,
                                            RemoteCommandJob job, const ServerOptions& options) {
  const auto executor = co_await asio::this_coro::executor;
  WebSocket<Stream> ws(std::move(stream));
  const auto chosen =
      co_await Upgrade(ws, request, protocol::WebSocketRemoteCommandProtocols(), options);
  if (!chosen) co_return;
  const protocol::WebSocketFraming framing = protocol::FramingOf(*chosen);
  const int version = protocol::RemoteCommandVersion(*chosen);

  auto io = std::make_shared<CommandIo>(executor);
  const std::weak_ptr<CommandIo> weak_io = io;
  RemoteCommandCore::Transport transport;
  transport.send = [executor, weak_io, framing](OutputStream out, std::string data) {
    asio::post(executor, [weak_io, framing, out, data = std::move(data)] {
      if (auto live = weak_io.lock()) {
        live->outbox.Push(
            protocol::EncodeChannelMessage(framing, static_cast<std::uint8_t>(out), data),
            data.size());
      }
    });
  };
  transport.resume_reading = [executor, weak_io] {
    asio::post(executor, [weak_io] {
      if (auto live = weak_io.lock()) live->resume.Notify();
    });
  };
  auto core = std::make_shared<RemoteCommandCore>(std::move(transport), job.stdin, job.tty);

  // The client learns the connection is up from an empty message on the lowest
  // channel it reads, as the kubelet sends it.
  const std::uint8_t first = job.stdout   ? protocol::kStdout
                             : job.stderr ? protocol::kStderr
                                          : protocol::kError;
  io->outbox.Push(protocol::EncodeChannelMessage(framing, first, ""));

  asio::co_spawn(executor, ReadCommandInput(ws, framing, core, io), asio::detached);
  CommandThread backend;
  backend.core = core;
  backend.thread = std::thread([core, executor, weak_io, run = job.run] {
    absl::StatusOr<int> result = run(*core);
    asio::post(executor, [weak_io, result = std::move(result)]() mutable {
      if (auto live = weak_io.lock()) {
        live->result = std::move(result);
        live->finished = true;
        live->outbox.ready.Notify();
      }
    });
  });

  const auto sent = [core](std::size_t bytes) { core->OutputSent(bytes); };
  while (true) {
    if (!co_await Drain(ws, io->outbox, sent)) core->MarkGone();
    if (io->finished) break;
    co_await io->outbox.ready.Wait();
  }
  // Output the backend queued before it returned was posted before its result.
  bool socket_ok = co_await Drain(ws, io->outbox, sent);
  core->CloseResize();
  if (socket_ok) {
    const std::string status = protocol::CommandEndMessage(version, io->result);
    if (!status.empty()) {
      io->outbox.Push(protocol::EncodeChannelMessage(framing, protocol::kError, status));
      socket_ok = co_await Drain(ws, io->outbox);
    }
  }
  if (!io->result.ok()) {
    spdlog::debug("Streaming: command failed: {}", io->result.status().message());
  }
  co_await Finish(ws, socket_ok, io->reader_done, io->reader_signal, io->resume);
}

template <class Stream>
asio::awaitable<void> ServeWebSocketPortForward(Stream stream, HttpRequest request,
                                                PortForwardSpec spec, StreamingBackend& backend,
                                                const ServerOptions& options) {
  std::vector<std::int32_t> ports = spec.ports;
  if (ports.empty()) {
    const auto target = request.target();
    const auto question = target.find('?');
    auto parsed = protocol::PortsFromQuery(
        question == beast::string_view::npos
            ? std::string_view()
            : std::string_view(target.data() + question + 1, target.size() - question - 1));
    if (!parsed.ok()) {
      co_await Refuse(stream, http::status::bad_request, std::string(parsed.status().message()));
      co_return;
    }
    ports = std::move(*parsed);
  }
  const auto executor = co_await asio::this_coro::executor;
  WebSocket<Stream> ws(std::move(stream));
  const auto chosen =
      co_await Upgrade(ws, request, protocol::WebSocketPortForwardProtocols(), options);
  if (!chosen) co_return;
  const protocol::WebSocketFraming framing = protocol::FramingOf(*chosen);

  auto session = std::make_shared<PortForwardSession>(executor);
  session->ports.resize(ports.size());
  for (std::size_t i = 0; i < ports.size(); ++i) {
    ForwardedPort& port = session->ports[i];
    port.port = ports[i];
    // Each channel starts with its port, little-endian, so the client can pair them.
    session->outbox.Push(protocol::EncodeChannelMessage(framing, static_cast<std::uint8_t>(2 * i),
                                                        PortBytes(port.port)));
    session->outbox.Push(protocol::EncodeChannelMessage(
        framing, static_cast<std::uint8_t>(2 * i + 1), PortBytes(port.port)));
    // Connecting inside the pod is local and immediate: done on this thread.
    absl::StatusOr<OwnedFd> connected = backend.PortForwardConnect(spec.pod_id, port.port);
    if (!connected.ok()) {
      session->outbox.Push(protocol::EncodeChannelMessage(
          framing, static_cast<std::uint8_t>(2 * i + 1),
          PortForwardError(port.port, spec.pod_id, connected.status())));
      port.done = true;
      continue;
    }
    boost::system::error_code ec;
    port.socket = std::make_unique<tcp::socket>(executor);
    port.socket->assign(tcp::v4(), connected->Release(), ec);
    if (ec) {
      port.done = true;
      continue;
    }
  }
  for (std::size_t i = 0; i < session->ports.size(); ++i) {
    if (!session->ports[i].done)
      asio::co_spawn(executor, CopyFromPod(session, framing, i), asio::detached);
  }
  asio::co_spawn(executor, ReadPortForwardInput(ws, framing, session), asio::detached);

  // Write until every port is done or the client left.
  const auto all_done = [&session] {
    for (const auto& port : session->ports) {
      if (!port.done) return false;
    }
    return true;
  };
  bool socket_ok = true;
  while (true) {
    socket_ok = co_await Drain(ws, session->outbox);
    if (!socket_ok || session->reader_done || all_done()) break;
    co_await session->outbox.ready.Wait();
  }
  for (ForwardedPort& port : session->ports) {
    boost::system::error_code ignored;
    if (port.socket) port.socket->close(ignored);
  }
  Signal unused_resume(executor);
  co_await Finish(ws, socket_ok && !session->reader_done, session->reader_done,
                  session->reader_signal, unused_resume);
}

template asio::awaitable<void> ServeWebSocketCommand<PlainStream>(PlainStream, HttpRequest,
                                                                  RemoteCommandJob,
                                                                  const ServerOptions&);
template asio::awaitable<void> ServeWebSocketCommand<TlsStream>(TlsStream, HttpRequest,
                                                                RemoteCommandJob,
                                                                const ServerOptions&);
template asio::awaitable<void> ServeWebSocketPortForward<PlainStream>(PlainStream, HttpRequest,
                                                                      PortForwardSpec,
                                                                      StreamingBackend&,
                                                                      const ServerOptions&);
template asio::awaitable<void> ServeWebSocketPortForward<TlsStream>(TlsStream, HttpRequest,
                                                                    PortForwardSpec,
                                                                    StreamingBackend&,
                                                                    const ServerOptions&);

}  // namespace crio::streaming
