// Pod sandboxes: run dirs, pinned namespaces, /dev/shm, the CNI attachment, and their
// undoing.

#include "crio/sandbox/pods.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crio/common/clock.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"
#include "crio/config/values.h"
#include "crio/network/bandwidth.h"
#include "crio/sandbox/namespaces.h"

namespace crio::sandbox {
namespace {

namespace stdfs = std::filesystem;

constexpr std::size_t kMaxHostResolvConf = 64 * 1024;
constexpr std::size_t kMaxHostHosts = 1024 * 1024;
constexpr std::size_t kMaxHostname = 253;  // a DNS name; the kernel takes 64 per label

bool PlainToken(const std::string& text) {
  return !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
  });
}

absl::Status ValidHostname(const std::string& hostname) {
  if (hostname.size() > kMaxHostname || hostname.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("hostname \"", hostname, "\" is longer than 64 characters"));
  }
  for (char c : hostname) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '.') {
      return absl::InvalidArgumentError(
          absl::StrCat("hostname \"", hostname, "\" has characters a hostname cannot have"));
    }
  }
  return absl::OkStatus();
}

std::string HostHostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

bool IsLoopbackAddress(const std::string& ip) {
  in_addr v4{};
  if (::inet_pton(AF_INET, ip.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, ip.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool IsMountPoint(const std::string& path) {
  struct stat self {};
  struct stat parent {};
  if (::lstat(path.c_str(), &self) != 0) return false;
  if (::lstat((path + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

// A pinned namespace file is an nsfs mount; after a reboot it is an empty file, or gone.
bool IsPinnedNamespace(const std::string& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

absl::Status UnmountIfMounted(const std::string& path) {
  if (path.empty() || !IsMountPoint(path)) return absl::OkStatus();
  if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL &&
      errno != ENOENT) {
    return fs::ErrnoStatus(errno, absl::StrCat("unmount ", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ResolvConfText(const DnsConfig& dns, const std::string& host_file) {
  if (dns.servers.empty() && dns.searches.empty() && dns.options.empty()) {
    auto host = fs::ReadFile(host_file, kMaxHostResolvConf);
    if (absl::IsNotFound(host.status())) return std::string();
    return host;
  }
  const auto check = [](const std::vector<std::string>& entries, const char* field) {
    for (const auto& entry : entries) {
      if (!PlainToken(entry)) {
        return absl::InvalidArgumentError(absl::StrCat("dns_config.", field, " entry \"", entry,
                                                       "\" is empty or has whitespace"));
      }
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(check(dns.servers, "servers"));
  RETURN_IF_ERROR(check(dns.searches, "searches"));
  RETURN_IF_ERROR(check(dns.options, "options"));
  std::string text;
  if (!dns.searches.empty())
    absl::StrAppend(&text, "search ", absl::StrJoin(dns.searches, " "), "\n");
  for (const auto& server : dns.servers) absl::StrAppend(&text, "nameserver ", server, "\n");
  if (!dns.options.empty())
    absl::StrAppend(&text, "options ", absl::StrJoin(dns.options, " "), "\n");
  return text;
}

std::string HostsText(const std::string& hostname, const std::vector<std::string>& ips) {
  std::string text =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  if (hostname.empty()) return text;
  if (ips.empty()) absl::StrAppend(&text, "127.0.1.1\t", hostname, "\n");
  for (const auto& ip : ips) absl::StrAppend(&text, ip, "\t", hostname, "\n");
  return text;
}

absl::StatusOr<network::PodAttachment> AttachmentFor(const PodRequest& request) {
  network::PodAttachment attachment;
  attachment.container_id = request.pod.id;
  attachment.netns_path = request.pod.netns_path;
  attachment.pod_namespace = request.pod.pod_namespace;
  attachment.pod_name = request.pod.name;
  attachment.pod_uid = request.pod.uid;
  for (const auto& mapping : request.port_mappings) {
    // Without a host port there is nothing to forward: the pod's own port is reachable.
    if (mapping.host_port > 0) attachment.capabilities.port_mappings.push_back(mapping);
  }
  const DnsConfig& dns = request.dns;
  if (!dns.servers.empty() || !dns.searches.empty() || !dns.options.empty()) {
    attachment.capabilities.dns = dns;
  }
  ASSIGN_OR_RETURN(attachment.capabilities.bandwidth,
                   network::BandwidthFromAnnotations(request.pod.annotations));
  attachment.capabilities.cgroup_path = request.pod.cgroup_parent;
  attachment.capabilities.pod_annotations = request.pod.annotations;
  return attachment;
}

network::PodIps PodIpsOf(const network::PodIps& ips) {
  std::vector<std::string> all;
  if (!ips.primary.empty()) all.push_back(ips.primary);
  all.insert(all.end(), ips.additional.begin(), ips.additional.end());
  std::erase_if(all, IsLoopbackAddress);
  network::PodIps out;
  if (all.empty()) return out;
  out.primary = all.front();
  out.additional.assign(all.begin() + 1, all.end());
  return out;
}

PodManager::PodManager(store::Store& store, PodOptions options, PodContainerHooks hooks)
    : store_(store), options_(std::move(options)), hooks_(std::move(hooks)) {}

absl::StatusOr<std::string> PodManager::Run(const RequestContext& ctx, PodRequest request) {
  store::PodRecord& pod = request.pod;
  if (pod.name.empty()) {
    return absl::InvalidArgumentError("config.metadata.name is empty");
  }
  if (pod.pod_namespace.empty()) {
    return absl::InvalidArgumentError("config.metadata.namespace is empty");
  }
  if (!pod.log_directory.empty() && pod.log_directory.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("config.log_directory \"", pod.log_directory, "\" is not an absolute path"));
  }
  for (const auto& [key, value] : request.sysctls) {
    if (absl::Status text = config::CheckSysctlText(key, value); !text.ok()) {
      return Annotate(text, "config.linux.sysctls");
    }
  }
  // Host-network pods see the host's UTS namespace, so they get its name (as in CRI-O).
  if (pod.hostname.empty() || pod.host_network) pod.hostname = HostHostname();
  RETURN_IF_ERROR(ValidHostname(pod.hostname));
  if (pod.cgroup_parent.empty()) {
    pod.cgroup_parent = options_.cgroup_manager == "systemd" ? "system.slice" : "/crio";
  }
  ASSIGN_OR_RETURN(const std::string resolv_conf,
                   ResolvConfText(request.dns, options_.host_resolv_conf));
  // The network is looked up before anything is made: without one the pod could not
  // get an address, and there would be nothing to undo.
  const bool use_cni = options_.cni != nullptr && !pod.host_network;
  std::optional<network::CniNetwork> cni_network;
  network::PodAttachment attachment;
  if (use_cni) {
    auto current = options_.network->Current();
    if (!current.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the pod network is not ready: ", current.status().message()));
    }
    cni_network = *std::move(current);
    ASSIGN_OR_RETURN(attachment, AttachmentFor(request));
  }

  pod.id = store::NewId();
  pod.phase = store::Phase::kCreating;
  pod.state = store::PodState::kReady;
  pod.created_at = UnixNanosNow();
  pod.run_dir = absl::StrCat(options_.runroot, "/pods/", pod.id);
  pod.resolv_conf_path = pod.run_dir + "/resolv.conf";
  pod.hosts_path = pod.run_dir + "/hosts";
  pod.hostname_path = pod.run_dir + "/hostname";
  pod.shm_path = pod.host_ipc ? "" : pod.run_dir + "/shm";
  std::string mcs_level;  // reserved for this pod until it is removed
  if (options_.mcs != nullptr) {
    auto labels =
        selinux::PodLabelsFor(request.selinux_options, options_.selinux_contexts, *options_.mcs);
    if (!labels.ok()) {
      return Annotate(labels.status(), "config.linux.security_context.selinux_options");
    }
    pod.process_label = labels->process.ToString();
    pod.mount_label = labels->mount.ToString();
    mcs_level = labels->process.level;
  }
  // The record goes first (phase creating): a crash from here on is undone at start.
  if (absl::Status added = store_.AddPod(pod); !added.ok()) {
    if (!mcs_level.empty()) options_.mcs->Release(mcs_level);
    return added;
  }
  bool done = false;
  bool attached = false;  // a failed ADD was undone by the CNI manager already
  absl::Cleanup undo = [&] {
    if (done) return;
    if (attached) {
      if (absl::Status deleted = options_.cni->Del(ctx, &*cni_network, attachment); !deleted.ok()) {
        log::Warn(ctx, "Detaching the failed pod {} from its network: {}", pod.id,
                  deleted.message());
      }
    }
    if (hooks_.remove_all) {
      if (absl::Status removed = hooks_.remove_all(ctx, pod.id); !removed.ok()) {
        log::Warn(ctx, "Removing the containers of the failed pod {}: {}", pod.id,
                  removed.message());
      }
    }
    if (absl::Status released = Release(pod); !released.ok()) {
      log::Warn(ctx, "Cleaning up the failed pod {}: {}", pod.id, released.message());
    }
    std::error_code ec;
    stdfs::remove_all(pod.run_dir, ec);
    (void)store_.RemovePod(pod.id);
    if (!mcs_level.empty()) options_.mcs->Release(mcs_level);
  };

  RETURN_IF_ERROR(fs::MakeDirs(pod.run_dir, 0755));
  RETURN_IF_ERROR(fs::WriteFileAtomic(pod.hostname_path, pod.hostname + "\n", 0644));
  RETURN_IF_ERROR(fs::WriteFileAtomic(pod.resolv_conf_path, resolv_conf, 0644));
  if (!pod.shm_path.empty()) {
    RETURN_IF_ERROR(fs::MakeDirs(pod.shm_path, 0755));
    const std::string data = absl::StrCat("mode=1777,size=", options_.shm_size);
    if (::mount("shm", pod.shm_path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                data.c_str()) != 0) {
      return fs::ErrnoStatus(errno, absl::StrCat("mount the pod's /dev/shm on ", pod.shm_path));
    }
  }
  PinRequest pin{.namespaces_dir = options_.namespaces_dir,
                 .pod_id = pod.id,
                 .net = !pod.host_network,
                 .ipc = !pod.host_ipc,
                 .uts = !pod.host_network,
                 .hostname = pod.hostname,
                 .sysctls = request.sysctls};
  ASSIGN_OR_RETURN(const PinnedNamespaces pinned, PinNamespaces(pin));
  pod.netns_path = pinned.net;
  pod.ipcns_path = pinned.ipc;
  pod.utsns_path = pinned.uts;
  if (use_cni) {
    attachment.container_id = pod.id;
    attachment.netns_path = pod.netns_path;
    ASSIGN_OR_RETURN(const network::AttachResult added,
                     options_.cni->Add(ctx, *cni_network, attachment));
    attached = true;
    const network::PodIps ips = PodIpsOf(added.ips);
    pod.ip = ips.primary;
    pod.additional_ips = ips.additional;
  }
  RETURN_IF_ERROR(fs::WriteFileAtomic(pod.hosts_path, HostsFor(pod), 0644));
  if (hooks_.run_infra) {
    RETURN_IF_ERROR(hooks_.run_infra(ctx, pod));
    pod.infra_container_id = pod.id;
  } else if (pod.share_pid && !pod.host_pid) {
    ASSIGN_OR_RETURN(const pid_t holder, StartPidNamespaceHolder(options_.pause_binary, pod.id));
    pod.pause_pid = holder;
  }
  pod.phase = store::Phase::kCreated;
  RETURN_IF_ERROR(
      store_.UpdatePod(pod.id, [&pod](store::PodRecord& stored) { stored = pod; }).status());
  done = true;
  log::Info(ctx, "Ran pod sandbox {} ({}/{}, netns {}, IP {})", pod.id, pod.pod_namespace, pod.name,
            pod.netns_path.empty() ? "host" : pod.netns_path, pod.ip.empty() ? "none" : pod.ip);
  return pod.id;
}

std::string PodManager::HostsFor(const store::PodRecord& pod) const {
  if (pod.host_network) {
    auto host = fs::ReadFile(options_.host_hosts, kMaxHostHosts);
    if (host.ok()) return *std::move(host);
  }
  std::vector<std::string> ips;
  if (!pod.ip.empty()) ips.push_back(pod.ip);
  ips.insert(ips.end(), pod.additional_ips.begin(), pod.additional_ips.end());
  return HostsText(pod.hostname, ips);
}

std::optional<absl::Status> PodManager::NetworkStatus() const {
  if (options_.network == nullptr) return std::nullopt;
  return options_.network->Current().status();
}

absl::Status PodManager::TearDownNetwork(const RequestContext& ctx, const store::PodRecord& pod) {
  if (options_.cni == nullptr || pod.host_network) return absl::OkStatus();
  network::PodAttachment attachment;
  attachment.container_id = pod.id;
  // A namespace that is gone (after a reboot, or a second Stop) reaches the plugins as
  // an empty CNI_NETNS: they release what is outside it (IPAM, host-side rules).
  attachment.netns_path = pod.netns_path;
  attachment.pod_namespace = pod.pod_namespace;
  attachment.pod_name = pod.name;
  attachment.pod_uid = pod.uid;
  // The cached ADD says what to undo; the current network serves pods without one.
  const auto current = options_.network->Current();
  return Annotate(options_.cni->Del(ctx, current.ok() ? &*current : nullptr, attachment),
                  absl::StrCat("detach pod sandbox ", pod.id, " from its network"));
}

absl::Status PodManager::Release(const store::PodRecord& pod) {
  StopPidNamespaceHolder(pod.pause_pid, pod.id);
  if (pod.share_pid && pod.pause_pid <= 0 && pod.phase != store::Phase::kCreated) {
    // Half-created: the daemon may have died after starting the holder but before
    // recording its pid.
    for (const pid_t holder : FindPidNamespaceHolders(pod.id))
      StopPidNamespaceHolder(holder, pod.id);
  }
  RETURN_IF_ERROR(
      UnpinNamespaces({.net = pod.netns_path, .ipc = pod.ipcns_path, .uts = pod.utsns_path}));
  // A pod made before its record had the paths may still have pinned files.
  if (!pod.id.empty() && !options_.namespaces_dir.empty()) {
    RETURN_IF_ERROR(UnpinNamespaces({.net = options_.namespaces_dir + "/netns/" + pod.id,
                                     .ipc = options_.namespaces_dir + "/ipcns/" + pod.id,
                                     .uts = options_.namespaces_dir + "/utsns/" + pod.id}));
  }
  return UnmountIfMounted(pod.shm_path);
}

namespace {

// The MCS level of a pod's labels ("" when it has none).
std::string McsLevelOf(const store::PodRecord& pod) {
  if (pod.process_label.empty()) return "";
  auto label = selinux::Label::Parse(pod.process_label);
  return label.ok() ? label->level : "";
}

}  // namespace

void PodManager::ReserveMcsLevel(const RequestContext& ctx, const store::PodRecord& pod) {
  const std::string level = McsLevelOf(pod);
  if (options_.mcs == nullptr || level.empty()) return;
  if (absl::Status reserved = options_.mcs->Reserve(level); !reserved.ok()) {
    log::Warn(ctx, "Pod sandbox {}: keeping its SELinux level {}: {}", pod.id, level,
              reserved.message());
  }
}

void PodManager::ReleaseMcsLevel(const store::PodRecord& pod) {
  const std::string level = McsLevelOf(pod);
  if (options_.mcs != nullptr && !level.empty()) options_.mcs->Release(level);
}

absl::Status PodManager::Stop(const RequestContext& ctx, const std::string& id) {
  auto pod = store_.GetPod(id);
  if (absl::IsNotFound(pod.status())) {
    log::Debug(ctx, "Pod sandbox {} is already gone", id);
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(pod.status());
  if (hooks_.stop_all) RETURN_IF_ERROR(hooks_.stop_all(ctx, pod->id));
  RETURN_IF_ERROR(TearDownNetwork(ctx, *pod));
  RETURN_IF_ERROR(Release(*pod));
  if (pod->state != store::PodState::kNotReady) {
    RETURN_IF_ERROR(
        store_.UpdatePod(pod->id, [](store::PodRecord& p) { p.state = store::PodState::kNotReady; })
            .status());
    log::Info(ctx, "Stopped pod sandbox {}", pod->id);
  }
  return absl::OkStatus();
}

absl::Status PodManager::Remove(const RequestContext& ctx, const std::string& id) {
  auto pod = store_.GetPod(id);
  if (absl::IsNotFound(pod.status())) {
    log::Debug(ctx, "Pod sandbox {} is already gone", id);
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(pod.status());
  RETURN_IF_ERROR(Stop(ctx, pod->id));
  if (hooks_.remove_all) RETURN_IF_ERROR(hooks_.remove_all(ctx, pod->id));
  std::error_code ec;
  stdfs::remove_all(pod->run_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("remove ", pod->run_dir, ": ", ec.message()));
  RETURN_IF_ERROR(store_.RemovePod(pod->id));
  ReleaseMcsLevel(*pod);
  log::Info(ctx, "Removed pod sandbox {}", pod->id);
  return absl::OkStatus();
}

void PodManager::Recover(const RequestContext& ctx) {
  store::PodFilter all;
  all.include_unfinished = true;
  for (const auto& pod : store_.ListPods(all)) {
    if (pod.phase != store::Phase::kCreated) {
      log::Warn(ctx, "Removing pod sandbox {} left half-created by an earlier run", pod.id);
      if (hooks_.remove_all) (void)hooks_.remove_all(ctx, pod.id);
      if (absl::Status detached = TearDownNetwork(ctx, pod); !detached.ok()) {
        log::Warn(ctx, "{}", detached.message());
      }
      (void)Release(pod);
      std::error_code ec;
      stdfs::remove_all(pod.run_dir, ec);
      (void)store_.RemovePod(pod.id);
      continue;
    }
    ReserveMcsLevel(ctx, pod);
    const bool lost_pid_ns =
        pod.share_pid && pod.pause_pid > 0 && !PidNamespaceHolderRunning(pod.pause_pid, pod.id);
    if (pod.state == store::PodState::kReady &&
        ((!pod.netns_path.empty() && !IsPinnedNamespace(pod.netns_path)) || lost_pid_ns)) {
      // A namespace is gone (a reboot): the pod cannot run containers any more.
      log::Warn(ctx, "Pod sandbox {} lost its namespaces; marking it NotReady", pod.id);
      if (absl::Status detached = TearDownNetwork(ctx, pod); !detached.ok()) {
        log::Warn(ctx, "{}", detached.message());
      }
      (void)Release(pod);
      (void)store_.UpdatePod(pod.id,
                             [](store::PodRecord& p) { p.state = store::PodState::kNotReady; });
    }
  }
}

}  // namespace crio::sandbox
