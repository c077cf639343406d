// Containers: create, start, stop, remove, exits, exec, update, and recovery.

#include "crio/container/containers.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "configured_devices.h"
#include "crio/annotations/seccomp.h"
#include "crio/common/clock.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"
#include "crio/config/values.h"
#include "crio/registry/credentials.h"
#include "crio/registry/reference.h"
#include "crio/selinux/label.h"
#include "crio/spec/devices.h"
#include "monitor_cgroup.h"
#include "seccomp_choice.h"

namespace crio::container {
namespace {

// The handler's monitor_env ("KEY=VALUE" entries) as a monitor launch takes it.
std::map<std::string, std::string> MonitorEnv(const runtime::Handler& handler) {
  std::map<std::string, std::string> env;
  for (const std::string& entry : handler.config.monitor_env) {
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

namespace stdfs = std::filesystem;

constexpr std::size_t kMaxSpecBytes = 8 << 20;
constexpr auto kKillWait = std::chrono::seconds(10);  // after SIGKILL, for the exit file
// WaitForExit sleeps at most this long between looks at the exit file when no
// inotify event comes.
constexpr auto kExitPollCap = std::chrono::milliseconds(50);
// How long RemoveContainer waits for a monitor that wrote the exit file to end.
constexpr auto kMonitorEndWait = std::chrono::milliseconds(2000);

std::string Rfc3339(std::int64_t nanos) {
  return absl::FormatTime(absl::RFC3339_full, absl::FromUnixNanos(nanos), absl::UTCTimeZone());
}

// "SIGTERM", "TERM", "15", "SIGRTMIN+3" -> a signal number; 0 when unknown.
int ParseSignal(std::string name) {
  if (name.empty()) return SIGTERM;
  int number = 0;
  if (absl::SimpleAtoi(name, &number)) return number > 0 && number < NSIG ? number : 0;
  if (!absl::StartsWith(name, "SIG")) name = "SIG" + name;
  static const std::pair<const char*, int> kSignals[] = {
      {"SIGHUP", SIGHUP},       {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT},   {"SIGILL", SIGILL},
      {"SIGTRAP", SIGTRAP},     {"SIGABRT", SIGABRT}, {"SIGBUS", SIGBUS},     {"SIGFPE", SIGFPE},
      {"SIGKILL", SIGKILL},     {"SIGUSR1", SIGUSR1}, {"SIGSEGV", SIGSEGV},   {"SIGUSR2", SIGUSR2},
      {"SIGPIPE", SIGPIPE},     {"SIGALRM", SIGALRM}, {"SIGTERM", SIGTERM},   {"SIGCHLD", SIGCHLD},
      {"SIGCONT", SIGCONT},     {"SIGSTOP", SIGSTOP}, {"SIGTSTP", SIGTSTP},   {"SIGTTIN", SIGTTIN},
      {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},   {"SIGXCPU", SIGXCPU},   {"SIGXFSZ", SIGXFSZ},
      {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF}, {"SIGWINCH", SIGWINCH}, {"SIGIO", SIGIO},
      {"SIGPWR", SIGPWR},       {"SIGSYS", SIGSYS}};
  for (const auto& [signal_name, number_of] : kSignals) {
    if (name == signal_name) return number_of;
  }
  const auto realtime = [&](const char* base, int origin) {
    if (!absl::StartsWith(name, base)) return 0;
    const std::string rest = name.substr(std::strlen(base));
    int offset = 0;
    if (rest.empty()) return origin;
    if (rest.size() < 2 || (rest[0] != '+' && rest[0] != '-') ||
        !absl::SimpleAtoi(rest.substr(1), &offset)) {
      return 0;
    }
    const int number_of = origin + (rest[0] == '+' ? offset : -offset);
    return number_of >= SIGRTMIN && number_of <= SIGRTMAX ? number_of : 0;
  };
  if (int rt = realtime("SIGRTMIN", SIGRTMIN); rt != 0) return rt;
  if (int rt = realtime("SIGRTMAX", SIGRTMAX); rt != 0) return rt;
  return 0;
}

// A log path inside the pod's log directory: relative, without "..", not empty.
absl::Status CheckLogPath(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  if (path.front() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("config.log_path \"", path, "\" must be relative to the pod's log directory"));
  }
  for (const auto& part : stdfs::path(path)) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("config.log_path \"", path, "\" must not contain \"..\""));
    }
  }
  return absl::OkStatus();
}

int ReadIntFile(const std::string& path, int fallback) {
  std::ifstream in(path);
  int value = fallback;
  if (!(in >> value)) return fallback;
  return value;
}

// One of the daemon's capability sets ("CapEff", "CapBnd") from /proc/self/status.
std::optional<std::uint64_t> OwnCapabilities(absl::string_view set) {
  std::ifstream in("/proc/self/status");
  const std::string prefix = absl::StrCat(set, ":");
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, prefix)) continue;
    std::uint64_t caps = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line.substr(prefix.size())), &caps)) break;
    return caps;
  }
  return std::nullopt;
}

// Creates `path` (clean, absolute, inside the container) under `rootfs` one component at
// a time, never following a symlink: a hostile image could otherwise point a volume's
// parent at a host directory. Existing dirs are kept; new ones belong to the user.
absl::Status MakeVolumeDir(const std::string& rootfs, const std::string& path, uid_t uid,
                           gid_t gid) {
  int dir = ::open(rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (dir < 0) return fs::ErrnoStatus(errno, absl::StrCat("open ", rootfs));
  for (const auto& part : stdfs::path(path).relative_path()) {
    const std::string name = part.string();
    if (name.empty() || name == "." || name == "..") {
      ::close(dir);
      return absl::InvalidArgumentError(absl::StrCat("image volume \"", path, "\" is not clean"));
    }
    bool created = ::mkdirat(dir, name.c_str(), 0755) == 0;
    if (!created && errno != EEXIST) {
      const int err = errno;
      ::close(dir);
      return fs::ErrnoStatus(err, absl::StrCat("create image volume ", path));
    }
    const int next = ::openat(dir, name.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    const int err = errno;
    if (next >= 0 && created) (void)::fchown(next, uid, gid);
    ::close(dir);
    if (next < 0) {
      return fs::ErrnoStatus(err, absl::StrCat("image volume ", path, ": ", name,
                                               " is not a directory (symlinks are not followed)"));
    }
    dir = next;
  }
  ::close(dir);
  return absl::OkStatus();
}

}  // namespace

spec::RuntimeDefaults ProbeHostFacts(spec::RuntimeDefaults defaults) {
  defaults.daemon_oom_score_adj = ReadIntFile("/proc/self/oom_score_adj", 0);
  defaults.daemon_has_cap_sys_resource =
      (OwnCapabilities("CapEff").value_or(0) & (std::uint64_t{1} << CAP_SYS_RESOURCE)) != 0;
  defaults.last_cap = ReadIntFile("/proc/sys/kernel/cap_last_cap", 40);
  defaults.daemon_bounding_caps = OwnCapabilities("CapBnd").value_or(~std::uint64_t{0});
  struct stat st {};
  defaults.cgroup2 = ::stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
  if (defaults.cgroup2) {
    defaults.swap_supported = ::stat("/sys/fs/cgroup/memory.swap.max", &st) == 0 ||
                              stdfs::exists("/sys/fs/cgroup/system.slice/memory.swap.max");
    defaults.hugetlb_supported = true;
    defaults.pids_supported = true;
  } else {
    defaults.swap_supported = ::stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", &st) == 0;
    defaults.hugetlb_supported = ::stat("/sys/fs/cgroup/hugetlb", &st) == 0;
    defaults.pids_supported = ::stat("/sys/fs/cgroup/pids", &st) == 0;
  }
  struct utsname host {};
  if (::uname(&host) == 0) {
    if (auto arch = seccomp::GoArchFromMachine(host.machine)) defaults.arch = *arch;
    if (auto kernel = seccomp::ParseKernelRelease(host.release); kernel.ok()) {
      defaults.kernel = *kernel;
    }
  }
  return defaults;
}

ContainerManager::ContainerManager(store::Store& state, image::ImageStore& images,
                                   image::RootfsManager& rootfs, const config::ConfigHolder& config,
                                   Handlers handlers,
                                   std::unique_ptr<monitor::MonitorLauncher> launcher,
                                   ContainerOptions options)
    : state_(state),
      images_(images),
      rootfs_(rootfs),
      config_(config),
      handlers_(std::move(handlers)),
      launcher_(std::move(launcher)),
      options_(std::move(options)),
      host_facts_(ProbeHostFacts({})),
      trash_(std::make_unique<fs::Trash>(options_.runroot + "/containers/.trash")),
      seccomp_(std::make_unique<SeccompChooser>(options_.artifacts)) {}

ContainerManager::~ContainerManager() {
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  if (watcher_.joinable()) watcher_.join();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::string ContainerManager::BundleDir(const std::string& id) const {
  return absl::StrCat(options_.runroot, "/containers/", id);
}
std::string ContainerManager::ExitFile(const std::string& id) const {
  return absl::StrCat(options_.exits_dir, "/", id);
}
std::string ContainerManager::AttachDir(const std::string& id) const {
  return absl::StrCat(options_.attach_dir, "/", id);
}

absl::StatusOr<std::shared_ptr<const runtime::Handler>> ContainerManager::HandlerOf(
    const store::ContainerRecord& container) const {
  return handlers_()->Lookup(container.runtime_handler);
}

absl::Status ContainerManager::Start(const RequestContext& ctx) {
  RETURN_IF_ERROR(fs::MakeDirs(options_.exits_dir, 0700));
  RETURN_IF_ERROR(fs::MakeDirs(options_.runroot + "/containers", 0700));
  inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0) return fs::ErrnoStatus(errno, "inotify_init1");
  if (::inotify_add_watch(inotify_fd_, options_.exits_dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) <
      0) {
    return fs::ErrnoStatus(errno, absl::StrCat("watch ", options_.exits_dir));
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return fs::ErrnoStatus(errno, "eventfd");
  watcher_ = std::thread([this] { WatchExits(); });

  store::ContainerFilter all;
  all.include_unfinished = true;
  all.include_infra = true;
  for (const store::ContainerRecord& container : state_.ListContainers(all)) {
    if (container.phase != store::Phase::kCreated) {
      log::Warn(ctx, "Removing container {} left half-created by an earlier run", container.id);
      if (absl::Status cleaned = Cleanup(ctx, container); !cleaned.ok()) {
        log::Warn(ctx, "Cleaning up container {}: {}", container.id, cleaned.message());
      }
      continue;
    }
    if (container.state == store::ContainerState::kExited) continue;
    if (CollectExit(container.id)) continue;
    if (launcher_->Running(container.monitor_pid, container.id)) {
      // Re-mount a rootfs that a reboot unmounted would be wrong here: the monitor runs,
      // so the host did not reboot and the mount is still there.
      continue;
    }
    // Neither an exit file nor a monitor: the container cannot be supervised any more
    // (the host rebooted, or the monitor was killed). Stop whatever is left of it.
    log::Warn(ctx, "Container {} lost its monitor; marking it exited", container.id);
    if (auto handler = HandlerOf(container); handler.ok()) {
      (void)(*handler)->runtime->Delete(ctx, container.id, /*force=*/true);
    }
    (void)state_.UpdateContainer(container.id, [](store::ContainerRecord& c) {
      c.state = store::ContainerState::kExited;
      c.exit_code = 255;
      c.reason = "Error";
      c.message = "the container's monitor was gone when crio started";
      if (c.finished_at == 0) c.finished_at = UnixNanosNow();
    });
    if (container.infra) {
      (void)state_.UpdatePod(container.pod_id,
                             [](store::PodRecord& pod) { pod.state = store::PodState::kNotReady; });
    }
  }
  PruneArtifacts(ctx);  // containers removed while the daemon was down
  return absl::OkStatus();
}

void ContainerManager::WatchExits() {
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("Watching {} failed: {}", options_.exits_dir, std::strerror(errno));
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    for (;;) {
      const ssize_t n = ::read(inotify_fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      for (ssize_t offset = 0; offset < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        if (event->len == 0) continue;
        const std::string name = event->name;
        if (name.empty() || name.front() == '.' || name.find('.') != std::string::npos) {
          continue;  // the monitor's temp file before its rename
        }
        CollectExit(name);
        absl::MutexLock lock(&exits_mu_);
        ++exits_seen_;
      }
    }
  }
}

bool ContainerManager::CollectExit(const std::string& id) {
  auto exit = launcher_->ReadExitFile(ExitFile(id));
  if (!exit.ok() || !exit->has_value()) return false;
  const monitor::ExitInfo info = **exit;
  bool ended_now = false;
  auto updated = state_.UpdateContainer(id, [&info, &ended_now](store::ContainerRecord& c) {
    if (c.state == store::ContainerState::kExited && c.finished_at != 0) return;
    ended_now = true;
    c.state = store::ContainerState::kExited;
    c.exit_code = info.exit_code;
    c.finished_at = info.finished_at_ns != 0 ? info.finished_at_ns : UnixNanosNow();
    c.pid = 0;
    if (info.oom_killed) {
      c.reason = "OOMKilled";
    } else {
      c.reason = info.exit_code == 0 ? "Completed" : "Error";
    }
  });
  if (ended_now && updated.ok() && updated->infra) {
    // The pause container held the pod together: without it the pod cannot run
    // containers, and NotReady tells the kubelet to make a new one (as in CRI-O).
    (void)state_.UpdatePod(updated->pod_id,
                           [](store::PodRecord& pod) { pod.state = store::PodState::kNotReady; });
  }
  if (ended_now) {
    // As CRI-O does when a container stops: its root filesystem is unmounted now (the
    // writable layer stays for stats and logs until RemoveContainer), so that a
    // RemoveContainer has only files left to delete.
    if (absl::Status unmounted = rootfs_.Unmount(id); !unmounted.ok()) {
      spdlog::warn("Unmounting the root filesystem of exited container {}: {}", id,
                   unmounted.message());
    }
  }
  return updated.ok();
}

bool ContainerManager::WaitForExit(const std::string& id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint64_t seen = 0;
    {
      absl::MutexLock lock(&exits_mu_);
      seen = exits_seen_;
    }
    // Read after taking the count: an exit file written meanwhile bumps it.
    if (CollectExit(id)) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    // The watcher wakes us; the cap covers a missed inotify event (queue overflow).
    const auto wait = std::min<std::chrono::steady_clock::duration>(deadline - now, kExitPollCap);
    absl::MutexLock lock(&exits_mu_);
    const auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(exits_mu_) {
      return exits_seen_ != seen;
    };
    exits_mu_.AwaitWithTimeout(absl::Condition(&changed), absl::FromChrono(wait));
  }
}

absl::StatusOr<ContainerLabels> ContainerManager::LabelsFor(
    const store::PodRecord& pod, const spec::ContainerRequest& request) const {
  ContainerLabels out;
  if (options_.labeler == nullptr || pod.process_label.empty()) return out;
  const std::string field = "config.linux.security_context.selinux_options";
  selinux::PodLabels pod_labels;
  ASSIGN_OR_RETURN(pod_labels.process, selinux::Label::Parse(pod.process_label));
  ASSIGN_OR_RETURN(pod_labels.mount, selinux::Label::Parse(pod.mount_label));
  const spec::SELinuxOption& asked = request.security.selinux_options;
  selinux::SELinuxOptions options;
  options.user = asked.user;
  options.role = asked.role;
  options.type = asked.type;
  options.level = asked.level;
  auto labels = selinux::ContainerLabels(options, pod_labels, request.security.privileged);
  if (!labels.ok()) return Annotate(labels.status(), field);
  out.process = labels->process.ToString();
  out.mount = labels->mount.ToString();
  out.process_type = labels->process.type;
  return out;
}

absl::Status ContainerManager::RelabelVolumes(const RequestContext& ctx,
                                              const store::PodRecord& pod,
                                              const spec::ContainerRequest& request,
                                              const ContainerLabels& labels,
                                              const std::vector<std::string>& allowed_annotations) {
  if (options_.labeler == nullptr || labels.mount.empty()) return absl::OkStatus();
  selinux::RelabelPolicy policy;
  policy.process_type = labels.process_type;
  // CRI-O honours the skip only where the handler allows the annotation.
  const auto skip = pod.annotations.find(selinux::kTrySkipVolumeSELinuxLabelAnnotation);
  policy.try_skip =
      skip != pod.annotations.end() && skip->second == "true" &&
      annotations::IsAllowed(selinux::kTrySkipVolumeSELinuxLabelAnnotation, allowed_annotations);
  for (std::size_t i = 0; i < request.mounts.size(); ++i) {
    const spec::Mount& mount = request.mounts[i];
    if (!mount.selinux_relabel) continue;
    if (absl::Status relabeled =
            selinux::RelabelVolume(*options_.labeler, mount.host_path, labels.mount, policy);
        !relabeled.ok()) {
      return Annotate(relabeled, absl::StrCat("config.mounts[", i, "]: relabel ", mount.host_path));
    }
    log::Debug(ctx, "Relabeled {} to {}", mount.host_path, labels.mount);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ContainerManager::Create(const RequestContext& ctx,
                                                     const std::string& pod_id,
                                                     spec::ContainerRequest request,
                                                     spec::PodContext pod_config) {
  if (pod_id.empty()) return absl::InvalidArgumentError("pod_sandbox_id: must not be empty");
  ASSIGN_OR_RETURN(const store::PodRecord pod, state_.GetPod(pod_id));
  if (pod.phase != store::Phase::kCreated) {
    return absl::NotFoundError(absl::StrCat("pod sandbox \"", pod_id, "\" not found"));
  }
  if (pod.state != store::PodState::kReady) {
    return absl::FailedPreconditionError(
        absl::StrCat("pod sandbox ", pod.id, " is not ready (it was stopped)"));
  }
  ASSIGN_OR_RETURN(const store::ContainerRecord created,
                   CreateInPod(ctx, pod, std::move(request), std::move(pod_config), false));
  return created.id;
}

absl::Status ContainerManager::RunInfra(const RequestContext& ctx, const store::PodRecord& pod) {
  const auto config = config_.Get();
  const std::string& pause_image = config->image.pause_image;
  if (absl::IsNotFound(images_.Find(pause_image).status())) {
    image::PullRequest pull{pause_image, std::nullopt};
    if (!config->image.pause_image_auth_file.empty()) {
      ASSIGN_OR_RETURN(const registry::Reference ref, registry::ParseReference(pause_image));
      ASSIGN_OR_RETURN(pull.credentials,
                       registry::LoadAuthFile(config->image.pause_image_auth_file, ref));
    }
    log::Info(ctx, "Pulling the pause image {}", pause_image);
    auto pulled = images_.Pull(ctx, pull);
    if (!pulled.ok()) return Annotate(pulled.status(), "pull the pause image");
  }

  spec::ContainerRequest request;
  request.name = "POD";
  request.image = pause_image;
  if (!config->image.pause_command.empty()) request.command = {config->image.pause_command};
  request.labels = pod.labels;
  request.log_path = "pause.log";  // in the bundle dir: pause writes nothing a user needs
  request.security.readonly_rootfs = true;
  request.security.namespace_options.network =
      pod.host_network ? spec::NamespaceMode::kNode : spec::NamespaceMode::kPod;
  request.security.namespace_options.ipc =
      pod.host_ipc ? spec::NamespaceMode::kNode : spec::NamespaceMode::kPod;
  // A PID namespace of its own, which the pod's containers join when they share one.
  request.security.namespace_options.pid =
      pod.host_pid ? spec::NamespaceMode::kNode : spec::NamespaceMode::kContainer;
  request.resources.cpu_shares = 2;  // CRI-O's share for infra containers: it only waits
  request.resources.cpuset_cpus = config->runtime.infra_ctr_cpuset;

  spec::PodContext pod_config;
  pod_config.name = pod.name;
  pod_config.namespace_ = pod.pod_namespace;
  pod_config.uid = pod.uid;
  pod_config.attempt = pod.attempt;
  ASSIGN_OR_RETURN(const store::ContainerRecord infra,
                   CreateInPod(ctx, pod, std::move(request), std::move(pod_config), true));
  if (absl::Status started = StartRecord(ctx, infra); !started.ok()) {
    (void)RemoveRecord(ctx, infra);
    return started;
  }
  return absl::OkStatus();
}

absl::StatusOr<store::ContainerRecord> ContainerManager::CreateInPod(const RequestContext& ctx,
                                                                     const store::PodRecord& pod,
                                                                     spec::ContainerRequest request,
                                                                     spec::PodContext pod_config,
                                                                     bool infra) {
  if (request.image.empty())
    return absl::InvalidArgumentError("config.image.image: must not be empty");
  RETURN_IF_ERROR(CheckLogPath(request.log_path));
  ASSIGN_OR_RETURN(const auto handler, handlers_()->Lookup(pod.runtime_handler));
  auto image = images_.Find(request.image);
  if (absl::IsNotFound(image.status())) {
    return absl::NotFoundError(absl::StrCat("config.image.image: image \"", request.image,
                                            "\" is not present; pull it first"));
  }
  RETURN_IF_ERROR(image.status());

  const auto config = config_.Get();
  ASSIGN_OR_RETURN(spec::RuntimeDefaults defaults,
                   spec::RuntimeDefaultsFromConfig(*config, pod.runtime_handler));
  {
    // crio.conf values from the config, host facts from the probe at start.
    spec::RuntimeDefaults facts = host_facts_;
    defaults.daemon_oom_score_adj = facts.daemon_oom_score_adj;
    defaults.daemon_has_cap_sys_resource = facts.daemon_has_cap_sys_resource;
    defaults.last_cap = facts.last_cap;
    defaults.daemon_bounding_caps = facts.daemon_bounding_caps;
    defaults.cgroup2 = facts.cgroup2;
    defaults.swap_supported = facts.swap_supported;
    defaults.hugetlb_supported = facts.hugetlb_supported;
    defaults.pids_supported = facts.pids_supported;
    defaults.arch = facts.arch;
    defaults.kernel = facts.kernel;
  }

  // The seccomp profile, before anything is made: an annotation's artifact is pulled
  // here, and a failure must leave nothing behind.
  SeccompSettings seccomp_settings;
  seccomp_settings.default_profile_path = handler->config.seccomp_profile.empty()
                                              ? config->runtime.seccomp_profile
                                              : handler->config.seccomp_profile;
  seccomp_settings.use_default_when_empty = config->runtime.seccomp_use_default_when_empty;
  seccomp_settings.annotations_override_default =
      config->runtime.seccomp_annotations_override_default;
  seccomp_settings.privileged_profile_path = config->runtime.privileged_seccomp_profile;
  SeccompRequest seccomp_request;
  seccomp_request.requested = request.security.seccomp;
  seccomp_request.privileged = request.security.privileged;
  seccomp_request.container_name = request.name;
  seccomp_request.pod_annotations = &pod.annotations;
  seccomp_request.image_annotations = &image->annotations;
  // What the runtime handler (and the pod's active workloads) let through, for every
  // annotation-driven setting below.
  const std::vector<std::string> allowed_annotations =
      annotations::AllowedFor(handler->config, config->runtime.workloads, pod.annotations);
  seccomp_request.allowed_annotations = allowed_annotations;
  ASSIGN_OR_RETURN(SeccompChoice seccomp, seccomp_->Choose(ctx, seccomp_settings, seccomp_request));
  ASSIGN_OR_RETURN(const ContainerLabels labels, LabelsFor(pod, request));

  // The pod's host-side state, which the CRI's sandbox_config does not carry.
  pod_config.id = pod.id;
  pod_config.hostname = pod.hostname;
  pod_config.log_directory = pod.log_directory.empty()
                                 ? absl::StrCat(options_.default_log_dir, "/", pod.id)
                                 : pod.log_directory;
  if (infra) pod_config.log_directory = BundleDir(pod.id);
  pod_config.net_ns_path = pod.netns_path;
  pod_config.ipc_ns_path = pod.ipcns_path;
  pod_config.uts_ns_path = pod.utsns_path;
  pod_config.host_network = pod.host_network;
  pod_config.host_ipc = pod.host_ipc;
  pod_config.host_pid = pod.host_pid;
  pod_config.cgroup_parent = pod.cgroup_parent;
  pod_config.shm_path = pod.shm_path;
  pod_config.resolv_conf_path = pod.resolv_conf_path;
  pod_config.hosts_path = pod.hosts_path;
  pod_config.hostname_path = pod.hostname_path;
  if (pod.share_pid && pod.pause_pid > 0) {
    pod_config.pid_ns_path = absl::StrCat("/proc/", pod.pause_pid, "/ns/pid");
  } else if (pod.share_pid && !pod.infra_container_id.empty() && !infra) {
    ASSIGN_OR_RETURN(const store::ContainerRecord pause, Current(pod.infra_container_id));
    if (pause.state != store::ContainerState::kRunning || pause.pid <= 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("pod sandbox ", pod.id, ": its infra container is not running"));
    }
    pod_config.pid_ns_path = absl::StrCat("/proc/", pause.pid, "/ns/pid");
  } else if (request.security.namespace_options.pid == spec::NamespaceMode::kPod) {
    // The container asks for the pod's PID namespace, but the pod was made without a
    // shared one (its own options said CONTAINER): each container gets its own, as the
    // pod's config decided.
    request.security.namespace_options.pid = spec::NamespaceMode::kContainer;
  }

  store::ContainerRecord record;
  record.id = infra ? pod.id : store::NewId();
  record.infra = infra;
  record.phase = store::Phase::kCreating;
  record.pod_id = pod.id;
  record.name = request.name;
  record.attempt = request.attempt;
  record.labels = request.labels;
  record.annotations = request.annotations;
  record.image = request.image;
  record.image_id = image->id.str();
  record.image_ref = image->repo_digests.empty() ? image->id.str() : image->repo_digests.front();
  record.runtime_handler = pod.runtime_handler;
  record.created_at = UnixNanosNow();
  record.state = store::ContainerState::kCreated;
  record.bundle_dir = BundleDir(record.id);
  record.monitor_cgroup = MonitorCgroupPath(
      config->runtime.cgroup_manager, handler->config.monitor_cgroup, pod.cgroup_parent, record.id);
  record.seccomp_artifact = seccomp.artifact_digest;
  record.tty = request.tty;
  record.stdin = request.stdin;
  record.stdin_once = request.stdin_once;
  for (const spec::Mount& mount : request.mounts) {
    record.mounts.push_back({.container_path = mount.container_path,
                             .host_path = mount.host_path,
                             .readonly = mount.readonly,
                             .selinux_relabel = mount.selinux_relabel,
                             .propagation = static_cast<int>(mount.propagation)});
  }
  if (request.name.empty())
    return absl::InvalidArgumentError("config.metadata.name: must not be empty");
  RETURN_IF_ERROR(state_.AddContainer(record));  // AlreadyExists for a name in use
  bool done = false;
  absl::Cleanup undo = [&] {
    if (done) return;
    if (absl::Status cleaned = Cleanup(ctx, record); !cleaned.ok()) {
      log::Warn(ctx, "Cleaning up the failed container {}: {}", record.id, cleaned.message());
    }
  };

  ASSIGN_OR_RETURN(const image::Rootfs rootfs, rootfs_.Create(ctx, record.id, *image));
  record.rootfs = rootfs.path;

  spec::SpecInput input;
  input.container_id = record.id;
  input.request = std::move(request);
  input.pod = std::move(pod_config);
  input.defaults = std::move(defaults);
  input.image = {.config = image->config,
                 .name = image->repo_tags.empty() ? image->id.str() : image->repo_tags.front(),
                 .id = image->id.str()};
  input.rootfs = rootfs.path;
  input.created = Rfc3339(record.created_at);
  input.seccomp_profile = std::move(seccomp.profile);
  input.seccomp_when_privileged = seccomp.when_privileged;
  input.process_label = labels.process;
  input.mount_label = labels.mount;
  input.apply_selinux_labels = options_.labeler != nullptr && options_.labeler->Enabled();
  for (const spec::DeviceRequest& device : input.request.devices) {
    ASSIGN_OR_RETURN(spec::LinuxDevice resolved, spec::ResolveDevice(device));
    input.devices.push_back(std::move(resolved));
  }
  ASSIGN_OR_RETURN(std::vector<spec::DeviceRequest> extra,
                   ConfiguredDevices(*config, allowed_annotations, pod.annotations));
  for (const spec::DeviceRequest& device : extra) {
    ASSIGN_OR_RETURN(spec::LinuxDevice resolved, spec::ResolveDevice(device));
    input.devices.push_back(std::move(resolved));
  }
  if (input.request.security.privileged) {
    if (!input.pod.privileged) {
      return absl::InvalidArgumentError(
          "config.linux.security_context.privileged: the pod sandbox is not privileged");
    }
    ASSIGN_OR_RETURN(input.host_devices, spec::HostDevices());
  }
  RETURN_IF_ERROR(RelabelVolumes(ctx, pod, input.request, labels, allowed_annotations));
  ASSIGN_OR_RETURN(const spec::BuiltSpec built, spec::BuildContainerSpec(input));
  for (const std::string& warning : built.warnings) log::Warn(ctx, "{}", warning);
  for (const std::string& volume : built.image_volumes) {
    RETURN_IF_ERROR(MakeVolumeDir(rootfs.path, volume, built.user.uid, built.user.gid));
  }
  record.log_path = built.log_path;
  record.stop_signal = built.stop_signal;
  if (built.spec.contains("linux") && built.spec["linux"].contains("resources")) {
    record.resources_json = built.spec["linux"]["resources"].dump();
  }
  RETURN_IF_ERROR(fs::MakeDirs(record.bundle_dir, 0700));
  RETURN_IF_ERROR(fs::WriteFileAtomic(record.bundle_dir + "/config.json", built.spec.dump(), 0600));
  RETURN_IF_ERROR(fs::MakeDirs(stdfs::path(record.log_path).parent_path().string(), 0755));
  RETURN_IF_ERROR(fs::MakeDirs(AttachDir(record.id), 0700));

  monitor::MonitorLaunch launch;
  launch.monitor_path = handler->monitor_path;
  launch.container_id = record.id;
  launch.runtime_path = handler->runtime_path;
  launch.runtime_root = handler->runtime_root;
  launch.runtime_args = handler->runtime_flags;
  launch.bundle_dir = record.bundle_dir;
  launch.pid_file = record.bundle_dir + "/pidfile";
  launch.log_path = record.log_path;
  launch.log_size_max = config->runtime.log_size_max;
  launch.exit_file = ExitFile(record.id);
  launch.attach_socket_path = AttachDir(record.id) + "/attach";
  launch.control_path = AttachDir(record.id) + "/ctl";
  launch.tty = record.tty;
  launch.stdin = record.stdin;
  launch.stdin_once = record.stdin_once;
  launch.env = MonitorEnv(*handler);
  launch.create_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(handler->create_timeout);
  auto started = launcher_->Start(launch);
  if (!started.ok()) return Annotate(started.status(), "create the container");
  record.pid = started->container_pid;
  record.monitor_pid = started->monitor_pid;
  if (!record.monitor_cgroup.empty()) {
    // As CRI-O does with conmon: a monitor that cannot be moved still supervises.
    if (absl::Status moved = JoinCgroup(record.monitor_cgroup, started->monitor_pid); !moved.ok()) {
      log::Warn(ctx, "Moving the monitor of container {} into cgroup {}: {}", record.id,
                record.monitor_cgroup, moved.message());
    }
  }
  record.phase = store::Phase::kCreated;
  RETURN_IF_ERROR(
      state_.UpdateContainer(record.id, [&record](store::ContainerRecord& c) { c = record; })
          .status());
  done = true;
  log::Info(ctx, "Created {} {} ({} in pod {}), image {}", infra ? "infra container" : "container",
            record.id, record.name, pod.id, record.image_ref);
  return record;
}

absl::Status ContainerManager::StartContainer(const RequestContext& ctx, const std::string& id) {
  ASSIGN_OR_RETURN(const store::ContainerRecord container, Status(id));
  return StartRecord(ctx, container);
}

absl::Status ContainerManager::StartRecord(const RequestContext& ctx,
                                           const store::ContainerRecord& container) {
  if (container.state != store::ContainerState::kCreated || container.started_at != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container.id, " is not in the created state"));
  }
  ASSIGN_OR_RETURN(const auto handler, HandlerOf(container));
  if (absl::Status started = handler->runtime->Start(ctx, container.id); !started.ok()) {
    (void)state_.UpdateContainer(container.id, [&started](store::ContainerRecord& c) {
      c.state = store::ContainerState::kExited;
      c.exit_code = 128;
      c.reason = "ContainerCannotRun";
      c.message = std::string(started.message());
      c.finished_at = UnixNanosNow();
    });
    return Annotate(started, "start the container");
  }
  RETURN_IF_ERROR(state_
                      .UpdateContainer(container.id,
                                       [](store::ContainerRecord& c) {
                                         c.started_at = UnixNanosNow();
                                         // A fast container may already have exited.
                                         if (c.state == store::ContainerState::kCreated) {
                                           c.state = store::ContainerState::kRunning;
                                         }
                                       })
                      .status());
  CollectExit(container.id);
  log::Info(ctx, "Started container {} ({})", container.id, container.name);
  return absl::OkStatus();
}

absl::Status ContainerManager::Stop(const RequestContext& ctx, const std::string& id,
                                    std::chrono::seconds timeout) {
  ASSIGN_OR_RETURN(const store::ContainerRecord container, Status(id));
  return StopRecord(ctx, container, timeout);
}

absl::Status ContainerManager::StopRecord(const RequestContext& ctx,
                                          const store::ContainerRecord& container,
                                          std::chrono::seconds timeout) {
  if (container.state == store::ContainerState::kExited) return absl::OkStatus();
  ASSIGN_OR_RETURN(const auto handler, HandlerOf(container));
  if (timeout.count() > 0) {
    int signal = ParseSignal(container.stop_signal);
    if (signal == 0) {
      log::Warn(ctx, "Unknown stop signal \"{}\" of container {}: using SIGTERM",
                container.stop_signal, container.id);
      signal = SIGTERM;
    }
    absl::Status sent = handler->runtime->Kill(ctx, container.id, signal, /*all=*/false);
    if (!sent.ok() && !absl::IsNotFound(sent)) {
      log::Warn(ctx, "Sending signal {} to {}: {}", signal, container.id, sent.message());
    }
    if (WaitForExit(container.id, timeout)) {
      log::Info(ctx, "Stopped container {} ({})", container.id, container.name);
      return absl::OkStatus();
    }
    log::Info(ctx, "Container {} outlived its {}s stop timeout: killing it", container.id,
              timeout.count());
  }
  absl::Status killed = handler->runtime->Kill(ctx, container.id, SIGKILL, /*all=*/true);
  if (!killed.ok() && !absl::IsNotFound(killed)) {
    log::Warn(ctx, "Killing {}: {}", container.id, killed.message());
  }
  if (!WaitForExit(container.id, kKillWait)) {
    // A container that was created but never started has an init waiting on the runtime;
    // deleting it ends it, and the monitor then writes the exit file.
    (void)handler->runtime->Delete(ctx, container.id, /*force=*/true);
    if (!WaitForExit(container.id, kKillWait)) {
      return absl::DeadlineExceededError(
          absl::StrCat("container ", container.id, " did not exit after SIGKILL"));
    }
  }
  log::Info(ctx, "Stopped container {} ({})", container.id, container.name);
  return absl::OkStatus();
}

absl::Status ContainerManager::Cleanup(const RequestContext& ctx,
                                       const store::ContainerRecord& container) {
  // The monitor ends just after it writes the exit file: wait for it, so that no process
  // of the container outlives RemoveContainer.
  if (container.monitor_pid > 0 &&
      !launcher_->WaitEnd(container.monitor_pid, container.id, kMonitorEndWait)) {
    log::Warn(ctx, "The monitor of container {} (pid {}) is still running", container.id,
              container.monitor_pid);
  }
  if (absl::Status removed = RemoveCgroup(container.monitor_cgroup); !removed.ok()) {
    log::Warn(ctx, "Removing the monitor cgroup of container {}: {}", container.id,
              removed.message());
  }
  if (auto handler = HandlerOf(container); handler.ok()) {
    RETURN_IF_ERROR((*handler)->runtime->Delete(ctx, container.id, /*force=*/true));
  }
  RETURN_IF_ERROR(rootfs_.Remove(ctx, container.id));
  // Deleted in the background, so that the answer does not wait on the disk.
  for (const std::string& path :
       {BundleDir(container.id), AttachDir(container.id), ExitFile(container.id)}) {
    if (absl::Status discarded = trash_->Discard(path); !discarded.ok()) {
      log::Warn(ctx, "Removing {}: {}", path, discarded.message());
    }
  }
  return state_.RemoveContainer(container.id);
}

absl::Status ContainerManager::Remove(const RequestContext& ctx, const std::string& id) {
  auto found = state_.GetContainer(id);
  if (absl::IsNotFound(found.status()) || (found.ok() && found->infra)) {
    log::Debug(ctx, "Container {} is already gone", id);
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(found.status());
  return RemoveRecord(ctx, *found);
}

absl::Status ContainerManager::RemoveRecord(const RequestContext& ctx,
                                            const store::ContainerRecord& container) {
  if (container.phase == store::Phase::kCreated) {
    ASSIGN_OR_RETURN(const store::ContainerRecord current, Current(container.id));
    RETURN_IF_ERROR(StopRecord(ctx, current, std::chrono::seconds(0)));
  }
  RETURN_IF_ERROR(Cleanup(ctx, container));
  log::Info(ctx, "Removed {} {} ({})", container.infra ? "infra container" : "container",
            container.id, container.name);
  if (!container.seccomp_artifact.empty()) PruneArtifacts(ctx);
  return absl::OkStatus();
}

void ContainerManager::PruneArtifacts(const RequestContext& ctx) {
  if (options_.artifacts == nullptr) return;
  store::ContainerFilter all;
  all.include_unfinished = true;  // a container being created may have just pulled one
  all.include_infra = true;
  std::set<std::string> in_use;
  for (const store::ContainerRecord& container : state_.ListContainers(all)) {
    if (!container.seccomp_artifact.empty()) in_use.insert(container.seccomp_artifact);
  }
  auto pruned = options_.artifacts->Prune(in_use);
  if (!pruned.ok()) {
    log::Warn(ctx, "Pruning unused seccomp profile artifacts: {}", pruned.status().message());
    return;
  }
  for (const Digest& digest : *pruned) {
    log::Info(ctx, "Removed unused seccomp profile artifact {}", digest.str());
  }
}

absl::StatusOr<store::ContainerRecord> ContainerManager::Status(const std::string& id) {
  ASSIGN_OR_RETURN(store::ContainerRecord container, Current(id));
  if (container.infra) return absl::NotFoundError(absl::StrCat("container \"", id, "\" not found"));
  return container;
}

absl::StatusOr<store::ContainerRecord> ContainerManager::Current(const std::string& id) {
  ASSIGN_OR_RETURN(store::ContainerRecord container, state_.GetContainer(id));
  if (container.phase != store::Phase::kCreated) {
    return absl::NotFoundError(absl::StrCat("container \"", id, "\" not found"));
  }
  if (container.state != store::ContainerState::kExited && CollectExit(container.id)) {
    return state_.GetContainer(container.id);
  }
  return container;
}

absl::StatusOr<std::string> ContainerManager::RuntimeSpec(
    const store::ContainerRecord& container) const {
  return fs::ReadFile(container.bundle_dir + "/config.json", kMaxSpecBytes);
}

absl::StatusOr<store::ContainerRecord> ContainerManager::Running(const std::string& id) {
  ASSIGN_OR_RETURN(store::ContainerRecord container, Status(id));
  if (container.state != store::ContainerState::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container.id, " is not running"));
  }
  return container;
}

absl::StatusOr<runtime::ExecRequest> ContainerManager::ExecRequestFor(
    const store::ContainerRecord& container, const std::vector<std::string>& command) const {
  // The exec'd process starts as a copy of the container's own (user, env, cwd, caps).
  runtime::ExecRequest request;
  request.args = command;
  ASSIGN_OR_RETURN(const std::string spec_text, RuntimeSpec(container));
  const nlohmann::json spec = nlohmann::json::parse(spec_text, nullptr, false);
  if (spec.is_object() && spec.contains("process")) {
    request.base_process_json = spec["process"].dump();
  }
  return request;
}

absl::StatusOr<ExecOutput> ContainerManager::ExecSync(const RequestContext& ctx,
                                                      const std::string& id,
                                                      const std::vector<std::string>& command,
                                                      std::chrono::seconds timeout) {
  if (command.empty()) return absl::InvalidArgumentError("cmd: must not be empty");
  ASSIGN_OR_RETURN(const store::ContainerRecord container, Running(id));
  ASSIGN_OR_RETURN(const auto handler, HandlerOf(container));
  ASSIGN_OR_RETURN(runtime::ExecRequest request, ExecRequestFor(container, command));
  request.timeout = timeout;
  ASSIGN_OR_RETURN(const runtime::ExecResult result,
                   handler->runtime->ExecSync(ctx, container.id, request));
  if (result.timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat("command ", command.front(), " timed out after ", timeout.count(), "s"));
  }
  if (result.truncated()) {
    log::Warn(ctx, "ExecSync output of {} was capped at {} bytes per stream", container.id,
              request.max_output_bytes);
  }
  return ExecOutput{.stdout_bytes = result.stdout_data,
                    .stderr_bytes = result.stderr_data,
                    .exit_code = result.exit_code};
}

namespace {

// A name for an exec session's directory: short, so that socket paths in it stay
// under the 108 bytes of sun_path.
absl::StatusOr<std::string> SessionName() {
  unsigned char bytes[6];
  if (::getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    return fs::ErrnoStatus(errno, "getrandom");
  }
  std::string name = "exec-";
  for (const unsigned char b : bytes) absl::StrAppend(&name, absl::Hex(b, absl::kZeroPad2));
  return name;
}

}  // namespace

absl::StatusOr<ContainerManager::ExecSession> ContainerManager::StartExecSession(
    const RequestContext& ctx, const std::string& id, const std::vector<std::string>& command,
    bool tty, bool stdin) {
  if (command.empty()) return absl::InvalidArgumentError("cmd: must not be empty");
  ASSIGN_OR_RETURN(const store::ContainerRecord container, Running(id));
  ASSIGN_OR_RETURN(const auto handler, HandlerOf(container));
  ASSIGN_OR_RETURN(runtime::ExecRequest request, ExecRequestFor(container, command));
  ASSIGN_OR_RETURN(std::string process, runtime::BuildExecProcess(request));

  ASSIGN_OR_RETURN(const std::string name, SessionName());
  ExecSession out;
  out.container_id = container.id;
  out.dir = absl::StrCat(options_.attach_dir, "/", name);
  RETURN_IF_ERROR(fs::MakeDirs(out.dir, 0700));
  auto remove_dir = absl::MakeCleanup([&out] {
    std::error_code ignored;
    stdfs::remove_all(out.dir, ignored);
  });

  monitor::ExecLaunch launch;
  launch.monitor_path = handler->monitor_path;
  launch.container_id = container.id;
  launch.runtime_path = handler->runtime_path;
  launch.runtime_root = handler->runtime_root;
  launch.runtime_args = handler->runtime_flags;
  launch.process_json = std::move(process);
  launch.process_file = out.dir + "/process.json";
  launch.pid_file = out.dir + "/pid";
  launch.exit_file = out.dir + "/exit";
  launch.attach_socket_path = out.dir + "/attach";
  launch.control_path = out.dir + "/ctl";
  launch.tty = tty;
  launch.stdin = stdin;
  launch.env = MonitorEnv(*handler);
  log::Debug(ctx, "Starting an exec session in {} under {}", container.id, out.dir);
  auto started = launcher_->StartExec(launch);
  if (!started.ok()) return Annotate(started.status(), "exec in the container");
  out.session = std::move(*started);
  std::move(remove_dir).Cancel();
  return out;
}

void ContainerManager::EndExecSession(const RequestContext& ctx, ExecSession& session) {
  session.session.stream.reset();
  // The monitor writes the exit file as it ends, even when the client left first: the
  // directory goes only after it has gone, or the write would make it again.
  if (session.session.monitor_pid > 0 &&
      !launcher_->WaitEnd(session.session.monitor_pid, session.container_id,
                          std::chrono::seconds(10))) {
    log::Warn(ctx, "The exec monitor {} did not end within 10s", session.session.monitor_pid);
  }
  std::error_code ignored;
  stdfs::remove_all(session.dir, ignored);
}

absl::StatusOr<std::unique_ptr<monitor::AttachStream>> ContainerManager::OpenAttach(
    const std::string& id) {
  ASSIGN_OR_RETURN(const store::ContainerRecord container, Running(id));
  return launcher_->OpenAttach(AttachDir(container.id) + "/attach",
                               AttachDir(container.id) + "/ctl");
}

absl::Status ContainerManager::UpdateResources(const RequestContext& ctx, const std::string& id,
                                               const std::string& resources_json) {
  ASSIGN_OR_RETURN(const store::ContainerRecord container, Status(id));
  if (container.state == store::ContainerState::kExited) {
    return absl::FailedPreconditionError(absl::StrCat("container ", container.id, " has exited"));
  }
  ASSIGN_OR_RETURN(const auto handler, HandlerOf(container));
  RETURN_IF_ERROR(handler->runtime->Update(ctx, container.id, resources_json));
  return state_
      .UpdateContainer(
          container.id,
          [&resources_json](store::ContainerRecord& c) { c.resources_json = resources_json; })
      .status();
}

absl::Status ContainerManager::ReopenLog(const RequestContext&, const std::string& id) {
  ASSIGN_OR_RETURN(const store::ContainerRecord container, Running(id));
  return launcher_->ReopenLog(AttachDir(container.id) + "/ctl");
}

std::vector<store::ContainerRecord> ContainerManager::PodContainers(const std::string& pod_id) {
  store::ContainerFilter filter;
  filter.pod_id = pod_id;
  filter.include_unfinished = true;
  filter.include_infra = true;
  std::vector<store::ContainerRecord> containers = state_.ListContainers(filter);
  std::stable_partition(containers.begin(), containers.end(),
                        [](const store::ContainerRecord& c) { return !c.infra; });
  return containers;
}

absl::Status ContainerManager::StopAllInPod(const RequestContext& ctx, const std::string& pod_id) {
  for (const store::ContainerRecord& container : PodContainers(pod_id)) {
    if (container.phase != store::Phase::kCreated) continue;
    ASSIGN_OR_RETURN(const store::ContainerRecord current, Current(container.id));
    RETURN_IF_ERROR(StopRecord(ctx, current, std::chrono::seconds(0)));
  }
  return absl::OkStatus();
}

absl::Status ContainerManager::RemoveAllInPod(const RequestContext& ctx,
                                              const std::string& pod_id) {
  for (const store::ContainerRecord& container : PodContainers(pod_id)) {
    RETURN_IF_ERROR(RemoveRecord(ctx, container));
  }
  return absl::OkStatus();
}

}  // namespace crio::container
