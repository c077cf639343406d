#include "crio/registry/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace crio::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Reference Ref(const std::string& text) { return *ParseReference(text); }

Credentials UserPass(const std::string& user, const std::string& pass) {
  Credentials c;
  c.username = user;
  c.password = pass;
  return c;
}

TEST(Base64Test, Valid) {
  struct Case {
    std::string in;
    std::string out;
  };
  for (const Case& c : std::vector<Case>{{"", ""},
                                         {"Zg==", "f"},
                                         {"Zm8=", "fo"},
                                         {"Zm9v", "foo"},
                                         {"Zm9vYg==", "foob"},
                                         {"Zm9vYmFy", "foobar"},
                                         {"dXNlcjpwYXNz", "user:pass"},
                                         {"+/+/", "\xfb\xff\xbf"},
                                         {"AAAA", std::string(3, '\0')}}) {
    auto decoded = Base64Decode(c.in);
    ASSERT_TRUE(decoded.ok()) << c.in << ": " << decoded.status();
    EXPECT_EQ(*decoded, c.out) << c.in;
  }
}

TEST(Base64Test, Invalid) {
  struct Case {
    std::string in;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{{"Zg", "multiple of 4"},
                                         {"Zm9vY", "multiple of 4"},
                                         {"Zg=a", "data after"},
                                         {"Z===", "misplaced"},
                                         {"====", "misplaced"},
                                         {"Zg==Zg==", "misplaced"},
                                         {"Zm 9", "bad character"},
                                         {"Zm9\n", "bad character"},
                                         {"Zm-_", "bad character"},
                                         {"Zh==", "padding bits"},
                                         {"Zm9=", "padding bits"}}) {
    auto decoded = Base64Decode(c.in);
    ASSERT_FALSE(decoded.ok()) << c.in;
    EXPECT_THAT(std::string(decoded.status().message()), HasSubstr(c.reason)) << c.in;
  }
}

TEST(AuthConfigTest, Fields) {
  EXPECT_EQ(*CredentialsFromAuthConfig(AuthConfig{}), std::nullopt);

  AuthConfig plain;
  plain.username = "u";
  plain.password = "p";
  EXPECT_EQ(*CredentialsFromAuthConfig(plain), UserPass("u", "p"));

  AuthConfig with_auth = plain;
  with_auth.auth = "YWxpY2U6czNjcjN0OndpdGg6Y29sb25z";  // alice:s3cr3t:with:colons
  EXPECT_EQ(*CredentialsFromAuthConfig(with_auth), UserPass("alice", "s3cr3t:with:colons"));

  AuthConfig tokens;
  tokens.identity_token = "refresh";
  tokens.registry_token = "bearer";
  tokens.server_address = "quay.io";
  Credentials want;
  want.identity_token = "refresh";
  want.registry_token = "bearer";
  EXPECT_EQ(*CredentialsFromAuthConfig(tokens), want);

  AuthConfig bad;
  bad.auth = "bm9jb2xvbg==";  // "nocolon"
  auto status = CredentialsFromAuthConfig(bad).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("username:password"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("nocolon")));

  bad.auth = "***";
  EXPECT_FALSE(CredentialsFromAuthConfig(bad).ok());
}

// user "<key>" password "pw" for every key, so the test sees which key matched.
constexpr char kAuthFile[] = R"({
  "auths": {
    "quay.io": {"auth": "cXVheS5pbzpwdw=="},
    "quay.io/ns": {"auth": "cXVheS5pby9uczpwdw=="},
    "quay.io/ns/repo": {"auth": "cXVheS5pby9ucy9yZXBvOnB3"},
    "https://index.docker.io/v1/": {"auth": "bGVnYWN5OnB3"},
    "localhost:5000": {"auth": "bG9jYWxob3N0OjUwMDA6cHc="},
    "token.example.com": {"auth": "", "identitytoken": "idtok"},
    "empty.example.com": {},
    "http://url.example.com/v2/": {"auth": "dXJsOnB3"}
  },
  "credHelpers": {"ecr.example.com": "ecr-login"}
})";

std::optional<Credentials> Lookup(const std::string& ref, const std::string& json = kAuthFile) {
  auto creds = LookupAuthFile(json, Ref(ref), "auth.json");
  EXPECT_TRUE(creds.ok()) << creds.status();
  return creds.ok() ? *creds : std::nullopt;
}

TEST(AuthFileTest, MostSpecificKey) {
  EXPECT_EQ(Lookup("quay.io/ns/repo:1"), UserPass("quay.io/ns/repo", "pw"));
  EXPECT_EQ(Lookup("quay.io/ns/other"), UserPass("quay.io/ns", "pw"));
  EXPECT_EQ(Lookup("quay.io/ns/repo/sub"), UserPass("quay.io/ns/repo", "pw"));
  EXPECT_EQ(Lookup("quay.io/other/repo"), UserPass("quay.io", "pw"));
  EXPECT_EQ(Lookup("quay.io/nsx/repo"), UserPass("quay.io", "pw"));  // component boundary
  EXPECT_EQ(Lookup("localhost:5000/x"), UserPass("localhost", "5000:pw"));
  EXPECT_EQ(Lookup("localhost/x"), std::nullopt);
  EXPECT_EQ(Lookup("url.example.com/x"), UserPass("url", "pw"));
  EXPECT_EQ(Lookup("ghcr.io/x"), std::nullopt);
  EXPECT_EQ(Lookup("empty.example.com/x"), std::nullopt);
  EXPECT_EQ(Lookup("ecr.example.com/x"), std::nullopt);  // helpers are not run
  Credentials token;
  token.identity_token = "idtok";
  EXPECT_EQ(Lookup("token.example.com/x"), token);
}

TEST(AuthFileTest, DockerHubKeys) {
  EXPECT_EQ(Lookup("busybox"), UserPass("legacy", "pw"));
  EXPECT_EQ(Lookup("docker.io/user/app"), UserPass("legacy", "pw"));
  // A plain docker.io key works too, and a namespaced docker.io key is more specific.
  constexpr char kModern[] = R"({"auths": {
    "docker.io": {"auth": "ZG9ja2VyOnB3"},
    "docker.io/user": {"auth": "dXNlcjpwdw=="}}})";
  EXPECT_EQ(Lookup("busybox", kModern), UserPass("docker", "pw"));
  EXPECT_EQ(Lookup("user/app", kModern), UserPass("user", "pw"));
  // Exact key beats an equivalent spelling.
  constexpr char kBoth[] = R"({"auths": {
    "https://index.docker.io/v1/": {"auth": "bGVnYWN5OnB3"},
    "docker.io": {"auth": "ZG9ja2VyOnB3"}}})";
  EXPECT_EQ(Lookup("busybox", kBoth), UserPass("docker", "pw"));
  constexpr char kRegistry1[] = R"({"auths": {"registry-1.docker.io": {"auth": "cjE6cHc="}}})";
  EXPECT_EQ(Lookup("busybox", kRegistry1), UserPass("r1", "pw"));
}

TEST(AuthFileTest, Malformed) {
  struct Case {
    std::string json;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"not json", "not valid JSON"},
           {"[]", "not a JSON object"},
           {R"({"auths": []})", "\"auths\" is not an object"},
           {R"({"auths": {"quay.io": "x"}})", "entry \"quay.io\" is not an object"},
           {R"({"auths": {"quay.io": {"auth": 5}}})", "auth is not a string"},
           {R"({"auths": {"quay.io": {"auth": "!!!!"}}})", "invalid base64"},
           {R"({"auths": {"quay.io": {"auth": "bm9jb2xvbg=="}}})", "username:password"},
       }) {
    auto creds = LookupAuthFile(c.json, Ref("quay.io/a"), "auth.json");
    ASSERT_FALSE(creds.ok()) << c.json;
    EXPECT_EQ(creds.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(creds.status().message()), HasSubstr(c.reason)) << c.json;
    EXPECT_THAT(std::string(creds.status().message()), HasSubstr("auth.json")) << c.json;
  }
  EXPECT_EQ(*LookupAuthFile("{}", Ref("quay.io/a"), "auth.json"), std::nullopt);
}

TEST(AuthFileTest, LoadFromDisk) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "regauth-XXXXXX").string();
  const std::string dir = mkdtemp(tmpl.data());
  const std::string path = dir + "/auth.json";
  EXPECT_EQ(*LoadAuthFile(path, Ref("quay.io/a")), std::nullopt);  // missing file
  std::ofstream(path) << kAuthFile;
  EXPECT_EQ(*LoadAuthFile(path, Ref("quay.io/a")), UserPass("quay.io", "pw"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace crio::registry
