#include "service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace crio::daemon {

namespace {

// Set once by TakeNotifySocketFromEnvironment, before threads start; read-only after.
std::optional<std::string>& TakenSocket() {
  static std::optional<std::string> taken;
  return taken;
}

}  // namespace

void TakeNotifySocketFromEnvironment() {
  const char* env = std::getenv("NOTIFY_SOCKET");
  TakenSocket() = env == nullptr ? std::string() : std::string(env);
  ::unsetenv("NOTIFY_SOCKET");
}

absl::Status NotifyServiceManager(std::string_view state) {
  std::string address;
  if (TakenSocket().has_value()) {
    address = *TakenSocket();
  } else if (const char* env = std::getenv("NOTIFY_SOCKET"); env != nullptr) {
    address = env;
  }
  if (address.empty()) return absl::OkStatus();
  sockaddr_un target{};
  target.sun_family = AF_UNIX;
  // A path must be absolute; "@" stands for the leading NUL of an abstract name.
  if ((address.front() != '/' && address.front() != '@') ||
      address.size() >= sizeof(target.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("NOTIFY_SOCKET \"", address, "\" is not an absolute path or @name"));
  }
  std::memcpy(target.sun_path, address.data(), address.size());
  if (address.front() == '@') target.sun_path[0] = '\0';
  // Abstract names are not NUL-terminated: the length says where they end.
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                                             (address.front() == '/' ? 1 : 0));

  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&target), length);
  const int error = errno;
  ::close(fd);
  if (sent < 0) {
    return absl::UnavailableError(
        absl::StrCat("notify ", address, " of ", std::string(state), ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

}  // namespace crio::daemon
