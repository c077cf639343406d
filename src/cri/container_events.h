#pragma once

// Container lifecycle events for GetContainerEvents (the kubelet's evented PLEG, with
// CRI-O's enable_pod_events). The hub watches the store's changes and turns each
// transition into a ContainerEventResponse carrying the pod's status and the statuses
// of its containers at that moment, as CRI-O sends them:
//   pod ready          -> CONTAINER_CREATED then CONTAINER_STARTED, with the pod's id
//   pod stopped        -> CONTAINER_STOPPED,  pod removed -> CONTAINER_DELETED
//   container created  -> CONTAINER_CREATED,  running     -> CONTAINER_STARTED
//   container exited   -> CONTAINER_STOPPED,  removed     -> CONTAINER_DELETED
// Each subscriber has a bounded queue: one that falls too far behind is ended with
// ResourceExhausted rather than silently losing events (the kubelet then re-lists).

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crio/cri/api.h"
#include "crio/store/store.h"

namespace crio::cri {

class ContainerEventHub {
 public:
  /// One client's events, in order.
  class Subscription {
   public:
    /// The next event, or nullopt when none came within `wait`.
    /// @return ResourceExhausted when this subscriber fell `capacity` events behind;
    ///     Cancelled when the hub closed
    absl::StatusOr<std::optional<::runtime::v1::ContainerEventResponse>> Next(
        std::chrono::milliseconds wait);

   private:
    friend class ContainerEventHub;
    absl::Mutex mu_;
    std::deque<::runtime::v1::ContainerEventResponse> queue_ ABSL_GUARDED_BY(mu_);
    bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
    bool closed_ ABSL_GUARDED_BY(mu_) = false;
  };

  /// Starts watching `store` (it replaces the store's observer) until destroyed.
  explicit ContainerEventHub(store::Store& store, std::size_t capacity = 1000);
  ~ContainerEventHub();
  ContainerEventHub(const ContainerEventHub&) = delete;
  ContainerEventHub& operator=(const ContainerEventHub&) = delete;

  std::shared_ptr<Subscription> Subscribe();
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);

 private:
  void PodChanged(const store::PodRecord* before, const store::PodRecord* after);
  void ContainerChanged(const store::ContainerRecord* before, const store::ContainerRecord* after);
  // Builds the event for `container_id` of `pod` and queues it for every subscriber.
  void Publish(const std::string& container_id, ::runtime::v1::ContainerEventType type,
               const store::PodRecord& pod);
  bool HasSubscribers();

  store::Store& store_;
  const std::size_t capacity_;
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subscribers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::cri
