#include "status.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "rpc.h"

namespace crio::cri {
namespace {

TEST(ToGrpcStatusTest, KeepsCodeAndMessage) {
  const struct {
    absl::Status in;
    grpc::StatusCode code;
  } cases[] = {
      {absl::InvalidArgumentError("m"), grpc::StatusCode::INVALID_ARGUMENT},
      {absl::NotFoundError("m"), grpc::StatusCode::NOT_FOUND},
      {absl::AlreadyExistsError("m"), grpc::StatusCode::ALREADY_EXISTS},
      {absl::FailedPreconditionError("m"), grpc::StatusCode::FAILED_PRECONDITION},
      {absl::UnavailableError("m"), grpc::StatusCode::UNAVAILABLE},
      {absl::InternalError("m"), grpc::StatusCode::INTERNAL},
      {absl::DeadlineExceededError("m"), grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::UnimplementedError("m"), grpc::StatusCode::UNIMPLEMENTED},
      {absl::PermissionDeniedError("m"), grpc::StatusCode::PERMISSION_DENIED},
  };
  for (const auto& c : cases) {
    const grpc::Status out = ToGrpcStatus(c.in);
    EXPECT_EQ(out.error_code(), c.code) << c.in;
    EXPECT_EQ(out.error_message(), "m");
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(NotImplementedYetTest, NamesTheRpc) {
  const absl::Status status = NotImplementedYet("RunPodSandbox");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(status.message(), "RunPodSandbox is not implemented yet by this runtime");
}

TEST(ServeTest, PassesStatusThroughAndGivesARequestContext) {
  std::string seen_method;
  std::string seen_id;
  const grpc::Status out = Serve("Version", [&](const RequestContext& ctx) {
    seen_method = ctx.method;
    seen_id = ctx.id;
    return absl::NotFoundError("no such pod");
  });
  EXPECT_EQ(out.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(out.error_message(), "no such pod");
  EXPECT_EQ(seen_method, "Version");
  EXPECT_EQ(seen_id.size(), 16u);
}

TEST(ServeTest, ExceptionsBecomeInternal) {
  const grpc::Status out = Serve(
      "Status", [](const RequestContext&) -> absl::Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(out.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_NE(out.error_message().find("boom"), std::string::npos);
}

TEST(IsServerFaultTest, RequestErrorsAreNotServerFaults) {
  EXPECT_TRUE(IsServerFault(absl::StatusCode::kInternal));
  EXPECT_TRUE(IsServerFault(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(IsServerFault(absl::StatusCode::kNotFound));
  EXPECT_FALSE(IsServerFault(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crio::cri
