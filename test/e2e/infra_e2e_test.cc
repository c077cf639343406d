// Pods with an infra (pause) container: drop_infra_ctr = false, pause_image the
// fixture's pause image (Entrypoint /bin/sleep, Cmd infinity), pause_command "" so
// that the image's own command runs.

#include <nlohmann/json.hpp>

#include "lifecycle_fixture.h"

namespace crio::e2e {
namespace {

const std::string kPauseCmdline("/bin/sleep\0infinity\0", 20);

// Whether `pid` is PID 1 of its own PID namespace: the last NSpid field of its status
// (the host's view, which holds wherever the test runs).
bool IsPid1OfItsNamespace(int pid) {
  const std::string status = Slurp("/proc/" + std::to_string(pid) + "/status");
  const auto at = status.find("NSpid:");
  if (at == std::string::npos) return false;
  const std::string line = status.substr(at, status.find('\n', at) - at);
  return line.size() > 2 && line.compare(line.size() - 2, 2, "\t1") == 0;
}

class InfraTest : public LifecycleTest {
 protected:
  void SetUp() override {
    ASSERT_NE(fixture_, nullptr) << "the registry fixture did not start";
    dirs_.Write("crio.conf.d/20-infra.conf",
                "[crio.runtime]\ndrop_infra_ctr = false\n"
                "[crio.image]\npause_image = \"" +
                    fixture_->Image("pause") + "\"\npause_command = \"\"\n");
    LifecycleTest::SetUp();
  }

  v1::PodSandboxConfig SharedPidPod(const std::string& name) {
    v1::PodSandboxConfig config = PodConfig(name);
    config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
        v1::POD);
    return config;
  }

  v1::PodSandboxState PodState(const std::string& id) {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(id);
    v1::PodSandboxStatusResponse response;
    EXPECT_TRUE(daemon_->runtime().PodSandboxStatus(Context().get(), request, &response).ok());
    return response.status().state();
  }

  // The infra container's pid, from its record (the CRI does not show it).
  int InfraPid(const std::string& pod) {
    const auto record = nlohmann::json::parse(
        Slurp(dirs_.root() + "/lib/state/containers/" + pod + ".json"), nullptr, false);
    return record.is_object() ? record.value("pid", 0) : 0;
  }

  std::string ExecOut(const std::string& id, const std::vector<std::string>& cmd) {
    grpc::Status status;
    const v1::ExecSyncResponse response = Exec(id, cmd, &status, 10);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.exit_code(), 0) << response.stderr();
    return response.stdout();
  }
};

TEST_F(InfraTest, ThePauseContainerHoldsThePodAndIsNotACriContainer) {
  const v1::PodSandboxConfig pod_config = SharedPidPod("infra");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  EXPECT_NE(daemon_->Log().find("Created infra container " + pod), std::string::npos);
  const int pause_pid = InfraPid(pod);
  ASSERT_GT(pause_pid, 0);
  EXPECT_EQ(Slurp("/proc/" + std::to_string(pause_pid) + "/cmdline"), kPauseCmdline);

  // Hidden from the CRI's container calls.
  EXPECT_TRUE(List().empty());
  v1::ContainerStatusRequest status_request;
  status_request.set_container_id(pod);
  v1::ContainerStatusResponse status_response;
  EXPECT_EQ(daemon_->runtime()
                .ContainerStatus(Context().get(), status_request, &status_response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(RemoveContainer(pod).ok()) << "a container that is not there is removed";
  EXPECT_EQ(InfraPid(pod), pause_pid) << "RemoveContainer does not reach the pause container";

  // The pod's containers share its PID namespace, whose PID 1 is pause; they share its
  // network and UTS namespaces too.
  std::string app;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("app", {"sleep", "3600"}), &app).ok())
      << daemon_->Log();
  ASSERT_TRUE(Start(app).ok());
  EXPECT_TRUE(IsPid1OfItsNamespace(pause_pid));
  EXPECT_EQ(ExecOut(app, {"hostname"}), "infra\n");
  std::string info;
  Status(app, &info);
  const int app_pid = nlohmann::json::parse(info, nullptr, false).value("pid", 0);
  ASSERT_GT(app_pid, 0) << info;
  for (const char* ns : {"net", "uts", "ipc", "pid"}) {
    EXPECT_EQ(std::filesystem::read_symlink("/proc/" + std::to_string(app_pid) + "/ns/" + ns),
              std::filesystem::read_symlink("/proc/" + std::to_string(pause_pid) + "/ns/" + ns))
        << ns;
  }

  // Survives a daemon kill: the pod is still Ready and new containers still join it.
  daemon_->Signal(SIGKILL);
  daemon_->WaitExit();
  StartDaemon();
  EXPECT_EQ(PodState(pod), v1::SANDBOX_READY);
  EXPECT_EQ(InfraPid(pod), pause_pid);
  std::string second;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("second", {"sleep", "3600"}), &second).ok())
      << daemon_->Log();
  ASSERT_TRUE(Start(second).ok());
  std::string second_info;
  Status(second, &second_info);
  const int second_pid = nlohmann::json::parse(second_info, nullptr, false).value("pid", 0);
  ASSERT_GT(second_pid, 0);
  EXPECT_EQ(std::filesystem::read_symlink("/proc/" + std::to_string(second_pid) + "/ns/pid"),
            std::filesystem::read_symlink("/proc/" + std::to_string(pause_pid) + "/ns/pid"));
  EXPECT_EQ(List().size(), 2u);

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  EXPECT_NE(::kill(pause_pid, 0), 0) << "the pause process is gone";
  ExpectNothingLeft();
}

TEST_F(InfraTest, APodWhosePauseContainerDiedIsNotReady) {
  const v1::PodSandboxConfig pod_config = PodConfig("orphan");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const int pause_pid = InfraPid(pod);
  ASSERT_GT(pause_pid, 0);
  ASSERT_EQ(::kill(pause_pid, SIGKILL), 0);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (PodState(pod) != v1::SANDBOX_NOTREADY && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(PodState(pod), v1::SANDBOX_NOTREADY);
  std::string app;
  EXPECT_EQ(Create(pod, pod_config, ContainerConfig("late", {"sleep", "1"}), &app).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

TEST_F(InfraTest, AMissingPauseImageFailsThePodAndLeavesNothing) {
  dirs_.Write(
      "crio.conf.d/30-bad-pause.conf",
      "[crio.image]\npause_image = \"" + fixture_->Image("busybox") + "-does-not-exist\"\n");
  daemon_.reset();
  StartDaemon();
  std::string pod;
  const grpc::Status status = RunPod(PodConfig("no-pause"), &pod);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_message().find("pause image"), std::string::npos)
      << status.error_message();
  v1::ListPodSandboxResponse pods;
  ASSERT_TRUE(
      daemon_->runtime().ListPodSandbox(Context().get(), v1::ListPodSandboxRequest(), &pods).ok());
  EXPECT_EQ(pods.items_size(), 0);
  ExpectNothingLeft();
}

}  // namespace
}  // namespace crio::e2e

namespace crio::e2e {
namespace {

// monitor_cgroup = "pod" with cgroupfs: each monitor runs in <pod parent>/crio-conmon-<id>.
class MonitorCgroupTest : public LifecycleTest {
 protected:
  void SetUp() override {
    ASSERT_NE(fixture_, nullptr) << "the registry fixture did not start";
    dirs_.Write("crio.conf.d/20-monitor-cgroup.conf",
                "[crio.runtime.runtimes.runc]\nmonitor_cgroup = \"pod\"\n");
    LifecycleTest::SetUp();
  }
};

// Mount points of the cgroup hierarchies.
std::vector<std::string> CgroupMounts() {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" - cgroup") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5; ++i) fields >> field;
    mounts.push_back(field);
  }
  return mounts;
}

TEST_F(MonitorCgroupTest, TheMonitorRunsInItsOwnCgroupUnderThePod) {
  const v1::PodSandboxConfig pod_config = PodConfig("monitored");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  std::string id;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("app", {"sleep", "3600"}), &id).ok())
      << daemon_->Log();
  ASSERT_TRUE(Start(id).ok());
  const auto record = nlohmann::json::parse(
      Slurp(dirs_.root() + "/lib/state/containers/" + id + ".json"), nullptr, false);
  ASSERT_TRUE(record.is_object());
  const int monitor = record.value("monitor_pid", 0);
  ASSERT_GT(monitor, 0);
  const std::string expected = "/crio-e2e/crio-conmon-" + id;
  std::istringstream lines(Slurp("/proc/" + std::to_string(monitor) + "/cgroup"));
  std::string line;
  int hierarchies = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++hierarchies;
    EXPECT_EQ(line.substr(line.rfind(':') + 1), expected) << line;
  }
  EXPECT_GT(hierarchies, 0);
  EXPECT_EQ(daemon_->Log().find("Moving the monitor"), std::string::npos) << daemon_->Log();

  ASSERT_TRUE(Stop(id, 0).ok());
  ASSERT_TRUE(RemoveContainer(id).ok());
  for (const std::string& mount : CgroupMounts()) {
    EXPECT_FALSE(std::filesystem::exists(mount + expected)) << mount + expected << " is left";
  }
  ASSERT_TRUE(RemovePod(pod).ok());
  ExpectNothingLeft();
}

}  // namespace
}  // namespace crio::e2e
