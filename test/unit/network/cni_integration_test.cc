// The real Debian CNI plugins (containernetworking-plugins: bridge, host-local, portmap,
// loopback in /usr/lib/cni) driven by CniManager. Needs root; skips otherwise.
//
// Nothing touches the host's network: each scenario runs on a thread that first unshares
// its network namespace (and its mount namespace, private, so that the pod namespace's
// bind mount and a fresh /sys stay there). Plugins started from that thread inherit both,
// so the bridge, the veth's host end and portmap's iptables rules live in the test's own
// namespace, which goes away with the thread. The pod's namespace is made by a forked
// child that unshares another network namespace and bind-mounts it onto a temp file, as
// the daemon pins pod namespaces.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "cni_cache.h"
#include "crio/common/subprocess.h"
#include "crio/network/cni.h"

namespace crio::network {
namespace {

constexpr char kPluginDir[] = "/usr/lib/cni";

#define CRIO_REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root"

// Runs a command in the calling thread's namespaces; "" unless it exited 0.
std::string Sh(const std::vector<std::string>& argv, bool* ok = nullptr) {
  subprocess::Options options;
  options.argv = argv;
  options.timeout = std::chrono::milliseconds(20'000);
  auto result = subprocess::Run(options);
  const bool success = result.ok() && result->Success();
  if (ok != nullptr) *ok = success;
  return success ? result->stdout_data : "";
}

// Runs `body` on a thread with its own network and (private) mount namespaces.
void InPrivateNetwork(const std::function<void()>& body) {
  std::thread thread([&] {
    ASSERT_EQ(::unshare(CLONE_NEWNET | CLONE_NEWNS), 0) << std::strerror(errno);
    ASSERT_EQ(::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
        << std::strerror(errno);
    // /sys/class/net shows the namespace of whoever mounted sysfs: mount our own.
    ASSERT_EQ(::mount("sysfs", "/sys", "sysfs", 0, nullptr), 0) << std::strerror(errno);
    bool ok = false;
    Sh({"ip", "link", "set", "lo", "up"}, &ok);
    ASSERT_TRUE(ok);
    body();
  });
  thread.join();
}

// A new network namespace pinned on `path` (an existing file), from a forked child.
bool PinNewNetns(const std::string& path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(1);
    if (::mount("/proc/self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) ::_exit(2);
    ::_exit(0);
  }
  int status = 0;
  return pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

class CniIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRIO_REQUIRE_ROOT();
    for (const char* type : {"bridge", "host-local", "portmap", "loopback"}) {
      if (::access((std::string(kPluginDir) + "/" + type).c_str(), X_OK) != 0) {
        GTEST_SKIP() << "no " << type << " in " << kPluginDir;
      }
    }
    char tmpl[] = "/tmp/crio-cni-it-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    netns_ = root_ + "/podns";
    std::ofstream(netns_) << "";
    options_.plugin_dirs = {kPluginDir};
    options_.cache_dir = root_ + "/cache";
    options_.plugin_timeout = std::chrono::milliseconds(30'000);
    manager_ = NewCniManager(options_, *runner_);
    pod_.container_id = "4f2a9c0d1e7b";
    pod_.netns_path = netns_;
    pod_.pod_namespace = "default";
    pod_.pod_name = "web";
    pod_.pod_uid = "8d3c";
    pod_.capabilities.port_mappings = {{18080, 80, "TCP", ""}};
    // A bridge name nobody else uses (15 bytes at most).
    bridge_ = "crit" + std::to_string(::getpid() % 100000);
    auto network = ParseNetworkConfig(
        R"({"cniVersion": "1.0.0", "name": "crio-it", "plugins": [
          {"type": "bridge", "bridge": ")" +
            bridge_ + R"(", "isGateway": true, "ipMasq": true, "hairpinMode": true,
           "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.234.0.0/24"}]],
                    "routes": [{"dst": "0.0.0.0/0"}], "dataDir": ")" +
            root_ + R"(/ipam"}},
          {"type": "portmap", "capabilities": {"portMappings": true}}]})",
        "it.conflist", false);
    ASSERT_TRUE(network.ok()) << network.status();
    network_ = *network;
  }
  void TearDown() override {
    if (root_.empty()) return;
    ::umount2(netns_.c_str(), MNT_DETACH);
    std::filesystem::remove_all(root_);
  }

  // host-local keeps one file per allocated address in <dataDir>/<network>/.
  std::vector<std::string> Allocations() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root_ + "/ipam/crio-it", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("10.234.0.", 0) == 0) out.push_back(name);
    }
    return out;
  }
  std::string CacheFile() const {
    return CacheFilePath(options_.cache_dir, "crio-it", pod_.container_id, "eth0");
  }

  std::string root_;
  std::string netns_;
  std::string bridge_;
  CniOptions options_;
  std::unique_ptr<PluginRunner> runner_ = NewPluginRunner();
  std::unique_ptr<CniManager> manager_;
  PodAttachment pod_;
  CniNetwork network_;
  RequestContext ctx_{"it", "RunPodSandbox"};
};

TEST_F(CniIntegrationTest, AddCheckDelWithBridgeHostLocalAndPortmap) {
  InPrivateNetwork([&] {
    ASSERT_TRUE(PinNewNetns(netns_));
    auto added = manager_->Add(ctx_, network_, pod_);
    ASSERT_TRUE(added.ok()) << added.status();
    const std::string ip = added->ips.primary;
    EXPECT_EQ(ip.rfind("10.234.0.", 0), 0u) << ip;
    EXPECT_TRUE(added->ips.additional.empty());
    bool sandbox_named = false;
    for (const auto& iface : added->result.interfaces) {
      sandbox_named = sandbox_named || (iface.name == "eth0" && iface.sandbox == netns_);
    }
    EXPECT_TRUE(sandbox_named) << added->result_json;
    EXPECT_TRUE(std::filesystem::exists(CacheFile()));
    EXPECT_EQ(Allocations(), std::vector<std::string>{ip});

    const std::string addr =
        Sh({"nsenter", "--net=" + netns_, "ip", "-o", "-4", "addr", "show", "dev", "eth0"});
    EXPECT_NE(addr.find(" " + ip + "/24 "), std::string::npos) << addr;
    EXPECT_NE(Sh({"ip", "-o", "link", "show", "type", "veth"}).find("master " + bridge_),
              std::string::npos);
    EXPECT_NE(Sh({"iptables-save", "-t", "nat"}).find("18080"), std::string::npos)
        << "portmap got the mapping";

    // bridge (and host-local through it) pass CHECK. portmap 1.1.1 then looks for the
    // ip6tables chain of an IPv4-only pod (containernetworking/plugins#819, fixed in later
    // releases): CHECK must get that far and report the plugin's own words.
    auto checked = manager_->Check(ctx_, pod_);
    if (!checked.ok()) {
      EXPECT_NE(
          checked.status().message().find("plugin portmap CHECK failed: could not check ipv6 dnat"),
          std::string::npos)
          << checked.status();
    }

    ASSERT_TRUE(manager_->Del(ctx_, &network_, pod_).ok());
    bool eth0_left = true;
    Sh({"nsenter", "--net=" + netns_, "ip", "link", "show", "eth0"}, &eth0_left);
    EXPECT_FALSE(eth0_left);
    EXPECT_EQ(Sh({"ip", "-o", "link", "show", "type", "veth"}), "");
    EXPECT_TRUE(Allocations().empty());
    EXPECT_EQ(Sh({"iptables-save", "-t", "nat"}).find("18080"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(CacheFile()));

    // DEL again: nothing cached, the plugins run without prevResult and are fine.
    EXPECT_TRUE(manager_->Del(ctx_, &network_, pod_).ok());
  });
}

TEST_F(CniIntegrationTest, DelAfterThePodNamespaceIsGoneFreesTheAddress) {
  InPrivateNetwork([&] {
    ASSERT_TRUE(PinNewNetns(netns_));
    auto added = manager_->Add(ctx_, network_, pod_);
    ASSERT_TRUE(added.ok()) << added.status();
    ASSERT_EQ(Allocations().size(), 1u);

    // The pod's namespace goes first (the daemon died, the pin was unmounted): the
    // file stays behind, no longer a namespace, and the veth went with the namespace.
    ASSERT_EQ(::umount2(netns_.c_str(), MNT_DETACH), 0);
    auto restarted = NewCniManager(options_, *runner_);
    auto deleted = restarted->Del(ctx_, nullptr, pod_);
    ASSERT_TRUE(deleted.ok()) << deleted;
    EXPECT_TRUE(Allocations().empty());
    EXPECT_EQ(Sh({"iptables-save", "-t", "nat"}).find("18080"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(CacheFile()));
  });
}

TEST_F(CniIntegrationTest, LoopbackAsANetworkOfItsOwn) {
  InPrivateNetwork([&] {
    ASSERT_TRUE(PinNewNetns(netns_));
    auto lo = ParseNetworkConfig(
        R"({"cniVersion": "1.0.0", "name": "lo-it", "plugins": [{"type": "loopback"}]})",
        "lo.conflist", false);
    ASSERT_TRUE(lo.ok());
    PodAttachment pod = pod_;
    pod.ifname = "lo";
    auto added = manager_->Add(ctx_, *lo, pod);
    ASSERT_TRUE(added.ok()) << added.status();
    EXPECT_NE(Sh({"nsenter", "--net=" + netns_, "ip", "-o", "link", "show", "lo"}).find(",UP"),
              std::string::npos);
    EXPECT_TRUE(manager_->Del(ctx_, lo.operator->(), pod).ok());
  });
}

}  // namespace
}  // namespace crio::network
