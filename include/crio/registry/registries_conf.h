#pragma once

// containers-registries.conf(5): which registry a reference is pulled from (mirrors
// first, then the location), which are insecure or blocked, and where short names are
// searched. Both the v2 format ([[registry]]) and the v1 tables ([registries.search],
// [registries.insecure], [registries.block]) are read; one file may not mix them.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/registry/reference.h"

namespace crio::registry {

/// Which pulls a mirror serves ("pull-from-mirror").
enum class PullFromMirror { kAll, kDigestOnly, kTagOnly };

/// "short-name-mode".
enum class ShortNameMode { kEnforcing, kPermissive, kDisabled };

/// One [[registry.mirror]].
struct Mirror {
  std::string location;   ///< "mirror.example.com/dockerhub"
  bool insecure = false;  ///< http, or https without verification
  PullFromMirror pull_from_mirror = PullFromMirror::kAll;

  bool operator==(const Mirror&) const = default;
};

/// One [[registry]] table.
struct RegistryEntry {
  std::string prefix;    ///< what references it applies to; "*.example.com" wildcards a host
  std::string location;  ///< where to pull from; "" only for wildcard prefixes (pull as is)
  bool insecure = false;
  bool blocked = false;
  bool mirror_by_digest_only = false;  ///< legacy: mirrors serve digest pulls only
  std::vector<Mirror> mirrors;         ///< tried in order before the location

  bool operator==(const RegistryEntry&) const = default;
};

/// A parsed registries.conf (main file merged with its drop-ins).
struct RegistriesConf {
  std::vector<std::string> unqualified_search_registries;
  std::optional<ShortNameMode> short_name_mode;  ///< unset: the caller's default
  std::vector<RegistryEntry> registries;         ///< unique prefixes
  /// Things the file did that are accepted but ignored (unknown keys, [aliases], v1).
  std::vector<std::string> warnings;
};

/// Parses one registries.conf file.
/// @param text the TOML text
/// @param name the file name, for messages
/// @return InvalidArgument naming the file, the key and the reason (bad TOML, v1 and v2
///         mixed, bad prefix, both pull-from-mirror and mirror-by-digest-only, ...)
absl::StatusOr<RegistriesConf> ParseRegistriesConf(absl::string_view text, absl::string_view name);

/// Applies a drop-in over `base` as containers/image does: a [[registry]] replaces the
/// one with the same prefix (or is appended), unqualified-search-registries and
/// short-name-mode replace the base's when the drop-in sets them.
void MergeRegistriesConf(RegistriesConf& base, const RegistriesConf& drop_in);

/// Reads `path` (a missing file is an empty configuration) and then every regular
/// `<path>.d/*.conf` in lexical order, merged over it.
/// @return the first read or parse error, naming the file
absl::StatusOr<RegistriesConf> LoadRegistriesConf(const std::string& path);

/// The [[registry]] whose prefix matches `ref` best (longest match, wildcards included,
/// on component boundaries), or nullptr.
const RegistryEntry* FindRegistry(const Reference& ref, const RegistriesConf& conf);

/// One place to try pulling from.
struct PullSource {
  Reference reference;  ///< the rewritten reference to pull
  bool insecure = false;
  bool mirror = false;  ///< true for a [[registry.mirror]], false for the primary location
};

/// The ordered sources for pulling `ref`: the mirrors that serve this kind of pull
/// (pull-from-mirror: a digest pull is one whose reference has a digest), then the
/// primary location. A source is insecure when its entry says so, when its host is
/// localhost/127.0.0.0/8/::1, or when its host (with or without port) is listed in
/// `insecure_registries` (crio's [crio.image] insecure_registries).
/// @return FailedPrecondition naming the registry when the matching entry is blocked;
///         InvalidArgument when a location rewrites `ref` into an invalid reference
absl::StatusOr<std::vector<PullSource>> PullSources(
    const Reference& ref, const RegistriesConf& conf,
    const std::vector<std::string>& insecure_registries);

/// The references to try for a short name, in order: `ref` itself when it named a
/// registry; otherwise the repository under each unqualified-search-registries entry,
/// or docker.io alone when that list is empty (what kubelet users expect of crio:
/// "busybox" is docker.io/library/busybox). On docker.io a one-component repository
/// gets "library/"; elsewhere it is used as written ("busybox" -> "quay.io/busybox").
/// Enforcing short-name-mode ambiguity is left to the caller, which sees the list.
/// [aliases] are not supported.
/// @return InvalidArgument when a search registry does not form a valid reference
absl::StatusOr<std::vector<Reference>> ResolveShortName(const Reference& ref,
                                                        const RegistriesConf& conf);

}  // namespace crio::registry
