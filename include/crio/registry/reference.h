#pragma once

// Image references as kubelet and the containers tools write them
// ("busybox", "quay.io/x/y:1.0", "localhost:5000/app@sha256:..."), parsed and normalised
// the way docker/distribution's reference package does.

#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/common/digest.h"

namespace crio::registry {

/// The registry a reference without one names.
inline constexpr absl::string_view kDefaultRegistry = "docker.io";
/// The host that serves docker.io's distribution API.
inline constexpr absl::string_view kDockerApiHost = "registry-1.docker.io";
/// The tag a reference with neither tag nor digest gets.
inline constexpr absl::string_view kDefaultTag = "latest";
/// Longest registry/repository name accepted (docker/distribution's limit).
inline constexpr std::size_t kMaxNameLength = 255;

/// A normalised image reference.
struct Reference {
  std::string registry;    ///< "docker.io", "localhost:5000", "[::1]:5000"
  std::string repository;  ///< "library/busybox": lower-case path components
  std::string tag;         ///< "latest" when none was given and there is no digest; "" otherwise
  std::optional<Digest> digest;  ///< when given, it is what gets pulled (it wins over tag)
  /// True when the text named no registry (a short name, see ResolveShortName).
  /// It records how the reference was written, not what it names, so == ignores it.
  bool short_name = false;

  /// "registry/repository".
  std::string Name() const;
  /// Canonical form: "registry/repo:tag", "registry/repo@digest", or
  /// "registry/repo:tag@digest" when both were given. Parses back to an equal Reference.
  std::string String() const;
  /// "registry/repo:tag", or "" when there is no tag (for RepoTags).
  std::string TagString() const;
  /// What goes in /v2/<name>/manifests/<reference>: the digest if any, else the tag.
  std::string ManifestReference() const;
  /// The host to connect to for the distribution API (docker.io -> registry-1.docker.io).
  std::string ApiHost() const;

  bool operator==(const Reference& other) const {
    return registry == other.registry && repository == other.repository && tag == other.tag &&
           digest == other.digest;
  }
};

/// Parses and normalises an image reference. A leading "docker://" transport is accepted
/// and dropped. "index.docker.io" becomes "docker.io"; a one-component docker.io
/// repository gets "library/". The first path component is a registry host when it
/// contains '.' or ':', is "localhost", or has upper-case letters (docker's rule).
/// @param text the reference as the client sent it
/// @return InvalidArgument naming the reference and the reason (upper-case repository,
///         bad tag, bad digest, name over 255 characters, empty component, ...)
absl::StatusOr<Reference> ParseReference(absl::string_view text);

/// What a CRI ImageSpec.image names: an image to resolve by reference, or an image ID
/// ("sha256:<hex>" or 64 hex digits) for the store to look up.
using ImageName = std::variant<Reference, Digest>;

/// Parses a reference or an image ID (see ImageName).
/// @return InvalidArgument when it is neither
absl::StatusOr<ImageName> ParseImageName(absl::string_view text);

/// True for hosts that are always reached without TLS verification, as containers
/// tools do: localhost, 127.0.0.0/8 and ::1, with or without a port.
bool IsLocalhost(absl::string_view host);

}  // namespace crio::registry
