#include "pod_convert.h"
#include "crio/common/status.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"

namespace crio::cri {

namespace v1 = ::runtime::v1;

namespace {

// The CNI portMappings capability spells protocols lower-case.
const char* ProtocolName(v1::Protocol protocol) {
  switch (protocol) {
    case v1::UDP:
      return "udp";
    case v1::SCTP:
      return "sctp";
    default:
      return "tcp";
  }
}

}  // namespace

absl::StatusOr<sandbox::PodRequest> ToPodRequest(const v1::RunPodSandboxRequest& request) {
  if (!request.has_config()) return absl::InvalidArgumentError("config is missing");
  const v1::PodSandboxConfig& config = request.config();
  if (!config.has_metadata()) return absl::InvalidArgumentError("config.metadata is missing");
  sandbox::PodRequest out;
  store::PodRecord& pod = out.pod;
  pod.name = config.metadata().name();
  pod.uid = config.metadata().uid();
  pod.pod_namespace = config.metadata().namespace_();
  pod.attempt = config.metadata().attempt();
  pod.labels = {config.labels().begin(), config.labels().end()};
  pod.annotations = {config.annotations().begin(), config.annotations().end()};
  pod.runtime_handler = request.runtime_handler();
  pod.hostname = config.hostname();
  pod.log_directory = config.log_directory();
  if (config.has_dns_config()) {
    const auto& dns = config.dns_config();
    out.dns.servers = {dns.servers().begin(), dns.servers().end()};
    out.dns.searches = {dns.searches().begin(), dns.searches().end()};
    out.dns.options = {dns.options().begin(), dns.options().end()};
  }
  for (const v1::PortMapping& mapping : config.port_mappings()) {
    network::PortMapping& out_mapping = out.port_mappings.emplace_back();
    out_mapping.host_port = mapping.host_port();
    out_mapping.container_port = mapping.container_port();
    out_mapping.protocol = ProtocolName(mapping.protocol());
    out_mapping.host_ip = mapping.host_ip();
  }
  if (config.has_linux()) {
    const v1::LinuxPodSandboxConfig& linux = config.linux();
    pod.cgroup_parent = linux.cgroup_parent();
    out.sysctls = {linux.sysctls().begin(), linux.sysctls().end()};
    if (linux.security_context().has_selinux_options()) {
      const v1::SELinuxOption& se = linux.security_context().selinux_options();
      out.selinux_options = {se.user(), se.role(), se.type(), se.level()};
    }
    const auto& ns = linux.security_context().namespace_options();
    if (ns.network() == v1::TARGET || ns.ipc() == v1::TARGET || ns.pid() == v1::TARGET) {
      return absl::InvalidArgumentError(
          "config.linux.security_context.namespace_options: TARGET is only valid for containers");
    }
    pod.host_network = ns.network() == v1::NODE;
    pod.host_ipc = ns.ipc() == v1::NODE;
    pod.host_pid = ns.pid() == v1::NODE;
    pod.share_pid = ns.pid() == v1::POD;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  if (google::protobuf::util::MessageToJsonString(config, &json, print).ok()) {
    pod.config_json = std::move(json);
  }
  return out;
}

namespace {

v1::PodSandboxMetadata Metadata(const store::PodRecord& pod) {
  v1::PodSandboxMetadata metadata;
  metadata.set_name(pod.name);
  metadata.set_uid(pod.uid);
  metadata.set_namespace_(pod.pod_namespace);
  metadata.set_attempt(pod.attempt);
  return metadata;
}

v1::PodSandboxState State(const store::PodRecord& pod) {
  return pod.state == store::PodState::kReady ? v1::SANDBOX_READY : v1::SANDBOX_NOTREADY;
}

}  // namespace

v1::PodSandboxStatus ToProtoPodStatus(const store::PodRecord& pod) {
  v1::PodSandboxStatus status;
  status.set_id(pod.id);
  *status.mutable_metadata() = Metadata(pod);
  status.set_state(State(pod));
  status.set_created_at(pod.created_at);
  status.mutable_network()->set_ip(pod.ip);
  for (const auto& ip : pod.additional_ips)
    status.mutable_network()->add_additional_ips()->set_ip(ip);
  auto* options = status.mutable_linux()->mutable_namespaces()->mutable_options();
  options->set_network(pod.host_network ? v1::NODE : v1::POD);
  options->set_ipc(pod.host_ipc ? v1::NODE : v1::POD);
  options->set_pid(pod.host_pid ? v1::NODE : (pod.share_pid ? v1::POD : v1::CONTAINER));
  status.mutable_labels()->insert(pod.labels.begin(), pod.labels.end());
  status.mutable_annotations()->insert(pod.annotations.begin(), pod.annotations.end());
  status.set_runtime_handler(pod.runtime_handler);
  return status;
}

v1::PodSandbox ToProtoPod(const store::PodRecord& pod) {
  v1::PodSandbox out;
  out.set_id(pod.id);
  *out.mutable_metadata() = Metadata(pod);
  out.set_state(State(pod));
  out.set_created_at(pod.created_at);
  out.mutable_labels()->insert(pod.labels.begin(), pod.labels.end());
  out.mutable_annotations()->insert(pod.annotations.begin(), pod.annotations.end());
  out.set_runtime_handler(pod.runtime_handler);
  return out;
}

store::PodFilter ToPodFilter(const v1::PodSandboxFilter& filter) {
  store::PodFilter out;
  out.id = filter.id();
  if (filter.has_state()) {
    out.state = filter.state().state() == v1::SANDBOX_READY ? store::PodState::kReady
                                                            : store::PodState::kNotReady;
  }
  out.label_selector = {filter.label_selector().begin(), filter.label_selector().end()};
  return out;
}

}  // namespace crio::cri
