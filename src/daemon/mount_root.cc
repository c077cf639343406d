#include "mount_root.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "crio/common/fs.h"

namespace crio::daemon {

absl::StatusOr<bool> RootIsMountNamespaceRoot() {
  const int ns = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (ns < 0) return fs::ErrnoStatus(errno, "open /proc/self/ns/mnt");
  struct stat ours {};
  if (::stat("/", &ours) != 0) {
    const int saved = errno;
    ::close(ns);
    return fs::ErrnoStatus(saved, "stat /");
  }
  // setns into one's own mount namespace resets the root to the namespace's root, as
  // it does for `runc exec`. Only a child may try it: the daemon keeps its root.
  const pid_t child = ::fork();
  if (child < 0) {
    const int saved = errno;
    ::close(ns);
    return fs::ErrnoStatus(saved, "fork");
  }
  if (child == 0) {
    struct stat theirs {};
    if (::setns(ns, CLONE_NEWNS) != 0 || ::stat("/", &theirs) != 0) ::_exit(2);
    ::_exit(theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino ? 0 : 1);
  }
  ::close(ns);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return fs::ErrnoStatus(errno, "waitpid");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
    return absl::PermissionDeniedError("setns into the daemon's own mount namespace failed");
  }
  return WEXITSTATUS(status) == 0;
}

}  // namespace crio::daemon
