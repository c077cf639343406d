// Pods and containers end to end: the real daemon, real runc and crio-monitor, busybox
// from the registry fixture. The fixture starts once for the suite, so this binary is
// one CTest test.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon_process.h"
#include "registry_fixture.h"

namespace crio::e2e {
namespace {

namespace v1 = ::runtime::v1;
using std::chrono_literals::operator""s;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Mount points under `dir` (mountinfo's fifth field).
std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5 && fields >> field; ++i) {
    }
    if (field.rfind(dir, 0) == 0) mounts.push_back(field);
  }
  return mounts;
}

// Live processes whose command line mentions `needle`.
std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = Slurp(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos && std::stoi(name) != ::getpid()) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

class LifecycleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fixture_ = RegistryFixture::Start().release(); }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(fixture_, nullptr) << "the registry fixture did not start";
    dirs_.Write("crio.conf.d/10-registries.conf",
                "[crio.image]\nregistries_conf = \"" + fixture_->registries_conf() + "\"\n");
    StartDaemon();
    v1::PullImageRequest pull;
    pull.mutable_image()->set_image(fixture_->Image("busybox"));
    v1::PullImageResponse pulled;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 120s);
    ASSERT_TRUE(daemon_->image().PullImage(&context, pull, &pulled).ok()) << daemon_->Log();
  }

  void TearDown() override {
    if (daemon_ == nullptr) return;
    // Whatever a failed test left: every pod goes, with its containers.
    v1::ListPodSandboxResponse pods;
    if (daemon_->runtime()
            .ListPodSandbox(DaemonProcess::Context().get(), v1::ListPodSandboxRequest(), &pods)
            .ok()) {
      for (const auto& pod : pods.items()) RemovePod(pod.id());
    }
    daemon_.reset();
    for (int pid : ProcessesMentioning(dirs_.root())) ::kill(pid, SIGKILL);
    for (const auto& mount : MountsUnder(dirs_.root())) ::umount2(mount.c_str(), MNT_DETACH);
  }

  void StartDaemon() {
    daemon_ = std::make_unique<DaemonProcess>(dirs_);
    daemon_->Spawn();
    ASSERT_TRUE(daemon_->WaitReady()) << daemon_->Log();
  }

  static std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds timeout = 60s) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    return context;
  }

  v1::PodSandboxConfig PodConfig(const std::string& name) {
    v1::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid("uid-" + name);
    config.set_hostname(name);
    config.set_log_directory(dirs_.root() + "/logs/" + name);
    (*config.mutable_labels())["app"] = name;
    config.mutable_linux()->set_cgroup_parent("/crio-e2e");
    return config;
  }

  grpc::Status RunPod(const v1::PodSandboxConfig& config, std::string* id,
                      const std::string& handler = "") {
    v1::RunPodSandboxRequest request;
    *request.mutable_config() = config;
    request.set_runtime_handler(handler);
    v1::RunPodSandboxResponse response;
    const grpc::Status status =
        daemon_->runtime().RunPodSandbox(Context().get(), request, &response);
    *id = response.pod_sandbox_id();
    return status;
  }

  v1::ContainerConfig ContainerConfig(const std::string& name,
                                      const std::vector<std::string>& command) {
    v1::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image(fixture_->Image("busybox"));
    for (const auto& arg : command) config.add_command(arg);
    config.set_log_path(name + ".log");
    (*config.mutable_labels())["container"] = name;
    return config;
  }

  grpc::Status Create(const std::string& pod_id, const v1::PodSandboxConfig& pod_config,
                      const v1::ContainerConfig& config, std::string* id) {
    v1::CreateContainerRequest request;
    request.set_pod_sandbox_id(pod_id);
    *request.mutable_config() = config;
    *request.mutable_sandbox_config() = pod_config;
    v1::CreateContainerResponse response;
    const grpc::Status status =
        daemon_->runtime().CreateContainer(Context().get(), request, &response);
    *id = response.container_id();
    return status;
  }

  grpc::Status Start(const std::string& id) {
    v1::StartContainerRequest request;
    request.set_container_id(id);
    v1::StartContainerResponse response;
    return daemon_->runtime().StartContainer(Context().get(), request, &response);
  }

  grpc::Status Stop(const std::string& id, std::int64_t timeout) {
    v1::StopContainerRequest request;
    request.set_container_id(id);
    request.set_timeout(timeout);
    v1::StopContainerResponse response;
    return daemon_->runtime().StopContainer(Context().get(), request, &response);
  }

  grpc::Status RemoveContainer(const std::string& id) {
    v1::RemoveContainerRequest request;
    request.set_container_id(id);
    v1::RemoveContainerResponse response;
    return daemon_->runtime().RemoveContainer(Context().get(), request, &response);
  }

  grpc::Status RemovePod(const std::string& id) {
    v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(id);
    v1::StopPodSandboxResponse stopped;
    const grpc::Status status = daemon_->runtime().StopPodSandbox(Context().get(), stop, &stopped);
    if (!status.ok()) return status;
    v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(id);
    v1::RemovePodSandboxResponse removed;
    return daemon_->runtime().RemovePodSandbox(Context().get(), remove, &removed);
  }

  v1::ContainerStatus Status(const std::string& id, std::string* info = nullptr) {
    v1::ContainerStatusRequest request;
    request.set_container_id(id);
    request.set_verbose(info != nullptr);
    v1::ContainerStatusResponse response;
    const grpc::Status status =
        daemon_->runtime().ContainerStatus(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (info != nullptr && response.info().count("info") != 0) *info = response.info().at("info");
    return response.status();
  }

  // Polls until the container has exited (or 20 s passed).
  v1::ContainerStatus WaitExited(const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    v1::ContainerStatus status = Status(id);
    while (status.state() != v1::CONTAINER_EXITED && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      status = Status(id);
    }
    return status;
  }

  v1::ExecSyncResponse Exec(const std::string& id, const std::vector<std::string>& cmd,
                            grpc::Status* status, std::int64_t timeout = 0) {
    v1::ExecSyncRequest request;
    request.set_container_id(id);
    for (const auto& arg : cmd) request.add_cmd(arg);
    request.set_timeout(timeout);
    v1::ExecSyncResponse response;
    *status = daemon_->runtime().ExecSync(Context().get(), request, &response);
    return response;
  }

  std::vector<v1::Container> List(const v1::ContainerFilter& filter = {}) {
    v1::ListContainersRequest request;
    *request.mutable_filter() = filter;
    v1::ListContainersResponse response;
    EXPECT_TRUE(daemon_->runtime().ListContainers(Context().get(), request, &response).ok());
    return {response.containers().begin(), response.containers().end()};
  }

  // Everything a pod or container made is gone: mounts, monitors, runc state, records.
  void ExpectNothingLeft() {
    EXPECT_TRUE(MountsUnder(dirs_.root()).empty())
        << "left mounted: "
        << (MountsUnder(dirs_.root()).empty() ? "" : MountsUnder(dirs_.root())[0]);
    EXPECT_TRUE(ProcessesMentioning(dirs_.root() + "/run/exits").empty()) << "a monitor is left";
    std::error_code ec;
    EXPECT_TRUE(std::filesystem::is_empty(dirs_.root() + "/lib/state/containers", ec));
    EXPECT_TRUE(std::filesystem::is_empty(dirs_.root() + "/lib/state/pods", ec));
    EXPECT_TRUE(std::filesystem::is_empty(dirs_.root() + "/lib/rootfs", ec) ||
                !std::filesystem::exists(dirs_.root() + "/lib/rootfs"));
    const std::string runc_root = dirs_.root() + "/run/runc";
    EXPECT_TRUE(!std::filesystem::exists(runc_root) || std::filesystem::is_empty(runc_root, ec))
        << "runc still knows a container";
  }

  static RegistryFixture* fixture_;
  TestDirs dirs_;
  std::unique_ptr<DaemonProcess> daemon_;
};

RegistryFixture* LifecycleTest::fixture_ = nullptr;

TEST_F(LifecycleTest, PodAndContainerFromCreateToRemove) {
  const v1::PodSandboxConfig pod_config = PodConfig("web");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();

  v1::PodSandboxStatusRequest pod_request;
  pod_request.set_pod_sandbox_id(pod);
  v1::PodSandboxStatusResponse pod_status;
  ASSERT_TRUE(daemon_->runtime().PodSandboxStatus(Context().get(), pod_request, &pod_status).ok());
  EXPECT_EQ(pod_status.status().state(), v1::SANDBOX_READY);
  EXPECT_EQ(pod_status.status().metadata().name(), "web");

  std::string id;
  ASSERT_TRUE(Create(pod, pod_config,
                     ContainerConfig("app", {"sh", "-c",
                                             "echo hello; echo oops >&2; hostname; "
                                             "exec sleep 1000"}),
                     &id)
                  .ok())
      << daemon_->Log();
  EXPECT_EQ(Status(id).state(), v1::CONTAINER_CREATED);
  ASSERT_TRUE(Start(id).ok()) << daemon_->Log();
  const v1::ContainerStatus running = Status(id);
  EXPECT_EQ(running.state(), v1::CONTAINER_RUNNING);
  EXPECT_GT(running.started_at(), 0);
  EXPECT_EQ(running.image().image(), fixture_->Image("busybox"));
  EXPECT_EQ(running.log_path(), dirs_.root() + "/logs/web/app.log");

  std::string info;
  Status(id, &info);
  EXPECT_NE(info.find("\"runtimeSpec\""), std::string::npos);
  EXPECT_NE(info.find("\"pid\""), std::string::npos);

  grpc::Status exec_status;
  const auto echoed = Exec(id, {"echo", "from exec"}, &exec_status);
  ASSERT_TRUE(exec_status.ok()) << exec_status.error_message();
  EXPECT_EQ(echoed.stdout(), "from exec\n");
  EXPECT_EQ(echoed.exit_code(), 0);
  const auto seven = Exec(id, {"sh", "-c", "echo bad >&2; exit 7"}, &exec_status);
  ASSERT_TRUE(exec_status.ok());
  EXPECT_EQ(seven.exit_code(), 7);
  EXPECT_EQ(seven.stderr(), "bad\n");
  Exec(id, {"sleep", "30"}, &exec_status, /*timeout=*/1);
  EXPECT_EQ(exec_status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  // The log is in the CRI format, one line per output line, both streams.
  const std::string log = Slurp(running.log_path());
  EXPECT_NE(log.find(" stdout F hello\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stderr F oops\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stdout F web\n"), std::string::npos) << "the pod's hostname: " << log;

  v1::ContainerFilter running_only;
  running_only.mutable_state()->set_state(v1::CONTAINER_RUNNING);
  EXPECT_EQ(List(running_only).size(), 1u);

  // sleep ignores nothing: SIGTERM ends it before the timeout.
  ASSERT_TRUE(Stop(id, 10).ok()) << daemon_->Log();
  const v1::ContainerStatus stopped = Status(id);
  EXPECT_EQ(stopped.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(stopped.exit_code(), 143);
  EXPECT_GT(stopped.finished_at(), 0);
  EXPECT_TRUE(Stop(id, 10).ok()) << "stopping a stopped container is fine";
  EXPECT_TRUE(List(running_only).empty());

  ASSERT_TRUE(RemoveContainer(id).ok()) << daemon_->Log();
  EXPECT_TRUE(RemoveContainer(id).ok()) << "removing twice is fine";
  EXPECT_TRUE(List().empty());
  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  EXPECT_TRUE(RemovePod(pod).ok()) << "stopping and removing twice is fine";
  ExpectNothingLeft();
}

TEST_F(LifecycleTest, ExitCodesAndAStopThatNeedsSigkill) {
  const v1::PodSandboxConfig pod_config = PodConfig("jobs");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();

  std::string three;
  ASSERT_TRUE(
      Create(pod, pod_config, ContainerConfig("three", {"sh", "-c", "exit 3"}), &three).ok())
      << daemon_->Log();
  ASSERT_TRUE(Start(three).ok());
  const v1::ContainerStatus exited = WaitExited(three);
  EXPECT_EQ(exited.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(exited.exit_code(), 3);
  EXPECT_EQ(exited.reason(), "Error");

  std::string zero;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("zero", {"true"}), &zero).ok());
  ASSERT_TRUE(Start(zero).ok());
  EXPECT_EQ(WaitExited(zero).reason(), "Completed");

  // A shell as PID 1 ignores SIGTERM: the stop ends with SIGKILL after the timeout.
  std::string stubborn;
  ASSERT_TRUE(
      Create(pod, pod_config,
             ContainerConfig("stubborn", {"sh", "-c", "trap '' TERM; while :; do sleep 1; done"}),
             &stubborn)
          .ok());
  ASSERT_TRUE(Start(stubborn).ok());
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(Stop(stubborn, 1).ok()) << daemon_->Log();
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(900));
  EXPECT_EQ(Status(stubborn).exit_code(), 137);

  // A created container that never started can be removed, and a running one too.
  std::string never;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("never", {"true"}), &never).ok());
  EXPECT_TRUE(RemoveContainer(never).ok()) << daemon_->Log();
  std::string busy;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("busy", {"sleep", "1000"}), &busy).ok());
  ASSERT_TRUE(Start(busy).ok());
  EXPECT_TRUE(RemoveContainer(busy).ok()) << daemon_->Log();

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

TEST_F(LifecycleTest, BadInputGetsTheRightCodeAndLeavesNothing) {
  const v1::PodSandboxConfig pod_config = PodConfig("bad");
  std::string pod;
  EXPECT_EQ(RunPod(pod_config, &pod, "no-such-handler").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::PodSandboxConfig nameless = pod_config;
  nameless.mutable_metadata()->set_name("");
  EXPECT_EQ(RunPod(nameless, &pod).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  std::string again;
  EXPECT_EQ(RunPod(pod_config, &again).error_code(), grpc::StatusCode::ALREADY_EXISTS);

  std::string id;
  EXPECT_EQ(Create("0000000000", pod_config, ContainerConfig("a", {"true"}), &id).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ContainerConfig missing_image = ContainerConfig("a", {"true"});
  missing_image.mutable_image()->set_image("127.0.0.1:1/nothing:here");
  EXPECT_EQ(Create(pod, pod_config, missing_image, &id).error_code(), grpc::StatusCode::NOT_FOUND);
  for (const char* path : {"../escape.log", "/abs.log", "a/../../b.log"}) {
    v1::ContainerConfig bad_log = ContainerConfig("a", {"true"});
    bad_log.set_log_path(path);
    EXPECT_EQ(Create(pod, pod_config, bad_log, &id).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << path;
  }
  v1::ContainerConfig relative_mount = ContainerConfig("a", {"true"});
  relative_mount.add_mounts()->set_container_path("relative");
  EXPECT_EQ(Create(pod, pod_config, relative_mount, &id).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ContainerConfig bad_binary = ContainerConfig("a", {"/no/such/binary"});
  const grpc::Status cannot_run = Create(pod, pod_config, bad_binary, &id);
  if (cannot_run.ok()) {
    // runc only finds out at start: then the container is exited with the reason.
    EXPECT_FALSE(Start(id).ok());
    EXPECT_TRUE(RemoveContainer(id).ok());
  }
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("a", {"true"}), &id).ok()) << daemon_->Log();
  std::string duplicate;
  EXPECT_EQ(Create(pod, pod_config, ContainerConfig("a", {"true"}), &duplicate).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(List().size(), 1u) << "only the good container exists";

  for (const auto& empty : {std::string()}) {
    EXPECT_EQ(Start(empty).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(Stop(empty, 1).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(RemoveContainer(empty).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(Start("ffffffff").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Stop("ffffffff", 1).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(RemoveContainer("ffffffff").ok()) << "RemoveContainer of a missing id is fine";
  grpc::Status exec_status;
  Exec(id, {"true"}, &exec_status);
  EXPECT_EQ(exec_status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "exec in a container that is not running";

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

TEST_F(LifecycleTest, ContainersSurviveADaemonKill) {
  const v1::PodSandboxConfig pod_config = PodConfig("survivor");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    std::string id;
    ASSERT_TRUE(Create(pod, pod_config,
                       ContainerConfig("c" + std::to_string(i),
                                       {"sh", "-c", "while :; do echo tick; sleep 0.2; done"}),
                       &id)
                    .ok())
        << daemon_->Log();
    ASSERT_TRUE(Start(id).ok());
    ids.push_back(id);
  }
  std::string short_lived;
  ASSERT_TRUE(Create(pod, pod_config, ContainerConfig("short", {"sh", "-c", "sleep 1; exit 4"}),
                     &short_lived)
                  .ok());
  ASSERT_TRUE(Start(short_lived).ok());

  const std::string log_path = Status(ids[0]).log_path();
  daemon_->Signal(SIGKILL);
  daemon_->WaitExit();
  std::this_thread::sleep_for(2s);  // the short-lived container ends while no daemon runs
  StartDaemon();

  for (const std::string& id : ids) {
    const v1::ContainerStatus status = Status(id);
    EXPECT_EQ(status.state(), v1::CONTAINER_RUNNING) << id;
  }
  const v1::ContainerStatus ended = Status(short_lived);
  EXPECT_EQ(ended.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(ended.exit_code(), 4);
  // Still logging: the monitor outlived the daemon.
  const std::size_t size = Slurp(log_path).size();
  std::this_thread::sleep_for(1s);
  EXPECT_GT(Slurp(log_path).size(), size);
  EXPECT_EQ(List().size(), 11u);

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

}  // namespace
}  // namespace crio::e2e
