#include "crio/streaming/request_cache.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace crio::streaming {
namespace {

absl::StatusOr<std::string> RandomToken() {
  std::array<char, 32> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("getrandom: ", std::strerror(errno)));
    }
    filled += static_cast<std::size_t>(got);
  }
  return absl::WebSafeBase64Escape(absl::string_view(bytes.data(), bytes.size()));
}

}  // namespace

const char* PathKind(const StreamRequest& request) {
  switch (request.index()) {
    case 0:
      return "exec";
    case 1:
      return "attach";
    default:
      return "portforward";
  }
}

RequestCache::RequestCache(std::chrono::milliseconds ttl, std::size_t max_in_flight, Clock clock)
    : ttl_(ttl),
      max_in_flight_(max_in_flight),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

void RequestCache::DropExpired(std::chrono::steady_clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
  }
}

absl::StatusOr<std::string> RequestCache::Insert(StreamRequest request) {
  absl::StatusOr<std::string> token = RandomToken();
  if (!token.ok()) return token.status();
  const auto now = clock_();
  absl::MutexLock lock(&mu_);
  DropExpired(now);
  if (entries_.size() >= max_in_flight_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many streaming requests waiting for their client (", max_in_flight_,
                     "): try again when some have been used or have expired"));
  }
  entries_.emplace(*token, Entry{std::move(request), now + ttl_});
  return token;
}

std::optional<StreamRequest> RequestCache::Consume(const std::string& token) {
  const auto now = clock_();
  absl::MutexLock lock(&mu_);
  const auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  Entry entry = std::move(it->second);
  entries_.erase(it);
  if (entry.expires <= now) return std::nullopt;
  return std::move(entry.request);
}

std::size_t RequestCache::Pending() {
  const auto now = clock_();
  absl::MutexLock lock(&mu_);
  DropExpired(now);
  return entries_.size();
}

}  // namespace crio::streaming
