#pragma once

// Pod sandboxes between their CRI messages and the sandbox/store domain types.

#include "absl/status/statusor.h"
#include "crio/cri/api.h"
#include "crio/sandbox/pods.h"
#include "crio/store/store.h"

namespace crio::cri {

/// RunPodSandbox's config as a PodRequest; InvalidArgument names the bad field.
absl::StatusOr<sandbox::PodRequest> ToPodRequest(
    const ::runtime::v1::RunPodSandboxRequest& request);

::runtime::v1::PodSandboxStatus ToProtoPodStatus(const store::PodRecord& pod);
::runtime::v1::PodSandbox ToProtoPod(const store::PodRecord& pod);
store::PodFilter ToPodFilter(const ::runtime::v1::PodSandboxFilter& filter);

}  // namespace crio::cri
