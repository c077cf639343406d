#pragma once

// The wrapper every RPC passes through: it gives the call a RequestContext, times it,
// turns an escaping exception into Internal, logs the outcome once and converts the
// status. Handlers below it return absl::Status and never log their own failure.

#include <grpcpp/server_context.h>

#include <chrono>
#include <exception>
#include <string_view>

#include "absl/status/status.h"
#include "crio/common/log.h"
#include "status.h"

namespace crio::cri {

/// Log severity for a failed call: codes that mean "the runtime is broken" are
/// errors; codes that describe the request (NotFound, InvalidArgument...) warnings.
bool IsServerFault(absl::StatusCode code);

/// Logs the outcome of a call that started at `start` and converts its status.
grpc::Status FinishCall(const RequestContext& ctx, std::chrono::steady_clock::time_point start,
                        const absl::Status& status);

/// Runs `handler` under the call's context. Only the try/catch is a template: the
/// logging lives in FinishCall, compiled once.
template <typename Handler>
grpc::Status Serve(std::string_view method, Handler&& handler) {
  const RequestContext ctx{log::NewRequestId(), std::string(method)};
  const auto start = std::chrono::steady_clock::now();
  absl::Status status;
  try {
    status = handler(ctx);
  } catch (const std::exception& e) {
    status = absl::InternalError(std::string("unexpected exception: ") + e.what());
  } catch (...) {
    status = absl::InternalError("unexpected exception");
  }
  return FinishCall(ctx, start, status);
}

}  // namespace crio::cri
