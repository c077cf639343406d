#pragma once

// Host device lookups for the spec builder. They only stat the host (no writes); the
// daemon calls them before BuildContainerSpec, which stays a function on values.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/spec/container_spec.h"

namespace crio::spec {

/// Looks up a host device node (following symlinks, as /dev/disk/by-id/... needs).
/// @param request container path, host path and cgroup permissions ("" = "rwm")
/// @return the device, NotFound when the host path does not exist, InvalidArgument
///     when it is not a character, block or FIFO device or the permissions are not
///     made of r, w and m
absl::StatusOr<LinuxDevice> ResolveDevice(const DeviceRequest& request);

/// Every device node under `dev_dir`, for privileged containers, skipping what runc
/// skips: /dev/pts, /dev/shm, /dev/mqueue, /dev/fd and hidden tool directories, and
/// /dev/console (the runtime provides its own).
/// @param dev_dir normally "/dev"
/// @return the devices at the same paths in the container, sorted by path
absl::StatusOr<std::vector<LinuxDevice>> HostDevices(const std::string& dev_dir = "/dev");

}  // namespace crio::spec
