// Pods and containers: the in-memory index and its on-disk records.

#include "crio/store/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/log.h"
#include "crio/common/status.h"

namespace crio::store {

NLOHMANN_JSON_SERIALIZE_ENUM(Phase, {{Phase::kCreating, "creating"}, {Phase::kCreated, "created"}})
NLOHMANN_JSON_SERIALIZE_ENUM(PodState,
                             {{PodState::kReady, "ready"}, {PodState::kNotReady, "notready"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ContainerState, {{ContainerState::kUnknown, "unknown"},
                                              {ContainerState::kCreated, "created"},
                                              {ContainerState::kRunning, "running"},
                                              {ContainerState::kExited, "exited"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    PodRecord, id, phase, name, uid, pod_namespace, attempt, labels, annotations, runtime_handler,
    created_at, state, hostname, log_directory, cgroup_parent, host_network, host_ipc, host_pid,
    share_pid, netns_path, ipcns_path, utsns_path, run_dir, resolv_conf_path, hosts_path,
    hostname_path, shm_path, ip, additional_ips, config_json, pause_pid, infra_container_id,
    process_label, mount_label)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MountRecord, container_path, host_path, readonly,
                                                selinux_relabel, propagation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    ContainerRecord, id, phase, pod_id, name, attempt, labels, annotations, image, image_id,
    image_ref, runtime_handler, created_at, started_at, finished_at, exit_code, reason, message,
    state, log_path, bundle_dir, rootfs, pid, monitor_pid, stop_signal, tty, stdin, stdin_once,
    mounts, resources_json, infra, monitor_cgroup, seccomp_artifact)

namespace {

namespace stdfs = std::filesystem;

constexpr std::size_t kMaxRecordBytes = 4 << 20;

bool ValidId(const std::string& id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

bool LabelsMatch(const Labels& labels, const Labels& selector) {
  for (const auto& [key, value] : selector) {
    const auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

template <typename Map>
absl::StatusOr<std::string> Resolve(const Map& map, const std::string& id_or_prefix,
                                    const char* kind) {
  if (id_or_prefix.empty()) return absl::InvalidArgumentError(absl::StrCat(kind, " id is empty"));
  if (map.count(id_or_prefix) != 0) return id_or_prefix;
  auto it = map.lower_bound(id_or_prefix);
  if (it == map.end() || !absl::StartsWith(it->first, id_or_prefix)) {
    return absl::NotFoundError(absl::StrCat(kind, " \"", id_or_prefix, "\" not found"));
  }
  const std::string found = it->first;
  if (++it != map.end() && absl::StartsWith(it->first, id_or_prefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat(kind, " id prefix \"", id_or_prefix, "\" is ambiguous"));
  }
  return found;
}

template <typename Record>
absl::StatusOr<Record> FromJson(const std::string& text) {
  try {
    Record record = nlohmann::json::parse(text).get<Record>();
    if (!ValidId(record.id)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid id \"", record.id, "\""));
    }
    return record;
  } catch (const nlohmann::json::exception& error) {
    return absl::InvalidArgumentError(error.what());
  }
}

}  // namespace

std::string PodToJson(const PodRecord& pod) { return nlohmann::json(pod).dump(); }
absl::StatusOr<PodRecord> PodFromJson(const std::string& text) { return FromJson<PodRecord>(text); }
std::string ContainerToJson(const ContainerRecord& container) {
  return nlohmann::json(container).dump();
}
absl::StatusOr<ContainerRecord> ContainerFromJson(const std::string& text) {
  return FromJson<ContainerRecord>(text);
}

std::string NewId() {
  unsigned char bytes[32];
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  std::size_t got = 0;
  while (fd >= 0 && got < sizeof bytes) {
    const ssize_t n = ::read(fd, bytes + got, sizeof bytes - got);
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  if (fd >= 0) ::close(fd);
  if (got < sizeof bytes) std::abort();  // no randomness: ids could collide, stop now
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(64);
  for (unsigned char byte : bytes) {
    id.push_back(kHex[byte >> 4]);
    id.push_back(kHex[byte & 15]);
  }
  return id;
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir) {
  RETURN_IF_ERROR(fs::MakeDirs(dir + "/pods", 0700));
  RETURN_IF_ERROR(fs::MakeDirs(dir + "/containers", 0700));
  std::unique_ptr<Store> store(new Store(dir));
  RETURN_IF_ERROR(store->Load());
  return store;
}

std::string Store::PodFile(const std::string& id) const {
  return absl::StrCat(dir_, "/pods/", id, ".json");
}
std::string Store::ContainerFile(const std::string& id) const {
  return absl::StrCat(dir_, "/containers/", id, ".json");
}

absl::Status Store::Load() {
  absl::MutexLock lock(&mu_);
  const auto load = [this](const char* sub, auto parse, auto add) {
    std::error_code ec;
    for (const auto& entry : stdfs::directory_iterator(dir_ + "/" + sub, ec)) {
      const std::string path = entry.path().string();
      if (!absl::EndsWith(path, ".json")) continue;  // temp files of an interrupted write
      auto text = fs::ReadFile(path, kMaxRecordBytes);
      auto record = text.ok() ? parse(*text) : decltype(parse(*text))(text.status());
      if (!record.ok() || entry.path().stem() != record->id) {
        spdlog::warn("Moving the unreadable record {} aside: {}", path,
                     record.ok() ? "its id does not match its name" : record.status().message());
        stdfs::rename(path, path + ".corrupt", ec);
        continue;
      }
      add(*std::move(record));
    }
    if (ec) {
      return absl::InternalError(absl::StrCat("list ", dir_, "/", sub, ": ", ec.message()));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(
      load("pods", PodFromJson, [this](PodRecord pod) { pods_.emplace(pod.id, std::move(pod)); }));
  return load("containers", ContainerFromJson, [this](ContainerRecord container) {
    containers_.emplace(container.id, std::move(container));
  });
}

absl::Status Store::AddPod(const PodRecord& pod) {
  if (!ValidId(pod.id))
    return absl::InvalidArgumentError(absl::StrCat("invalid pod id \"", pod.id, "\""));
  absl::MutexLock write_lock(&write_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (pods_.count(pod.id) != 0) {
      return absl::AlreadyExistsError(absl::StrCat("pod sandbox ", pod.id, " already exists"));
    }
    for (const auto& [id, other] : pods_) {
      if (other.name == pod.name && other.pod_namespace == pod.pod_namespace &&
          other.uid == pod.uid && other.attempt == pod.attempt) {
        return absl::AlreadyExistsError(absl::StrCat(
            "pod sandbox with name \"", pod.name, "\" in namespace \"", pod.pod_namespace,
            "\" (uid ", pod.uid, ", attempt ", pod.attempt, ") already exists: ", id));
      }
    }
  }
  RETURN_IF_ERROR(fs::WriteFileAtomic(PodFile(pod.id), PodToJson(pod), 0600));
  {
    absl::MutexLock lock(&mu_);
    pods_.emplace(pod.id, pod);
  }
  if (observer_.pod_changed) observer_.pod_changed(nullptr, &pod);
  return absl::OkStatus();
}

absl::StatusOr<PodRecord> Store::UpdatePod(const std::string& id,
                                           const std::function<void(PodRecord&)>& change) {
  absl::MutexLock write_lock(&write_mu_);
  PodRecord updated;
  {
    absl::ReaderMutexLock lock(&mu_);
    const auto it = pods_.find(id);
    if (it == pods_.end())
      return absl::NotFoundError(absl::StrCat("pod sandbox \"", id, "\" not found"));
    updated = it->second;
  }
  const std::string before = PodToJson(updated);
  std::optional<PodRecord> previous;
  if (observer_.pod_changed) previous = updated;
  change(updated);
  updated.id = id;
  const std::string after = PodToJson(updated);
  // A change that changed nothing (an exit collected twice) costs no write and fsync.
  if (after == before) return updated;
  RETURN_IF_ERROR(fs::WriteFileAtomic(PodFile(id), after, 0600));
  {
    absl::MutexLock lock(&mu_);
    pods_[id] = updated;  // only writers erase, and they wait on write_mu_
  }
  if (previous) observer_.pod_changed(&*previous, &updated);
  return updated;
}

absl::Status Store::RemovePod(const std::string& id) {
  absl::MutexLock write_lock(&write_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (pods_.count(id) == 0) return absl::OkStatus();
  }
  if (::unlink(PodFile(id).c_str()) != 0 && errno != ENOENT) {
    return fs::ErrnoStatus(errno, absl::StrCat("remove ", PodFile(id)));
  }
  decltype(pods_)::node_type removed;
  {
    absl::MutexLock lock(&mu_);
    removed = pods_.extract(id);
  }
  if (observer_.pod_changed && !removed.empty()) observer_.pod_changed(&removed.mapped(), nullptr);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Store::ResolvePodLocked(const std::string& id_or_prefix) const {
  return Resolve(pods_, id_or_prefix, "pod sandbox");
}

absl::StatusOr<std::string> Store::ResolveContainerLocked(const std::string& id_or_prefix) const {
  return Resolve(containers_, id_or_prefix, "container");
}

absl::StatusOr<PodRecord> Store::GetPod(const std::string& id_or_prefix) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const std::string id, ResolvePodLocked(id_or_prefix));
  return pods_.at(id);
}

std::vector<PodRecord> Store::ListPods(const PodFilter& filter) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<PodRecord> pods;
  std::string only;
  if (!filter.id.empty()) {
    auto id = ResolvePodLocked(filter.id);
    if (!id.ok()) return pods;
    only = *id;
  }
  for (const auto& [id, pod] : pods_) {
    if (pod.phase != Phase::kCreated && !filter.include_unfinished) continue;
    if (!only.empty() && id != only) continue;
    if (filter.state.has_value() && pod.state != *filter.state) continue;
    if (!LabelsMatch(pod.labels, filter.label_selector)) continue;
    pods.push_back(pod);
  }
  return pods;
}

absl::Status Store::AddContainer(const ContainerRecord& container) {
  if (!ValidId(container.id)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid container id \"", container.id, "\""));
  }
  absl::MutexLock write_lock(&write_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (pods_.count(container.pod_id) == 0) {
      return absl::NotFoundError(absl::StrCat("pod sandbox \"", container.pod_id, "\" not found"));
    }
    if (containers_.count(container.id) != 0) {
      return absl::AlreadyExistsError(absl::StrCat("container ", container.id, " already exists"));
    }
    for (const auto& [id, other] : containers_) {
      if (other.pod_id == container.pod_id && other.name == container.name &&
          other.attempt == container.attempt) {
        return absl::AlreadyExistsError(absl::StrCat(
            "container with name \"", container.name, "\" (attempt ", container.attempt,
            ") already exists in pod sandbox ", container.pod_id, ": ", id));
      }
    }
  }
  RETURN_IF_ERROR(
      fs::WriteFileAtomic(ContainerFile(container.id), ContainerToJson(container), 0600));
  ContainerRecord added = container;
  added.list_entry = encode_ ? encode_(added) : std::string();
  const ContainerRecord* stored = nullptr;
  {
    absl::MutexLock lock(&mu_);
    stored = &containers_.emplace(added.id, std::move(added)).first->second;
  }
  // Only writers change the map, and this one still holds write_mu_: `stored` is stable.
  if (observer_.container_changed) observer_.container_changed(nullptr, stored);
  return absl::OkStatus();
}

absl::StatusOr<ContainerRecord> Store::UpdateContainer(
    const std::string& id, const std::function<void(ContainerRecord&)>& change) {
  absl::MutexLock write_lock(&write_mu_);
  ContainerRecord updated;
  {
    absl::ReaderMutexLock lock(&mu_);
    const auto it = containers_.find(id);
    if (it == containers_.end()) {
      return absl::NotFoundError(absl::StrCat("container \"", id, "\" not found"));
    }
    updated = it->second;
  }
  const std::string before = ContainerToJson(updated);
  std::optional<ContainerRecord> previous;
  if (observer_.container_changed) previous = updated;
  change(updated);
  updated.id = id;
  const std::string after = ContainerToJson(updated);
  if (after == before) return updated;  // nothing to write, nothing to re-encode
  RETURN_IF_ERROR(fs::WriteFileAtomic(ContainerFile(id), after, 0600));
  updated.list_entry = encode_ ? encode_(updated) : std::string();
  {
    absl::MutexLock lock(&mu_);
    containers_[id] = updated;  // only writers erase, and they wait on write_mu_
  }
  if (previous) observer_.container_changed(&*previous, &updated);
  return updated;
}

absl::Status Store::RemoveContainer(const std::string& id) {
  absl::MutexLock write_lock(&write_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (containers_.count(id) == 0) return absl::OkStatus();
  }
  if (::unlink(ContainerFile(id).c_str()) != 0 && errno != ENOENT) {
    return fs::ErrnoStatus(errno, absl::StrCat("remove ", ContainerFile(id)));
  }
  decltype(containers_)::node_type removed;
  {
    absl::MutexLock lock(&mu_);
    removed = containers_.extract(id);
  }
  if (observer_.container_changed && !removed.empty())
    observer_.container_changed(&removed.mapped(), nullptr);
  return absl::OkStatus();
}

absl::StatusOr<ContainerRecord> Store::GetContainer(const std::string& id_or_prefix) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const std::string id, ResolveContainerLocked(id_or_prefix));
  return containers_.at(id);
}

std::vector<ContainerRecord> Store::ListContainers(const ContainerFilter& filter) const {
  std::vector<ContainerRecord> containers;
  VisitContainers(filter, [&containers](const ContainerRecord& c) { containers.push_back(c); });
  return containers;
}

void Store::SetContainerEncoder(std::function<std::string(const ContainerRecord&)> encode) {
  absl::MutexLock write_lock(&write_mu_);
  encode_ = std::move(encode);
  absl::MutexLock lock(&mu_);
  for (auto& [id, container] : containers_) {
    container.list_entry = encode_ ? encode_(container) : std::string();
  }
}

void Store::SetObserver(Observer observer) {
  absl::MutexLock write_lock(&write_mu_);
  observer_ = std::move(observer);
}

void Store::VisitContainers(const ContainerFilter& filter,
                            const std::function<void(const ContainerRecord&)>& visit) const {
  absl::ReaderMutexLock lock(&mu_);
  std::string only;
  if (!filter.id.empty()) {
    auto id = ResolveContainerLocked(filter.id);
    if (!id.ok()) return;
    only = *id;
  }
  std::string pod;
  if (!filter.pod_id.empty()) {
    auto id = ResolvePodLocked(filter.pod_id);
    if (!id.ok()) return;
    pod = *id;
  }
  const auto check = [&](const ContainerRecord& container) {
    if (container.phase != Phase::kCreated && !filter.include_unfinished) return;
    if (container.infra && !filter.include_infra) return;
    if (!pod.empty() && container.pod_id != pod) return;
    if (filter.state.has_value() && container.state != *filter.state) return;
    if (!LabelsMatch(container.labels, filter.label_selector)) return;
    visit(container);
  };
  if (!only.empty()) {
    check(containers_.at(only));
    return;
  }
  for (const auto& [id, container] : containers_) check(container);
}

}  // namespace crio::store
