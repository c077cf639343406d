#include "status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace crio::cri {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status NotImplementedYet(const char* rpc) {
  return absl::UnimplementedError(absl::StrCat(rpc, " is not implemented yet by this runtime"));
}

}  // namespace crio::cri
