#pragma once

// Error plumbing shared by every module: absl::Status/StatusOr travel through the
// daemon; src/cri/status.cc is the only place that turns them into grpc::Status.

#include <utility>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio {

/// Prefixes `context` to the message of `status`, keeping its code
/// ("pull artifact quay.io/x: manifest unknown"). OK stays OK.
/// @param status the error to annotate
/// @param context lower-case description of what was being done
/// @return the annotated status
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace crio

#define CRIO_STATUS_CONCAT_INNER_(a, b) a##b
#define CRIO_STATUS_CONCAT_(a, b) CRIO_STATUS_CONCAT_INNER_(a, b)

/// Returns the status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status crio_status_ = (expr);        \
    if (!crio_status_.ok()) return crio_status_; \
  } while (false)

#define CRIO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return std::move(tmp).status();    \
  lhs = std::move(tmp).value()

/// `ASSIGN_OR_RETURN(auto x, MakeX());` declares x from an OK StatusOr, or returns
/// its error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  CRIO_ASSIGN_OR_RETURN_IMPL_(CRIO_STATUS_CONCAT_(crio_statusor_, __LINE__), lhs, expr)
