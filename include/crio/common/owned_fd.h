#pragma once

// A file descriptor with one owner, closed when the owner goes. Movable, not copyable.

#include <unistd.h>

#include <utility>

namespace crio {

class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { Reset(); }

  /// The descriptor, still owned; -1 when there is none.
  int get() const { return fd_; }
  /// Gives the descriptor up without closing it; the caller owns it then.
  int Release() { return std::exchange(fd_, -1); }
  /// Closes the descriptor now.
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace crio
