#include "crio/network/cni_config.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crio/common/fs.h"

namespace crio::network {
namespace {

// A CNI config is small; anything larger is not one we should parse.
constexpr std::size_t kMaxConfigBytes = 1 << 20;

bool IsConfigFile(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".conf" || ext == ".conflist" || ext == ".json";
}

absl::StatusOr<std::string> RequireString(const nlohmann::json& object, const char* field,
                                          const std::string& where) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": field \"", field, "\" must be a non-empty string"));
  }
  return it->get<std::string>();
}

}  // namespace

std::string FindPluginBinary(const std::string& type, const std::vector<std::string>& dirs) {
  // A type is a file name, never a path: "../../bin/sh" must not escape the plugin dirs.
  if (type.empty() || type.find('/') != std::string::npos || type == "." || type == "..") {
    return "";
  }
  for (const auto& dir : dirs) {
    const std::string candidate = (std::filesystem::path(dir) / type).string();
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

absl::StatusOr<CniNetwork> ParseNetworkConfig(const std::string& text, const std::string& file,
                                              bool single_plugin) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": not a JSON object"));
  }
  CniNetwork network;
  network.file = file;
  auto name = RequireString(doc, "name", file);
  if (!name.ok()) return name.status();
  network.name = *name;
  if (auto it = doc.find("cniVersion"); it != doc.end() && it->is_string()) {
    network.cni_version = it->get<std::string>();
  }
  nlohmann::json plugins = nlohmann::json::array();
  if (single_plugin) {
    plugins.push_back(doc);
  } else {
    auto it = doc.find("plugins");
    if (it == doc.end() || !it->is_array() || it->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": field \"plugins\" must be a non-empty array"));
    }
    plugins = *it;
  }
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    if (!plugins[i].is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": plugins[", i, "] is not an object"));
    }
    auto type = RequireString(plugins[i], "type", absl::StrCat(file, ": plugins[", i, "]"));
    if (!type.ok()) return type.status();
    network.plugins.push_back(CniPlugin{*type, ""});
  }
  // A list keeps its other top-level keys ("disableCheck" matters to CHECK).
  nlohmann::json list = single_plugin ? nlohmann::json::object() : doc;
  list["cniVersion"] = network.cni_version;
  list["name"] = network.name;
  list["plugins"] = plugins;
  network.conflist_json = list.dump();
  return network;
}

absl::StatusOr<CniNetwork> FindDefaultNetwork(const CniSearch& search) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(search.network_dir, ec)) {
    if (entry.is_regular_file(ec) && IsConfigFile(entry.path())) files.push_back(entry.path());
  }
  if (files.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("No CNI configuration file in ",
                                                      search.network_dir,
                                                      ". Has your network provider started?"));
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> problems;
  for (const auto& path : files) {
    auto text = fs::ReadFile(path.string(), kMaxConfigBytes);
    if (!text.ok()) {
      problems.emplace_back(text.status().message());
      continue;
    }
    auto network =
        ParseNetworkConfig(*text, path.string(), /*single_plugin=*/path.extension() != ".conflist");
    if (!network.ok()) {
      problems.emplace_back(network.status().message());
      continue;
    }
    if (!search.default_network.empty() && network->name != search.default_network) continue;
    for (auto& plugin : network->plugins) {
      plugin.path = FindPluginBinary(plugin.type, search.plugin_dirs);
      if (plugin.path.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("CNI network \"", network->name, "\" (", path.string(), "): plugin \"",
                         plugin.type, "\" not found in ", absl::StrJoin(search.plugin_dirs, ", ")));
      }
    }
    return *network;
  }
  if (!search.default_network.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("CNI network \"", search.default_network,
                     "\" (cni_default_network) not found in ", search.network_dir,
                     problems.empty() ? "" : absl::StrCat(": ", absl::StrJoin(problems, "; "))));
  }
  return absl::FailedPreconditionError(absl::StrCat("No valid CNI configuration file in ",
                                                    search.network_dir, ": ",
                                                    absl::StrJoin(problems, "; ")));
}

}  // namespace crio::network
