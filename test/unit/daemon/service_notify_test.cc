#include "service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace crio::daemon {
namespace {

// A datagram socket standing in for systemd's notify socket, bound to `address` as
// NOTIFY_SOCKET spells it.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& address) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, address.data(), address.size());
    if (address.front() == '@') addr.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length) == 0;
    ::setenv("NOTIFY_SOCKET", address.c_str(), 1);
  }
  ~NotifySocket() {
    ::close(fd_);
    ::unsetenv("NOTIFY_SOCKET");
  }
  bool bound() const { return bound_; }
  std::string Receive() const {
    char buf[256];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    return n < 0 ? "<nothing>" : std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

TEST(ServiceNotifyTest, ReachesASocketByPath) {
  char tmpl[] = "/tmp/crio-notify-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/notify";
  {
    NotifySocket socket(path);
    ASSERT_TRUE(socket.bound());
    ASSERT_TRUE(NotifyServiceManager("READY=1").ok());
    EXPECT_EQ(socket.Receive(), "READY=1");
    ASSERT_TRUE(NotifyServiceManager("STOPPING=1").ok());
    EXPECT_EQ(socket.Receive(), "STOPPING=1");
  }
  std::filesystem::remove_all(tmpl);
}

TEST(ServiceNotifyTest, ReachesAnAbstractSocket) {
  NotifySocket socket("@crio-notify-test-" + std::to_string(::getpid()));
  ASSERT_TRUE(socket.bound());
  ASSERT_TRUE(NotifyServiceManager("RELOADING=1").ok());
  EXPECT_EQ(socket.Receive(), "RELOADING=1");
}

TEST(ServiceNotifyTest, WithoutASocketThereIsNobodyToTell) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(NotifyServiceManager("READY=1").ok());
}

TEST(ServiceNotifyTest, AnUnusableAddressIsAnError) {
  ::setenv("NOTIFY_SOCKET", "relative/notify", 1);
  EXPECT_EQ(NotifyServiceManager("READY=1").code(), absl::StatusCode::kInvalidArgument);
  ::setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);
  EXPECT_EQ(NotifyServiceManager("READY=1").code(), absl::StatusCode::kInvalidArgument);
  ::setenv("NOTIFY_SOCKET", "/nonexistent/crio-notify", 1);
  EXPECT_EQ(NotifyServiceManager("READY=1").code(), absl::StatusCode::kUnavailable);
  ::unsetenv("NOTIFY_SOCKET");
}

// Last in the file: once taken, the module keeps its own copy for the process.
TEST(ServiceNotifyTest, ATakenSocketIsGoneFromTheEnvironmentButStillTold) {
  NotifySocket socket("@crio-notify-taken-" + std::to_string(::getpid()));
  ASSERT_TRUE(socket.bound());
  TakeNotifySocketFromEnvironment();
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr) << "children would inherit it";
  ASSERT_TRUE(NotifyServiceManager("READY=1").ok());
  EXPECT_EQ(socket.Receive(), "READY=1");
}

}  // namespace
}  // namespace crio::daemon
