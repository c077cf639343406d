#pragma once

// The OCI distribution protocol, pull side: manifests and blobs from one registry
// source, with the token/basic auth handshake, retries of transient failures, and
// every byte checked against its digest. Used by the image store and the seccomp
// artifact puller alike.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crio/common/digest.h"
#include "crio/registry/auth_challenge.h"
#include "crio/registry/credentials.h"
#include "crio/registry/http.h"
#include "crio/registry/manifest.h"
#include "crio/registry/registries_conf.h"

namespace crio::registry {

struct ClientOptions {
  std::string certs_dir = "/etc/containers/certs.d";  ///< per-host CAs and client certs
  std::chrono::seconds stall_timeout{0};  ///< pull_progress_timeout; 0 = HttpClient default
  int max_attempts = 3;                   ///< tries for a transient failure (5xx, reset, ...)
  std::chrono::milliseconds initial_backoff{200};  ///< doubled after each failed try
};

/// A manifest or index as fetched, verified against its digest.
struct FetchedManifest {
  std::string body;        ///< the exact bytes (the digest is over them)
  std::string media_type;  ///< from Content-Type (may be empty)
  Digest digest;           ///< sha256 of body
};

class RegistryClient {
 public:
  /// @param http outlives the client
  RegistryClient(HttpClient& http, ClientOptions options);

  /// Fetches `source.reference`'s manifest (by digest when it has one, else by tag),
  /// refusing bodies over kMaxManifestBytes. By digest, the body must hash to it; by
  /// tag, it must match the registry's Docker-Content-Digest header when one is sent.
  absl::StatusOr<FetchedManifest> GetManifest(const PullSource& source,
                                              const std::optional<Credentials>& credentials);

  /// Fetches the manifest `digest` of the same repository (an index entry).
  absl::StatusOr<FetchedManifest> GetManifestByDigest(
      const PullSource& source, const Digest& digest,
      const std::optional<Credentials>& credentials);

  /// Streams blob `blob` of the source's repository into `sink`, refusing more bytes
  /// than blob.size and failing with DataLoss when the bytes do not hash to
  /// blob.digest or are fewer than declared. The sink has then seen bad bytes: the
  /// caller discards what it wrote.
  absl::Status GetBlob(const PullSource& source, const Descriptor& blob,
                       const std::optional<Credentials>& credentials, BodySink& sink);

 private:
  struct Endpoint {
    std::string base_url;  ///< "https://host:port"
    TlsConfig tls;
  };
  absl::StatusOr<Endpoint> EndpointFor(const PullSource& source);
  /// One authenticated GET with retries; the response has any status but 401.
  absl::StatusOr<HttpResponse> Get(const PullSource& source, const std::string& path,
                                   const std::optional<Credentials>& credentials,
                                   HttpRequest request, BodySink* sink);
  absl::StatusOr<HttpResponse> SendWithRetries(const HttpRequest& request, BodySink* sink);
  absl::StatusOr<std::string> Authorize(const PullSource& source, const HttpResponse& challenge,
                                        const std::optional<Credentials>& credentials,
                                        const TlsConfig& tls);
  absl::StatusOr<FetchedManifest> FetchManifest(const PullSource& source,
                                                const std::string& reference,
                                                const std::optional<Digest>& expected,
                                                const std::optional<Credentials>& credentials);

  HttpClient& http_;
  ClientOptions options_;
  absl::Mutex mu_;
  /// "https" or "http" per insecure host, once one of them answered.
  std::map<std::string, std::string> schemes_ ABSL_GUARDED_BY(mu_);
  /// Authorization header values per "host repository", reused until they expire.
  std::map<std::string, std::pair<std::string, absl::Time>> auth_cache_ ABSL_GUARDED_BY(mu_);
};

/// The distribution API's error body ({"errors":[{"code","message"}]}) as one line,
/// or the HTTP status when the body is not one.
std::string DescribeRegistryError(const HttpResponse& response);

}  // namespace crio::registry
