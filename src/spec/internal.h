#pragma once

// Pieces of BuildContainerSpec, one file each, shared only inside src/spec.

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/spec/container_spec.h"

namespace crio::spec::internal {

/// Go's path.Clean: one slash between components, no "." and, for absolute paths, no
/// ".." that climbs above "/".
std::string CleanPath(absl::string_view path);

/// Whether a path is absolute ("/...").
inline bool IsAbsolute(absl::string_view path) { return !path.empty() && path.front() == '/'; }

/// Decisions taken once and used by several parts.
struct Plan {
  bool privileged = false;
  bool readonly_rootfs = false;
  bool host_network = false;
  bool host_ipc = false;
  bool own_uts = true;  ///< the container has a UTS namespace of its own or its pod's
};

/// process.capabilities.
absl::StatusOr<nlohmann::json> BuildCapabilities(const SpecInput& in, const Plan& plan,
                                                 std::vector<std::string>* warnings);

/// The names of the capabilities in `json` (a process.capabilities set).
std::set<std::string> CapabilitySet(const nlohmann::json& set);

/// mounts, and linux.rootfsPropagation when a mount needs it ("" = leave unset).
absl::StatusOr<nlohmann::json> BuildMounts(const SpecInput& in, const Plan& plan,
                                           std::string* rootfs_propagation,
                                           std::vector<std::string>* warnings);

/// Image VOLUMEs that no CRI mount covers, clean and absolute, sorted.
std::vector<std::string> UncoveredImageVolumes(const SpecInput& in);

/// linux.namespaces; fills plan.own_uts.
absl::StatusOr<nlohmann::json> BuildNamespaces(const SpecInput& in, Plan* plan);

/// linux.resources (devices rules included) and process.oomScoreAdj via `oom_score_adj`.
absl::StatusOr<nlohmann::json> BuildResources(const SpecInput& in, const Plan& plan,
                                              int* oom_score_adj,
                                              std::vector<std::string>* warnings);

/// linux.devices.
absl::StatusOr<nlohmann::json> BuildDevices(const SpecInput& in, const Plan& plan);

/// linux.cgroupsPath.
absl::StatusOr<std::string> BuildCgroupsPath(const SpecInput& in);

/// linux.sysctl: default_sysctls, then the pod's, checked against the namespaces.
absl::StatusOr<nlohmann::json> BuildSysctls(const SpecInput& in, const Plan& plan);

/// process.rlimits from default_ulimits.
absl::StatusOr<nlohmann::json> BuildRlimits(const RuntimeDefaults& defaults);

}  // namespace crio::spec::internal
