#pragma once

// Throwaway X.509 certificates for TLS tests, made in memory with OpenSSL: a CA, and
// server and client certificates it signs (ECDSA P-256, valid for a day). A server
// certificate names 127.0.0.1 and localhost. Needs no network and no openssl binary.

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace crio::streaming::testing {

/// A certificate and its private key, both PEM.
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

namespace certs_internal {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Deleter>;

inline void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

inline std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

inline Ptr<BIO> MemBio(const std::string& text) {
  Ptr<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  Check(bio != nullptr, "BIO_new_mem_buf");
  return bio;
}

inline void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  Check(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "adding an extension");
}

enum class Kind { kCa, kServer, kClient };

inline TestCert Make(const std::string& common_name, Kind kind, const TestCert* issuer) {
  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  Ptr<X509> cert(X509_new());
  Check(cert != nullptr, "X509_new");
  Check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  unsigned char serial[8];
  Check(RAND_bytes(serial, sizeof(serial)) == 1, "RAND_bytes");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  Check(bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr,
        "serial number");
  BN_free(bn);
  Check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
  Check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "subject name");

  Ptr<X509> issuer_cert;
  Ptr<EVP_PKEY> issuer_key;
  if (issuer != nullptr) {
    issuer_cert.reset(PEM_read_bio_X509(MemBio(issuer->cert_pem).get(), nullptr, nullptr, nullptr));
    issuer_key.reset(
        PEM_read_bio_PrivateKey(MemBio(issuer->key_pem).get(), nullptr, nullptr, nullptr));
    Check(issuer_cert != nullptr && issuer_key != nullptr, "reading the issuer");
  }
  X509* signer_cert = issuer_cert ? issuer_cert.get() : cert.get();
  EVP_PKEY* signer_key = issuer_key ? issuer_key.get() : key.get();
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert)) == 1, "issuer name");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, signer_cert, cert.get(), nullptr, nullptr, 0);
  AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (kind == Kind::kCa) {
    AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
    AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid");
    if (kind == Kind::kServer) {
      AddExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
      AddExtension(cert.get(), &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    } else {
      AddExtension(cert.get(), &ctx, NID_ext_key_usage, "clientAuth");
    }
  }
  Check(X509_sign(cert.get(), signer_key, EVP_sha256()) > 0, "X509_sign");

  TestCert out;
  Ptr<BIO> cert_bio(BIO_new(BIO_s_mem()));
  Check(cert_bio != nullptr && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM cert");
  out.cert_pem = BioText(cert_bio.get());
  Ptr<BIO> key_bio(BIO_new(BIO_s_mem()));
  Check(key_bio != nullptr && PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr,
                                                       0, nullptr, nullptr) == 1,
        "PEM key");
  out.key_pem = BioText(key_bio.get());
  return out;
}

}  // namespace certs_internal

/// A self-signed CA.
inline TestCert MakeTestCa(const std::string& common_name = "crio test CA") {
  return certs_internal::Make(common_name, certs_internal::Kind::kCa, nullptr);
}

/// A server certificate for 127.0.0.1 and localhost, signed by `ca`.
inline TestCert MakeServerCert(const TestCert& ca, const std::string& common_name = "127.0.0.1") {
  return certs_internal::Make(common_name, certs_internal::Kind::kServer, &ca);
}

/// A client certificate signed by `ca`.
inline TestCert MakeClientCert(const TestCert& ca, const std::string& common_name = "client") {
  return certs_internal::Make(common_name, certs_internal::Kind::kClient, &ca);
}

/// Writes `text` to `path` through a temporary file renamed over it, as certificate
/// rotation does: readers see the old file or the new one, never a mix.
inline void WriteFileReplacing(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.good()) throw std::runtime_error("cannot write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp);
}

}  // namespace crio::streaming::testing
