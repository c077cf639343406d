#pragma once

// The registry auth handshake's pure parts: WWW-Authenticate challenges (RFC 7235),
// the token endpoint URL of the distribution token flow, and its JSON answer.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crio::registry {

/// One challenge of a WWW-Authenticate header.
struct Challenge {
  std::string scheme;                         ///< lower-cased: "bearer", "basic"
  std::map<std::string, std::string> params;  ///< names lower-cased, values unquoted
  std::string token68;                        ///< for schemes that send one instead of params

  /// The value of `name` (lower-case), or "".
  std::string Param(absl::string_view name) const;
  bool operator==(const Challenge&) const = default;
};

/// Parses a WWW-Authenticate header value: one or more challenges separated by commas,
/// each a case-insensitive scheme and either auth-params (token or quoted-string
/// values, backslash escapes, commas inside quotes) or a token68.
/// @return InvalidArgument naming the header and the problem (unterminated quote,
///         parameter without value, duplicate parameter, empty header)
absl::StatusOr<std::vector<Challenge>> ParseWwwAuthenticate(absl::string_view header);

/// Percent-encodes `s` for a URL query as Go's url.QueryEscape does (unreserved
/// characters kept, space as '+').
std::string QueryEscape(absl::string_view s);

/// The scope for `actions` ("pull", "pull,push") on `repository` ("library/busybox").
std::string RepositoryScope(absl::string_view repository, absl::string_view actions = "pull");

/// The token endpoint URL for a Bearer challenge: realm?service=...&scope=...&scope=...
/// The challenge's own scope is used when `scopes` is empty.
/// @return InvalidArgument when the challenge is not Bearer or its realm is not an
///         http(s) URL
absl::StatusOr<std::string> TokenUrl(const Challenge& bearer,
                                     const std::vector<std::string>& scopes = {});

/// A bearer token and when to stop using it.
struct Token {
  std::string token;
  absl::Time expiry;
};

/// Default and minimum token lifetime: what docker does with a missing or short
/// expires_in.
inline constexpr absl::Duration kMinTokenLifetime = absl::Seconds(60);

/// Parses the token endpoint's JSON: "token" (or "access_token"), "expires_in" seconds
/// (missing or under 60: 60), "issued_at" RFC 3339 (missing: `now`).
/// @return InvalidArgument when it is not JSON, has no token, or a field has the wrong
///         type or format
absl::StatusOr<Token> ParseTokenResponse(absl::string_view body, absl::Time now);

}  // namespace crio::registry
