#pragma once

// The streaming server: Exec, Attach and PortForward return a URL on it, and the
// client (kubelet, crictl, crioctl) connects there and upgrades the connection to SPDY/3.1
// or to a WebSocket. The URL's single-use token is the request's only credential.
// docs/streaming.md describes the protocols.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crio/streaming/backend.h"
#include "crio/streaming/request.h"

namespace crio::streaming {

struct ServerOptions {
  std::string address = "127.0.0.1";  ///< stream_address; an IPv4 or IPv6 literal
  std::string port = "0";             ///< stream_port; "0" = a free port
  /// A connection with no traffic this long is closed (stream_idle_timeout).
  std::chrono::milliseconds idle_timeout{std::chrono::hours(4)};
  /// How long a SPDY client has to open its streams, and any client to send its request.
  std::chrono::milliseconds creation_timeout{std::chrono::seconds(30)};
  /// How long a URL stays valid.
  std::chrono::milliseconds token_ttl{std::chrono::seconds(60)};
  /// Serve HTTPS only (stream_enable_tls); the URLs then start with https://.
  bool enable_tls = false;
  /// PEM certificate chain and its key (stream_tls_cert, stream_tls_key). Re-read when
  /// they change on disk: each new connection checks them.
  std::string tls_cert;
  std::string tls_key;
  /// PEM CA certificates (stream_tls_ca): when set, a client must present a certificate
  /// one of them signed. Re-read like the certificate.
  std::string tls_ca;
};

class Server {
 public:
  /// Listens on options.address:port and serves connections on threads of its own.
  /// @return InvalidArgument for a bad address or port, or a TLS file that holds no valid
  ///         certificate or key; FailedPrecondition for a TLS file it cannot read;
  ///         Unavailable when it cannot listen
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       StreamingBackend& backend);
  virtual ~Server() = default;

  /// The URL a client connects to for `request`, valid once, for token_ttl.
  /// @return ResourceExhausted when too many URLs wait for their client
  virtual absl::StatusOr<std::string> UrlFor(StreamRequest request) = 0;

  /// "http://host:port" ("https://" with TLS), with the port actually bound.
  virtual std::string BaseUrl() const = 0;

  /// Stops listening and ends every connection (their commands are killed as when the
  /// client leaves). Idempotent; the destructor calls it.
  virtual void Stop() = 0;
};

}  // namespace crio::streaming
