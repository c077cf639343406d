#include "crio/registry/auth_challenge.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace crio::registry {
namespace {

bool IsTchar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

bool IsToken68Char(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("-._~+/").find(c) != absl::string_view::npos;
}

class ChallengeParser {
 public:
  explicit ChallengeParser(absl::string_view header) : header_(header), s_(header) {}

  absl::StatusOr<std::vector<Challenge>> Parse() {
    std::vector<Challenge> out;
    while (true) {
      SkipSpacesAndCommas();
      if (pos_ == s_.size()) break;
      const absl::string_view scheme = Token();
      if (scheme.empty()) return Error("expected an auth scheme");
      Challenge challenge;
      challenge.scheme = absl::AsciiStrToLower(scheme);
      SkipSpaces();
      if (!ParseToken68(challenge)) {
        auto ok = ParseParams(challenge);
        if (!ok.ok()) return ok;
      }
      out.push_back(std::move(challenge));
    }
    if (out.empty()) return Error("no challenge");
    return out;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("invalid WWW-Authenticate header \"", header_,
                                                   "\": ", what, " at offset ", pos_));
  }

  void SkipSpaces() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  void SkipSpacesAndCommas() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == ',')) ++pos_;
  }

  absl::string_view Token() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && IsTchar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", alone.
  bool ParseToken68(Challenge& challenge) {
    std::size_t p = pos_;
    while (p < s_.size() && IsToken68Char(s_[p])) ++p;
    if (p == pos_) return false;
    std::size_t end = p;
    while (end < s_.size() && s_[end] == '=') ++end;
    std::size_t after = end;
    while (after < s_.size() && (s_[after] == ' ' || s_[after] == '\t')) ++after;
    if (after != s_.size() && s_[after] != ',') return false;
    challenge.token68 = std::string(s_.substr(pos_, end - pos_));
    pos_ = after;
    return true;
  }

  absl::Status ParseParams(Challenge& challenge) {
    while (pos_ < s_.size()) {
      const std::size_t param_start = pos_;
      const absl::string_view name = Token();
      if (name.empty()) return Error("expected a parameter name");
      SkipSpaces();
      if (pos_ == s_.size() || s_[pos_] != '=') {
        if (challenge.params.empty()) return Error("expected '=' after a parameter name");
        pos_ = param_start;  // the next challenge's scheme
        return absl::OkStatus();
      }
      ++pos_;
      SkipSpaces();
      std::string value;
      if (pos_ < s_.size() && s_[pos_] == '"') {
        ++pos_;
        bool closed = false;
        while (pos_ < s_.size()) {
          const char c = s_[pos_++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (pos_ == s_.size()) break;
            value.push_back(s_[pos_++]);
          } else {
            value.push_back(c);
          }
        }
        if (!closed) return Error("unterminated quoted string");
      } else {
        value = std::string(Token());
        if (value.empty()) {
          return Error(absl::StrCat("parameter ", name, " has no value"));
        }
      }
      const std::string key = absl::AsciiStrToLower(name);
      if (!challenge.params.emplace(key, std::move(value)).second) {
        return Error(absl::StrCat("duplicate parameter ", key));
      }
      SkipSpaces();
      if (pos_ == s_.size()) return absl::OkStatus();
      if (s_[pos_] != ',') return Error("expected ',' between parameters");
      SkipSpacesAndCommas();
    }
    return absl::OkStatus();
  }

  absl::string_view header_;
  absl::string_view s_;
  std::size_t pos_ = 0;
};

absl::Status InvalidToken(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid token response: ", what));
}

}  // namespace

std::string Challenge::Param(absl::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string() : it->second;
}

absl::StatusOr<std::vector<Challenge>> ParseWwwAuthenticate(absl::string_view header) {
  return ChallengeParser(header).Parse();
}

std::string QueryEscape(absl::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

std::string RepositoryScope(absl::string_view repository, absl::string_view actions) {
  return absl::StrCat("repository:", repository, ":", actions);
}

absl::StatusOr<std::string> TokenUrl(const Challenge& bearer,
                                     const std::vector<std::string>& scopes) {
  if (bearer.scheme != "bearer") {
    return absl::InvalidArgumentError(
        absl::StrCat("token url: challenge scheme is \"", bearer.scheme, "\", not bearer"));
  }
  const std::string realm = bearer.Param("realm");
  if (!absl::StartsWith(realm, "https://") && !absl::StartsWith(realm, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("token url: bearer realm \"", realm, "\" is not an http(s) URL"));
  }
  if (realm.find('#') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("token url: bearer realm \"", realm, "\" has a fragment"));
  }
  std::vector<std::string> query;
  const std::string service = bearer.Param("service");
  if (!service.empty()) query.push_back(absl::StrCat("service=", QueryEscape(service)));
  std::vector<std::string> all_scopes = scopes;
  if (all_scopes.empty()) {
    const std::string scope = bearer.Param("scope");
    if (!scope.empty()) all_scopes.push_back(scope);
  }
  for (const std::string& scope : all_scopes) {
    query.push_back(absl::StrCat("scope=", QueryEscape(scope)));
  }
  if (query.empty()) return realm;
  const char* sep = realm.find('?') == std::string::npos ? "?" : "&";
  return absl::StrCat(realm, sep, absl::StrJoin(query, "&"));
}

absl::StatusOr<Token> ParseTokenResponse(absl::string_view body, absl::Time now) {
  const nlohmann::json json = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (json.is_discarded()) return InvalidToken("not JSON");
  if (!json.is_object()) return InvalidToken("not a JSON object");
  Token token;
  for (const char* key : {"token", "access_token"}) {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_string()) return InvalidToken(absl::StrCat(key, " is not a string"));
    if (token.token.empty()) token.token = it->get<std::string>();
  }
  if (token.token.empty()) return InvalidToken("neither token nor access_token is set");
  std::int64_t expires_in = 0;
  if (auto it = json.find("expires_in"); it != json.end() && !it->is_null()) {
    if (!it->is_number_integer()) return InvalidToken("expires_in is not an integer");
    expires_in = it->get<std::int64_t>();
  }
  absl::Duration lifetime = absl::Seconds(expires_in);
  if (lifetime < kMinTokenLifetime) lifetime = kMinTokenLifetime;
  absl::Time issued = now;
  if (auto it = json.find("issued_at"); it != json.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidToken("issued_at is not a string");
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, it->get<std::string>(), &issued, &error)) {
      return InvalidToken(
          absl::StrCat("issued_at \"", it->get<std::string>(), "\" is not RFC 3339: ", error));
    }
  }
  token.expiry = issued + lifetime;
  return token;
}

}  // namespace crio::registry
