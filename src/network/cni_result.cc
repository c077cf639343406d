#include "crio/network/cni_result.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace crio::network {
namespace {

using nlohmann::json;

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("CNI result: ", field, ": ", why));
}

// An address in its canonical text, or nullopt. `family` says which one it is.
std::optional<std::string> CanonicalIp(const std::string& text, int* family) {
  std::array<unsigned char, 16> raw{};
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (::inet_pton(AF_INET, text.c_str(), raw.data()) == 1) {
    *family = 4;
    return std::string(::inet_ntop(AF_INET, raw.data(), out.data(), out.size()));
  }
  if (::inet_pton(AF_INET6, text.c_str(), raw.data()) == 1) {
    *family = 6;
    return std::string(::inet_ntop(AF_INET6, raw.data(), out.data(), out.size()));
  }
  return std::nullopt;
}

struct Cidr {
  std::string ip;
  int prefix = 0;
  int family = 4;
};

std::optional<Cidr> ParseCidr(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  Cidr cidr;
  auto ip = CanonicalIp(text.substr(0, slash), &cidr.family);
  if (!ip) return std::nullopt;
  cidr.ip = *ip;
  const char* first = text.data() + slash + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, cidr.prefix);
  if (ec != std::errc() || end != last || first == last) return std::nullopt;
  if (cidr.prefix < 0 || cidr.prefix > (cidr.family == 4 ? 32 : 128)) return std::nullopt;
  return cidr;
}

// The optional string member `key` of `object`; `field` names it in errors.
absl::StatusOr<std::string> OptionalString(const json& object, const char* key,
                                           const std::string& field) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Bad(field, "must be a string");
  return it->get<std::string>();
}

absl::StatusOr<std::vector<std::string>> OptionalStrings(const json& object, const char* key,
                                                         const std::string& field) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) return Bad(field, "must be an array of strings");
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) return Bad(absl::StrCat(field, "[", i, "]"), "must be a string");
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

absl::StatusOr<std::string> OptionalIp(const json& object, const char* key,
                                       const std::string& field, int want_family) {
  auto text = OptionalString(object, key, field);
  if (!text.ok() || text->empty()) return text;
  int family = 0;
  auto ip = CanonicalIp(*text, &family);
  if (!ip) return Bad(field, absl::StrCat("\"", *text, "\" is not an IP address"));
  if (want_family != 0 && family != want_family) {
    return Bad(field, absl::StrCat("\"", *text, "\" is not an IPv", want_family, " address"));
  }
  return *ip;
}

absl::StatusOr<CniIpConfig> ParseIp(const json& entry, const std::string& field,
                                    bool has_version_field) {
  if (!entry.is_object()) return Bad(field, "must be an object");
  auto address = OptionalString(entry, "address", field + ".address");
  if (!address.ok()) return address.status();
  if (address->empty()) return Bad(field + ".address", "is required");
  auto cidr = ParseCidr(*address);
  if (!cidr) {
    return Bad(field + ".address",
               absl::StrCat("\"", *address, "\" is not an IP address with a prefix (CIDR)"));
  }
  CniIpConfig ip;
  ip.family = cidr->family;
  ip.ip = cidr->ip;
  ip.prefix_length = cidr->prefix;
  ip.address = absl::StrCat(cidr->ip, "/", cidr->prefix);
  if (has_version_field) {
    // 0.3.x/0.4.0 results state the family too; it must agree with the address.
    auto version = OptionalString(entry, "version", field + ".version");
    if (!version.ok()) return version.status();
    if (!version->empty()) {
      if (*version != "4" && *version != "6") {
        return Bad(field + ".version", absl::StrCat("\"", *version, "\" is not \"4\" or \"6\""));
      }
      if (*version != std::to_string(ip.family)) {
        return Bad(field + ".version",
                   absl::StrCat("\"", *version, "\" does not match address ", *address));
      }
    }
  }
  auto gateway = OptionalIp(entry, "gateway", field + ".gateway", ip.family);
  if (!gateway.ok()) return gateway.status();
  ip.gateway = *gateway;
  if (auto it = entry.find("interface"); it != entry.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
        it->get<std::int64_t>() > 0xffff) {
      return Bad(field + ".interface", "must be a non-negative integer index");
    }
    ip.interface = it->get<int>();
  }
  return ip;
}

absl::Status ParseRoutes(const json& doc, CniResult& result) {
  auto it = doc.find("routes");
  if (it == doc.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) return Bad("routes", "must be an array");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& entry = (*it)[i];
    const std::string field = absl::StrCat("routes[", i, "]");
    if (!entry.is_object()) return Bad(field, "must be an object");
    auto dst = OptionalString(entry, "dst", field + ".dst");
    if (!dst.ok()) return dst.status();
    auto cidr = ParseCidr(*dst);
    if (!cidr) return Bad(field + ".dst", absl::StrCat("\"", *dst, "\" is not a CIDR"));
    auto gw = OptionalIp(entry, "gw", field + ".gw", cidr->family);
    if (!gw.ok()) return gw.status();
    result.routes.push_back(CniRoute{absl::StrCat(cidr->ip, "/", cidr->prefix), *gw});
  }
  return absl::OkStatus();
}

absl::Status ParseDns(const json& doc, CniResult& result) {
  auto it = doc.find("dns");
  if (it == doc.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return Bad("dns", "must be an object");
  auto nameservers = OptionalStrings(*it, "nameservers", "dns.nameservers");
  if (!nameservers.ok()) return nameservers.status();
  auto domain = OptionalString(*it, "domain", "dns.domain");
  if (!domain.ok()) return domain.status();
  auto search = OptionalStrings(*it, "search", "dns.search");
  if (!search.ok()) return search.status();
  auto options = OptionalStrings(*it, "options", "dns.options");
  if (!options.ok()) return options.status();
  result.dns = CniDns{*nameservers, *domain, *search, *options};
  return absl::OkStatus();
}

// 0.1.0/0.2.0: {"ip4": {"ip": "10.1.0.5/16", "gateway": ..., "routes": [...]}, "ip6": ...}
absl::Status ParseLegacyIps(const json& doc, CniResult& result) {
  for (const char* key : {"ip4", "ip6"}) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) continue;
    if (!it->is_object()) return Bad(key, "must be an object");
    const std::string field = key;
    auto text = OptionalString(*it, "ip", field + ".ip");
    if (!text.ok()) return text.status();
    auto cidr = ParseCidr(*text);
    const int want = key[2] == '4' ? 4 : 6;
    if (!cidr || cidr->family != want) {
      return Bad(field + ".ip", absl::StrCat("\"", *text, "\" is not an IPv", want, " CIDR"));
    }
    CniIpConfig ip;
    ip.family = want;
    ip.ip = cidr->ip;
    ip.prefix_length = cidr->prefix;
    ip.address = absl::StrCat(cidr->ip, "/", cidr->prefix);
    auto gateway = OptionalIp(*it, "gateway", field + ".gateway", want);
    if (!gateway.ok()) return gateway.status();
    ip.gateway = *gateway;
    result.ips.push_back(std::move(ip));
    CniResult routes;
    if (auto status = ParseRoutes(*it, routes); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(status.message(), " (in ", key, ")"));
    }
    result.routes.insert(result.routes.end(), routes.routes.begin(), routes.routes.end());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CniResult> ParseCniResult(std::string_view text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("document", "not valid JSON");
  if (!doc.is_object()) return Bad("document", "not a JSON object");
  CniResult result;
  auto version = OptionalString(doc, "cniVersion", "cniVersion");
  if (!version.ok()) return version.status();
  result.cni_version = *version;
  const std::string& v = result.cni_version;
  const bool legacy = v.empty() || v == "0.1.0" || v == "0.2.0";
  const bool with_version_field = v == "0.3.0" || v == "0.3.1" || v == "0.4.0";
  const bool current = v.size() >= 2 && v.compare(0, 2, "1.") == 0;
  if (!legacy && !with_version_field && !current) {
    return Bad("cniVersion", absl::StrCat("unsupported version \"", v, "\""));
  }
  if (legacy) {
    if (auto status = ParseLegacyIps(doc, result); !status.ok()) return status;
  } else {
    if (auto it = doc.find("interfaces"); it != doc.end() && !it->is_null()) {
      if (!it->is_array()) return Bad("interfaces", "must be an array");
      for (std::size_t i = 0; i < it->size(); ++i) {
        const json& entry = (*it)[i];
        const std::string field = absl::StrCat("interfaces[", i, "]");
        if (!entry.is_object()) return Bad(field, "must be an object");
        auto name = OptionalString(entry, "name", field + ".name");
        if (!name.ok()) return name.status();
        if (name->empty()) return Bad(field + ".name", "is required");
        auto mac = OptionalString(entry, "mac", field + ".mac");
        if (!mac.ok()) return mac.status();
        auto sandbox = OptionalString(entry, "sandbox", field + ".sandbox");
        if (!sandbox.ok()) return sandbox.status();
        result.interfaces.push_back(CniInterface{*name, *mac, *sandbox});
      }
    }
    if (auto it = doc.find("ips"); it != doc.end() && !it->is_null()) {
      if (!it->is_array()) return Bad("ips", "must be an array");
      for (std::size_t i = 0; i < it->size(); ++i) {
        const std::string field = absl::StrCat("ips[", i, "]");
        auto ip = ParseIp((*it)[i], field, with_version_field);
        if (!ip.ok()) return ip.status();
        if (ip->interface && *ip->interface >= static_cast<int>(result.interfaces.size())) {
          return Bad(field + ".interface",
                     absl::StrCat("index ", *ip->interface, " is out of range (",
                                  result.interfaces.size(), " interfaces)"));
        }
        result.ips.push_back(std::move(*ip));
      }
    }
    if (auto status = ParseRoutes(doc, result); !status.ok()) return status;
  }
  if (auto status = ParseDns(doc, result); !status.ok()) return status;
  return result;
}

PodIps PodIpsFromResult(const CniResult& result) {
  auto in_sandbox = [&](const CniIpConfig& ip) {
    return ip.interface && !result.interfaces[*ip.interface].sandbox.empty();
  };
  const bool any_in_sandbox = std::any_of(result.ips.begin(), result.ips.end(), in_sandbox);
  std::vector<const CniIpConfig*> mine;
  for (const CniIpConfig& ip : result.ips) {
    if (!any_in_sandbox || in_sandbox(ip)) mine.push_back(&ip);
  }
  PodIps out;
  if (mine.empty()) return out;
  auto first_v4 =
      std::find_if(mine.begin(), mine.end(), [](const CniIpConfig* ip) { return ip->family == 4; });
  const CniIpConfig* primary = first_v4 != mine.end() ? *first_v4 : mine.front();
  out.primary = primary->ip;
  for (const CniIpConfig* ip : mine) {
    if (ip->ip == out.primary) continue;
    if (std::find(out.additional.begin(), out.additional.end(), ip->ip) != out.additional.end()) {
      continue;
    }
    out.additional.push_back(ip->ip);
  }
  return out;
}

}  // namespace crio::network
