// Exec, attach and port-forward over SPDY/3.1, as kubelet, kubectl and crictl speak it
// (github.com/moby/spdystream on their side): after the 101 answer, the client opens
// one SPDY stream per channel, named by its "streamtype" header.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "asio_util.h"
#include "channel_protocol.h"
#include "crio/common/log.h"
#include "crio/spdy/session.h"
#include "remote_command_core.h"
#include "sessions.h"

namespace crio::streaming {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kReadChunk = 64 * 1024;
// Past this much unsent output the client is not reading: stop reading from it too.
constexpr std::size_t kMaxUnsentOutput = std::size_t{4} << 20;
constexpr std::size_t kPortReadChunk = 32 * 1024;

template <class Stream>
asio::awaitable<bool> SwitchProtocols(Stream& stream, const std::string& protocol) {
  http::response<http::empty_body> response;
  response.result(http::status::switching_protocols);
  response.version(11);
  response.set(http::field::connection, "Upgrade");
  response.set(http::field::upgrade, "SPDY/3.1");
  if (!protocol.empty()) response.set("X-Stream-Protocol-Version", protocol);
  boost::system::error_code ec;
  co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

std::string StreamType(const spdy::Headers& headers) {
  return spdy::FirstHeaderValue(headers, "streamtype").value_or("");
}

// The connection after the upgrade: the SPDY session, the socket and the writer that
// drains the session's output. Lives on the connection's thread only.
template <class Stream>
struct SpdyConnection {
  SpdyConnection(Stream s, const asio::any_io_executor& executor, const ServerOptions& o)
      : stream(std::move(s)),
        session(spdy::SessionOptions{}),
        options(o),
        output_ready(executor),
        drained(executor),
        changed(executor) {}

  Stream stream;
  spdy::Session session;
  const ServerOptions& options;
  Signal output_ready;  // the session has output, or the connection is ending
  Signal drained;       // unsent output fell below the cap
  Signal changed;       // streams arrived, the reader ended, a port finished...
  bool reader_done = false;
  bool closing = false;               // Finish has begun: the reader reads no more
  bool failed = false;                // the socket or the session failed
  std::size_t output_data_bytes = 0;  // stdout/stderr bytes inside the unsent output

  // Writes the session's output until there is none.
  asio::awaitable<void> Flush(const std::function<void(std::size_t)>& sent = nullptr) {
    while (!failed && session.OutputSize() > 0) {
      std::string bytes = session.TakeOutput();
      const std::size_t data_bytes = std::exchange(output_data_bytes, 0);
      beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
      boost::system::error_code ec;
      co_await asio::async_write(stream, asio::buffer(bytes),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (sent && data_bytes > 0) sent(data_bytes);
      if (ec) failed = true;
    }
    drained.Notify();
  }

  // Closes for good: the reader coroutine (which holds this object) ends first, then
  // the transport is shut down (TLS: close_notify) and closed.
  asio::awaitable<void> Finish() {
    if (!failed) {
      (void)session.GoAway(spdy::GoAwayStatus::kOk);
      co_await Flush();
    }
    closing = true;
    beast::get_lowest_layer(stream).cancel();  // the reader's pending read
    drained.Notify();
    while (!reader_done) co_await changed.Wait();
    if (!failed) {
      co_await CloseTransport(stream);
    } else {
      boost::system::error_code ignored;
      beast::get_lowest_layer(stream).socket().close(ignored);
    }
  }
};

// Reads the socket into the session and hands each event to `on_event`, which may
// suspend (to apply back-pressure). Ends on EOF, error or a session failure.
template <class Stream>
asio::awaitable<void> ReadLoop(std::shared_ptr<SpdyConnection<Stream>> conn, std::string leftover,
                               std::function<asio::awaitable<void>(spdy::Event&)> on_event) {
  std::string chunk(kReadChunk, '\0');
  std::string pending = std::move(leftover);
  while (!conn->failed && !conn->closing) {
    if (pending.empty()) {
      boost::system::error_code ec;
      beast::get_lowest_layer(conn->stream).expires_after(conn->options.idle_timeout);
      const std::size_t got = co_await conn->stream.async_read_some(
          asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
      if (ec || conn->closing) break;
      pending.assign(chunk.data(), got);
    }
    auto events = conn->session.Feed(pending);
    pending.clear();
    if (!events.ok()) {
      spdlog::debug("Streaming: SPDY protocol error: {}", events.status().message());
      co_await conn->Flush();  // the GOAWAY the session queued
      conn->failed = true;
      break;
    }
    for (spdy::Event& event : *events) co_await on_event(event);
    if (conn->session.OutputSize() > 0) conn->output_ready.Notify();
    while (conn->session.OutputSize() > kMaxUnsentOutput && !conn->failed && !conn->closing) {
      co_await conn->drained.Wait();
    }
  }
  conn->reader_done = true;
  conn->changed.Notify();
  conn->output_ready.Notify();
}

// The stream ids of one exec or attach (0 = not opened).
struct CommandStreams {
  std::uint32_t error = 0, stdin = 0, stdout = 0, stderr = 0, resize = 0;
  int received = 0;
};

struct CommandState {
  explicit CommandState(const asio::any_io_executor& executor) : resume(executor) {}
  Signal resume;
  bool finished = false;
  absl::StatusOr<int> result = absl::UnknownError("not finished");
};

}  // namespace

template <class Stream>
asio::awaitable<void> ServeSpdyCommand(Stream stream, std::string leftover,
                                       std::string protocol_name, RemoteCommandJob job,
                                       const ServerOptions& options) {
  const auto executor = co_await asio::this_coro::executor;
  if (!co_await SwitchProtocols(stream, protocol_name)) co_return;
  const int version = protocol::RemoteCommandVersion(protocol_name);
  auto conn = std::make_shared<SpdyConnection<Stream>>(std::move(stream), executor, options);
  auto state = std::make_shared<CommandState>(executor);
  const bool resize = job.tty && version >= 3;
  const int expected =
      1 + (job.stdin ? 1 : 0) + (job.stdout ? 1 : 0) + (job.stderr ? 1 : 0) + (resize ? 1 : 0);
  CommandStreams ids;
  std::shared_ptr<RemoteCommandCore> core;  // made once every stream is there
  protocol::ResizeDecoder resize_decoder;

  const auto on_event = [&](spdy::Event& event) -> asio::awaitable<void> {
    if (auto* opened = std::get_if<spdy::StreamOpened>(&event)) {
      const std::string type = StreamType(opened->headers);
      std::uint32_t* slot = type == "error"    ? &ids.error
                            : type == "stdin"  ? &ids.stdin
                            : type == "stdout" ? &ids.stdout
                            : type == "stderr" ? &ids.stderr
                            : type == "resize" ? &ids.resize
                                               : nullptr;
      if (slot == nullptr || *slot != 0) {
        spdlog::debug("Streaming: refusing a SPDY stream of type \"{}\"", type);
        (void)conn->session.Reset(opened->stream_id, spdy::RstStatus::kRefusedStream);
        co_return;
      }
      *slot = opened->stream_id;
      (void)conn->session.Reply(opened->stream_id);
      ++ids.received;
      conn->changed.Notify();
    } else if (auto* data = std::get_if<spdy::StreamData>(&event)) {
      if (!core) co_return;
      if (data->stream_id == ids.stdin && ids.stdin != 0) {
        if (!core->PushStdin(std::move(data->data))) co_await state->resume.Wait();
      } else if (data->stream_id == ids.resize && ids.resize != 0) {
        auto sizes = resize_decoder.Feed(data->data);
        if (sizes.ok()) {
          for (const TerminalSize& size : *sizes) core->PushResize(size);
        }
      }
    } else if (auto* half = std::get_if<spdy::StreamHalfClosed>(&event)) {
      if (core && half->stream_id == ids.stdin) core->CloseStdin();
      if (core && half->stream_id == ids.resize) core->CloseResize();
    } else if (auto* reset = std::get_if<spdy::StreamReset>(&event)) {
      if (core && reset->stream_id == ids.stdin) core->CloseStdin();
    }
  };
  // Data may follow a stream's SYN_STREAM before everything is set up: the core
  // exists before the reader starts, and it takes stdin from the first byte.
  const std::weak_ptr<SpdyConnection<Stream>> weak_conn = conn;
  RemoteCommandCore::Transport transport;
  transport.send = [executor, weak_conn, &ids](OutputStream out, std::string data) {
    asio::post(executor, [weak_conn, &ids, out, data = std::move(data)] {
      auto live = weak_conn.lock();
      if (!live) return;
      const std::uint32_t id = out == OutputStream::kStdout ? ids.stdout : ids.stderr;
      if (id != 0 && live->session.SendData(id, data).ok()) {
        live->output_data_bytes += data.size();
      }
      live->output_ready.Notify();
    });
  };
  const std::weak_ptr<CommandState> weak_state = state;
  transport.resume_reading = [executor, weak_state] {
    asio::post(executor, [weak_state] {
      if (auto live = weak_state.lock()) live->resume.Notify();
    });
  };
  core = std::make_shared<RemoteCommandCore>(std::move(transport), job.stdin, resize);
  asio::co_spawn(executor, ReadLoop(conn, std::move(leftover), on_event), asio::detached);

  // The client opens its streams first; the kubelet gives it 30 seconds.
  asio::steady_timer deadline(executor);
  deadline.expires_after(options.creation_timeout);
  bool timed_out = false;
  deadline.async_wait([&](boost::system::error_code ec) {
    if (!ec) {
      timed_out = true;
      conn->changed.Notify();
    }
  });
  while (ids.received < expected && !conn->reader_done && !timed_out) {
    co_await conn->Flush();
    co_await conn->changed.Wait();
  }
  deadline.cancel();
  if (ids.received < expected) {
    if (timed_out) spdlog::debug("Streaming: timed out waiting for the client to create streams");
    core->MarkGone();
    state->resume.Notify();
    co_await conn->Finish();
    co_return;
  }
  co_await conn->Flush();

  CommandThread backend;
  backend.core = core;
  backend.thread = std::thread([core, executor, weak_state, weak_conn, run = job.run] {
    absl::StatusOr<int> result = run(*core);
    asio::post(executor, [weak_state, weak_conn, result = std::move(result)]() mutable {
      if (auto live = weak_state.lock()) {
        live->result = std::move(result);
        live->finished = true;
      }
      if (auto live = weak_conn.lock()) live->output_ready.Notify();
    });
  });

  const auto sent = [core](std::size_t bytes) { core->OutputSent(bytes); };
  while (!state->finished) {
    co_await conn->Flush(sent);
    if (conn->failed || conn->reader_done) core->MarkGone();
    if (state->finished) break;
    co_await conn->output_ready.Wait();
  }
  co_await conn->Flush(sent);
  core->CloseResize();
  if (!conn->failed) {
    const std::string status = protocol::CommandEndMessage(version, state->result);
    if (ids.error != 0) {
      if (!status.empty()) (void)conn->session.SendData(ids.error, status);
      (void)conn->session.CloseStream(ids.error);
    }
    for (const std::uint32_t id : {ids.stdout, ids.stderr}) {
      if (id != 0) (void)conn->session.CloseStream(id);
    }
  }
  state->resume.Notify();  // a reader paused on a full stdin queue must see the end too
  co_await conn->Finish();
}

// -- port-forward -----------------------------------------------------------------

namespace {

// One forwarded connection: a client's (data, error) stream pair and the pod's socket.
struct PortPair {
  explicit PortPair(const asio::any_io_executor& executor) : deadline(executor) {}
  std::string request;  // the client's request id
  std::int32_t port = 0;
  std::uint32_t data = 0;
  std::uint32_t error = 0;
  asio::steady_timer deadline;  // for the second stream, while the pair waits for it
  std::unique_ptr<tcp::socket> socket;
  bool done = false;
};

// The pairs of one port-forward connection. Shared with the pairs' deadlines, whose
// handlers may run after the session's coroutine has ended.
struct PortPairs {
  std::map<std::string, std::shared_ptr<PortPair>> by_request;  // pairs still incomplete
  std::map<std::uint32_t, std::shared_ptr<PortPair>> by_stream;
};

template <class Stream>
asio::awaitable<void> CopyFromPod(std::shared_ptr<SpdyConnection<Stream>> conn,
                                  std::shared_ptr<PortPair> pair) {
  std::string chunk(kPortReadChunk, '\0');
  while (!conn->failed) {
    boost::system::error_code ec;
    const std::size_t got = co_await pair->socket->async_read_some(
        asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (got > 0) {
      if (!conn->session.SendData(pair->data, absl::string_view(chunk.data(), got)).ok()) break;
      conn->output_ready.Notify();
      while (conn->session.OutputSize() > kMaxUnsentOutput && !conn->failed) {
        co_await conn->drained.Wait();
      }
    }
    if (ec) break;
  }
  // The pod closed the connection: so do we, on both streams.
  (void)conn->session.CloseStream(pair->data);
  (void)conn->session.CloseStream(pair->error);
  pair->done = true;
  conn->output_ready.Notify();
}

// Drops a pair whose second stream did not come in time, as the kubelet does: the
// error stream, when it is there, says so and closes; a lone data stream is reset.
template <class Stream>
void ExpirePair(SpdyConnection<Stream>& conn, PortPairs& pairs,
                const std::shared_ptr<PortPair>& pair) {
  const auto it = pairs.by_request.find(pair->request);
  if (it == pairs.by_request.end() || it->second != pair) return;  // completed meanwhile
  pairs.by_request.erase(it);
  spdlog::debug("Streaming: port-forward request {} timed out waiting for streams", pair->request);
  if (pair->error != 0) {
    (void)conn.session.SendData(
        pair->error, absl::StrCat("(request=", pair->request, ") timed out waiting for streams"));
    (void)conn.session.CloseStream(pair->error);
  }
  if (pair->data != 0) (void)conn.session.Reset(pair->data, spdy::RstStatus::kCancel);
  pair->done = true;  // the writer loop forgets it
  conn.output_ready.Notify();
}

}  // namespace

template <class Stream>
asio::awaitable<void> ServeSpdyPortForward(Stream stream, std::string leftover,
                                           PortForwardSpec spec, StreamingBackend& backend,
                                           const ServerOptions& options) {
  const auto executor = co_await asio::this_coro::executor;
  if (!co_await SwitchProtocols(stream, protocol::kPortForward)) co_return;
  auto conn = std::make_shared<SpdyConnection<Stream>>(std::move(stream), executor, options);
  auto pairs = std::make_shared<PortPairs>();
  const std::weak_ptr<SpdyConnection<Stream>> weak_conn = conn;
  const std::weak_ptr<PortPairs> weak_pairs = pairs;

  const auto start_pair = [&](const std::shared_ptr<PortPair>& pair) {
    const bool allowed = spec.ports.empty() || std::find(spec.ports.begin(), spec.ports.end(),
                                                         pair->port) != spec.ports.end();
    absl::StatusOr<OwnedFd> connected =
        allowed ? backend.PortForwardConnect(spec.pod_id, pair->port)
                : absl::StatusOr<OwnedFd>(absl::PermissionDeniedError(absl::StrCat(
                      "port ", pair->port, " was not named by the PortForward request")));
    if (connected.ok()) {
      boost::system::error_code ec;
      pair->socket = std::make_unique<tcp::socket>(executor);
      pair->socket->assign(tcp::v4(), connected->Release(), ec);
      if (!ec) {
        asio::co_spawn(executor, CopyFromPod(conn, pair), asio::detached);
        return;
      }
      connected = absl::InternalError(ec.message());
    }
    (void)conn->session.SendData(pair->error,
                                 PortForwardError(pair->port, spec.pod_id, connected.status()));
    (void)conn->session.CloseStream(pair->error);
    (void)conn->session.CloseStream(pair->data);
    pair->done = true;
  };

  const auto on_event = [&](spdy::Event& event) -> asio::awaitable<void> {
    if (auto* opened = std::get_if<spdy::StreamOpened>(&event)) {
      const std::string type = StreamType(opened->headers);
      std::int32_t port = 0;
      const auto port_text = spdy::FirstHeaderValue(opened->headers, "port").value_or("");
      if ((type != "data" && type != "error") || !absl::SimpleAtoi(port_text, &port) || port < 1 ||
          port > 65535) {
        spdlog::debug("Streaming: refusing a port-forward stream ({}, port \"{}\")", type,
                      port_text);
        (void)conn->session.Reset(opened->stream_id, spdy::RstStatus::kRefusedStream);
        co_return;
      }
      // Old clients send no request id: the pair is then the data stream and the error
      // stream just before it, as the kubelet pairs them.
      std::string request = spdy::FirstHeaderValue(opened->headers, "requestid").value_or("");
      if (request.empty()) {
        request = std::to_string(type == "error" ? opened->stream_id + 2 : opened->stream_id);
      }
      auto& entry = pairs->by_request[request];
      if (!entry) {
        // The first of the pair: the second has creation_timeout to follow.
        entry = std::make_shared<PortPair>(executor);
        entry->request = request;
        entry->deadline.expires_after(options.creation_timeout);
        entry->deadline.async_wait(
            [weak_conn, weak_pairs,
             weak_pair = std::weak_ptr<PortPair>(entry)](const boost::system::error_code& ec) {
              if (ec) return;
              const auto live_conn = weak_conn.lock();
              const auto live_pairs = weak_pairs.lock();
              const auto live_pair = weak_pair.lock();
              if (live_conn && live_pairs && live_pair)
                ExpirePair(*live_conn, *live_pairs, live_pair);
            });
      }
      const std::shared_ptr<PortPair> pair = entry;  // entry goes with the erase below
      std::uint32_t& slot = type == "data" ? pair->data : pair->error;
      if (slot != 0 || (pair->port != 0 && pair->port != port)) {
        (void)conn->session.Reset(opened->stream_id, spdy::RstStatus::kProtocolError);
        co_return;
      }
      slot = opened->stream_id;
      pair->port = port;
      pairs->by_stream[opened->stream_id] = pair;
      (void)conn->session.Reply(opened->stream_id);
      if (pair->data != 0 && pair->error != 0) {
        pairs->by_request.erase(request);
        pair->deadline.cancel();
        start_pair(pair);
      }
    } else if (auto* data = std::get_if<spdy::StreamData>(&event)) {
      const auto it = pairs->by_stream.find(data->stream_id);
      if (it == pairs->by_stream.end()) co_return;
      const auto pair = it->second;
      if (data->stream_id != pair->data || !pair->socket || pair->done) co_return;
      boost::system::error_code ec;
      co_await asio::async_write(*pair->socket, asio::buffer(data->data),
                                 asio::redirect_error(asio::use_awaitable, ec));
    } else if (auto* half = std::get_if<spdy::StreamHalfClosed>(&event)) {
      const auto it = pairs->by_stream.find(half->stream_id);
      if (it != pairs->by_stream.end() && it->second->socket &&
          half->stream_id == it->second->data) {
        boost::system::error_code ignored;
        it->second->socket->shutdown(tcp::socket::shutdown_send, ignored);
      }
    } else if (auto* reset = std::get_if<spdy::StreamReset>(&event)) {
      const auto it = pairs->by_stream.find(reset->stream_id);
      if (it != pairs->by_stream.end() && it->second->socket) {
        boost::system::error_code ignored;
        it->second->socket->close(ignored);
      }
    }
  };
  asio::co_spawn(executor, ReadLoop(conn, std::move(leftover), on_event), asio::detached);

  // A port-forward connection lasts until the client leaves; it may open pairs at any
  // time. Write whatever the session has to say meanwhile.
  while (!conn->reader_done && !conn->failed) {
    co_await conn->Flush();
    if (conn->reader_done || conn->failed) break;
    co_await conn->output_ready.Wait();
    // Forget finished pairs.
    for (auto it = pairs->by_stream.begin(); it != pairs->by_stream.end();) {
      it = it->second->done ? pairs->by_stream.erase(it) : std::next(it);
    }
  }
  for (auto& [id, pair] : pairs->by_stream) {
    boost::system::error_code ignored;
    if (pair->socket) pair->socket->close(ignored);
  }
  for (auto& [request, pair] : pairs->by_request) pair->deadline.cancel();
  co_await conn->Finish();
}

template asio::awaitable<void> ServeSpdyCommand<PlainStream>(PlainStream, std::string, std::string,
                                                             RemoteCommandJob,
                                                             const ServerOptions&);
template asio::awaitable<void> ServeSpdyCommand<TlsStream>(TlsStream, std::string, std::string,
                                                           RemoteCommandJob, const ServerOptions&);
template asio::awaitable<void> ServeSpdyPortForward<PlainStream>(PlainStream, std::string,
                                                                 PortForwardSpec, StreamingBackend&,
                                                                 const ServerOptions&);
template asio::awaitable<void> ServeSpdyPortForward<TlsStream>(TlsStream, std::string,
                                                               PortForwardSpec, StreamingBackend&,
                                                               const ServerOptions&);

}  // namespace crio::streaming
