#include "listener.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace crio::daemon {
namespace {

class SocketClaimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-listen-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/sub/crio.sock";
  }
  void TearDown() override {
    if (server_fd_ >= 0) ::close(server_fd_);
    std::filesystem::remove_all(dir_);
  }

  // Binds a socket at path_; listening or not decides whether it "answers".
  void BindSocket(bool listen) {
    std::filesystem::create_directories(dir_ + "/sub");
    server_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    ASSERT_EQ(::bind(server_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    if (listen) {
      ASSERT_EQ(::listen(server_fd_, 1), 0);
    } else {
      ::close(server_fd_);
      server_fd_ = -1;
    }
  }

  std::string dir_;
  std::string path_;
  int server_fd_ = -1;
};

TEST(SocketPathTest, AcceptsPathsAndUnixUrls) {
  EXPECT_EQ(*SocketPathFromListen("/var/run/crio/crio.sock"), "/var/run/crio/crio.sock");
  EXPECT_EQ(*SocketPathFromListen("unix:///var/run/crio/crio.sock"), "/var/run/crio/crio.sock");
  EXPECT_FALSE(SocketPathFromListen("tcp://127.0.0.1:10000").ok());
  EXPECT_FALSE(SocketPathFromListen("crio.sock").ok());
  EXPECT_FALSE(SocketPathFromListen("/" + std::string(200, 'x')).ok());
}

TEST_F(SocketClaimTest, FreshPathCreatesParentDir) {
  bool stale = true;
  auto claim = SocketClaim::Acquire(path_, &stale);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_FALSE(stale);
  EXPECT_TRUE(std::filesystem::is_directory(dir_ + "/sub"));
}

TEST_F(SocketClaimTest, StaleSocketIsRemoved) {
  BindSocket(/*listen=*/false);
  ASSERT_TRUE(std::filesystem::exists(path_));
  bool stale = false;
  auto claim = SocketClaim::Acquire(path_, &stale);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_TRUE(stale);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(SocketClaimTest, LiveSocketRefuses) {
  BindSocket(/*listen=*/true);
  bool stale = false;
  auto claim = SocketClaim::Acquire(path_, &stale);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(claim.status().message().find("another process is answering on " + path_),
            std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(SocketClaimTest, RegularFileIsNeverReplaced) {
  std::filesystem::create_directories(dir_ + "/sub");
  std::ofstream(path_) << "precious";
  bool stale = false;
  auto claim = SocketClaim::Acquire(path_, &stale);
  ASSERT_FALSE(claim.ok());
  EXPECT_NE(claim.status().message().find("is not a socket"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(SocketClaimTest, SecondClaimWhileFirstHeldRefuses) {
  bool stale = false;
  auto first = SocketClaim::Acquire(path_, &stale);
  ASSERT_TRUE(first.ok());
  auto second = SocketClaim::Acquire(path_, &stale);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("already serving"), std::string::npos);
  { SocketClaim released = std::move(*first); }
  EXPECT_TRUE(SocketClaim::Acquire(path_, &stale).ok());
}

}  // namespace
}  // namespace crio::daemon
