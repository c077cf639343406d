#pragma once

// CreateContainer's CRI messages as the spec builder's domain values
// (include/crio/spec/container_spec.h). Only the request is validated here: what the
// fields mean together (users, capabilities, sysctls...) is the builder's to judge.

#include <string>

#include "absl/status/statusor.h"
#include "crio/cri/api.h"
#include "crio/spec/container_spec.h"

namespace crio::cri {

/// The container part of CreateContainer. Seccomp, AppArmor and SELinux selections
/// are left to their modules; Windows settings are ignored.
/// @param config CreateContainerRequest.config
/// @return the request, or InvalidArgument naming the field ("config.metadata.name:
///     empty", "config.mounts[1].container_path: ... is not absolute", negative
///     resources, ids out of range...), Unimplemented for image volumes, ID-mapped
///     mounts and CDI devices
absl::StatusOr<spec::ContainerRequest> ToContainerRequest(
    const ::runtime::v1::ContainerConfig& config);

/// The pod-level values of CreateContainer's sandbox_config: metadata, hostname, log
/// directory, cgroup parent, sysctls, host namespaces and privilege. The sandbox's
/// runtime state (pinned namespace paths, shm, resolv.conf...) is for the caller to add.
/// @param config CreateContainerRequest.sandbox_config
/// @return the pod context, or InvalidArgument naming the field
absl::StatusOr<spec::PodContext> ToPodContext(const ::runtime::v1::PodSandboxConfig& config);

/// The name of a CRI stop signal as the OCI tools write it ("SIGTERM", "SIGRTMIN+1",
/// "SIGRTMAX-2"); "" for RUNTIME_DEFAULT.
std::string SignalName(::runtime::v1::Signal signal);

}  // namespace crio::cri
