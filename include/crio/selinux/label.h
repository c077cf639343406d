#pragma once

// SELinux labels as values: parsing, formatting and the computation of the labels a
// pod and its containers run with (docs/selinux.md). Nothing here touches the host;
// applying labels goes through crio::selinux::Labeler (labeler.h).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio::selinux {

class McsAllocator;

/// The type CRI-O gives privileged containers: "super privileged container", a type that
/// container runtimes may transition to and that is unconfined in practice. Volumes are
/// never relabeled for it.
inline constexpr absl::string_view kSpcType = "spc_t";

/// A security context "user:role:type:level". The level (MLS/MCS range) may itself
/// contain ':' ("s0-s0:c0.c1023", "s0:c1,c2"), so it is everything after the third ':'.
struct Label {
  std::string user;   ///< SELinux user, e.g. "system_u"
  std::string role;   ///< role, e.g. "system_r" (processes) or "object_r" (files)
  std::string type;   ///< type (domain for processes), e.g. "container_t"
  std::string level;  ///< MLS/MCS level or range, e.g. "s0:c1,c2"; empty on non-MLS policies

  /// Parses "user:role:type[:level]".
  /// @return InvalidArgument when a part among user/role/type is missing or empty, or the
  ///         text holds whitespace, a control character or NUL
  static absl::StatusOr<Label> Parse(absl::string_view text);

  /// Joins the parts with ':' ("user:role:type:level", or "user:role:type" when the level
  /// is empty). Does not validate: see Validate() / Format().
  std::string ToString() const;

  /// Checks a full label: no empty part, no ':' in user/role/type, no whitespace,
  /// control character or NUL anywhere.
  /// @return InvalidArgument naming the offending part
  absl::Status Validate() const;

  /// Validate() then ToString(): what goes into an OCI spec or an xattr.
  absl::StatusOr<std::string> Format() const;

  bool operator==(const Label&) const = default;
};

/// The CRI's SELinuxOption (pod or container security context). Every field may be
/// empty, meaning "not specified".
struct SELinuxOptions {
  std::string user;   ///< overrides the label's user when not empty
  std::string role;   ///< overrides the label's role when not empty
  std::string type;   ///< overrides the label's type when not empty
  std::string level;  ///< overrides the label's level when not empty

  /// True when no field is set.
  bool Empty() const { return user.empty() && role.empty() && type.empty() && level.empty(); }
};

/// The host's container contexts: the labels a container process and its files get
/// before a pod's level is applied.
struct ContainerContexts {
  Label process;  ///< "process" key of lxc_contexts; default system_u:system_r:container_t:s0
  Label file;     ///< "file" key of lxc_contexts; default system_u:object_r:container_file_t:s0

  /// The built-in defaults, used when the host has SELinux disabled or no lxc_contexts.
  static ContainerContexts Defaults();
};

/// Parses the text of an lxc_contexts file (lines `key = "label"`, '#' comments, quotes
/// optional). Keys other than `process` and `file` are ignored; a missing key keeps its
/// default.
/// @return InvalidArgument naming the key when a label does not parse
absl::StatusOr<ContainerContexts> ParseLxcContexts(absl::string_view text);

/// The labels of one pod sandbox.
struct PodLabels {
  Label process;  ///< the pod's process label (its infra container and default for containers)
  Label mount;    ///< the label for the pod's files: host file context with the pod's level
};

/// Computes the labels of a new pod.
///
/// The process label takes each part the pod gives and the rest from the host's process
/// context. The level is the pod's own: the given one (reserved in `mcs`, used as is), or
/// a fresh unique "s0:cX,cY" from `mcs`. The mount label is the host's file context with
/// that level. Release the level with `mcs.Release(labels.process.level)` when the pod is
/// removed.
/// @return InvalidArgument when an option holds a bad character, or the allocator's error
absl::StatusOr<PodLabels> PodLabelsFor(const SELinuxOptions& pod_options,
                                       const ContainerContexts& contexts, McsAllocator& mcs);

/// The labels of one container.
struct ContainerLabelSet {
  Label process;  ///< the label the container process runs with (OCI process.selinuxLabel)
  Label mount;    ///< the label of its rootfs and relabeled volumes (OCI linux.mountLabel)
};

/// Computes a container's labels from its options and its pod's labels.
///
/// Each non-empty option overrides that part of the pod's process label; by default a
/// container shares its pod's level, so the containers of a pod can share files. When the
/// container gives its own level, its mount label takes that level too, so that it can
/// read its own rootfs. A privileged container gets type spc_t (kSpcType), as CRI-O does,
/// unless its options name a type explicitly.
/// @return InvalidArgument when an option holds a bad character
absl::StatusOr<ContainerLabelSet> ContainerLabels(const SELinuxOptions& container_options,
                                                  const PodLabels& pod, bool privileged);

}  // namespace crio::selinux
