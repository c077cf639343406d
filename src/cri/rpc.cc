#include "rpc.h"

#include "crio/common/memory.h"

namespace crio::cri {

bool IsServerFault(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnavailable:
      return true;
    default:
      return false;
  }
}

grpc::Status FinishCall(const RequestContext& ctx, std::chrono::steady_clock::time_point start,
                        const absl::Status& status) {
  memory::NoteActivity();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  log::Debug(ctx, "Request done in {}.{:03}ms: {}", micros / 1000, micros % 1000,
             absl::StatusCodeToString(status.code()));
  if (!status.ok()) {
    if (IsServerFault(status.code())) {
      log::Error(ctx, "Request failed: {}", status.ToString());
    } else {
      log::Warn(ctx, "Request failed: {}", status.ToString());
    }
  }
  return ToGrpcStatus(status);
}

}  // namespace crio::cri
