#include "fs_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace crio::monitor {

int MakeParentDirs(const char* path, mode_t mode) {
  char buf[PATH_MAX];
  const std::size_t len = std::strlen(path);
  if (len >= sizeof(buf)) return ENAMETOOLONG;
  std::memcpy(buf, path, len + 1);
  char* slash = std::strrchr(buf, '/');
  if (slash == nullptr || slash == buf) return 0;
  *slash = '\0';
  struct stat st {};
  if (::stat(buf, &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  for (char* p = buf + 1; *p != '\0'; ++p) {
    if (*p != '/') continue;
    *p = '\0';
    if (::mkdir(buf, mode) != 0 && errno != EEXIST) return errno;
    *p = '/';
  }
  if (::mkdir(buf, mode) != 0 && errno != EEXIST) return errno;
  return 0;
}

int WriteAll(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return 0;
}

int WriteFileAtomic(const char* path, const char* data, std::size_t len, mode_t mode) {
  if (const int err = MakeParentDirs(path, 0755); err != 0) return err;
  const char* slash = std::strrchr(path, '/');
  const std::size_t dir_len = slash == nullptr ? 0 : static_cast<std::size_t>(slash - path);
  const char* name = slash == nullptr ? path : slash + 1;
  char dir[PATH_MAX];
  char tmp[PATH_MAX];
  if (slash == nullptr) {
    std::snprintf(dir, sizeof(dir), ".");
  } else {
    std::snprintf(dir, sizeof(dir), "%.*s", static_cast<int>(dir_len == 0 ? 1 : dir_len), path);
  }
  const int n = std::snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof(tmp)) return ENAMETOOLONG;
  const int fd = ::mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) return errno;
  int err = WriteAll(fd, data, len);
  if (err == 0 && ::fchmod(fd, mode) != 0) err = errno;
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err == 0 && ::rename(tmp, path) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp);
    return err;
  }
  // The rename itself must reach the disk, or a crash could bring back no file at all.
  const int dir_fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return 0;
}

int UnixAddress(const char* path, sockaddr_un* addr, socklen_t* addr_len, int* dir_fd) {
  *dir_fd = -1;
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  if (len < sizeof(addr->sun_path)) {
    std::memcpy(addr->sun_path, path, len + 1);
  } else {
    const char* slash = std::strrchr(path, '/');
    if (slash == nullptr) return ENAMETOOLONG;
    char dir[PATH_MAX];
    const std::size_t dir_len = slash == path ? 1 : static_cast<std::size_t>(slash - path);
    if (dir_len >= sizeof(dir)) return ENAMETOOLONG;
    std::memcpy(dir, path, dir_len);
    dir[dir_len] = '\0';
    const int fd = ::open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int n =
        std::snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/%s", fd, slash + 1);
    if (n < 0 || static_cast<std::size_t>(n) >= sizeof(addr->sun_path)) {
      ::close(fd);
      return ENAMETOOLONG;
    }
    *dir_fd = fd;
  }
  *addr_len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + std::strlen(addr->sun_path) + 1);
  return 0;
}

}  // namespace crio::monitor
