#pragma once

// The ADD results kept on disk until DEL: one JSON file per attachment, named
// "<network>+<container id>+<ifname>.json" in the cache dir. The network name and the
// container id cannot hold '+' (ValidateNetworkName, ValidateContainerId), so the name
// is unambiguous. A file holds what DEL and CHECK need to repeat the ADD's parameters
// after a daemon restart: the plugin list used, CNI_ARGS, the capability arguments, the
// netns path and the final result. Files are replaced atomically (a reader sees the
// old or the new one); temporary files start with '.' and are skipped.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio::network {

/// One cached attachment.
struct CacheEntry {
  std::string network_name;
  std::string container_id;
  std::string ifname;
  std::string netns;
  std::string cni_args;
  nlohmann::json capability_args = nlohmann::json::object();
  nlohmann::json config;  ///< the plugin list as run (CniNetwork::conflist_json's form)
  std::string result;     ///< the final ADD result, as the last plugin printed it
};

/// The cache file of an attachment.
std::string CacheFilePath(const std::string& dir, const std::string& network_name,
                          const std::string& container_id, const std::string& ifname);

/// Writes `entry` atomically, creating `dir` (0700: results name pods and addresses).
absl::Status WriteCacheEntry(const std::string& dir, const CacheEntry& entry);

/// A cache file that could not be used.
struct BrokenCacheFile {
  std::string network_name;  ///< from the file name
  absl::Status error;        ///< why, naming the file
};

/// What the cache holds for one (container id, ifname).
struct CacheLookup {
  std::vector<CacheEntry> entries;      ///< sorted by file name
  std::vector<BrokenCacheFile> broken;  ///< unreadable, truncated, not ours
};

/// Every cached attachment of (container id, ifname), whatever its network.
/// @return empty when there is none (or no cache dir); an error only when the dir
///     cannot be read
absl::StatusOr<CacheLookup> FindCacheEntries(const std::string& dir,
                                             const std::string& container_id,
                                             const std::string& ifname);

/// Removes an attachment's file; a missing one is fine.
absl::Status RemoveCacheEntry(const std::string& dir, const std::string& network_name,
                              const std::string& container_id, const std::string& ifname);

}  // namespace crio::network
