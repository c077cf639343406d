#include "monitor_cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace crio::container {
namespace {

TEST(MonitorCgroupPathTest, OnlyPodWithCgroupfsMovesTheMonitor) {
  EXPECT_EQ(MonitorCgroupPath("cgroupfs", "pod", "/kubepods/besteffort/pod1", "abc"),
            "/kubepods/besteffort/pod1/crio-conmon-abc");
  EXPECT_EQ(MonitorCgroupPath("cgroupfs", "pod", "", "abc"), "/crio/crio-conmon-abc");
  EXPECT_EQ(MonitorCgroupPath("cgroupfs", "pod", "kubepods/", "abc"), "/kubepods/crio-conmon-abc");
  EXPECT_EQ(MonitorCgroupPath("cgroupfs", "pod", "/", "abc"), "/crio-conmon-abc");
  EXPECT_EQ(MonitorCgroupPath("cgroupfs", "", "/kubepods", "abc"), "");
  EXPECT_EQ(MonitorCgroupPath("cgroupfs", "system.slice", "/kubepods", "abc"), "");
  EXPECT_EQ(MonitorCgroupPath("systemd", "pod", "kubepods.slice", "abc"), "")
      << "a systemd scope needs systemd, which this manager does not drive yet";
}

TEST(MonitorCgroupTest, BadPathsAreRefused) {
  EXPECT_TRUE(absl::IsInvalidArgument(JoinCgroup("relative/x", ::getpid())));
  EXPECT_TRUE(absl::IsInvalidArgument(JoinCgroup("/a/../../etc", ::getpid())));
  EXPECT_TRUE(absl::IsInvalidArgument(RemoveCgroup("/a/./b")));
  EXPECT_TRUE(RemoveCgroup("").ok());
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(MonitorCgroupTest, JoinsEveryHierarchyAndRemovesTheLeaf) {
  struct stat st {};
  if (::geteuid() != 0 || ::stat("/sys/fs/cgroup", &st) != 0) {
    GTEST_SKIP() << "needs root and cgroups";
  }
  const std::string parent = "/crio-unit-" + std::to_string(::getpid());
  const std::string path = parent + "/crio-conmon-test";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  const absl::Status joined = JoinCgroup(path, child);
  const std::string cgroups = Slurp("/proc/" + std::to_string(child) + "/cgroup");
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(joined.ok()) << joined;
  // Every line of /proc/PID/cgroup (one per hierarchy) names the new cgroup.
  std::istringstream lines(cgroups);
  std::string line;
  int hierarchies = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++hierarchies;
    EXPECT_NE(line.find(path), std::string::npos) << line;
  }
  EXPECT_GT(hierarchies, 0);
  ASSERT_TRUE(RemoveCgroup(path).ok());
  EXPECT_TRUE(RemoveCgroup(path).ok()) << "removing twice is fine";
  std::ifstream mounts("/proc/self/mountinfo");
  while (std::getline(mounts, line)) {
    if (line.find(" - cgroup") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5; ++i) fields >> field;
    EXPECT_NE(::stat((field + path).c_str(), &st), 0) << field + path << " is left";
    ::rmdir((field + parent).c_str());
  }
}

}  // namespace
}  // namespace crio::container
