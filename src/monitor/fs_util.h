#pragma once

// Small file and socket helpers for crio-monitor and its client, in plain C++ so that
// the monitor links no abseil. They return 0 or an errno, never throw.

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <cstddef>

namespace crio::monitor {

/// Creates every missing parent directory of `path` with `mode`.
/// @return 0 or the errno of the failing mkdir
int MakeParentDirs(const char* path, mode_t mode);

/// Writes all of `data` to `fd`, retrying on EINTR and short writes.
/// @return 0 or an errno
int WriteAll(int fd, const char* data, std::size_t len);

/// Replaces `path` with `data` atomically: a temporary file in the same directory,
/// fsync, rename, fsync of the directory. Parent directories are created.
/// @return 0 or the errno of the failing step
int WriteFileAtomic(const char* path, const char* data, std::size_t len, mode_t mode);

/// A sockaddr_un for `path`. A path too long for sun_path is reached through its
/// directory: `*dir_fd` is then an O_PATH fd the caller closes after bind/connect
/// (else -1) and the address is /proc/self/fd/<dir_fd>/<name>.
/// @return 0 or an errno (ENAMETOOLONG when even that does not fit)
int UnixAddress(const char* path, sockaddr_un* addr, socklen_t* addr_len, int* dir_fd);

}  // namespace crio::monitor
