// libcurl behind HttpClient. One easy handle per request: pulls run layers in
// parallel threads, and a handle must never be shared between them.

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crio/registry/http.h"

namespace crio::registry {
namespace {

constexpr std::chrono::seconds kDefaultStallTimeout{60};
// Error bodies are kept for messages only; a registry has no reason to send more.
constexpr std::size_t kMaxErrorBody = 64 * 1024;
// The system CA bundle on Debian; certs.d CAs are added to it, not put in its place.
constexpr char kSystemCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What the curl callbacks share for one transfer.
struct Transfer {
  const HttpRequest* request = nullptr;
  BodySink* sink = nullptr;
  HttpResponse response;
  std::uint64_t received = 0;
  absl::Status failure;  // set by a callback that aborts the transfer
  CURL* handle = nullptr;
  std::chrono::seconds stall_timeout{0};
  curl_off_t last_bytes = -1;  // bytes moved (down + up) at the last progress
  std::chrono::steady_clock::time_point last_progress = std::chrono::steady_clock::now();
};

long CurrentStatus(CURL* handle) {
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  absl::string_view line(data, length);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after a redirect or a 100 Continue): forget earlier headers.
    transfer->response.headers.clear();
    return length;
  }
  const std::size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return length;
  std::string name = absl::AsciiStrToLower(std::string(line.substr(0, colon)));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  auto [it, inserted] = transfer->response.headers.emplace(name, value);
  if (!inserted) it->second = absl::StrCat(it->second, ", ", value);
  return length;
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  const long status = CurrentStatus(transfer->handle);
  const bool success = status >= 200 && status < 300;
  transfer->received += length;
  if (success && transfer->received > transfer->request->max_body_bytes) {
    transfer->failure = absl::ResourceExhaustedError(
        absl::StrCat("response body of ", transfer->request->url, " is larger than ",
                     transfer->request->max_body_bytes, " bytes"));
    return 0;
  }
  if (success && transfer->sink != nullptr) {
    absl::Status written = transfer->sink->Write(absl::string_view(data, length));
    if (!written.ok()) {
      transfer->failure = std::move(written);
      return 0;
    }
    return length;
  }
  std::string& body = transfer->response.body;
  const std::size_t limit = success ? transfer->request->max_body_bytes : kMaxErrorBody;
  if (body.size() < limit) body.append(data, std::min(length, limit - body.size()));
  return length;
}

// curl calls this about once a second even when nothing moves, which is what a stall
// check needs (its own low-speed limit averages over a window and misses a transfer
// that sent a few bytes and then went silent).
int OnProgress(void* user, curl_off_t, curl_off_t downloaded, curl_off_t, curl_off_t uploaded) {
  auto* transfer = static_cast<Transfer*>(user);
  const auto now = std::chrono::steady_clock::now();
  if (downloaded + uploaded != transfer->last_bytes) {
    transfer->last_bytes = downloaded + uploaded;
    transfer->last_progress = now;
    return 0;
  }
  if (now - transfer->last_progress < transfer->stall_timeout) return 0;
  transfer->failure = absl::DeadlineExceededError(
      absl::StrCat(transfer->request->url, ": no data moved for ", transfer->stall_timeout.count(),
                   "s (pull_progress_timeout)"));
  return 1;
}

absl::Status CurlFailure(CURLcode code, const char* detail, const std::string& url) {
  const std::string message =
      absl::StrCat(url, ": ", detail[0] != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

class CurlHttpClient final : public HttpClient {
 public:
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request, BodySink* sink) override {
    // At the first request, not at construction: initialising libcurl loads OpenSSL's
    // configuration and providers, megabytes of a daemon that may never pull.
    GlobalInit();
    CURL* handle = curl_easy_init();
    if (handle == nullptr) return absl::InternalError("curl_easy_init failed");
    curl_slist* headers = nullptr;
    absl::Cleanup release = [&] {
      curl_slist_free_all(headers);
      curl_easy_cleanup(handle);
    };
    Transfer transfer;
    transfer.request = &request;
    transfer.sink = sink;
    transfer.handle = handle;
    char error[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT,
                     static_cast<long>(request.connect_timeout.count()));
    transfer.stall_timeout =
        request.stall_timeout.count() > 0 ? request.stall_timeout : kDefaultStallTimeout;
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "crio");
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);

    if (request.method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET") {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, absl::StrCat(name, ": ", value).c_str());
    }
    // Without this curl sends "Expect: 100-continue" on PUT and waits for an answer.
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);

    std::string ca_blob;
    if (!request.tls.verify) {
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!request.tls.extra_ca_pem.empty()) {
      // CAINFO_BLOB replaces the default bundle, so it carries the system CAs too.
      ca_blob = ReadSystemBundle() + "\n" + request.tls.extra_ca_pem;
      curl_blob blob{ca_blob.data(), ca_blob.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(handle, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!request.tls.client_cert_file.empty()) {
      curl_easy_setopt(handle, CURLOPT_SSLCERT, request.tls.client_cert_file.c_str());
      curl_easy_setopt(handle, CURLOPT_SSLKEY, request.tls.client_key_file.c_str());
    }

    const CURLcode code = curl_easy_perform(handle);
    if (!transfer.failure.ok()) return transfer.failure;
    if (code != CURLE_OK) return CurlFailure(code, error, request.url);
    transfer.response.status = CurrentStatus(handle);
    char* effective = nullptr;
    curl_easy_getinfo(handle, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective != nullptr) transfer.response.effective_url = effective;
    return std::move(transfer.response);
  }

 private:
  static std::string ReadSystemBundle() {
    std::FILE* file = std::fopen(kSystemCaBundle, "rb");
    if (file == nullptr) return "";
    std::string content;
    char buffer[16384];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) content.append(buffer, n);
    std::fclose(file);
    return content;
  }
};

}  // namespace

std::unique_ptr<HttpClient> MakeCurlHttpClient() { return std::make_unique<CurlHttpClient>(); }

}  // namespace crio::registry
