#include "crio/common/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/owned_fd.h"

namespace crio::netns {

absl::Status RunIn(const std::string& netns_path, const std::function<void()>& work) {
  OwnedFd netns;
  if (!netns_path.empty()) {
    netns = OwnedFd(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (netns.get() < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("network namespace ", netns_path, " is gone: ", std::strerror(errno)));
    }
  }
  absl::Status entered;
  // A thread that entered another namespace must not go back to other work: this one
  // ends right after `work`.
  std::thread runner([&] {
    if (netns.get() >= 0 && ::setns(netns.get(), CLONE_NEWNET) != 0) {
      entered = fs::ErrnoStatus(errno, absl::StrCat("enter network namespace ", netns_path));
      return;
    }
    work();
  });
  runner.join();
  return entered;
}

}  // namespace crio::netns
