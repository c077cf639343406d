#pragma once

// The connection crioctl commands share: endpoints, timeout, and the CRI stubs.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crio/cri/api.h"

namespace crio::ctl {

/// Global flags, crictl's names and environment variables.
struct Globals {
  std::string runtime_endpoint;  ///< -r / CONTAINER_RUNTIME_ENDPOINT
  std::string image_endpoint;    ///< -i / IMAGE_SERVICE_ENDPOINT; "" = runtime endpoint
  double timeout_seconds = 2.0;  ///< -t: per-call deadline
  bool debug = false;            ///< -D: print requests and answers to stderr
};

/// The gRPC target for an endpoint ("unix:///run/crio/crio.sock", "unix:/x", or a
/// bare absolute path).
absl::StatusOr<std::string> EndpointToTarget(const std::string& endpoint);

class Client {
 public:
  static absl::StatusOr<Client> Connect(const Globals& globals);

  runtime::v1::RuntimeService::Stub& runtime() { return *runtime_; }
  runtime::v1::ImageService::Stub& image() { return *image_; }

  /// A context with the -t deadline, for one call.
  std::unique_ptr<grpc::ClientContext> NewContext() const;

 private:
  std::chrono::milliseconds timeout_{2000};
  std::unique_ptr<runtime::v1::RuntimeService::Stub> runtime_;
  std::unique_ptr<runtime::v1::ImageService::Stub> image_;
};

/// "rpc error: code = Unavailable desc = ..." as crictl prints gRPC failures.
std::string DescribeRpcError(const char* what, const grpc::Status& status);

}  // namespace crio::ctl
