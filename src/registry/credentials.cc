#include "crio/registry/credentials.h"

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"

namespace crio::registry {
namespace {

constexpr std::size_t kMaxAuthFileBytes = 1 << 20;

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// "user:password" -> Credentials; the password may contain ':'.
absl::StatusOr<Credentials> DecodeUserPassword(absl::string_view auth, absl::string_view what) {
  auto decoded = Base64Decode(auth);
  if (!decoded.ok()) return Annotate(decoded.status(), what);
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": decoded auth is not of the form username:password"));
  }
  Credentials creds;
  creds.username = decoded->substr(0, colon);
  creds.password = decoded->substr(colon + 1);
  return creds;
}

std::string NormalizeRegistry(absl::string_view host) {
  if (host == "docker.io" || host == "registry-1.docker.io") return "index.docker.io";
  return std::string(host);
}

// containers/image normalizeAuthFileKey: a URL key is cut to its host.
std::string NormalizeKey(absl::string_view key) {
  absl::string_view stripped = key;
  if (!absl::ConsumePrefix(&stripped, "http://")) absl::ConsumePrefix(&stripped, "https://");
  if (stripped.size() != key.size()) {
    const std::size_t slash = stripped.find('/');
    if (slash != absl::string_view::npos) stripped = stripped.substr(0, slash);
  }
  return NormalizeRegistry(stripped);
}

}  // namespace

absl::StatusOr<std::string> Base64Decode(absl::string_view encoded) {
  if (encoded.size() % 4 != 0) {
    return absl::InvalidArgumentError("invalid base64: length is not a multiple of 4");
  }
  std::string out;
  out.reserve(encoded.size() / 4 * 3);
  for (std::size_t i = 0; i < encoded.size(); i += 4) {
    const bool last = i + 4 == encoded.size();
    std::array<int, 4> v{};
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = encoded[i + j];
      if (c == '=') {
        if (!last || j < 2) return absl::InvalidArgumentError("invalid base64: misplaced '='");
        ++padding;
        v[j] = 0;
        continue;
      }
      if (padding > 0) return absl::InvalidArgumentError("invalid base64: data after '='");
      v[j] = Base64Value(c);
      if (v[j] < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid base64: bad character at offset ", i + j));
      }
    }
    const std::uint32_t n =
        (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
        (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    if ((padding == 1 && (n & 0xff) != 0) || (padding == 2 && (n & 0xffff) != 0)) {
      return absl::InvalidArgumentError("invalid base64: non-zero padding bits");
    }
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (padding < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (padding < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

absl::StatusOr<std::optional<Credentials>> CredentialsFromAuthConfig(const AuthConfig& config) {
  Credentials creds;
  if (!config.auth.empty()) {
    ASSIGN_OR_RETURN(creds, DecodeUserPassword(config.auth, "auth config auth field"));
  } else {
    creds.username = config.username;
    creds.password = config.password;
  }
  creds.identity_token = config.identity_token;
  creds.registry_token = config.registry_token;
  if (creds == Credentials{}) return std::nullopt;
  return creds;
}

absl::StatusOr<std::optional<Credentials>> LookupAuthFile(absl::string_view json,
                                                          const Reference& ref,
                                                          absl::string_view file) {
  const nlohmann::json root = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  auto invalid = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("auth file ", file, ": ", what));
  };
  if (root.is_discarded()) return invalid("not valid JSON");
  if (!root.is_object()) return invalid("not a JSON object");
  auto auths = root.find("auths");
  if (auths == root.end() || auths->is_null()) return std::nullopt;
  if (!auths->is_object()) return invalid("\"auths\" is not an object");

  // Most specific first: host/a/b/c, host/a/b, host/a, host.
  std::vector<std::string> candidates;
  std::string key = absl::StrCat(ref.registry, "/", ref.repository);
  while (true) {
    candidates.push_back(key);
    const std::size_t slash = key.rfind('/');
    if (slash == std::string::npos) break;
    key.resize(slash);
  }
  for (const std::string& candidate : candidates) {
    const std::string wanted = NormalizeRegistry(candidate);
    // An exact key wins over one that only normalises to the same registry.
    const nlohmann::json* match = nullptr;
    std::string match_key;
    for (auto it = auths->begin(); it != auths->end(); ++it) {
      if (it.key() == candidate) {
        match = &it.value();
        match_key = it.key();
        break;
      }
      if (match == nullptr && NormalizeKey(it.key()) == wanted) {
        match = &it.value();
        match_key = it.key();
      }
    }
    if (match == nullptr) continue;
    if (!match->is_object())
      return invalid(absl::StrCat("entry \"", match_key, "\" is not an object"));
    Credentials creds;
    for (const char* field : {"auth", "identitytoken"}) {
      auto it = match->find(field);
      if (it == match->end() || it->is_null()) continue;
      if (!it->is_string()) {
        return invalid(absl::StrCat("entry \"", match_key, "\": ", field, " is not a string"));
      }
    }
    if (auto it = match->find("auth");
        it != match->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      const std::string& auth = it->get_ref<const std::string&>();
      auto decoded =
          DecodeUserPassword(auth, absl::StrCat("auth file ", file, ": entry \"", match_key, "\""));
      if (!decoded.ok()) return decoded.status();
      creds = *std::move(decoded);
    }
    if (auto it = match->find("identitytoken"); it != match->end() && it->is_string()) {
      creds.identity_token = it->get<std::string>();
    }
    if (creds == Credentials{}) return std::nullopt;
    return creds;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<Credentials>> LoadAuthFile(const std::string& path,
                                                        const Reference& ref) {
  auto text = fs::ReadFile(path, kMaxAuthFileBytes);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) return std::nullopt;
    return Annotate(text.status(), absl::StrCat("read auth file ", path));
  }
  return LookupAuthFile(*text, ref, path);
}

}  // namespace crio::registry
