#pragma once

// Applying labels to files, and the volume relabel rules (docs/selinux.md). The only
// I/O of the SELinux module is behind Labeler, so the rules are tested with a fake.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "crio/selinux/label.h"

namespace crio::selinux {

/// Reads and writes file labels on the host. Implementations never follow symlinks:
/// a symlink gets its own label.
class Labeler {
 public:
  virtual ~Labeler() = default;

  /// Whether SELinux is enabled on the host. When it is not, labels are still computed
  /// (they are shown in the OCI spec) but never applied.
  virtual bool Enabled() const = 0;

  /// The label of `path` itself (lgetfilecon).
  /// @return NotFound when the path is missing, another errno-derived code otherwise
  virtual absl::StatusOr<std::string> FileLabel(const std::string& path) = 0;

  /// Sets the label of `path` itself (lsetfilecon).
  /// @return an errno-derived status when the host refuses
  virtual absl::Status SetFileLabel(const std::string& path, const std::string& label) = 0;

  /// Path of the host's lxc_contexts file (the container contexts), or "" when SELinux
  /// is disabled or the policy names none.
  virtual std::string LxcContextsPath() const = 0;
};

/// The libselinux implementation. Logs once, at construction, when SELinux is disabled.
std::unique_ptr<Labeler> MakeSystemLabeler();

/// The host's container contexts: the defaults when `labeler` is not Enabled() or the host
/// has no lxc_contexts file, else that file's `process` and `file` entries.
/// @return InvalidArgument when the file holds a label that does not parse
absl::StatusOr<ContainerContexts> LoadContainerContexts(const Labeler& labeler);

/// How a volume relabel is decided.
struct RelabelPolicy {
  /// The pod's io.kubernetes.cri-o.TrySkipVolumeSELinuxLabel annotation (when allowed):
  /// skip the walk when the top directory already has the mount label.
  bool try_skip = false;
  /// Type of the container's process label; spc_t never relabels.
  std::string process_type;
};

/// The pod annotation that sets RelabelPolicy::try_skip ("true").
inline constexpr char kTrySkipVolumeSELinuxLabelAnnotation[] =
    "io.kubernetes.cri-o.TrySkipVolumeSELinuxLabel";

/// Whether `path` (after lexical normalization) is a system path that is never relabeled:
/// "/", "/etc", "/usr", "/var", "/etc/passwd", ... Subdirectories such as
/// /var/lib/kubelet/pods/... are not. `path` must be absolute.
bool IsProtectedPath(const std::string& path);

/// Relabels the tree at `path` with `mount_label`, in this order of rules:
///  1. process type spc_t: nothing to do (OK);
///  2. `labeler` not Enabled(): nothing to do (OK);
///  3. `path` relative, a system path (IsProtectedPath) under lexical normalization, or a
///     symlink resolving (realpath) to one: InvalidArgument naming the path;
///  4. try_skip and the top directory already labeled `mount_label`: skipped (OK);
///  5. otherwise every entry of the tree (the resolved top, files, directories, and
///     symlinks themselves, never followed) gets `mount_label`.
/// @return InvalidArgument for a bad label or refused path, NotFound when the path is
///         missing, the Labeler's error (annotated with the file) otherwise
absl::Status RelabelVolume(Labeler& labeler, const std::string& path,
                           const std::string& mount_label, const RelabelPolicy& policy);

}  // namespace crio::selinux
