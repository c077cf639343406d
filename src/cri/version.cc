#include "crio/version.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

// The CRI version kubelet's own API speaks (not ours): always 0.1.0.
constexpr char kKubeletApiVersion[] = "0.1.0";
constexpr char kRuntimeName[] = "crio";
constexpr char kRuntimeApiVersion[] = "v1";

grpc::Status RuntimeService::Version(grpc::ServerContext*, const v1::VersionRequest*,
                                     v1::VersionResponse* response) {
  return Serve("Version", [&](const RequestContext&) {
    response->set_version(kKubeletApiVersion);
    response->set_runtime_name(kRuntimeName);
    response->set_runtime_version(crio::kVersion);
    response->set_runtime_api_version(kRuntimeApiVersion);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
