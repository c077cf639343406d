#include "crio/registry/registries_conf.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <sstream>
#include <toml.hpp>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"

namespace crio::registry {
namespace {

// A registries.conf is a few KiB; anything far larger is not one.
constexpr std::size_t kMaxConfBytes = 1 << 20;

absl::Status InvalidRegistriesConf(absl::string_view file, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("registries.conf ", file, ": ", what));
}

absl::StatusOr<std::string> GetString(const toml::value& v, absl::string_view file,
                                      absl::string_view key) {
  if (!v.is_string()) return InvalidRegistriesConf(file, absl::StrCat(key, " must be a string"));
  return std::string(v.as_string().str);
}

absl::StatusOr<bool> GetBool(const toml::value& v, absl::string_view file, absl::string_view key) {
  if (!v.is_boolean()) return InvalidRegistriesConf(file, absl::StrCat(key, " must be a boolean"));
  return v.as_boolean();
}

absl::StatusOr<std::vector<std::string>> GetStrings(const toml::value& v, absl::string_view file,
                                                    absl::string_view key) {
  if (!v.is_array())
    return InvalidRegistriesConf(file, absl::StrCat(key, " must be an array of strings"));
  std::vector<std::string> out;
  for (const toml::value& item : v.as_array()) {
    if (!item.is_string())
      return InvalidRegistriesConf(file, absl::StrCat(key, " must be an array of strings"));
    out.push_back(item.as_string().str);
  }
  return out;
}

// Locations and prefixes: host[:port][/path], no scheme, no trailing slash kept.
absl::StatusOr<std::string> CleanLocation(std::string value, absl::string_view file,
                                          absl::string_view key) {
  while (!value.empty() && value.back() == '/') value.pop_back();
  if (value.find("://") != std::string::npos) {
    return InvalidRegistriesConf(file,
                                 absl::StrCat(key, " \"", value, "\" must not contain a scheme"));
  }
  for (const char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '@') {
      return InvalidRegistriesConf(
          file, absl::StrCat(key, " \"", value, "\" contains an invalid character"));
    }
  }
  return value;
}

absl::Status CheckPrefix(const std::string& prefix, absl::string_view file) {
  const std::size_t star = prefix.find('*');
  if (star == std::string::npos) return absl::OkStatus();
  if (star != 0 || !absl::StartsWith(prefix, "*.") || prefix.size() < 3 ||
      prefix.find_first_of("*/:", 1) != std::string::npos) {
    return InvalidRegistriesConf(
        file, absl::StrCat("prefix \"", prefix,
                           "\": a wildcard prefix must have the form *.example.com"));
  }
  return absl::OkStatus();
}

absl::StatusOr<PullFromMirror> ParsePullFromMirror(const std::string& s, absl::string_view file) {
  if (s.empty() || s == "all") return PullFromMirror::kAll;
  if (s == "digest-only") return PullFromMirror::kDigestOnly;
  if (s == "tag-only") return PullFromMirror::kTagOnly;
  return InvalidRegistriesConf(file,
                               absl::StrCat("pull-from-mirror \"", s,
                                            "\" must be \"all\", \"digest-only\" or \"tag-only\""));
}

absl::StatusOr<Mirror> ParseMirror(const toml::value& v, absl::string_view file,
                                   absl::string_view key, bool by_digest_only,
                                   std::vector<std::string>& warnings) {
  if (!v.is_table()) return InvalidRegistriesConf(file, absl::StrCat(key, " must be a table"));
  Mirror mirror;
  for (const auto& [k, item] : v.as_table()) {
    const std::string path = absl::StrCat(key, ".", k);
    if (k == "location") {
      ASSIGN_OR_RETURN(std::string loc, GetString(item, file, path));
      ASSIGN_OR_RETURN(mirror.location, CleanLocation(std::move(loc), file, path));
    } else if (k == "insecure") {
      ASSIGN_OR_RETURN(mirror.insecure, GetBool(item, file, path));
    } else if (k == "pull-from-mirror") {
      ASSIGN_OR_RETURN(std::string s, GetString(item, file, path));
      if (by_digest_only && !s.empty()) {
        return InvalidRegistriesConf(file,
                                     absl::StrCat(path,
                                                  ": cannot be set together with the registry's "
                                                  "mirror-by-digest-only"));
      }
      ASSIGN_OR_RETURN(mirror.pull_from_mirror, ParsePullFromMirror(s, file));
    } else {
      warnings.push_back(absl::StrCat(file, ": unknown key ", path, " ignored"));
    }
  }
  if (mirror.location.empty())
    return InvalidRegistriesConf(file, absl::StrCat(key, ": location is required"));
  return mirror;
}

absl::StatusOr<RegistryEntry> ParseRegistry(const toml::value& v, absl::string_view file,
                                            absl::string_view key,
                                            std::vector<std::string>& warnings) {
  if (!v.is_table()) return InvalidRegistriesConf(file, absl::StrCat(key, " must be a table"));
  RegistryEntry entry;
  const toml::table& table = v.as_table();
  if (auto it = table.find("mirror-by-digest-only"); it != table.end()) {
    ASSIGN_OR_RETURN(entry.mirror_by_digest_only,
                     GetBool(it->second, file, absl::StrCat(key, ".mirror-by-digest-only")));
  }
  for (const auto& [k, item] : table) {
    const std::string path = absl::StrCat(key, ".", k);
    if (k == "prefix") {
      ASSIGN_OR_RETURN(std::string s, GetString(item, file, path));
      ASSIGN_OR_RETURN(entry.prefix, CleanLocation(std::move(s), file, path));
    } else if (k == "location") {
      ASSIGN_OR_RETURN(std::string s, GetString(item, file, path));
      ASSIGN_OR_RETURN(entry.location, CleanLocation(std::move(s), file, path));
    } else if (k == "insecure") {
      ASSIGN_OR_RETURN(entry.insecure, GetBool(item, file, path));
    } else if (k == "blocked") {
      ASSIGN_OR_RETURN(entry.blocked, GetBool(item, file, path));
    } else if (k == "mirror-by-digest-only") {
      // Read above: mirrors need it.
    } else if (k == "mirror") {
      if (!item.is_array())
        return InvalidRegistriesConf(file, absl::StrCat(path, " must be an array of tables"));
      const toml::array& mirrors = item.as_array();
      for (std::size_t i = 0; i < mirrors.size(); ++i) {
        ASSIGN_OR_RETURN(Mirror m, ParseMirror(mirrors[i], file, absl::StrCat(path, "[", i, "]"),
                                               entry.mirror_by_digest_only, warnings));
        entry.mirrors.push_back(std::move(m));
      }
    } else {
      warnings.push_back(absl::StrCat(file, ": unknown key ", path, " ignored"));
    }
  }
  if (entry.prefix.empty()) {
    if (entry.location.empty()) {
      return InvalidRegistriesConf(file, absl::StrCat(key, ": neither prefix nor location is set"));
    }
    entry.prefix = entry.location;
  } else if (!absl::StartsWith(entry.prefix, "*.") && entry.location.empty()) {
    entry.location = entry.prefix;
  }
  RETURN_IF_ERROR(CheckPrefix(entry.prefix, file));
  return entry;
}

RegistryEntry& EntryFor(std::vector<RegistryEntry>& entries, const std::string& host) {
  for (RegistryEntry& e : entries) {
    if (e.prefix == host) return e;
  }
  RegistryEntry e;
  e.prefix = host;
  e.location = host;
  entries.push_back(std::move(e));
  return entries.back();
}

absl::Status ParseV1(const toml::value& registries, absl::string_view file, RegistriesConf& conf) {
  if (!registries.is_table()) return InvalidRegistriesConf(file, "registries must be a table");
  const toml::table& tables = registries.as_table();
  for (const auto& [k, item] : tables) {
    if (k != "search" && k != "insecure" && k != "block") {
      conf.warnings.push_back(absl::StrCat(file, ": unknown key registries.", k, " ignored"));
    }
  }
  // A fixed order: TOML tables are unordered, and the entries' order must not depend on
  // a hash.
  for (const std::string k : {"search", "insecure", "block"}) {
    auto found = tables.find(k);
    if (found == tables.end()) continue;
    const toml::value& item = found->second;
    const std::string path = absl::StrCat("registries.", k);
    if (!item.is_table())
      return InvalidRegistriesConf(file, absl::StrCat(path, " must be a table"));
    std::vector<std::string> hosts;
    for (const auto& [k2, list] : item.as_table()) {
      const std::string path2 = absl::StrCat(path, ".", k2);
      if (k2 != "registries") {
        conf.warnings.push_back(absl::StrCat(file, ": unknown key ", path2, " ignored"));
        continue;
      }
      ASSIGN_OR_RETURN(hosts, GetStrings(list, file, path2));
    }
    for (std::string& host : hosts) {
      ASSIGN_OR_RETURN(host, CleanLocation(std::move(host), file, path));
      if (host.empty()) return InvalidRegistriesConf(file, absl::StrCat(path, ": empty registry"));
      if (k == "search") {
        conf.unqualified_search_registries.push_back(host);
      } else if (k == "insecure") {
        EntryFor(conf.registries, host).insecure = true;
      } else {
        EntryFor(conf.registries, host).blocked = true;
      }
    }
  }
  conf.warnings.push_back(absl::StrCat(
      file, ": the v1 format ([registries.*] tables) is deprecated, use [[registry]] tables"));
  return absl::OkStatus();
}

// Length of `ref` that `prefix` matches, or -1 (containers/image refMatchingPrefix).
int MatchLength(absl::string_view ref, absl::string_view prefix) {
  if (prefix.empty()) return -1;
  if (absl::StartsWith(prefix, "*.")) {
    const absl::string_view suffix = prefix.substr(1);  // ".example.com"
    const std::size_t index = ref.find(suffix);
    if (index == absl::string_view::npos) return -1;
    if (ref.substr(0, index).find('/') != absl::string_view::npos) return -1;
    const std::size_t end = index + suffix.size();
    if (end == ref.size()) return static_cast<int>(end);
    const char c = ref[end];
    return (c == ':' || c == '/' || c == '@') ? static_cast<int>(end) : -1;
  }
  if (!absl::StartsWith(ref, prefix)) return -1;
  if (ref.size() == prefix.size()) return static_cast<int>(prefix.size());
  const char c = ref[prefix.size()];
  // As containers/image: "example.com" also matches "example.com:5000/x".
  return (c == ':' || c == '/' || c == '@') ? static_cast<int>(prefix.size()) : -1;
}

bool ListedInsecure(absl::string_view host, const std::vector<std::string>& insecure_registries) {
  absl::string_view bare = host;
  if (!absl::StartsWith(host, "[")) {
    const std::size_t colon = host.rfind(':');
    if (colon != absl::string_view::npos) bare = host.substr(0, colon);
  }
  for (const std::string& item : insecure_registries) {
    absl::string_view s = item;
    while (absl::EndsWith(s, "/")) s.remove_suffix(1);
    if (s == host || s == bare) return true;
  }
  return false;
}

absl::StatusOr<Reference> Rewrite(const Reference& ref, const std::string& ref_string,
                                  int match_length, absl::string_view location) {
  if (location.empty()) return ref;
  const std::string text =
      absl::StrCat(location, absl::string_view(ref_string).substr(match_length));
  auto rewritten = ParseReference(text);
  if (!rewritten.ok()) {
    return Annotate(rewritten.status(),
                    absl::StrCat("rewrite ", ref_string, " with location ", location));
  }
  if (rewritten->short_name) {
    return absl::InvalidArgumentError(absl::StrCat("rewrite ", ref_string, " with location ",
                                                   location, ": the location names no host"));
  }
  return rewritten;
}

}  // namespace

absl::StatusOr<RegistriesConf> ParseRegistriesConf(absl::string_view text, absl::string_view name) {
  toml::value root;
  try {
    std::istringstream in{std::string(text)};
    root = toml::parse(in, std::string(name));
  } catch (const std::exception& e) {
    return InvalidRegistriesConf(name, absl::StrCat("invalid TOML: ", e.what()));
  }
  RegistriesConf conf;
  if (!root.is_table()) return InvalidRegistriesConf(name, "not a TOML table");
  try {
    const toml::table& table = root.as_table();
    const bool v1 = table.count("registries") > 0;
    const bool v2 = table.count("registry") > 0 || table.count("unqualified-search-registries") > 0;
    if (v1 && v2) {
      return InvalidRegistriesConf(
          name,
          "mixing the v1 format ([registries.*]) and the v2 format ([[registry]], "
          "unqualified-search-registries) is not supported");
    }
    for (const auto& [key, item] : table) {
      if (key == "unqualified-search-registries") {
        ASSIGN_OR_RETURN(conf.unqualified_search_registries, GetStrings(item, name, key));
        for (std::string& host : conf.unqualified_search_registries) {
          ASSIGN_OR_RETURN(host, CleanLocation(std::move(host), name, key));
        }
      } else if (key == "short-name-mode") {
        ASSIGN_OR_RETURN(std::string mode, GetString(item, name, key));
        if (mode == "enforcing") {
          conf.short_name_mode = ShortNameMode::kEnforcing;
        } else if (mode == "permissive") {
          conf.short_name_mode = ShortNameMode::kPermissive;
        } else if (mode == "disabled") {
          conf.short_name_mode = ShortNameMode::kDisabled;
        } else if (!mode.empty()) {
          return InvalidRegistriesConf(
              name, absl::StrCat("short-name-mode \"", mode,
                                 "\" must be enforcing, permissive or disabled"));
        }
      } else if (key == "registry") {
        if (!item.is_array())
          return InvalidRegistriesConf(name, "registry must be an array of tables");
        const toml::array& entries = item.as_array();
        for (std::size_t i = 0; i < entries.size(); ++i) {
          ASSIGN_OR_RETURN(
              RegistryEntry entry,
              ParseRegistry(entries[i], name, absl::StrCat("registry[", i, "]"), conf.warnings));
          for (const RegistryEntry& seen : conf.registries) {
            if (seen.prefix == entry.prefix) {
              return InvalidRegistriesConf(name, absl::StrCat("registry prefix \"", entry.prefix,
                                                              "\" is defined more than once"));
            }
          }
          conf.registries.push_back(std::move(entry));
        }
      } else if (key == "registries") {
        RETURN_IF_ERROR(ParseV1(item, name, conf));
      } else if (key == "aliases") {
        conf.warnings.push_back(absl::StrCat(name, ": [aliases] are not supported and ignored"));
      } else {
        conf.warnings.push_back(absl::StrCat(name, ": unknown key ", key, " ignored"));
      }
    }
  } catch (const std::exception& e) {
    return InvalidRegistriesConf(name, e.what());
  }
  return conf;
}

void MergeRegistriesConf(RegistriesConf& base, const RegistriesConf& drop_in) {
  if (!drop_in.unqualified_search_registries.empty()) {
    base.unqualified_search_registries = drop_in.unqualified_search_registries;
  }
  if (drop_in.short_name_mode.has_value()) base.short_name_mode = drop_in.short_name_mode;
  for (const RegistryEntry& entry : drop_in.registries) {
    auto it = std::find_if(base.registries.begin(), base.registries.end(),
                           [&](const RegistryEntry& e) { return e.prefix == entry.prefix; });
    if (it != base.registries.end()) {
      *it = entry;
    } else {
      base.registries.push_back(entry);
    }
  }
  base.warnings.insert(base.warnings.end(), drop_in.warnings.begin(), drop_in.warnings.end());
}

absl::StatusOr<RegistriesConf> LoadRegistriesConf(const std::string& path) {
  RegistriesConf conf;
  auto text = fs::ReadFile(path, kMaxConfBytes);
  if (text.ok()) {
    ASSIGN_OR_RETURN(conf, ParseRegistriesConf(*text, path));
  } else if (!absl::IsNotFound(text.status())) {
    return Annotate(text.status(), absl::StrCat("read registries.conf ", path));
  }
  const std::filesystem::path dir = path + ".d";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return conf;
  std::vector<std::string> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".conf" && it->is_regular_file(type_ec)) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("list registries.conf drop-ins in ", dir.string(), ": ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    auto drop_in_text = fs::ReadFile(file, kMaxConfBytes);
    if (!drop_in_text.ok()) {
      return Annotate(drop_in_text.status(), absl::StrCat("read registries.conf drop-in ", file));
    }
    ASSIGN_OR_RETURN(RegistriesConf drop_in, ParseRegistriesConf(*drop_in_text, file));
    MergeRegistriesConf(conf, drop_in);
  }
  return conf;
}

const RegistryEntry* FindRegistry(const Reference& ref, const RegistriesConf& conf) {
  const std::string s = ref.String();
  const RegistryEntry* best = nullptr;
  int best_length = -1;
  for (const RegistryEntry& entry : conf.registries) {
    const int length = MatchLength(s, entry.prefix);
    if (length > best_length) {
      best = &entry;
      best_length = length;
    }
  }
  return best;
}

absl::StatusOr<std::vector<PullSource>> PullSources(
    const Reference& ref, const RegistriesConf& conf,
    const std::vector<std::string>& insecure_registries) {
  auto insecure_host = [&](const Reference& r) {
    return IsLocalhost(r.registry) || ListedInsecure(r.registry, insecure_registries);
  };
  std::vector<PullSource> sources;
  const RegistryEntry* entry = FindRegistry(ref, conf);
  if (entry == nullptr) {
    sources.push_back(PullSource{ref, insecure_host(ref), false});
    return sources;
  }
  const std::string ref_string = ref.String();
  if (entry->blocked) {
    return absl::FailedPreconditionError(
        absl::StrCat("pull ", ref_string, ": registry ", ref.registry,
                     " is blocked in registries.conf (prefix \"", entry->prefix, "\")"));
  }
  const int length = MatchLength(ref_string, entry->prefix);
  const bool by_digest = ref.digest.has_value();
  for (const Mirror& mirror : entry->mirrors) {
    bool use = true;
    if (entry->mirror_by_digest_only) {
      use = by_digest;
    } else if (mirror.pull_from_mirror == PullFromMirror::kDigestOnly) {
      use = by_digest;
    } else if (mirror.pull_from_mirror == PullFromMirror::kTagOnly) {
      use = !by_digest;
    }
    if (!use) continue;
    ASSIGN_OR_RETURN(Reference rewritten, Rewrite(ref, ref_string, length, mirror.location));
    const bool insecure = mirror.insecure || insecure_host(rewritten);
    sources.push_back(PullSource{std::move(rewritten), insecure, true});
  }
  ASSIGN_OR_RETURN(Reference primary, Rewrite(ref, ref_string, length, entry->location));
  const bool insecure = entry->insecure || insecure_host(primary);
  sources.push_back(PullSource{std::move(primary), insecure, false});
  return sources;
}

absl::StatusOr<std::vector<Reference>> ResolveShortName(const Reference& ref,
                                                        const RegistriesConf& conf) {
  if (!ref.short_name) return std::vector<Reference>{ref};
  absl::string_view path = ref.repository;
  // ParseReference put docker.io's "library/" on one-component names; undo it for
  // registries other than docker.io.
  const bool library =
      absl::StartsWith(path, "library/") && path.substr(8).find('/') == absl::string_view::npos;
  std::vector<std::string> registries = conf.unqualified_search_registries;
  if (registries.empty()) registries.push_back(std::string(kDefaultRegistry));
  std::vector<Reference> out;
  for (const std::string& registry : registries) {
    std::string text = absl::StrCat(registry, "/", library ? path.substr(8) : path);
    if (!ref.tag.empty()) absl::StrAppend(&text, ":", ref.tag);
    if (ref.digest.has_value()) absl::StrAppend(&text, "@", ref.digest->str());
    auto candidate = ParseReference(text);
    if (!candidate.ok()) {
      return Annotate(candidate.status(),
                      absl::StrCat("unqualified-search-registries entry \"", registry, "\""));
    }
    if (candidate->short_name) {
      return absl::InvalidArgumentError(absl::StrCat("unqualified-search-registries entry \"",
                                                     registry, "\" is not a registry host"));
    }
    out.push_back(*std::move(candidate));
  }
  return out;
}

}  // namespace crio::registry
