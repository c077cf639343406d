#pragma once

// Clients of the streaming server for tests: a WebSocket one on Boost.Beast and a SPDY
// one on our own SPDY session in the client role, both speaking the Kubernetes channel
// protocols the way kubectl does. Used by the unit tests (fake backend) and the e2e
// tests (the real daemon). An https:// URL is reached over TLS, as ClientTls says.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "crio/spdy/session.h"

namespace crio::streaming::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace ssl = asio::ssl;
using TlsSocket = ssl::stream<tcp::socket>;

struct Url {
  std::string host;
  std::string port;
  std::string target;
  bool tls = false;  // https://
};

inline Url ParseUrl(const std::string& url) {
  // http://127.0.0.1:PORT/kind/token or https://...
  const bool tls = url.rfind("https://", 0) == 0;
  const std::string rest = url.substr(std::string(tls ? "https://" : "http://").size());
  const auto colon = rest.find(':');
  const auto slash = rest.find('/');
  Url parsed;
  parsed.host = rest.substr(0, colon);
  parsed.port = rest.substr(colon + 1, slash - colon - 1);
  parsed.target = slash == std::string::npos ? "/" : rest.substr(slash);
  parsed.tls = tls;
  return parsed;
}

/// `url` with its scheme replaced ("http" or "https").
inline std::string WithScheme(const std::string& url, const std::string& scheme) {
  return scheme + url.substr(url.find("://"));
}

/// How a client speaks to an https:// URL.
struct ClientTls {
  std::string ca_file;    ///< CA the server's certificate must chain to; "" = not verified
  std::string cert_file;  ///< the client's certificate; "" = none is presented
  std::string key_file;   ///< its key
};

inline std::shared_ptr<ssl::context> MakeClientContext(const ClientTls& tls) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  if (tls.ca_file.empty()) {
    context->set_verify_mode(ssl::verify_none);
  } else {
    context->load_verify_file(tls.ca_file);
    context->set_verify_mode(ssl::verify_peer);
  }
  if (!tls.cert_file.empty()) {
    context->use_certificate_chain_file(tls.cert_file);
    context->use_private_key_file(tls.key_file, ssl::context::pem);
  }
  return context;
}

/// A connected client stream: plain TCP, or TLS for an https:// URL.
class ClientStream {
 public:
  /// Connects, and shakes hands over TLS for https://. @return the error, if any
  boost::system::error_code Connect(asio::io_context& io, const Url& url, const ClientTls& tls) {
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    tcp::socket socket(io);
    asio::connect(socket, resolver.resolve(url.host, url.port), ec);
    if (ec) return ec;
    if (!url.tls) {
      stream_.emplace<tcp::socket>(std::move(socket));
      return ec;
    }
    context_ = MakeClientContext(tls);
    auto& stream = stream_.emplace<TlsSocket>(std::move(socket), *context_);
    if (!tls.ca_file.empty()) stream.set_verify_callback(ssl::host_name_verification(url.host));
    stream.handshake(ssl::stream_base::client, ec);
    return ec;
  }

  /// Calls `f` with the tcp::socket or the TlsSocket.
  template <class F>
  decltype(auto) Visit(F&& f) {
    if (auto* tls = std::get_if<TlsSocket>(&stream_)) return f(*tls);
    return f(std::get<tcp::socket>(stream_));
  }

  tcp::socket& socket() {
    if (auto* tls = std::get_if<TlsSocket>(&stream_)) return tls->next_layer();
    return std::get<tcp::socket>(stream_);
  }

 private:
  std::shared_ptr<ssl::context> context_;  // before the stream, which refers to it
  std::variant<std::monostate, tcp::socket, TlsSocket> stream_;
};

struct Message {
  int channel = -1;
  std::string data;
};

class WsClient {
 public:
  WsClient() = default;
  /// For https:// URLs.
  explicit WsClient(ClientTls tls) : tls_(std::move(tls)) {}

  /// Calls `f` with the connected WebSocket stream (plain or TLS).
  template <class F>
  decltype(auto) Visit(F&& f) {
    if (auto* tls = std::get_if<websocket::stream<TlsSocket>>(&ws_)) return f(*tls);
    return f(std::get<websocket::stream<tcp::socket>>(ws_));
  }

  // Connects and upgrades.
  bool Connect(const std::string& url, const std::string& protocol,
               const std::string& extra_query = "") {
    const Url parsed = ParseUrl(url);
    boost::system::error_code ec;
    if (parsed.tls) {
      context_ = MakeClientContext(tls_);
      auto& ws = ws_.emplace<websocket::stream<TlsSocket>>(io_, *context_);
      asio::connect(beast::get_lowest_layer(ws),
                    tcp::resolver(io_).resolve(parsed.host, parsed.port), ec);
      if (ec) return false;
      if (!tls_.ca_file.empty()) {
        ws.next_layer().set_verify_callback(ssl::host_name_verification(parsed.host));
      }
      ws.next_layer().handshake(ssl::stream_base::client, ec);
      if (ec) return false;
    } else {
      auto& ws = ws_.emplace<websocket::stream<tcp::socket>>(io_);
      asio::connect(beast::get_lowest_layer(ws),
                    tcp::resolver(io_).resolve(parsed.host, parsed.port), ec);
      if (ec) return false;
    }
    return Visit([&](auto& ws) {
      if (!protocol.empty()) {
        ws.set_option(websocket::stream_base::decorator([protocol](websocket::request_type& req) {
          req.set(http::field::sec_websocket_protocol, protocol);
        }));
      }
      websocket::response_type response;
      boost::system::error_code handshake_ec;
      ws.handshake(response, parsed.host + ":" + parsed.port, parsed.target + extra_query,
                   handshake_ec);
      if (handshake_ec) return false;
      negotiated_ = std::string(response[http::field::sec_websocket_protocol]);
      base64_ = negotiated_.find("base64") != std::string::npos;
      ws.binary(!base64_);
      return true;
    });
  }

  void Send(std::uint8_t channel, const std::string& data) {
    std::string message;
    if (base64_) {
      message = std::string(1, static_cast<char>('0' + channel)) + Base64(data);
    } else {
      message = std::string(1, static_cast<char>(channel)) + data;
    }
    SendRaw(message);
  }
  void SendRaw(const std::string& message) {
    Visit([&](auto& ws) { ws.write(asio::buffer(message)); });
  }

  // The next message; nullopt when the server closed.
  std::optional<Message> Read() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    Visit([&](auto& ws) { ws.read(buffer, ec); });
    if (ec) return std::nullopt;
    std::string raw = beast::buffers_to_string(buffer.data());
    if (raw.empty()) return Message{};
    Message message;
    message.channel = base64_ ? raw[0] - '0' : static_cast<std::uint8_t>(raw[0]);
    message.data = base64_ ? Unbase64(raw.substr(1)) : raw.substr(1);
    return message;
  }

  // Every message until the close, per channel, concatenated.
  std::map<int, std::string> ReadAll() {
    std::map<int, std::string> out;
    while (auto message = Read()) out[message->channel] += message->data;
    return out;
  }

  void Close() {
    if (std::holds_alternative<std::monostate>(ws_)) return;
    Visit([](auto& ws) {
      boost::system::error_code ec;
      beast::get_lowest_layer(ws).close(ec);
    });
  }

  const std::string& negotiated() const { return negotiated_; }

 private:
  static std::string Base64(const std::string& in) {
    std::string out;
    out.resize(beast::detail::base64::encoded_size(in.size()));
    out.resize(beast::detail::base64::encode(out.data(), in.data(), in.size()));
    return out;
  }
  static std::string Unbase64(const std::string& in) {
    std::string out;
    out.resize(beast::detail::base64::decoded_size(in.size()));
    out.resize(beast::detail::base64::decode(out.data(), in.data(), in.size()).first);
    return out;
  }

  ClientTls tls_;
  asio::io_context io_;
  std::shared_ptr<ssl::context> context_;  // before the stream, which refers to it
  std::variant<std::monostate, websocket::stream<tcp::socket>, websocket::stream<TlsSocket>> ws_;
  std::string negotiated_;
  bool base64_ = false;
};

struct HttpResponse {
  int status = -1;  ///< -1 when no response came (the connection failed)
  std::string body;
};

inline HttpResponse HttpGet(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const ClientTls& tls = {}) {
  asio::io_context io;
  const Url parsed = ParseUrl(url);
  ClientStream stream;
  if (stream.Connect(io, parsed, tls)) return {};
  http::request<http::empty_body> request{http::verb::get, parsed.target, 11};
  request.set(http::field::host, parsed.host);
  for (const auto& [name, value] : headers) request.set(name, value);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  boost::system::error_code ec;
  stream.Visit([&](auto& s) {
    http::write(s, request, ec);
    if (!ec) http::read(s, buffer, response, ec);
  });
  if (ec) return {};
  return HttpResponse{static_cast<int>(response.result_int()), response.body()};
}

inline int HttpStatus(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const ClientTls& tls = {}) {
  return HttpGet(url, headers, tls).status;
}

// The status of a WebSocket upgrade request the server refuses (101 when it accepts).
inline int WebSocketStatus(const std::string& url, const std::string& protocol,
                           const ClientTls& tls = {}) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Connection", "Upgrade"},
      {"Upgrade", "websocket"},
      {"Sec-WebSocket-Version", "13"},
      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  if (!protocol.empty()) headers.emplace_back("Sec-WebSocket-Protocol", protocol);
  return HttpStatus(url, headers, tls);
}

class SpdyClient {
 public:
  SpdyClient() = default;
  /// For https:// URLs.
  explicit SpdyClient(ClientTls tls) : tls_(std::move(tls)) {}

  // Sends the upgrade request; answers the HTTP status line's code (-1 when the
  // connection or the TLS handshake failed, or no answer came).
  int Connect(const std::string& url, const std::vector<std::string>& protocols) {
    const Url parsed = ParseUrl(url);
    if (stream_.Connect(io_, parsed, tls_)) return -1;
    std::string request = absl::StrCat("POST ", parsed.target, " HTTP/1.1\r\nHost: test\r\n",
                                       "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n");
    for (const auto& protocol : protocols) {
      absl::StrAppend(&request, "X-Stream-Protocol-Version: ", protocol, "\r\n");
    }
    request += "\r\n";
    std::string head;
    boost::system::error_code ec;
    stream_.Visit([&](auto& s) {
      asio::write(s, asio::buffer(request), ec);
      if (!ec) asio::read_until(s, asio::dynamic_buffer(head), "\r\n\r\n", ec);
    });
    if (ec) return -1;
    const auto end = head.find("\r\n\r\n") + 4;
    leftover_ = head.substr(end);
    head.resize(end);
    headers_ = head;
    return std::stoi(head.substr(9, 3));
  }

  const std::string& response_head() const { return headers_; }

  std::uint32_t Open(const spdy::Headers& headers) {
    auto id = session_.OpenStream(headers);
    EXPECT_TRUE(id.ok()) << id.status();
    Flush();
    return id.value_or(0);
  }

  void Send(std::uint32_t id, const std::string& data, bool fin = false) {
    EXPECT_TRUE(session_.SendData(id, data, fin).ok());
    Flush();
  }

  void Flush() {
    const std::string out = session_.TakeOutput();
    if (!out.empty()) stream_.Visit([&](auto& s) { asio::write(s, asio::buffer(out)); });
  }

  // Reads until `done` holds or the server closes. @return false on close first.
  bool PumpUntil(const std::function<bool()>& done) {
    while (!done()) {
      std::string bytes = std::move(leftover_);
      leftover_.clear();
      if (bytes.empty()) {
        char buf[16384];
        boost::system::error_code ec;
        const std::size_t got =
            stream_.Visit([&](auto& s) { return s.read_some(asio::buffer(buf), ec); });
        if (ec) {
          closed_ = true;
          return done();
        }
        bytes.assign(buf, got);
      }
      auto events = session_.Feed(bytes);
      if (!events.ok()) return false;
      for (auto& event : *events) {
        if (auto* data = std::get_if<spdy::StreamData>(&event))
          received_[data->stream_id] += data->data;
        if (auto* half = std::get_if<spdy::StreamHalfClosed>(&event))
          half_closed_.insert(half->stream_id);
        if (std::holds_alternative<spdy::StreamReplied>(event)) {
          replied_.insert(std::get<spdy::StreamReplied>(event).stream_id);
        }
        if (auto* reset = std::get_if<spdy::StreamReset>(&event)) reset_.insert(reset->stream_id);
        if (std::holds_alternative<spdy::GoAwayReceived>(event)) goaway_ = true;
      }
      Flush();
    }
    return true;
  }

  void PumpToClose() {
    PumpUntil([this] { return closed_; });
  }

  std::string& received(std::uint32_t id) { return received_[id]; }
  bool half_closed(std::uint32_t id) const { return half_closed_.count(id) > 0; }
  bool replied(std::uint32_t id) const { return replied_.count(id) > 0; }
  bool was_reset(std::uint32_t id) const { return reset_.count(id) > 0; }
  bool goaway() const { return goaway_; }
  bool closed() const { return closed_; }

 private:
  ClientTls tls_;
  asio::io_context io_;
  ClientStream stream_;
  spdy::Session session_{spdy::SessionOptions{.role = spdy::Role::kClient}};
  std::string leftover_;
  std::string headers_;
  std::map<std::uint32_t, std::string> received_;
  std::set<std::uint32_t> half_closed_;
  std::set<std::uint32_t> replied_;
  std::set<std::uint32_t> reset_;
  bool goaway_ = false;
  bool closed_ = false;
};

inline spdy::Headers StreamTypeHeader(const std::string& type) {
  return spdy::Headers{{"streamtype", {type}}};
}

}  // namespace crio::streaming::testing
