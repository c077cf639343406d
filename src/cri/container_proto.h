#pragma once

// Container records in their CRI form, and the CRI's container filter and resources in
// the domain's.

#include <string>

#include "absl/status/statusor.h"
#include "crio/cri/api.h"
#include "crio/store/store.h"

namespace crio::cri {

::runtime::v1::Container ToProtoContainer(const store::ContainerRecord& container);
/// Sets every field of `out` from the record (after clearing it, which keeps the
/// strings' storage for reuse).
void FillProtoContainer(const store::ContainerRecord& container, ::runtime::v1::Container* out);
/// The wire form of one v1::Container, as the store keeps it (Store::SetContainerEncoder).
std::string EncodeListEntry(const store::ContainerRecord& container);
/// The wire form of the ListContainersResponse for the containers `filter` selects:
/// the records' list entries side by side (each encoded when the record last changed),
/// so that a list of 1,000 containers (the kubelet's relist, every second) is a copy of
/// bytes. A record without an entry is encoded on the spot.
std::string EncodeContainerList(const store::Store& state, const store::ContainerFilter& filter);
::runtime::v1::ContainerStatus ToProtoContainerStatus(const store::ContainerRecord& container);
store::ContainerFilter ToContainerFilter(const ::runtime::v1::ContainerFilter& filter);

/// UpdateContainerResources' linux resources as an OCI linux.resources object (JSON).
/// @param field the request's name for `r`, which errors name
/// @return InvalidArgument for negative values where they mean nothing
absl::StatusOr<std::string> ToOciResourcesJson(const ::runtime::v1::LinuxContainerResources& r,
                                               absl::string_view field = "linux");

}  // namespace crio::cri
