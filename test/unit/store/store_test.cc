// The pod and container index: uniqueness, filters, id prefixes, persistence across a
// reopen, and records that cannot be read.

#include "crio/store/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace crio::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-state-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Reopen() {
    store_.reset();
    auto store = Store::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  static PodRecord Pod(const std::string& id, const std::string& name, Labels labels = {}) {
    PodRecord pod;
    pod.id = id;
    pod.phase = Phase::kCreated;
    pod.name = name;
    pod.pod_namespace = "default";
    pod.uid = "uid-" + name;
    pod.labels = std::move(labels);
    return pod;
  }

  static ContainerRecord Container(const std::string& id, const std::string& pod,
                                   const std::string& name, ContainerState state) {
    ContainerRecord container;
    container.id = id;
    container.phase = Phase::kCreated;
    container.pod_id = pod;
    container.name = name;
    container.state = state;
    container.labels = {{"app", name}};
    return container;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, PodNamesAndIdsAreUnique) {
  ASSERT_TRUE(store_->AddPod(Pod("aaa1", "web")).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(store_->AddPod(Pod("aaa1", "other"))));
  const absl::Status same_name = store_->AddPod(Pod("bbb1", "web"));
  EXPECT_TRUE(absl::IsAlreadyExists(same_name));
  EXPECT_NE(same_name.message().find("aaa1"), std::string::npos) << same_name;
  PodRecord next_attempt = Pod("bbb1", "web");
  next_attempt.attempt = 1;
  EXPECT_TRUE(store_->AddPod(next_attempt).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(store_->AddPod(Pod("../x", "evil"))));
}

TEST_F(StoreTest, ContainersNeedTheirPodAndAUniqueName) {
  ASSERT_TRUE(store_->AddPod(Pod("p1", "web")).ok());
  EXPECT_TRUE(absl::IsNotFound(
      store_->AddContainer(Container("c0", "nope", "app", ContainerState::kCreated))));
  ASSERT_TRUE(store_->AddContainer(Container("c1", "p1", "app", ContainerState::kCreated)).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(
      store_->AddContainer(Container("c2", "p1", "app", ContainerState::kCreated))));
}

ContainerFilter ContainerWhere(std::string id, std::string pod_id,
                               std::optional<ContainerState> state, Labels labels) {
  ContainerFilter filter;
  filter.id = std::move(id);
  filter.pod_id = std::move(pod_id);
  filter.state = state;
  filter.label_selector = std::move(labels);
  return filter;
}

TEST_F(StoreTest, FiltersByIdPrefixPodStateAndLabels) {
  ASSERT_TRUE(store_->AddPod(Pod("p1aaaa", "web", {{"tier", "front"}})).ok());
  ASSERT_TRUE(store_->AddPod(Pod("p2bbbb", "db", {{"tier", "back"}})).ok());
  ASSERT_TRUE(
      store_->AddContainer(Container("c1aa", "p1aaaa", "a", ContainerState::kRunning)).ok());
  ASSERT_TRUE(store_->AddContainer(Container("c1ab", "p1aaaa", "b", ContainerState::kExited)).ok());
  ASSERT_TRUE(
      store_->AddContainer(Container("c2aa", "p2bbbb", "a", ContainerState::kRunning)).ok());

  EXPECT_EQ(store_->ListContainers().size(), 3u);
  EXPECT_EQ(store_->ListContainers(ContainerWhere("", "p1", {}, {})).size(), 2u);
  EXPECT_EQ(store_->ListContainers(ContainerWhere("", "", ContainerState::kRunning, {})).size(),
            2u);
  EXPECT_EQ(store_->ListContainers(ContainerWhere("", "", {}, {{"app", "b"}})).size(), 1u);
  EXPECT_EQ(store_->ListContainers(ContainerWhere("c2", "", {}, {})).size(), 1u);
  EXPECT_TRUE(store_->ListContainers(ContainerWhere("c1", "", {}, {})).empty())
      << "an ambiguous prefix matches none";
  EXPECT_TRUE(store_->ListContainers(ContainerWhere("zz", "", {}, {})).empty());
  PodFilter back;
  back.label_selector = {{"tier", "back"}};
  EXPECT_EQ(store_->ListPods(back).size(), 1u);

  EXPECT_EQ(store_->GetContainer("c2")->id, "c2aa");
  EXPECT_TRUE(absl::IsInvalidArgument(store_->GetContainer("c1").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->GetContainer("zz").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->GetContainer("").status()));
}

TEST_F(StoreTest, ObjectsStillBeingCreatedAreNotListed) {
  PodRecord pod = Pod("p1", "web");
  pod.phase = Phase::kCreating;
  ASSERT_TRUE(store_->AddPod(pod).ok());
  EXPECT_TRUE(store_->ListPods().empty());
  EXPECT_TRUE(store_->GetPod("p1").ok()) << "the lifecycle code still finds it";
  ASSERT_TRUE(store_->UpdatePod("p1", [](PodRecord& p) { p.phase = Phase::kCreated; }).ok());
  EXPECT_EQ(store_->ListPods().size(), 1u);
}

TEST_F(StoreTest, InfraContainersAreListedOnlyWhenAskedForAndSurviveAReopen) {
  PodRecord pod = Pod("p1", "web");
  pod.infra_container_id = "p1";
  ASSERT_TRUE(store_->AddPod(pod).ok());
  ContainerRecord infra = Container("p1", "p1", "POD", ContainerState::kRunning);
  infra.infra = true;
  ASSERT_TRUE(store_->AddContainer(infra).ok());
  ASSERT_TRUE(store_->AddContainer(Container("c1", "p1", "app", ContainerState::kRunning)).ok());
  EXPECT_EQ(store_->ListContainers().size(), 1u) << "the CRI never lists a pause container";
  ContainerFilter by_id;
  by_id.id = "p1";
  EXPECT_TRUE(store_->ListContainers(by_id).empty());
  ContainerFilter all;
  all.include_infra = true;
  EXPECT_EQ(store_->ListContainers(all).size(), 2u);
  Reopen();
  EXPECT_TRUE(store_->GetContainer("p1")->infra);
  EXPECT_EQ(store_->GetPod("p1")->infra_container_id, "p1");
  EXPECT_EQ(store_->ListContainers().size(), 1u);
}

TEST_F(StoreTest, AnUpdateThatChangesNothingWritesNothing) {
  ASSERT_TRUE(store_->AddPod(Pod("p1", "web")).ok());
  ASSERT_TRUE(store_->AddContainer(Container("c1", "p1", "app", ContainerState::kExited)).ok());
  const auto inode = [this](const std::string& file) {
    struct stat st {};
    return ::stat((dir_ + "/" + file).c_str(), &st) == 0 ? st.st_ino : 0;
  };
  const auto container_inode = inode("containers/c1.json");
  const auto pod_inode = inode("pods/p1.json");
  ASSERT_NE(container_inode, 0u);
  // An exit collected a second time: the record already says so.
  ASSERT_TRUE(
      store_->UpdateContainer("c1", [](ContainerRecord& c) { c.state = ContainerState::kExited; })
          .ok());
  ASSERT_TRUE(store_->UpdatePod("p1", [](PodRecord&) {}).ok());
  EXPECT_EQ(inode("containers/c1.json"), container_inode) << "no rewrite (and no fsync)";
  EXPECT_EQ(inode("pods/p1.json"), pod_inode);
  ASSERT_TRUE(store_->UpdateContainer("c1", [](ContainerRecord& c) { c.exit_code = 1; }).ok());
  EXPECT_NE(inode("containers/c1.json"), container_inode) << "a real change is written";
  Reopen();
  EXPECT_EQ(store_->GetContainer("c1")->exit_code, 1);
}

TEST_F(StoreTest, EverythingSurvivesAReopen) {
  PodRecord pod = Pod("p1", "web", {{"tier", "front"}});
  pod.share_pid = true;
  pod.pause_pid = 4242;  // was not persisted: a restarted daemon leaked the holder
  ASSERT_TRUE(store_->AddPod(pod).ok());
  ASSERT_TRUE(store_->AddContainer(Container("c1", "p1", "app", ContainerState::kCreated)).ok());
  ASSERT_TRUE(store_
                  ->UpdateContainer("c1",
                                    [](ContainerRecord& c) {
                                      c.state = ContainerState::kExited;
                                      c.exit_code = 3;
                                      c.reason = "Error";
                                      MountRecord mount;
                                      mount.container_path = "/data";
                                      mount.host_path = "/srv";
                                      mount.readonly = true;
                                      c.mounts.push_back(mount);
                                    })
                  .ok());
  Reopen();
  auto container = store_->GetContainer("c1");
  ASSERT_TRUE(container.ok()) << container.status();
  EXPECT_EQ(container->state, ContainerState::kExited);
  EXPECT_EQ(container->exit_code, 3);
  EXPECT_EQ(container->reason, "Error");
  ASSERT_EQ(container->mounts.size(), 1u);
  EXPECT_TRUE(container->mounts[0].readonly);
  EXPECT_EQ(store_->GetPod("p1")->labels.at("tier"), "front");
  EXPECT_TRUE(store_->GetPod("p1")->share_pid);
  EXPECT_EQ(store_->GetPod("p1")->pause_pid, 4242);

  ASSERT_TRUE(store_->RemoveContainer("c1").ok());
  ASSERT_TRUE(store_->RemovePod("p1").ok());
  EXPECT_TRUE(store_->RemovePod("p1").ok()) << "removing twice is fine";
  Reopen();
  EXPECT_TRUE(store_->ListPods().empty());
  EXPECT_TRUE(store_->ListContainers().empty());
}

TEST_F(StoreTest, UnreadableRecordsAreMovedAside) {
  ASSERT_TRUE(store_->AddPod(Pod("p1", "web")).ok());
  std::ofstream(dir_ + "/pods/p2.json") << "{not json";
  std::ofstream(dir_ + "/pods/p3.json") << R"({"id": "other"})";
  Reopen();
  EXPECT_EQ(store_->ListPods().size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/pods/p2.json.corrupt"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/pods/p3.json.corrupt"));
}

TEST(NewIdTest, IsSixtyFourHexDigitsAndFresh) {
  const std::string a = NewId();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, NewId());
}

}  // namespace
}  // namespace crio::store
