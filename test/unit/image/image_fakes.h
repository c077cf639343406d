// Test helpers for the image module: layer tarballs built in memory and a scripted
// registry serving images made of them.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crio/common/digest.h"
#include "fake_http.h"

namespace crio::image {

using crio::testing::FakeHttp;
using crio::testing::Respond;

// A gzip tar holding `files` (path -> content).
inline std::string MakeLayer(const std::map<std::string, std::string>& files, bool gzip = true) {
  std::string out;
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  if (gzip) archive_write_add_filter_gzip(writer);
  archive_write_open(
      writer, &out, nullptr,
      [](archive*, void* user, const void* data, size_t size) -> la_ssize_t {
        static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
        return static_cast<la_ssize_t>(size);
      },
      nullptr);
  for (const auto& [path, content] : files) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_write_header(writer, entry);
    archive_write_data(writer, content.data(), content.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
  return out;
}

inline std::string Ungzip(const std::string& gz) {
  archive* reader = archive_read_new();
  archive_read_support_filter_all(reader);
  archive_read_support_format_raw(reader);
  archive_read_open_memory(reader, gz.data(), gz.size());
  archive_entry* entry = nullptr;
  std::string out;
  if (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    char buf[8192];
    la_ssize_t n = 0;
    while ((n = archive_read_data(reader, buf, sizeof(buf))) > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  archive_read_free(reader);
  return out;
}

// A registry holding one repository "app" with images built from layer lists.
class FakeRegistry {
 public:
  // Adds an image under `tag`; returns its config digest (the image id).
  Digest AddImage(const std::string& tag, const std::vector<std::string>& layers,
                  const std::string& user = "") {
    nlohmann::json diff_ids = nlohmann::json::array();
    nlohmann::json layer_descs = nlohmann::json::array();
    for (const auto& layer : layers) {
      diff_ids.push_back(Digest::Of(Ungzip(layer)).str());
      const Digest digest = Digest::Of(layer);
      blobs[digest.str()] = layer;
      layer_descs.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                             {"digest", digest.str()},
                             {"size", layer.size()}});
    }
    const nlohmann::json config = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"config", {{"User", user}, {"Cmd", {"sh"}}, {"Env", {"PATH=/bin"}}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
    const std::string config_text = config.dump();
    const Digest config_digest = Digest::Of(config_text);
    blobs[config_digest.str()] = config_text;
    const nlohmann::json manifest = {{"schemaVersion", 2},
                                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                     {"config",
                                      {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                       {"digest", config_digest.str()},
                                       {"size", config_text.size()}}},
                                     {"layers", layer_descs},
                                     {"annotations", {{"org.example/role", "test"}}}};
    manifests[tag] = manifest.dump();
    manifests[Digest::Of(manifests[tag]).str()] = manifests[tag];
    return config_digest;
  }

  absl::StatusOr<registry::HttpResponse> Serve(const registry::HttpRequest& request) {
    const std::string prefix = "https://reg.example/v2/app/";
    if (request.url.rfind(prefix, 0) != 0) return Respond(404, "");
    const std::string rest = request.url.substr(prefix.size());
    if (rest.rfind("manifests/", 0) == 0) {
      auto it = manifests.find(rest.substr(10));
      if (it == manifests.end()) return Respond(404, "");
      return Respond(200, it->second,
                     {{"content-type", "application/vnd.oci.image.manifest.v1+json"}});
    }
    if (rest.rfind("blobs/", 0) == 0) {
      ++blob_fetches;
      auto it = blobs.find(rest.substr(6));
      if (it == blobs.end()) return Respond(404, "");
      return Respond(200, corrupt_blobs ? it->second + "x" : it->second);
    }
    return Respond(404, "");
  }

  std::map<std::string, std::string> manifests;
  std::map<std::string, std::string> blobs;
  int blob_fetches = 0;
  bool corrupt_blobs = false;
};

}  // namespace crio::image
