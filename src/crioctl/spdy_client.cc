// Exec, attach and port-forward over SPDY/3.1, as kubectl and crictl speak it: an HTTP
// upgrade naming the protocols in X-Stream-Protocol-Version headers, then one SPDY
// stream per channel, opened by us and named by its "streamtype" header. The framing is
// the SPDY session of src/spdy in the client role; this file only moves its bytes.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <set>
#include <variant>

#include "absl/strings/str_cat.h"
#include "crio/spdy/session.h"
#include "stream_connection.h"
#include "stream_transport.h"

namespace crio::ctl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// How long the server has to answer the upgrade and accept our streams.
constexpr std::chrono::seconds kSetupTimeout{30};
constexpr std::size_t kReadChunk = 64 * 1024;
// A refusal's body explains it in a line; more is not read.
constexpr std::size_t kMaxRefusalBody = 64 * 1024;
constexpr char kProtocolHeader[] = "X-Stream-Protocol-Version";
constexpr char kPortForwardProtocol[] = "portforward.k8s.io";
// What exec and attach offer by default, as kubectl (v5 is for WebSockets).
constexpr const char* kCommandProtocols[] = {kProtocolV4, kProtocolV3, kProtocolV2, kProtocolV1};
// A forwarded connection's streams, in the order they are opened.
constexpr const char* kPortStreamTypes[] = {"error", "data"};

spdy::Headers StreamType(const char* type) {
  spdy::Headers headers;
  headers["streamtype"].emplace_back(type);
  return headers;
}

// The session's answers to received frames (PING replies, resets) without its
// WINDOW_UPDATEs. Kubernetes' peers neither send nor honour them (spdystream), and a
// server that closes its socket right after its last frame, as spdystream's and ours
// do, answers bytes it has not read with a reset, which destroys output still on its
// way to us. kubectl sends none either.
std::string WithoutWindowUpdates(std::string output) {
  spdy::FrameDecoder decoder;
  decoder.Append(output);
  spdy::FrameEncoder encoder;
  std::string kept;
  while (true) {
    absl::StatusOr<std::optional<spdy::Frame>> frame = decoder.Next();
    // Header blocks (not expected here) need the session's zlib state: send as is.
    if (!frame.ok()) return output;
    if (!frame->has_value()) break;
    if (std::holds_alternative<spdy::WindowUpdateFrame>(**frame)) continue;
    if (!encoder.Encode(**frame, &kept).ok()) return output;
  }
  return kept;
}

// The stream an event is about, when it ends the peer's side of it.
std::uint32_t EndedStream(const spdy::Event& event) {
  if (const auto* half = std::get_if<spdy::StreamHalfClosed>(&event)) return half->stream_id;
  if (const auto* reset = std::get_if<spdy::StreamReset>(&event)) return reset->stream_id;
  return 0;
}

// An upgraded connection, its SPDY session and the outbox writing the session's output.
class SpdyConnection final : public OutboxWriter,
                             public std::enable_shared_from_this<SpdyConnection> {
 public:
  explicit SpdyConnection(const asio::any_io_executor& executor)
      : stream_(executor), session_(ClientOptions()), outbox_(executor, *this) {}

  // Connects and upgrades to SPDY/3.1 offering `protocols`; then starts the outbox.
  asio::awaitable<absl::Status> Dial(std::string url, std::vector<std::string> protocols) {
    const absl::StatusOr<StreamUrl> parsed = ParseStreamUrl(url);
    if (!parsed.ok()) co_return parsed.status();
    url_ = *parsed;
    const absl::Status connected = co_await stream_.Connect(url_);
    if (!connected.ok()) co_return connected;
    // Set field by field: GCC 12 miscompiles Beast messages built from braced lists in
    // coroutines.
    http::request<http::empty_body> request;
    request.method(http::verb::post);
    request.target(url_.target);
    request.version(11);
    request.set(http::field::host, HostPort(url_));
    request.set(http::field::connection, "Upgrade");
    request.set(http::field::upgrade, "SPDY/3.1");
    request.set(http::field::user_agent, "crioctl");
    for (const std::string& protocol : protocols) request.insert(kProtocolHeader, protocol);
    boost::system::error_code ec;
    stream_.Tcp().expires_after(kSetupTimeout);
    co_await http::async_write(stream_, request, asio::redirect_error(asio::use_awaitable, ec));
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxRefusalBody);
    if (!ec) {
      co_await http::async_read(stream_, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    stream_.Tcp().expires_never();
    if (ec) {
      Abandon();
      co_return absl::UnavailableError(
          absl::StrCat("upgrading the connection to ", HostPort(url_), ": ", ec.message()));
    }
    const http::response<http::string_body>& response = parser.get();
    if (response.result() != http::status::switching_protocols) {
      Abandon();
      const auto reason = response.reason();
      co_return UpgradeRefused(url_, response.result_int(),
                               std::string_view(reason.data(), reason.size()), response.body());
    }
    negotiated_ = std::string(response[kProtocolHeader]);
    const absl::Status known = CheckNegotiated(url_, negotiated_, protocols);
    if (!known.ok()) {
      Abandon();
      co_return known;
    }
    // Frames the server sent right behind its answer.
    const auto leftover = buffer.data();
    unread_.assign(static_cast<const char*>(leftover.data()), leftover.size());
    asio::co_spawn(stream_.get_executor(), KeepAlive(shared_from_this(), outbox_.Run()),
                   asio::detached);
    co_return absl::OkStatus();
  }

  const std::string& negotiated() const { return negotiated_; }
  const StreamUrl& url() const { return url_; }

  // Opens a stream per header block, in order, and waits until the server accepted
  // them all, as kubectl does. Other events meanwhile are kept for Next().
  // @return the stream ids; Unavailable when the server refuses one or goes away
  asio::awaitable<absl::StatusOr<std::vector<std::uint32_t>>> Open(
      std::vector<spdy::Headers> streams) {
    std::vector<std::uint32_t> ids;
    for (const spdy::Headers& headers : streams) {
      const absl::StatusOr<std::uint32_t> id = session_.OpenStream(headers);
      if (!id.ok()) co_return id.status();
      ids.push_back(*id);
    }
    Flush();
    std::set<std::uint32_t> waiting(ids.begin(), ids.end());
    absl::Status failed;
    stream_.Tcp().expires_after(kSetupTimeout);
    while (!waiting.empty() && failed.ok()) {
      absl::StatusOr<std::vector<spdy::Event>> events = co_await Next();
      if (!events.ok()) {
        failed = events.status();
        break;
      }
      if (closed_) {
        failed = absl::UnavailableError(absl::StrCat("the streaming server at ", HostPort(url_),
                                                     " closed the connection before accepting "
                                                     "the streams"));
      }
      for (spdy::Event& event : *events) {
        if (const auto* replied = std::get_if<spdy::StreamReplied>(&event)) {
          waiting.erase(replied->stream_id);
          continue;
        }
        const auto* reset = std::get_if<spdy::StreamReset>(&event);
        if (reset != nullptr && waiting.count(reset->stream_id) > 0) {
          failed = absl::UnavailableError(absl::StrCat(
              "the streaming server at ", HostPort(url_), " refused stream ", reset->stream_id,
              " (RST_STREAM status ", static_cast<std::uint32_t>(reset->status), ")"));
        }
        if (std::holds_alternative<spdy::GoAwayReceived>(event) && !waiting.empty()) {
          failed = absl::UnavailableError(absl::StrCat("the streaming server at ", HostPort(url_),
                                                       " went away before accepting the streams"));
        }
        unreturned_.push_back(std::move(event));
      }
    }
    stream_.Tcp().expires_never();
    if (!failed.ok()) {
      Abandon();
      co_return failed;
    }
    co_return ids;
  }

  // The events of what the server sent next (maybe none, for a partial frame). At the
  // end of the connection closed() holds and the list is empty.
  // @return Unavailable when reading fails or the server breaks the protocol
  asio::awaitable<absl::StatusOr<std::vector<spdy::Event>>> Next() {
    std::vector<spdy::Event> events;
    if (!unreturned_.empty()) {
      events.swap(unreturned_);
      co_return events;
    }
    if (closed_) co_return events;
    std::string bytes = std::move(unread_);
    unread_.clear();
    if (bytes.empty()) {
      bytes.resize(kReadChunk);
      boost::system::error_code ec;
      const std::size_t got = co_await stream_.async_read_some(
          asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        closed_ = true;
        // A TLS peer may close without close_notify; the data was complete either way.
        if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) co_return events;
        co_return absl::UnavailableError(
            absl::StrCat("reading from the streaming server: ", ec.message()));
      }
      bytes.resize(got);
    }
    absl::StatusOr<std::vector<spdy::Event>> fed = session_.Feed(bytes);
    std::string answers = WithoutWindowUpdates(session_.TakeOutput());
    if (!answers.empty()) outbox_.Push(std::move(answers));
    if (!fed.ok()) {
      closed_ = true;
      co_return absl::UnavailableError(
          absl::StrCat("the streaming server broke the SPDY protocol: ", fed.status().message()));
    }
    co_return std::move(*fed);
  }

  bool closed() const { return closed_; }

  // Queues `data` on stream `id` (with `fin`, the last); `sent` runs once written.
  void Send(std::uint32_t id, std::string_view data, bool fin, std::function<void()> sent) {
    (void)session_.SendData(id, absl::string_view(data.data(), data.size()), fin);
    Flush(std::move(sent));
  }

  // Sends `data` on stream `id` and waits until it is written.
  asio::awaitable<bool> Write(std::uint32_t id, std::string data) {
    if (!session_.SendData(id, data).ok()) co_return false;
    co_return co_await outbox_.Write(session_.TakeOutput());
  }

  // GOAWAY after what is queued, then the end of the connection.
  void GoAwayAndClose() {
    (void)session_.GoAway(spdy::GoAwayStatus::kOk);
    Flush();
    outbox_.PushClose();
  }

  void Abandon() {
    outbox_.Stop();
    stream_.Close();
  }

  asio::awaitable<bool> WriteItem(const std::string& bytes) override {
    boost::system::error_code ec;
    co_await asio::async_write(stream_, asio::buffer(bytes),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  asio::awaitable<void> WriteClose() override {
    stream_.Close();
    co_return;
  }

 private:
  static spdy::SessionOptions ClientOptions() {
    spdy::SessionOptions options;
    options.role = spdy::Role::kClient;
    return options;
  }

  // Hands the session's output to the outbox; `sent` runs once it is written.
  void Flush(std::function<void()> sent = nullptr) {
    std::string output = session_.TakeOutput();
    if (output.empty()) {
      if (sent) sent();
      return;
    }
    outbox_.Push(std::move(output), std::move(sent));
  }

  StreamConnection stream_;
  spdy::Session session_;
  Outbox outbox_;
  StreamUrl url_;
  std::string negotiated_;
  std::string unread_;                   // bytes after the 101 answer, not yet fed
  std::vector<spdy::Event> unreturned_;  // events read while opening streams
  bool closed_ = false;
};

class SpdyCommandTransport final : public CommandTransport {
 public:
  explicit SpdyCommandTransport(const asio::any_io_executor& executor)
      : conn_(std::make_shared<SpdyConnection>(executor)) {}
  ~SpdyCommandTransport() override { conn_->Abandon(); }

  asio::awaitable<absl::Status> Dial(const std::string& url,
                                     const std::vector<std::string>& protocols,
                                     const CommandStreams& streams) override {
    std::vector<std::string> offered = protocols;
    if (offered.empty()) {
      for (const char* protocol : kCommandProtocols) offered.emplace_back(protocol);
    }
    const absl::Status dialed = co_await conn_->Dial(url, std::move(offered));
    if (!dialed.ok()) co_return dialed;
    // The kubelet's order: the error stream first; a terminal has no stderr, and sizes
    // from v3 on.
    std::vector<spdy::Headers> headers;
    std::vector<std::uint32_t*> slots;
    const auto add = [&headers, &slots](const char* type, std::uint32_t* slot) {
      headers.push_back(StreamType(type));
      slots.push_back(slot);
    };
    add("error", &error_);
    if (streams.stdin) add("stdin", &stdin_);
    add("stdout", &stdout_);
    if (streams.stderr) add("stderr", &stderr_);
    if (streams.tty && ChannelProtocolVersion(conn_->negotiated()) >= 3) add("resize", &resize_);
    absl::StatusOr<std::vector<std::uint32_t>> ids = co_await conn_->Open(std::move(headers));
    if (!ids.ok()) co_return ids.status();
    for (std::size_t i = 0; i < slots.size(); ++i) *slots[i] = (*ids)[i];
    co_return absl::OkStatus();
  }

  const std::string& protocol() const override { return conn_->negotiated(); }

  // Until the server has closed the error stream and the output streams (the output
  // is then complete), sent GOAWAY, or closed the connection.
  asio::awaitable<absl::Status> Receive(const CommandHandlers& handlers) override {
    std::set<std::uint32_t> open = {error_, stdout_};
    if (stderr_ != 0) open.insert(stderr_);
    bool going_away = false;
    while (!open.empty() && !going_away && !conn_->closed()) {
      absl::StatusOr<std::vector<spdy::Event>> events = co_await conn_->Next();
      if (!events.ok()) co_return events.status();
      for (const spdy::Event& event : *events) {
        if (const auto* data = std::get_if<spdy::StreamData>(&event)) {
          if (data->stream_id == stdout_) handlers.stdout(data->data);
          if (data->stream_id == stderr_) handlers.stderr(data->data);
          if (data->stream_id == error_) handlers.status(data->data);
        } else if (const std::uint32_t ended = EndedStream(event); open.erase(ended) > 0) {
          if (ended == error_) handlers.status_end();
        } else if (std::holds_alternative<spdy::GoAwayReceived>(event)) {
          going_away = true;
        }
      }
    }
    co_return absl::OkStatus();
  }

  void SendStdin(std::string data, std::function<void()> sent) override {
    if (stdin_ == 0) {
      if (sent) sent();
      return;
    }
    conn_->Send(stdin_, data, /*fin=*/false, std::move(sent));
  }

  void CloseStdin() override {
    if (stdin_ != 0) conn_->Send(stdin_, "", /*fin=*/true, nullptr);
  }

  void SendResize(std::string json) override {
    if (resize_ != 0) conn_->Send(resize_, json, /*fin=*/false, nullptr);
  }

  void Close() override { conn_->GoAwayAndClose(); }

  void Abandon() override { conn_->Abandon(); }

 private:
  const std::shared_ptr<SpdyConnection> conn_;
  // Our streams (0: not opened).
  std::uint32_t error_ = 0;
  std::uint32_t stdin_ = 0;
  std::uint32_t stdout_ = 0;
  std::uint32_t stderr_ = 0;
  std::uint32_t resize_ = 0;
};

class SpdyPortTransport final : public PortTransport {
 public:
  explicit SpdyPortTransport(const asio::any_io_executor& executor)
      : conn_(std::make_shared<SpdyConnection>(executor)) {}
  ~SpdyPortTransport() override { conn_->Abandon(); }

  asio::awaitable<absl::Status> Dial(const std::string& url, std::uint16_t port,
                                     std::uint64_t request_id) override {
    std::vector<std::string> protocols;
    protocols.emplace_back(kPortForwardProtocol);
    const absl::Status dialed = co_await conn_->Dial(url, std::move(protocols));
    if (!dialed.ok()) co_return dialed;
    // A pair per connection: the error stream, then the data stream, with the same
    // port and request id.
    std::vector<spdy::Headers> headers;
    for (const char* type : kPortStreamTypes) {
      spdy::Headers stream = StreamType(type);
      stream["port"].push_back(std::to_string(port));
      stream["requestid"].push_back(std::to_string(request_id));
      headers.push_back(std::move(stream));
    }
    absl::StatusOr<std::vector<std::uint32_t>> ids = co_await conn_->Open(std::move(headers));
    if (!ids.ok()) co_return ids.status();
    error_ = (*ids)[0];
    data_ = (*ids)[1];
    co_return absl::OkStatus();
  }

  asio::awaitable<bool> Send(std::string data) override {
    co_return co_await conn_->Write(data_, std::move(data));
  }

  asio::awaitable<bool> CloseSend() override {
    // The server half-closes the pod's socket; its answer keeps coming.
    conn_->Send(data_, "", /*fin=*/true, nullptr);
    co_return true;
  }

  asio::awaitable<PortReceived> Receive() override {
    PortReceived received;
    while (received.data.empty() && received.error.empty() && !received.end) {
      if (data_done_ || conn_->closed()) {
        received.end = true;
        break;
      }
      absl::StatusOr<std::vector<spdy::Event>> events = co_await conn_->Next();
      if (!events.ok()) {
        received.end = true;
        break;
      }
      for (spdy::Event& event : *events) {
        if (auto* data = std::get_if<spdy::StreamData>(&event)) {
          if (data->stream_id == data_) received.data.append(data->data);
          if (data->stream_id == error_) received.error.append(data->data);
        } else if (EndedStream(event) == data_ ||
                   std::holds_alternative<spdy::GoAwayReceived>(event)) {
          // The pod closed its side (the server closes both streams then).
          data_done_ = true;
        }
      }
      received.end = data_done_;
    }
    co_return received;
  }

  void Abandon() override { conn_->Abandon(); }

 private:
  const std::shared_ptr<SpdyConnection> conn_;
  std::uint32_t error_ = 0;
  std::uint32_t data_ = 0;
  bool data_done_ = false;
};

}  // namespace

std::shared_ptr<CommandTransport> MakeSpdyCommandTransport(const asio::any_io_executor& executor) {
  return std::make_shared<SpdyCommandTransport>(executor);
}

std::shared_ptr<PortTransport> MakeSpdyPortTransport(const asio::any_io_executor& executor) {
  return std::make_shared<SpdyPortTransport>(executor);
}

}  // namespace crio::ctl
