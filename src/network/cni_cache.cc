#include "cni_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"

namespace crio::network {
namespace {

using nlohmann::json;

// Marks the file format, so that a later layout can tell old files apart.
constexpr char kKind[] = "crio-cni-attachment-v1";
// A result and a list are a few KiB; anything much larger is not ours.
constexpr std::size_t kMaxEntryBytes = std::size_t{4} * 1024 * 1024;

std::string StringField(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

absl::StatusOr<CacheEntry> ParseEntry(const std::string& path, const std::string& text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || StringField(doc, "kind") != kKind) {
    return absl::DataLossError(absl::StrCat("CNI cache file ", path, " is not a ", kKind, " file"));
  }
  CacheEntry entry;
  entry.network_name = StringField(doc, "networkName");
  entry.container_id = StringField(doc, "containerId");
  entry.ifname = StringField(doc, "ifName");
  entry.netns = StringField(doc, "netns");
  entry.cni_args = StringField(doc, "cniArgs");
  if (auto it = doc.find("capabilityArgs"); it != doc.end() && it->is_object()) {
    entry.capability_args = *it;
  }
  if (auto it = doc.find("config"); it != doc.end()) entry.config = *it;
  if (auto it = doc.find("result"); it != doc.end() && it->is_object()) {
    entry.result = it->dump();
  }
  if (entry.network_name.empty() || entry.container_id.empty() || entry.ifname.empty() ||
      !entry.config.is_object() || entry.result.empty()) {
    return absl::DataLossError(absl::StrCat("CNI cache file ", path, " is incomplete"));
  }
  return entry;
}

}  // namespace

std::string CacheFilePath(const std::string& dir, const std::string& network_name,
                          const std::string& container_id, const std::string& ifname) {
  return (std::filesystem::path(dir) /
          absl::StrCat(network_name, "+", container_id, "+", ifname, ".json"))
      .string();
}

absl::Status WriteCacheEntry(const std::string& dir, const CacheEntry& entry) {
  RETURN_IF_ERROR(fs::MakeDirs(dir, 0700));
  const json result = json::parse(entry.result, nullptr, /*allow_exceptions=*/false);
  if (result.is_discarded()) return absl::InvalidArgumentError("CNI result is not JSON");
  const json doc = {{"kind", kKind},
                    {"networkName", entry.network_name},
                    {"containerId", entry.container_id},
                    {"ifName", entry.ifname},
                    {"netns", entry.netns},
                    {"cniArgs", entry.cni_args},
                    {"capabilityArgs", entry.capability_args},
                    {"config", entry.config},
                    {"result", result}};
  return fs::WriteFileAtomic(
      CacheFilePath(dir, entry.network_name, entry.container_id, entry.ifname), doc.dump(), 0600);
}

absl::StatusOr<CacheLookup> FindCacheEntries(const std::string& dir,
                                             const std::string& container_id,
                                             const std::string& ifname) {
  CacheLookup lookup;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return lookup;
  if (ec) return fs::ErrnoStatus(ec.value(), absl::StrCat("read CNI cache dir ", dir));
  const std::string suffix = absl::StrCat("+", container_id, "+", ifname, ".json");
  std::vector<std::pair<std::string, std::string>> files;  // path, network name
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // "<network>+": a network name is never empty and never holds '+'.
    if (name.empty() || name[0] == '.' || !absl::EndsWith(name, suffix)) continue;
    std::string network = name.substr(0, name.size() - suffix.size());
    if (network.empty() || network.find('+') != std::string::npos) continue;
    files.emplace_back(it->path().string(), std::move(network));
  }
  if (ec) return fs::ErrnoStatus(ec.value(), absl::StrCat("read CNI cache dir ", dir));
  std::sort(files.begin(), files.end());
  for (const auto& [path, network] : files) {
    auto text = fs::ReadFile(path, kMaxEntryBytes);
    if (absl::IsNotFound(text.status())) continue;  // removed by a DEL meanwhile
    absl::StatusOr<CacheEntry> entry =
        text.ok() ? ParseEntry(path, *text)
                  : absl::StatusOr<CacheEntry>(
                        Annotate(text.status(), absl::StrCat("read CNI cache file ", path)));
    if (entry.ok() && (entry->network_name != network || entry->container_id != container_id ||
                       entry->ifname != ifname)) {
      entry =
          absl::DataLossError(absl::StrCat("CNI cache file ", path, " names another attachment"));
    }
    if (entry.ok()) {
      lookup.entries.push_back(*std::move(entry));
    } else {
      lookup.broken.push_back(BrokenCacheFile{network, entry.status()});
    }
  }
  return lookup;
}

absl::Status RemoveCacheEntry(const std::string& dir, const std::string& network_name,
                              const std::string& container_id, const std::string& ifname) {
  const std::string path = CacheFilePath(dir, network_name, container_id, ifname);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fs::ErrnoStatus(errno, absl::StrCat("remove CNI cache file ", path));
  }
  return absl::OkStatus();
}

}  // namespace crio::network
