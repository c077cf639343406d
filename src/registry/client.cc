#include "crio/registry/client.h"

#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crio/common/status.h"

namespace crio::registry {
namespace {

// How long a Basic credential or a registry_token (which carry no expiry) is reused.
constexpr absl::Duration kStaticAuthLifetime = absl::Minutes(10);

std::string Base64Encode(absl::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
            kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

bool IsTransient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

bool IsTransient(long http_status) { return http_status == 429 || http_status >= 500; }

// Counts what reached the caller's sink: a transfer that already delivered bytes cannot
// be retried without the caller starting over.
class CountingSink final : public BodySink {
 public:
  explicit CountingSink(BodySink* inner) : inner_(inner) {}
  absl::Status Write(absl::string_view chunk) override {
    bytes_ += chunk.size();
    return inner_->Write(chunk);
  }
  std::uint64_t bytes() const { return bytes_; }

 private:
  BodySink* inner_;
  std::uint64_t bytes_ = 0;
};

// Hashes and counts a blob on its way to the caller's sink.
class VerifyingSink final : public BodySink {
 public:
  explicit VerifyingSink(BodySink& inner) : inner_(inner) {}
  absl::Status Write(absl::string_view chunk) override {
    hasher_.Update(chunk.data(), chunk.size());
    bytes_ += chunk.size();
    return inner_.Write(chunk);
  }
  std::uint64_t bytes() const { return bytes_; }
  Digest Finish() { return hasher_.Finish(); }

 private:
  BodySink& inner_;
  Sha256 hasher_;
  std::uint64_t bytes_ = 0;
};

absl::Status StatusForHttp(const HttpResponse& response, const std::string& what) {
  const std::string detail = absl::StrCat(what, ": ", DescribeRegistryError(response));
  switch (response.status) {
    case 401:
      return absl::UnauthenticatedError(detail);
    case 403:
      return absl::PermissionDeniedError(detail);
    case 404:
      return absl::NotFoundError(detail);
    case 429:
      return absl::ResourceExhaustedError(detail);
    default:
      return response.status >= 500 ? absl::UnavailableError(detail)
                                    : absl::FailedPreconditionError(detail);
  }
}

}  // namespace

std::string DescribeRegistryError(const HttpResponse& response) {
  const auto json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string out;
  if (json.is_object() && json.contains("errors") && json["errors"].is_array()) {
    for (const auto& error : json["errors"]) {
      if (!error.is_object()) continue;
      const std::string code = error.contains("code") && error["code"].is_string()
                                   ? error["code"].get<std::string>()
                                   : "";
      const std::string message = error.contains("message") && error["message"].is_string()
                                      ? error["message"].get<std::string>()
                                      : "";
      absl::StrAppend(&out, out.empty() ? "" : "; ", absl::AsciiStrToLower(code),
                      code.empty() || message.empty() ? "" : ": ", message);
    }
  }
  if (out.empty()) out = absl::StrCat("HTTP status ", response.status);
  return out;
}

RegistryClient::RegistryClient(HttpClient& http, ClientOptions options)
    : http_(http), options_(std::move(options)) {}

absl::StatusOr<RegistryClient::Endpoint> RegistryClient::EndpointFor(const PullSource& source) {
  const std::string host = source.reference.ApiHost();
  ASSIGN_OR_RETURN(TlsConfig tls, LoadCertsDir(options_.certs_dir, host));
  const bool has_certs_dir = !tls.extra_ca_pem.empty() || !tls.client_cert_file.empty();
  if (!source.insecure || has_certs_dir) return Endpoint{absl::StrCat("https://", host), tls};

  // An insecure registry may speak https with a certificate we cannot verify, or plain
  // http. Ask once, as docker does: https first, http when TLS cannot even start.
  tls.verify = false;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = schemes_.find(host); it != schemes_.end()) {
      return Endpoint{absl::StrCat(it->second, "://", host), tls};
    }
  }
  HttpRequest probe;
  probe.url = absl::StrCat("https://", host, "/v2/");
  probe.tls = tls;
  probe.connect_timeout = std::chrono::seconds(10);
  auto answer = http_.Send(probe, nullptr);
  if (!answer.ok() && answer.status().code() != absl::StatusCode::kUnavailable) {
    return Annotate(answer.status(), absl::StrCat("contact registry ", host));
  }
  const std::string scheme = answer.ok() ? "https" : "http";
  absl::MutexLock lock(&mu_);
  schemes_[host] = scheme;
  return Endpoint{absl::StrCat(scheme, "://", host), tls};
}

absl::StatusOr<HttpResponse> RegistryClient::SendWithRetries(const HttpRequest& request,
                                                             BodySink* sink) {
  std::chrono::milliseconds backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    CountingSink counting(sink);
    auto response = http_.Send(request, sink != nullptr ? &counting : nullptr);
    const bool transient =
        response.ok() ? IsTransient(response->status) : IsTransient(response.status());
    if (!transient || attempt >= options_.max_attempts || counting.bytes() > 0) return response;
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

absl::StatusOr<std::string> RegistryClient::Authorize(const PullSource& source,
                                                      const HttpResponse& challenge_response,
                                                      const std::optional<Credentials>& credentials,
                                                      const TlsConfig& tls) {
  const std::string what = absl::StrCat("authenticate to ", source.reference.registry);
  auto header = challenge_response.headers.find("www-authenticate");
  if (header == challenge_response.headers.end()) {
    return absl::UnauthenticatedError(
        absl::StrCat(what, ": the registry answered 401 without a challenge"));
  }
  ASSIGN_OR_RETURN(const std::vector<Challenge> challenges, ParseWwwAuthenticate(header->second));
  const std::string cache_key =
      absl::StrCat(source.reference.ApiHost(), " ", source.reference.repository);
  auto remember = [&](std::string value, absl::Time expiry) {
    absl::MutexLock lock(&mu_);
    auth_cache_[cache_key] = {value, expiry};
    return value;
  };

  for (const Challenge& challenge : challenges) {
    if (challenge.scheme == "bearer") {
      if (credentials.has_value() && !credentials->registry_token.empty()) {
        return remember(absl::StrCat("Bearer ", credentials->registry_token),
                        absl::Now() + kStaticAuthLifetime);
      }
      ASSIGN_OR_RETURN(const std::string token_url,
                       TokenUrl(challenge, {RepositoryScope(source.reference.repository)}));
      HttpRequest request;
      request.url = token_url;
      request.tls = tls;
      request.max_body_bytes = 1 << 20;
      if (credentials.has_value() && !credentials->identity_token.empty()) {
        // An identity token is an OAuth2 refresh token: exchanged by POST.
        request.method = "POST";
        request.url = challenge.Param("realm");
        request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        request.body =
            absl::StrCat("grant_type=refresh_token&client_id=crio&refresh_token=",
                         QueryEscape(credentials->identity_token),
                         "&service=", QueryEscape(challenge.Param("service")),
                         "&scope=", QueryEscape(RepositoryScope(source.reference.repository)));
      } else if (credentials.has_value() && !credentials->username.empty()) {
        request.headers.emplace_back(
            "Authorization",
            absl::StrCat("Basic ", Base64Encode(absl::StrCat(credentials->username, ":",
                                                             credentials->password))));
      }
      ASSIGN_OR_RETURN(const HttpResponse answer, SendWithRetries(request, nullptr));
      if (answer.status != 200) {
        return StatusForHttp(answer,
                             absl::StrCat(what, ": token endpoint ", challenge.Param("realm")));
      }
      ASSIGN_OR_RETURN(const Token token, ParseTokenResponse(answer.body, absl::Now()));
      return remember(absl::StrCat("Bearer ", token.token), token.expiry);
    }
    if (challenge.scheme == "basic") {
      if (!credentials.has_value() || credentials->username.empty()) {
        return absl::UnauthenticatedError(
            absl::StrCat(what, ": authentication required and no credentials were given"));
      }
      return remember(absl::StrCat("Basic ", Base64Encode(absl::StrCat(credentials->username, ":",
                                                                       credentials->password))),
                      absl::Now() + kStaticAuthLifetime);
    }
  }
  return absl::UnauthenticatedError(
      absl::StrCat(what, ": no supported challenge in \"", header->second, "\""));
}

absl::StatusOr<HttpResponse> RegistryClient::Get(const PullSource& source, const std::string& path,
                                                 const std::optional<Credentials>& credentials,
                                                 HttpRequest request, BodySink* sink) {
  ASSIGN_OR_RETURN(const Endpoint endpoint, EndpointFor(source));
  request.url = endpoint.base_url + path;
  request.tls = endpoint.tls;
  request.stall_timeout = options_.stall_timeout;
  const std::string cache_key =
      absl::StrCat(source.reference.ApiHost(), " ", source.reference.repository);
  const std::size_t plain_headers = request.headers.size();
  {
    absl::MutexLock lock(&mu_);
    auto it = auth_cache_.find(cache_key);
    if (it != auth_cache_.end() && it->second.second > absl::Now()) {
      request.headers.emplace_back("Authorization", it->second.first);
    }
  }
  ASSIGN_OR_RETURN(HttpResponse response, SendWithRetries(request, sink));
  if (response.status != 401) return response;

  ASSIGN_OR_RETURN(const std::string authorization,
                   Authorize(source, response, credentials, endpoint.tls));
  request.headers.resize(plain_headers);
  request.headers.emplace_back("Authorization", authorization);
  ASSIGN_OR_RETURN(response, SendWithRetries(request, sink));
  if (response.status == 401) {
    return StatusForHttp(response,
                         absl::StrCat("pull ", source.reference.String(),
                                      credentials.has_value() ? " (the credentials were refused)"
                                                              : " (no credentials were given)"));
  }
  return response;
}

absl::StatusOr<FetchedManifest> RegistryClient::FetchManifest(
    const PullSource& source, const std::string& reference, const std::optional<Digest>& expected,
    const std::optional<Credentials>& credentials) {
  const std::string what = absl::StrCat("manifest ", source.reference.Name(), ":", reference);
  HttpRequest request;
  request.headers.emplace_back("Accept", std::string(media_type::kManifestAccept));
  request.max_body_bytes = kMaxManifestBytes;
  ASSIGN_OR_RETURN(
      const HttpResponse response,
      Get(source, absl::StrCat("/v2/", source.reference.repository, "/manifests/", reference),
          credentials, std::move(request), nullptr));
  if (response.status != 200) return StatusForHttp(response, absl::StrCat("fetch ", what));

  FetchedManifest manifest{response.body, "", Digest::Of(response.body)};
  if (auto type = response.headers.find("content-type"); type != response.headers.end()) {
    manifest.media_type = type->second.substr(0, type->second.find(';'));
  }
  if (expected.has_value() && !(*expected == manifest.digest)) {
    return absl::DataLossError(
        absl::StrCat(what, ": digest mismatch: the registry sent ", manifest.digest.str()));
  }
  if (auto header = response.headers.find("docker-content-digest");
      header != response.headers.end() && !expected.has_value()) {
    auto announced = Digest::Parse(header->second);
    if (announced.ok() && !(*announced == manifest.digest)) {
      return absl::DataLossError(absl::StrCat(what, ": digest mismatch: the registry announced ",
                                              announced->str(), " but sent ",
                                              manifest.digest.str()));
    }
  }
  return manifest;
}

absl::StatusOr<FetchedManifest> RegistryClient::GetManifest(
    const PullSource& source, const std::optional<Credentials>& credentials) {
  return FetchManifest(source, source.reference.ManifestReference(), source.reference.digest,
                       credentials);
}

absl::StatusOr<FetchedManifest> RegistryClient::GetManifestByDigest(
    const PullSource& source, const Digest& digest, const std::optional<Credentials>& credentials) {
  return FetchManifest(source, digest.str(), digest, credentials);
}

absl::Status RegistryClient::GetBlob(const PullSource& source, const Descriptor& blob,
                                     const std::optional<Credentials>& credentials,
                                     BodySink& sink) {
  const std::string what =
      absl::StrCat("blob ", blob.digest.str(), " of ", source.reference.Name());
  VerifyingSink verifying(sink);
  HttpRequest request;
  request.max_body_bytes = static_cast<std::uint64_t>(blob.size);
  ASSIGN_OR_RETURN(
      const HttpResponse response,
      Get(source, absl::StrCat("/v2/", source.reference.repository, "/blobs/", blob.digest.str()),
          credentials, std::move(request), &verifying));
  if (response.status != 200) return StatusForHttp(response, absl::StrCat("fetch ", what));
  if (verifying.bytes() != static_cast<std::uint64_t>(blob.size)) {
    return absl::DataLossError(
        absl::StrCat(what, ": expected ", blob.size, " bytes, got ", verifying.bytes()));
  }
  const Digest actual = verifying.Finish();
  if (!(actual == blob.digest)) {
    return absl::DataLossError(absl::StrCat(what, ": digest mismatch: got ", actual.str()));
  }
  return absl::OkStatus();
}

}  // namespace crio::registry
