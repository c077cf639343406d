#pragma once

// Devices a container gets from crio.conf rather than from its CRI config:
// additional_devices for every container, and the host devices a pod asks for with
// CRI-O's io.kubernetes.cri-o.Devices annotation, limited to allowed_devices.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/config/config.h"
#include "crio/spec/container_spec.h"

namespace crio::container {

/// The pod annotation asking for host devices ("host[:container[:perms]]", comma
/// separated), honoured where the handler's allowed_annotations lets it through.
inline constexpr char kDevicesAnnotation[] = "io.kubernetes.cri-o.Devices";

/// additional_devices, then the annotation's devices.
/// @param allowed_annotations the pod's (annotations::AllowedFor)
/// @return InvalidArgument naming the entry for a malformed device, or for an
///     annotation device that allowed_devices does not list
absl::StatusOr<std::vector<spec::DeviceRequest>> ConfiguredDevices(
    const config::Config& config, const std::vector<std::string>& allowed_annotations,
    const std::map<std::string, std::string>& pod_annotations);

}  // namespace crio::container
