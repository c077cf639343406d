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
