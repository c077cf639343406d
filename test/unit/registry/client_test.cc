// RegistryClient over a scripted HttpClient: the distribution protocol's handshakes,
// checks and retries, without a network.

#include "crio/registry/client.h"

#include <gtest/gtest.h>

#include "fake_http.h"

namespace crio::registry {
namespace {

using crio::testing::FakeHttp;
using crio::testing::Respond;

PullSource Source(const std::string& ref, bool insecure = false) {
  PullSource source;
  source.reference = *ParseReference(ref);
  source.insecure = insecure;
  return source;
}

ClientOptions Options() {
  ClientOptions options;
  options.certs_dir = "/nonexistent-certs.d";
  options.initial_backoff = std::chrono::milliseconds(1);
  return options;
}

constexpr char kManifest[] = R"({"schemaVersion":2})";

TEST(RegistryClientTest, AnonymousManifestByTag) {
  FakeHttp http([](const HttpRequest&) {
    return Respond(200, kManifest,
                   {{"content-type", "application/vnd.oci.image.manifest.v1+json; charset=x"}});
  });
  RegistryClient client(http, Options());
  auto manifest = client.GetManifest(Source("quay.io/crio/seccomp:v2"), std::nullopt);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->body, kManifest);
  EXPECT_EQ(manifest->media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(manifest->digest, Digest::Of(kManifest));
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].url, "https://quay.io/v2/crio/seccomp/manifests/v2");
  EXPECT_NE(http.HeaderOf(0, "Accept").find("application/vnd.oci.image.index.v1+json"),
            std::string::npos);
  EXPECT_EQ(http.requests[0].max_body_bytes, kMaxManifestBytes);
}

TEST(RegistryClientTest, DockerHubUsesItsApiHost) {
  FakeHttp http([](const HttpRequest&) { return Respond(200, kManifest); });
  RegistryClient client(http, Options());
  ASSERT_TRUE(client.GetManifest(Source("busybox"), std::nullopt).ok());
  EXPECT_EQ(http.requests[0].url,
            "https://registry-1.docker.io/v2/library/busybox/manifests/latest");
}

TEST(RegistryClientTest, BearerTokenFlowWithCredentialsAndTokenReuse) {
  FakeHttp http([](const HttpRequest& request) -> absl::StatusOr<HttpResponse> {
    if (request.url.rfind("https://auth.example/token", 0) == 0) {
      for (const auto& [name, value] : request.headers) {
        if (name == "Authorization" && value == "Basic dXNlcjpwYXNz") {  // user:pass
          return Respond(200, R"({"token":"T1","expires_in":300})");
        }
      }
      return Respond(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"bad creds"}]})");
    }
    for (const auto& [name, value] : request.headers) {
      if (name == "Authorization" && value == "Bearer T1") return Respond(200, kManifest);
    }
    return Respond(401, "",
                   {{"www-authenticate",
                     R"(Bearer realm="https://auth.example/token",service="reg.example")"}});
  });
  RegistryClient client(http, Options());
  const Credentials creds{"user", "pass", "", ""};
  auto first = client.GetManifest(Source("reg.example/team/app:1"), creds);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(http.requests.size(), 3u);  // 401, token, retry
  EXPECT_NE(http.requests[1].url.find("scope=repository%3Ateam%2Fapp%3Apull"), std::string::npos)
      << http.requests[1].url;
  EXPECT_NE(http.requests[1].url.find("service=reg.example"), std::string::npos);

  ASSERT_TRUE(client.GetManifest(Source("reg.example/team/app:2"), creds).ok());
  EXPECT_EQ(http.requests.size(), 4u);  // the cached token went along at once
  EXPECT_EQ(http.HeaderOf(3, "Authorization"), "Bearer T1");
}

TEST(RegistryClientTest, WrongPasswordIsAClearUnauthenticatedError) {
  FakeHttp http([](const HttpRequest& request) -> absl::StatusOr<HttpResponse> {
    if (request.url.rfind("https://auth.example/token", 0) == 0) {
      return Respond(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"bad creds"}]})");
    }
    return Respond(401, "", {{"www-authenticate", R"(Bearer realm="https://auth.example/token")"}});
  });
  RegistryClient client(http, Options());
  auto manifest =
      client.GetManifest(Source("reg.example/app:1"), Credentials{"user", "wrong", "", ""});
  ASSERT_FALSE(manifest.ok());
  EXPECT_EQ(manifest.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(manifest.status().message().find("unauthorized: bad creds"), std::string::npos)
      << manifest.status();
}

TEST(RegistryClientTest, BasicChallengeNeedsCredentials) {
  FakeHttp http([](const HttpRequest& request) -> absl::StatusOr<HttpResponse> {
    for (const auto& [name, value] : request.headers) {
      if (name == "Authorization" && value == "Basic dXNlcjpwYXNz") return Respond(200, kManifest);
    }
    return Respond(401, "", {{"www-authenticate", R"(Basic realm="registry")"}});
  });
  RegistryClient client(http, Options());
  auto anonymous = client.GetManifest(Source("reg.example/app:1"), std::nullopt);
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(anonymous.status().message().find("no credentials"), std::string::npos);
  EXPECT_TRUE(
      client.GetManifest(Source("reg.example/app:1"), Credentials{"user", "pass", "", ""}).ok());
}

TEST(RegistryClientTest, RegistryTokenIsSentAsIs) {
  FakeHttp http([](const HttpRequest& request) -> absl::StatusOr<HttpResponse> {
    for (const auto& [name, value] : request.headers) {
      if (name == "Authorization" && value == "Bearer RT") return Respond(200, kManifest);
    }
    return Respond(401, "", {{"www-authenticate", R"(Bearer realm="https://auth.example/t")"}});
  });
  RegistryClient client(http, Options());
  EXPECT_TRUE(client.GetManifest(Source("reg.example/app:1"), Credentials{"", "", "", "RT"}).ok());
  EXPECT_EQ(http.requests.size(), 2u);  // no token endpoint involved
}

TEST(RegistryClientTest, ManifestDigestIsVerified) {
  FakeHttp http([](const HttpRequest&) { return Respond(200, kManifest); });
  RegistryClient client(http, Options());
  const Digest other = Digest::Of("something else");
  auto by_digest = client.GetManifest(Source("reg.example/app@" + other.str()), std::nullopt);
  ASSERT_FALSE(by_digest.ok());
  EXPECT_EQ(by_digest.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(by_digest.status().message().find("digest mismatch"), std::string::npos);
  EXPECT_NE(http.requests[0].url.find("/manifests/" + other.str()), std::string::npos);

  auto good =
      client.GetManifestByDigest(Source("reg.example/app:1"), Digest::Of(kManifest), std::nullopt);
  EXPECT_TRUE(good.ok()) << good.status();
}

TEST(RegistryClientTest, AnnouncedDigestMustMatchTheBody) {
  FakeHttp http([](const HttpRequest&) {
    return Respond(200, kManifest, {{"docker-content-digest", Digest::Of("x").str()}});
  });
  RegistryClient client(http, Options());
  auto manifest = client.GetManifest(Source("reg.example/app:1"), std::nullopt);
  ASSERT_FALSE(manifest.ok());
  EXPECT_EQ(manifest.status().code(), absl::StatusCode::kDataLoss);
}

TEST(RegistryClientTest, MissingManifestIsNotFoundWithTheRegistryMessage) {
  FakeHttp http([](const HttpRequest&) {
    return Respond(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})");
  });
  RegistryClient client(http, Options());
  auto manifest = client.GetManifest(Source("reg.example/app:nope"), std::nullopt);
  ASSERT_FALSE(manifest.ok());
  EXPECT_EQ(manifest.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(manifest.status().message().find("manifest_unknown: manifest unknown"),
            std::string::npos)
      << manifest.status();
  EXPECT_EQ(http.requests.size(), 1u);  // a 404 is not retried
}

TEST(RegistryClientTest, TransientFailuresAreRetried) {
  int calls = 0;
  FakeHttp http([&](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    ++calls;
    if (calls == 1) return absl::UnavailableError("connection reset");
    if (calls == 2) return Respond(503, "");
    return Respond(200, kManifest);
  });
  RegistryClient client(http, Options());
  EXPECT_TRUE(client.GetManifest(Source("reg.example/app:1"), std::nullopt).ok());
  EXPECT_EQ(calls, 3);

  calls = -10;  // always failing from here on
  FakeHttp down([&](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    ++calls;
    return absl::UnavailableError("connection refused");
  });
  RegistryClient gives_up(down, Options());
  auto manifest = gives_up.GetManifest(Source("reg.example/app:1"), std::nullopt);
  ASSERT_FALSE(manifest.ok());
  EXPECT_EQ(manifest.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(down.requests.size(), 3u);
}

TEST(RegistryClientTest, BlobIsVerifiedBySizeAndDigest) {
  const std::string content = "layer bytes";
  std::string served = content;
  FakeHttp http([&](const HttpRequest&) { return Respond(200, served); });
  RegistryClient client(http, Options());
  Descriptor blob(Digest::Of(content));
  blob.size = static_cast<std::int64_t>(content.size());

  StringSink sink;
  ASSERT_TRUE(client.GetBlob(Source("reg.example/app:1"), blob, std::nullopt, sink).ok());
  EXPECT_EQ(sink.data, content);
  EXPECT_EQ(http.requests[0].url, "https://reg.example/v2/app/blobs/" + blob.digest.str());
  EXPECT_EQ(http.requests[0].max_body_bytes, content.size());

  served = "layer bytez";  // same size, other bytes
  StringSink corrupt;
  absl::Status status = client.GetBlob(Source("reg.example/app:1"), blob, std::nullopt, corrupt);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("digest mismatch"), std::string::npos);

  served = "layer";  // short
  StringSink short_sink;
  status = client.GetBlob(Source("reg.example/app:1"), blob, std::nullopt, short_sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);

  served = content + "and more";  // longer than declared
  StringSink long_sink;
  status = client.GetBlob(Source("reg.example/app:1"), blob, std::nullopt, long_sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
}

TEST(RegistryClientTest, InsecureRegistryFallsBackToHttpOnce) {
  FakeHttp http([](const HttpRequest& request) -> absl::StatusOr<HttpResponse> {
    if (request.url.rfind("https://", 0) == 0) {
      EXPECT_FALSE(request.tls.verify);
      return absl::UnavailableError("SSL connect error");
    }
    return Respond(200, kManifest);
  });
  RegistryClient client(http, Options());
  ASSERT_TRUE(client.GetManifest(Source("127.0.0.1:5000/app:1", true), std::nullopt).ok());
  ASSERT_TRUE(client.GetManifest(Source("127.0.0.1:5000/app:2", true), std::nullopt).ok());
  ASSERT_EQ(http.requests.size(), 3u);  // one probe, then http twice
  EXPECT_EQ(http.requests[1].url, "http://127.0.0.1:5000/v2/app/manifests/1");
  EXPECT_EQ(http.requests[2].url, "http://127.0.0.1:5000/v2/app/manifests/2");
}

}  // namespace
}  // namespace crio::registry
