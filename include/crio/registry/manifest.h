#pragma once

// OCI image manifests and indexes, Docker schema2 manifests and manifest lists, and
// image configs: parsed and validated, never trusted (every digest is a crio::Digest,
// every size non-negative). Docker schema1 is refused.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/common/digest.h"

namespace crio::registry {

/// Manifests larger than this are refused (as containers/image does).
inline constexpr std::size_t kMaxManifestBytes = 4u << 20;

namespace media_type {
inline constexpr absl::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr absl::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr absl::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr absl::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr absl::string_view kDockerSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr absl::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr absl::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr absl::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr absl::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr absl::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr absl::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr absl::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr absl::string_view kDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/// The Accept header value for manifest requests, most preferred first.
inline constexpr absl::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
}  // namespace media_type

/// Which of the four supported formats a manifest is.
enum class ManifestKind { kOciManifest, kOciIndex, kDockerManifest, kDockerManifestList };

/// The media type string of `kind`.
absl::string_view MediaTypeOf(ManifestKind kind);

/// An OS/architecture pair (with variant and OS details) as OCI writes it.
struct Platform {
  std::string os;                        ///< "linux"
  std::string architecture;              ///< "amd64", "arm64", "arm", ...
  std::string variant;                   ///< "v7", "v8", or ""
  std::string os_version;                ///< "os.version" (Windows)
  std::vector<std::string> os_features;  ///< "os.features"
  std::vector<std::string> features;     ///< "features" (docker manifest lists)

  /// "os/architecture[/variant]".
  std::string String() const;
  bool operator==(const Platform&) const = default;
};

/// An OCI content descriptor.
struct Descriptor {
  explicit Descriptor(Digest d) : digest(std::move(d)) {}

  std::string media_type;
  Digest digest;
  std::int64_t size = 0;  ///< bytes, never negative
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
  std::string artifact_type;

  bool operator==(const Descriptor&) const = default;
};

/// An OCI image manifest or a Docker schema2 manifest.
struct ImageManifest {
  explicit ImageManifest(Descriptor config_descriptor) : config(std::move(config_descriptor)) {}

  ManifestKind kind = ManifestKind::kOciManifest;
  std::string media_type;     ///< as written in the body ("" when absent)
  std::string artifact_type;  ///< OCI 1.1 artifacts
  Descriptor config;
  std::vector<Descriptor> layers;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
};

/// An OCI image index or a Docker manifest list.
struct ImageIndex {
  ManifestKind kind = ManifestKind::kOciIndex;
  std::string media_type;
  std::string artifact_type;
  std::vector<Descriptor> manifests;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
};

/// Says which format `body` is: the Content-Type when it names a supported format,
/// else (absent or generic, like application/json) the body's mediaType, else the
/// body's shape ("manifests" -> OCI index, "config"/"layers" -> OCI manifest).
/// @return InvalidArgument for schema1 ("schema1 manifests are not supported ..."),
///         unknown media types, a mediaType disagreeing with the Content-Type, and
///         bodies over kMaxManifestBytes
absl::StatusOr<ManifestKind> DetectManifestKind(absl::string_view content_type,
                                                absl::string_view body);

/// Parses an image manifest of `kind` (kOciManifest or kDockerManifest). Any config
/// and layer media types are accepted here (artifacts use their own); images call
/// ValidateImageLayers too.
/// @return InvalidArgument naming the field and the reason
absl::StatusOr<ImageManifest> ParseImageManifest(absl::string_view body, ManifestKind kind);

/// Parses an index of `kind` (kOciIndex or kDockerManifestList).
absl::StatusOr<ImageIndex> ParseImageIndex(absl::string_view body, ManifestKind kind);

/// DetectManifestKind, then the matching parser.
absl::StatusOr<std::variant<ImageManifest, ImageIndex>> ParseManifest(
    absl::string_view content_type, absl::string_view body);

/// For container images: the config is an image config and every layer is a tar
/// (plain, gzip or zstd) we can unpack.
/// @return InvalidArgument naming the layer digest and media type; foreign and
///         non-distributable layers are refused by name
absl::Status ValidateImageLayers(const ImageManifest& manifest);

/// The normalised form containerd matches on: lower-case os, "x86_64" -> "amd64",
/// "aarch64" -> "arm64", arm64 variant "v8"/"8" -> "" (the default), arm "7" -> "v7",
/// and arm without variant -> "v7".
Platform NormalizePlatform(const Platform& platform);

/// The manifest of `index` for `want`: the same os and architecture, the first with the
/// same variant; failing that, for arm, the best older variant (v7 runs v6 and v5).
/// Entries without a platform are skipped.
/// @return NotFound naming `want` and listing the platforms the index has
absl::StatusOr<Descriptor> PickPlatform(const ImageIndex& index, const Platform& want);

/// The "config" of an image config.
struct ContainerConfig {
  std::string user;
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  std::vector<std::string> volumes;        ///< keys of "Volumes", sorted
  std::vector<std::string> exposed_ports;  ///< keys of "ExposedPorts", sorted ("80/tcp")

  bool operator==(const ContainerConfig&) const = default;
};

/// One "history" entry.
struct HistoryEntry {
  std::string created;
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;

  bool operator==(const HistoryEntry&) const = default;
};

/// An image config blob (OCI image config or Docker container image v1).
struct ImageConfigBlob {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string created;
  std::string author;
  ContainerConfig config;
  std::vector<Digest> diff_ids;  ///< rootfs.diff_ids, in layer order
  std::vector<HistoryEntry> history;
};

/// Parses an image config blob. rootfs.type must be "layers".
/// @return InvalidArgument naming the field and the reason
absl::StatusOr<ImageConfigBlob> ParseImageConfig(absl::string_view body);

/// OK when the config has one diff_id per manifest layer.
/// @return InvalidArgument giving both counts
absl::Status CheckLayerCount(const ImageConfigBlob& config, const ImageManifest& manifest);

/// Chain ids of a layer stack: chain(L0) = diff(L0), chain(Ln) = sha256(chain(Ln-1) + " "
/// + diff(Ln)).
std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids);

}  // namespace crio::registry
