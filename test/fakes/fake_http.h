#pragma once

// A scripted registry::HttpClient: a handler answers each request, and every request is
// recorded. It honours the parts of the contract callers rely on: 2xx bodies go to the
// sink, bodies over max_body_bytes are refused. Callers send from several threads at once
// (layers are pulled in parallel), so recording and the handler run under a lock.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crio/registry/http.h"

namespace crio::testing {

class FakeHttp final : public registry::HttpClient {
 public:
  using Handler =
      std::function<absl::StatusOr<registry::HttpResponse>(const registry::HttpRequest&)>;
  explicit FakeHttp(Handler handler) : handler_(std::move(handler)) {}

  absl::StatusOr<registry::HttpResponse> Send(const registry::HttpRequest& request,
                                              registry::BodySink* sink) override {
    absl::StatusOr<registry::HttpResponse> response;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests.push_back(request);
      response = handler_(request);
    }
    if (!response.ok()) return response;
    if (response->status >= 200 && response->status < 300 && sink != nullptr) {
      if (response->body.size() > request.max_body_bytes) {
        return absl::ResourceExhaustedError("body over the limit");
      }
      absl::Status written = sink->Write(response->body);
      if (!written.ok()) return written;
      response->body.clear();
    }
    return response;
  }

  /// The value of header `name` in request `index`, or "". Read once the sends are over.
  std::string HeaderOf(std::size_t index, const std::string& name) const {
    for (const auto& [key, value] : requests.at(index).headers) {
      if (key == name) return value;
    }
    return "";
  }

  /// Every request in the order received; read it once the sends are over.
  std::vector<registry::HttpRequest> requests;

 private:
  std::mutex mutex_;
  Handler handler_;
};

inline registry::HttpResponse Respond(long status, std::string body,
                                      std::map<std::string, std::string> headers = {}) {
  registry::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

}  // namespace crio::testing
