#pragma once

// Single-use tokens for streaming URLs, as the kubelet's streaming library keeps them:
// a token is valid once, for one minute, and names one request. Unlike the kubelet's
// 8 random bytes, ours carry 32 (256 bits): the URL is the only credential the
// streaming server sees.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crio/streaming/request.h"

namespace crio::streaming {

class RequestCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  static constexpr std::chrono::seconds kDefaultTtl{60};
  /// The kubelet's cap: more pending URLs than this means a client that never connects.
  static constexpr std::size_t kDefaultMaxInFlight = 1000;

  explicit RequestCache(std::chrono::milliseconds ttl = kDefaultTtl,
                        std::size_t max_in_flight = kDefaultMaxInFlight, Clock clock = nullptr);

  /// Keeps `request` and returns its token (URL-safe base64, 43 characters).
  /// @return ResourceExhausted when max_in_flight unexpired requests are pending;
  ///     Internal when the kernel gives no random bytes
  absl::StatusOr<std::string> Insert(StreamRequest request);

  /// Takes the request of `token` out: a second call with the same token, or a call
  /// after the TTL, finds nothing.
  std::optional<StreamRequest> Consume(const std::string& token);

  /// Unexpired requests still waiting for their client.
  std::size_t Pending();

 private:
  struct Entry {
    StreamRequest request;
    std::chrono::steady_clock::time_point expires;
  };
  void DropExpired(std::chrono::steady_clock::time_point now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::chrono::milliseconds ttl_;
  const std::size_t max_in_flight_;
  const Clock clock_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::streaming
