// StatsCollector: container records -> cgroup readings + writable layer usage.

#include <chrono>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "crio/common/status.h"
#include "crio/stats/stats.h"

namespace crio::stats {
namespace {

std::int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

StatsCollector::StatsCollector(store::Store& state, container::ContainerManager& containers,
                               image::RootfsManager& rootfs, StatsOptions options)
    : state_(state),
      containers_(containers),
      rootfs_(rootfs),
      options_(std::move(options)),
      version_(DetectCgroupVersion(options_.cgroup_root)) {
  if (!options_.now) options_.now = SystemNow;
  if (!options_.read_interfaces) options_.read_interfaces = ReadNamespaceInterfaces;
}

absl::StatusOr<std::string> StatsCollector::CgroupDir(const store::ContainerRecord& container) {
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cgroup_dirs_.find(container.id); it != cgroup_dirs_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(const std::string text, containers_.RuntimeSpec(container));
  std::string cgroups_path;
  try {
    const auto spec = nlohmann::json::parse(text);
    cgroups_path = spec.at("linux").at("cgroupsPath").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return absl::InternalError(
        absl::StrCat("linux.cgroupsPath of container ", container.id, ": ", e.what()));
  }
  ASSIGN_OR_RETURN(std::string dir, CgroupDirOf(cgroups_path));
  absl::MutexLock lock(&mu_);
  cgroup_dirs_[container.id] = dir;
  return dir;
}

ContainerStats StatsCollector::Collect(const store::ContainerRecord& container) {
  ContainerStats stats;
  stats.container = container;
  const std::int64_t now = options_.now();

  if (container.state != store::ContainerState::kExited) {
    auto dir = CgroupDir(container);
    auto sample = dir.ok() ? ReadCgroup(options_.cgroup_root, version_, *dir)
                           : absl::StatusOr<CgroupSample>(dir.status());
    if (sample.ok()) {
      if (sample->cpu_usage_ns) {
        CpuStats cpu;
        cpu.timestamp = now;
        cpu.usage_core_nano_seconds = *sample->cpu_usage_ns;
        absl::MutexLock lock(&mu_);
        auto [it, inserted] = previous_.try_emplace(container.id);
        if (!inserted) {
          cpu.usage_nano_cores =
              NanoCores(it->second.usage, it->second.at, cpu.usage_core_nano_seconds, now);
        }
        it->second = Previous{now, cpu.usage_core_nano_seconds};
        stats.cpu = cpu;
      }
      if (sample->memory_usage) {
        MemoryStats memory;
        memory.timestamp = now;
        memory.usage_bytes = *sample->memory_usage;
        memory.working_set_bytes = sample->working_set.value_or(0);
        memory.rss_bytes = sample->rss.value_or(0);
        memory.page_faults = sample->page_faults.value_or(0);
        memory.major_page_faults = sample->major_page_faults.value_or(0);
        if (sample->memory_limit) {
          memory.available_bytes = *sample->memory_limit > memory.working_set_bytes
                                       ? *sample->memory_limit - memory.working_set_bytes
                                       : 0;
        }
        stats.memory = memory;
      }
    }
  }
  if (container.state == store::ContainerState::kExited) {
    absl::MutexLock lock(&mu_);
    previous_.erase(container.id);
  }

  if (auto usage = rootfs_.WritableUsage(container.id); usage.ok()) {
    WritableLayerStats layer;
    layer.timestamp = now;
    layer.mountpoint = options_.rootfs_dir;
    layer.used_bytes = usage->used_bytes;
    layer.inodes_used = usage->inodes_used;
    stats.writable_layer = layer;
  }
  return stats;
}

absl::StatusOr<ContainerStats> StatsCollector::Container(const std::string& id) {
  ASSIGN_OR_RETURN(const store::ContainerRecord container, containers_.Status(id));
  return Collect(container);
}

std::vector<ContainerStats> StatsCollector::ListContainers(const store::ContainerFilter& filter) {
  std::vector<ContainerStats> out;
  std::set<std::string> listed;
  for (const store::ContainerRecord& container : state_.ListContainers(filter)) {
    // Exits are learnt lazily; Status() records one that has just happened.
    auto current = containers_.Status(container.id);
    if (!current.ok() || current->state == store::ContainerState::kExited) continue;
    listed.insert(current->id);
    out.push_back(Collect(*current));
  }
  // Forget the samples of containers that no longer exist.
  std::set<std::string> existing;
  for (const auto& container : state_.ListContainers()) existing.insert(container.id);
  absl::MutexLock lock(&mu_);
  std::erase_if(previous_, [&](const auto& entry) { return !existing.contains(entry.first); });
  std::erase_if(cgroup_dirs_, [&](const auto& entry) { return !existing.contains(entry.first); });
  return out;
}

PodStats StatsCollector::CollectPod(const store::PodRecord& pod) {
  PodStats stats;
  stats.pod = pod;
  store::ContainerFilter filter;
  filter.pod_id = pod.id;
  stats.containers = ListContainers(filter);
  const std::int64_t now = options_.now();
  // The pod's cgroup parent is shared by default (/crio, system.slice), so the pod's
  // usage is the sum of its containers'.
  for (const ContainerStats& container : stats.containers) {
    if (container.cpu) {
      if (!stats.cpu) {
        stats.cpu = CpuStats{};
        stats.cpu->timestamp = now;
      }
      stats.cpu->usage_core_nano_seconds += container.cpu->usage_core_nano_seconds;
      if (container.cpu->usage_nano_cores) {
        stats.cpu->usage_nano_cores =
            stats.cpu->usage_nano_cores.value_or(0) + *container.cpu->usage_nano_cores;
      }
    }
    if (container.memory) {
      if (!stats.memory) {
        stats.memory = MemoryStats{};
        stats.memory->timestamp = now;
      }
      MemoryStats& sum = *stats.memory;
      sum.working_set_bytes += container.memory->working_set_bytes;
      sum.usage_bytes += container.memory->usage_bytes;
      sum.rss_bytes += container.memory->rss_bytes;
      sum.page_faults += container.memory->page_faults;
      sum.major_page_faults += container.memory->major_page_faults;
    }
  }
  stats.network = CollectNetwork(pod, now);
  return stats;
}

std::optional<NetworkStats> StatsCollector::CollectNetwork(const store::PodRecord& pod,
                                                           std::int64_t now) {
  if (pod.host_network || pod.netns_path.empty() || pod.state != store::PodState::kReady) {
    return std::nullopt;
  }
  absl::StatusOr<std::vector<InterfaceStats>> interfaces = options_.read_interfaces(pod.netns_path);
  if (!interfaces.ok()) {
    // The pod is being stopped, or its namespace went away under it: its stats are the
    // cgroups' only, as when a container's cgroup is gone.
    spdlog::debug("No network stats for pod {}: {}", pod.id, interfaces.status().ToString());
    return std::nullopt;
  }
  NetworkStats network;
  network.timestamp = now;
  for (const InterfaceStats& interface : *interfaces) {
    if (interface.name == options_.default_interface) network.default_interface = interface;
  }
  network.interfaces = *std::move(interfaces);
  return network;
}

absl::StatusOr<PodStats> StatsCollector::Pod(const std::string& id) {
  ASSIGN_OR_RETURN(const store::PodRecord pod, state_.GetPod(id));
  if (pod.phase != store::Phase::kCreated) {
    return absl::NotFoundError(absl::StrCat("pod sandbox \"", id, "\" not found"));
  }
  return CollectPod(pod);
}

std::vector<PodStats> StatsCollector::ListPods(const store::PodFilter& filter) {
  std::vector<PodStats> out;
  for (const store::PodRecord& pod : state_.ListPods(filter)) out.push_back(CollectPod(pod));
  return out;
}

}  // namespace crio::stats
