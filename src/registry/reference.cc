#include "crio/registry/reference.h"

#include <cctype>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crio/common/status.h"

namespace crio::registry {
namespace {

constexpr absl::string_view kDockerTransport = "docker://";
constexpr std::size_t kMaxTagLength = 128;

absl::Status InvalidReference(absl::string_view text, absl::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid image reference \"", text, "\": ", reason));
}

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool IsHexId(absl::string_view s) {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (!IsHex(c)) return false;
  }
  return true;
}

// domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool IsDomainComponent(absl::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (const char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsPort(absl::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// host[:port], where host is dotted domain components or a bracketed IPv6 address.
absl::Status CheckHost(absl::string_view text, absl::string_view host) {
  absl::string_view name = host;
  absl::string_view port;
  bool has_port = false;
  if (absl::StartsWith(host, "[")) {
    const std::size_t close = host.find(']');
    if (close == absl::string_view::npos)
      return InvalidReference(text, "unterminated IPv6 address");
    const absl::string_view addr = host.substr(1, close - 1);
    if (addr.empty()) return InvalidReference(text, "empty IPv6 address");
    for (const char c : addr) {
      if (!(IsHex(c) || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
        return InvalidReference(text,
                                absl::StrCat("invalid IPv6 address in registry \"", host, "\""));
      }
    }
    const absl::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return InvalidReference(text, absl::StrCat("invalid registry \"", host, "\""));
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = host.find(':');
    if (colon != absl::string_view::npos) {
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
      has_port = true;
    }
    if (name.empty()) return InvalidReference(text, "empty registry host");
    for (const absl::string_view part : absl::StrSplit(name, '.')) {
      if (!IsDomainComponent(part)) {
        return InvalidReference(text, absl::StrCat("invalid registry host \"", name, "\""));
      }
    }
  }
  if (has_port && !IsPort(port)) {
    return InvalidReference(text, absl::StrCat("invalid port in registry \"", host, "\""));
  }
  return absl::OkStatus();
}

// path-component: [a-z0-9]+ (separator [a-z0-9]+)*, separator: [._] | __ | -+
absl::Status CheckPathComponent(absl::string_view text, absl::string_view c) {
  if (c.empty()) return InvalidReference(text, "empty repository path component");
  for (const char ch : c) {
    if (ch >= 'A' && ch <= 'Z') return InvalidReference(text, "repository name must be lowercase");
  }
  std::size_t i = 0;
  auto alnum_run = [&]() {
    const std::size_t start = i;
    while (i < c.size() && IsLowerAlnum(c[i])) ++i;
    return i > start;
  };
  if (!alnum_run()) {
    return InvalidReference(text, absl::StrCat("repository path component \"", c,
                                               "\" must start with a lower-case letter or digit"));
  }
  while (i < c.size()) {
    const std::size_t sep_start = i;
    if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else if (c.substr(i, 2) == "__") {
      i += 2;
    } else if (c[i] == '.' || c[i] == '_') {
      ++i;
    } else {
      return InvalidReference(text, absl::StrCat("invalid character '", c.substr(i, 1),
                                                 "' in repository path component \"", c, "\""));
    }
    if (!alnum_run()) {
      return InvalidReference(
          text, absl::StrCat("invalid separator \"", c.substr(sep_start, i - sep_start),
                             "\" in repository path component \"", c, "\""));
    }
  }
  return absl::OkStatus();
}

// tag: [\w][\w.-]{0,127}
absl::Status CheckTag(absl::string_view text, absl::string_view tag) {
  if (tag.empty()) return InvalidReference(text, "empty tag");
  if (tag.size() > kMaxTagLength) {
    return InvalidReference(text,
                            absl::StrCat("tag is longer than ", kMaxTagLength, " characters"));
  }
  for (std::size_t i = 0; i < tag.size(); ++i) {
    const char c = tag[i];
    const bool word = IsAlnum(c) || c == '_';
    if (!(word || (i > 0 && (c == '.' || c == '-')))) {
      return InvalidReference(text, absl::StrCat("invalid tag \"", tag, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string Reference::Name() const { return absl::StrCat(registry, "/", repository); }

std::string Reference::String() const {
  std::string out = Name();
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (digest.has_value()) absl::StrAppend(&out, "@", digest->str());
  return out;
}

std::string Reference::TagString() const {
  return tag.empty() ? std::string() : absl::StrCat(Name(), ":", tag);
}

std::string Reference::ManifestReference() const {
  return digest.has_value() ? digest->str() : tag;
}

std::string Reference::ApiHost() const {
  return registry == kDefaultRegistry ? std::string(kDockerApiHost) : registry;
}

absl::StatusOr<Reference> ParseReference(absl::string_view text) {
  absl::string_view rest = text;
  if (absl::StartsWith(rest, kDockerTransport)) rest.remove_prefix(kDockerTransport.size());
  if (rest.empty()) return InvalidReference(text, "empty reference");

  Reference ref;
  const std::size_t at = rest.find('@');
  if (at != absl::string_view::npos) {
    auto digest = Digest::Parse(rest.substr(at + 1));
    if (!digest.ok()) return InvalidReference(text, digest.status().message());
    ref.digest = *std::move(digest);
    rest = rest.substr(0, at);
  }
  const std::size_t last_slash = rest.rfind('/');
  const std::size_t last_colon = rest.rfind(':');
  if (last_colon != absl::string_view::npos &&
      (last_slash == absl::string_view::npos || last_colon > last_slash)) {
    const absl::string_view tag = rest.substr(last_colon + 1);
    RETURN_IF_ERROR(CheckTag(text, tag));
    ref.tag = std::string(tag);
    rest = rest.substr(0, last_colon);
  }
  if (rest.empty()) return InvalidReference(text, "empty repository name");

  absl::string_view path = rest;
  const std::size_t first_slash = rest.find('/');
  if (first_slash != absl::string_view::npos) {
    const absl::string_view first = rest.substr(0, first_slash);
    const bool is_host = first.find_first_of(".:") != absl::string_view::npos ||
                         first == "localhost" || absl::AsciiStrToLower(first) != first;
    if (is_host) {
      RETURN_IF_ERROR(CheckHost(text, first));
      ref.registry = std::string(first);
      path = rest.substr(first_slash + 1);
    }
  }
  if (ref.registry.empty()) {
    ref.registry = std::string(kDefaultRegistry);
    ref.short_name = true;
  } else if (ref.registry == "index.docker.io") {
    ref.registry = std::string(kDefaultRegistry);
  }
  if (path.empty()) return InvalidReference(text, "empty repository name");
  for (const absl::string_view component : absl::StrSplit(path, '/')) {
    RETURN_IF_ERROR(CheckPathComponent(text, component));
  }
  if (IsHexId(path)) {
    return InvalidReference(text, "a repository name cannot be a 64-character hexadecimal string");
  }
  ref.repository = std::string(path);
  if (ref.registry == kDefaultRegistry && ref.repository.find('/') == std::string::npos) {
    ref.repository = absl::StrCat("library/", ref.repository);
  }
  if (ref.Name().size() > kMaxNameLength) {
    return InvalidReference(text,
                            absl::StrCat("name is longer than ", kMaxNameLength, " characters"));
  }
  if (ref.tag.empty() && !ref.digest.has_value()) ref.tag = std::string(kDefaultTag);
  return ref;
}

absl::StatusOr<ImageName> ParseImageName(absl::string_view text) {
  if (absl::StartsWith(text, "sha256:")) {
    auto id = Digest::Parse(text);
    if (!id.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid image id \"", text, "\": ", id.status().message()));
    }
    return ImageName(*std::move(id));
  }
  if (IsHexId(text)) {
    auto id = Digest::Parse(absl::StrCat("sha256:", text));
    if (!id.ok()) return id.status();
    return ImageName(*std::move(id));
  }
  auto ref = ParseReference(text);
  if (!ref.ok()) return ref.status();
  return ImageName(*std::move(ref));
}

bool IsLocalhost(absl::string_view host) {
  absl::string_view name = host;
  if (absl::StartsWith(name, "[")) {
    const std::size_t close = name.find(']');
    if (close == absl::string_view::npos) return false;
    return name.substr(1, close - 1) == "::1";
  }
  if (name == "::1") return true;
  const std::size_t colon = name.find(':');
  if (colon != absl::string_view::npos) name = name.substr(0, colon);
  if (absl::EqualsIgnoreCase(name, "localhost")) return true;
  if (!absl::StartsWith(name, "127.")) return false;
  const std::vector<absl::string_view> octets = absl::StrSplit(name, '.');
  if (octets.size() != 4) return false;
  for (const absl::string_view o : octets) {
    if (o.empty() || o.size() > 3) return false;
    for (const char c : o) {
      if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

}  // namespace crio::registry
