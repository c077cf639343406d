#pragma once

// Stats: domain (crio::stats) -> CRI proto.

#include "crio/cri/api.h"
#include "crio/stats/stats.h"
#include "crio/store/store.h"

namespace crio::cri {

::runtime::v1::ContainerStats ToProtoContainerStats(const stats::ContainerStats& stats);
::runtime::v1::PodSandboxStats ToProtoPodStats(const stats::PodStats& stats);

store::ContainerFilter ToContainerFilter(const ::runtime::v1::ContainerStatsFilter& filter);
store::PodFilter ToPodFilter(const ::runtime::v1::PodSandboxStatsFilter& filter);

}  // namespace crio::cri
