// Exec, attach and port-forward over a WebSocket (Beast): every message starts with its
// channel. Exec and attach: 0 stdin, 1 stdout, 2 stderr, 3 the status, 4 terminal
// sizes; v5 adds the message [255, channel] that closes a channel. Port-forward (the
// kubelet's v4.channel.k8s.io framing): 0 data, 1 errors, each opened with the port as
// two little-endian bytes, and no way to close one direction.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "stream_connection.h"
#include "stream_transport.h"

namespace crio::ctl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

constexpr std::uint8_t kStdinChannel = 0;
constexpr std::uint8_t kStdoutChannel = 1;
constexpr std::uint8_t kStderrChannel = 2;
constexpr std::uint8_t kStatusChannel = 3;
constexpr std::uint8_t kResizeChannel = 4;

constexpr char kPortForwardProtocol[] = "v4.channel.k8s.io";
constexpr std::uint8_t kDataChannel = 0;
constexpr std::uint8_t kErrorChannel = 1;
constexpr std::size_t kPortPrefix = 2;

std::string ChannelMessage(std::uint8_t channel, std::string_view data) {
  std::string message;
  message.reserve(data.size() + 1);
  message.push_back(static_cast<char>(channel));
  message.append(data);
  return message;
}

// v5's message closing `channel` (the end of stdin).
std::string CloseChannelMessage(std::uint8_t channel) {
  return std::string{static_cast<char>(0xff), static_cast<char>(channel)};
}

// A WebSocket to a streaming URL and the outbox that writes to it.
class WebSocketConnection final : public OutboxWriter,
                                  public std::enable_shared_from_this<WebSocketConnection> {
 public:
  explicit WebSocketConnection(const asio::any_io_executor& executor)
      : ws_(executor), outbox_(executor, *this) {}

  // Connects and upgrades, offering `protocols`; then starts the outbox.
  asio::awaitable<absl::Status> Dial(std::string url, std::vector<std::string> protocols) {
    const absl::StatusOr<StreamUrl> parsed = ParseStreamUrl(url);
    if (!parsed.ok()) co_return parsed.status();
    const absl::Status connected = co_await ws_.next_layer().Connect(*parsed);
    if (!connected.ok()) co_return connected;
    // The handshake and the closing handshake are bounded; an open stream may idle for
    // as long as the command runs.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    const std::string offered = absl::StrJoin(protocols, ", ");
    ws_.set_option(websocket::stream_base::decorator([offered](websocket::request_type& request) {
      request.set(http::field::sec_websocket_protocol, offered);
      request.set(http::field::user_agent, "crioctl");
    }));
    websocket::response_type response;
    boost::system::error_code ec;
    co_await ws_.async_handshake(response, HostPort(*parsed), parsed->target,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Abandon();
      if (ec == websocket::error::upgrade_declined) {
        const auto reason = response.reason();
        co_return UpgradeRefused(*parsed, response.result_int(),
                                 std::string_view(reason.data(), reason.size()), response.body());
      }
      co_return absl::UnavailableError(
          absl::StrCat("upgrading the connection to ", HostPort(*parsed), ": ", ec.message()));
    }
    negotiated_ = std::string(response[http::field::sec_websocket_protocol]);
    // RFC 6455: a client fails the connection when the server picks none of its
    // subprotocols.
    const absl::Status known = CheckNegotiated(*parsed, negotiated_, protocols);
    if (!known.ok()) {
      Abandon();
      co_return known;
    }
    ws_.binary(true);
    asio::co_spawn(ws_.get_executor(), KeepAlive(shared_from_this(), outbox_.Run()),
                   asio::detached);
    co_return absl::OkStatus();
  }

  const std::string& negotiated() const { return negotiated_; }
  Outbox& outbox() { return outbox_; }

  // The next message into `buffer`; an error at the end of the connection.
  asio::awaitable<boost::system::error_code> Read(beast::flat_buffer& buffer) {
    buffer.clear();
    boost::system::error_code ec;
    co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }

  // Closes the connection at once and stops the timers Beast leaves running after a
  // refused handshake (they would keep the io_context busy).
  void Abandon() {
    outbox_.Stop();
    websocket::stream_base::timeout off{};
    off.handshake_timeout = websocket::stream_base::none();
    off.idle_timeout = websocket::stream_base::none();
    off.keep_alive_pings = false;
    ws_.set_option(off);
    ws_.next_layer().Close();
  }

  asio::awaitable<bool> WriteItem(const std::string& message) override {
    boost::system::error_code ec;
    co_await ws_.async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  asio::awaitable<void> WriteClose() override {
    boost::system::error_code ec;
    co_await ws_.async_close(websocket::close_code::normal,
                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) ws_.next_layer().Close();
  }

 private:
  websocket::stream<StreamConnection> ws_;
  Outbox outbox_;
  std::string negotiated_;
};

class WebSocketCommandTransport final : public CommandTransport {
 public:
  explicit WebSocketCommandTransport(const asio::any_io_executor& executor)
      : conn_(std::make_shared<WebSocketConnection>(executor)) {}
  ~WebSocketCommandTransport() override { conn_->Abandon(); }

  asio::awaitable<absl::Status> Dial(const std::string& url,
                                     const std::vector<std::string>& protocols,
                                     const CommandStreams&) override {
    std::vector<std::string> offered = protocols;
    if (offered.empty()) {
      offered.emplace_back(kProtocolV5);
      offered.emplace_back(kProtocolV4);
    }
    const absl::Status dialed = co_await conn_->Dial(url, std::move(offered));
    close_signal_ = conn_->negotiated() == kProtocolV5;
    co_return dialed;
  }

  const std::string& protocol() const override { return conn_->negotiated(); }

  asio::awaitable<absl::Status> Receive(const CommandHandlers& handlers) override {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (true) {
      ec = co_await conn_->Read(buffer);
      if (ec) break;
      const auto data = buffer.data();
      const std::string_view message(static_cast<const char*>(data.data()), data.size());
      // The server's first message, empty, only says the streams are up.
      if (message.size() < 2) continue;
      const std::string_view payload = message.substr(1);
      switch (static_cast<std::uint8_t>(message[0])) {
        case kStdoutChannel:
          handlers.stdout(payload);
          break;
        case kStderrChannel:
          handlers.stderr(payload);
          break;
        case kStatusChannel:
          handlers.status(payload);
          break;
        default:
          break;
      }
    }
    if (ec == websocket::error::closed) co_return absl::OkStatus();
    co_return absl::UnavailableError(
        absl::StrCat("reading from the streaming server: ", ec.message()));
  }

  void SendStdin(std::string data, std::function<void()> sent) override {
    conn_->outbox().Push(ChannelMessage(kStdinChannel, data), std::move(sent));
  }

  void CloseStdin() override {
    // v4 has no way to say so: the command keeps its stdin open until it ends.
    if (close_signal_) conn_->outbox().Push(CloseChannelMessage(kStdinChannel));
  }

  void SendResize(std::string json) override {
    conn_->outbox().Push(ChannelMessage(kResizeChannel, json));
  }

  void Close() override { conn_->outbox().PushClose(); }

  void Abandon() override { conn_->Abandon(); }

 private:
  const std::shared_ptr<WebSocketConnection> conn_;
  bool close_signal_ = false;  // v5: the end of stdin can be sent
};

class WebSocketPortTransport final : public PortTransport {
 public:
  explicit WebSocketPortTransport(const asio::any_io_executor& executor)
      : conn_(std::make_shared<WebSocketConnection>(executor)) {}
  ~WebSocketPortTransport() override { conn_->Abandon(); }

  asio::awaitable<absl::Status> Dial(const std::string& url, std::uint16_t port,
                                     std::uint64_t) override {
    std::vector<std::string> protocols;
    protocols.emplace_back(kPortForwardProtocol);
    co_return co_await conn_->Dial(WithPortQuery(url, port), std::move(protocols));
  }

  asio::awaitable<bool> Send(std::string data) override {
    co_return co_await conn_->outbox().Write(ChannelMessage(kDataChannel, data));
  }

  asio::awaitable<bool> CloseSend() override {
    co_await conn_->outbox().Close();
    co_return false;
  }

  asio::awaitable<PortReceived> Receive() override {
    PortReceived received;
    while (received.data.empty() && received.error.empty()) {
      const boost::system::error_code ec = co_await conn_->Read(buffer_);
      if (ec) {
        received.end = true;
        break;
      }
      const auto data = buffer_.data();
      std::string_view message(static_cast<const char*>(data.data()), data.size());
      if (message.empty()) continue;
      const auto channel = static_cast<std::uint8_t>(message.front());
      if (channel != kDataChannel && channel != kErrorChannel) continue;
      message.remove_prefix(1);
      std::size_t& prefix = channel == kDataChannel ? data_prefix_ : error_prefix_;
      const std::size_t skip = std::min(prefix, message.size());
      prefix -= skip;
      message.remove_prefix(skip);
      (channel == kDataChannel ? received.data : received.error).assign(message);
    }
    co_return received;
  }

  void Abandon() override { conn_->Abandon(); }

 private:
  const std::shared_ptr<WebSocketConnection> conn_;
  beast::flat_buffer buffer_;
  std::size_t data_prefix_ = kPortPrefix;  // port bytes still to skip on each channel
  std::size_t error_prefix_ = kPortPrefix;
};

}  // namespace

std::shared_ptr<CommandTransport> MakeWebSocketCommandTransport(
    const asio::any_io_executor& executor) {
  return std::make_shared<WebSocketCommandTransport>(executor);
}

std::shared_ptr<PortTransport> MakeWebSocketPortTransport(const asio::any_io_executor& executor) {
  return std::make_shared<WebSocketPortTransport>(executor);
}

}  // namespace crio::ctl
