// The shared fixture of the lifecycle e2e suites: the registry fixture started once for
// the suite, a daemon per test with busybox pulled, and helpers for the CRI calls and
// for the leak checks.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_process.h"
#include "registry_fixture.h"

namespace crio::e2e {

namespace v1 = ::runtime::v1;
using std::chrono_literals::operator""s;

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Mount points under `dir` (mountinfo's fifth field).
inline std::vector<std::string> MountsUnder(const std::string& dir) {
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
inline std::vector<int> ProcessesMentioning(const std::string& needle) {
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
  static void SetUpTestSuite() { fixture_ = RegistryFixture::Shared(); }
  static void TearDownTestSuite() { fixture_ = nullptr; }

  void SetUp() override {
    ASSERT_NE(fixture_, nullptr) << "the registry fixture did not start";
    dirs_.Write("crio.conf.d/10-registries.conf",
                "[crio.image]\nregistries_conf = \"" + fixture_->registries_conf() + "\"\n");
    // Pods need a usable CNI network; a loopback-only one gives them one without
    // touching the host's network. Suites that want more write a config that sorts first.
    dirs_.Write("crio.conf.d/10-network.conf",
                "[crio.network]\nnetwork_dir = \"" + dirs_.root() +
                    "/net.d/\"\nplugin_dirs = [\"/usr/lib/cni/\", \"" + dirs_.root() +
                    "/cni-bin/\"]\n");
    dirs_.Write(
        "net.d/99-loopback.conflist",
        R"({"cniVersion": "1.0.0", "name": "e2e-loopback", "plugins": [{"type": "loopback"}]})");
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
    // Holders of shared PID namespaces name their pod, not the test's dirs.
    for (const auto& pod : pods_made_) {
      for (int pid : ProcessesMentioning("pause " + pod)) ::kill(pid, SIGKILL);
    }
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
    if (!id->empty()) pods_made_.push_back(*id);
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
    for (const auto& pod : pods_made_) {
      EXPECT_TRUE(ProcessesMentioning("pause " + pod).empty())
          << "the PID namespace holder of pod " << pod << " is left";
    }
    std::error_code ec;
    EXPECT_TRUE(std::filesystem::is_empty(dirs_.root() + "/lib/state/containers", ec));
    EXPECT_TRUE(std::filesystem::is_empty(dirs_.root() + "/lib/state/pods", ec));
    // Removed root filesystems go through <rootfs>/.trash, emptied in the background.
    const std::string rootfs_dir = dirs_.root() + "/lib/rootfs";
    for (const auto& entry : std::filesystem::directory_iterator(rootfs_dir, ec)) {
      EXPECT_EQ(entry.path().filename(), ".trash") << entry.path() << " is left";
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!std::filesystem::is_empty(rootfs_dir + "/.trash", ec) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(std::filesystem::is_empty(rootfs_dir + "/.trash", ec) ||
                !std::filesystem::exists(rootfs_dir + "/.trash"))
        << "the trash of removed root filesystems is not emptied";
    const std::string runc_root = dirs_.root() + "/run/runc";
    EXPECT_TRUE(!std::filesystem::exists(runc_root) || std::filesystem::is_empty(runc_root, ec))
        << "runc still knows a container";
  }

  inline static RegistryFixture* fixture_ = nullptr;
  TestDirs dirs_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::vector<std::string> pods_made_;  ///< every pod RunPod made, for the leak checks
};

}  // namespace crio::e2e
