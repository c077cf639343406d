#pragma once

// The CRI v1 gRPC services. Only the daemon builds them; each RPC lands in its own
// file under src/cri/ (src/cri/README.md lists them).

#include <grpcpp/impl/service_type.h>

#include <memory>

#include "crio/config/config_holder.h"
#include "crio/container/containers.h"
#include "crio/image/rootfs.h"
#include "crio/image/store.h"
#include "crio/sandbox/pods.h"
#include "crio/stats/stats.h"
#include "crio/store/store.h"
#include "crio/streaming/server.h"

namespace crio::cri {

/// What the services need from the rest of the daemon, by reference (the daemon
/// keeps every referenced object alive longer than the gRPC server).
struct ServiceOptions {
  const config::ConfigHolder& config;       ///< the live configuration (SIGHUP may replace it)
  image::ImageStore& images;                ///< pulled images
  store::Store& state;                      ///< pods and containers
  sandbox::PodManager& pods;                ///< pod sandboxes' host side
  container::ContainerManager& containers;  ///< containers' life
  stats::StatsCollector& stats;             ///< containers' and pods' resource usage
  streaming::Server& streaming;             ///< the URLs of Exec, Attach and PortForward
};

/// runtime.v1.RuntimeService.
std::unique_ptr<grpc::Service> MakeRuntimeService(const ServiceOptions& options);

/// runtime.v1.ImageService.
std::unique_ptr<grpc::Service> MakeImageService(const ServiceOptions& options);

}  // namespace crio::cri
