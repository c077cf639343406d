// CniManager against a fake plugin runner: what each plugin is given (stdin, env), in
// which order plugins run, the result cache, and failure handling.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cni_cache.h"
#include "crio/network/cni.h"
#include "fake_plugin_runner.h"

namespace crio::network {
namespace {

using nlohmann::json;

constexpr char kBridgeResult[] = R"({"cniVersion": "1.0.0",
  "interfaces": [{"name": "cni0", "mac": "aa:bb:cc:00:00:01"},
                 {"name": "veth1234", "mac": "aa:bb:cc:00:00:02"},
                 {"name": "eth0", "mac": "aa:bb:cc:00:00:03", "sandbox": "/var/run/netns/pod1"}],
  "ips": [{"address": "fd00:10:88::5/64", "gateway": "fd00:10:88::1", "interface": 2},
          {"address": "10.88.0.5/16", "gateway": "10.88.0.1", "interface": 2}],
  "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]})";

constexpr char kList[] = R"({"cniVersion": "1.0.0", "name": "crio", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.0.0/16"}]]},
   "capabilities": {"ips": true}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]})";

class CniManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-cni-manager-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ + "/bin");
    for (const char* type : {"bridge", "portmap", "bandwidth", "tuning", "firewall"}) {
      const std::string path = root_ + "/bin/" + type;
      std::ofstream(path) << "#!/bin/sh\nexit 99\n";
      ::chmod(path.c_str(), 0755);
    }
    options_.plugin_dirs = {root_ + "/missing", root_ + "/bin"};
    options_.cache_dir = root_ + "/cache";
    options_.plugin_timeout = std::chrono::milliseconds(5000);
    options_.path_env = "/usr/sbin:/usr/bin";
    manager_ = NewCniManager(options_, runner_);

    pod_.container_id = "pod1";
    pod_.netns_path = "/var/run/netns/pod1";
    pod_.pod_namespace = "default";
    pod_.pod_name = "nginx";
    pod_.pod_uid = "uid-1";
    pod_.capabilities.port_mappings = {{8080, 80, "TCP", ""}};

    // Plugins answer ADD with the bridge result (or what came before), DEL/CHECK with
    // nothing.
    runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
      if (call.command != "ADD") return PluginOk();
      if (call.type == "bridge") return PluginOk(kBridgeResult);
      return PluginOk(json::parse(call.stdin_data)["prevResult"].dump());
    };
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static CniNetwork Network(const std::string& text) {
    auto network = ParseNetworkConfig(text, "test.conflist", /*single_plugin=*/false);
    EXPECT_TRUE(network.ok()) << network.status();
    return *network;
  }
  static json Stdin(const PluginInvocation& call) { return json::parse(call.stdin_data); }
  static std::string Env(const PluginInvocation& call, const std::string& name) {
    for (const std::string& var : call.env) {
      if (var.rfind(name + "=", 0) == 0) return var.substr(name.size() + 1);
    }
    return "<unset>";
  }
  std::string CacheFile(const std::string& network = "crio") const {
    return CacheFilePath(options_.cache_dir, network, pod_.container_id, pod_.ifname);
  }

  std::string root_;
  CniOptions options_;
  FakePluginRunner runner_;
  std::unique_ptr<CniManager> manager_;
  PodAttachment pod_;
  RequestContext ctx_{"test", "RunPodSandbox"};
};

TEST_F(CniManagerTest, AddChainsPrevResultAndReturnsThePodIps) {
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.type == "bridge") return PluginOk(kBridgeResult);
    // portmap passes prevResult on, with something of its own to show whose result wins.
    json result = json::parse(call.stdin_data)["prevResult"];
    result["dns"] = {{"nameservers", {"10.88.0.1"}}};
    return PluginOk(result.dump());
  };
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(runner_.Sequence(), (std::vector<std::string>{"bridge ADD", "portmap ADD"}));

  const json bridge = Stdin(runner_.calls[0]);
  EXPECT_EQ(bridge["name"], "crio");
  EXPECT_EQ(bridge["cniVersion"], "1.0.0");
  EXPECT_EQ(bridge["bridge"], "cni0");
  EXPECT_EQ(bridge["ipam"]["type"], "host-local");
  EXPECT_FALSE(bridge.contains("prevResult"));
  EXPECT_FALSE(bridge.contains("capabilities")) << "the spec has the runtime remove it";
  EXPECT_FALSE(bridge.contains("runtimeConfig")) << "ips is declared but not offered";

  const json portmap = Stdin(runner_.calls[1]);
  EXPECT_EQ(portmap["name"], "crio");
  EXPECT_EQ(portmap["prevResult"], json::parse(kBridgeResult));

  EXPECT_EQ(added->network_name, "crio");
  EXPECT_EQ(added->ifname, "eth0");
  EXPECT_EQ(added->ips.primary, "10.88.0.5");
  EXPECT_EQ(added->ips.additional, (std::vector<std::string>{"fd00:10:88::5"}));
  EXPECT_EQ(json::parse(added->result_json)["dns"]["nameservers"][0], "10.88.0.1");
  EXPECT_EQ(added->result.dns.nameservers, (std::vector<std::string>{"10.88.0.1"}));
}

TEST_F(CniManagerTest, RuntimeConfigReachesOnlyPluginsDeclaringTheCapability) {
  const std::string list = R"({"cniVersion": "1.0.0", "name": "crio", "plugins": [
    {"type": "bridge"},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "bandwidth", "capabilities": {"bandwidth": true}},
    {"type": "tuning", "capabilities": {"dns": true, "portMappings": false},
     "runtimeConfig": {"mac": "static"}}]})";
  pod_.capabilities.port_mappings = {
      {8080, 80, "TCP", ""}, {0, 53, "UDP", ""}, {9443, 443, "SCTP", "127.0.0.1"}};
  pod_.capabilities.dns = DnsConfig{{"10.96.0.10"}, {"default.svc.cluster.local"}, {"ndots:5"}};
  pod_.capabilities.bandwidth = BandwidthLimits{1'000'000, 34'359'738'359, 2'000'000, 1'000};
  ASSERT_TRUE(manager_->Add(ctx_, Network(list), pod_).ok());
  ASSERT_EQ(runner_.calls.size(), 4u);

  EXPECT_FALSE(Stdin(runner_.calls[0]).contains("runtimeConfig"));
  EXPECT_EQ(Stdin(runner_.calls[1])["runtimeConfig"], json::parse(R"({"portMappings": [
    {"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
    {"hostPort": 9443, "containerPort": 443, "protocol": "sctp", "hostIP": "127.0.0.1"}]})"))
      << "no host port: nothing to map, and portmap rejects it";
  EXPECT_EQ(Stdin(runner_.calls[2])["runtimeConfig"], json::parse(R"({"bandwidth": {
    "ingressRate": 1000000, "ingressBurst": 34359738359,
    "egressRate": 2000000, "egressBurst": 1000}})"));
  EXPECT_EQ(Stdin(runner_.calls[3])["runtimeConfig"], json::parse(R"({"dns": {
    "servers": ["10.96.0.10"], "searches": ["default.svc.cluster.local"],
    "options": ["ndots:5"]}})"))
      << "portMappings: false is not a declaration";
}

TEST_F(CniManagerTest, PluginEnvironmentIsPathAndTheCniVariablesOnly) {
  ASSERT_TRUE(manager_->Add(ctx_, Network(kList), pod_).ok());
  const PluginInvocation& call = runner_.calls[0];
  EXPECT_EQ(call.path, root_ + "/bin/bridge");
  EXPECT_EQ(call.timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(call.env, (std::vector<std::string>{
                          "PATH=/usr/sbin:/usr/bin", "CNI_COMMAND=ADD", "CNI_CONTAINERID=pod1",
                          "CNI_NETNS=/var/run/netns/pod1", "CNI_IFNAME=eth0",
                          "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=nginx;"
                          "K8S_POD_INFRA_CONTAINER_ID=pod1;K8S_POD_UID=uid-1",
                          "CNI_PATH=" + root_ + "/missing:" + root_ + "/bin"}));
}

TEST_F(CniManagerTest, DelAfterRestartUsesTheCacheInReverseOrderAndDropsIt) {
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_TRUE(added.ok()) << added.status();
  struct stat st {};
  ASSERT_EQ(::stat(CacheFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A new daemon: a new manager, and a stop request that knows only the pod.
  FakePluginRunner runner;
  auto manager = NewCniManager(options_, runner);
  PodAttachment stop = pod_;
  stop.capabilities = {};
  stop.netns_path = "/proc/self/ns/net";
  ASSERT_TRUE(manager->Del(ctx_, /*network=*/nullptr, stop).ok());
  EXPECT_EQ(runner.Sequence(), (std::vector<std::string>{"portmap DEL", "bridge DEL"}));
  for (const auto& call : runner.calls) {
    EXPECT_EQ(Stdin(call)["prevResult"], json::parse(added->result_json));
    EXPECT_EQ(Env(call, "CNI_NETNS"), "/proc/self/ns/net");
    EXPECT_EQ(Env(call, "CNI_ARGS"),
              "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=nginx;"
              "K8S_POD_INFRA_CONTAINER_ID=pod1;K8S_POD_UID=uid-1");
  }
  EXPECT_EQ(Stdin(runner.calls[0])["runtimeConfig"]["portMappings"][0]["hostPort"], 8080)
      << "DEL repeats the ADD's capability arguments";
  EXPECT_FALSE(std::filesystem::exists(CacheFile()));

  // Again: nothing cached and no network, nothing to run.
  runner.calls.clear();
  EXPECT_TRUE(manager->Del(ctx_, nullptr, stop).ok());
  EXPECT_TRUE(runner.calls.empty());
}

TEST_F(CniManagerTest, DelPassesAnEmptyNetnsWhenTheNamespaceIsGone) {
  ASSERT_TRUE(manager_->Add(ctx_, Network(kList), pod_).ok());
  runner_.calls.clear();
  PodAttachment stop = pod_;
  stop.netns_path = root_ + "/gone";
  ASSERT_TRUE(manager_->Del(ctx_, nullptr, stop).ok());
  ASSERT_EQ(runner_.calls.size(), 2u);
  EXPECT_EQ(Env(runner_.calls[0], "CNI_NETNS"), "");
  EXPECT_EQ(Env(runner_.calls[1], "CNI_NETNS"), "");

  // A pin file whose namespace was unmounted is still there, but no namespace.
  ASSERT_TRUE(manager_->Add(ctx_, Network(kList), pod_).ok());
  runner_.calls.clear();
  std::ofstream(root_ + "/unmounted") << "";
  stop.netns_path = root_ + "/unmounted";
  ASSERT_TRUE(manager_->Del(ctx_, nullptr, stop).ok());
  EXPECT_EQ(Env(runner_.calls[0], "CNI_NETNS"), "");
}

TEST_F(CniManagerTest, DelWithoutCacheRunsTheNetworkWithoutPrevResult) {
  ASSERT_TRUE(manager_->Del(ctx_, nullptr, pod_).ok());
  EXPECT_TRUE(runner_.calls.empty());

  const CniNetwork network = Network(kList);
  ASSERT_TRUE(manager_->Del(ctx_, &network, pod_).ok());
  EXPECT_EQ(runner_.Sequence(), (std::vector<std::string>{"portmap DEL", "bridge DEL"}));
  EXPECT_FALSE(Stdin(runner_.calls[0]).contains("prevResult"));
  EXPECT_EQ(Stdin(runner_.calls[0])["runtimeConfig"]["portMappings"][0]["containerPort"], 80);
}

TEST_F(CniManagerTest, OldListVersionsGetNoPrevResultOnDelAndNoCheck) {
  const std::string list = R"({"cniVersion": "0.3.1", "name": "old", "plugins": [
    {"type": "bridge"}, {"type": "portmap", "capabilities": {"portMappings": true}}]})";
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.command != "ADD") return PluginOk();
    return PluginOk(R"({"cniVersion": "0.3.1", "ips": [
      {"version": "4", "address": "10.1.0.2/24", "gateway": "10.1.0.1"}]})");
  };
  ASSERT_TRUE(manager_->Add(ctx_, Network(list), pod_).ok());
  runner_.calls.clear();
  auto checked = manager_->Check(ctx_, pod_);
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(checked->ips.primary, "10.1.0.2");
  EXPECT_TRUE(runner_.calls.empty()) << "CHECK came with 0.4.0";
  ASSERT_TRUE(manager_->Del(ctx_, nullptr, pod_).ok());
  ASSERT_EQ(runner_.calls.size(), 2u);
  EXPECT_FALSE(Stdin(runner_.calls[0]).contains("prevResult"));
}

TEST_F(CniManagerTest, FailedAddRunsDelOverTheWholeChainWithTheLastGoodResult) {
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.command == "DEL") return PluginOk();
    if (call.type == "bridge") return PluginOk(kBridgeResult);
    return PluginFails(1, R"({"cniVersion": "1.0.0", "code": 7, "msg": "invalid config",
                              "details": "no chain name"})");
  };
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(added.status().message(),
            "CNI network \"crio\", pod default/nginx (pod1): plugin portmap ADD failed: "
            "invalid config: no chain name (CNI error code 7)");
  EXPECT_EQ(runner_.Sequence(),
            (std::vector<std::string>{"bridge ADD", "portmap ADD", "portmap DEL", "bridge DEL"}));
  EXPECT_EQ(Stdin(runner_.calls[2])["prevResult"], json::parse(kBridgeResult));
  EXPECT_EQ(Env(runner_.calls[3], "CNI_COMMAND"), "DEL");
  EXPECT_FALSE(std::filesystem::exists(CacheFile()));
}

TEST_F(CniManagerTest, UndoGoesOnPastAFailingDelAndReportsBoth) {
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.type == "bridge") return PluginOk(call.command == "ADD" ? kBridgeResult : "");
    return PluginFails(1, "", call.command == "ADD" ? "iptables: lock held" : "no such chain");
  };
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(runner_.Sequence(),
            (std::vector<std::string>{"bridge ADD", "portmap ADD", "portmap DEL", "bridge DEL"}));
  EXPECT_NE(added.status().message().find(
                "plugin portmap ADD failed: iptables: lock held (exit status 1); DEL to undo it "
                "failed too: plugin portmap DEL failed: no such chain (exit status 1)"),
            std::string::npos)
      << added.status();
}

TEST_F(CniManagerTest, TryAgainLaterIsUnavailable) {
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.command != "ADD") return PluginOk();
    return PluginFails(1, R"({"code": 11, "msg": "ipam busy"})");
  };
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  EXPECT_EQ(added.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(added.status().message().find("ipam busy (CNI error code 11)"), std::string::npos);
}

TEST_F(CniManagerTest, AHungPluginIsNamedAndTheChainUndone) {
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.command == "ADD") return PluginTimedOut();
    return PluginOk();
  };
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(
      added.status().message().find("plugin bridge ADD timed out after 5000ms and was killed"),
      std::string::npos)
      << added.status();
  EXPECT_EQ(runner_.Sequence(),
            (std::vector<std::string>{"bridge ADD", "portmap DEL", "bridge DEL"}));
}

TEST_F(CniManagerTest, StderrIsQuotedBoundedWhenThereIsNoJsonError) {
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.command != "ADD") return PluginOk();
    return PluginFails(2, "not json", std::string(20000, 'x') + " netlink: permission denied\n");
  };
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_FALSE(added.ok());
  const std::string message(added.status().message());
  EXPECT_NE(message.find("plugin bridge ADD failed: ..."), std::string::npos);
  EXPECT_NE(message.find("netlink: permission denied (exit status 2)"), std::string::npos);
  EXPECT_LT(message.size(), 4500u);
}

TEST_F(CniManagerTest, MalformedResultsAreInvalidArgumentAndUndone) {
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.command != "ADD") return PluginOk();
    if (call.type == "bridge") return PluginOk(kBridgeResult);
    return PluginOk(R"({"cniVersion": "1.0.0", "ips": [{"address": "10.88.0.5"}]})");
  };
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(added.status().message().find("ips[0].address"), std::string::npos);
  EXPECT_EQ(runner_.calls.size(), 4u);
  EXPECT_FALSE(std::filesystem::exists(CacheFile()));

  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    return PluginOk(call.command == "ADD" && call.type == "bridge" ? "ok" : "");
  };
  added = manager_->Add(ctx_, Network(kList), pod_);
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(added.status().message().find("plugin bridge ADD printed a result that is not a JSON"),
            std::string::npos);

  runner_.handler = nullptr;  // everything succeeds and prints nothing
  added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_FALSE(added.ok());
  EXPECT_NE(added.status().message().find("plugin bridge ADD printed no result"),
            std::string::npos);
}

TEST_F(CniManagerTest, AFailedDelStopsAndKeepsTheCacheForARetry) {
  ASSERT_TRUE(manager_->Add(ctx_, Network(kList), pod_).ok());
  runner_.calls.clear();
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.type == "portmap") return PluginFails(1, R"({"code": 5, "msg": "iptables failed"})");
    return PluginOk();
  };
  auto deleted = manager_->Del(ctx_, nullptr, pod_);
  ASSERT_FALSE(deleted.ok());
  EXPECT_NE(deleted.message().find("plugin portmap DEL failed: iptables failed"),
            std::string::npos);
  EXPECT_EQ(runner_.Sequence(), (std::vector<std::string>{"portmap DEL"}));
  EXPECT_TRUE(std::filesystem::exists(CacheFile()));

  runner_.calls.clear();
  runner_.handler = nullptr;
  ASSERT_TRUE(manager_->Del(ctx_, nullptr, pod_).ok());
  EXPECT_EQ(runner_.Sequence(), (std::vector<std::string>{"portmap DEL", "bridge DEL"}));
  EXPECT_FALSE(std::filesystem::exists(CacheFile()));
}

TEST_F(CniManagerTest, CheckRunsInOrderWithTheCachedResult) {
  EXPECT_EQ(manager_->Check(ctx_, pod_).status().code(), absl::StatusCode::kNotFound);
  auto added = manager_->Add(ctx_, Network(kList), pod_);
  ASSERT_TRUE(added.ok());
  runner_.calls.clear();
  auto checked = manager_->Check(ctx_, pod_);
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(runner_.Sequence(), (std::vector<std::string>{"bridge CHECK", "portmap CHECK"}));
  EXPECT_EQ(Stdin(runner_.calls[1])["prevResult"], json::parse(added->result_json));
  EXPECT_EQ(Env(runner_.calls[0], "CNI_NETNS"), "/var/run/netns/pod1");
  EXPECT_EQ(checked->ips.primary, "10.88.0.5");

  runner_.calls.clear();
  runner_.handler = [](const PluginInvocation& call) -> absl::StatusOr<subprocess::Result> {
    if (call.type == "bridge") return PluginFails(1, R"({"code": 100, "msg": "eth0 missing"})");
    return PluginOk();
  };
  auto failed = manager_->Check(ctx_, pod_);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("plugin bridge CHECK failed: eth0 missing"),
            std::string::npos);
  EXPECT_EQ(runner_.calls.size(), 1u);
}

TEST_F(CniManagerTest, DisableCheckSkipsCheck) {
  const std::string list = R"({"cniVersion": "1.0.0", "name": "quiet", "disableCheck": true,
    "plugins": [{"type": "bridge"}]})";
  ASSERT_TRUE(manager_->Add(ctx_, Network(list), pod_).ok());
  runner_.calls.clear();
  EXPECT_TRUE(manager_->Check(ctx_, pod_).ok());
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(CniManagerTest, CachedGivesTheIpsWithoutRunningAnything) {
  EXPECT_EQ(manager_->Cached("pod1", "eth0").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(manager_->Add(ctx_, Network(kList), pod_).ok());
  runner_.calls.clear();
  auto restarted = NewCniManager(options_, runner_);
  auto cached = restarted->Cached("pod1", "eth0");
  ASSERT_TRUE(cached.ok()) << cached.status();
  EXPECT_EQ(cached->network_name, "crio");
  EXPECT_EQ(cached->ips.primary, "10.88.0.5");
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(CniManagerTest, AMissingPluginBinaryIsAFailedPrecondition) {
  const std::string list =
      R"({"cniVersion": "1.0.0", "name": "crio", "plugins": [{"type": "nope"}]})";
  auto added = manager_->Add(ctx_, Network(list), pod_);
  EXPECT_EQ(added.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(added.status().message().find("no \"nope\" in"), std::string::npos);
}

TEST_F(CniManagerTest, BadAttachmentParametersAreRejectedBeforeAnyPluginRuns) {
  const CniNetwork network = Network(kList);
  for (const auto& [id, ifname] :
       std::vector<std::pair<std::string, std::string>>{{"", "eth0"},
                                                        {"../etc", "eth0"},
                                                        {"pod+1", "eth0"},
                                                        {"pod1", ""},
                                                        {"pod1", "eth0/x"},
                                                        {"pod1", "a name"},
                                                        {"pod1", "sixteen-bytes-xx"}}) {
    PodAttachment pod = pod_;
    pod.container_id = id;
    pod.ifname = ifname;
    EXPECT_EQ(manager_->Add(ctx_, network, pod).status().code(), absl::StatusCode::kInvalidArgument)
        << id << " " << ifname;
    EXPECT_EQ(manager_->Del(ctx_, &network, pod).code(), absl::StatusCode::kInvalidArgument);
  }
  PodAttachment no_netns = pod_;
  no_netns.netns_path = "";
  EXPECT_EQ(manager_->Add(ctx_, network, no_netns).status().code(),
            absl::StatusCode::kInvalidArgument);
  CniNetwork bad_name = network;
  bad_name.name = "my net";
  EXPECT_EQ(manager_->Add(ctx_, bad_name, pod_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(CniManagerTest, AnUnusableCacheFileFallsBackToTheNetwork) {
  std::filesystem::create_directories(options_.cache_dir);
  std::ofstream(CacheFile("crio")) << "{truncated";
  EXPECT_EQ(manager_->Cached("pod1", "eth0").status().code(), absl::StatusCode::kDataLoss);

  auto without_network = manager_->Del(ctx_, nullptr, pod_);
  EXPECT_EQ(without_network.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(CacheFile("crio")));

  const CniNetwork network = Network(kList);
  ASSERT_TRUE(manager_->Del(ctx_, &network, pod_).ok());
  EXPECT_EQ(runner_.Sequence(), (std::vector<std::string>{"portmap DEL", "bridge DEL"}));
  EXPECT_FALSE(Stdin(runner_.calls[0]).contains("prevResult"));
  EXPECT_FALSE(std::filesystem::exists(CacheFile("crio")));
}

}  // namespace
}  // namespace crio::network
