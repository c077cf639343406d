#include "daemon.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <signal.h>
#include <sys/stat.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/log.h"
#include "crio/common/status.h"
#include "crio/config/values.h"
#include "crio/container/stream_backend.h"
#include "crio/cri/services.h"
#include "crio/version.h"
#include "mount_root.h"
#include "service_notify.h"

namespace crio::daemon {
namespace {

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// A service manager that cannot be told is worth a warning, not a failed start.
void Notify(std::string_view state) {
  if (absl::Status sent = NotifyServiceManager(state); !sent.ok()) {
    spdlog::warn("Telling the service manager {}: {}", state, sent.message());
  }
}

// Not a refusal: containers still start correctly, and a chroot is how some test
// harnesses run the daemon. But exec'd processes would escape to the host's root.
void WarnWhenChrooted() {
  const absl::StatusOr<bool> at_root = RootIsMountNamespaceRoot();
  if (!at_root.ok()) {
    spdlog::debug("Cannot tell whether the daemon runs chrooted: {}", at_root.status().message());
  } else if (!*at_root) {
    spdlog::warn(
        "The daemon runs chrooted: its root is not the root of its mount namespace. "
        "Processes that `runc exec` starts in containers (ExecSync, Exec) will see that "
        "namespace's root instead of the container's rootfs. Run crio with pivot_root into "
        "its own mount namespace (or on the host's root), not under chroot");
  }
}

void ApplyLogLevel(const config::Config& config) {
  // Load() validated the level already; a parse failure here cannot happen.
  if (auto level = log::ParseLevel(config.runtime.log_level); level.ok()) {
    spdlog::set_level(*level);
  }
}

}  // namespace

absl::StatusOr<config::Config> PrepareForHost(const config::LoadResult& loaded) {
  for (const auto& warning : loaded.warnings) spdlog::warn("{}", warning);
  RETURN_IF_ERROR(config::Validate(loaded.config, config::ValidationMode::kHost));
  config::Config config = loaded.config;
  for (const auto& warning : config::PruneUnusableHandlers(config)) spdlog::warn("{}", warning);
  return config;
}

void BlockHandledSignals() {
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client that hangs up mid-write must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
}

Daemon::Daemon(ConfigSource source, config::Config initial)
    : source_(std::move(source)), config_(std::move(initial)) {}

Daemon::~Daemon() = default;

absl::Status Daemon::Start() {
  const auto config = config_.Get();
  ASSIGN_OR_RETURN(const std::string socket_path, SocketPathFromListen(config->api.listen));

  for (const std::string& dir : {config->crio.root, config->crio.runroot}) {
    RETURN_IF_ERROR(Annotate(fs::MakeDirs(dir, 0711), "create state directory"));
  }

  WarnWhenChrooted();

  bool removed_stale = false;
  ASSIGN_OR_RETURN(socket_, SocketClaim::Acquire(socket_path, &removed_stale));
  if (removed_stale) spdlog::info("Removed stale socket {}", socket_path);

  RETURN_IF_ERROR(OpenImageStore(*config));
  RETURN_IF_ERROR(OpenRuntimeState(*config));
  RETURN_IF_ERROR(StartStreaming(*config));
  const cri::ServiceOptions options{config_,      *images_, *state_,    *pods_,
                                    *containers_, *stats_,  *streaming_};
  services_.push_back(cri::MakeRuntimeService(options));
  services_.push_back(cri::MakeImageService(options));

  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("unix:", socket_path), grpc::InsecureServerCredentials());
  builder.SetMaxSendMessageSize(static_cast<int>(config->api.grpc_max_send_msg_size));
  builder.SetMaxReceiveMessageSize(static_cast<int>(config->api.grpc_max_recv_msg_size));
  for (auto& service : services_) builder.RegisterService(service.get());

  // The socket is created inside BuildAndStart: the umask makes it 0660 from its first
  // moment, and the chmod below makes sure of it whatever gRPC does.
  const mode_t old_umask = ::umask(0117);
  server_ = builder.BuildAndStart();
  ::umask(old_umask);
  if (server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", socket_path));
  }
  if (::chmod(socket_path.c_str(), 0660) != 0) {
    return fs::ErrnoStatus(errno, absl::StrCat("chmod ", socket_path));
  }
  spdlog::info("Serving the CRI on {} (crio {}, runtime {}, cgroup manager {})", socket_path,
               kVersion, config->runtime.default_runtime, config->runtime.cgroup_manager);
  Notify("READY=1");
  return absl::OkStatus();
}

absl::Status Daemon::OpenImageStore(const config::Config& config) {
  registry::ClientOptions client_options;
  ASSIGN_OR_RETURN(const absl::Duration stall,
                   config::ParseGoDuration(config.image.pull_progress_timeout));
  client_options.certs_dir = config.image.certs_dir;
  client_options.stall_timeout = std::chrono::seconds(absl::ToInt64Seconds(stall));
  http_ = registry::MakeCurlHttpClient();
  registry_ = std::make_unique<registry::RegistryClient>(*http_, client_options);

  ASSIGN_OR_RETURN(registry::RegistriesConf registries,
                   registry::LoadRegistriesConf(config.image.registries_conf));
  for (const auto& warning : registries.warnings) spdlog::warn("{}", warning);
  artifact::StoreOptions artifact_store;
  artifact_store.root = config.crio.root + "/artifacts";
  artifact_store.registries = registries;
  artifact_store.insecure_registries = config.image.insecure_registries;
  artifact_store.global_auth_file = config.image.global_auth_file;
  ASSIGN_OR_RETURN(artifacts_,
                   artifact::ArtifactStore::Open(std::move(artifact_store), *registry_));

  image::StoreOptions store;
  store.root = config.crio.root;
  store.registries = std::move(registries);
  store.insecure_registries = config.image.insecure_registries;
  store.global_auth_file = config.image.global_auth_file;
  store.pinned_images = config.image.pinned_images;
  // The pause image is always pinned, so that the kubelet's image GC never removes it.
  if (auto pause = registry::ParseReference(config.image.pause_image); pause.ok()) {
    store.pinned_images.push_back(pause->String());
  }
  // overlayfs whiteouts (0/0 devices, trusted.* xattrs) need root; without it they are
  // recorded instead.
  store.overlay_whiteouts = ::geteuid() == 0;
  ASSIGN_OR_RETURN(images_, image::ImageStore::Open(std::move(store), *registry_));
  spdlog::info("Image store at {}/images: {} images", config.crio.root, images_->List().size());
  ASSIGN_OR_RETURN(rootfs_,
                   image::RootfsManager::Open({.dir = config.crio.root + "/rootfs"}, *images_));
  return absl::OkStatus();
}

absl::Status Daemon::OpenRuntimeState(const config::Config& config) {
  ASSIGN_OR_RETURN(state_, store::Store::Open(config.crio.root + "/state"));
  ASSIGN_OR_RETURN(handlers_, runtime::HandlerRegistry::Build(config));
  for (const auto& warning : handlers_->warnings()) spdlog::warn("{}", warning);
  handlers_config_ = config_.Get();
  if (config.runtime.selinux) {
    // Labels are computed even where the host has SELinux off: they show in the spec,
    // and the runtime applies them only where it is on (the labeler says so once).
    labeler_ = selinux::MakeSystemLabeler();
    mcs_ = std::make_unique<selinux::McsAllocator>();
  }
  containers_ = std::make_unique<container::ContainerManager>(
      *state_, *images_, *rootfs_, config_, [this] { return Handlers(); },
      monitor::MakeMonitorLauncher(),
      container::ContainerOptions{.runroot = config.crio.runroot,
                                  .exits_dir = config.runtime.container_exits_dir,
                                  .attach_dir = config.runtime.container_attach_socket_dir,
                                  .default_log_dir = config.crio.log_dir,
                                  .artifacts = artifacts_.get(),
                                  .labeler = labeler_.get()});
  stats::StatsOptions stats_options;
  stats_options.rootfs_dir = config.crio.root + "/rootfs";
  stats_ = std::make_unique<stats::StatsCollector>(*state_, *containers_, *rootfs_,
                                                   std::move(stats_options));
  sandbox::PodOptions pod_options;
  pod_options.runroot = config.crio.runroot;
  pod_options.namespaces_dir = config.runtime.namespaces_dir;
  pod_options.cgroup_manager = config.runtime.cgroup_manager;
  if (labeler_ != nullptr) {
    pod_options.mcs = mcs_.get();
    ASSIGN_OR_RETURN(pod_options.selinux_contexts, selinux::LoadContainerContexts(*labeler_));
  }
  if (auto handler = handlers_->Lookup(""); handler.ok()) {
    pod_options.pause_binary = (*handler)->monitor_path;  // crio-monitor's "pause" mode
  }
  RETURN_IF_ERROR(StartNetwork(config));
  pod_options.cni = cni_.get();
  pod_options.network = network_watcher_.get();
  sandbox::PodContainerHooks hooks;
  hooks.stop_all = [this](const RequestContext& ctx, const std::string& pod) {
    return containers_->StopAllInPod(ctx, pod);
  };
  hooks.remove_all = [this](const RequestContext& ctx, const std::string& pod) {
    return containers_->RemoveAllInPod(ctx, pod);
  };
  if (!config.runtime.drop_infra_ctr) {
    hooks.run_infra = [this](const RequestContext& ctx, const store::PodRecord& pod) {
      return containers_->RunInfra(ctx, pod);
    };
  }
  pods_ = std::make_unique<sandbox::PodManager>(*state_, pod_options, std::move(hooks));
  const RequestContext ctx{"startup", "Recover"};
  RETURN_IF_ERROR(containers_->Start(ctx));
  pods_->Recover(ctx);
  spdlog::info("State at {}/state: {} pods, {} containers", config.crio.root,
               state_->ListPods().size(), state_->ListContainers().size());
  return absl::OkStatus();
}

absl::Status Daemon::StartNetwork(const config::Config& config) {
  network::CniOptions options;
  options.plugin_dirs = config.network.plugin_dirs;
  options.cache_dir = config.crio.root + "/cni-cache";
  // Not a config key (CRI-O has none): tests shorten it to see a hung plugin fail.
  if (const char* timeout = std::getenv("CRIO_CNI_PLUGIN_TIMEOUT"); timeout != nullptr) {
    const absl::StatusOr<absl::Duration> parsed = config::ParseGoDuration(timeout);
    RETURN_IF_ERROR(Annotate(parsed.status(), "CRIO_CNI_PLUGIN_TIMEOUT"));
    options.plugin_timeout = absl::ToChronoMilliseconds(*parsed);
  }
  cni_runner_ = network::NewPluginRunner();
  cni_ = network::NewCniManager(std::move(options), *cni_runner_);
  ASSIGN_OR_RETURN(network_watcher_, network::StartNetworkWatcher(
                                         {config.network.network_dir, config.network.plugin_dirs,
                                          config.network.cni_default_network}));
  if (auto current = network_watcher_->Current(); current.ok()) {
    spdlog::info("Pods join CNI network {} ({})", current->name, current->file);
  } else {
    spdlog::warn("No CNI network yet (NetworkReady is false): {}", current.status().message());
  }
  return absl::OkStatus();
}

std::shared_ptr<const runtime::HandlerRegistry> Daemon::Handlers() {
  const auto config = config_.Get();
  absl::MutexLock lock(&handlers_mu_);
  if (config != handlers_config_) {
    // SIGHUP swapped the config: handlers follow it; a broken one keeps the old registry.
    auto rebuilt = runtime::HandlerRegistry::Build(*config);
    if (rebuilt.ok()) {
      handlers_ = *std::move(rebuilt);
    } else {
      spdlog::error("Keeping the runtime handlers: {}", rebuilt.status().message());
    }
    handlers_config_ = config;
  }
  return handlers_;
}

int Daemon::Run() {
  const sigset_t set = HandledSignals();
  for (;;) {
    int signo = 0;
    if (sigwait(&set, &signo) != 0) continue;
    if (signo == SIGHUP) {
      Reload();
      continue;
    }
    spdlog::info("Received {}, shutting down", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    Stop();
    return 0;
  }
}

absl::Status Daemon::StartStreaming(const config::Config& config) {
  streaming::ServerOptions options;
  options.address = config.api.stream_address;
  options.port = config.api.stream_port;
  if (!config.api.stream_idle_timeout.empty()) {
    ASSIGN_OR_RETURN(const absl::Duration idle,
                     config::ParseGoDuration(config.api.stream_idle_timeout));
    options.idle_timeout = absl::ToChronoMilliseconds(idle);
  }
  options.enable_tls = config.api.stream_enable_tls;
  options.tls_cert = config.api.stream_tls_cert;
  options.tls_key = config.api.stream_tls_key;
  options.tls_ca = config.api.stream_tls_ca;
  stream_backend_ = container::MakeStreamBackend(*containers_, *state_);
  ASSIGN_OR_RETURN(streaming_, streaming::Server::Start(options, *stream_backend_));
  return absl::OkStatus();
}

void Daemon::Reload() {
  Notify("RELOADING=1");
  spdlog::info("Received SIGHUP, reloading configuration");
  auto loaded = config::Load(source_.load, source_.overrides);
  auto fresh = loaded.ok() ? PrepareForHost(*loaded) : loaded.status();
  if (!fresh.ok()) {
    spdlog::error("Keeping the running configuration: the new one is invalid: {}",
                  fresh.status().message());
    Notify("READY=1");
    return;
  }
  config::ReloadResult result = config::ApplyReloadable(*config_.Get(), *fresh);
  for (const auto& change : result.changes) spdlog::info("Reloaded {}", change);
  for (const auto& key : result.needs_restart) {
    spdlog::warn("Configuration key {} changed; it takes effect after a restart", key);
  }
  if (result.changes.empty()) spdlog::info("Configuration reloaded, nothing changed");
  ApplyLogLevel(result.config);
  config_.Set(std::move(result.config));
  Notify("READY=1");
}

void Daemon::Stop() {
  Notify("STOPPING=1");
  if (server_ != nullptr) {
    // New calls are refused at once; calls in flight get kShutdownGrace to finish.
    server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    server_->Wait();
  }
  // Open exec and attach sessions end as if their clients had left: exec'd processes
  // are killed by their monitors, containers keep running.
  if (streaming_ != nullptr) streaming_->Stop();
  socket_.RemoveSocket();
  spdlog::info("Stopped serving on {}", socket_.path());
}

}  // namespace crio::daemon
