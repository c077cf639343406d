// Pod networking end to end: the real daemon running Debian's CNI plugins (bridge,
// host-local, portmap from /usr/lib/cni) for pods of busybox.
//
// Nothing touches the machine's network: the test process moves into a network
// namespace of its own before it starts anything, so the registry fixture, the daemon,
// the plugins, the bridge, the veths and the iptables rules all live there, and the
// host-side checks (ip, iptables-save, connecting to a host port) run in it too. The
// namespace goes away with the process. Addresses come from 10.235.0.0/24, IPAM state is
// kept in the test's temp dir.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_process.h"
#include "lifecycle_fixture.h"

namespace crio::e2e {
namespace {

constexpr char kSubnetPrefix[] = "10.235.0.";
constexpr char kGateway[] = "10.235.0.1";
constexpr char kNetworkName[] = "e2e-bridge";

// Sends nothing, reads what a server at ip:port says until it closes (or 3 s pass).
std::string ReadFromTcp(const std::string& ip, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    ::shutdown(fd, SHUT_WR);
    char buffer[256];
    pollfd poll_fd{fd, POLLIN, 0};
    while (::poll(&poll_fd, 1, 3000) > 0) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// The iptables rules and chains of every table, sorted, without counters.
std::multiset<std::string> IptablesRules() {
  std::multiset<std::string> rules;
  std::istringstream lines(RunCommand({"/usr/sbin/iptables-save"}).out);
  std::string line;
  while (std::getline(lines, line)) {
    // Table headers and COMMITs come and go with the tables' first use, not with pods.
    if (line.empty() || line[0] == '#' || line[0] == '*' || line == "COMMIT") continue;
    if (line[0] == ':') line = line.substr(0, line.find(' '));  // drop the counters
    rules.insert(line);
  }
  return rules;
}

std::string Veths() {
  return RunCommand({"/usr/sbin/ip", "-o", "link", "show", "type", "veth"}).out;
}

class NetworkTest : public LifecycleTest {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;  // SetUp skips
    // Only this thread moves, and the processes it starts: every later step runs on it.
    if (::unshare(CLONE_NEWNET) != 0) {
      ADD_FAILURE() << "unshare(CLONE_NEWNET): " << std::strerror(errno);
      return;
    }
    const CommandOutput lo = RunCommand({"/usr/sbin/ip", "link", "set", "lo", "up"});
    if (lo.exit_code != 0) ADD_FAILURE() << "ip link set lo up: " << lo.err;
    // A registry of the suite's own, listening in the namespace just made: the program's
    // shared one would listen in whichever namespace first asked for it.
    own_fixture_ = RegistryFixture::Start();
    fixture_ = own_fixture_.get();
  }
  static void TearDownTestSuite() {
    fixture_ = nullptr;
    own_fixture_.reset();
  }

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, iptables)";
    // Sorts before the fixture's loopback-only network, so pods join this one.
    dirs_.Write("net.d/10-e2e-bridge.conflist", BridgeConflist(""));
    LifecycleTest::SetUp();
  }

  // The bridge network, with `extra` plugins (JSON objects, comma-led) after portmap.
  std::string BridgeConflist(const std::string& extra) const {
    return R"({"cniVersion": "1.0.0", "name": ")" + std::string(kNetworkName) +
           R"(", "plugins": [
  {"type": "bridge", "bridge": "crioe2e0", "isGateway": true, "ipMasq": true,
   "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": ")" +
           IpamDir() + R"(",
            "ranges": [[{"subnet": "10.235.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}})" +
           extra + "]}";
  }

  std::string IpamDir() const { return dirs_.root() + "/ipam"; }

  // The addresses host-local has handed out and not taken back.
  std::vector<std::string> IpamAllocations() const {
    std::vector<std::string> allocated;
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(IpamDir() + "/" + kNetworkName, ec)) {
      const std::string name = entry.path().filename();
      if (name != "lock" && name.rfind("last_reserved_ip", 0) != 0) allocated.push_back(name);
    }
    return allocated;
  }

  v1::PodSandboxStatus PodStatus(const std::string& id) {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(id);
    v1::PodSandboxStatusResponse response;
    const grpc::Status status =
        daemon_->runtime().PodSandboxStatus(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  // A container answering every TCP connection on `port` with "pong-from-<hostname>".
  std::string StartServer(const std::string& pod, const v1::PodSandboxConfig& config, int port) {
    std::string id;
    const std::string loop =
        "while true; do echo pong-from-$(hostname) | nc -l -p " + std::to_string(port) + "; done";
    EXPECT_TRUE(Create(pod, config, ContainerConfig("server", {"sh", "-c", loop}), &id).ok())
        << daemon_->Log();
    EXPECT_TRUE(Start(id).ok()) << daemon_->Log();
    return id;
  }

  // Everything a pod's network needed is gone again.
  void ExpectNoNetworkLeft(const std::multiset<std::string>& rules_before) {
    EXPECT_EQ(Veths(), "") << "a veth is left";
    EXPECT_TRUE(IpamAllocations().empty())
        << "host-local still has " << IpamAllocations().front() << " allocated";
    std::error_code ec;
    EXPECT_TRUE(!std::filesystem::exists(dirs_.root() + "/run/ns/netns") ||
                std::filesystem::is_empty(dirs_.root() + "/run/ns/netns", ec))
        << "a pinned network namespace is left";
    EXPECT_TRUE(!std::filesystem::exists(dirs_.root() + "/lib/cni-cache") ||
                std::filesystem::is_empty(dirs_.root() + "/lib/cni-cache", ec))
        << "a cached CNI result is left";
    const std::multiset<std::string> rules_after = IptablesRules();
    std::vector<std::string> added;
    std::set_difference(rules_after.begin(), rules_after.end(), rules_before.begin(),
                        rules_before.end(), std::back_inserter(added));
    // portmap sets its shared chains up once per host and keeps them (CNI-HOSTPORT-MASQ,
    // -SETMARK, and the jumps into them): not a pod's. Per-pod rules jump to CNI-DN-*.
    std::erase_if(added, [](const std::string& rule) {
      return rule.find("CNI-HOSTPORT") != std::string::npos &&
             rule.find("CNI-DN-") == std::string::npos;
    });
    EXPECT_TRUE(added.empty()) << "an iptables rule is left: " << added.front();
  }

  inline static std::unique_ptr<RegistryFixture> own_fixture_;
};

TEST_F(NetworkTest, TwoPodsGetDistinctIpsAndReachEachOther) {
  const v1::PodSandboxConfig config_a = PodConfig("pod-a");
  const v1::PodSandboxConfig config_b = PodConfig("pod-b");
  std::string pod_a;
  std::string pod_b;
  ASSERT_TRUE(RunPod(config_a, &pod_a).ok()) << daemon_->Log();
  ASSERT_TRUE(RunPod(config_b, &pod_b).ok()) << daemon_->Log();
  const std::string ip_a = PodStatus(pod_a).network().ip();
  const std::string ip_b = PodStatus(pod_b).network().ip();
  EXPECT_EQ(ip_a.rfind(kSubnetPrefix, 0), 0u) << ip_a;
  EXPECT_EQ(ip_b.rfind(kSubnetPrefix, 0), 0u) << ip_b;
  EXPECT_NE(ip_a, ip_b);
  EXPECT_EQ(PodStatus(pod_a).network().additional_ips_size(), 0) << "an IPv4-only network";

  StartServer(pod_a, config_a, 8080);
  // The client's own init does the checks, and the test reads its log. An exec'd
  // process would be wrong where the daemon runs chrooted (CI's fresh-Debian chroot):
  // runc exec starts it at the mount namespace's root, the host's /, so it would read
  // the host's /etc/hosts and run the host's binaries.
  const std::string script = "cat /etc/hosts; for i in $(seq 1 100); do nc -w 3 " + ip_a +
                             " 8080 && break; sleep 0.2; done; sleep 3600";
  std::string client;
  ASSERT_TRUE(
      Create(pod_b, config_b, ContainerConfig("client", {"sh", "-c", script}), &client).ok())
      << daemon_->Log();
  ASSERT_TRUE(Start(client).ok()) << daemon_->Log();

  grpc::Status status;
  const auto addr = Exec(client, {"ip", "addr", "show", "eth0"}, &status, 10);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(addr.stdout().find(ip_b + "/24"), std::string::npos) << addr.stdout();

  // The server may not listen yet: the client retries for up to 20 s.
  const std::string log_path = config_b.log_directory() + "/client.log";
  std::string log;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (log.find("pong-from-pod-a") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::ifstream in(log_path);
    log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  EXPECT_NE(log.find(ip_b + "\tpod-b"), std::string::npos) << "the pod's /etc/hosts: " << log;
  EXPECT_NE(log.find("pong-from-pod-a"), std::string::npos) << "pod-b could not reach pod-a";

  // The traffic shows in the pods' network stats, read in their namespaces: eth0 (the
  // interface CNI made) is the default one, and loopback is left out.
  v1::PodSandboxStatsRequest stats_request;
  stats_request.set_pod_sandbox_id(pod_b);
  v1::PodSandboxStatsResponse stats;
  const grpc::Status stats_status =
      daemon_->runtime().PodSandboxStats(DaemonProcess::Context().get(), stats_request, &stats);
  ASSERT_TRUE(stats_status.ok()) << stats_status.error_message();
  const v1::NetworkUsage& network = stats.stats().linux().network();
  EXPECT_GT(network.timestamp(), 0);
  EXPECT_EQ(network.default_interface().name(), "eth0");
  EXPECT_GT(network.default_interface().rx_bytes().value(), 0u);
  EXPECT_GT(network.default_interface().tx_bytes().value(), 0u);
  ASSERT_EQ(network.interfaces_size(), 1) << stats.DebugString();
  EXPECT_EQ(network.interfaces(0).name(), "eth0");
  v1::ListPodSandboxStatsResponse listed;
  ASSERT_TRUE(daemon_->runtime()
                  .ListPodSandboxStats(DaemonProcess::Context().get(),
                                       v1::ListPodSandboxStatsRequest(), &listed)
                  .ok());
  ASSERT_EQ(listed.stats_size(), 2);
  for (const v1::PodSandboxStats& pod_stats : listed.stats()) {
    EXPECT_EQ(pod_stats.linux().network().default_interface().name(), "eth0")
        << pod_stats.attributes().id();
  }

  ASSERT_TRUE(RemovePod(pod_a).ok());
  ASSERT_TRUE(RemovePod(pod_b).ok());
  EXPECT_EQ(Veths(), "");
  EXPECT_TRUE(IpamAllocations().empty());
  ExpectNothingLeft();
}

TEST_F(NetworkTest, APortMappingIsReachableFromTheHost) {
  const std::multiset<std::string> rules_before = IptablesRules();
  v1::PodSandboxConfig config = PodConfig("web");
  v1::PortMapping* mapping = config.add_port_mappings();
  mapping->set_protocol(v1::TCP);
  mapping->set_container_port(8080);
  mapping->set_host_port(18080);
  v1::PortMapping* unmapped = config.add_port_mappings();  // no host port: no rule
  unmapped->set_container_port(9090);
  std::string pod;
  ASSERT_TRUE(RunPod(config, &pod).ok()) << daemon_->Log();
  StartServer(pod, config, 8080);

  // The test's namespace is the daemon's host: the gateway address is one of its own,
  // so portmap's OUTPUT rules forward it to the pod.
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (answer.find("pong-from-web") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    answer = ReadFromTcp(kGateway, 18080);
    if (answer.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_NE(answer.find("pong-from-web"), std::string::npos)
      << "host port 18080 did not reach the pod; iptables:\n"
      << RunCommand({"/usr/sbin/iptables-save", "-t", "nat"}).out;
  const std::string nat = RunCommand({"/usr/sbin/iptables-save", "-t", "nat"}).out;
  EXPECT_NE(nat.find("18080"), std::string::npos);
  EXPECT_EQ(nat.find("9090"), std::string::npos);

  ASSERT_TRUE(RemovePod(pod).ok());
  EXPECT_EQ(RunCommand({"/usr/sbin/iptables-save", "-t", "nat"}).out.find("18080"),
            std::string::npos)
      << "the port mapping's rules are left";
  ExpectNoNetworkLeft(rules_before);
  ExpectNothingLeft();
}

TEST_F(NetworkTest, AHungPluginFailsThePodCleanlyNamingIt) {
  // A plugin after bridge that never answers ADD (and does DEL): bridge's veth and
  // address must be rolled back when it is killed.
  dirs_.Write("cni-bin/e2e-hang",
              "#!/bin/sh\n"
              "if [ \"$CNI_COMMAND\" = ADD ]; then exec sleep 613; fi\n"
              "if [ \"$CNI_COMMAND\" = VERSION ]; then\n"
              "  echo '{\"cniVersion\": \"1.0.0\", \"supportedVersions\": [\"1.0.0\"]}'\n"
              "fi\n"
              "exit 0\n");
  ::chmod((dirs_.root() + "/cni-bin/e2e-hang").c_str(), 0755);
  dirs_.Write("net.d/05-hang.conflist", BridgeConflist(R"(, {"type": "e2e-hang"})"));
  const std::multiset<std::string> rules_before = IptablesRules();
  daemon_.reset();
  ::setenv("CRIO_CNI_PLUGIN_TIMEOUT", "2s", 1);
  StartDaemon();
  ::unsetenv("CRIO_CNI_PLUGIN_TIMEOUT");

  std::string pod;
  const auto started = std::chrono::steady_clock::now();
  const grpc::Status status = RunPod(PodConfig("hung"), &pod);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_message().find("e2e-hang"), std::string::npos) << status.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  EXPECT_TRUE(pod.empty());
  v1::ListPodSandboxResponse pods;
  ASSERT_TRUE(
      daemon_->runtime().ListPodSandbox(Context().get(), v1::ListPodSandboxRequest(), &pods).ok());
  EXPECT_EQ(pods.items_size(), 0);
  EXPECT_TRUE(ProcessesMentioning("sleep 613").empty()) << "the hung plugin was not killed";
  ExpectNoNetworkLeft(rules_before);
  ExpectNothingLeft();
}

TEST_F(NetworkTest, StopAfterARestartAndWithTheNamespaceGoneReleasesTheAddress) {
  v1::PodSandboxConfig config = PodConfig("restarted");
  v1::PortMapping* mapping = config.add_port_mappings();
  mapping->set_container_port(8080);
  mapping->set_host_port(18081);
  std::string pod;
  ASSERT_TRUE(RunPod(config, &pod).ok()) << daemon_->Log();
  const std::string ip = PodStatus(pod).network().ip();
  ASSERT_EQ(IpamAllocations(), std::vector<std::string>{ip});

  daemon_.reset();
  StartDaemon();
  EXPECT_EQ(PodStatus(pod).network().ip(), ip) << "the IP is kept across a restart";
  // The namespace goes (as after a reboot): its veth with it, the address stays taken.
  const std::string netns = dirs_.root() + "/run/ns/netns/" + pod;
  ASSERT_EQ(::umount2(netns.c_str(), MNT_DETACH), 0) << std::strerror(errno);
  EXPECT_EQ(IpamAllocations(), std::vector<std::string>{ip});

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  EXPECT_TRUE(IpamAllocations().empty()) << "DEL from the cache released the address";
  EXPECT_EQ(RunCommand({"/usr/sbin/iptables-save", "-t", "nat"}).out.find("18081"),
            std::string::npos);
  EXPECT_EQ(Veths(), "");
  ExpectNothingLeft();
}

TEST_F(NetworkTest, HostNetworkPodsSkipCni) {
  v1::PodSandboxConfig config = PodConfig("on-host");
  config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
      v1::NODE);
  std::string pod;
  ASSERT_TRUE(RunPod(config, &pod).ok()) << daemon_->Log();
  EXPECT_EQ(PodStatus(pod).network().ip(), "");
  EXPECT_TRUE(IpamAllocations().empty());
  EXPECT_EQ(Veths(), "");
  ASSERT_TRUE(RemovePod(pod).ok());
  ExpectNothingLeft();
}

// Leaks add up: 100 run/stop/remove cycles through bridge, host-local and portmap.
TEST_F(NetworkTest, HundredPodsLeaveNoNetworkBehind) {
  if (BinariesAreSanitized()) {
    GTEST_SKIP() << "runs without sanitizers only: under them the cycle adds minutes and no "
                    "coverage the other cases lack";
  }
  const auto cycle = [&](int i) {
    v1::PodSandboxConfig config = PodConfig("cycle-" + std::to_string(i));
    v1::PortMapping* mapping = config.add_port_mappings();
    mapping->set_container_port(80);
    mapping->set_host_port(20000 + i);
    std::string pod;
    ASSERT_TRUE(RunPod(config, &pod).ok()) << "cycle " << i << "\n" << daemon_->Log();
    ASSERT_EQ(PodStatus(pod).network().ip().rfind(kSubnetPrefix, 0), 0u);
    ASSERT_TRUE(RemovePod(pod).ok()) << "cycle " << i;
  };
  // The first pod makes the chains portmap and bridge keep for every pod.
  ASSERT_NO_FATAL_FAILURE(cycle(0));
  const std::multiset<std::string> rules_before = IptablesRules();
  for (int i = 1; i < 100; ++i) ASSERT_NO_FATAL_FAILURE(cycle(i));
  ExpectNoNetworkLeft(rules_before);
  ExpectNothingLeft();
}

}  // namespace
}  // namespace crio::e2e
