#include "crio/sandbox/port_connect.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/netns.h"
#include "crio/common/status.h"

namespace crio::sandbox {

absl::StatusOr<OwnedFd> ConnectInNetworkNamespace(const std::string& netns_path,
                                                  std::int32_t port) {
  if (port < 1 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("port ", port, ": must be 1 to 65535"));
  }
  absl::StatusOr<OwnedFd> result = absl::InternalError("not run");
  RETURN_IF_ERROR(netns::RunIn(netns_path, [&] {
    OwnedFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) {
      result = fs::ErrnoStatus(errno, "socket");
      return;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc;
    do {
      rc = ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      result = absl::UnavailableError(
          absl::StrCat("dial tcp4 127.0.0.1:", port, ": ", std::strerror(errno)));
      return;
    }
    result = std::move(socket);
  }));
  return result;
}

absl::StatusOr<OwnedFd> ConnectToPodPort(const store::Store& state, const std::string& pod_id,
                                         std::int32_t port) {
  absl::StatusOr<store::PodRecord> pod = state.GetPod(pod_id);
  if (!pod.ok()) return pod.status();
  if (pod->state != store::PodState::kReady) {
    return absl::FailedPreconditionError(
        absl::StrCat("pod sandbox ", pod->id, " is not ready: it has been stopped"));
  }
  return ConnectInNetworkNamespace(pod->netns_path, port);
}

}  // namespace crio::sandbox
