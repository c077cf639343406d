// certs.d, as containers tools (podman, skopeo, CRI-O) read it: a directory per
// registry host holding extra CAs and client certificate/key pairs.

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/registry/http.h"

namespace crio::registry {
namespace {

// A CA or certificate file is small; a huge one is a mistake or an attack.
constexpr std::size_t kMaxPemBytes = 1 << 20;

}  // namespace

absl::StatusOr<TlsConfig> LoadCertsDir(const std::string& certs_root, const std::string& host) {
  TlsConfig tls;
  if (host.empty() || host.find('/') != std::string::npos || host == "." || host == "..") {
    return absl::InvalidArgumentError(absl::StrCat("registry host \"", host, "\" is not valid"));
  }
  const std::filesystem::path dir = std::filesystem::path(certs_root) / host;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return tls;

  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // a stable order for the CA bundle
  for (const auto& file : files) {
    const std::string ext = file.extension().string();
    if (ext == ".crt") {
      auto pem = fs::ReadFile(file.string(), kMaxPemBytes);
      if (!pem.ok()) return pem.status();
      absl::StrAppend(&tls.extra_ca_pem, *pem, "\n");
    } else if (ext == ".cert") {
      std::filesystem::path key = file;
      key.replace_extension(".key");
      if (!std::filesystem::is_regular_file(key, ec)) {
        return absl::InvalidArgumentError(absl::StrCat("client certificate ", file.string(),
                                                       " has no matching key ", key.string()));
      }
      if (!tls.client_cert_file.empty()) continue;  // the first pair in name order wins
      tls.client_cert_file = file.string();
      tls.client_key_file = key.string();
    } else if (ext == ".key") {
      std::filesystem::path cert = file;
      cert.replace_extension(".cert");
      if (!std::filesystem::is_regular_file(cert, ec)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "client key ", file.string(), " has no matching certificate ", cert.string()));
      }
    }
  }
  return tls;
}

}  // namespace crio::registry
