// The container event hub against a real store in a temp dir: which store changes
// become which events, what each event carries, and how a slow client is ended.

#include "container_events.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace crio::cri {
namespace {

namespace v1 = ::runtime::v1;
using store::ContainerRecord;
using store::ContainerState;
using store::Phase;
using store::PodRecord;
using store::PodState;

class ContainerEventHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-events-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto opened = store::Store::Open(dir_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }
  void TearDown() override {
    hub_.reset();
    std::filesystem::remove_all(dir_);
  }

  static PodRecord Pod(const std::string& id, Phase phase) {
    PodRecord pod;
    pod.id = id;
    pod.phase = phase;
    pod.name = id == "pod1" ? "web" : id;  // names are unique in the store
    pod.pod_namespace = "default";
    pod.uid = "uid-" + pod.name;
    return pod;
  }

  static ContainerRecord Container(const std::string& id, const std::string& pod_id,
                                   bool infra = false) {
    ContainerRecord container;
    container.id = id;
    container.phase = Phase::kCreating;
    container.pod_id = pod_id;
    container.name = infra ? "POD" : "app";
    container.infra = infra;
    return container;
  }

  // Every event queued for `subscription` now, as (id, type).
  static std::vector<std::pair<std::string, v1::ContainerEventType>> Drain(
      ContainerEventHub::Subscription& subscription,
      std::vector<v1::ContainerEventResponse>* all = nullptr) {
    std::vector<std::pair<std::string, v1::ContainerEventType>> out;
    while (true) {
      auto next = subscription.Next(std::chrono::milliseconds(0));
      EXPECT_TRUE(next.ok()) << next.status();
      if (!next.ok() || !next->has_value()) return out;
      out.emplace_back((*next)->container_id(), (*next)->container_event_type());
      if (all != nullptr) all->push_back(**next);
    }
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ContainerEventHub> hub_;
};

TEST_F(ContainerEventHubTest, ALifecycleBecomesCriosEventsInOrder) {
  hub_ = std::make_unique<ContainerEventHub>(*store_);
  auto subscription = hub_->Subscribe();
  const auto set_phase = [](Phase phase) { return [phase](auto& r) { r.phase = phase; }; };

  ASSERT_TRUE(store_->AddPod(Pod("pod1", Phase::kCreating)).ok());
  ASSERT_TRUE(store_->AddContainer(Container("infra1", "pod1", /*infra=*/true)).ok());
  ASSERT_TRUE(store_->UpdateContainer("infra1", set_phase(Phase::kCreated)).ok());
  ASSERT_TRUE(store_->UpdatePod("pod1", set_phase(Phase::kCreated)).ok());
  ASSERT_TRUE(store_->AddContainer(Container("ctr1", "pod1")).ok());
  ASSERT_TRUE(store_->UpdateContainer("ctr1", set_phase(Phase::kCreated)).ok());
  ASSERT_TRUE(store_
                  ->UpdateContainer("ctr1",
                                    [](ContainerRecord& c) {
                                      c.state = ContainerState::kRunning;
                                      c.started_at = 1;
                                    })
                  .ok());
  ASSERT_TRUE(store_
                  ->UpdateContainer("ctr1",
                                    [](ContainerRecord& c) {
                                      c.state = ContainerState::kExited;
                                      c.finished_at = 2;
                                      c.exit_code = 3;
                                    })
                  .ok());
  // The same exit collected twice is no second event.
  ASSERT_TRUE(
      store_->UpdateContainer("ctr1", [](ContainerRecord& c) { c.state = ContainerState::kExited; })
          .ok());
  std::vector<v1::ContainerEventResponse> so_far;
  const auto first = Drain(*subscription, &so_far);
  ASSERT_TRUE(store_->RemoveContainer("ctr1").ok());
  ASSERT_TRUE(store_->UpdatePod("pod1", [](PodRecord& p) { p.state = PodState::kNotReady; }).ok());
  ASSERT_TRUE(store_->RemoveContainer("infra1").ok());
  ASSERT_TRUE(store_->RemovePod("pod1").ok());
  std::vector<v1::ContainerEventResponse> rest;
  const auto second = Drain(*subscription, &rest);

  using Event = std::pair<std::string, v1::ContainerEventType>;
  EXPECT_EQ(first, (std::vector<Event>{{"pod1", v1::CONTAINER_CREATED_EVENT},
                                       {"pod1", v1::CONTAINER_STARTED_EVENT},
                                       {"ctr1", v1::CONTAINER_CREATED_EVENT},
                                       {"ctr1", v1::CONTAINER_STARTED_EVENT},
                                       {"ctr1", v1::CONTAINER_STOPPED_EVENT}}));
  EXPECT_EQ(second, (std::vector<Event>{{"ctr1", v1::CONTAINER_DELETED_EVENT},
                                        {"pod1", v1::CONTAINER_STOPPED_EVENT},
                                        {"pod1", v1::CONTAINER_DELETED_EVENT}}));

  // Each event carries the pod's status and its containers' (without the pause one).
  const v1::ContainerEventResponse& stopped = so_far.back();
  EXPECT_EQ(stopped.pod_sandbox_status().id(), "pod1");
  EXPECT_EQ(stopped.pod_sandbox_status().metadata().uid(), "uid-web");
  ASSERT_EQ(stopped.containers_statuses_size(), 1);
  EXPECT_EQ(stopped.containers_statuses(0).id(), "ctr1");
  EXPECT_EQ(stopped.containers_statuses(0).state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(stopped.containers_statuses(0).exit_code(), 3);
  EXPECT_GT(stopped.created_at(), 0);
  EXPECT_EQ(rest[0].containers_statuses_size(), 0) << "the deleted container is gone";
  EXPECT_EQ(rest[1].pod_sandbox_status().state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(rest[2].pod_sandbox_status().metadata().name(), "web")
      << "a removed pod is described as it was";
}

TEST_F(ContainerEventHubTest, ASlowClientIsEndedNotFedAGap) {
  hub_ = std::make_unique<ContainerEventHub>(*store_, /*capacity=*/3);
  auto slow = hub_->Subscribe();
  ASSERT_TRUE(store_->AddPod(Pod("pod1", Phase::kCreated)).ok());  // 2 events
  ASSERT_TRUE(store_->AddPod(Pod("pod2", Phase::kCreated)).ok());  // 2 more: too many
  auto fresh = hub_->Subscribe();
  auto next = slow->Next(std::chrono::milliseconds(0));
  EXPECT_EQ(next.status().code(), absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(store_->AddPod(Pod("pod3", Phase::kCreated)).ok());
  EXPECT_EQ(Drain(*fresh).size(), 2u) << "other clients go on";
}

TEST_F(ContainerEventHubTest, NoSubscriberNoWorkAndClosingWakesClients) {
  hub_ = std::make_unique<ContainerEventHub>(*store_);
  ASSERT_TRUE(store_->AddPod(Pod("pod1", Phase::kCreated)).ok());
  auto subscription = hub_->Subscribe();
  EXPECT_TRUE(Drain(*subscription).empty()) << "events before a subscription are not replayed";
  hub_.reset();
  auto next = subscription->Next(std::chrono::seconds(5));
  EXPECT_EQ(next.status().code(), absl::StatusCode::kCancelled);
  ASSERT_TRUE(store_->AddPod(Pod("pod2", Phase::kCreated)).ok()) << "the store has no observer";
}

}  // namespace
}  // namespace crio::cri
