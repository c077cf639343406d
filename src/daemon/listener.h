#pragma once

// Claiming the CRI unix socket safely: one daemon per socket, stale files replaced,
// never someone else's file deleted.

#include <string>

#include "absl/status/statusor.h"

namespace crio::daemon {

/// Normalises a `listen` value ("/run/crio/crio.sock" or "unix:///run/crio/crio.sock")
/// to a filesystem path.
/// @return InvalidArgument for other schemes or a relative path
absl::StatusOr<std::string> SocketPathFromListen(const std::string& listen);

/// Holds `<socket>.lock` for as long as the daemon runs, so that two daemons started
/// at once cannot both bind the socket (gRPC replaces an existing socket file).
class SocketClaim {
 public:
  SocketClaim() = default;
  SocketClaim(const SocketClaim&) = delete;
  SocketClaim& operator=(const SocketClaim&) = delete;
  SocketClaim(SocketClaim&& other) noexcept;
  SocketClaim& operator=(SocketClaim&& other) noexcept;
  ~SocketClaim();

  /// Creates the socket's parent directory, takes the lock and removes a stale socket
  /// file. Refuses (FailedPrecondition, naming the path) when another process holds
  /// the lock or answers on the socket, and when the path exists but is not a socket.
  /// @param removed_stale set to true when a stale socket file was removed
  static absl::StatusOr<SocketClaim> Acquire(const std::string& socket_path, bool* removed_stale);

  /// Removes the socket file (at shutdown); the lock goes with the object.
  void RemoveSocket() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace crio::daemon
