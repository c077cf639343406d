#include "stream_client.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crio/common/owned_fd.h"
#include "stream_transport.h"

namespace crio::ctl {
namespace {

// What is read from stdin at once, and how much of it may wait for the socket before
// reading stops (a paste or a piped file must not fill memory ahead of a slow server).
constexpr std::size_t kStdinChunk = 32 * 1024;
constexpr std::size_t kMaxStdinInFlight = 256 * 1024;
// The status object is small; a server sending more is broken.
constexpr std::size_t kMaxStatus = 64 * 1024;

std::string StringField(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The exit code a NonZeroExitCode status carries in its ExitCode cause.
std::optional<int> ExitCodeCause(const nlohmann::json& status) {
  const auto details = status.find("details");
  if (details == status.end() || !details->is_object()) return std::nullopt;
  const auto causes = details->find("causes");
  if (causes == details->end() || !causes->is_array()) return std::nullopt;
  for (const nlohmann::json& cause : *causes) {
    if (!cause.is_object() || StringField(cause, "reason") != "ExitCode") continue;
    int code = 0;
    if (absl::SimpleAtoi(StringField(cause, "message"), &code)) return code;
  }
  return std::nullopt;
}

// What a pre-v4 server writes on the error channel for a command that failed.
constexpr absl::string_view kNonZeroExit = "command terminated with non-zero exit code: ";

// The end of a session before v4: nothing for success, a line of text for a failure.
absl::StatusOr<int> ExitCodeFromText(const std::string& text) {
  if (text.empty()) return 0;
  const absl::string_view line = absl::StripAsciiWhitespace(text);
  int code = 0;
  if (absl::StartsWith(line, kNonZeroExit) &&
      absl::SimpleAtoi(line.substr(line.rfind(' ') + 1), &code)) {
    return code;
  }
  return absl::UnknownError(line);
}

// One exec or attach, whatever the transport: the stdin copy, the detach keys,
// signals, terminal sizes and the exit code. Its coroutines run on the thread that
// calls Run(); a thread of its own reads stdin, which may be a regular file, so that it
// cannot be polled by Asio.
class RemoteCommandSession {
 public:
  RemoteCommandSession(std::string url, const RemoteCommandOptions& options)
      : url_(std::move(url)), options_(options) {}

  ~RemoteCommandSession() { StopStdin(); }

  absl::StatusOr<RemoteCommandResult> Run() {
    asio::co_spawn(ioc_, Main(), asio::detached);
    ioc_.run();
    StopStdin();
    if (!status_.ok()) return status_;
    if (result_.signal != 0) {
      result_.exit_code = 128 + result_.signal;
      return result_;
    }
    if (result_.detached) return result_;
    absl::StatusOr<int> code;
    if (ChannelProtocolVersion(result_.protocol) < 4 && status_closed_) {
      code = ExitCodeFromText(exit_status_);
    } else if (exit_status_.empty()) {
      return absl::UnavailableError(
          "the streaming server closed the connection without the command's exit status");
    } else {
      code = ExitCodeFromStatus(exit_status_);
    }
    if (!code.ok()) return code.status();
    result_.exit_code = *code;
    return result_;
  }

 private:
  asio::awaitable<void> Main() {
    transport_ = MakeCommandTransport(options_.transport, ioc_.get_executor());
    CommandStreams streams;
    streams.stdin = options_.stdin;
    streams.stderr = !options_.tty;
    streams.tty = options_.tty;
    absl::Status dialed = co_await transport_->Dial(url_, options_.protocols, streams);
    if (!dialed.ok()) {
      status_ = std::move(dialed);
      transport_->Abandon();
      co_return;
    }
    result_.protocol = transport_->protocol();
    if (options_.tty) SendTerminalSize();
    if (options_.handle_signals) {
      boost::system::error_code ignored;
      for (const int signo : {SIGWINCH, SIGINT, SIGTERM, SIGHUP}) signals_.add(signo, ignored);
      asio::co_spawn(ioc_, WatchSignals(), asio::detached);
    }
    if (options_.stdin) StartStdin();
    CommandHandlers handlers;
    handlers.stdout = [this](std::string_view data) { Write(*options_.out, data); };
    handlers.stderr = [this](std::string_view data) { Write(*options_.err, data); };
    handlers.status = [this](std::string_view data) {
      if (exit_status_.size() + data.size() <= kMaxStatus) exit_status_.append(data);
    };
    handlers.status_end = [this] { status_closed_ = true; };
    const absl::Status received = co_await transport_->Receive(handlers);
    reader_done_ = true;
    // The session is over: a close still under way (a detach, a signal) need not finish.
    transport_->Abandon();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    signals_.clear(ignored);
    StopStdin();
    // A close we asked for (a detach, a signal) ends the session as planned; after the
    // status, any end of the connection is the normal end.
    if (!received.ok() && !close_requested_ && exit_status_.empty() && !status_closed_) {
      status_ = received;
    }
  }

  static void Write(std::ostream& stream, std::string_view data) {
    stream.write(data.data(), static_cast<std::streamsize>(data.size()));
    stream.flush();
  }

  asio::awaitable<void> WatchSignals() {
    while (true) {
      boost::system::error_code ec;
      const int signo = co_await signals_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      if (signo == SIGWINCH) {
        if (options_.tty) SendTerminalSize();
        continue;
      }
      if (result_.signal != 0) {
        // A second signal: the user does not want to wait for the closing handshake.
        transport_->Abandon();
        co_return;
      }
      result_.signal = signo;
      RequestClose();
    }
  }

  void SendTerminalSize() {
    if (!options_.terminal_size || reader_done_) return;
    const std::optional<TerminalSize> size = options_.terminal_size();
    if (!size) return;
    transport_->SendResize(
        absl::StrCat(R"({"Width":)", size->width, R"(,"Height":)", size->height, "}"));
  }

  void RequestClose() {
    if (close_requested_ || reader_done_) return;
    close_requested_ = true;
    transport_->Close();
  }

  // -- stdin, on its own thread ---------------------------------------------------

  void StartStdin() {
    wake_ = OwnedFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    stdin_thread_ = std::thread([this] { ReadStdin(); });
  }

  void StopStdin() {
    {
      std::lock_guard lock(stdin_mu_);
      stdin_stopping_ = true;
    }
    stdin_cv_.notify_all();
    if (wake_.get() >= 0) {
      const std::uint64_t one = 1;
      // Best effort: a full counter wakes the reader just as well.
      [[maybe_unused]] const ssize_t ignored = ::write(wake_.get(), &one, sizeof(one));
    }
    if (stdin_thread_.joinable()) stdin_thread_.join();
  }

  void ReleaseStdin(std::size_t bytes) {
    {
      std::lock_guard lock(stdin_mu_);
      stdin_in_flight_ -= bytes;
    }
    stdin_cv_.notify_all();
  }

  // Hands stdin bytes to the transport, on the session's thread.
  void SendStdin(std::string data) {
    const std::size_t size = data.size();
    if (reader_done_) {
      ReleaseStdin(size);
      return;
    }
    transport_->SendStdin(std::move(data), [this, size] { ReleaseStdin(size); });
  }

  void ReadStdin() {
    DetachKeyFilter filter;
    std::string chunk(kStdinChunk, '\0');
    while (true) {
      {
        std::unique_lock lock(stdin_mu_);
        stdin_cv_.wait(lock,
                       [&] { return stdin_stopping_ || stdin_in_flight_ < kMaxStdinInFlight; });
        if (stdin_stopping_) return;
      }
      pollfd fds[2] = {{options_.stdin_fd, POLLIN, 0}, {wake_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents != 0) return;
      const ssize_t got = ::read(options_.stdin_fd, chunk.data(), chunk.size());
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) break;
      std::string data = chunk.substr(0, static_cast<std::size_t>(got));
      if (options_.detach_keys) data = filter.Feed(data);
      if (!data.empty()) {
        {
          std::lock_guard lock(stdin_mu_);
          stdin_in_flight_ += data.size();
        }
        asio::post(ioc_, [this, data = std::move(data)]() mutable { SendStdin(std::move(data)); });
      }
      if (filter.detached()) {
        asio::post(ioc_, [this] {
          result_.detached = true;
          RequestClose();
        });
        return;
      }
    }
    // The end of stdin (or an error reading it, which ends it as well).
    asio::post(ioc_, [this] {
      if (!reader_done_) transport_->CloseStdin();
    });
  }

  const std::string url_;
  const RemoteCommandOptions& options_;
  asio::io_context ioc_;
  asio::signal_set signals_{ioc_};
  bool close_requested_ = false;  // a detach or a signal: close once the queue is sent
  bool reader_done_ = false;      // the connection ended: nothing more is sent
  absl::Status status_;
  std::string exit_status_;     // the status channel's text
  bool status_closed_ = false;  // the server closed the status channel
  RemoteCommandResult result_;

  OwnedFd wake_;  // written to stop the stdin thread's poll
  std::mutex stdin_mu_;
  std::condition_variable stdin_cv_;
  std::size_t stdin_in_flight_ = 0;  // read from stdin, not yet written to the socket
  bool stdin_stopping_ = false;
  std::thread stdin_thread_;

  // Last: destroyed first, while what its callbacks use (the stdin accounting) and the
  // io_context still exist.
  std::shared_ptr<CommandTransport> transport_;
};

}  // namespace

absl::StatusOr<StreamTransport> ParseStreamTransport(std::string_view name) {
  if (name == "spdy") return StreamTransport::kSpdy;
  if (name == "websocket") return StreamTransport::kWebSocket;
  return absl::InvalidArgumentError(absl::StrCat("unknown transport \"",
                                                 absl::string_view(name.data(), name.size()),
                                                 "\": expected spdy or websocket"));
}

absl::StatusOr<StreamUrl> ParseStreamUrl(std::string_view std_url) {
  const absl::string_view url(std_url.data(), std_url.size());
  if (!url.empty() && url.front() == '/') {
    // crictl's default for a runtime that returns only a path: the kubelet's address.
    StreamUrl out;
    out.host = "127.0.0.1";
    out.port = "10250";
    out.target = std::string(url);
    return out;
  }
  StreamUrl out;
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "https://")) {
    out.tls = true;
  } else if (!absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "streaming URL \"", url, "\": expected http://HOST[:PORT]/PATH or https://..."));
  }
  const std::size_t end = rest.find_first_of("/?#");
  const absl::string_view authority = rest.substr(0, end);
  out.target = end == absl::string_view::npos ? "/" : std::string(rest.substr(end));
  if (out.target.front() != '/') out.target.insert(0, "/");
  if (const auto hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  absl::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("streaming URL \"", url, "\": unclosed ["));
    }
    out.host = std::string(authority.substr(1, close - 1));
    const absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError(absl::StrCat("streaming URL \"", url, "\": bad host"));
      }
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != absl::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty() || authority.find('@') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("streaming URL \"", url, "\": bad host"));
  }
  int number = out.tls ? 443 : 80;
  if (!port.empty() && (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535)) {
    return absl::InvalidArgumentError(absl::StrCat("streaming URL \"", url, "\": bad port"));
  }
  out.port = std::to_string(number);
  return out;
}

int ChannelProtocolVersion(std::string_view protocol) {
  absl::string_view name(protocol.data(), protocol.size());
  if (!absl::ConsumeSuffix(&name, "channel.k8s.io")) return 0;
  if (name.empty()) return 1;
  int version = 0;
  if (!absl::ConsumePrefix(&name, "v") || !absl::ConsumeSuffix(&name, ".") ||
      !absl::SimpleAtoi(name, &version) || version < 1) {
    return 0;
  }
  return version;
}

absl::StatusOr<int> ExitCodeFromStatus(std::string_view std_json) {
  const absl::string_view json(std_json.data(), std_json.size());
  const nlohmann::json status =
      nlohmann::json::parse(std_json, nullptr, /*allow_exceptions=*/false);
  if (!status.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the streaming server sent an unreadable status: ", json));
  }
  const std::string outcome = StringField(status, "status");
  if (outcome == "Success") return 0;
  if (StringField(status, "reason") == "NonZeroExitCode") {
    if (const std::optional<int> code = ExitCodeCause(status)) return *code;
  }
  std::string message = StringField(status, "message");
  if (message.empty()) message = absl::StrCat("the command failed (status ", json, ")");
  return absl::UnknownError(message);
}

std::string DetachKeyFilter::Feed(std::string_view input) {
  constexpr char kCtrlP = 0x10;
  constexpr char kCtrlQ = 0x11;
  std::string out;
  for (const char c : input) {
    if (detached_) break;
    if (pending_ctrl_p_) {
      pending_ctrl_p_ = false;
      if (c == kCtrlQ) {
        detached_ = true;
        break;
      }
      out.push_back(kCtrlP);
    }
    if (c == kCtrlP) {
      pending_ctrl_p_ = true;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<RemoteCommandResult> RunRemoteCommand(std::string_view url,
                                                     const RemoteCommandOptions& options) {
  RemoteCommandSession session(std::string(url), options);
  return session.Run();
}

std::string WithPortQuery(std::string_view url, std::uint16_t port) {
  std::string out(url);
  std::string fragment;
  if (const auto hash = out.find('#'); hash != std::string::npos) {
    fragment = out.substr(hash);
    out.resize(hash);
  }
  absl::StrAppend(&out, out.find('?') == std::string::npos ? "?" : "&", "port=", port, fragment);
  return out;
}

}  // namespace crio::ctl
