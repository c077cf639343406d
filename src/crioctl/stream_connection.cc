#include "stream_connection.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace crio::ctl {
namespace {

namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Connecting (and the TLS handshake) to a local server is immediate; this only bounds
// a hung one.
constexpr std::chrono::seconds kConnectTimeout{30};
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

// The URL without its token, which is a credential (if a spent one): "/exec/...".
std::string PathKind(const StreamUrl& url) {
  const auto slash = url.target.find('/', 1);
  return slash == std::string::npos ? url.target : url.target.substr(0, slash + 1) + "...";
}

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
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

asio::awaitable<void> KeepAlive(std::shared_ptr<void> owner, asio::awaitable<void> work) {
  co_await std::move(work);
  owner.reset();
}

StreamConnection::StreamConnection(const executor_type& executor)
    : plain_(std::in_place, executor) {}

asio::awaitable<absl::Status> StreamConnection::Connect(const StreamUrl& url) {
  const auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(
      url.host, url.port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return absl::UnavailableError(
        absl::StrCat("resolving the streaming server ", url.host, ": ", ec.message()));
  }
  plain_->expires_after(kConnectTimeout);
  co_await plain_->async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    plain_->expires_never();
    co_return absl::UnavailableError(
        absl::StrCat("connecting to the streaming server at ", HostPort(url), ": ", ec.message()));
  }
  if (url.tls) {
    tls_context_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    // TLS 1.2 at least, as Go's clients; no verification (see the header).
    tls_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                              ssl::context::no_tlsv1_1);
    tls_context_->set_verify_mode(ssl::verify_none);
    tls_.emplace(std::move(*plain_), *tls_context_);
    plain_.reset();
    // RFC 6066: the server name is a host name, never an address (Go sends none either).
    if (!IsIpLiteral(url.host)) {
      SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(url.host.c_str()));
    }
    co_await tls_->async_handshake(ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Close();
      co_return absl::UnavailableError(absl::StrCat("TLS handshake with the streaming server at ",
                                                    HostPort(url), ": ", ec.message()));
    }
  }
  Tcp().expires_never();
  co_return absl::OkStatus();
}

void StreamConnection::Close() {
  boost::system::error_code ignored;
  Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  Tcp().socket().close(ignored);
  Tcp().expires_never();
}

std::string HostPort(const StreamUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  return absl::StrCat(ipv6 ? "[" : "", url.host, ipv6 ? "]" : "", ":", url.port);
}

absl::Status UpgradeRefused(const StreamUrl& url, unsigned status, std::string_view reason,
                            std::string_view body) {
  std::string text(absl::StripAsciiWhitespace(absl::string_view(body.data(), body.size())));
  if (text.size() > kMaxReasonBody) text.resize(kMaxReasonBody);
  std::string message = absl::StrCat("the streaming server at ", HostPort(url), " refused ",
                                     PathKind(url), ": ", status, " ", std::string(reason));
  if (!text.empty()) absl::StrAppend(&message, " (", text, ")");
  if (status == 404) absl::StrAppend(&message, ": the URL is unknown, expired or already used");
  return absl::Status(CodeForHttpStatus(status), message);
}

absl::Status CheckNegotiated(const StreamUrl& url, const std::string& negotiated,
                             const std::vector<std::string>& offered) {
  for (const std::string& protocol : offered) {
    if (protocol == negotiated) return absl::OkStatus();
  }
  return absl::UnimplementedError(absl::StrCat("the streaming server at ", HostPort(url),
                                               " chose protocol \"", negotiated, "\", not one of ",
                                               absl::StrJoin(offered, ", ")));
}

Outbox::Outbox(const asio::any_io_executor& executor, OutboxWriter& writer)
    : executor_(executor), writer_(writer), ready_(executor) {}

Outbox::~Outbox() { Stop(); }

void Outbox::Enqueue(Item item) {
  if (stopped_ || closing_) {
    if (item.sent) item.sent();
    return;
  }
  closing_ = item.close;
  queue_.push_back(std::move(item));
  ready_.Notify();
}

void Outbox::Push(std::string item, std::function<void()> sent) {
  Item entry;
  entry.data = std::move(item);
  entry.sent = std::move(sent);
  Enqueue(std::move(entry));
}

void Outbox::PushClose() {
  Item entry;
  entry.close = true;
  Enqueue(std::move(entry));
}

asio::awaitable<void> Outbox::WaitFor(Item item) {
  auto done = std::make_shared<bool>(false);
  auto wakeup = std::make_shared<Wakeup>(executor_);
  item.sent = [done, wakeup] {
    *done = true;
    wakeup->Notify();
  };
  Enqueue(std::move(item));
  while (!*done) co_await wakeup->Wait();
}

asio::awaitable<bool> Outbox::Write(std::string item) {
  Item entry;
  entry.data = std::move(item);
  co_await WaitFor(std::move(entry));
  co_return !stopped_;
}

asio::awaitable<void> Outbox::Close() {
  Item entry;
  entry.close = true;
  co_await WaitFor(std::move(entry));
}

void Outbox::Stop() {
  if (stopped_) return;
  stopped_ = true;
  std::deque<Item> dropped = std::move(queue_);
  queue_.clear();
  for (Item& item : dropped) {
    if (item.sent) item.sent();
  }
  ready_.Notify();
}

asio::awaitable<void> Outbox::Run() {
  while (!stopped_) {
    while (!queue_.empty() && !stopped_) {
      Item item = std::move(queue_.front());
      queue_.pop_front();
      bool written = true;
      if (item.close) {
        co_await writer_.WriteClose();
      } else {
        written = co_await writer_.WriteItem(item.data);
      }
      if (item.close || !written) Stop();
      if (item.sent) item.sent();
    }
    if (stopped_) break;
    co_await ready_.Wait();
  }
}

}  // namespace crio::ctl
