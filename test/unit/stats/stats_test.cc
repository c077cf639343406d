// Stats on fake cgroup trees in temp dirs: v1 and v2 layouts, the working set, the CPU
// rate from two samples, systemd path mapping, the collector over a store record, and
// pods' network counters (/proc/net/dev).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crio/stats/stats.h"
#include "fake_http.h"

namespace crio::stats {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/crio-stats-test-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path file = path_ + "/" + relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

 private:
  std::string path_;
};

constexpr char kV1MemoryStat[] =
    "cache 8192\nrss 4096\ninactive_file 1000\ntotal_cache 1048576\ntotal_rss 524288\n"
    "total_inactive_file 262144\ntotal_pgfault 77\ntotal_pgmajfault 3\n";

void WriteV1(const TempDir& dir, const std::string& cgroup, const std::string& limit) {
  dir.Write("cpuacct" + cgroup + "/cpuacct.usage", "123456789\n");
  dir.Write("memory" + cgroup + "/memory.usage_in_bytes", "2097152\n");
  dir.Write("memory" + cgroup + "/memory.limit_in_bytes", limit);
  dir.Write("memory" + cgroup + "/memory.stat", kV1MemoryStat);
}

TEST(CgroupDirOfTest, CgroupfsPathsStayAsTheyAre) {
  EXPECT_EQ(*CgroupDirOf("/crio/crio-abc"), "/crio/crio-abc");
  EXPECT_EQ(*CgroupDirOf("/kubepods/burstable/pod1/crio-abc"), "/kubepods/burstable/pod1/crio-abc");
}

TEST(CgroupDirOfTest, SystemdSlicesNestAndTheUnitIsAScope) {
  EXPECT_EQ(*CgroupDirOf("system.slice:crio:abc"), "/system.slice/crio-abc.scope");
  EXPECT_EQ(*CgroupDirOf("kubepods-burstable-pod12.slice:crio:abc"),
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/"
            "crio-abc.scope");
  EXPECT_EQ(*CgroupDirOf("-.slice:crio:abc"), "/crio-abc.scope");
  EXPECT_EQ(*CgroupDirOf("machine.slice::abc"), "/machine.slice/abc.scope");
}

TEST(CgroupDirOfTest, MalformedSystemdFormsAreInvalid) {
  for (const char* bad : {"crio-abc", "system.slice:crio", "notaslice:crio:abc",
                          "a--b.slice:crio:abc", "system.slice:crio:"}) {
    auto dir = CgroupDirOf(bad);
    EXPECT_EQ(dir.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ReadCgroupTest, V1ReadsControllerDirsAndComputesTheWorkingSet) {
  TempDir dir;
  WriteV1(dir, "/crio/crio-abc", "1073741824\n");
  ASSERT_EQ(DetectCgroupVersion(dir.path()), CgroupVersion::kV1);
  auto sample = ReadCgroup(dir.path(), CgroupVersion::kV1, "/crio/crio-abc");
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->cpu_usage_ns, 123456789u);
  EXPECT_EQ(sample->memory_usage, 2097152u);
  EXPECT_EQ(sample->working_set, 2097152u - 262144u);  // usage - total_inactive_file
  EXPECT_EQ(sample->rss, 524288u);
  EXPECT_EQ(sample->page_faults, 77u);
  EXPECT_EQ(sample->major_page_faults, 3u);
  EXPECT_EQ(sample->memory_limit, 1073741824u);
}

TEST(ReadCgroupTest, V1UnlimitedMemoryHasNoLimit) {
  TempDir dir;
  WriteV1(dir, "/crio/crio-abc", "9223372036854771712\n");
  auto sample = ReadCgroup(dir.path(), CgroupVersion::kV1, "/crio/crio-abc");
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_FALSE(sample->memory_limit.has_value());
}

TEST(ReadCgroupTest, WorkingSetNeverGoesBelowZero) {
  TempDir dir;
  dir.Write("memory/c/memory.usage_in_bytes", "100\n");
  dir.Write("memory/c/memory.stat", "total_inactive_file 4096\n");
  auto sample = ReadCgroup(dir.path(), CgroupVersion::kV1, "/c");
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->working_set, 0u);
  EXPECT_FALSE(sample->cpu_usage_ns.has_value());  // no cpuacct dir
}

TEST(ReadCgroupTest, V2ReadsTheUnifiedDir) {
  TempDir dir;
  dir.Write("cgroup.controllers", "cpu memory pids\n");
  const std::string c = "system.slice/crio-abc.scope/";
  dir.Write(c + "cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
  dir.Write(c + "memory.current", "3000000\n");
  dir.Write(c + "memory.max", "max\n");
  dir.Write(c + "memory.stat",
            "anon 1000000\nfile 2000000\ninactive_file 500000\npgfault 12\npgmajfault 1\n");
  ASSERT_EQ(DetectCgroupVersion(dir.path()), CgroupVersion::kV2);
  auto sample = ReadCgroup(dir.path(), CgroupVersion::kV2, "/system.slice/crio-abc.scope");
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->cpu_usage_ns, 2500000u);
  EXPECT_EQ(sample->memory_usage, 3000000u);
  EXPECT_EQ(sample->working_set, 2500000u);
  EXPECT_EQ(sample->rss, 1000000u);
  EXPECT_EQ(sample->page_faults, 12u);
  EXPECT_EQ(sample->major_page_faults, 1u);
  EXPECT_FALSE(sample->memory_limit.has_value());

  dir.Write(c + "memory.max", "4194304\n");
  sample = ReadCgroup(dir.path(), CgroupVersion::kV2, "/system.slice/crio-abc.scope");
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->memory_limit, 4194304u);
}

TEST(ReadCgroupTest, AMissingCgroupIsNotFound) {
  TempDir dir;
  EXPECT_EQ(ReadCgroup(dir.path(), CgroupVersion::kV1, "/crio/gone").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadCgroup(dir.path(), CgroupVersion::kV2, "/crio/gone").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(NanoCoresTest, RateBetweenTwoSamples) {
  // 0.5 s of CPU over 2 s: a quarter of a core.
  EXPECT_EQ(NanoCores(1'000'000'000, 10'000'000'000, 1'500'000'000, 12'000'000'000), 250'000'000u);
  // Two full cores over 1 s.
  EXPECT_EQ(NanoCores(0, 0, 2'000'000'000, 1'000'000'000), 2'000'000'000u);
  EXPECT_EQ(NanoCores(5, 100, 10, 100), 0u);   // no time passed
  EXPECT_EQ(NanoCores(50, 100, 10, 200), 0u);  // counter reset
}

// Captured from a pod on the bridge network (eth0) after some traffic.
constexpr char kNetDev[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo:     840      10    0    0    0     0          0         0      840      10    0 "
    "   0    0     0       0          0\n"
    "  eth0: 1048576     700    2    0    0     0          0         0     4096      40    1 "
    "   0    0     0       0          0\n"
    "  net1:99999999999 5 0 0 0 0 0 0 7 1 0 0 0 0 0 0\n";

TEST(ParseNetDevTest, ReadsBytesAndErrorsAndLeavesOutLoopback) {
  auto interfaces = ParseNetDev(kNetDev);
  ASSERT_TRUE(interfaces.ok()) << interfaces.status();
  ASSERT_EQ(interfaces->size(), 2u);
  const InterfaceStats& eth0 = (*interfaces)[0];
  EXPECT_EQ(eth0.name, "eth0");
  EXPECT_EQ(eth0.rx_bytes, 1048576u);
  EXPECT_EQ(eth0.rx_errors, 2u);
  EXPECT_EQ(eth0.tx_bytes, 4096u);
  EXPECT_EQ(eth0.tx_errors, 1u);
  // No space after the colon once the counter is wide.
  EXPECT_EQ((*interfaces)[1].name, "net1");
  EXPECT_EQ((*interfaces)[1].rx_bytes, 99999999999u);
  EXPECT_EQ((*interfaces)[1].tx_bytes, 7u);
}

TEST(ParseNetDevTest, MalformedLinesAreErrorsNamingTheLine) {
  const std::string header = "h1\nh2\n";
  auto no_colon = ParseNetDev(header + "eth0 1 2 3\n");
  EXPECT_EQ(no_colon.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_colon.status().message().find("line 3"), std::string::npos) << no_colon.status();
  auto short_line = ParseNetDev(header + "eth0: 1 2 3\n");
  EXPECT_EQ(short_line.status().code(), absl::StatusCode::kInvalidArgument);
  auto not_a_number = ParseNetDev(header + "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n");
  EXPECT_EQ(not_a_number.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(not_a_number.status().message().find("\"x\""), std::string::npos);
  auto empty = ParseNetDev(header);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ReadNamespaceInterfacesTest, AMissingNamespaceIsAFailedPrecondition) {
  auto gone = ReadNamespaceInterfaces("/nonexistent/netns/pod");
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(gone.status().message().find("/nonexistent/netns/pod"), std::string::npos);
}

TEST(ReadNamespaceInterfacesTest, ReadsTheNamespaceItIsGiven) {
  // The daemon's own namespace, through its /proc file: what it sees must match what
  // this thread sees without entering anything.
  auto own = ReadNamespaceInterfaces("/proc/self/ns/net");
  ASSERT_TRUE(own.ok()) << own.status();
  std::ifstream in("/proc/self/net/dev");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto direct = ParseNetDev(text);
  ASSERT_TRUE(direct.ok()) << direct.status();
  ASSERT_EQ(own->size(), direct->size());
  for (std::size_t i = 0; i < own->size(); ++i) EXPECT_EQ((*own)[i].name, (*direct)[i].name);
}

// The collector on a store record whose config.json names a cgroup in a fake v1 tree.
class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    image::StoreOptions store;
    store.root = dir_.path() + "/lib";
    auto images = image::ImageStore::Open(store, registry_);
    ASSERT_TRUE(images.ok()) << images.status();
    images_ = *std::move(images);
    auto state = store::Store::Open(dir_.path() + "/lib/state");
    ASSERT_TRUE(state.ok()) << state.status();
    state_ = *std::move(state);
    image::RootfsOptions rootfs_options;
    rootfs_options.dir = dir_.path() + "/lib/rootfs";
    rootfs_options.allow_overlay = false;
    auto rootfs = image::RootfsManager::Open(rootfs_options, *images_);
    ASSERT_TRUE(rootfs.ok()) << rootfs.status();
    rootfs_ = *std::move(rootfs);
    container::ContainerOptions options;
    options.runroot = dir_.path() + "/run";
    options.exits_dir = dir_.path() + "/run/exits";
    options.attach_dir = dir_.path() + "/run/attach";
    options.default_log_dir = dir_.path() + "/log";
    containers_ = std::make_unique<container::ContainerManager>(
        *state_, *images_, *rootfs_, holder_, [] { return nullptr; },
        monitor::MakeMonitorLauncher(), options);
    StatsOptions stats_options;
    stats_options.cgroup_root = dir_.path() + "/cgroup";
    stats_options.rootfs_dir = dir_.path() + "/lib/rootfs";
    stats_options.now = [this] { return now_; };
    stats_options.read_interfaces =
        [this](const std::string& netns_path) -> absl::StatusOr<std::vector<InterfaceStats>> {
      netns_read_ = netns_path;
      if (!netns_readable_) return absl::FailedPreconditionError("network namespace is gone");
      return ParseNetDev(kNetDev);
    };
    collector_ = std::make_unique<StatsCollector>(*state_, *containers_, *rootfs_, stats_options);

    store::PodRecord pod;
    pod.id = "pod1";
    pod.phase = store::Phase::kCreated;
    pod.name = "p";
    pod.uid = "u";
    pod.pod_namespace = "ns";
    pod.labels = {{"app", "web"}};
    pod.netns_path = "/run/netns/pod1";
    ASSERT_TRUE(state_->AddPod(pod).ok());
    AddContainer("c1", store::ContainerState::kRunning, "/crio/crio-c1", {{"tier", "a"}});
    AddContainer("c2", store::ContainerState::kRunning, "system.slice:crio:c2", {{"tier", "b"}});
    AddContainer("c3", store::ContainerState::kExited, "/crio/crio-c3", {{"tier", "a"}});
    SetCpu("cpuacct/crio/crio-c1", 1'000'000'000);
    SetCpu("cpuacct/system.slice/crio-c2.scope", 3'000'000'000);
    dir_.Write("cgroup/memory/crio/crio-c1/memory.usage_in_bytes", "1000000\n");
    dir_.Write("cgroup/memory/crio/crio-c1/memory.limit_in_bytes", "2000000\n");
    dir_.Write("cgroup/memory/crio/crio-c1/memory.stat",
               "total_inactive_file 200000\ntotal_rss 700000\n");
  }

  void AddContainer(const std::string& id, store::ContainerState state,
                    const std::string& cgroups_path, store::Labels labels) {
    store::ContainerRecord c;
    c.id = id;
    c.phase = store::Phase::kCreated;
    c.pod_id = "pod1";
    c.name = id;
    c.state = state;
    c.labels = std::move(labels);
    c.bundle_dir = dir_.path() + "/run/containers/" + id;
    dir_.Write("run/containers/" + id + "/config.json",
               nlohmann::json{{"linux", {{"cgroupsPath", cgroups_path}}}}.dump());
    ASSERT_TRUE(state_->AddContainer(c).ok());
  }

  void SetCpu(const std::string& dir, std::uint64_t usage) {
    dir_.Write("cgroup/" + dir + "/cpuacct.usage", std::to_string(usage) + "\n");
  }

  TempDir dir_;
  testing::FakeHttp http_{[](const registry::HttpRequest&) { return testing::Respond(404, ""); }};
  registry::RegistryClient registry_{http_, registry::ClientOptions{}};
  config::ConfigHolder holder_{config::Config::Defaults()};
  std::unique_ptr<image::ImageStore> images_;
  std::unique_ptr<store::Store> state_;
  std::unique_ptr<image::RootfsManager> rootfs_;
  std::unique_ptr<container::ContainerManager> containers_;
  std::unique_ptr<StatsCollector> collector_;
  std::int64_t now_ = 100'000'000'000;
  std::string netns_read_;
  bool netns_readable_ = true;
};

TEST_F(CollectorTest, CpuRateComesFromTheSecondSample) {
  auto first = collector_->Container("c1");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->cpu.has_value());
  EXPECT_EQ(first->cpu->usage_core_nano_seconds, 1'000'000'000u);
  EXPECT_FALSE(first->cpu->usage_nano_cores.has_value());
  EXPECT_EQ(first->cpu->timestamp, now_);
  ASSERT_TRUE(first->memory.has_value());
  EXPECT_EQ(first->memory->working_set_bytes, 800000u);
  EXPECT_EQ(first->memory->available_bytes, 1200000u);
  EXPECT_EQ(first->memory->rss_bytes, 700000u);

  now_ += 4'000'000'000;  // 4 s later, 1 s more CPU
  SetCpu("cpuacct/crio/crio-c1", 2'000'000'000);
  auto second = collector_->Container("c1");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->cpu->usage_core_nano_seconds, 2'000'000'000u);
  EXPECT_EQ(second->cpu->usage_nano_cores, 250'000'000u);
}

TEST_F(CollectorTest, SystemdCgroupsPathIsFollowed) {
  auto stats = collector_->Container("c2");
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_TRUE(stats->cpu.has_value());
  EXPECT_EQ(stats->cpu->usage_core_nano_seconds, 3'000'000'000u);
  EXPECT_FALSE(stats->memory.has_value());  // no memory dir in the fake tree
}

TEST_F(CollectorTest, MissingContainerIsNotFoundAndExitedHasNoCgroupStats) {
  EXPECT_EQ(collector_->Container("nope").status().code(), absl::StatusCode::kNotFound);
  auto exited = collector_->Container("c3");
  ASSERT_TRUE(exited.ok()) << exited.status();
  EXPECT_FALSE(exited->cpu.has_value());
  EXPECT_FALSE(exited->memory.has_value());
}

TEST_F(CollectorTest, ListsLeaveOutExitedContainersAndFilter) {
  auto ids = [](const std::vector<ContainerStats>& list) {
    std::vector<std::string> out;
    for (const auto& s : list) out.push_back(s.container.id);
    return out;
  };
  EXPECT_EQ(ids(collector_->ListContainers({})), (std::vector<std::string>{"c1", "c2"}));
  store::ContainerFilter by_label;
  by_label.label_selector = {{"tier", "a"}};
  EXPECT_EQ(ids(collector_->ListContainers(by_label)), (std::vector<std::string>{"c1"}));
  store::ContainerFilter by_id;
  by_id.id = "c2";
  EXPECT_EQ(ids(collector_->ListContainers(by_id)), (std::vector<std::string>{"c2"}));
  store::ContainerFilter other_pod;
  other_pod.pod_id = "pod2";
  EXPECT_TRUE(collector_->ListContainers(other_pod).empty());
}

TEST_F(CollectorTest, PodStatsSumItsRunningContainers) {
  auto pod = collector_->Pod("pod1");
  ASSERT_TRUE(pod.ok()) << pod.status();
  ASSERT_EQ(pod->containers.size(), 2u);
  ASSERT_TRUE(pod->cpu.has_value());
  EXPECT_EQ(pod->cpu->usage_core_nano_seconds, 4'000'000'000u);
  ASSERT_TRUE(pod->memory.has_value());
  EXPECT_EQ(pod->memory->working_set_bytes, 800000u);
  EXPECT_EQ(collector_->Pod("pod2").status().code(), absl::StatusCode::kNotFound);
  store::PodFilter by_label;
  by_label.label_selector = {{"app", "web"}};
  EXPECT_EQ(collector_->ListPods(by_label).size(), 1u);
  by_label.label_selector = {{"app", "db"}};
  EXPECT_TRUE(collector_->ListPods(by_label).empty());
}

TEST_F(CollectorTest, PodNetworkComesFromItsNamespaceWithEth0AsTheDefault) {
  auto pod = collector_->Pod("pod1");
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(netns_read_, "/run/netns/pod1");
  ASSERT_TRUE(pod->network.has_value());
  EXPECT_EQ(pod->network->timestamp, now_);
  ASSERT_TRUE(pod->network->default_interface.has_value());
  EXPECT_EQ(pod->network->default_interface->name, "eth0");
  EXPECT_EQ(pod->network->default_interface->rx_bytes, 1048576u);
  ASSERT_EQ(pod->network->interfaces.size(), 2u);
  EXPECT_EQ(pod->network->interfaces[1].name, "net1");
}

TEST_F(CollectorTest, NoNetworkForHostNetworkStoppedOrVanishedNamespaces) {
  netns_readable_ = false;
  auto vanished = collector_->Pod("pod1");
  ASSERT_TRUE(vanished.ok()) << vanished.status();
  EXPECT_FALSE(vanished->network.has_value());
  EXPECT_TRUE(vanished->cpu.has_value());  // the rest is still there
  netns_readable_ = true;

  store::PodRecord host;
  host.id = "host";
  host.phase = store::Phase::kCreated;
  host.name = "host";
  host.host_network = true;
  ASSERT_TRUE(state_->AddPod(host).ok());
  netns_read_.clear();
  auto host_stats = collector_->Pod("host");
  ASSERT_TRUE(host_stats.ok()) << host_stats.status();
  EXPECT_FALSE(host_stats->network.has_value());
  EXPECT_TRUE(netns_read_.empty()) << "read " << netns_read_;

  store::PodRecord stopped;
  stopped.id = "stopped";
  stopped.phase = store::Phase::kCreated;
  stopped.name = "stopped";
  stopped.state = store::PodState::kNotReady;
  stopped.netns_path = "/run/netns/stopped";
  ASSERT_TRUE(state_->AddPod(stopped).ok());
  auto stopped_stats = collector_->Pod("stopped");
  ASSERT_TRUE(stopped_stats.ok()) << stopped_stats.status();
  EXPECT_FALSE(stopped_stats->network.has_value());
  EXPECT_TRUE(netns_read_.empty()) << "read " << netns_read_;
}

}  // namespace
}  // namespace crio::stats
