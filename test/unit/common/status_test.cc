#include "crio/common/status.h"

#include <gtest/gtest.h>

namespace crio {
namespace {

absl::Status FailWhen(bool fail) {
  return fail ? absl::NotFoundError("manifest unknown") : absl::OkStatus();
}

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::Status UseReturnIfError(bool fail, bool* reached_end) {
  RETURN_IF_ERROR(FailWhen(fail));
  *reached_end = true;
  return absl::OkStatus();
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(const int half, Half(n));
  ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

TEST(AnnotateTest, PrefixesMessageAndKeepsCode) {
  const absl::Status annotated =
      Annotate(absl::NotFoundError("manifest unknown"), "pull artifact quay.io/x");
  EXPECT_EQ(annotated.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(annotated.message(), "pull artifact quay.io/x: manifest unknown");
}

TEST(AnnotateTest, OkStaysOk) { EXPECT_TRUE(Annotate(absl::OkStatus(), "anything").ok()); }

TEST(MacrosTest, ReturnIfErrorStopsOnError) {
  bool reached = false;
  EXPECT_EQ(UseReturnIfError(true, &reached).code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(reached);
  EXPECT_TRUE(UseReturnIfError(false, &reached).ok());
  EXPECT_TRUE(reached);
}

TEST(MacrosTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(7).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio
