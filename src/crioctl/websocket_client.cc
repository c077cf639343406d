#include "websocket_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "stream_client.h"

namespace crio::ctl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Connecting and upgrading to a local server is immediate; this only bounds a hung one.
constexpr std::chrono::seconds kDialTimeout{30};
// Enough of a refusal's body to explain it; the server's are one line.
constexpr std::size_t kMaxReasonBody = 512;

absl::StatusCode CodeForHttpStatus(unsigned status) {
  switch (status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    default:
      return absl::StatusCode::kUnavailable;
  }
}

// "host:port", with an IPv6 literal in brackets, for messages and the Host header.
std::string HostPort(const StreamUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  return absl::StrCat(ipv6 ? "[" : "", url.host, ipv6 ? "]" : "", ":", url.port);
}

// The URL without its token, which is a credential (if a spent one): "/exec/...".
std::string PathKind(const StreamUrl& url) {
  const auto slash = url.target.find('/', 1);
  return slash == std::string::npos ? url.target : url.target.substr(0, slash + 1) + "...";
}

absl::Status Refused(const StreamUrl& url, const websocket::response_type& response) {
  std::string body(absl::StripAsciiWhitespace(response.body()));
  if (body.size() > kMaxReasonBody) body.resize(kMaxReasonBody);
  std::string message =
      absl::StrCat("the streaming server at ", HostPort(url), " refused ", PathKind(url), ": ",
                   response.result_int(), " ", std::string(response.reason()));
  if (!body.empty()) absl::StrAppend(&message, " (", body, ")");
  if (response.result() == http::status::not_found) {
    absl::StrAppend(&message, ": the URL is unknown, expired or already used");
  }
  return absl::Status(CodeForHttpStatus(response.result_int()), message);
}

}  // namespace

Wakeup::Wakeup(const asio::any_io_executor& executor)
    : timer_(executor, asio::steady_timer::time_point::max()) {}

void Wakeup::Notify() {
  notified_ = true;
  timer_.cancel();
}

asio::awaitable<void> Wakeup::Wait() {
  while (!notified_) {
    boost::system::error_code ignored;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  notified_ = false;
}

asio::awaitable<absl::Status> DialWebSocket(WebSocket& ws, std::string url,
                                            std::vector<std::string> protocols,
                                            std::string& negotiated) {
  const absl::StatusOr<StreamUrl> parsed = ParseStreamUrl(url);
  if (!parsed.ok()) co_return parsed.status();
  const auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(
      parsed->host, parsed->port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return absl::UnavailableError(
        absl::StrCat("resolving the streaming server ", parsed->host, ": ", ec.message()));
  }
  beast::tcp_stream& stream = beast::get_lowest_layer(ws);
  stream.expires_after(kDialTimeout);
  co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  stream.expires_never();
  if (ec) {
    co_return absl::UnavailableError(absl::StrCat("connecting to the streaming server at ",
                                                  HostPort(*parsed), ": ", ec.message()));
  }
  // The handshake and the closing handshake are bounded; an open stream may idle for
  // as long as the command runs.
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  const std::string offered = absl::StrJoin(protocols, ", ");
  ws.set_option(websocket::stream_base::decorator([offered](websocket::request_type& request) {
    request.set(http::field::sec_websocket_protocol, offered);
    request.set(http::field::user_agent, "crioctl");
  }));
  websocket::response_type response;
  co_await ws.async_handshake(response, HostPort(*parsed), parsed->target,
                              asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    Abandon(ws);
    if (ec == websocket::error::upgrade_declined) co_return Refused(*parsed, response);
    co_return absl::UnavailableError(
        absl::StrCat("upgrading the connection to ", HostPort(*parsed), ": ", ec.message()));
  }
  negotiated = std::string(response[http::field::sec_websocket_protocol]);
  bool known = false;
  for (const std::string& protocol : protocols) known = known || protocol == negotiated;
  if (!known) {
    // RFC 6455: a client fails the connection when the server picks none of its
    // subprotocols; without one, the channel framing is unknown.
    Abandon(ws);
    co_return absl::UnimplementedError(absl::StrCat("the streaming server at ", HostPort(*parsed),
                                                    " chose protocol \"", negotiated,
                                                    "\", not one of ", offered));
  }
  ws.binary(true);
  co_return absl::OkStatus();
}

void Abandon(WebSocket& ws) {
  websocket::stream_base::timeout off{};
  off.handshake_timeout = websocket::stream_base::none();
  off.idle_timeout = websocket::stream_base::none();
  off.keep_alive_pings = false;
  ws.set_option(off);
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws).socket().close(ignored);
}

std::string ChannelMessage(std::uint8_t channel, std::string_view data) {
  std::string message;
  message.reserve(data.size() + 1);
  message.push_back(static_cast<char>(channel));
  message.append(data);
  return message;
}

std::string CloseChannelMessage(std::uint8_t channel) {
  return std::string{static_cast<char>(0xff), static_cast<char>(channel)};
}

}  // namespace crio::ctl
