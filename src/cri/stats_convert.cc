#include "stats_convert.h"

namespace crio::cri {
namespace {

namespace v1 = ::runtime::v1;

void FillCpu(const stats::CpuStats& in, v1::CpuUsage* out) {
  out->set_timestamp(in.timestamp);
  out->mutable_usage_core_nano_seconds()->set_value(in.usage_core_nano_seconds);
  if (in.usage_nano_cores) out->mutable_usage_nano_cores()->set_value(*in.usage_nano_cores);
}

void FillMemory(const stats::MemoryStats& in, v1::MemoryUsage* out) {
  out->set_timestamp(in.timestamp);
  out->mutable_working_set_bytes()->set_value(in.working_set_bytes);
  if (in.available_bytes) out->mutable_available_bytes()->set_value(*in.available_bytes);
  out->mutable_usage_bytes()->set_value(in.usage_bytes);
  out->mutable_rss_bytes()->set_value(in.rss_bytes);
  out->mutable_page_faults()->set_value(in.page_faults);
  out->mutable_major_page_faults()->set_value(in.major_page_faults);
}

void FillInterface(const stats::InterfaceStats& in, v1::NetworkInterfaceUsage* out) {
  out->set_name(in.name);
  out->mutable_rx_bytes()->set_value(in.rx_bytes);
  out->mutable_rx_errors()->set_value(in.rx_errors);
  out->mutable_tx_bytes()->set_value(in.tx_bytes);
  out->mutable_tx_errors()->set_value(in.tx_errors);
}

void FillNetwork(const stats::NetworkStats& in, v1::NetworkUsage* out) {
  out->set_timestamp(in.timestamp);
  if (in.default_interface) FillInterface(*in.default_interface, out->mutable_default_interface());
  for (const stats::InterfaceStats& interface : in.interfaces) {
    FillInterface(interface, out->add_interfaces());
  }
}

}  // namespace

v1::ContainerStats ToProtoContainerStats(const stats::ContainerStats& stats) {
  v1::ContainerStats out;
  const store::ContainerRecord& c = stats.container;
  auto* attributes = out.mutable_attributes();
  attributes->set_id(c.id);
  attributes->mutable_metadata()->set_name(c.name);
  attributes->mutable_metadata()->set_attempt(c.attempt);
  attributes->mutable_labels()->insert(c.labels.begin(), c.labels.end());
  attributes->mutable_annotations()->insert(c.annotations.begin(), c.annotations.end());
  if (stats.cpu) FillCpu(*stats.cpu, out.mutable_cpu());
  if (stats.memory) FillMemory(*stats.memory, out.mutable_memory());
  if (stats.writable_layer) {
    auto* layer = out.mutable_writable_layer();
    layer->set_timestamp(stats.writable_layer->timestamp);
    layer->mutable_fs_id()->set_mountpoint(stats.writable_layer->mountpoint);
    layer->mutable_used_bytes()->set_value(stats.writable_layer->used_bytes);
    layer->mutable_inodes_used()->set_value(stats.writable_layer->inodes_used);
  }
  return out;
}

v1::PodSandboxStats ToProtoPodStats(const stats::PodStats& stats) {
  v1::PodSandboxStats out;
  const store::PodRecord& p = stats.pod;
  auto* attributes = out.mutable_attributes();
  attributes->set_id(p.id);
  auto* metadata = attributes->mutable_metadata();
  metadata->set_name(p.name);
  metadata->set_uid(p.uid);
  metadata->set_namespace_(p.pod_namespace);
  metadata->set_attempt(p.attempt);
  attributes->mutable_labels()->insert(p.labels.begin(), p.labels.end());
  attributes->mutable_annotations()->insert(p.annotations.begin(), p.annotations.end());
  auto* linux_stats = out.mutable_linux();
  if (stats.cpu) FillCpu(*stats.cpu, linux_stats->mutable_cpu());
  if (stats.memory) FillMemory(*stats.memory, linux_stats->mutable_memory());
  if (stats.network) FillNetwork(*stats.network, linux_stats->mutable_network());
  for (const stats::ContainerStats& container : stats.containers) {
    *linux_stats->add_containers() = ToProtoContainerStats(container);
  }
  return out;
}

store::ContainerFilter ToContainerFilter(const v1::ContainerStatsFilter& filter) {
  store::ContainerFilter out;
  out.id = filter.id();
  out.pod_id = filter.pod_sandbox_id();
  out.label_selector.insert(filter.label_selector().begin(), filter.label_selector().end());
  return out;
}

store::PodFilter ToPodFilter(const v1::PodSandboxStatsFilter& filter) {
  store::PodFilter out;
  out.id = filter.id();
  out.label_selector.insert(filter.label_selector().begin(), filter.label_selector().end());
  return out;
}

}  // namespace crio::cri
