// A spec from BuildContainerSpec is accepted and honoured by the real runc: a busybox
// container is created, started, inspected and deleted, and what it prints (its ids,
// environment, hostname, limits) is what the spec said. Root only; nothing is left
// behind (the bundle and runc state live in a temp dir, the cgroups are removed).

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "crio/spec/container_spec.h"
#include "spec_test_util.h"

extern char** environ;

namespace crio::spec {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::WriteFile;

constexpr char kRunc[] = "/usr/sbin/runc";
constexpr char kBusybox[] = "/usr/bin/busybox";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs argv with stdout and stderr to the given fds; returns the exit status (-1 when
// it could not be started or died of a signal).
int Run(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The runc CLI on a private state root, logging into files of `dir`.
class Runc {
 public:
  Runc(std::string root, std::string log_dir) : root_(std::move(root)), dir_(std::move(log_dir)) {}

  /// Runs `runc --root <root> <args...>`; stdout goes to `stdout_path`.
  int operator()(const std::vector<std::string>& args, const std::string& stdout_path) const {
    std::vector<std::string> argv = {kRunc, "--root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int err =
        ::open((dir_ + "/runc.err").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int rc = Run(argv, out, err);
    ::close(out);
    ::close(err);
    return rc;
  }
  std::string errors() const { return ReadAll(dir_ + "/runc.err"); }

 private:
  std::string root_;
  std::string dir_;
};

bool HasCapSysResource() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      const unsigned long long caps = std::stoull(line.substr(7), nullptr, 16);
      return (caps >> 24) & 1;  // CAP_SYS_RESOURCE
    }
  }
  return false;
}

int OwnOomScoreAdj() { return std::stoi(ReadAll("/proc/self/oom_score_adj")); }

// Removes <parent> from every cgroup hierarchy (runc delete removes only the leaf).
// The kernel may still be releasing the leaf for a moment (EBUSY), hence the retries.
// Returns whether nothing is left.
bool RemoveCgroupParent(const std::string& parent) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    bool left = false;
    DIR* dir = ::opendir("/sys/fs/cgroup");
    if (dir == nullptr) return true;
    while (const dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string path = absl::StrCat("/sys/fs/cgroup/", name, parent);
      if (::rmdir(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) left = true;
    }
    ::closedir(dir);
    // A cgroup2-only host has the parent right below /sys/fs/cgroup.
    const std::string v2 = absl::StrCat("/sys/fs/cgroup", parent);
    if (::rmdir(v2.c_str()) != 0 && errno != ENOENT) left = true;
    if (!left) return true;
    ::usleep(20 * 1000);
  }
  return false;
}

TEST(RuncTest, RunsTheBuiltSpec) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  if (::access(kRunc, X_OK) != 0) GTEST_SKIP() << kRunc << " is missing";
  if (::access(kBusybox, X_OK) != 0) GTEST_SKIP() << kBusybox << " is missing";

  TempDir dir;
  const std::string bundle = dir.Sub("bundle");
  const std::string rootfs = bundle + "/rootfs";
  std::filesystem::create_directories(rootfs + "/bin");
  std::filesystem::copy_file(kBusybox, rootfs + "/bin/busybox");
  ::chmod((rootfs + "/bin/busybox").c_str(), 0755);
  WriteFile(rootfs + "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\n");
  WriteFile(rootfs + "/etc/group", "root:x:0:\napp:x:1000:\nextra:x:2000:app\n");

  const std::string id = absl::StrCat("crio-spec-test-", ::getpid());
  const std::string cgroup_parent = absl::StrCat("/", id);

  SpecInput in;
  in.container_id = id;
  in.rootfs = rootfs;
  in.request.name = "runc-test";
  in.request.image = "busybox";
  in.request.command = {
      "/bin/busybox", "sh", "-c",
      "echo \"ids=$(/bin/busybox id -u):$(/bin/busybox id -g) groups=$(/bin/busybox id -G)\"; "
      "echo \"HOME=$HOME GREETING=$GREETING IMAGE_VAR=$IMAGE_VAR\"; "
      "echo \"hostname=$(/bin/busybox hostname)\"; "
      "echo \"nofile=$(ulimit -n)\"; "
      "echo \"oom=$(/bin/busybox cat /proc/self/oom_score_adj)\"; "
      "echo \"port_start=$(/bin/busybox cat /proc/sys/net/ipv4/ip_unprivileged_port_start)\"; "
      "/bin/busybox cat /proc/kcore >/dev/null 2>&1 && echo kcore=readable || echo kcore=masked"};
  in.request.envs = {{"GREETING", "hello"}};
  in.request.security.run_as_username = "app";
  in.request.security.namespace_options.pid = NamespaceMode::kContainer;
  in.request.resources.memory_limit_in_bytes = 64 << 20;
  in.request.resources.cpu_shares = 256;
  in.request.resources.oom_score_adj = -500;
  in.image.config.env = {"IMAGE_VAR=from-image"};
  in.pod.id = "no-pod";
  in.pod.hostname = "spec-test";
  in.pod.log_directory = dir.path();
  in.pod.cgroup_parent = cgroup_parent;
  in.pod.sysctls = {{"net.ipv4.ip_unprivileged_port_start", "42"}};
  in.defaults.cgroup_manager = "cgroupfs";
  in.defaults.default_ulimits = {"nofile=1024:2048"};
  in.defaults.pids_limit = 100;
  in.defaults.daemon_oom_score_adj = OwnOomScoreAdj();
  in.defaults.daemon_has_cap_sys_resource = HasCapSysResource();
  in.defaults.swap_supported =
      std::filesystem::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
  in.defaults.pids_supported = std::filesystem::exists("/sys/fs/cgroup/pids");
  in.defaults.hugetlb_supported = false;

  absl::StatusOr<BuiltSpec> built = BuildContainerSpec(in);
  ASSERT_TRUE(built.ok()) << built.status();
  const int expected_oom = built->spec["process"]["oomScoreAdj"].get<int>();
  if (!in.defaults.daemon_has_cap_sys_resource && in.defaults.daemon_oom_score_adj > -500) {
    EXPECT_EQ(expected_oom, in.defaults.daemon_oom_score_adj);
    EXPECT_THAT(built->warnings, ::testing::Contains(HasSubstr("Raising oom_score_adj")));
  } else {
    EXPECT_EQ(expected_oom, -500);
  }
  WriteFile(bundle + "/config.json", built->spec.dump(2));

  const Runc runc(dir.Sub("runc-root"), dir.path());
  const std::string out = dir.Sub("container.out");
  // The container's init is reparented to us once `runc create` exits, so that we can
  // wait for it instead of polling.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  absl::Cleanup cleanup = [&] {
    runc({"delete", "--force", id}, dir.Sub("delete.out"));
    EXPECT_TRUE(RemoveCgroupParent(cgroup_parent)) << "cgroup " << cgroup_parent << " is left";
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  };

  ASSERT_EQ(runc({"create", "--bundle", bundle, id}, out), 0) << runc.errors();
  ASSERT_EQ(runc({"state", id}, dir.Sub("state1.json")), 0) << runc.errors();
  const nlohmann::json created = nlohmann::json::parse(ReadAll(dir.Sub("state1.json")));
  EXPECT_EQ(created["status"], "created");
  const pid_t pid = created["pid"].get<int>();
  ASSERT_GT(pid, 0);

  ASSERT_EQ(runc({"start", id}, dir.Sub("start.out")), 0) << runc.errors();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << ReadAll(out);

  ASSERT_EQ(runc({"state", id}, dir.Sub("state2.json")), 0) << runc.errors();
  EXPECT_EQ(nlohmann::json::parse(ReadAll(dir.Sub("state2.json")))["status"], "stopped");
  ASSERT_EQ(runc({"delete", id}, dir.Sub("delete.out")), 0) << runc.errors();

  const std::string output = ReadAll(out);
  EXPECT_THAT(output, HasSubstr("ids=1000:1000 groups=1000 2000\n"));
  EXPECT_THAT(output, HasSubstr("HOME=/home/app GREETING=hello IMAGE_VAR=from-image\n"));
  EXPECT_THAT(output, HasSubstr("hostname=spec-test\n"));
  EXPECT_THAT(output, HasSubstr("nofile=1024\n"));
  EXPECT_THAT(output, HasSubstr(absl::StrCat("oom=", expected_oom, "\n")));
  EXPECT_THAT(output, HasSubstr("port_start=42\n"));
  EXPECT_THAT(output, HasSubstr("kcore=masked\n"));
}

}  // namespace
}  // namespace crio::spec
