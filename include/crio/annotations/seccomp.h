#pragma once

// Which seccomp profile annotation applies to a container (CRI-O's
// seccomp-profile.kubernetes.cri-o.io, and its newer spelling seccomp-profile.crio.io),
// and whether the runtime handler lets it through. Pure: maps in, values out.
//
// Annotations come from two places the user controls: the pod (anyone who may create
// pods) and the image manifest (anyone who may push images). Both are honoured only
// when the handler's allowed_annotations (or an active workload's) lists the key, and
// the check compares whole keys: past CVEs in CRI-O and containerd came from prefix
// matches that let a look-alike key through.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "crio/config/config.h"

namespace crio::annotations {

/// The annotation of CRI-O 1.30 and the newer spelling of the same annotation. Where an
/// object carries both, the newer one wins. Allowing either spelling allows both: they
/// are one feature under two names, and an administrator who allowed it by its old
/// name should not lose it when users move to the new one.
inline constexpr absl::string_view kSeccompProfile = "seccomp-profile.kubernetes.cri-o.io";
inline constexpr absl::string_view kSeccompProfileV2 = "seccomp-profile.crio.io";
/// The reserved suffix that means "every container of the pod".
inline constexpr absl::string_view kPodMarker = "POD";

/// Whether `allowed` lets annotation `key` through: `key` equals an entry, or starts
/// with an entry followed by '/'. Case-sensitive; an empty entry allows nothing.
bool IsAllowed(absl::string_view key, const std::vector<std::string>& allowed);

/// The annotations a pod's containers may use: the handler's allowed_annotations, then
/// those of every workload whose activation_annotation the pod carries (as a key),
/// without repeats, in that order.
std::vector<std::string> AllowedFor(const config::RuntimeHandler& handler,
                                    const std::map<std::string, config::Workload>& workloads,
                                    const std::map<std::string, std::string>& pod_annotations);

/// Whether `allowed` lets any seccomp profile annotation through (either spelling).
bool AllowsSeccompProfile(const std::vector<std::string>& allowed);

/// Where a seccomp profile annotation was found, in order of precedence.
enum class SeccompSource {
  kPodContainer,    ///< pod annotation <key>/<container name>
  kPod,             ///< pod annotation <key>/POD
  kImage,           ///< image annotation <key> (bare: same as /POD)
  kImageContainer,  ///< image annotation <key>/<container name>
  kImagePod,        ///< image annotation <key>/POD
};

struct SeccompAnnotation {
  SeccompSource source = SeccompSource::kPodContainer;
  std::string key;        ///< the annotation as found, e.g. "seccomp-profile.crio.io/POD"
  std::string reference;  ///< its value: the profile's OCI artifact reference

  bool operator==(const SeccompAnnotation&) const = default;
};

/// The seccomp profile annotation for container `container_name`, first found in: pod
/// /<container>, pod /POD, image bare key, image /<container>, image /POD; at each
/// place the newer spelling before the older. Annotations that `allowed` does not let
/// through are never looked at. An annotation naming another container does nothing.
/// An empty value counts as absent.
std::optional<SeccompAnnotation> FindSeccompAnnotation(
    const std::map<std::string, std::string>& pod_annotations,
    const std::map<std::string, std::string>& image_annotations, absl::string_view container_name,
    const std::vector<std::string>& allowed);

/// The log line CRI-O writes when it finds one, word for word:
/// "Found container specific seccomp profile annotation: <key>=<ref>",
/// "Found pod specific seccomp profile annotation: <base key>=<ref>",
/// "Found image specific seccomp profile annotation: <key>=<ref>".
std::string FoundLogLine(const SeccompAnnotation& found);

}  // namespace crio::annotations
