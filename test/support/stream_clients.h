#pragma once

// Clients of the streaming server for tests: a WebSocket one on Boost.Beast and a SPDY
// one on our own SPDY session in the client role, both speaking the Kubernetes channel
// protocols the way kubectl does. Used by the unit tests (fake backend) and the e2e
// tests (the real daemon).

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
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

struct Url {
  std::string host;
  std::string port;
  std::string target;
};

inline Url ParseUrl(const std::string& url) {
  // http://127.0.0.1:PORT/kind/token
  const std::string rest = url.substr(std::string("http://").size());
  const auto colon = rest.find(':');
  const auto slash = rest.find('/');
  return Url{rest.substr(0, colon), rest.substr(colon + 1, slash - colon - 1), rest.substr(slash)};
}

struct Message {
  int channel = -1;
  std::string data;
};

class WsClient {
 public:
  // Connects and upgrades.
  bool Connect(const std::string& url, const std::string& protocol,
               const std::string& extra_query = "") {
    const Url parsed = ParseUrl(url);
    tcp::resolver resolver(io_);
    asio::connect(beast::get_lowest_layer(ws_), resolver.resolve(parsed.host, parsed.port));
    if (!protocol.empty()) {
      ws_.set_option(websocket::stream_base::decorator([protocol](websocket::request_type& req) {
        req.set(http::field::sec_websocket_protocol, protocol);
      }));
    }
    websocket::response_type response;
    boost::system::error_code ec;
    ws_.handshake(response, parsed.host + ":" + parsed.port, parsed.target + extra_query, ec);
    if (ec) return false;
    negotiated_ = std::string(response[http::field::sec_websocket_protocol]);
    base64_ = negotiated_.find("base64") != std::string::npos;
    ws_.binary(!base64_);
    return true;
  }

  void Send(std::uint8_t channel, const std::string& data) {
    std::string message;
    if (base64_) {
      message = std::string(1, static_cast<char>('0' + channel)) + Base64(data);
    } else {
      message = std::string(1, static_cast<char>(channel)) + data;
    }
    ws_.write(asio::buffer(message));
  }
  void SendRaw(const std::string& message) { ws_.write(asio::buffer(message)); }

  // The next message; nullopt when the server closed.
  std::optional<Message> Read() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws_.read(buffer, ec);
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
    boost::system::error_code ec;
    beast::get_lowest_layer(ws_).close(ec);
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

  asio::io_context io_;
  websocket::stream<tcp::socket> ws_{io_};
  std::string negotiated_;
  bool base64_ = false;
};

inline int HttpStatus(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers) {
  asio::io_context io;
  const Url parsed = ParseUrl(url);
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  stream.connect(resolver.resolve(parsed.host, parsed.port));
  http::request<http::empty_body> request{http::verb::get, parsed.target, 11};
  request.set(http::field::host, parsed.host);
  for (const auto& [name, value] : headers) request.set(name, value);
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return static_cast<int>(response.result_int());
}

// The status of a WebSocket upgrade request the server refuses (101 when it accepts).
inline int WebSocketStatus(const std::string& url, const std::string& protocol) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Connection", "Upgrade"},
      {"Upgrade", "websocket"},
      {"Sec-WebSocket-Version", "13"},
      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  if (!protocol.empty()) headers.emplace_back("Sec-WebSocket-Protocol", protocol);
  return HttpStatus(url, headers);
}

class SpdyClient {
 public:
  // Sends the upgrade request; answers the HTTP status line's code.
  int Connect(const std::string& url, const std::vector<std::string>& protocols) {
    const std::string rest = url.substr(std::string("http://").size());
    const auto colon = rest.find(':');
    const auto slash = rest.find('/');
    tcp::resolver resolver(io_);
    asio::connect(socket_, resolver.resolve(rest.substr(0, colon),
                                            rest.substr(colon + 1, slash - colon - 1)));
    std::string request = absl::StrCat("POST ", rest.substr(slash), " HTTP/1.1\r\nHost: test\r\n",
                                       "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n");
    for (const auto& protocol : protocols) {
      absl::StrAppend(&request, "X-Stream-Protocol-Version: ", protocol, "\r\n");
    }
    request += "\r\n";
    asio::write(socket_, asio::buffer(request));
    std::string head;
    asio::read_until(socket_, asio::dynamic_buffer(head), "\r\n\r\n");
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
    if (!out.empty()) asio::write(socket_, asio::buffer(out));
  }

  // Reads until `done` holds or the server closes. @return false on close first.
  bool PumpUntil(const std::function<bool()>& done) {
    while (!done()) {
      std::string bytes = std::move(leftover_);
      leftover_.clear();
      if (bytes.empty()) {
        char buf[16384];
        boost::system::error_code ec;
        const std::size_t got = socket_.read_some(asio::buffer(buf), ec);
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
  bool goaway() const { return goaway_; }
  bool closed() const { return closed_; }

 private:
  asio::io_context io_;
  tcp::socket socket_{io_};
  spdy::Session session_{spdy::SessionOptions{.role = spdy::Role::kClient}};
  std::string leftover_;
  std::string headers_;
  std::map<std::uint32_t, std::string> received_;
  std::set<std::uint32_t> half_closed_;
  std::set<std::uint32_t> replied_;
  bool goaway_ = false;
  bool closed_ = false;
};

inline spdy::Headers StreamTypeHeader(const std::string& type) {
  return spdy::Headers{{"streamtype", {type}}};
}

}  // namespace crio::streaming::testing
