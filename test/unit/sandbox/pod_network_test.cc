// Pods and CNI: the attachment built from a pod request, the IPs a pod reports, and the
// pod manager's use of the CNI manager (ADD on Run, DEL on Stop/Remove and on any
// failure after ADD) against a recording fake, with real namespaces (root).

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crio/sandbox/pods.h"

namespace crio::sandbox {
namespace {

namespace stdfs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

PodRequest Request(const std::string& name) {
  PodRequest request;
  request.pod.name = name;
  request.pod.pod_namespace = "default";
  request.pod.uid = "uid-" + name;
  request.pod.hostname = name;
  return request;
}

network::PortMapping Mapping(int host_port, int container_port, const std::string& protocol,
                             const std::string& host_ip) {
  network::PortMapping mapping;
  mapping.host_port = host_port;
  mapping.container_port = container_port;
  mapping.protocol = protocol;
  mapping.host_ip = host_ip;
  return mapping;
}

TEST(AttachmentForTest, CarriesMetadataPortsDnsAndBandwidth) {
  PodRequest request = Request("web");
  request.pod.id = "abc";
  request.pod.netns_path = "/run/netns/abc";
  request.port_mappings = {Mapping(8080, 80, "tcp", ""), Mapping(0, 9090, "udp", ""),
                           Mapping(5353, 53, "udp", "127.0.0.1")};
  request.dns.servers = {"10.0.0.10"};
  request.dns.searches = {"default.svc.cluster.local"};
  request.pod.annotations = {{"kubernetes.io/ingress-bandwidth", "10M"}};
  request.pod.cgroup_parent = "/kubepods/burstable/poduid-web";
  auto attachment = AttachmentFor(request);
  ASSERT_TRUE(attachment.ok()) << attachment.status();
  EXPECT_EQ(attachment->container_id, "abc");
  EXPECT_EQ(attachment->netns_path, "/run/netns/abc");
  EXPECT_EQ(attachment->ifname, "eth0");
  EXPECT_EQ(attachment->pod_namespace, "default");
  EXPECT_EQ(attachment->pod_name, "web");
  EXPECT_EQ(attachment->pod_uid, "uid-web");
  const auto& ports = attachment->capabilities.port_mappings;
  ASSERT_EQ(ports.size(), 2u) << "the mapping without a host port is dropped";
  EXPECT_EQ(ports[0].host_port, 8080);
  EXPECT_EQ(ports[0].container_port, 80);
  EXPECT_EQ(ports[1].protocol, "udp");
  EXPECT_EQ(ports[1].host_ip, "127.0.0.1");
  ASSERT_TRUE(attachment->capabilities.dns.has_value());
  EXPECT_EQ(attachment->capabilities.dns->servers, std::vector<std::string>{"10.0.0.10"});
  ASSERT_TRUE(attachment->capabilities.bandwidth.has_value());
  EXPECT_EQ(attachment->capabilities.bandwidth->ingress_rate, 10'000'000u);
  EXPECT_EQ(attachment->capabilities.bandwidth->egress_rate, 0u);
  EXPECT_EQ(attachment->capabilities.cgroup_path, "/kubepods/burstable/poduid-web");
  EXPECT_EQ(attachment->capabilities.pod_annotations, request.pod.annotations);
}

TEST(AttachmentForTest, NoDnsNoBandwidthAndABadAnnotation) {
  PodRequest request = Request("plain");
  auto attachment = AttachmentFor(request);
  ASSERT_TRUE(attachment.ok()) << attachment.status();
  EXPECT_FALSE(attachment->capabilities.dns.has_value()) << "no DNS config: none offered";
  EXPECT_FALSE(attachment->capabilities.bandwidth.has_value());
  EXPECT_TRUE(attachment->capabilities.port_mappings.empty());

  request.pod.annotations = {{"kubernetes.io/egress-bandwidth", "lots"}};
  auto bad = AttachmentFor(request);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();
  EXPECT_NE(bad.status().message().find("egress-bandwidth"), std::string::npos) << bad.status();
}

TEST(PodIpsOfTest, DropsLoopbackAddresses) {
  EXPECT_EQ(PodIpsOf({.primary = "127.0.0.1", .additional = {"::1"}}).primary, "");
  EXPECT_TRUE(PodIpsOf({.primary = "127.0.0.1", .additional = {"::1"}}).additional.empty());
  const network::PodIps ips =
      PodIpsOf({.primary = "127.0.0.1", .additional = {"::1", "10.235.0.7", "fd00::7"}});
  EXPECT_EQ(ips.primary, "10.235.0.7");
  EXPECT_EQ(ips.additional, std::vector<std::string>{"fd00::7"});
  const network::PodIps dual = PodIpsOf({.primary = "10.0.0.2", .additional = {"fd00::2"}});
  EXPECT_EQ(dual.primary, "10.0.0.2");
  EXPECT_EQ(dual.additional, std::vector<std::string>{"fd00::2"});
}

// Records the calls; ADD answers `ips` or `add_error`.
class FakeCni : public network::CniManager {
 public:
  absl::StatusOr<network::AttachResult> Add(const RequestContext&, const network::CniNetwork&,
                                            const network::PodAttachment& pod) override {
    adds.push_back(pod);
    if (!add_error.ok()) return add_error;
    network::AttachResult result;
    result.ips = ips;
    return result;
  }
  absl::Status Del(const RequestContext&, const network::CniNetwork* network,
                   const network::PodAttachment& pod) override {
    dels.push_back(pod);
    del_had_network.push_back(network != nullptr);
    return del_error;
  }
  absl::StatusOr<network::AttachResult> Check(const RequestContext&,
                                              const network::PodAttachment&) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<network::AttachResult> Cached(const std::string&, const std::string&) override {
    return absl::NotFoundError("not used");
  }

  network::PodIps ips{.primary = "10.235.0.5", .additional = {"fd00::5"}};
  absl::Status add_error;
  absl::Status del_error;
  std::vector<network::PodAttachment> adds;
  std::vector<network::PodAttachment> dels;
  std::vector<bool> del_had_network;
};

class FakeWatcher : public network::NetworkWatcher {
 public:
  absl::StatusOr<network::CniNetwork> Current() const override { return current; }
  std::uint64_t Generation() const override { return 1; }
  void Refresh() override {}

  absl::StatusOr<network::CniNetwork> current = network::CniNetwork{
      .name = "test-net", .cni_version = "1.0.0", .file = "", .plugins = {}, .conflist_json = ""};
};

class PodNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces and mounts)";
    char tmpl[] = "/tmp/crio-podnet-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = store::Store::Open(dir_ + "/state");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    std::ofstream(dir_ + "/hosts") << "192.0.2.1\tthe-host\n";
    PodOptions options;
    options.runroot = dir_ + "/run";
    options.namespaces_dir = dir_ + "/ns";
    options.cgroup_manager = "cgroupfs";
    options.host_hosts = dir_ + "/hosts";
    options.cni = &cni_;
    options.network = &watcher_;
    PodContainerHooks hooks;
    hooks.run_infra = [this](const RequestContext&, const store::PodRecord&) {
      return infra_error_;
    };
    manager_ = std::make_unique<PodManager>(*store_, options, std::move(hooks));
  }
  void TearDown() override {
    if (dir_.empty()) return;
    std::error_code ec;
    for (const char* sub : {"/ns/netns", "/ns/ipcns", "/ns/utsns"}) {
      for (const auto& entry : stdfs::directory_iterator(dir_ + sub, ec)) {
        ::umount2(entry.path().c_str(), MNT_DETACH);
      }
    }
    for (const auto& entry : stdfs::directory_iterator(dir_ + "/run/pods", ec)) {
      ::umount2((entry.path() / "shm").c_str(), MNT_DETACH);
    }
    stdfs::remove_all(dir_, ec);
  }

  bool NothingLeft() {
    std::error_code ec;
    store::PodFilter all;
    all.include_unfinished = true;
    // A directory that was never made is as empty as one emptied again.
    const auto empty = [&ec](const std::string& path) {
      return !stdfs::exists(path, ec) || stdfs::is_empty(path, ec);
    };
    return store_->ListPods(all).empty() && empty(dir_ + "/ns/netns") && empty(dir_ + "/run/pods");
  }

  const RequestContext ctx_{"test", "RunPodSandbox"};
  std::string dir_;
  FakeCni cni_;
  FakeWatcher watcher_;
  absl::Status infra_error_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<PodManager> manager_;
};

TEST_F(PodNetworkTest, RunAddsInThePodsNamespaceAndRecordsItsIps) {
  PodRequest request = Request("web");
  request.port_mappings = {Mapping(8080, 80, "tcp", "")};
  auto id = manager_->Run(ctx_, request);
  ASSERT_TRUE(id.ok()) << id.status();
  auto pod = store_->GetPod(*id);
  ASSERT_TRUE(pod.ok());
  ASSERT_EQ(cni_.adds.size(), 1u);
  EXPECT_EQ(cni_.adds[0].container_id, *id);
  EXPECT_EQ(cni_.adds[0].netns_path, pod->netns_path);
  EXPECT_EQ(cni_.adds[0].pod_name, "web");
  EXPECT_EQ(cni_.adds[0].capabilities.port_mappings.size(), 1u);
  EXPECT_EQ(pod->ip, "10.235.0.5");
  EXPECT_EQ(pod->additional_ips, std::vector<std::string>{"fd00::5"});
  EXPECT_NE(Slurp(pod->hosts_path).find("10.235.0.5\tweb\nfd00::5\tweb\n"), std::string::npos)
      << Slurp(pod->hosts_path);

  ASSERT_TRUE(manager_->Stop(ctx_, *id).ok());
  ASSERT_EQ(cni_.dels.size(), 1u);
  EXPECT_EQ(cni_.dels[0].container_id, *id);
  EXPECT_EQ(cni_.dels[0].netns_path, pod->netns_path) << "DEL runs before the netns goes";
  EXPECT_TRUE(cni_.del_had_network[0]);
  ASSERT_TRUE(manager_->Remove(ctx_, *id).ok());
  EXPECT_EQ(cni_.dels.size(), 2u) << "Remove runs DEL again; the CNI manager makes it idempotent";
  EXPECT_TRUE(NothingLeft());
}

TEST_F(PodNetworkTest, NoUsableNetworkFailsBeforeAnythingIsMade) {
  watcher_.current = absl::FailedPreconditionError("No CNI configuration file in /x");
  auto id = manager_->Run(ctx_, Request("web"));
  EXPECT_TRUE(absl::IsFailedPrecondition(id.status())) << id.status();
  EXPECT_NE(id.status().message().find("No CNI configuration file in /x"), std::string::npos);
  EXPECT_TRUE(cni_.adds.empty());
  EXPECT_TRUE(NothingLeft());
  EXPECT_TRUE(absl::IsFailedPrecondition(*manager_->NetworkStatus()));
}

TEST_F(PodNetworkTest, AFailedAddLeavesNothingAndRunsNoSecondDel) {
  cni_.add_error = absl::DeadlineExceededError("plugin hang (ADD) timed out");
  auto id = manager_->Run(ctx_, Request("web"));
  EXPECT_TRUE(absl::IsDeadlineExceeded(id.status())) << id.status();
  EXPECT_NE(id.status().message().find("hang"), std::string::npos);
  EXPECT_TRUE(cni_.dels.empty()) << "the CNI manager rolled its ADD back itself";
  EXPECT_TRUE(NothingLeft());
}

TEST_F(PodNetworkTest, AFailureAfterAddRunsDel) {
  infra_error_ = absl::InternalError("infra container failed");
  auto id = manager_->Run(ctx_, Request("web"));
  EXPECT_TRUE(absl::IsInternal(id.status())) << id.status();
  ASSERT_EQ(cni_.adds.size(), 1u);
  ASSERT_EQ(cni_.dels.size(), 1u);
  EXPECT_EQ(cni_.dels[0].container_id, cni_.adds[0].container_id);
  EXPECT_TRUE(NothingLeft());
}

TEST_F(PodNetworkTest, AFailedDelFailsStopAndKeepsTheNamespaceForTheRetry) {
  auto id = manager_->Run(ctx_, Request("web"));
  ASSERT_TRUE(id.ok()) << id.status();
  const std::string netns = store_->GetPod(*id)->netns_path;
  cni_.del_error = absl::InternalError("plugin bridge (DEL) failed");
  const absl::Status stopped = manager_->Stop(ctx_, *id);
  EXPECT_TRUE(absl::IsInternal(stopped)) << stopped;
  EXPECT_NE(stopped.message().find("bridge"), std::string::npos) << stopped;
  EXPECT_TRUE(stdfs::exists(netns));
  EXPECT_EQ(store_->GetPod(*id)->state, store::PodState::kReady);
  cni_.del_error = absl::OkStatus();
  // Without a network now, DEL still runs: the cached ADD says what to undo.
  watcher_.current = absl::FailedPreconditionError("config removed");
  ASSERT_TRUE(manager_->Remove(ctx_, *id).ok());
  EXPECT_FALSE(cni_.del_had_network.back());
  EXPECT_TRUE(NothingLeft());
}

TEST_F(PodNetworkTest, HostNetworkPodsSkipCniAndGetTheHostsHostsFile) {
  watcher_.current = absl::FailedPreconditionError("no network needed");
  PodRequest request = Request("host");
  request.pod.host_network = true;
  auto id = manager_->Run(ctx_, request);
  ASSERT_TRUE(id.ok()) << id.status();
  auto pod = store_->GetPod(*id);
  EXPECT_TRUE(pod->netns_path.empty());
  EXPECT_TRUE(pod->ip.empty());
  EXPECT_EQ(Slurp(pod->hosts_path), "192.0.2.1\tthe-host\n");
  ASSERT_TRUE(manager_->Remove(ctx_, *id).ok());
  EXPECT_TRUE(cni_.adds.empty());
  EXPECT_TRUE(cni_.dels.empty());
  EXPECT_TRUE(NothingLeft());
}

}  // namespace
}  // namespace crio::sandbox
