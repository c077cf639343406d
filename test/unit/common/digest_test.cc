#include "crio/common/digest.h"

#include <gtest/gtest.h>

namespace crio {
namespace {

constexpr char kEmpty[] = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbc[] = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(DigestTest, OfKnownVectors) {
  EXPECT_EQ(Digest::Of("").str(), kEmpty);
  EXPECT_EQ(Digest::Of("abc").str(), kAbc);
}

TEST(DigestTest, StreamingEqualsOneShot) {
  Sha256 hasher;
  hasher.Update("a", 1);
  hasher.Update("bc", 2);
  EXPECT_EQ(hasher.Finish().str(), kAbc);
}

TEST(DigestTest, ParseAcceptsOnlyWellFormedSha256) {
  auto parsed = Digest::Parse(kAbc);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->hex().size(), 64u);
  for (const char* bad :
       {"", "sha256:", "sha512:abc", "ba7816bf",
        "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adx",
        "sha256:../../../../etc/passwd00000000000000000000000000000000000000000000"}) {
    EXPECT_FALSE(Digest::Parse(bad).ok()) << bad;
  }
}

TEST(DigestTest, VerifyNamesBothDigests) {
  EXPECT_TRUE(VerifyDigest("abc", *Digest::Parse(kAbc), "blob").ok());
  const absl::Status mismatch = VerifyDigest("abd", *Digest::Parse(kAbc), "layer 1");
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.message().find("digest mismatch for layer 1: expected " + std::string(kAbc)),
            std::string::npos);
}

}  // namespace
}  // namespace crio
