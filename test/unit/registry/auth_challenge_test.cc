#include "crio/registry/auth_challenge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crio::registry {
namespace {

using ::testing::HasSubstr;

std::vector<Challenge> MustParse(const std::string& header) {
  auto challenges = ParseWwwAuthenticate(header);
  EXPECT_TRUE(challenges.ok()) << header << ": " << challenges.status();
  return challenges.ok() ? *challenges : std::vector<Challenge>{};
}

TEST(WwwAuthenticateTest, DockerHubBearer) {
  const auto c = MustParse(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].Param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(c[0].Param("service"), "registry.docker.io");
  EXPECT_EQ(c[0].Param("scope"), "repository:library/busybox:pull");
  EXPECT_EQ(c[0].Param("missing"), "");
}

TEST(WwwAuthenticateTest, Table) {
  struct Case {
    std::string header;
    std::vector<Challenge> want;
  };
  const std::vector<Case> cases = {
      {R"(Basic realm="Registry Realm")", {{"basic", {{"realm", "Registry Realm"}}, ""}}},
      {R"(BASIC Realm="x")", {{"basic", {{"realm", "x"}}, ""}}},
      {R"(bearer realm=token-less,service=svc)",
       {{"bearer", {{"realm", "token-less"}, {"service", "svc"}}, ""}}},
      {R"(Bearer realm = "a" , service= "b")",
       {{"bearer", {{"realm", "a"}, {"service", "b"}}, ""}}},
      {R"(Bearer realm="a,b",scope="repository:x:pull,push")",
       {{"bearer", {{"realm", "a,b"}, {"scope", "repository:x:pull,push"}}, ""}}},
      {R"(Basic realm="say \"hi\" \\ \x")", {{"basic", {{"realm", R"(say "hi" \ x)"}}, ""}}},
      {R"(Basic realm="")", {{"basic", {{"realm", ""}}, ""}}},
      {R"(Basic realm="basic", Bearer realm="https://a/t",service="s")",
       {{"basic", {{"realm", "basic"}}, ""},
        {"bearer", {{"realm", "https://a/t"}, {"service", "s"}}, ""}}},
      {R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")",
       {{"newauth", {{"realm", "apps"}, {"type", "1"}, {"title", R"(Login to "apps")"}}, ""},
        {"basic", {{"realm", "simple"}}, ""}}},
      {"Negotiate abc+/def==", {{"negotiate", {}, "abc+/def=="}}},
      {"Negotiate abc==, Basic realm=x",
       {{"negotiate", {}, "abc=="}, {"basic", {{"realm", "x"}}, ""}}},
      {"Bearer", {{"bearer", {}, ""}}},
      {"Bearer realm=", {{"bearer", {}, "realm="}}},  // a token68, by the grammar
      {"Basic realm=x,, ,Bearer realm=y",
       {{"basic", {{"realm", "x"}}, ""}, {"bearer", {{"realm", "y"}}, ""}}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(MustParse(c.header), c.want) << c.header;
  }
}

TEST(WwwAuthenticateTest, Errors) {
  struct Case {
    std::string header;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"", "no challenge"},
           {" , ", "no challenge"},
           {R"(Bearer realm="unterminated)", "unterminated"},
           {R"(Bearer realm="x\)", "unterminated"},
           {R"(Bearer service=x, realm=)", "has no value"},
           {R"(Bearer realm="a", realm="b")", "duplicate parameter realm"},
           {R"(Bearer realm="a" service="b")", "expected ','"},
           {R"("quoted")", "expected an auth scheme"},
           {R"(Bearer realm="a", =b)", "expected a parameter name"},
       }) {
    auto parsed = ParseWwwAuthenticate(c.header);
    ASSERT_FALSE(parsed.ok()) << c.header;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.reason)) << c.header;
  }
}

TEST(TokenUrlTest, EscapesServiceAndScope) {
  const auto c = MustParse(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  ASSERT_EQ(c.size(), 1u);
  auto url = TokenUrl(c[0]);
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(*url,
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%"
            "2Fbusybox%3Apull");

  auto scoped = TokenUrl(c[0], {RepositoryScope("a/b"), RepositoryScope("c", "pull,push")});
  ASSERT_TRUE(scoped.ok());
  EXPECT_EQ(*scoped,
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Aa%2Fb%"
            "3Apull&scope=repository%3Ac%3Apull%2Cpush");
}

TEST(TokenUrlTest, RealmWithQueryAndNoService) {
  Challenge c{
      "bearer", {{"realm", "http://127.0.0.1:5001/auth?x=1"}, {"service", "my svc&co"}}, ""};
  auto url = TokenUrl(c, {"registry:catalog:*"});
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url,
            "http://127.0.0.1:5001/auth?x=1&service=my+svc%26co&scope=registry%3Acatalog%3A%2A");

  Challenge bare{"bearer", {{"realm", "https://a/token"}}, ""};
  EXPECT_EQ(*TokenUrl(bare), "https://a/token");
}

TEST(TokenUrlTest, Errors) {
  EXPECT_FALSE(TokenUrl(Challenge{"basic", {{"realm", "https://a"}}, ""}).ok());
  EXPECT_FALSE(TokenUrl(Challenge{"bearer", {{"realm", "ftp://a"}}, ""}).ok());
  EXPECT_FALSE(TokenUrl(Challenge{"bearer", {}, ""}).ok());
  EXPECT_FALSE(TokenUrl(Challenge{"bearer", {{"realm", "https://a/#frag"}}, ""}).ok());
}

TEST(QueryEscapeTest, Table) {
  EXPECT_EQ(QueryEscape("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(QueryEscape("a b"), "a+b");
  EXPECT_EQ(QueryEscape(":/?#[]@!$&'()*+,;=%"),
            "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25");
  EXPECT_EQ(QueryEscape("\xc3\xa9"), "%C3%A9");
}

TEST(TokenResponseTest, Table) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  struct Case {
    std::string body;
    std::string token;
    absl::Time expiry;
  };
  absl::Time issued;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, "2023-01-02T03:04:05Z", &issued, &err));
  for (const Case& c : std::vector<Case>{
           {R"({"token":"abc"})", "abc", now + absl::Seconds(60)},
           {R"({"access_token":"xyz","expires_in":300})", "xyz", now + absl::Seconds(300)},
           {R"({"token":"t","access_token":"a","expires_in":3600})", "t",
            now + absl::Seconds(3600)},
           {R"({"token":"t","expires_in":10})", "t", now + absl::Seconds(60)},
           {R"({"token":"t","expires_in":null,"issued_at":null})", "t", now + absl::Seconds(60)},
           {R"({"token":"t","expires_in":120,"issued_at":"2023-01-02T03:04:05Z"})", "t",
            issued + absl::Seconds(120)},
           {R"({"token":"t","expires_in":120,"issued_at":"2023-01-02T05:04:05.5+02:00"})", "t",
            issued + absl::Milliseconds(500) + absl::Seconds(120)},
       }) {
    auto token = ParseTokenResponse(c.body, now);
    ASSERT_TRUE(token.ok()) << c.body << ": " << token.status();
    EXPECT_EQ(token->token, c.token) << c.body;
    EXPECT_EQ(token->expiry, c.expiry) << c.body;
  }
}

TEST(TokenResponseTest, Errors) {
  const absl::Time now = absl::FromUnixSeconds(0);
  for (const char* body :
       {"", "not json", "[]", "{}", R"({"token":""})", R"({"token":5})",
        R"({"token":"t","expires_in":"60"})", R"({"token":"t","expires_in":1.5})",
        R"({"token":"t","issued_at":"yesterday"})", R"({"token":"t","issued_at":7})"}) {
    auto token = ParseTokenResponse(body, now);
    ASSERT_FALSE(token.ok()) << body;
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_THAT(std::string(token.status().message()), HasSubstr("token response")) << body;
  }
}

}  // namespace
}  // namespace crio::registry
