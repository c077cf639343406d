#pragma once

// Which seccomp profile a new container gets, and from where: its security context
// (RuntimeDefault, Localhost, Unconfined), the daemon's config (seccomp_profile,
// seccomp_use_default_when_empty, privileged_seccomp_profile), and CRI-O's seccomp
// profile annotations on the pod or the image, which name a profile stored in a
// registry as an OCI artifact. The order of precedence is in docs/seccomp.md.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crio/artifact/store.h"
#include "crio/common/log.h"
#include "crio/seccomp/seccomp.h"
#include "crio/spec/container_spec.h"

namespace crio::container {

/// crio.conf's seccomp settings for one runtime handler.
struct SeccompSettings {
  std::string default_profile_path;  ///< the handler's seccomp_profile, else crio.runtime's
  bool use_default_when_empty = true;
  bool annotations_override_default = false;
  std::string privileged_profile_path;  ///< privileged_seccomp_profile; "" = unconfined
};

/// What the container gets.
struct SeccompChoice {
  std::optional<seccomp::Profile> profile;  ///< nullopt = unconfined
  bool when_privileged = false;             ///< privileged_seccomp_profile applies
  std::string artifact_digest;              ///< the OCI artifact's, when it came from one
  std::string source;                       ///< for the log: "runtime/default", a path, a ref
};

/// The container-specific inputs of the choice.
struct SeccompRequest {
  spec::SeccompProfileRequest requested;  ///< the container's security context
  bool privileged = false;
  std::string container_name;
  const std::map<std::string, std::string>* pod_annotations = nullptr;
  const std::map<std::string, std::string>* image_annotations = nullptr;
  std::vector<std::string> allowed_annotations;  ///< handler's plus active workloads'
};

class SeccompChooser {
 public:
  /// @param artifacts the OCI artifact store; null = annotation profiles fail cleanly
  explicit SeccompChooser(artifact::ArtifactStore* artifacts) : artifacts_(artifacts) {}

  /// Chooses, pulling the annotation's artifact when one applies.
  /// @return NotFound for a missing Localhost profile (with CRI-O's message),
  ///     InvalidArgument for a profile that does not parse, the artifact store's error
  ///     (naming the reference) for an annotation's artifact
  absl::StatusOr<SeccompChoice> Choose(const RequestContext& ctx, const SeccompSettings& settings,
                                       const SeccompRequest& request);

 private:
  absl::StatusOr<seccomp::Profile> RuntimeDefault(const RequestContext& ctx,
                                                  const std::string& configured_path);
  absl::StatusOr<SeccompChoice> FromArtifact(const RequestContext& ctx,
                                             const std::string& reference);
  /// A profile file named in crio.conf, parsed once per (path, size, mtime).
  absl::StatusOr<seccomp::Profile> ConfiguredProfile(const std::string& path);

  artifact::ArtifactStore* artifacts_;
  absl::Mutex mu_;
  struct Cached {
    std::string stamp;  ///< size and mtime of the file it was parsed from
    seccomp::Profile profile;
  };
  std::map<std::string, Cached> configured_ ABSL_GUARDED_BY(mu_);
};

/// Reads a Localhost profile; a missing file gives CRI-O's error, word for word:
/// `setup seccomp: unable to load local profile "<path>": open <path>: no such file or
/// directory`.
absl::StatusOr<seccomp::Profile> LoadLocalhostProfile(const std::string& path);

}  // namespace crio::container
