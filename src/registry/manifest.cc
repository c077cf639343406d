#include "crio/registry/manifest.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crio/common/status.h"

namespace crio::registry {
namespace {

using nlohmann::json;

absl::Status InvalidManifest(absl::string_view what, absl::string_view field,
                             absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("invalid ", what, ": ", field, " ", reason));
}

// Every JSON access goes through these: nlohmann's throwing accessors are never used
// on unchecked values.
absl::StatusOr<json> ParseJson(absl::string_view body, absl::string_view what) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded())
    return absl::InvalidArgumentError(absl::StrCat("invalid ", what, ": not JSON"));
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid ", what, ": not a JSON object"));
  }
  return doc;
}

const json* Find(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status GetString(const json& obj, const char* key, absl::string_view what,
                       const std::string& path, std::string& out, bool required = false) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return required ? InvalidManifest(what, absl::StrCat(path, key), "is required")
                    : absl::OkStatus();
  }
  if (!v->is_string()) return InvalidManifest(what, absl::StrCat(path, key), "is not a string");
  out = v->get<std::string>();
  return absl::OkStatus();
}

absl::Status GetStrings(const json& obj, const char* key, absl::string_view what,
                        const std::string& path, std::vector<std::string>& out) {
  const json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_array())
    return InvalidManifest(what, absl::StrCat(path, key), "is not an array of strings");
  out.clear();
  for (const json& item : *v) {
    if (!item.is_string()) {
      return InvalidManifest(what, absl::StrCat(path, key), "is not an array of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status GetStringMap(const json& obj, const char* key, absl::string_view what,
                          const std::string& path, std::map<std::string, std::string>& out) {
  const json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_object()) return InvalidManifest(what, absl::StrCat(path, key), "is not an object");
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) {
      return InvalidManifest(what, absl::StrCat(path, key, ".", it.key()), "is not a string");
    }
    out[it.key()] = it.value().get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status GetKeys(const json& obj, const char* key, absl::string_view what,
                     const std::string& path, std::vector<std::string>& out) {
  const json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_object()) return InvalidManifest(what, absl::StrCat(path, key), "is not an object");
  for (auto it = v->begin(); it != v->end(); ++it) out.push_back(it.key());
  std::sort(out.begin(), out.end());
  return absl::OkStatus();
}

absl::StatusOr<Digest> GetDigest(const json& obj, const char* key, absl::string_view what,
                                 const std::string& path) {
  std::string text;
  RETURN_IF_ERROR(GetString(obj, key, what, path, text, /*required=*/true));
  auto digest = Digest::Parse(text);
  if (!digest.ok())
    return InvalidManifest(what, absl::StrCat(path, key), digest.status().message());
  return digest;
}

absl::StatusOr<Platform> ParsePlatform(const json& v, absl::string_view what,
                                       const std::string& path) {
  if (!v.is_object()) return InvalidManifest(what, path, "is not an object");
  const std::string p = absl::StrCat(path, ".");
  Platform platform;
  RETURN_IF_ERROR(GetString(v, "architecture", what, p, platform.architecture, true));
  RETURN_IF_ERROR(GetString(v, "os", what, p, platform.os, true));
  RETURN_IF_ERROR(GetString(v, "variant", what, p, platform.variant));
  RETURN_IF_ERROR(GetString(v, "os.version", what, p, platform.os_version));
  RETURN_IF_ERROR(GetStrings(v, "os.features", what, p, platform.os_features));
  RETURN_IF_ERROR(GetStrings(v, "features", what, p, platform.features));
  return platform;
}

absl::StatusOr<Descriptor> ParseDescriptor(const json& v, absl::string_view what,
                                           const std::string& path) {
  if (!v.is_object()) return InvalidManifest(what, path, "is not an object");
  const std::string p = absl::StrCat(path, ".");
  ASSIGN_OR_RETURN(Digest digest, GetDigest(v, "digest", what, p));
  Descriptor d(std::move(digest));
  RETURN_IF_ERROR(GetString(v, "mediaType", what, p, d.media_type, true));
  const json* size = Find(v, "size");
  if (size == nullptr) return InvalidManifest(what, absl::StrCat(p, "size"), "is required");
  if (size->is_number_unsigned()) {
    if (size->get<std::uint64_t>() >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return InvalidManifest(what, absl::StrCat(p, "size"), "is too large");
    }
    d.size = static_cast<std::int64_t>(size->get<std::uint64_t>());
  } else if (size->is_number_integer()) {
    d.size = size->get<std::int64_t>();
  } else {
    return InvalidManifest(what, absl::StrCat(p, "size"), "is not an integer");
  }
  if (d.size < 0) {
    return InvalidManifest(what, absl::StrCat(p, "size"), absl::StrCat(d.size, " is negative"));
  }
  RETURN_IF_ERROR(GetStrings(v, "urls", what, p, d.urls));
  RETURN_IF_ERROR(GetStringMap(v, "annotations", what, p, d.annotations));
  RETURN_IF_ERROR(GetString(v, "artifactType", what, p, d.artifact_type));
  if (const json* platform = Find(v, "platform"); platform != nullptr) {
    ASSIGN_OR_RETURN(d.platform, ParsePlatform(*platform, what, absl::StrCat(p, "platform")));
  }
  return d;
}

absl::StatusOr<std::vector<Descriptor>> ParseDescriptors(const json& obj, const char* key,
                                                         absl::string_view what) {
  const json* v = Find(obj, key);
  if (v == nullptr) return InvalidManifest(what, key, "is required");
  if (!v->is_array()) return InvalidManifest(what, key, "is not an array");
  std::vector<Descriptor> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor((*v)[i], what, absl::StrCat(key, "[", i, "]")));
    out.push_back(std::move(d));
  }
  return out;
}

absl::Status CheckSchemaVersion(const json& doc, absl::string_view what) {
  const json* v = Find(doc, "schemaVersion");
  if (v == nullptr) return InvalidManifest(what, "schemaVersion", "is required");
  if (!v->is_number_integer() || v->get<std::int64_t>() != 2) {
    if (v->is_number_integer() && v->get<std::int64_t>() == 1) {
      return absl::InvalidArgumentError(
          "schema1 manifests are not supported: the image must be pushed again with a "
          "schema2 or OCI manifest");
    }
    return InvalidManifest(what, "schemaVersion", "must be 2");
  }
  return absl::OkStatus();
}

absl::Status CheckMediaType(const json& doc, ManifestKind kind, absl::string_view what,
                            std::string& out) {
  RETURN_IF_ERROR(GetString(doc, "mediaType", what, "", out));
  const bool docker =
      kind == ManifestKind::kDockerManifest || kind == ManifestKind::kDockerManifestList;
  if (out.empty() && docker) return InvalidManifest(what, "mediaType", "is required");
  if (!out.empty() && out != MediaTypeOf(kind)) {
    return InvalidManifest(what, "mediaType",
                           absl::StrCat("\"", out, "\" does not match ", MediaTypeOf(kind)));
  }
  return absl::OkStatus();
}

std::string StripContentType(absl::string_view content_type) {
  const std::size_t semi = content_type.find(';');
  if (semi != absl::string_view::npos) content_type = content_type.substr(0, semi);
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(content_type));
}

std::optional<ManifestKind> KindOf(absl::string_view media_type) {
  if (media_type == media_type::kOciManifest) return ManifestKind::kOciManifest;
  if (media_type == media_type::kOciIndex) return ManifestKind::kOciIndex;
  if (media_type == media_type::kDockerManifest) return ManifestKind::kDockerManifest;
  if (media_type == media_type::kDockerManifestList) return ManifestKind::kDockerManifestList;
  return std::nullopt;
}

absl::Status Schema1Error(absl::string_view media_type) {
  return absl::InvalidArgumentError(
      absl::StrCat("schema1 manifests are not supported (media type ", media_type,
                   "): the image must be pushed again with a schema2 or OCI manifest"));
}

bool IsSchema1(absl::string_view media_type) {
  return media_type == media_type::kDockerSchema1 || media_type == media_type::kDockerSchema1Signed;
}

std::string NormalizeArmVariant(absl::string_view variant) {
  if (variant.size() == 1 && variant[0] >= '0' && variant[0] <= '9') {
    return absl::StrCat("v", variant);
  }
  return std::string(variant);
}

}  // namespace

absl::string_view MediaTypeOf(ManifestKind kind) {
  switch (kind) {
    case ManifestKind::kOciManifest:
      return media_type::kOciManifest;
    case ManifestKind::kOciIndex:
      return media_type::kOciIndex;
    case ManifestKind::kDockerManifest:
      return media_type::kDockerManifest;
    case ManifestKind::kDockerManifestList:
      return media_type::kDockerManifestList;
  }
  return media_type::kOciManifest;
}

std::string Platform::String() const {
  std::string out = absl::StrCat(os, "/", architecture);
  if (!variant.empty()) absl::StrAppend(&out, "/", variant);
  return out;
}

absl::StatusOr<ManifestKind> DetectManifestKind(absl::string_view content_type,
                                                absl::string_view body) {
  if (body.size() > kMaxManifestBytes) {
    return absl::InvalidArgumentError(absl::StrCat("manifest of ", body.size(),
                                                   " bytes is larger than the limit of ",
                                                   kMaxManifestBytes, " bytes"));
  }
  const std::string type = StripContentType(content_type);
  if (IsSchema1(type)) return Schema1Error(type);
  const std::optional<ManifestKind> from_header = KindOf(type);
  ASSIGN_OR_RETURN(const json doc, ParseJson(body, "manifest"));
  std::string body_type;
  RETURN_IF_ERROR(GetString(doc, "mediaType", "manifest", "", body_type));
  if (IsSchema1(body_type)) return Schema1Error(body_type);
  if (const json* v = Find(doc, "schemaVersion");
      v != nullptr && v->is_number_integer() && v->get<std::int64_t>() == 1) {
    return Schema1Error("schemaVersion 1");
  }
  const std::optional<ManifestKind> from_body = KindOf(body_type);
  if (from_header.has_value()) {
    if (!body_type.empty() && from_body != from_header) {
      return absl::InvalidArgumentError(absl::StrCat("manifest mediaType \"", body_type,
                                                     "\" does not match its content type ", type));
    }
    return *from_header;
  }
  const bool generic = type.empty() || type == "application/json" || type == "text/plain" ||
                       type == "application/octet-stream" || type == "binary/octet-stream";
  if (!generic) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported manifest content type \"", type, "\""));
  }
  if (from_body.has_value()) return *from_body;
  if (!body_type.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported manifest media type \"", body_type, "\""));
  }
  if (doc.contains("manifests")) return ManifestKind::kOciIndex;
  if (doc.contains("config") || doc.contains("layers")) return ManifestKind::kOciManifest;
  return absl::InvalidArgumentError(
      "cannot tell the manifest's format: no media type, no config, layers or manifests");
}

absl::StatusOr<ImageManifest> ParseImageManifest(absl::string_view body, ManifestKind kind) {
  if (kind != ManifestKind::kOciManifest && kind != ManifestKind::kDockerManifest) {
    return absl::InvalidArgumentError(
        absl::StrCat("parse image manifest: ", MediaTypeOf(kind), " is an index"));
  }
  if (body.size() > kMaxManifestBytes) {
    return absl::InvalidArgumentError(absl::StrCat("manifest of ", body.size(),
                                                   " bytes is larger than the limit of ",
                                                   kMaxManifestBytes, " bytes"));
  }
  constexpr absl::string_view kWhat = "image manifest";
  ASSIGN_OR_RETURN(const json doc, ParseJson(body, kWhat));
  RETURN_IF_ERROR(CheckSchemaVersion(doc, kWhat));
  std::string media_type;
  RETURN_IF_ERROR(CheckMediaType(doc, kind, kWhat, media_type));
  const json* config = Find(doc, "config");
  if (config == nullptr) return InvalidManifest(kWhat, "config", "is required");
  ASSIGN_OR_RETURN(Descriptor config_desc, ParseDescriptor(*config, kWhat, "config"));
  ImageManifest m(std::move(config_desc));
  m.kind = kind;
  m.media_type = std::move(media_type);
  ASSIGN_OR_RETURN(m.layers, ParseDescriptors(doc, "layers", kWhat));
  RETURN_IF_ERROR(GetString(doc, "artifactType", kWhat, "", m.artifact_type));
  RETURN_IF_ERROR(GetStringMap(doc, "annotations", kWhat, "", m.annotations));
  if (const json* subject = Find(doc, "subject"); subject != nullptr) {
    ASSIGN_OR_RETURN(m.subject, ParseDescriptor(*subject, kWhat, "subject"));
  }
  return m;
}

absl::StatusOr<ImageIndex> ParseImageIndex(absl::string_view body, ManifestKind kind) {
  if (kind != ManifestKind::kOciIndex && kind != ManifestKind::kDockerManifestList) {
    return absl::InvalidArgumentError(
        absl::StrCat("parse image index: ", MediaTypeOf(kind), " is not an index"));
  }
  if (body.size() > kMaxManifestBytes) {
    return absl::InvalidArgumentError(absl::StrCat("manifest of ", body.size(),
                                                   " bytes is larger than the limit of ",
                                                   kMaxManifestBytes, " bytes"));
  }
  constexpr absl::string_view kWhat = "image index";
  ASSIGN_OR_RETURN(const json doc, ParseJson(body, kWhat));
  RETURN_IF_ERROR(CheckSchemaVersion(doc, kWhat));
  ImageIndex index;
  index.kind = kind;
  RETURN_IF_ERROR(CheckMediaType(doc, kind, kWhat, index.media_type));
  ASSIGN_OR_RETURN(index.manifests, ParseDescriptors(doc, "manifests", kWhat));
  RETURN_IF_ERROR(GetString(doc, "artifactType", kWhat, "", index.artifact_type));
  RETURN_IF_ERROR(GetStringMap(doc, "annotations", kWhat, "", index.annotations));
  if (const json* subject = Find(doc, "subject"); subject != nullptr) {
    ASSIGN_OR_RETURN(index.subject, ParseDescriptor(*subject, kWhat, "subject"));
  }
  return index;
}

absl::StatusOr<std::variant<ImageManifest, ImageIndex>> ParseManifest(
    absl::string_view content_type, absl::string_view body) {
  ASSIGN_OR_RETURN(const ManifestKind kind, DetectManifestKind(content_type, body));
  if (kind == ManifestKind::kOciIndex || kind == ManifestKind::kDockerManifestList) {
    ASSIGN_OR_RETURN(ImageIndex index, ParseImageIndex(body, kind));
    return std::variant<ImageManifest, ImageIndex>(std::move(index));
  }
  ASSIGN_OR_RETURN(ImageManifest manifest, ParseImageManifest(body, kind));
  return std::variant<ImageManifest, ImageIndex>(std::move(manifest));
}

absl::Status ValidateImageLayers(const ImageManifest& manifest) {
  if (manifest.config.media_type != media_type::kOciConfig &&
      manifest.config.media_type != media_type::kDockerConfig) {
    return absl::InvalidArgumentError(absl::StrCat("not a container image: config media type is \"",
                                                   manifest.config.media_type, "\""));
  }
  for (const Descriptor& layer : manifest.layers) {
    const std::string& type = layer.media_type;
    if (type == media_type::kOciLayer || type == media_type::kOciLayerGzip ||
        type == media_type::kOciLayerZstd || type == media_type::kDockerLayerGzip) {
      continue;
    }
    if (type == media_type::kDockerForeignLayerGzip ||
        absl::StartsWith(type, "application/vnd.oci.image.layer.nondistributable.")) {
      return absl::InvalidArgumentError(
          absl::StrCat("layer ", layer.digest.str(), " has media type ", type,
                       ": foreign (non-distributable) layers are not supported"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("layer ", layer.digest.str(), " has unsupported media type \"", type, "\""));
  }
  return absl::OkStatus();
}

Platform NormalizePlatform(const Platform& platform) {
  Platform p = platform;
  p.os = absl::AsciiStrToLower(p.os);
  p.architecture = absl::AsciiStrToLower(p.architecture);
  const std::string& arch = p.architecture;
  if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    p.architecture = "amd64";
    if (p.variant == "v1") p.variant.clear();
  } else if (arch == "i386") {
    p.architecture = "386";
  } else if (arch == "aarch64" || arch == "arm64") {
    p.architecture = "arm64";
    if (p.variant == "8" || p.variant == "v8" || p.variant == "v8.0") p.variant.clear();
  } else if (arch == "armhf") {
    p.architecture = "arm";
    p.variant = "v7";
  } else if (arch == "armel") {
    p.architecture = "arm";
    p.variant = "v6";
  } else if (arch == "arm") {
    p.variant = p.variant.empty() ? "v7" : NormalizeArmVariant(p.variant);
  }
  return p;
}

absl::StatusOr<Descriptor> PickPlatform(const ImageIndex& index, const Platform& want) {
  const Platform w = NormalizePlatform(want);
  const Descriptor* best = nullptr;
  int best_rank = std::numeric_limits<int>::max();
  std::vector<std::string> available;
  for (const Descriptor& d : index.manifests) {
    if (!d.platform.has_value()) continue;
    available.push_back(d.platform->String());
    const Platform p = NormalizePlatform(*d.platform);
    if (p.os != w.os || p.architecture != w.architecture) continue;
    int rank = -1;
    if (p.variant == w.variant) {
      rank = 0;
    } else if (w.architecture == "arm" && p.variant.size() == 2 && w.variant.size() == 2 &&
               p.variant < w.variant) {
      rank = w.variant[1] - p.variant[1];  // v7 wanted: v6 (1) before v5 (2)
    }
    if (rank >= 0 && rank < best_rank) {
      best = &d;
      best_rank = rank;
    }
  }
  if (best == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no manifest for platform ", want.String(), " in the image index; available: ",
                     available.empty() ? std::string("none") : absl::StrJoin(available, ", ")));
  }
  return *best;
}

absl::StatusOr<ImageConfigBlob> ParseImageConfig(absl::string_view body) {
  constexpr absl::string_view kWhat = "image config";
  ASSIGN_OR_RETURN(const json doc, ParseJson(body, kWhat));
  ImageConfigBlob out;
  RETURN_IF_ERROR(GetString(doc, "architecture", kWhat, "", out.architecture));
  RETURN_IF_ERROR(GetString(doc, "os", kWhat, "", out.os));
  RETURN_IF_ERROR(GetString(doc, "variant", kWhat, "", out.variant));
  RETURN_IF_ERROR(GetString(doc, "created", kWhat, "", out.created));
  RETURN_IF_ERROR(GetString(doc, "author", kWhat, "", out.author));
  if (const json* c = Find(doc, "config"); c != nullptr) {
    if (!c->is_object()) return InvalidManifest(kWhat, "config", "is not an object");
    ContainerConfig& cc = out.config;
    const std::string p = "config.";
    RETURN_IF_ERROR(GetString(*c, "User", kWhat, p, cc.user));
    RETURN_IF_ERROR(GetStrings(*c, "Env", kWhat, p, cc.env));
    RETURN_IF_ERROR(GetStrings(*c, "Entrypoint", kWhat, p, cc.entrypoint));
    RETURN_IF_ERROR(GetStrings(*c, "Cmd", kWhat, p, cc.cmd));
    RETURN_IF_ERROR(GetString(*c, "WorkingDir", kWhat, p, cc.working_dir));
    RETURN_IF_ERROR(GetStringMap(*c, "Labels", kWhat, p, cc.labels));
    RETURN_IF_ERROR(GetString(*c, "StopSignal", kWhat, p, cc.stop_signal));
    RETURN_IF_ERROR(GetKeys(*c, "Volumes", kWhat, p, cc.volumes));
    RETURN_IF_ERROR(GetKeys(*c, "ExposedPorts", kWhat, p, cc.exposed_ports));
  }
  const json* rootfs = Find(doc, "rootfs");
  if (rootfs == nullptr) return InvalidManifest(kWhat, "rootfs", "is required");
  if (!rootfs->is_object()) return InvalidManifest(kWhat, "rootfs", "is not an object");
  std::string type;
  RETURN_IF_ERROR(GetString(*rootfs, "type", kWhat, "rootfs.", type, true));
  if (type != "layers") {
    return InvalidManifest(kWhat, "rootfs.type", absl::StrCat("is \"", type, "\", not \"layers\""));
  }
  const json* diff_ids = Find(*rootfs, "diff_ids");
  if (diff_ids != nullptr) {
    if (!diff_ids->is_array()) return InvalidManifest(kWhat, "rootfs.diff_ids", "is not an array");
    for (std::size_t i = 0; i < diff_ids->size(); ++i) {
      const json& item = (*diff_ids)[i];
      const std::string field = absl::StrCat("rootfs.diff_ids[", i, "]");
      if (!item.is_string()) return InvalidManifest(kWhat, field, "is not a string");
      auto digest = Digest::Parse(item.get<std::string>());
      if (!digest.ok()) return InvalidManifest(kWhat, field, digest.status().message());
      out.diff_ids.push_back(*std::move(digest));
    }
  }
  if (const json* history = Find(doc, "history"); history != nullptr) {
    if (!history->is_array()) return InvalidManifest(kWhat, "history", "is not an array");
    for (std::size_t i = 0; i < history->size(); ++i) {
      const json& item = (*history)[i];
      const std::string p = absl::StrCat("history[", i, "].");
      if (!item.is_object())
        return InvalidManifest(kWhat, absl::StrCat("history[", i, "]"), "is not an object");
      HistoryEntry h;
      RETURN_IF_ERROR(GetString(item, "created", kWhat, p, h.created));
      RETURN_IF_ERROR(GetString(item, "created_by", kWhat, p, h.created_by));
      RETURN_IF_ERROR(GetString(item, "author", kWhat, p, h.author));
      RETURN_IF_ERROR(GetString(item, "comment", kWhat, p, h.comment));
      if (const json* empty = Find(item, "empty_layer"); empty != nullptr) {
        if (!empty->is_boolean())
          return InvalidManifest(kWhat, absl::StrCat(p, "empty_layer"), "is not a boolean");
        h.empty_layer = empty->get<bool>();
      }
      out.history.push_back(std::move(h));
    }
  }
  return out;
}

absl::Status CheckLayerCount(const ImageConfigBlob& config, const ImageManifest& manifest) {
  if (config.diff_ids.size() != manifest.layers.size()) {
    return absl::InvalidArgumentError(absl::StrCat("image config has ", config.diff_ids.size(),
                                                   " rootfs.diff_ids but the manifest has ",
                                                   manifest.layers.size(), " layers"));
  }
  return absl::OkStatus();
}

std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> out;
  out.reserve(diff_ids.size());
  for (const Digest& diff_id : diff_ids) {
    if (out.empty()) {
      out.push_back(diff_id);
    } else {
      out.push_back(Digest::Of(absl::StrCat(out.back().str(), " ", diff_id.str())));
    }
  }
  return out;
}

}  // namespace crio::registry
