#include "container_proto.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace crio::cri {

namespace v1 = ::runtime::v1;

namespace {

v1::ContainerState State(store::ContainerState state) {
  switch (state) {
    case store::ContainerState::kCreated:
      return v1::CONTAINER_CREATED;
    case store::ContainerState::kRunning:
      return v1::CONTAINER_RUNNING;
    case store::ContainerState::kExited:
      return v1::CONTAINER_EXITED;
    case store::ContainerState::kUnknown:
      break;
  }
  return v1::CONTAINER_UNKNOWN;
}

void SetMetadata(const store::ContainerRecord& c, v1::ContainerMetadata* metadata) {
  metadata->set_name(c.name);
  metadata->set_attempt(c.attempt);
}

}  // namespace

void FillProtoContainer(const store::ContainerRecord& c, v1::Container* out) {
  out->Clear();
  out->set_id(c.id);
  out->set_pod_sandbox_id(c.pod_id);
  SetMetadata(c, out->mutable_metadata());
  out->mutable_image()->set_image(c.image);
  out->set_image_ref(c.image_ref);
  out->set_image_id(c.image_id);
  out->set_state(State(c.state));
  out->set_created_at(c.created_at);
  out->mutable_labels()->insert(c.labels.begin(), c.labels.end());
  out->mutable_annotations()->insert(c.annotations.begin(), c.annotations.end());
}

v1::Container ToProtoContainer(const store::ContainerRecord& c) {
  v1::Container out;
  FillProtoContainer(c, &out);
  return out;
}

std::string EncodeListEntry(const store::ContainerRecord& container) {
  v1::Container message;
  FillProtoContainer(container, &message);
  return message.SerializeAsString();
}

std::string EncodeContainerList(const store::Store& state, const store::ContainerFilter& filter) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedOutputStream;
  constexpr std::uint32_t kTag =
      WireFormatLite::MakeTag(v1::ListContainersResponse::kContainersFieldNumber,
                              WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  // Sized like the last answer, so that the buffer rarely grows while it is filled.
  static std::atomic<std::size_t> last_size{0};
  std::string out;
  out.reserve(last_size.load(std::memory_order_relaxed) + 4096);
  state.VisitContainers(filter, [&out](const store::ContainerRecord& c) {
    const std::string entry = c.list_entry.empty() ? EncodeListEntry(c) : std::string();
    const std::string& bytes = c.list_entry.empty() ? entry : c.list_entry;
    std::uint8_t header[10];  // two varint32s of at most 5 bytes each
    std::uint8_t* end = CodedOutputStream::WriteVarint32ToArray(kTag, header);
    end = CodedOutputStream::WriteVarint32ToArray(static_cast<std::uint32_t>(bytes.size()), end);
    out.append(reinterpret_cast<const char*>(header), static_cast<std::size_t>(end - header));
    out.append(bytes);
  });
  last_size.store(out.size(), std::memory_order_relaxed);
  return out;
}

v1::ContainerStatus ToProtoContainerStatus(const store::ContainerRecord& c) {
  v1::ContainerStatus out;
  out.set_id(c.id);
  SetMetadata(c, out.mutable_metadata());
  out.set_state(State(c.state));
  out.set_created_at(c.created_at);
  out.set_started_at(c.started_at);
  out.set_finished_at(c.finished_at);
  out.set_exit_code(c.exit_code);
  out.mutable_image()->set_image(c.image);
  out.set_image_ref(c.image_ref);
  out.set_image_id(c.image_id);
  out.set_reason(c.reason);
  out.set_message(c.message);
  out.mutable_labels()->insert(c.labels.begin(), c.labels.end());
  out.mutable_annotations()->insert(c.annotations.begin(), c.annotations.end());
  for (const store::MountRecord& m : c.mounts) {
    v1::Mount* mount = out.add_mounts();
    mount->set_container_path(m.container_path);
    mount->set_host_path(m.host_path);
    mount->set_readonly(m.readonly);
    mount->set_selinux_relabel(m.selinux_relabel);
    mount->set_propagation(static_cast<v1::MountPropagation>(m.propagation));
  }
  out.set_log_path(c.log_path);
  const nlohmann::json resources = nlohmann::json::parse(c.resources_json, nullptr, false);
  if (resources.is_object()) {
    v1::LinuxContainerResources* linux = out.mutable_resources()->mutable_linux();
    const auto number = [&resources](const char* group, const char* key) -> std::int64_t {
      if (!resources.contains(group) || !resources[group].is_object()) return 0;
      const auto& value = resources[group].value(key, nlohmann::json());
      return value.is_number() ? value.get<std::int64_t>() : 0;
    };
    const auto text = [&resources](const char* group, const char* key) -> std::string {
      if (!resources.contains(group) || !resources[group].is_object()) return "";
      const auto& value = resources[group].value(key, nlohmann::json());
      return value.is_string() ? value.get<std::string>() : "";
    };
    linux->set_cpu_shares(number("cpu", "shares"));
    linux->set_cpu_quota(number("cpu", "quota"));
    linux->set_cpu_period(number("cpu", "period"));
    linux->set_cpuset_cpus(text("cpu", "cpus"));
    linux->set_cpuset_mems(text("cpu", "mems"));
    linux->set_memory_limit_in_bytes(number("memory", "limit"));
    linux->set_memory_swap_limit_in_bytes(number("memory", "swap"));
  }
  return out;
}

store::ContainerFilter ToContainerFilter(const v1::ContainerFilter& filter) {
  store::ContainerFilter out;
  out.id = filter.id();
  out.pod_id = filter.pod_sandbox_id();
  if (filter.has_state()) {
    switch (filter.state().state()) {
      case v1::CONTAINER_CREATED:
        out.state = store::ContainerState::kCreated;
        break;
      case v1::CONTAINER_RUNNING:
        out.state = store::ContainerState::kRunning;
        break;
      case v1::CONTAINER_EXITED:
        out.state = store::ContainerState::kExited;
        break;
      default:
        out.state = store::ContainerState::kUnknown;
        break;
    }
  }
  out.label_selector = {filter.label_selector().begin(), filter.label_selector().end()};
  return out;
}

absl::StatusOr<std::string> ToOciResourcesJson(const v1::LinuxContainerResources& r,
                                               absl::string_view field_name) {
  const auto non_negative = [field_name](std::int64_t value, const char* field) {
    if (value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field_name, ".", field, ": ", value, " is negative"));
    }
    return absl::OkStatus();
  };
  for (const auto& [value, field] :
       {std::pair{r.cpu_period(), "cpu_period"}, std::pair{r.cpu_shares(), "cpu_shares"},
        std::pair{r.memory_limit_in_bytes(), "memory_limit_in_bytes"}}) {
    if (absl::Status ok = non_negative(value, field); !ok.ok()) return ok;
  }
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json cpu = nlohmann::json::object();
  if (r.cpu_shares() > 0) cpu["shares"] = r.cpu_shares();
  if (r.cpu_quota() != 0) cpu["quota"] = r.cpu_quota();
  if (r.cpu_period() > 0) cpu["period"] = r.cpu_period();
  if (!r.cpuset_cpus().empty()) cpu["cpus"] = r.cpuset_cpus();
  if (!r.cpuset_mems().empty()) cpu["mems"] = r.cpuset_mems();
  if (!cpu.empty()) out["cpu"] = cpu;
  nlohmann::json memory = nlohmann::json::object();
  if (r.memory_limit_in_bytes() > 0) memory["limit"] = r.memory_limit_in_bytes();
  if (r.memory_swap_limit_in_bytes() != 0) memory["swap"] = r.memory_swap_limit_in_bytes();
  if (!memory.empty()) out["memory"] = memory;
  if (r.hugepage_limits_size() > 0) {
    nlohmann::json limits = nlohmann::json::array();
    for (const auto& limit : r.hugepage_limits()) {
      limits.push_back({{"pageSize", limit.page_size()}, {"limit", limit.limit()}});
    }
    out["hugepageLimits"] = limits;
  }
  if (r.unified_size() > 0) {
    out["unified"] = std::map<std::string, std::string>(r.unified().begin(), r.unified().end());
  }
  return out.dump();
}

}  // namespace crio::cri
