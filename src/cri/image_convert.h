#pragma once

// Image records in their CRI form.

#include "crio/cri/api.h"
#include "crio/image/store.h"

namespace crio::cri {

/// The CRI Image message for a record: the image config's User becomes `uid` when it
/// is numeric ("1000" or "1000:1000") and `username` otherwise, as kubelet expects for
/// runAsNonRoot checks.
::runtime::v1::Image ToProtoImage(const image::ImageRecord& record);

}  // namespace crio::cri
