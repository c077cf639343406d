#include "listener.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"

namespace crio::daemon {
namespace {

// Whether something accepts connections on `path` right now.
absl::StatusOr<bool> SomeoneAnswers(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fs::ErrnoStatus(errno, "socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  if (rc == 0) return true;
  if (err == ECONNREFUSED || err == ENOENT) return false;
  return fs::ErrnoStatus(err, absl::StrCat("connect to ", path));
}

}  // namespace

absl::StatusOr<std::string> SocketPathFromListen(const std::string& listen) {
  std::string path = listen;
  if (absl::StartsWith(path, "unix://")) {
    path = path.substr(7);
  } else if (path.find("://") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen \"", listen, "\": only unix sockets are supported"));
  }
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("listen \"", listen, "\": socket path must be absolute"));
  }
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("listen \"", listen,
                                                   "\": socket path longer than ",
                                                   sizeof(sockaddr_un::sun_path) - 1, " bytes"));
  }
  return path;
}

SocketClaim::SocketClaim(SocketClaim&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(std::exchange(other.lock_fd_, -1)) {}

SocketClaim& SocketClaim::operator=(SocketClaim&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    path_ = std::move(other.path_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
  }
  return *this;
}

SocketClaim::~SocketClaim() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

absl::StatusOr<SocketClaim> SocketClaim::Acquire(const std::string& socket_path,
                                                 bool* removed_stale) {
  *removed_stale = false;
  const std::string dir = std::filesystem::path(socket_path).parent_path().string();
  if (auto made = fs::MakeDirs(dir, 0755); !made.ok()) return made;

  SocketClaim claim;
  claim.path_ = socket_path;
  const std::string lock_path = socket_path + ".lock";
  claim.lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (claim.lock_fd_ < 0) return fs::ErrnoStatus(errno, absl::StrCat("open ", lock_path));
  if (::flock(claim.lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("another crio daemon is already serving on ", socket_path, " (", lock_path,
                       " is locked); refusing to start"));
    }
    return fs::ErrnoStatus(errno, absl::StrCat("lock ", lock_path));
  }

  struct stat st {};
  if (::lstat(socket_path.c_str(), &st) != 0) {
    if (errno == ENOENT) return claim;
    return fs::ErrnoStatus(errno, absl::StrCat("stat ", socket_path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(socket_path, " exists and is not a socket; refusing to replace it"));
  }
  auto answers = SomeoneAnswers(socket_path);
  if (!answers.ok()) return answers.status();
  if (*answers) {
    return absl::FailedPreconditionError(
        absl::StrCat("another process is answering on ", socket_path, "; refusing to start"));
  }
  if (::unlink(socket_path.c_str()) != 0 && errno != ENOENT) {
    return fs::ErrnoStatus(errno, absl::StrCat("remove stale socket ", socket_path));
  }
  *removed_stale = true;
  return claim;
}

void SocketClaim::RemoveSocket() const {
  if (!path_.empty()) ::unlink(path_.c_str());
}

}  // namespace crio::daemon
