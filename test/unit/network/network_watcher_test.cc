// The network readiness watcher: inotify on the config and plugin dirs, in temp dirs.

#include "crio/network/network_watcher.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

namespace crio::network {
namespace {

constexpr char kList[] =
    R"({"cniVersion": "1.0.0", "name": "crio", "plugins": [{"type": "bridge"}]})";

class NetworkWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-cni-watch-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ + "/net.d");
    std::filesystem::create_directories(root_ + "/bin");
    search_ = CniSearch{root_ + "/net.d", {root_ + "/bin"}, ""};
    options_.settle = std::chrono::milliseconds(20);
    options_.retry = std::chrono::milliseconds(50);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void InstallBridge() {
    const std::string path = root_ + "/bin/bridge";
    std::ofstream(path) << "#!/bin/sh\n";
    ::chmod(path.c_str(), 0755);
  }
  // inotify delivers asynchronously: wait (bounded) until the watcher sees it.
  static bool Eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 500; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }

  std::string root_;
  CniSearch search_;
  NetworkWatcherOptions options_;
};

TEST_F(NetworkWatcherTest, BecomesReadyWhenAConfigAndItsPluginAppearAndUnreadyWhenRemoved) {
  auto watcher = StartNetworkWatcher(search_, options_);
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  auto& w = **watcher;
  EXPECT_EQ(w.Generation(), 1u);
  EXPECT_EQ(w.Current().status().code(), absl::StatusCode::kFailedPrecondition);

  std::ofstream(root_ + "/net.d/10-crio.conflist") << kList;
  ASSERT_TRUE(Eventually([&] {
    return w.Current().status().message().find("plugin \"bridge\" not found") != std::string::npos;
  })) << w.Current().status();

  InstallBridge();
  ASSERT_TRUE(Eventually([&] { return w.Current().ok(); })) << w.Current().status();
  EXPECT_EQ(w.Current()->name, "crio");

  std::filesystem::remove(root_ + "/net.d/10-crio.conflist");
  ASSERT_TRUE(Eventually([&] { return !w.Current().ok(); }));
}

TEST_F(NetworkWatcherTest, AConfigDirCreatedLaterIsPickedUp) {
  std::filesystem::remove_all(root_ + "/net.d");
  InstallBridge();
  auto watcher = StartNetworkWatcher(search_, options_);
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  auto& w = **watcher;
  EXPECT_FALSE(w.Current().ok());

  // Written elsewhere and renamed in, as providers do.
  std::filesystem::create_directories(root_ + "/net.d");
  std::ofstream(root_ + "/tmp.conflist") << kList;
  std::filesystem::rename(root_ + "/tmp.conflist", root_ + "/net.d/10-crio.conflist");
  ASSERT_TRUE(Eventually([&] { return w.Current().ok(); })) << w.Current().status();

  // The dir removed and made again: watched again.
  std::filesystem::remove_all(root_ + "/net.d");
  ASSERT_TRUE(Eventually([&] { return !w.Current().ok(); }));
  std::filesystem::create_directories(root_ + "/net.d");
  std::ofstream(root_ + "/net.d/10-crio.conflist") << kList;
  ASSERT_TRUE(Eventually([&] { return w.Current().ok(); })) << w.Current().status();
}

TEST_F(NetworkWatcherTest, RefreshLooksUpNowAndStopIsPrompt) {
  InstallBridge();
  std::ofstream(root_ + "/net.d/10-crio.conflist") << kList;
  options_.retry = std::chrono::hours(1);
  auto watcher = StartNetworkWatcher(search_, options_);
  ASSERT_TRUE(watcher.ok());
  EXPECT_TRUE((*watcher)->Current().ok());
  (*watcher)->Refresh();
  EXPECT_EQ((*watcher)->Generation(), 2u);
  const auto start = std::chrono::steady_clock::now();
  watcher->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace crio::network
