#pragma once

// The streaming server's TLS settings (stream_tls_cert, stream_tls_key, stream_tls_ca)
// as an OpenSSL context that follows its files: each new connection checks them with
// stat, and a change (new inode, size or times, as a rewrite or a rename over the file
// makes) rebuilds the context. CRI-O watches the same files and reloads them too.

#include <sys/types.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::streaming {

struct TlsFiles {
  std::string cert;  ///< PEM certificate chain, the server's first
  std::string key;   ///< PEM private key of the first certificate
  std::string ca;    ///< PEM CA certificates clients must be signed by; "" = no client certs
};

/// A server context for `files`: TLS 1.2 at least; with a CA, clients must present a
/// certificate it signed.
/// @return FailedPrecondition when a file cannot be read, InvalidArgument when one does
///         not hold what it should (or the key is not the certificate's); the message
///         names the config key and the path
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> BuildTlsContext(const TlsFiles& files);

/// The context of the server's TLS connections, rebuilt when its files change.
class TlsContextSource {
 public:
  /// Builds the first context. @return BuildTlsContext's errors
  static absl::StatusOr<std::unique_ptr<TlsContextSource>> Load(TlsFiles files);

  /// The context for a new connection. When the files changed since the last look it
  /// is rebuilt first; a rebuild that fails is logged and the previous context stays
  /// (until the files change again). Thread-safe; costs three stat calls otherwise.
  std::shared_ptr<boost::asio::ssl::context> Current();

 private:
  struct Stamp {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long mtime_sec = 0;
    long mtime_nsec = 0;
    long ctime_sec = 0;
    long ctime_nsec = 0;
    bool operator==(const Stamp&) const = default;
  };

  explicit TlsContextSource(TlsFiles files) : files_(std::move(files)) {}
  std::vector<Stamp> StampFiles() const;

  const TlsFiles files_;
  std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_;  // guarded by mu_
  std::vector<Stamp> stamps_;                           // guarded by mu_; of the last build
};

}  // namespace crio::streaming
