#pragma once

// Container and pod resource usage, read from the containers' cgroups (v1 or v2) and
// their writable layers, for ContainerStats / ListContainerStats / PodSandboxStats /
// ListPodSandboxStats. The CPU rate (usage_nano_cores) is the change between two
// samples, so the previous sample of each container is kept in memory.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crio/container/containers.h"
#include "crio/image/rootfs.h"
#include "crio/store/store.h"

namespace crio::stats {

enum class CgroupVersion { kV1, kV2 };

/// v2 when `root` is a cgroup2 mount (unified hierarchy), else v1 (one dir per controller).
CgroupVersion DetectCgroupVersion(const std::string& root);

/// The cgroup dir, relative to the hierarchy root, that an OCI `linux.cgroupsPath` names:
/// cgroupfs paths as they are ("/crio/crio-<id>"), systemd's "slice:prefix:name" as
/// "<slice path>/<prefix>-<name>.scope" ("kubepods-burstable.slice:crio:ab" ->
/// "/kubepods.slice/kubepods-burstable.slice/crio-ab.scope").
/// @return InvalidArgument for a malformed systemd form
absl::StatusOr<std::string> CgroupDirOf(const std::string& cgroups_path);

/// One reading of a cgroup. Fields missing from the files stay empty.
struct CgroupSample {
  std::optional<std::uint64_t> cpu_usage_ns;  ///< cumulative
  std::optional<std::uint64_t> memory_usage;  ///< bytes
  std::optional<std::uint64_t> working_set;   ///< usage minus inactive_file, as kubelet does
  std::optional<std::uint64_t> rss;
  std::optional<std::uint64_t> page_faults;
  std::optional<std::uint64_t> major_page_faults;
  std::optional<std::uint64_t> memory_limit;  ///< only when a limit is set
};

/// Reads the cgroup `dir` (relative, as CgroupDirOf answers) under `root`.
/// @return NotFound when the cgroup does not exist (the container is gone)
absl::StatusOr<CgroupSample> ReadCgroup(const std::string& root, CgroupVersion version,
                                        const std::string& dir);

/// CPU use in nanoseconds of CPU per second between two cumulative readings taken at
/// `prev_ns` and `now_ns` (unix nanoseconds); 0 when time did not advance or the
/// counter went back (a new cgroup with the same id).
std::uint64_t NanoCores(std::uint64_t prev_usage, std::int64_t prev_ns, std::uint64_t usage,
                        std::int64_t now_ns);

struct CpuStats {
  std::int64_t timestamp = 0;
  std::uint64_t usage_core_nano_seconds = 0;
  std::optional<std::uint64_t> usage_nano_cores;  ///< needs a previous sample
};

struct MemoryStats {
  std::int64_t timestamp = 0;
  std::uint64_t working_set_bytes = 0;
  std::optional<std::uint64_t> available_bytes;  ///< only when a limit is set
  std::uint64_t usage_bytes = 0;
  std::uint64_t rss_bytes = 0;
  std::uint64_t page_faults = 0;
  std::uint64_t major_page_faults = 0;
};

struct WritableLayerStats {
  std::int64_t timestamp = 0;
  std::string mountpoint;  ///< the rootfs dir holding the container's upper dir
  std::uint64_t used_bytes = 0;
  std::uint64_t inodes_used = 0;
};

/// Counters of one network interface, as the kernel keeps them (/proc/net/dev).
struct InterfaceStats {
  std::string name;
  std::uint64_t rx_bytes = 0;
  std::uint64_t rx_errors = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_errors = 0;
};

/// The interfaces in /proc/net/dev text, loopback left out (a pod talking to itself uses
/// no network), in the file's order.
/// @return InvalidArgument naming the line when a line is not "<name>: <16 counters>"
absl::StatusOr<std::vector<InterfaceStats>> ParseNetDev(absl::string_view text);

/// The interfaces of the network namespace pinned at `netns_path`, read on a short-lived
/// thread that enters it (no daemon thread changes namespace).
/// @return FailedPrecondition when the namespace is gone
absl::StatusOr<std::vector<InterfaceStats>> ReadNamespaceInterfaces(const std::string& netns_path);

/// A pod's network use: its interfaces, and among them the one CNI made (eth0), which
/// the kubelet reports as the pod's.
struct NetworkStats {
  std::int64_t timestamp = 0;
  std::optional<InterfaceStats> default_interface;
  std::vector<InterfaceStats> interfaces;
};

struct ContainerStats {
  store::ContainerRecord container;
  std::optional<CpuStats> cpu;        ///< empty when the cgroup is gone
  std::optional<MemoryStats> memory;  ///< empty when the cgroup is gone
  std::optional<WritableLayerStats> writable_layer;
};

struct PodStats {
  store::PodRecord pod;
  std::optional<CpuStats> cpu;  ///< the containers' sums
  std::optional<MemoryStats> memory;
  std::vector<ContainerStats> containers;
  /// Empty for host-network pods (the host's traffic is not theirs) and stopped ones.
  std::optional<NetworkStats> network;
};

struct StatsOptions {
  std::string cgroup_root = "/sys/fs/cgroup";
  std::string rootfs_dir;  ///< reported as the writable layer's fs_id mountpoint
  /// Unix nanoseconds; tests replace it.
  std::function<std::int64_t()> now;
  /// The interfaces of a pod's pinned network namespace; tests replace it.
  std::function<absl::StatusOr<std::vector<InterfaceStats>>(const std::string& netns_path)>
      read_interfaces;
  /// The interface CNI gives pods (CNI_IFNAME), reported as the default one.
  std::string default_interface = "eth0";
};

class StatsCollector {
 public:
  StatsCollector(store::Store& state, container::ContainerManager& containers,
                 image::RootfsManager& rootfs, StatsOptions options);

  /// NotFound for an unknown container. An exited container gets its writable layer only.
  absl::StatusOr<ContainerStats> Container(const std::string& id);
  /// The containers that match and are not exited, as CRI-O lists them.
  std::vector<ContainerStats> ListContainers(const store::ContainerFilter& filter);

  /// NotFound for an unknown pod.
  absl::StatusOr<PodStats> Pod(const std::string& id);
  std::vector<PodStats> ListPods(const store::PodFilter& filter);

 private:
  ContainerStats Collect(const store::ContainerRecord& container);
  PodStats CollectPod(const store::PodRecord& pod);
  std::optional<NetworkStats> CollectNetwork(const store::PodRecord& pod, std::int64_t now);
  absl::StatusOr<std::string> CgroupDir(const store::ContainerRecord& container);

  struct Previous {
    std::int64_t at = 0;
    std::uint64_t usage = 0;
  };

  store::Store& state_;
  container::ContainerManager& containers_;
  image::RootfsManager& rootfs_;
  StatsOptions options_;
  CgroupVersion version_;

  absl::Mutex mu_;
  std::map<std::string, Previous> previous_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> cgroup_dirs_ ABSL_GUARDED_BY(mu_);  ///< by container id
};

}  // namespace crio::stats
