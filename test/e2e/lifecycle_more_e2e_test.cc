// More lifecycle e2e checks on the shared fixture: an OOM kill, ExecSync's deadline and
// output cap (with the daemon's memory watched), and a leak check over 100 pods.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lifecycle_fixture.h"

namespace crio::e2e {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMiB = 1024 * 1024;

// VmRSS of `pid` in bytes (0 when it cannot be read).
std::int64_t ResidentBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}

// Directories below each cgroup v1 hierarchy and the cgroup2 mount at `parent`.
std::vector<std::string> CgroupsUnder(const std::string& parent) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
    const std::filesystem::path dir = hierarchy.path() / parent.substr(1);
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& child : std::filesystem::recursive_directory_iterator(dir, ec)) {
      if (child.is_directory(ec)) found.push_back(child.path().string());
    }
  }
  return found;
}

// Removes `parent` (made by runc for the test's pods) from every hierarchy, deepest first.
void RemoveCgroupParent(const std::string& parent) {
  std::error_code ec;
  for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
    const std::filesystem::path dir = hierarchy.path() / parent.substr(1);
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::string> dirs;
    for (const auto& child : std::filesystem::recursive_directory_iterator(dir, ec)) {
      if (child.is_directory(ec)) dirs.push_back(child.path().string());
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());
    ::rmdir(dir.c_str());
  }
}

TEST_F(LifecycleTest, AContainerOverItsMemoryLimitIsOomKilled) {
  const v1::PodSandboxConfig pod_config = PodConfig("oom");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  v1::ContainerConfig config =
      ContainerConfig("hog", {"sh", "-c", "x=a; while :; do x=$x$x; done"});
  config.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(16 * kMiB);
  std::string id;
  ASSERT_TRUE(Create(pod, pod_config, config, &id).ok()) << daemon_->Log();
  std::string info;
  Status(id, &info);
  EXPECT_NE(info.find("\"limit\":16777216"), std::string::npos) << info;
  ASSERT_TRUE(Start(id).ok()) << daemon_->Log();
  const v1::ContainerStatus exited = WaitExited(id);
  EXPECT_EQ(exited.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(exited.reason(), "OOMKilled");
  EXPECT_EQ(exited.exit_code(), 137);

  // A container that stays under its limit ends as usual.
  v1::ContainerConfig small = ContainerConfig("small", {"sh", "-c", "x=a; exit 0"});
  small.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(16 * kMiB);
  std::string small_id;
  ASSERT_TRUE(Create(pod, pod_config, small, &small_id).ok()) << daemon_->Log();
  ASSERT_TRUE(Start(small_id).ok());
  EXPECT_EQ(WaitExited(small_id).reason(), "Completed");

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

TEST_F(LifecycleTest, ExecSyncDeadlineAndOutputCap) {
  const v1::PodSandboxConfig pod_config = PodConfig("exec");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  std::string id;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("target", {"sleep", "1000"}), &id).ok())
      << daemon_->Log();
  ASSERT_TRUE(Start(id).ok()) << daemon_->Log();

  // The deadline: the exec'd process is killed, the container keeps running.
  grpc::Status status;
  const auto before = std::chrono::steady_clock::now();
  Exec(id, {"sleep", "77"}, &status, /*timeout=*/1);
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_LT(took, 10s);
  EXPECT_EQ(Status(id).state(), v1::CONTAINER_RUNNING);
  std::this_thread::sleep_for(500ms);
  const auto ps = Exec(id, {"ps"}, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ps.stdout().find("sleep 77"), std::string::npos) << "the timed-out exec is left:\n"
                                                             << ps.stdout();

  // 100 MiB of output: the reply carries 16 MiB per stream, and the daemon does not
  // hold it all. The reply is larger than gRPC's default 4 MiB receive limit.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel("unix://" + dirs_.socket(),
                                           grpc::InsecureChannelCredentials(), args);
  auto stub = v1::RuntimeService::NewStub(channel);
  const std::int64_t rss_before = ResidentBytes(daemon_->pid());
  std::atomic<bool> done = false;
  std::atomic<std::int64_t> peak = rss_before;
  std::thread sampler([&] {
    while (!done) {
      const std::int64_t rss = ResidentBytes(daemon_->pid());
      if (rss > peak) peak = rss;
      std::this_thread::sleep_for(20ms);
    }
  });
  v1::ExecSyncRequest request;
  request.set_container_id(id);
  for (const char* arg :
       {"sh", "-c", "head -c 104857600 /dev/zero; head -c 104857600 /dev/zero >&2"}) {
    request.add_cmd(arg);
  }
  request.set_timeout(60);
  v1::ExecSyncResponse big;
  const grpc::Status big_status = stub->ExecSync(Context(120s).get(), request, &big);
  done = true;
  sampler.join();
  ASSERT_TRUE(big_status.ok()) << big_status.error_message() << daemon_->Log();
  EXPECT_EQ(big.stdout().size(), static_cast<std::size_t>(16 * kMiB));
  EXPECT_EQ(big.stderr().size(), static_cast<std::size_t>(16 * kMiB));
  EXPECT_EQ(big.stdout().find_first_not_of('\0'), std::string::npos);
  EXPECT_EQ(big.exit_code(), 0);
  if (!BinariesAreSanitized()) {
    EXPECT_LT(peak.load(), 150 * kMiB) << "daemon VmRSS before: " << rss_before;
  }
  std::cout << "[ figures  ] daemon VmRSS before the 100 MiB exec " << rss_before / kMiB
            << " MiB, peak during it " << peak.load() / kMiB << " MiB\n";

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

// enable_pod_events: GetContainerEvents streams each transition, as the kubelet's
// evented PLEG reads it, with the pod's status in every event; without the option the
// stream ends at once (the kubelet then polls).
TEST_F(LifecycleTest, GetContainerEventsStreamsTheLifecycle) {
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    auto reader = daemon_->runtime().GetContainerEvents(&context, v1::GetEventsRequest());
    v1::ContainerEventResponse event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_TRUE(reader->Finish().ok()) << "off by default: the stream ends with OK";
  }
  dirs_.Write("crio.conf.d/20-events.conf", "[crio.runtime]\nenable_pod_events = true\n");
  daemon_.reset();
  StartDaemon();

  grpc::ClientContext context;
  auto reader = daemon_->runtime().GetContainerEvents(&context, v1::GetEventsRequest());
  std::vector<v1::ContainerEventResponse> events;
  std::mutex mu;
  std::thread collector([&] {
    v1::ContainerEventResponse event;
    while (reader->Read(&event)) {
      std::lock_guard lock(mu);
      events.push_back(event);
    }
  });
  std::this_thread::sleep_for(300ms);  // the subscription is in place

  const v1::PodSandboxConfig pod_config = PodConfig("evented");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  std::string id;
  ASSERT_TRUE(
      Create(pod, pod_config, ContainerConfig("evented", {"sh", "-c", "exit 3"}), &id).ok());
  ASSERT_TRUE(Start(id).ok());
  EXPECT_EQ(WaitExited(id).exit_code(), 3);
  ASSERT_TRUE(RemoveContainer(id).ok());
  ASSERT_TRUE(RemovePod(pod).ok());

  using Event = std::pair<std::string, v1::ContainerEventType>;
  const std::vector<Event> expected = {
      {pod, v1::CONTAINER_CREATED_EVENT}, {pod, v1::CONTAINER_STARTED_EVENT},
      {id, v1::CONTAINER_CREATED_EVENT},  {id, v1::CONTAINER_STARTED_EVENT},
      {id, v1::CONTAINER_STOPPED_EVENT},  {id, v1::CONTAINER_DELETED_EVENT},
      {pod, v1::CONTAINER_STOPPED_EVENT}, {pod, v1::CONTAINER_DELETED_EVENT}};
  std::vector<Event> got;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu);
      got.clear();
      for (const auto& event : events) {
        got.emplace_back(event.container_id(), event.container_event_type());
      }
    }
    if (got.size() >= expected.size()) break;
    std::this_thread::sleep_for(50ms);
  }
  context.TryCancel();
  collector.join();
  EXPECT_EQ(got, expected) << daemon_->Log();
  ASSERT_GE(events.size(), 5u);
  const v1::ContainerEventResponse& stopped = events[4];
  EXPECT_EQ(stopped.pod_sandbox_status().metadata().uid(), "uid-evented");
  EXPECT_EQ(stopped.pod_sandbox_status().state(), v1::SANDBOX_READY);
  ASSERT_EQ(stopped.containers_statuses_size(), 1);
  EXPECT_EQ(stopped.containers_statuses(0).state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(stopped.containers_statuses(0).exit_code(), 3);
}

TEST_F(LifecycleTest, AnInPlaceResizeIsRecordedOnThePod) {
  const v1::PodSandboxConfig pod_config = PodConfig("resized");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  v1::UpdatePodSandboxResourcesRequest request;
  request.set_pod_sandbox_id("no-such-pod");
  request.mutable_resources()->set_cpu_shares(1024);
  request.mutable_resources()->set_memory_limit_in_bytes(128 << 20);
  v1::UpdatePodSandboxResourcesResponse response;
  EXPECT_EQ(daemon_->runtime()
                .UpdatePodSandboxResources(Context().get(), request, &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_pod_sandbox_id(pod);
  const grpc::Status updated =
      daemon_->runtime().UpdatePodSandboxResources(Context().get(), request, &response);
  ASSERT_TRUE(updated.ok()) << updated.error_message() << daemon_->Log();

  v1::PodSandboxStatusRequest status_request;
  status_request.set_pod_sandbox_id(pod);
  status_request.set_verbose(true);
  v1::PodSandboxStatusResponse status;
  ASSERT_TRUE(daemon_->runtime().PodSandboxStatus(Context().get(), status_request, &status).ok());
  const std::string& info = status.info().at("info");
  EXPECT_NE(info.find(R"("memory_limit_in_bytes":"134217728")"), std::string::npos) << info;
  EXPECT_NE(daemon_->Log().find("Updated the resources of pod sandbox " + pod), std::string::npos);
  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

TEST_F(LifecycleTest, HundredPodsLeaveNothingBehind) {
  if (BinariesAreSanitized()) {
    GTEST_SKIP() << "runs without sanitizers only: under them the cycle adds minutes and no "
                    "coverage the other cases lack";
  }
  const std::string cgroup_parent = "/crio-e2e-leak-" + std::to_string(::getpid());
  constexpr int kPods = 100;
  std::vector<std::string> pods;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kPods; ++i) {
    v1::PodSandboxConfig pod_config = PodConfig("leak" + std::to_string(i));
    pod_config.mutable_linux()->set_cgroup_parent(cgroup_parent);
    // Half the pods share a PID namespace, held by a pause process.
    if (i % 2 == 0) {
      pod_config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
          v1::POD);
    }
    std::string pod;
    ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << i << daemon_->Log();
    pods.push_back(pod);
    for (const char* name : {"one", "two"}) {
      std::string id;
      ASSERT_TRUE(Create(pod, pod_config, ContainerConfig(name, {"sleep", "1000"}), &id).ok())
          << daemon_->Log();
      ASSERT_TRUE(Start(id).ok()) << daemon_->Log();
    }
  }
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(List().size(), 2u * kPods);
  EXPECT_FALSE(CgroupsUnder(cgroup_parent).empty()) << "the cgroup parent is not used";
  EXPECT_EQ(ProcessesMentioning(dirs_.root() + "/run/exits").size(), 2u * kPods)
      << "one monitor per container";

  for (const std::string& pod : pods) ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  const auto removed = std::chrono::steady_clock::now();
  std::cout << "[ figures  ] " << kPods << " pods x 2 containers: run+create+start "
            << std::chrono::duration_cast<std::chrono::milliseconds>(started - start).count()
            << " ms, stop+remove "
            << std::chrono::duration_cast<std::chrono::milliseconds>(removed - started).count()
            << " ms\n";

  EXPECT_TRUE(List().empty());
  ExpectNothingLeft();
  std::error_code ec;
  for (const char* kind : {"netns", "ipcns", "utsns"}) {
    const std::string dir = dirs_.root() + "/run/ns/" + kind;
    EXPECT_TRUE(!std::filesystem::exists(dir) || std::filesystem::is_empty(dir, ec))
        << "a pinned namespace file is left in " << dir;
  }
  for (const std::string& pod : pods) {
    EXPECT_TRUE(ProcessesMentioning("pause " + pod).empty()) << "the pause process of " << pod;
  }
  const std::vector<std::string> cgroups = CgroupsUnder(cgroup_parent);
  EXPECT_TRUE(cgroups.empty()) << cgroups.size() << " cgroups left, e.g. " << cgroups[0];
  RemoveCgroupParent(cgroup_parent);
}

}  // namespace
}  // namespace crio::e2e
