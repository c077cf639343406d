#pragma once

// Registry credentials: from the CRI AuthConfig of a request, or from a docker
// config.json / containers auth.json file. Credential helpers (credHelpers,
// credsStore) are not run.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/registry/reference.h"

namespace crio::registry {

/// The CRI AuthConfig message's fields, without the proto.
struct AuthConfig {
  std::string username;
  std::string password;
  std::string auth;  ///< base64("username:password")
  std::string server_address;
  std::string identity_token;  ///< an OAuth2 refresh token for the token endpoint
  std::string registry_token;  ///< a bearer token sent to the registry as is
};

/// What the registry client authenticates with.
struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;
  std::string registry_token;

  bool operator==(const Credentials&) const = default;
};

/// Strict standard base64 (RFC 4648 section 4): the length is a multiple of 4, '='
/// only as final padding, no whitespace, unused bits zero.
/// @return InvalidArgument saying what is wrong (never echoing the input: it is a secret)
absl::StatusOr<std::string> Base64Decode(absl::string_view encoded);

/// Credentials from a CRI AuthConfig, as CRI-O reads it: `auth` (when set) wins over
/// username/password; identity_token and registry_token are carried along.
/// @return nullopt when every field is empty (anonymous); InvalidArgument when `auth`
///         is not base64 of "user:password"
absl::StatusOr<std::optional<Credentials>> CredentialsFromAuthConfig(const AuthConfig& config);

/// Looks `ref` up in the JSON of an auth file ({"auths": {key: {"auth", "identitytoken"}}})
/// by the most specific key: "host/ns/repo", then "host/ns", then "host". Keys with an
/// http(s):// scheme are cut to their host, and docker.io, index.docker.io,
/// registry-1.docker.io and "https://index.docker.io/v1/" are one registry.
/// @param json the file's content
/// @param file the file name, for messages
/// @return nullopt when no key matches or the entry is empty; InvalidArgument naming
///         the file and key when the JSON or an entry is malformed
absl::StatusOr<std::optional<Credentials>> LookupAuthFile(absl::string_view json,
                                                          const Reference& ref,
                                                          absl::string_view file);

/// Reads `path` (at most 1 MiB) and calls LookupAuthFile. A missing file is nullopt.
absl::StatusOr<std::optional<Credentials>> LoadAuthFile(const std::string& path,
                                                        const Reference& ref);

}  // namespace crio::registry
