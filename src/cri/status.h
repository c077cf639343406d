#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace crio::cri {

/// The one place where the daemon's absl::Status becomes a grpc::Status. The
/// canonical codes are the same numbers in both, so the code passes unchanged.
grpc::Status ToGrpcStatus(const absl::Status& status);

/// The answer for an RPC that a later issue implements ("<Rpc> is not implemented
/// yet by this runtime").
absl::Status NotImplementedYet(const char* rpc);

}  // namespace crio::cri
