#pragma once

// Resolving a container's user in its image: /etc/passwd and /etc/group are read from
// the rootfs directory, bounded in size and without following any link out of the
// rootfs (openat2 RESOLVE_IN_ROOT), the way runc and CRI-O look users up.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/spec/container_spec.h"

namespace crio::spec {

/// /etc/passwd or /etc/group larger than this is refused.
inline constexpr std::size_t kMaxUserFileBytes = 4u << 20;

/// The highest uid or gid accepted (Kubernetes' limit: int32).
inline constexpr std::int64_t kMaxId = 2147483647;

/// Who to run as, as the CRI and the image say it.
struct UserRequest {
  std::optional<std::int64_t> run_as_user;
  std::optional<std::int64_t> run_as_group;
  std::string run_as_username;
  std::string image_user;  ///< the image's User: "uid", "name", "uid:gid", "name:group"...
  std::vector<std::int64_t> supplemental_groups;
  SupplementalGroupsPolicy supplemental_groups_policy = SupplementalGroupsPolicy::kMerge;
};

/// Resolves the user: run_as_username, else run_as_user, else image_user (empty = root);
/// run_as_group replaces the group. Names are looked up in <rootfs>/etc/passwd and
/// /etc/group; a numeric user missing from /etc/passwd keeps gid 0 and home "/".
/// additional_gids: the gid, then (kMerge) the groups of /etc/group listing the user
/// by name, then supplemental_groups, without repeats.
/// @param rootfs the container's root directory
/// @param request the CRI and image values
/// @return the user; InvalidArgument naming the field for ids above kMaxId or below 0,
///     names containing ':' or a newline, a named user or group missing ("unable to find
///     user app: no matching entries in passwd file"), a user file over
///     kMaxUserFileBytes or not a regular file
absl::StatusOr<ResolvedUser> ResolveUser(const std::string& rootfs, const UserRequest& request);

/// Reads a file of the rootfs with every path component resolved inside `rootfs`
/// (absolute links and ".." stay in it), refusing non-regular files.
/// @param rootfs the container's root directory
/// @param path the file in the container, e.g. "/etc/passwd"
/// @param max_bytes larger files are refused
/// @return the content, NotFound when it does not exist (or a link loops),
///     InvalidArgument when too large or not a regular file
absl::StatusOr<std::string> ReadRootfsFile(const std::string& rootfs, const std::string& path,
                                           std::size_t max_bytes);

}  // namespace crio::spec
