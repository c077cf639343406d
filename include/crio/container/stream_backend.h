#pragma once

// The daemon's StreamingBackend: exec sessions under crio-monitor, attach to a
// container's monitor, and port connections inside pods' network namespaces.

#include <memory>

#include "crio/container/containers.h"
#include "crio/store/store.h"
#include "crio/streaming/backend.h"

namespace crio::container {

std::unique_ptr<streaming::StreamingBackend> MakeStreamBackend(ContainerManager& containers,
                                                               const store::Store& state);

}  // namespace crio::container
