#pragma once

// Whether the daemon's root directory is the root of its mount namespace. When it is
// not (the daemon runs chrooted, as in CI's fresh-Debian chroot), runc still starts
// containers correctly, but `runc exec` joins the container's mount namespace with
// setns, which moves the exec'd process to that namespace's root: the host's /, not
// the container's rootfs. An exec'd command then sees and writes the host's files.

#include "absl/status/statusor.h"

namespace crio::daemon {

/// @return true when "/" of this process is the root of its mount namespace, false when
///     the process runs chrooted below it; an error when it cannot be told (no
///     /proc/self/ns/mnt, or setns refused for want of CAP_SYS_ADMIN)
absl::StatusOr<bool> RootIsMountNamespaceRoot();

}  // namespace crio::daemon
