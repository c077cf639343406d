#include "container_events.h"

#include <algorithm>

#include "container_proto.h"
#include "crio/common/clock.h"
#include "crio/common/log.h"
#include "pod_convert.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

namespace v1 = ::runtime::v1;

absl::StatusOr<std::optional<v1::ContainerEventResponse>> ContainerEventHub::Subscription::Next(
    std::chrono::milliseconds wait) {
  absl::MutexLock lock(&mu_);
  const auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || overflowed_ || closed_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), absl::FromChrono(wait));
  if (overflowed_) {
    return absl::ResourceExhaustedError(
        "the client fell too far behind the container events; list again and resubscribe");
  }
  if (!queue_.empty()) {
    v1::ContainerEventResponse event = std::move(queue_.front());
    queue_.pop_front();
    return event;
  }
  if (closed_) return absl::CancelledError("the runtime is shutting down");
  return std::nullopt;
}

ContainerEventHub::ContainerEventHub(store::Store& store, std::size_t capacity)
    : store_(store), capacity_(capacity) {
  store::Store::Observer observer;
  observer.pod_changed = [this](const store::PodRecord* before, const store::PodRecord* after) {
    PodChanged(before, after);
  };
  observer.container_changed = [this](const store::ContainerRecord* before,
                                      const store::ContainerRecord* after) {
    ContainerChanged(before, after);
  };
  store_.SetObserver(std::move(observer));
}

ContainerEventHub::~ContainerEventHub() {
  store_.SetObserver({});
  absl::MutexLock lock(&mu_);
  for (const auto& subscriber : subscribers_) {
    absl::MutexLock queue_lock(&subscriber->mu_);
    subscriber->closed_ = true;
  }
}

std::shared_ptr<ContainerEventHub::Subscription> ContainerEventHub::Subscribe() {
  auto subscription = std::make_shared<Subscription>();
  absl::MutexLock lock(&mu_);
  subscribers_.push_back(subscription);
  return subscription;
}

void ContainerEventHub::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  absl::MutexLock lock(&mu_);
  std::erase(subscribers_, subscription);
}

bool ContainerEventHub::HasSubscribers() {
  absl::MutexLock lock(&mu_);
  return !subscribers_.empty();
}

void ContainerEventHub::PodChanged(const store::PodRecord* before, const store::PodRecord* after) {
  if (!HasSubscribers()) return;
  const auto ready = [](const store::PodRecord* pod) {
    return pod != nullptr && pod->phase == store::Phase::kCreated;
  };
  if (ready(after) && !ready(before)) {
    Publish(after->id, v1::CONTAINER_CREATED_EVENT, *after);
    Publish(after->id, v1::CONTAINER_STARTED_EVENT, *after);
  } else if (ready(after) && after->state == store::PodState::kNotReady &&
             before->state == store::PodState::kReady) {
    Publish(after->id, v1::CONTAINER_STOPPED_EVENT, *after);
  } else if (after == nullptr && ready(before)) {
    Publish(before->id, v1::CONTAINER_DELETED_EVENT, *before);
  }
}

void ContainerEventHub::ContainerChanged(const store::ContainerRecord* before,
                                         const store::ContainerRecord* after) {
  const store::ContainerRecord* record = after != nullptr ? after : before;
  // A pod's own pause container is reported as the pod (PodChanged).
  if (record == nullptr || record->infra || !HasSubscribers()) return;
  const auto created = [](const store::ContainerRecord* c) {
    return c != nullptr && c->phase == store::Phase::kCreated;
  };
  const auto in_state = [&](const store::ContainerRecord* c, store::ContainerState state) {
    return created(c) && c->state == state;
  };
  std::vector<v1::ContainerEventType> types;
  if (created(after) && !created(before)) types.push_back(v1::CONTAINER_CREATED_EVENT);
  if (in_state(after, store::ContainerState::kRunning) &&
      !in_state(before, store::ContainerState::kRunning)) {
    types.push_back(v1::CONTAINER_STARTED_EVENT);
  }
  if (in_state(after, store::ContainerState::kExited) &&
      !in_state(before, store::ContainerState::kExited)) {
    types.push_back(v1::CONTAINER_STOPPED_EVENT);
  }
  if (after == nullptr && created(before)) types.push_back(v1::CONTAINER_DELETED_EVENT);
  if (types.empty()) return;
  absl::StatusOr<store::PodRecord> pod = store_.GetPod(record->pod_id);
  if (!pod.ok()) return;  // the pod went first: nothing a client could place it in
  for (const v1::ContainerEventType type : types) Publish(record->id, type, *pod);
}

void ContainerEventHub::Publish(const std::string& container_id, v1::ContainerEventType type,
                                const store::PodRecord& pod) {
  v1::ContainerEventResponse event;
  event.set_container_id(container_id);
  event.set_container_event_type(type);
  event.set_created_at(UnixNanosNow());
  *event.mutable_pod_sandbox_status() = ToProtoPodStatus(pod);
  store::ContainerFilter filter;
  filter.pod_id = pod.id;
  for (const store::ContainerRecord& container : store_.ListContainers(filter)) {
    *event.add_containers_statuses() = ToProtoContainerStatus(container);
  }
  absl::MutexLock lock(&mu_);
  for (const auto& subscriber : subscribers_) {
    absl::MutexLock queue_lock(&subscriber->mu_);
    if (subscriber->overflowed_) continue;
    if (subscriber->queue_.size() >= capacity_) {
      subscriber->overflowed_ = true;
      subscriber->queue_.clear();
      spdlog::warn("A GetContainerEvents client fell {} events behind; ending its stream",
                   capacity_);
      continue;
    }
    subscriber->queue_.push_back(event);
  }
}

// The RPC: with enable_pod_events off it ends at once with OK, as CRI-O's does, and
// the kubelet keeps polling.
grpc::Status RuntimeService::GetContainerEvents(
    grpc::ServerContext* context, const v1::GetEventsRequest*,
    grpc::ServerWriter<v1::ContainerEventResponse>* writer) {
  return Serve("GetContainerEvents", [&](const RequestContext& ctx) -> absl::Status {
    if (events_ == nullptr) {
      log::Debug(ctx, "Container events are off (enable_pod_events = false)");
      return absl::OkStatus();
    }
    const auto subscription = events_->Subscribe();
    absl::Status ended = absl::OkStatus();
    while (!context->IsCancelled()) {
      auto next = subscription->Next(std::chrono::milliseconds(250));
      if (!next.ok()) {
        ended = next.status();
        break;
      }
      if (*next && !writer->Write(**next)) break;  // the client left
    }
    events_->Unsubscribe(subscription);
    return ended;
  });
}

}  // namespace crio::cri
