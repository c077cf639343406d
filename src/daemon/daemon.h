#pragma once

// The running daemon: builds the services, serves them on the CRI socket, and reacts
// to signals (SIGHUP reload, SIGTERM/SIGINT graceful stop).

#include <grpcpp/server.h>

#include <chrono>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "crio/config/config.h"
#include "crio/config/config_holder.h"
#include "crio/container/containers.h"
#include "crio/image/rootfs.h"
#include "crio/image/store.h"
#include "crio/network/cni.h"
#include "crio/network/cni_plugin_runner.h"
#include "crio/network/network_watcher.h"
#include "crio/registry/client.h"
#include "crio/registry/http.h"
#include "crio/runtime/handlers.h"
#include "crio/sandbox/pods.h"
#include "crio/stats/stats.h"
#include "crio/store/store.h"
#include "crio/streaming/backend.h"
#include "crio/streaming/server.h"
#include "listener.h"

namespace crio::daemon {

/// How the daemon was asked to find its configuration; kept to reload it on SIGHUP.
struct ConfigSource {
  config::LoadOptions load;     ///< --config / --config-dir
  config::Overrides overrides;  ///< the other flags, which win over every file
};

/// Makes a loaded configuration ready to run: checks it against this host and drops
/// the runtime handlers whose binary is missing (except the default one, which must
/// exist), logging the load's warnings and each dropped handler. Used at start and
/// on every SIGHUP, so both see the same rules.
absl::StatusOr<config::Config> PrepareForHost(const config::LoadResult& loaded);

/// Blocks the signals the daemon handles in the calling thread. Call it first in
/// main(), before any thread exists, so that every later thread inherits the mask
/// and only the signal loop receives them.
void BlockHandledSignals();

class Daemon {
 public:
  Daemon(ConfigSource source, config::Config initial);
  ~Daemon();

  /// Claims the socket, creates the state dirs, starts serving and tells systemd.
  absl::Status Start();

  /// Waits for signals until SIGTERM or SIGINT, then stops gracefully.
  /// @return the process exit code
  int Run();

 private:
  void Reload();
  void Stop();
  absl::Status OpenImageStore(const config::Config& config);
  /// Pods and containers: the store, recovered, and the pod manager.
  absl::Status OpenRuntimeState(const config::Config& config);
  /// CNI: the plugin runner, the manager with its result cache, and the watcher of the
  /// default network (NetworkReady, and the network pods join).
  absl::Status StartNetwork(const config::Config& config);
  /// The server behind Exec, Attach and PortForward URLs, on stream_address:stream_port.
  absl::Status StartStreaming(const config::Config& config);
  /// The runtime handlers of the live config, rebuilt when SIGHUP changed it.
  std::shared_ptr<const runtime::HandlerRegistry> Handlers();

  // In-flight calls get this long to finish after SIGTERM before they are cancelled.
  static constexpr std::chrono::seconds kShutdownGrace{10};

  ConfigSource source_;
  config::ConfigHolder config_;
  SocketClaim socket_;
  std::unique_ptr<registry::HttpClient> http_;
  std::unique_ptr<registry::RegistryClient> registry_;
  std::unique_ptr<image::ImageStore> images_;
  std::unique_ptr<artifact::ArtifactStore> artifacts_;  ///< seccomp profiles from registries
  std::unique_ptr<selinux::Labeler> labeler_;           ///< crio.runtime.selinux only
  std::unique_ptr<selinux::McsAllocator> mcs_;          ///< the pods' MCS levels
  std::unique_ptr<image::RootfsManager> rootfs_;
  std::unique_ptr<store::Store> state_;
  absl::Mutex handlers_mu_;
  std::shared_ptr<const runtime::HandlerRegistry> handlers_ ABSL_GUARDED_BY(handlers_mu_);
  std::shared_ptr<const config::Config> handlers_config_ ABSL_GUARDED_BY(handlers_mu_);
  std::unique_ptr<container::ContainerManager> containers_;
  std::unique_ptr<stats::StatsCollector> stats_;
  std::unique_ptr<network::PluginRunner> cni_runner_;
  std::unique_ptr<network::CniManager> cni_;  // runs plugins through cni_runner_
  std::unique_ptr<network::NetworkWatcher> network_watcher_;
  std::unique_ptr<sandbox::PodManager> pods_;  // after images_: it unregisters from the store
  std::unique_ptr<streaming::StreamingBackend> stream_backend_;
  std::unique_ptr<streaming::Server> streaming_;  // after its backend: stopped first
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace crio::daemon
