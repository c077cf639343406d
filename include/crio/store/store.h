#pragma once

// The state of pods and containers: an in-memory index that answers the kubelet's frequent
// List/Status calls without touching the disk, and one JSON file per object written
// atomically on every change, so that a restarted daemon finds every pod and container
// again with the same ids, names, labels and states.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace crio::store {

using Labels = std::map<std::string, std::string>;

/// How far creation got. A record still `kCreating` at start-up belongs to a create the
/// daemon did not finish (it crashed or was killed): its leftovers are removed.
enum class Phase { kCreating, kCreated };

enum class PodState { kReady, kNotReady };

struct PodRecord {
  std::string id;
  Phase phase = Phase::kCreating;
  // Metadata, as the CRI gave it.
  std::string name;
  std::string uid;
  std::string pod_namespace;
  std::uint32_t attempt = 0;
  Labels labels;
  Labels annotations;
  std::string runtime_handler;  ///< as requested ("" = the default)
  std::int64_t created_at = 0;  ///< unix nanoseconds
  PodState state = PodState::kReady;

  std::string hostname;
  std::string log_directory;
  std::string cgroup_parent;
  bool host_network = false;
  bool host_ipc = false;
  bool host_pid = false;
  bool share_pid = false;      ///< namespace_options.pid == POD: containers share one PID ns
  std::int32_t pause_pid = 0;  ///< PID 1 of the shared PID namespace (share_pid only)
  /// The pause container holding the pod's namespaces (drop_infra_ctr = false); it has
  /// the pod's id, as in CRI-O. "" when the pod has none.
  std::string infra_container_id;
  // Pinned namespaces (bind-mounted files); "" where the host's is used.
  std::string netns_path;
  std::string ipcns_path;
  std::string utsns_path;
  // Files the pod's containers get (under the pod's run dir).
  std::string run_dir;
  std::string resolv_conf_path;
  std::string hosts_path;
  std::string hostname_path;
  std::string shm_path;  ///< "" when the pod uses the host's IPC (and /dev/shm)
  std::string ip;        ///< from CNI (a later issue)
  std::vector<std::string> additional_ips;
  std::string config_json;  ///< the PodSandboxConfig as JSON, for verbose status
  /// SELinux labels of the pod (its containers start from them); "" without SELinux.
  std::string process_label;
  std::string mount_label;
};

enum class ContainerState { kCreated, kRunning, kExited, kUnknown };

struct MountRecord {
  std::string container_path;
  std::string host_path;
  bool readonly = false;
  bool selinux_relabel = false;
  int propagation = 0;  ///< CRI MountPropagation value
};

struct ContainerRecord {
  std::string id;
  Phase phase = Phase::kCreating;
  std::string pod_id;
  std::string name;
  std::uint32_t attempt = 0;
  Labels labels;
  Labels annotations;
  std::string image;      ///< as the CRI gave it (ContainerConfig.image.image)
  std::string image_id;   ///< "sha256:..."
  std::string image_ref;  ///< a repo digest when known, else the image id
  std::string runtime_handler;
  std::int64_t created_at = 0;
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  std::int32_t exit_code = 0;
  std::string reason;  ///< "Completed", "Error", "OOMKilled", "ContainerCannotRun"...
  std::string message;
  ContainerState state = ContainerState::kCreated;
  std::string log_path;  ///< absolute
  std::string bundle_dir;
  std::string rootfs;  ///< the root filesystem path
  std::int32_t pid = 0;
  std::int32_t monitor_pid = 0;
  std::string monitor_cgroup;  ///< the monitor's own cgroup (monitor_cgroup = "pod"), or ""
  std::string stop_signal;     ///< from the image, e.g. "SIGTERM"
  bool tty = false;
  bool stdin = false;
  bool stdin_once = false;
  std::vector<MountRecord> mounts;
  std::string resources_json;  ///< the OCI linux.resources applied, for status
  /// The pod's pause container: not a CRI container, so hidden from the CRI's
  /// container calls and lists.
  bool infra = false;
  /// The manifest digest of the seccomp profile's OCI artifact, when it came from one,
  /// so that unused artifacts can be pruned.
  std::string seccomp_artifact;
  /// The record in the form a list answer carries it, kept by the store with every
  /// change when an encoder is set (SetContainerEncoder); never persisted.
  std::string list_entry;
};

/// ListPodSandbox's filter; empty fields match everything.
struct PodFilter {
  std::string id;  ///< a full id or a unique prefix
  std::optional<PodState> state;
  Labels label_selector;            ///< every pair must match
  bool include_unfinished = false;  ///< also pods still being created (recovery)
};

/// ListContainers' filter; empty fields match everything.
struct ContainerFilter {
  std::string id;      ///< a full id or a unique prefix
  std::string pod_id;  ///< a full id or a unique prefix
  std::optional<ContainerState> state;
  Labels label_selector;
  bool include_unfinished = false;  ///< also containers still being created (recovery)
  bool include_infra = false;       ///< also the pods' pause containers
};

class Store {
 public:
  /// Opens (creating) `dir` and loads every record. Unreadable records are moved aside
  /// with a warning rather than stopping the daemon.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir);

  // --- pods ---
  /// @return AlreadyExists when the id or the pod's name (name, namespace, uid, attempt)
  ///     is taken, naming the pod that has it
  absl::Status AddPod(const PodRecord& pod);
  /// Applies `change` to the pod and persists it; the change sees the current record.
  absl::StatusOr<PodRecord> UpdatePod(const std::string& id,
                                      const std::function<void(PodRecord&)>& change);
  absl::Status RemovePod(const std::string& id);  ///< a missing pod is not an error
  /// By full id or unique prefix. NotFound / InvalidArgument (ambiguous prefix).
  absl::StatusOr<PodRecord> GetPod(const std::string& id_or_prefix) const;
  std::vector<PodRecord> ListPods(const PodFilter& filter = {}) const;

  // --- containers ---
  /// @return AlreadyExists when the id, or the name within its pod (name and attempt), is
  ///     taken; NotFound when the pod does not exist
  absl::Status AddContainer(const ContainerRecord& container);
  absl::StatusOr<ContainerRecord> UpdateContainer(
      const std::string& id, const std::function<void(ContainerRecord&)>& change);
  absl::Status RemoveContainer(const std::string& id);
  absl::StatusOr<ContainerRecord> GetContainer(const std::string& id_or_prefix) const;
  std::vector<ContainerRecord> ListContainers(const ContainerFilter& filter = {}) const;
  /// Calls `visit` for each container ListContainers would return, without copying the
  /// records (ListContainers at 1,000 containers, every second from the kubelet). It runs
  /// under the store's reader lock: it must not call the store.
  void VisitContainers(const ContainerFilter& filter,
                       const std::function<void(const ContainerRecord&)>& visit) const;
  /// From now on every container's `list_entry` is `encode(record)`, refreshed with each
  /// change: a list answer is then the entries side by side, with no encoding per call.
  /// `encode` runs with the store's locks held: it must not call the store.
  void SetContainerEncoder(std::function<std::string(const ContainerRecord&)> encode);

  /// Told of each change once it is on disk and visible: `before` is null for an add,
  /// `after` null for a removal. Observers run in the order of the changes, with other
  /// writers held off but readers free: they may read the store, never change it.
  struct Observer {
    std::function<void(const PodRecord* before, const PodRecord* after)> pod_changed;
    std::function<void(const ContainerRecord* before, const ContainerRecord* after)>
        container_changed;
  };
  /// Replaces the observer; an empty one stops the notifications.
  void SetObserver(Observer observer);

 private:
  explicit Store(std::string dir) : dir_(std::move(dir)) {}
  absl::Status Load();
  std::string PodFile(const std::string& id) const;
  std::string ContainerFile(const std::string& id) const;
  absl::StatusOr<std::string> ResolvePodLocked(const std::string& id_or_prefix) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> ResolveContainerLocked(const std::string& id_or_prefix) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  std::string dir_;
  // Writers hold write_mu_ for a whole change, file write and fsync included, and mu_
  // only to swap the result into the maps: readers (ListContainers, every second from
  // the kubelet) never wait on the disk.
  absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  std::map<std::string, PodRecord> pods_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ContainerRecord> containers_ ABSL_GUARDED_BY(mu_);
  std::function<std::string(const ContainerRecord&)> encode_ ABSL_GUARDED_BY(write_mu_);
  Observer observer_ ABSL_GUARDED_BY(write_mu_);
};

// JSON forms, as stored on disk (exposed for tests and verbose status).
std::string PodToJson(const PodRecord& pod);
absl::StatusOr<PodRecord> PodFromJson(const std::string& text);
std::string ContainerToJson(const ContainerRecord& container);
absl::StatusOr<ContainerRecord> ContainerFromJson(const std::string& text);

/// A fresh 64-hex-digit random id, as CRI-O and containerd make them.
std::string NewId();

}  // namespace crio::store
