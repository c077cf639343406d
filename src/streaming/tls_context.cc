#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <boost/system/system_error.hpp>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/log.h"
#include "crio/common/status.h"

namespace crio::streaming {
namespace {

namespace ssl = boost::asio::ssl;

// PEM files of a few certificates; anything this large is not one.
constexpr std::size_t kMaxPemFile = std::size_t{4} << 20;
// Identifies the server's sessions, so that a client resuming one is verified again.
constexpr unsigned char kSessionContext[] = "crio-streaming";

absl::StatusOr<std::string> ReadPem(const char* key, const std::string& path) {
  absl::StatusOr<std::string> text = fs::ReadFile(path, kMaxPemFile);
  if (!text.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(key, ": ", text.status().message()));
  }
  return text;
}

// Encrypted keys are not supported: no password, rather than OpenSSL's default of asking
// on the terminal.
int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

// True when OpenSSL's last error is only the end of the PEM data.
bool AtEndOfPem() {
  const unsigned long last = ERR_peek_last_error();
  return ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
}

// The reason of OpenSSL's last error, which is then forgotten.
std::string OpenSslError() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  ERR_clear_error();
  return reason == nullptr ? std::string("unknown error") : std::string(reason);
}

// The server's certificate (the file's first) and the chain that follows it.
absl::Status UseCertificateChain(SSL_CTX* context, const std::string& path,
                                 const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::InternalError("stream_tls_cert: out of memory");
  absl::Cleanup free_bio = [bio] { BIO_free(bio); };
  X509* leaf = PEM_read_bio_X509_AUX(bio, nullptr, NoPassword, nullptr);
  if (leaf == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream_tls_cert: ", path, " holds no PEM certificate: ", OpenSslError()));
  }
  const int used = SSL_CTX_use_certificate(context, leaf);
  X509_free(leaf);
  if (used != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream_tls_cert: ", path, ": cannot use the certificate: ", OpenSslError()));
  }
  while (X509* link = PEM_read_bio_X509(bio, nullptr, NoPassword, nullptr)) {
    if (SSL_CTX_add0_chain_cert(context, link) != 1) {  // takes `link` when it succeeds
      X509_free(link);
      return absl::InvalidArgumentError(absl::StrCat(
          "stream_tls_cert: ", path, ": cannot use a chain certificate: ", OpenSslError()));
    }
  }
  if (!AtEndOfPem()) {
    // Not the plain end of the data: a damaged certificate after the first.
    return absl::InvalidArgumentError(
        absl::StrCat("stream_tls_cert: ", path, ": bad chain certificate: ", OpenSslError()));
  }
  ERR_clear_error();
  return absl::OkStatus();
}

absl::Status UsePrivateKey(SSL_CTX* context, const TlsFiles& files, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::InternalError("stream_tls_key: out of memory");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, NoPassword, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream_tls_key: ", files.key, " holds no PEM private key: ", OpenSslError()));
  }
  const int used = SSL_CTX_use_PrivateKey(context, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(context) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "stream_tls_key: ", files.key, " is not the key of the certificate in ", files.cert));
  }
  return absl::OkStatus();
}

// The client CAs: each certificate of the PEM file trusted, and its name sent in the
// certificate request so that a client knows which of its certificates to present.
absl::Status UseClientCas(SSL_CTX* context, const std::string& path, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::InternalError("stream_tls_ca: out of memory");
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, NoPassword, nullptr)) {
    const bool added =
        X509_STORE_add_cert(store, cert) == 1 && SSL_CTX_add_client_CA(context, cert) == 1;
    X509_free(cert);
    if (!added) {
      BIO_free(bio);
      return absl::InvalidArgumentError(
          absl::StrCat("stream_tls_ca: ", path, ": cannot use certificate ", count + 1));
    }
    ++count;
  }
  BIO_free(bio);
  if (count > 0 && !AtEndOfPem()) {
    return absl::InvalidArgumentError(absl::StrCat("stream_tls_ca: ", path, ": bad certificate ",
                                                   count + 1, ": ", OpenSslError()));
  }
  ERR_clear_error();  // the end of the PEM data reads as an error
  if (count == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream_tls_ca: ", path, " holds no PEM certificate"));
  }
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return absl::OkStatus();
}

absl::Status Configure(ssl::context& context, const TlsFiles& files) {
  SSL_CTX* native = context.native_handle();
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::no_compression);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return absl::InternalError("cannot require TLS 1.2");
  }
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);

  ASSIGN_OR_RETURN(const std::string cert, ReadPem("stream_tls_cert", files.cert));
  ASSIGN_OR_RETURN(const std::string key, ReadPem("stream_tls_key", files.key));
  RETURN_IF_ERROR(UseCertificateChain(native, files.cert, cert));
  RETURN_IF_ERROR(UsePrivateKey(native, files, key));
  if (!files.ca.empty()) {
    ASSIGN_OR_RETURN(const std::string ca, ReadPem("stream_tls_ca", files.ca));
    RETURN_IF_ERROR(UseClientCas(native, files.ca, ca));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> BuildTlsContext(const TlsFiles& files) {
  std::shared_ptr<ssl::context> context;
  try {
    context = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const boost::system::system_error& e) {
    return absl::InternalError(absl::StrCat("cannot make a TLS context: ", e.what()));
  }
  absl::Status configured = Configure(*context, files);
  ERR_clear_error();  // nothing of this build may show in a connection's errors
  if (!configured.ok()) return configured;
  return context;
}

absl::StatusOr<std::unique_ptr<TlsContextSource>> TlsContextSource::Load(TlsFiles files) {
  std::unique_ptr<TlsContextSource> source(new TlsContextSource(std::move(files)));
  source->stamps_ = source->StampFiles();
  ASSIGN_OR_RETURN(source->context_, BuildTlsContext(source->files_));
  return source;
}

std::shared_ptr<ssl::context> TlsContextSource::Current() {
  std::vector<Stamp> stamps = StampFiles();
  std::lock_guard lock(mu_);
  if (stamps == stamps_) return context_;
  // Stamped before reading: a change made while we read is seen next time.
  stamps_ = std::move(stamps);
  spdlog::info("Streaming server: TLS files changed, reloading certificates");
  absl::StatusOr<std::shared_ptr<ssl::context>> rebuilt = BuildTlsContext(files_);
  if (!rebuilt.ok()) {
    spdlog::error("Streaming server: keeping the previous TLS certificate: {}",
                  rebuilt.status().message());
    return context_;
  }
  context_ = std::move(*rebuilt);
  return context_;
}

std::vector<TlsContextSource::Stamp> TlsContextSource::StampFiles() const {
  std::vector<Stamp> stamps;
  for (const std::string* path : {&files_.cert, &files_.key, &files_.ca}) {
    Stamp stamp;
    struct stat st {};
    if (!path->empty() && ::stat(path->c_str(), &st) == 0) {
      stamp.exists = true;
      stamp.dev = st.st_dev;
      stamp.ino = st.st_ino;
      stamp.size = st.st_size;
      stamp.mtime_sec = st.st_mtim.tv_sec;
      stamp.mtime_nsec = st.st_mtim.tv_nsec;
      stamp.ctime_sec = st.st_ctim.tv_sec;
      stamp.ctime_nsec = st.st_ctim.tv_nsec;
    }
    stamps.push_back(stamp);
  }
  return stamps;
}

}  // namespace crio::streaming
