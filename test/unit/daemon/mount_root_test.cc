#include "mount_root.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>

namespace crio::daemon {
namespace {

// Runs `prepare` and then the check in a child, which may change its namespaces and
// root freely. 0: at the namespace's root, 1: below it, 2: the check failed, 3: the
// preparation failed.
int CheckInChild(const std::function<bool()>& prepare) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (!prepare()) ::_exit(3);
    const absl::StatusOr<bool> at_root = RootIsMountNamespaceRoot();
    ::_exit(!at_root.ok() ? 2 : (*at_root ? 0 : 1));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class MountRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (setns, chroot, mount)";
  }
};

// After setns into its own mount namespace a process is at that namespace's root: the
// state that `runc exec` leaves its process in.
TEST_F(MountRootTest, AProcessAtItsNamespaceRootIsReportedSo) {
  EXPECT_EQ(CheckInChild([] {
              const int ns = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
              return ns >= 0 && ::setns(ns, CLONE_NEWNS) == 0 && ::chdir("/") == 0;
            }),
            0);
}

// The CI harness's situation: chrooted below the namespace's root.
TEST_F(MountRootTest, AChrootedProcessIsReportedAsBelowTheRoot) {
  char tmpl[] = "/tmp/crio-mount-root-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string proc = dir + "/proc";
  ASSERT_EQ(::mkdir(proc.c_str(), 0755), 0);
  EXPECT_EQ(CheckInChild([&] {
              return ::unshare(CLONE_NEWNS) == 0 &&
                     ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
                     ::mount("/proc", proc.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == 0 &&
                     ::chroot(dir.c_str()) == 0 && ::chdir("/") == 0;
            }),
            1);
  // The child's mount namespace, and the bind mount with it, ended with the child.
  ::rmdir(proc.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace crio::daemon
