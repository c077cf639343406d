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
#include <string>
#include <vector>

#include "crio/common/owned_fd.h"
#include "crio/streaming/server.h"
#include "fake_backend.h"

namespace crio::ctl::testing {

/// The streaming server on 127.0.0.1:0 with a FakeBackend: "echo", "exit N", "fail",
/// "cat", "resize" commands; attach echoes stdin; pod "pod1" has an echo server on
/// backend.echo_port().
class StreamingFixture {
 public:
  StreamingFixture() {
    auto started = streaming::Server::Start(streaming::ServerOptions{}, backend);
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
};

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

}  // namespace crio::ctl::testing
