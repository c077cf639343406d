#pragma once

// Container records in their CRI form, and the CRI's container filter and resources in
// the domain's.

#include <string>

#include "absl/status/statusor.h"
#include "crio/cri/api.h"
#include "crio/store/store.h"

namespace crio::cri {

::runtime::v1::Container ToProtoContainer(const store::ContainerRecord& container);
::runtime::v1::ContainerStatus ToProtoContainerStatus(const store::ContainerRecord& container);
store::ContainerFilter ToContainerFilter(const ::runtime::v1::ContainerFilter& filter);

/// UpdateContainerResources' linux resources as an OCI linux.resources object (JSON).
/// @return InvalidArgument for negative values where they mean nothing
absl::StatusOr<std::string> ToOciResourcesJson(const ::runtime::v1::LinuxContainerResources& r);

}  // namespace crio::cri
