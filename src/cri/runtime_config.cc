#include <arpa/inet.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {
namespace {

// "10.244.1.0/24" or "fd00:10:244:1::/64": an address of either family and a prefix
// length that fits it.
bool IsCidr(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  const std::string address = text.substr(0, slash);
  int bits = 0;
  if (!absl::SimpleAtoi(text.substr(slash + 1), &bits) || bits < 0) return false;
  unsigned char buffer[16];
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) return bits <= 32;
  if (inet_pton(AF_INET6, address.c_str(), buffer) == 1) return bits <= 128;
  return false;
}

}  // namespace

grpc::Status RuntimeService::RuntimeConfig(grpc::ServerContext*, const v1::RuntimeConfigRequest*,
                                           v1::RuntimeConfigResponse* response) {
  return Serve("RuntimeConfig", [&](const RequestContext&) {
    const auto config = options_.config.Get();
    // Kubelet (KubeletCgroupDriverFromCRI) adopts whatever driver we answer here.
    response->mutable_linux()->set_cgroup_driver(config->runtime.cgroup_manager == "systemd"
                                                     ? v1::CgroupDriver::SYSTEMD
                                                     : v1::CgroupDriver::CGROUPFS);
    return absl::OkStatus();
  });
}

// The kubelet sends the node's pod CIDRs here when they change. As in CRI-O, the
// addresses themselves come from the CNI network's own IPAM config, so the CIDRs are
// only checked and logged; a bad one is refused so that the kubelet reports it.
grpc::Status RuntimeService::UpdateRuntimeConfig(grpc::ServerContext*,
                                                 const v1::UpdateRuntimeConfigRequest* request,
                                                 v1::UpdateRuntimeConfigResponse*) {
  return Serve("UpdateRuntimeConfig", [&](const RequestContext& ctx) {
    const std::string& cidrs = request->runtime_config().network_config().pod_cidr();
    if (cidrs.empty()) return absl::OkStatus();
    for (const std::string& cidr : std::vector<std::string>(absl::StrSplit(cidrs, ','))) {
      if (!IsCidr(cidr)) {
        return absl::InvalidArgumentError(absl::StrCat("runtime_config.network_config.pod_cidr \"",
                                                       cidrs, "\": \"", cidr,
                                                       "\" is not a CIDR (address/prefix-length)"));
      }
    }
    log::Info(ctx, "Pod CIDR is now {}; pod addresses come from the CNI network's IPAM", cidrs);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
