#include "client.h"

#include <iostream>

#include "commands.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace crio::ctl {
namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

}  // namespace

absl::StatusOr<std::string> EndpointToTarget(const std::string& endpoint) {
  if (absl::StartsWith(endpoint, "unix://") || absl::StartsWith(endpoint, "unix:")) {
    return endpoint;
  }
  if (!endpoint.empty() && endpoint[0] == '/') return absl::StrCat("unix://", endpoint);
  return absl::InvalidArgumentError(absl::StrCat(
      "endpoint \"", endpoint, "\": expected unix:///path/to/socket or an absolute path"));
}

absl::StatusOr<Client> Client::Connect(const Globals& globals) {
  auto runtime_target = EndpointToTarget(globals.runtime_endpoint);
  if (!runtime_target.ok()) return runtime_target.status();
  auto image_target = EndpointToTarget(globals.image_endpoint.empty() ? globals.runtime_endpoint
                                                                      : globals.image_endpoint);
  if (!image_target.ok()) return image_target.status();
  if (globals.timeout_seconds <= 0) {
    return absl::InvalidArgumentError("timeout must be greater than zero");
  }

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  Client client;
  client.timeout_ = std::chrono::milliseconds(static_cast<long>(globals.timeout_seconds * 1000));
  auto runtime_channel =
      grpc::CreateCustomChannel(*runtime_target, grpc::InsecureChannelCredentials(), args);
  auto image_channel =
      *image_target == *runtime_target
          ? runtime_channel
          : grpc::CreateCustomChannel(*image_target, grpc::InsecureChannelCredentials(), args);
  client.runtime_ = runtime::v1::RuntimeService::NewStub(runtime_channel);
  client.image_ = runtime::v1::ImageService::NewStub(image_channel);
  return client;
}

std::unique_ptr<grpc::ClientContext> Client::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout_);
  return context;
}

void RunBody(CommandResult& result, const std::function<absl::Status()>& body) {
  const absl::Status status = body();
  if (status.ok()) return;
  std::cerr << status.message() << "\n";
  result.exit_code = 1;
}

absl::Status RpcFailure(const char* what, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      DescribeRpcError(what, status));
}

std::string DescribeRpcError(const char* what, const grpc::Status& status) {
  return absl::StrCat(what, ": rpc error: code = ", CodeName(status.error_code()),
                      " desc = ", status.error_message());
}

}  // namespace crio::ctl
