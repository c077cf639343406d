// Pod sandboxes: the pod files, sysctl rules, pinned namespaces (root), and a pod's whole
// life with nothing left behind (root).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crio/sandbox/namespaces.h"
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

// Runs argv and returns its stdout (a test helper: nsenter shows what is inside a namespace).
std::string Output(const std::string& command) {
  std::array<char, 4096> buffer{};
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");  // test-only; lint forbids it in src/
  if (pipe == nullptr) return out;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
  ::pclose(pipe);
  return out;
}

bool IsNsfsMount(const std::string& path) {
  const std::string mounts = Slurp("/proc/self/mountinfo");
  return mounts.find(" " + path + " ") != std::string::npos;
}

TEST(SysctlNamespaceTest, KnowsWhichSysctlsAreNamespaced) {
  EXPECT_EQ(SysctlNamespace("net.ipv4.ip_forward"), "net");
  EXPECT_EQ(SysctlNamespace("kernel.shmmax"), "ipc");
  EXPECT_EQ(SysctlNamespace("kernel.msgmnb"), "ipc");
  EXPECT_EQ(SysctlNamespace("fs.mqueue.msg_max"), "ipc");
  EXPECT_EQ(SysctlNamespace("kernel.domainname"), "uts");
  EXPECT_EQ(SysctlNamespace("kernel.panic"), "");
  EXPECT_EQ(SysctlNamespace("vm.overcommit_memory"), "");
  EXPECT_EQ(SysctlNamespace("kernel.shm"), "") << "prefixes of ipc names are not ipc names";
}

TEST(PodFilesTest, ResolvConfFromTheDnsConfigOrTheHost) {
  auto text = ResolvConfText({.servers = {"10.0.0.10", "10.0.0.11"},
                              .searches = {"default.svc.cluster.local", "cluster.local"},
                              .options = {"ndots:5"}},
                             "/nonexistent");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "search default.svc.cluster.local cluster.local\n"
            "nameserver 10.0.0.10\nnameserver 10.0.0.11\noptions ndots:5\n");
  char tmpl[] = "/tmp/crio-resolv-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "nameserver 1.1.1.1\n", 19), 19);
  ::close(fd);
  EXPECT_EQ(*ResolvConfText({}, tmpl), "nameserver 1.1.1.1\n");
  ::unlink(tmpl);
  EXPECT_TRUE(absl::IsInvalidArgument(
      ResolvConfText({.servers = {"1.1.1.1\nnameserver 6.6.6.6"}, .searches = {}, .options = {}},
                     "")
          .status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ResolvConfText({.servers = {}, .searches = {""}, .options = {}}, "").status()));
}

TEST(PodFilesTest, HostsNameThePod) {
  const std::string hosts = HostsText("web-0", {"10.88.0.5", "fd00::5"});
  EXPECT_NE(hosts.find("127.0.0.1\tlocalhost\n"), std::string::npos);
  EXPECT_NE(hosts.find("10.88.0.5\tweb-0\nfd00::5\tweb-0\n"), std::string::npos);
  EXPECT_EQ(hosts.find("127.0.1.1"), std::string::npos) << "a pod with an IP is named by it";
  EXPECT_NE(HostsText("web-0", {}).find("127.0.1.1\tweb-0\n"), std::string::npos);
}

class RootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces and mounts)";
    char tmpl[] = "/tmp/crio-sandbox-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    std::error_code ec;
    for (const char* sub : {"/ns/netns", "/ns/ipcns", "/ns/utsns"}) {
      for (const auto& entry : stdfs::directory_iterator(dir_ + sub, ec)) {
        ::umount2(entry.path().c_str(), MNT_DETACH);
      }
    }
    stdfs::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(RootTest, PinsNamespacesWithLoopbackHostnameAndSysctls) {
  auto pinned =
      PinNamespaces({.namespaces_dir = dir_ + "/ns",
                     .pod_id = "pod1",
                     .hostname = "pod-host",
                     .sysctls = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmni", "2048"}}});
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_TRUE(IsNsfsMount(pinned->net));
  EXPECT_TRUE(IsNsfsMount(pinned->ipc));
  EXPECT_TRUE(IsNsfsMount(pinned->uts));
  EXPECT_EQ(Output("nsenter --uts=" + pinned->uts + " hostname"), "pod-host\n");
  EXPECT_NE(Output("nsenter --net=" + pinned->net + " ip -o link show lo").find("UP"),
            std::string::npos);
  EXPECT_EQ(Output("nsenter --net=" + pinned->net + " cat /proc/sys/net/ipv4/ip_forward"), "1\n");
  EXPECT_EQ(Output("nsenter --ipc=" + pinned->ipc + " cat /proc/sys/kernel/shmmni"), "2048\n");

  ASSERT_TRUE(UnpinNamespaces(*pinned).ok());
  EXPECT_FALSE(stdfs::exists(pinned->net));
  EXPECT_FALSE(IsNsfsMount(pinned->net));
  EXPECT_TRUE(UnpinNamespaces(*pinned).ok()) << "idempotent";
}

TEST_F(RootTest, AHostSysctlOrAnUnknownOneLeavesNothingPinned) {
  auto refused = PinNamespaces({.namespaces_dir = dir_ + "/ns",
                                .pod_id = "pod1",
                                .hostname = "",
                                .sysctls = {{"kernel.panic", "1"}}});
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  auto unknown = PinNamespaces({.namespaces_dir = dir_ + "/ns",
                                .pod_id = "pod1",
                                .hostname = "",
                                .sysctls = {{"net.nope.nothing", "1"}}});
  EXPECT_TRUE(absl::IsInvalidArgument(unknown.status())) << unknown.status();
  EXPECT_FALSE(stdfs::exists(dir_ + "/ns/netns/pod1"));
  EXPECT_FALSE(stdfs::exists(dir_ + "/ns/utsns/pod1"));
  EXPECT_FALSE(IsNsfsMount(dir_ + "/ns/netns/pod1"));
}

class PodManagerTest : public RootTest {
 protected:
  void SetUp() override {
    RootTest::SetUp();
    if (IsSkipped()) return;
    auto store = store::Store::Open(dir_ + "/state");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    PodOptions options;
    options.runroot = dir_ + "/run";
    options.namespaces_dir = dir_ + "/ns";
    options.cgroup_manager = "cgroupfs";
    options.pause_binary = CRIO_MONITOR_BIN;
    PodContainerHooks hooks;
    hooks.stop_all = [this](const RequestContext&, const std::string&) {
      ++stops_;
      return absl::OkStatus();
    };
    hooks.remove_all = [this](const RequestContext&, const std::string&) {
      ++removes_;
      return absl::OkStatus();
    };
    manager_ = std::make_unique<PodManager>(*store_, options, std::move(hooks));
  }

  static PodRequest Request(const std::string& name) {
    PodRequest request;
    request.pod.name = name;
    request.pod.pod_namespace = "default";
    request.pod.uid = "uid-" + name;
    request.pod.hostname = name;
    request.pod.labels = {{"app", name}};
    request.dns.servers = {"10.0.0.10"};
    return request;
  }

  const RequestContext ctx_{"test", "RunPodSandbox"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<PodManager> manager_;
  int stops_ = 0;
  int removes_ = 0;
};

TEST_F(PodManagerTest, RunStopRemoveLeavesNothing) {
  auto id = manager_->Run(ctx_, Request("web"));
  ASSERT_TRUE(id.ok()) << id.status();
  auto pod = store_->GetPod(*id);
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(pod->phase, store::Phase::kCreated);
  EXPECT_EQ(pod->cgroup_parent, "/crio");
  EXPECT_EQ(Slurp(pod->hostname_path), "web\n");
  EXPECT_EQ(Slurp(pod->resolv_conf_path), "nameserver 10.0.0.10\n");
  EXPECT_TRUE(IsNsfsMount(pod->netns_path));
  EXPECT_TRUE(IsNsfsMount(pod->shm_path)) << "the pod's /dev/shm is a tmpfs";
  EXPECT_EQ(store_->ListPods().size(), 1u);

  EXPECT_TRUE(absl::IsAlreadyExists(manager_->Run(ctx_, Request("web")).status()));
  EXPECT_EQ(store_->ListPods().size(), 1u) << "the refused duplicate left nothing";

  ASSERT_TRUE(manager_->Stop(ctx_, *id).ok());
  EXPECT_EQ(stops_, 1);
  EXPECT_EQ(store_->GetPod(*id)->state, store::PodState::kNotReady);
  EXPECT_FALSE(IsNsfsMount(pod->netns_path));
  EXPECT_FALSE(IsNsfsMount(pod->shm_path));
  ASSERT_TRUE(manager_->Stop(ctx_, *id).ok()) << "stopping twice is fine";

  ASSERT_TRUE(manager_->Remove(ctx_, *id).ok());
  EXPECT_EQ(removes_, 1);
  EXPECT_FALSE(stdfs::exists(pod->run_dir));
  EXPECT_TRUE(absl::IsNotFound(store_->GetPod(*id).status()));
  EXPECT_TRUE(manager_->Remove(ctx_, *id).ok()) << "removing a missing pod is fine";
  EXPECT_TRUE(manager_->Stop(ctx_, "0123456789").ok()) << "stopping a missing pod is fine";
}

std::string NamespaceOf(pid_t pid, const char* type) {
  return stdfs::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + type).string();
}

TEST_F(PodManagerTest, ASharedPidNamespaceHasItsOwnPid1) {
  PodRequest request = Request("shared");
  request.pod.share_pid = true;
  auto id = manager_->Run(ctx_, request);
  ASSERT_TRUE(id.ok()) << id.status();
  const store::PodRecord pod = *store_->GetPod(*id);
  ASSERT_GT(pod.pause_pid, 0);
  EXPECT_TRUE(PidNamespaceHolderRunning(pod.pause_pid, pod.id));
  EXPECT_FALSE(PidNamespaceHolderRunning(pod.pause_pid, "another-pod"));
  EXPECT_NE(NamespaceOf(pod.pause_pid, "pid"), NamespaceOf(::getpid(), "pid"));
  // PID 1 inside its namespace: the last NSpid field of its status is 1.
  const std::string status = Slurp("/proc/" + std::to_string(pod.pause_pid) + "/status");
  const auto nspid = status.find("NSpid:");
  ASSERT_NE(nspid, std::string::npos);
  EXPECT_NE(status.substr(nspid, status.find('\n', nspid) - nspid).rfind("\t1"), std::string::npos);
  ASSERT_TRUE(manager_->Stop(ctx_, *id).ok());
  EXPECT_FALSE(PidNamespaceHolderRunning(pod.pause_pid, pod.id));
  ASSERT_TRUE(manager_->Remove(ctx_, *id).ok());
}

TEST_F(PodManagerTest, RecoverKillsTheHolderOfAHalfCreatedPod) {
  // The daemon died after starting the holder and before recording its pid.
  store::PodRecord half;
  half.id = "def456";
  half.name = "half-shared";
  half.pod_namespace = "default";
  half.share_pid = true;
  half.run_dir = dir_ + "/run/pods/def456";
  ASSERT_TRUE(store_->AddPod(half).ok());  // phase creating, pause_pid 0
  auto holder = StartPidNamespaceHolder(CRIO_MONITOR_BIN, half.id);
  ASSERT_TRUE(holder.ok()) << holder.status();
  EXPECT_THAT(FindPidNamespaceHolders(half.id), ::testing::ElementsAre(*holder));
  EXPECT_TRUE(FindPidNamespaceHolders("another-pod").empty());

  manager_->Recover(ctx_);
  EXPECT_TRUE(absl::IsNotFound(store_->GetPod(half.id).status()));
  EXPECT_FALSE(PidNamespaceHolderRunning(*holder, half.id));
  EXPECT_TRUE(FindPidNamespaceHolders(half.id).empty());
}

TEST_F(PodManagerTest, BadRequestsAreRefusedAndLeaveNothing) {
  PodRequest no_name = Request("");
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Run(ctx_, no_name).status()));
  PodRequest relative_logs = Request("web");
  relative_logs.pod.log_directory = "logs/../x";
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Run(ctx_, relative_logs).status()));
  PodRequest host_sysctl = Request("web");
  host_sysctl.sysctls = {{"kernel.panic", "1"}};
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Run(ctx_, host_sysctl).status()));
  PodRequest bad_host = Request("web");
  bad_host.pod.hostname = "a b";
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Run(ctx_, bad_host).status()));

  store::PodFilter all;
  all.include_unfinished = true;
  EXPECT_TRUE(store_->ListPods(all).empty());
  std::error_code ec;
  EXPECT_TRUE(stdfs::is_empty(dir_ + "/run/pods", ec) || !stdfs::exists(dir_ + "/run/pods"));
  EXPECT_TRUE(stdfs::is_empty(dir_ + "/ns/netns", ec) || !stdfs::exists(dir_ + "/ns/netns"));
}

TEST_F(PodManagerTest, RecoverRemovesHalfCreatedPods) {
  store::PodRecord half;
  half.id = "abc123";
  half.name = "half";
  half.pod_namespace = "default";
  half.run_dir = dir_ + "/run/pods/abc123";
  ASSERT_TRUE(store_->AddPod(half).ok());  // phase creating
  stdfs::create_directories(half.run_dir);
  auto ready = manager_->Run(ctx_, Request("ok"));
  ASSERT_TRUE(ready.ok());

  manager_->Recover(ctx_);
  EXPECT_TRUE(absl::IsNotFound(store_->GetPod("abc123").status()));
  EXPECT_FALSE(stdfs::exists(half.run_dir));
  EXPECT_EQ(store_->GetPod(*ready)->state, store::PodState::kReady);

  // After a reboot the pinned namespace is gone: the pod is NotReady, not broken.
  ASSERT_TRUE(
      UnpinNamespaces({.net = store_->GetPod(*ready)->netns_path, .ipc = "", .uts = ""}).ok());
  manager_->Recover(ctx_);
  EXPECT_EQ(store_->GetPod(*ready)->state, store::PodState::kNotReady);
  ASSERT_TRUE(manager_->Remove(ctx_, *ready).ok());
}

TEST_F(PodManagerTest, AnInfraContainerReplacesThePidHolderAndItsFailureLeavesNothing) {
  // drop_infra_ctr = false: the hook runs the pause container, with the pod's
  // namespaces already pinned, and the pod records it under its own id.
  std::vector<store::PodRecord> seen;
  bool fail = false;
  PodOptions options;
  options.runroot = dir_ + "/run";
  options.namespaces_dir = dir_ + "/ns";
  options.cgroup_manager = "cgroupfs";
  options.pause_binary = CRIO_MONITOR_BIN;
  PodContainerHooks hooks;
  hooks.stop_all = [this](const RequestContext&, const std::string&) {
    ++stops_;
    return absl::OkStatus();
  };
  hooks.remove_all = [this](const RequestContext&, const std::string&) {
    ++removes_;
    return absl::OkStatus();
  };
  hooks.run_infra = [&](const RequestContext&, const store::PodRecord& pod) {
    seen.push_back(pod);
    return fail ? absl::NotFoundError("pause image missing") : absl::OkStatus();
  };
  PodManager manager(*store_, options, std::move(hooks));

  PodRequest request = Request("with-infra");
  request.pod.share_pid = true;
  auto id = manager.Run(ctx_, request);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(IsNsfsMount(seen[0].netns_path)) << "pinned before the infra container runs";
  EXPECT_EQ(seen[0].phase, store::Phase::kCreating);
  const store::PodRecord pod = *store_->GetPod(*id);
  EXPECT_EQ(pod.infra_container_id, pod.id);
  EXPECT_EQ(pod.pause_pid, 0) << "the infra container holds the PID namespace, not crio-monitor";
  EXPECT_TRUE(FindPidNamespaceHolders(pod.id).empty());
  ASSERT_TRUE(manager.Remove(ctx_, *id).ok());
  EXPECT_EQ(removes_, 1);

  fail = true;
  const int removes_before = removes_;
  EXPECT_TRUE(absl::IsNotFound(manager.Run(ctx_, Request("broken")).status()));
  EXPECT_EQ(removes_, removes_before + 1) << "a failed run removes what the hook made";
  store::PodFilter all;
  all.include_unfinished = true;
  EXPECT_TRUE(store_->ListPods(all).empty());
  std::error_code ec;
  EXPECT_TRUE(stdfs::is_empty(dir_ + "/ns/netns", ec) || !stdfs::exists(dir_ + "/ns/netns"));
}

}  // namespace
}  // namespace crio::sandbox
