#include "crio/sandbox/port_connect.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace crio::sandbox {
namespace {

// A listening socket on 127.0.0.1 (port 0: any); returns its port.
int Listen(OwnedFd* out) {
  OwnedFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  if (::listen(fd.get(), 4) != 0) return -1;
  socklen_t len = sizeof(addr);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  *out = std::move(fd);
  return ntohs(addr.sin_port);
}

TEST(PortConnectTest, ConnectsInTheDaemonsNamespaceForHostNetworkPods) {
  OwnedFd listener;
  const int port = Listen(&listener);
  ASSERT_GT(port, 0);
  auto connected = ConnectInNetworkNamespace("", port);
  ASSERT_TRUE(connected.ok()) << connected.status();
  OwnedFd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_GE(accepted.get(), 0);
  ASSERT_EQ(::write(connected->get(), "hi", 2), 2);
  char buf[2];
  ASSERT_EQ(::read(accepted.get(), buf, 2), 2);
}

TEST(PortConnectTest, NothingListeningIsUnavailable) {
  OwnedFd listener;
  const int port = Listen(&listener);
  listener.Reset();
  auto connected = ConnectInNetworkNamespace("", port);
  EXPECT_EQ(connected.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(connected.status().message().find("127.0.0.1:" + std::to_string(port)),
            std::string::npos);
}

TEST(PortConnectTest, BadPortsAndMissingNamespacesAreRefused) {
  EXPECT_EQ(ConnectInNetworkNamespace("", 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConnectInNetworkNamespace("", 65536).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConnectInNetworkNamespace("/nonexistent/netns", 80).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// The pod's side: a thread in a network namespace of its own listens there; the
// connection must reach it through the namespace, not the host's loopback.
TEST(PortConnectTest, ConnectsInsideAnotherNetworkNamespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (unshare CLONE_NEWNET)";
  std::mutex mu;
  std::condition_variable cv;
  int port = 0;
  pid_t tid = 0;
  bool done = false;
  std::string error;
  std::thread pod([&] {
    std::unique_lock lock(mu);
    if (::unshare(CLONE_NEWNET) != 0) {
      error = "unshare";
    } else {
      // Loopback starts down in a new namespace.
      OwnedFd control(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      ifreq request{};
      std::strcpy(request.ifr_name, "lo");
      ::ioctl(control.get(), SIOCGIFFLAGS, &request);
      request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
      if (::ioctl(control.get(), SIOCSIFFLAGS, &request) != 0) error = "lo up";
    }
    OwnedFd listener;
    if (error.empty()) port = Listen(&listener);
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    cv.notify_all();
    cv.wait(lock, [&] { return done; });
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return tid != 0; });
  }
  ASSERT_TRUE(error.empty()) << error;
  const std::string netns = "/proc/self/task/" + std::to_string(tid) + "/ns/net";
  auto inside = ConnectInNetworkNamespace(netns, port);
  EXPECT_TRUE(inside.ok()) << inside.status();
  // The same port on the host's loopback has no listener (or another one).
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  pod.join();
}

}  // namespace
}  // namespace crio::sandbox
