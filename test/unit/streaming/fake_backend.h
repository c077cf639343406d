#pragma once

// A StreamingBackend for tests: commands by name instead of containers, and a TCP echo
// server on 127.0.0.1 standing in for a pod's port.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crio/streaming/backend.h"

namespace crio::streaming::testing {

class FakeBackend : public StreamingBackend {
 public:
  FakeBackend() {
    listen_ = OwnedFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_.get(), 16);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    echo_port_ = ntohs(addr.sin_port);
    echo_thread_ = std::thread([this] { EchoLoop(); });
  }

  ~FakeBackend() override {
    ::shutdown(listen_.get(), SHUT_RDWR);
    echo_thread_.join();
    for (auto& t : echoers_) t.join();
  }

  // Commands: echo ARGS (stdout, and "to stderr" on stderr), exit N, fail, cat (stdin to
  // stdout until its end or "EOF"), resize (prints two sizes), wait-for-gone.
  absl::StatusOr<int> Exec(const ExecSpec& spec, RemoteCommandStreams& streams) override {
    {
      std::lock_guard lock(mu_);
      last_exec_ = spec;
    }
    const std::string& name = spec.cmd.empty() ? std::string() : spec.cmd[0];
    if (name == "echo") {
      std::string line;
      for (std::size_t i = 1; i < spec.cmd.size(); ++i)
        absl::StrAppend(&line, i > 1 ? " " : "", spec.cmd[i]);
      streams.WriteStdout(line + "\n");
      if (spec.stderr) streams.WriteStderr("to stderr\n");
      return 0;
    }
    if (name == "exit") {
      int code = 0;
      (void)absl::SimpleAtoi(spec.cmd.at(1), &code);
      return code;
    }
    if (name == "fail") return absl::FailedPreconditionError("container \"c1\" is not running");
    if (name == "cat") {
      while (auto chunk = streams.ReadStdin()) {
        if (*chunk == "EOF") break;
        streams.WriteStdout(*chunk);
      }
      return 0;
    }
    if (name == "resize") {
      for (int i = 0; i < 2; ++i) {
        auto size = streams.NextResize();
        if (!size) return 1;
        streams.WriteStdout(absl::StrCat(size->width, "x", size->height, "\n"));
      }
      return 0;
    }
    if (name == "wait-for-gone") {
      pollfd pfd{streams.GoneFd(), POLLIN, 0};
      ::poll(&pfd, 1, 20000);
      std::lock_guard lock(mu_);
      gone_seen_ = streams.ClientGone();
      changed_.notify_all();
      return 137;
    }
    return absl::NotFoundError("no such command");
  }

  absl::Status Attach(const AttachSpec& spec, RemoteCommandStreams& streams) override {
    streams.WriteStdout("attached to " + spec.container_id + "\n");
    while (auto chunk = streams.ReadStdin()) streams.WriteStdout(*chunk);
    return absl::OkStatus();
  }

  absl::StatusOr<OwnedFd> PortForwardConnect(const std::string& pod_id,
                                             std::int32_t port) override {
    if (pod_id != "pod1") return absl::NotFoundError("no pod " + pod_id);
    if (port != echo_port_) return absl::UnavailableError("connection refused");
    OwnedFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return absl::UnavailableError("connect failed");
    }
    return fd;
  }

  ExecSpec last_exec() {
    std::lock_guard lock(mu_);
    return last_exec_;
  }
  int echo_port() const { return echo_port_; }
  bool WaitGoneSeen(std::chrono::seconds limit) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, limit, [&] { return gone_seen_; });
  }

 private:
  void EchoLoop() {
    while (true) {
      const int conn = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) return;
      echoers_.emplace_back([conn] {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(conn, buf, sizeof(buf))) > 0) {
          if (::write(conn, buf, static_cast<std::size_t>(n)) != n) break;
        }
        ::close(conn);
      });
    }
  }

  std::mutex mu_;
  std::condition_variable changed_;
  ExecSpec last_exec_;
  bool gone_seen_ = false;
  OwnedFd listen_;
  int echo_port_ = 0;
  std::thread echo_thread_;
  std::vector<std::thread> echoers_;
};

}  // namespace crio::streaming::testing
