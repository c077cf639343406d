// ContainerStats, ListContainerStats, PodSandboxStats and ListPodSandboxStats on real
// runc: a container burning CPU and writing a file shows CPU time, a CPU rate, a working
// set and writable layer bytes; the filters pick the right containers and pods.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "lifecycle_fixture.h"

namespace crio::e2e {
namespace {

constexpr char kCgroupParent[] = "/crio-stats-e2e";

// The lifecycle fixture, with pods under a cgroup parent of their own (removed at the
// end) and helpers for the four stats calls.
class StatsTest : public LifecycleTest {
 protected:
  void TearDown() override {
    LifecycleTest::TearDown();
    // The pods' cgroup parent, empty once runc deleted the containers.
    for (const char* controller : {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
                                   "blkio", "pids", "systemd", "unified"}) {
      ::rmdir((std::string("/sys/fs/cgroup/") + controller + kCgroupParent).c_str());
    }
    ::rmdir((std::string("/sys/fs/cgroup") + kCgroupParent).c_str());
  }

  v1::PodSandboxConfig PodConfig(const std::string& name) {
    v1::PodSandboxConfig config = LifecycleTest::PodConfig(name);
    config.mutable_linux()->set_cgroup_parent(kCgroupParent);
    return config;
  }

  std::string RunPod(const v1::PodSandboxConfig& config) {
    std::string id;
    const grpc::Status status = LifecycleTest::RunPod(config, &id);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return id;
  }

  // Creates and starts a busybox container running `script`; "" on failure.
  std::string RunContainer(const std::string& pod_id, const v1::PodSandboxConfig& pod_config,
                           const std::string& name, const std::string& script) {
    std::string id;
    grpc::Status status =
        Create(pod_id, pod_config, ContainerConfig(name, {"sh", "-c", script}), &id);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) return "";
    status = Start(id);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return status.ok() ? id : "";
  }

  grpc::Status ContainerStats(const std::string& id, v1::ContainerStats* stats) {
    v1::ContainerStatsRequest request;
    request.set_container_id(id);
    v1::ContainerStatsResponse response;
    const grpc::Status status =
        daemon_->runtime().ContainerStats(Context().get(), request, &response);
    *stats = response.stats();
    return status;
  }

  std::vector<std::string> ListContainerStats(const v1::ContainerStatsFilter& filter) {
    v1::ListContainerStatsRequest request;
    *request.mutable_filter() = filter;
    v1::ListContainerStatsResponse response;
    const grpc::Status status =
        daemon_->runtime().ListContainerStats(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (const auto& stats : response.stats()) ids.push_back(stats.attributes().id());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::vector<v1::PodSandboxStats> ListPodStats(const v1::PodSandboxStatsFilter& filter) {
    v1::ListPodSandboxStatsRequest request;
    *request.mutable_filter() = filter;
    v1::ListPodSandboxStatsResponse response;
    const grpc::Status status =
        daemon_->runtime().ListPodSandboxStats(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.stats().begin(), response.stats().end()};
  }
};

TEST_F(StatsTest, BusyContainerShowsCpuMemoryAndWritableLayer) {
  const auto pod_config = PodConfig("stats-busy");
  const std::string pod = RunPod(pod_config);
  ASSERT_FALSE(pod.empty());
  // 8 MiB in the writable layer, ~4 MB held in a shell variable, then a busy loop.
  const std::string busy =
      RunContainer(pod, pod_config, "busy",
                   "dd if=/dev/zero of=/data bs=1048576 count=8 2>/dev/null; "
                   "x=$(head -c 4000000 /dev/zero | tr '\\000' a); while :; do :; done");
  ASSERT_FALSE(busy.empty()) << daemon_->Log();
  const std::string idle = RunContainer(pod, pod_config, "idle", "sleep 3600");
  ASSERT_FALSE(idle.empty()) << daemon_->Log();

  // Poll until the file is written and the loop has run a while.
  v1::ContainerStats stats;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_TRUE(ContainerStats(busy, &stats).ok());
  } while ((stats.writable_layer().used_bytes().value() < 8u << 20 ||
            stats.cpu().usage_core_nano_seconds().value() < 200'000'000) &&
           std::chrono::steady_clock::now() < deadline);

  EXPECT_EQ(stats.attributes().id(), busy);
  EXPECT_EQ(stats.attributes().metadata().name(), "busy");
  EXPECT_EQ(stats.attributes().labels().at("container"), "busy");
  EXPECT_GT(stats.cpu().timestamp(), 0);
  EXPECT_GE(stats.cpu().usage_core_nano_seconds().value(), 200'000'000u);
  EXPECT_GT(stats.memory().working_set_bytes().value(), 1u << 20);
  EXPECT_GE(stats.memory().usage_bytes().value(), stats.memory().working_set_bytes().value());
  EXPECT_GT(stats.memory().rss_bytes().value(), 0u);
  EXPECT_GT(stats.memory().page_faults().value(), 0u);
  EXPECT_FALSE(stats.memory().has_available_bytes());  // no limit set
  EXPECT_GE(stats.writable_layer().used_bytes().value(), 8u << 20);
  EXPECT_GE(stats.writable_layer().inodes_used().value(), 1u);
  EXPECT_EQ(stats.writable_layer().fs_id().mountpoint(), dirs_.root() + "/lib/rootfs");

  // The rate needs two samples; a busy loop on one core is close to 1e9 nanocores.
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(ContainerStats(busy, &stats).ok());
  ASSERT_TRUE(stats.cpu().has_usage_nano_cores());
  EXPECT_GT(stats.cpu().usage_nano_cores().value(), 300'000'000u);
  EXPECT_LT(stats.cpu().usage_nano_cores().value(), 2'100'000'000u);

  v1::PodSandboxStatsRequest pod_request;
  pod_request.set_pod_sandbox_id(pod);
  v1::PodSandboxStatsResponse pod_stats;
  ASSERT_TRUE(daemon_->runtime().PodSandboxStats(Context().get(), pod_request, &pod_stats).ok());
  EXPECT_EQ(pod_stats.stats().attributes().id(), pod);
  EXPECT_EQ(pod_stats.stats().attributes().metadata().name(), "stats-busy");
  EXPECT_EQ(pod_stats.stats().linux().containers_size(), 2);
  EXPECT_GE(pod_stats.stats().linux().cpu().usage_core_nano_seconds().value(),
            stats.cpu().usage_core_nano_seconds().value());
  EXPECT_GE(pod_stats.stats().linux().memory().working_set_bytes().value(),
            stats.memory().working_set_bytes().value());

  // An exited container is left out of the list, as CRI-O does.
  v1::StopContainerRequest stop;
  stop.set_container_id(busy);
  v1::StopContainerResponse stopped;
  ASSERT_TRUE(daemon_->runtime().StopContainer(Context().get(), stop, &stopped).ok());
  EXPECT_EQ(ListContainerStats({}), std::vector<std::string>{idle});
  EXPECT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
}

TEST_F(StatsTest, FiltersAndMissingIds) {
  const auto config_a = PodConfig("stats-a");
  const auto config_b = PodConfig("stats-b");
  const std::string pod_a = RunPod(config_a);
  const std::string pod_b = RunPod(config_b);
  ASSERT_FALSE(pod_a.empty());
  ASSERT_FALSE(pod_b.empty());
  const std::string a1 = RunContainer(pod_a, config_a, "a1", "sleep 3600");
  const std::string a2 = RunContainer(pod_a, config_a, "a2", "sleep 3600");
  const std::string b1 = RunContainer(pod_b, config_b, "b1", "sleep 3600");
  ASSERT_FALSE(a1.empty() || a2.empty() || b1.empty()) << daemon_->Log();

  std::vector<std::string> all{a1, a2, b1};
  std::sort(all.begin(), all.end());
  EXPECT_EQ(ListContainerStats({}), all);
  v1::ContainerStatsFilter filter;
  filter.set_id(a2);
  EXPECT_EQ(ListContainerStats(filter), std::vector<std::string>{a2});
  filter.Clear();
  filter.set_pod_sandbox_id(pod_b);
  EXPECT_EQ(ListContainerStats(filter), std::vector<std::string>{b1});
  filter.Clear();
  (*filter.mutable_label_selector())["container"] = "a1";
  EXPECT_EQ(ListContainerStats(filter), std::vector<std::string>{a1});
  filter.set_pod_sandbox_id(pod_b);  // a1's label, b's pod: nothing
  EXPECT_TRUE(ListContainerStats(filter).empty());

  EXPECT_EQ(ListPodStats({}).size(), 2u);
  v1::PodSandboxStatsFilter pod_filter;
  pod_filter.set_id(pod_a);
  auto pods = ListPodStats(pod_filter);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].attributes().id(), pod_a);
  EXPECT_EQ(pods[0].linux().containers_size(), 2);
  pod_filter.Clear();
  (*pod_filter.mutable_label_selector())["app"] = "stats-b";
  pods = ListPodStats(pod_filter);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].attributes().id(), pod_b);
  (*pod_filter.mutable_label_selector())["app"] = "none";
  EXPECT_TRUE(ListPodStats(pod_filter).empty());

  v1::ContainerStats stats;
  EXPECT_EQ(ContainerStats("0123456789abcdef", &stats).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ContainerStats("", &stats).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::PodSandboxStatsRequest pod_request;
  pod_request.set_pod_sandbox_id("0123456789abcdef");
  v1::PodSandboxStatsResponse pod_stats;
  EXPECT_EQ(
      daemon_->runtime().PodSandboxStats(Context().get(), pod_request, &pod_stats).error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(RemovePod(pod_a).ok());
  EXPECT_TRUE(RemovePod(pod_b).ok());
}

}  // namespace
}  // namespace crio::e2e
