#pragma once

// Finding the CNI network a pod would join. Readiness (CRI Status NetworkReady) is
// "a usable network config exists", so the same lookup answers both questions.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::network {

/// One plugin of a network list, as the runtime needs to know it.
struct CniPlugin {
  std::string type;  ///< the plugin binary's name, e.g. "bridge"
  std::string path;  ///< where that binary was found in the plugin dirs
};

/// A parsed network configuration (.conflist, or a single-plugin .conf/.json).
struct CniNetwork {
  std::string name;         ///< the network's "name"
  std::string cni_version;  ///< "cniVersion", e.g. "1.0.0"
  std::string file;         ///< the file it came from
  std::vector<CniPlugin> plugins;
  /// The config as a network list (a .conf wrapped in one), with the list's other keys
  /// ("disableCheck"); what CniManager runs and caches.
  std::string conflist_json;
};

/// Where to look, from [crio.network].
struct CniSearch {
  std::string network_dir;               ///< config dir, e.g. /etc/cni/net.d/
  std::vector<std::string> plugin_dirs;  ///< plugin binary dirs, searched in order
  std::string default_network;           ///< cni_default_network; "" = first file
};

/// Picks the network pods join: the one named `default_network`, or else the first
/// valid config file in lexical order (invalid files are skipped, as CRI-O does).
/// Every plugin binary of the chosen network must exist in a plugin dir.
/// @return the network, or FailedPrecondition whose message says why none is usable
///         (no config file, the named network missing, a plugin binary missing)
absl::StatusOr<CniNetwork> FindDefaultNetwork(const CniSearch& search);

/// Parses one config file's text.
/// @param file used in messages and kept in the result
/// @param single_plugin true for .conf/.json (one plugin), false for .conflist
/// @return InvalidArgument naming the file and the field for malformed configs
absl::StatusOr<CniNetwork> ParseNetworkConfig(const std::string& text, const std::string& file,
                                              bool single_plugin);

/// Looks a plugin binary up by its type, as CNI_PATH is searched: the first executable
/// `<dir>/<type>` in `dirs` order.
/// @return its path, or "" when no dir has it
std::string FindPluginBinary(const std::string& type, const std::vector<std::string>& dirs);

}  // namespace crio::network
