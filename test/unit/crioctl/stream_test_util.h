#pragma once

// What the stream client, port forwarder and streaming command tests share: the real
// streaming server over loopback with the streaming module's fake backend, pipes, and
// bounded waits on descriptors (a broken client must fail a test, not hang it).

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fstream>

#include "crio/common/owned_fd.h"
#include "crio/streaming/server.h"
#include "fake_backend.h"
#include "fake_cri_server.h"
#include "test_certs.h"

namespace crio::ctl::testing {

/// The streaming server on 127.0.0.1:0 with a FakeBackend: "echo", "exit N", "fail",
/// "cat", "resize" commands; attach echoes stdin; pod "pod1" has an echo server on
/// backend.echo_port(). With `tls`, it serves https only, with a certificate from a
/// throwaway CA that no client trusts.
class StreamingFixture {
 public:
  explicit StreamingFixture(bool tls = false) {
    streaming::ServerOptions options;
    if (tls) {
      const streaming::testing::TestCert ca = streaming::testing::MakeTestCa();
      const streaming::testing::TestCert cert = streaming::testing::MakeServerCert(ca);
      options.enable_tls = true;
      options.tls_cert = cert_dir_.path() + "/server.pem";
      options.tls_key = cert_dir_.path() + "/server-key.pem";
      std::ofstream(options.tls_cert) << cert.cert_pem;
      std::ofstream(options.tls_key) << cert.key_pem;
    }
    auto started = streaming::Server::Start(options, backend);
    if (started.ok()) server = std::move(*started);
  }

  std::string ExecUrl(std::vector<std::string> cmd, bool stdin = false, bool tty = false) {
    streaming::ExecSpec spec;
    spec.container_id = "c1";
    spec.cmd = std::move(cmd);
    spec.stdin = stdin;
    spec.stdout = true;
    spec.stderr = !tty;
    spec.tty = tty;
    return server->UrlFor(spec).value_or("");
  }

  std::string AttachUrl(const std::string& id, bool stdin) {
    streaming::AttachSpec spec;
    spec.container_id = id;
    spec.stdin = stdin;
    spec.stdout = true;
    spec.stderr = true;
    return server->UrlFor(spec).value_or("");
  }

  std::string PortForwardUrl(const std::string& pod_id) {
    streaming::PortForwardSpec spec;
    spec.pod_id = pod_id;
    return server->UrlFor(spec).value_or("");
  }

  streaming::testing::FakeBackend backend;
  std::unique_ptr<streaming::Server> server;

 private:
  TempDir cert_dir_;  // the server's certificate and key, with tls
};

/// The port of an "http://host:PORT" URL.
inline std::uint16_t PortOf(const std::string& base_url) {
  return static_cast<std::uint16_t>(std::stoi(base_url.substr(base_url.rfind(':') + 1)));
}

/// A pipe; either end may be closed early.
struct Pipe {
  Pipe() {
    int fds[2] = {-1, -1};
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      read_end = OwnedFd(fds[0]);
      write_end = OwnedFd(fds[1]);
    }
  }
  bool Write(const std::string& data) {
    return ::write(write_end.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size());
  }
  OwnedFd read_end;
  OwnedFd write_end;
};

/// Reads `fd` until `want` bytes came, its end, or 10 s without data.
inline std::string ReadFor(int fd, std::size_t want) {
  std::string out;
  char buffer[4096];
  while (out.size() < want) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 10000) <= 0) break;
    const ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got <= 0) break;
    out.append(buffer, static_cast<std::size_t>(got));
  }
  return out;
}

/// A TCP connection to 127.0.0.1:`port`; an invalid descriptor when refused.
inline OwnedFd ConnectLoopback(std::uint16_t port) {
  OwnedFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return OwnedFd();
  return fd;
}

/// A loopback port nothing listens on (bound, then released).
inline std::uint16_t UnusedPort() {
  OwnedFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

/// An HTTP server on 127.0.0.1 that answers every request with 404 and keeps the
/// request heads, to see how a client asked.
class RecordingHttpServer {
 public:
  RecordingHttpServer() : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener_.get(), 8) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~RecordingHttpServer() {
    ::shutdown(listener_.get(), SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
  }

  /// "http://127.0.0.1:PORT/exec/TOKEN".
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// The head of the last request ("" before the first).
  std::string last_request() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  void Serve() {
    while (true) {
      OwnedFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.get() < 0) return;
      std::string head;
      char buffer[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        pollfd pfd{conn.get(), POLLIN, 0};
        if (::poll(&pfd, 1, 10000) <= 0) break;
        const ssize_t got = ::read(conn.get(), buffer, sizeof(buffer));
        if (got <= 0) break;
        head.append(buffer, static_cast<std::size_t>(got));
      }
      {
        std::lock_guard lock(mu_);
        last_ = head.substr(0, head.find("\r\n\r\n"));
      }
      const std::string answer =
          "HTTP/1.1 404 Not Found\r\nContent-Length: 18\r\nConnection: close\r\n\r\n"
          "404 page not found";
      [[maybe_unused]] const ssize_t ignored = ::write(conn.get(), answer.data(), answer.size());
    }
  }

  OwnedFd listener_;
  std::uint16_t port_ = 0;
  std::mutex mu_;
  std::string last_;
  std::thread thread_;
};

}  // namespace crio::ctl::testing
