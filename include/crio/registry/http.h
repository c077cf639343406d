#pragma once

// HTTP for the registry client: the one interface behind which libcurl sits, so that
// the distribution protocol (tokens, manifests, blobs) is tested with a fake server.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio::registry {

/// TLS settings for one registry host (system CAs are always trusted too).
struct TlsConfig {
  bool verify = true;            ///< false only for registries configured insecure
  std::string extra_ca_pem;      ///< CAs from certs.d (*.crt), concatenated PEM
  std::string client_cert_file;  ///< certs.d <name>.cert (PEM), "" = none
  std::string client_key_file;   ///< certs.d <name>.key (PEM), "" = none
};

struct HttpRequest {
  std::string method = "GET";  ///< GET, HEAD, POST, PUT
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  ///< request body for POST/PUT
  TlsConfig tls;
  std::chrono::seconds connect_timeout{30};
  /// The transfer fails when no byte moved for this long (crio's pull_progress_timeout;
  /// zero means the built-in default of 60 s: a registry that stops talking must not
  /// hang a pull forever).
  std::chrono::seconds stall_timeout{0};
  /// Larger bodies are refused while they arrive (manifests: 4 MiB; blobs: their size).
  std::uint64_t max_body_bytes = 4u << 20;
  /// Registries redirect blob downloads to storage hosts; curl drops our
  /// Authorization header when the host changes.
  bool follow_redirects = true;
};

struct HttpResponse {
  long status = 0;                             ///< HTTP status of the final response
  std::map<std::string, std::string> headers;  ///< lower-case names; repeats joined by ", "
  std::string body;           ///< the body, unless a sink took it (error bodies are always here)
  std::string effective_url;  ///< after redirects
};

/// Receives a successful (2xx) response body as it arrives, e.g. to hash and store a
/// blob without holding it in memory.
class BodySink {
 public:
  virtual ~BodySink() = default;
  /// @return an error to abort the transfer (it becomes the result of Send)
  virtual absl::Status Write(absl::string_view chunk) = 0;
};

/// Keeps the whole body in memory, for small bodies (manifests, configs, profiles)
/// whose size the caller has bounded.
class StringSink final : public BodySink {
 public:
  absl::Status Write(absl::string_view chunk) override {
    data.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  }
  std::string data;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// Performs one request (following redirects). Any HTTP status is a successful Send;
  /// failures are transport ones: Unavailable (cannot connect, TLS), DeadlineExceeded
  /// (connect timeout, stalled transfer), ResourceExhausted (body over the limit), or
  /// the sink's own error.
  /// @param sink takes a 2xx body; nullptr keeps it in HttpResponse::body
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request, BodySink* sink) = 0;
};

/// The libcurl implementation (thread-safe: each Send uses its own handle).
std::unique_ptr<HttpClient> MakeCurlHttpClient();

/// Reads the containers-tools TLS directory of one host, `<certs_root>/<host[:port]>/`:
/// every `*.crt` is an extra CA, and `<name>.cert` with `<name>.key` is a client
/// certificate. A missing directory gives the default TlsConfig.
/// @return InvalidArgument when a .cert has no matching .key (or the reverse)
absl::StatusOr<TlsConfig> LoadCertsDir(const std::string& certs_root, const std::string& host);

}  // namespace crio::registry
