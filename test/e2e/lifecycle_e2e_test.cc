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
#include "lifecycle_fixture.h"
#include "registry_fixture.h"

namespace crio::e2e {
namespace {

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
  // Stopped, as in CRI-O: the runtime forgot it and its root filesystem is unmounted,
  // while its writable layer waits for RemoveContainer.
  const std::string rootfs_dir = dirs_.root() + "/lib/rootfs/" + stubborn;
  EXPECT_TRUE(MountsUnder(rootfs_dir).empty()) << MountsUnder(rootfs_dir)[0];
  EXPECT_TRUE(std::filesystem::exists(rootfs_dir + "/diff"));
  EXPECT_FALSE(std::filesystem::exists(dirs_.root() + "/run/runc/" + stubborn));

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

// A pod config without a linux section has no shared PID namespace, while a container's
// options default to POD: the container gets its own PID namespace (the demo's case).
TEST_F(LifecycleTest, APodWithoutLinuxOptionsRunsContainers) {
  v1::PodSandboxConfig pod_config = PodConfig("plain");
  pod_config.clear_linux();
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  std::string id;
  ASSERT_TRUE(
      Create(pod, pod_config, ContainerConfig("one", {"sh", "-c", "echo pid $$"}), &id).ok())
      << daemon_->Log();
  ASSERT_TRUE(Start(id).ok()) << daemon_->Log();
  EXPECT_EQ(WaitExited(id).exit_code(), 0);
  EXPECT_NE(Slurp(Status(id).log_path()).find(" stdout F pid 1\n"), std::string::npos);
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
