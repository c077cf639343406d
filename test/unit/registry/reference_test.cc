#include "crio/registry/reference.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace crio::registry {
namespace {

using ::testing::HasSubstr;

const std::string kHex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kDigest = "sha256:" + kHex;

struct ValidCase {
  std::string input;
  std::string canonical;
  bool short_name;
};

class ValidReferenceTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidReferenceTest, Normalises) {
  const ValidCase& c = GetParam();
  auto ref = ParseReference(c.input);
  ASSERT_TRUE(ref.ok()) << c.input << ": " << ref.status();
  EXPECT_EQ(ref->String(), c.canonical) << c.input;
  EXPECT_EQ(ref->short_name, c.short_name) << c.input;
  auto again = ParseReference(ref->String());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *ref);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidReferenceTest,
    ::testing::Values(
        ValidCase{"busybox", "docker.io/library/busybox:latest", true},
        ValidCase{"busybox:1.36", "docker.io/library/busybox:1.36", true},
        ValidCase{"user/app", "docker.io/user/app:latest", true},
        ValidCase{"user/app:v1", "docker.io/user/app:v1", true},
        ValidCase{"a/b/c", "docker.io/a/b/c:latest", true},
        ValidCase{"docker.io/busybox", "docker.io/library/busybox:latest", false},
        ValidCase{"docker.io/library/busybox", "docker.io/library/busybox:latest", false},
        ValidCase{"index.docker.io/busybox", "docker.io/library/busybox:latest", false},
        ValidCase{"index.docker.io/user/app:1", "docker.io/user/app:1", false},
        ValidCase{"localhost/x", "localhost/x:latest", false},
        ValidCase{"localhost:5000/x", "localhost:5000/x:latest", false},
        ValidCase{"localhost:5000/x:tag", "localhost:5000/x:tag", false},
        ValidCase{"127.0.0.1:5000/ns/x:1", "127.0.0.1:5000/ns/x:1", false},
        ValidCase{"[::1]:5000/x", "[::1]:5000/x:latest", false},
        ValidCase{"registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10", false},
        ValidCase{"quay.io/crio/fedora", "quay.io/crio/fedora:latest", false},
        ValidCase{"Registry.Example.com/x", "Registry.Example.com/x:latest", false},
        ValidCase{"myhost:443/a/b", "myhost:443/a/b:latest", false},
        ValidCase{"busybox@" + kDigest, "docker.io/library/busybox@" + kDigest, true},
        ValidCase{"busybox:1@" + kDigest, "docker.io/library/busybox:1@" + kDigest, true},
        ValidCase{"quay.io/a/b@" + kDigest, "quay.io/a/b@" + kDigest, false},
        ValidCase{"docker://busybox", "docker.io/library/busybox:latest", true},
        ValidCase{"docker://quay.io/a/b:c", "quay.io/a/b:c", false},
        ValidCase{"a_b/c__d/e-f/g---h/i.j", "docker.io/a_b/c__d/e-f/g---h/i.j:latest", true},
        ValidCase{"x:TAG_1.0-rc", "docker.io/library/x:TAG_1.0-rc", true},
        ValidCase{"x:_underscore", "docker.io/library/x:_underscore", true},
        ValidCase{"x:" + std::string(128, 't'), "docker.io/library/x:" + std::string(128, 't'),
                  true},
        ValidCase{"0/1", "docker.io/0/1:latest", true},
        ValidCase{"sub-domain.example.com/x", "sub-domain.example.com/x:latest", false}));

struct InvalidCase {
  std::string input;
  std::string reason;
};

class InvalidReferenceTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidReferenceTest, Refused) {
  const InvalidCase& c = GetParam();
  auto ref = ParseReference(c.input);
  ASSERT_FALSE(ref.ok()) << c.input << " parsed as " << ref->String();
  EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ref.status().message()), HasSubstr(c.reason)) << c.input;
  EXPECT_THAT(std::string(ref.status().message()), HasSubstr(c.input));
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidReferenceTest,
    ::testing::Values(
        InvalidCase{"", "empty reference"}, InvalidCase{"docker://", "empty reference"},
        InvalidCase{"BusyBox", "must be lowercase"},
        InvalidCase{"quay.io/User/app", "must be lowercase"}, InvalidCase{"busybox:", "empty tag"},
        InvalidCase{"busybox:-x", "invalid tag"}, InvalidCase{"busybox:.x", "invalid tag"},
        InvalidCase{"busybox:a+b", "invalid tag"},
        InvalidCase{"x:" + std::string(129, 't'), "longer than 128"},
        InvalidCase{"busybox@sha256:abc", "64 hex"},
        InvalidCase{"busybox@sha512:" + kHex, "only sha256"},
        InvalidCase{"busybox@sha256:" + std::string(64, 'A'), "lower-case"},
        InvalidCase{"a//b", "empty repository path component"},
        InvalidCase{"a/", "empty repository path component"},
        InvalidCase{"quay.io/", "empty repository name"}, InvalidCase{"-a", "must start with"},
        InvalidCase{"a..b", "invalid separator"}, InvalidCase{"a___b", "invalid separator"},
        InvalidCase{"a-", "invalid separator"}, InvalidCase{"a b", "invalid character"},
        InvalidCase{"-bad.com/x", "invalid registry host"},
        InvalidCase{"bad..com/x", "invalid registry host"},
        InvalidCase{"host:abc/x", "invalid port"}, InvalidCase{"[::1/x", "unterminated IPv6"},
        InvalidCase{kHex, "64-character hexadecimal"},
        InvalidCase{"quay.io/" + std::string(250, 'a'), "longer than 255"},
        InvalidCase{"@" + kDigest, "empty repository name"}));

TEST(ReferenceTest, Accessors) {
  auto ref = ParseReference("busybox:1@" + kDigest);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->registry, "docker.io");
  EXPECT_EQ(ref->repository, "library/busybox");
  EXPECT_EQ(ref->tag, "1");
  EXPECT_EQ(ref->ManifestReference(), kDigest);  // the digest wins for pulling
  EXPECT_EQ(ref->TagString(), "docker.io/library/busybox:1");
  EXPECT_EQ(ref->ApiHost(), "registry-1.docker.io");
  EXPECT_EQ(ref->Name(), "docker.io/library/busybox");

  auto by_digest = ParseReference("quay.io/a@" + kDigest);
  ASSERT_TRUE(by_digest.ok());
  EXPECT_EQ(by_digest->tag, "");
  EXPECT_EQ(by_digest->TagString(), "");
  EXPECT_EQ(by_digest->ApiHost(), "quay.io");

  auto tagged = ParseReference("quay.io/a:v2");
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ(tagged->ManifestReference(), "v2");
}

TEST(ReferenceTest, LengthLimitIsOnTheNormalisedName) {
  // docker.io/ (10) + 245 = 255: accepted; one more is refused.
  EXPECT_TRUE(ParseReference("docker.io/a/" + std::string(243, 'b')).ok());
  EXPECT_FALSE(ParseReference("docker.io/a/" + std::string(244, 'b')).ok());
}

TEST(ImageNameTest, IdsAndReferences) {
  auto id = ParseImageName(kDigest);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(std::holds_alternative<Digest>(*id));
  EXPECT_EQ(std::get<Digest>(*id).str(), kDigest);

  auto bare = ParseImageName(kHex);
  ASSERT_TRUE(bare.ok());
  ASSERT_TRUE(std::holds_alternative<Digest>(*bare));
  EXPECT_EQ(std::get<Digest>(*bare).str(), kDigest);

  auto ref = ParseImageName("busybox");
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(std::holds_alternative<Reference>(*ref));
  EXPECT_EQ(std::get<Reference>(*ref).String(), "docker.io/library/busybox:latest");

  // A 63-hex string is an ordinary (short) name.
  auto short_hex = ParseImageName(kHex.substr(1));
  ASSERT_TRUE(short_hex.ok());
  EXPECT_TRUE(std::holds_alternative<Reference>(*short_hex));

  EXPECT_EQ(ParseImageName("sha256:123").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseImageName("Bad").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(IsLocalhostTest, Table) {
  EXPECT_TRUE(IsLocalhost("localhost"));
  EXPECT_TRUE(IsLocalhost("localhost:5000"));
  EXPECT_TRUE(IsLocalhost("127.0.0.1"));
  EXPECT_TRUE(IsLocalhost("127.1.2.3:80"));
  EXPECT_TRUE(IsLocalhost("[::1]:5000"));
  EXPECT_TRUE(IsLocalhost("::1"));
  EXPECT_FALSE(IsLocalhost("localhost.example.com"));
  EXPECT_FALSE(IsLocalhost("128.0.0.1"));
  EXPECT_FALSE(IsLocalhost("127.example.com"));
  EXPECT_FALSE(IsLocalhost("docker.io"));
}

}  // namespace
}  // namespace crio::registry
