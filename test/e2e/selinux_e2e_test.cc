// SELinux with `selinux = true` on a host where SELinux is disabled (as here): labels
// are computed and shown in the OCI spec's annotations (runc refuses process and mount
// labels where SELinux is off), every pod gets an MCS level of its own, and containers
// share their pod's.

#include <nlohmann/json.hpp>
#include <set>

#include "lifecycle_fixture.h"

namespace crio::e2e {
namespace {

class SELinuxTest : public LifecycleTest {
 protected:
  void SetUp() override {
    ASSERT_NE(fixture_, nullptr) << "the registry fixture did not start";
    dirs_.Write("crio.conf.d/20-selinux.conf", "[crio.runtime]\nselinux = true\n");
    LifecycleTest::SetUp();
  }

  // The container's OCI spec, from verbose ContainerStatus.
  nlohmann::json SpecOf(const std::string& id) {
    std::string info;
    Status(id, &info);
    const auto parsed = nlohmann::json::parse(info, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("runtimeSpec")) return nlohmann::json::object();
    return parsed["runtimeSpec"];
  }

  std::string MakeContainer(const std::string& pod_id, const v1::PodSandboxConfig& pod,
                            const std::string& name, v1::ContainerConfig config = {}) {
    if (!config.has_metadata()) config = ContainerConfig(name, {"sleep", "60"});
    std::string id;
    const grpc::Status status = Create(pod_id, pod, config, &id);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return id;
  }
};

// A label as the spec shows it on this host: annotations only, and none of the
// fields runc would apply.
std::string Label(const nlohmann::json& spec, const std::string& kind) {
  EXPECT_FALSE(spec["process"].contains("selinuxLabel")) << spec.dump();
  EXPECT_FALSE(spec["linux"].contains("mountLabel")) << spec.dump();
  return spec["annotations"].value("io.kubernetes.cri-o." + kind + "Label", "");
}

std::string LevelOf(const std::string& label) {
  // user:role:type:level, the level itself may hold ':'
  std::size_t at = 0;
  for (int i = 0; i < 3 && at != std::string::npos; ++i) at = label.find(':', at + 1);
  return at == std::string::npos ? "" : label.substr(at + 1);
}

TEST_F(SELinuxTest, PodsGetUniqueLevelsTheirContainersShare) {
  std::set<std::string> levels;
  for (const std::string name : {"se-a", "se-b"}) {
    const v1::PodSandboxConfig pod = PodConfig(name);
    std::string pod_id;
    ASSERT_TRUE(RunPod(pod, &pod_id).ok());
    const std::string first = MakeContainer(pod_id, pod, "c1");
    const std::string second = MakeContainer(pod_id, pod, "c2");
    const auto spec1 = SpecOf(first);
    const auto spec2 = SpecOf(second);
    const std::string process = Label(spec1, "Process");
    const std::string mount = Label(spec1, "Mount");
    EXPECT_EQ(process.rfind("system_u:system_r:container_t:s0:c", 0), 0u) << spec1.dump();
    EXPECT_EQ(mount.rfind("system_u:object_r:container_file_t:s0:c", 0), 0u) << spec1.dump();
    EXPECT_EQ(LevelOf(process), LevelOf(mount));
    EXPECT_EQ(Label(spec2, "Process"), process);
    levels.insert(LevelOf(process));
    // The labels are not applied on this host, so the container runs.
    ASSERT_TRUE(Start(first).ok());
  }
  EXPECT_EQ(levels.size(), 2u);
}

TEST_F(SELinuxTest, GivenOptionsAreUsedAndPrivilegedIsSpcT) {
  v1::PodSandboxConfig pod = PodConfig("se-given");
  auto* options = pod.mutable_linux()->mutable_security_context()->mutable_selinux_options();
  options->set_level("s0:c7,c9");
  pod.mutable_linux()->mutable_security_context()->set_privileged(true);
  std::string pod_id;
  ASSERT_TRUE(RunPod(pod, &pod_id).ok());

  v1::ContainerConfig typed = ContainerConfig("typed", {"sleep", "60"});
  typed.mutable_linux()->mutable_security_context()->mutable_selinux_options()->set_type(
      "my_container_t");
  const auto typed_spec = SpecOf(MakeContainer(pod_id, pod, "typed", typed));
  EXPECT_EQ(Label(typed_spec, "Process"), "system_u:system_r:my_container_t:s0:c7,c9");

  // A privileged container is spc_t, and it starts: its capabilities are those the
  // daemon has (this host's daemon lacks CAP_SYS_RESOURCE, which runc cannot grant).
  v1::ContainerConfig privileged = ContainerConfig("priv", {"sleep", "60"});
  privileged.mutable_linux()->mutable_security_context()->set_privileged(true);
  const std::string privileged_id = MakeContainer(pod_id, pod, "priv", privileged);
  EXPECT_EQ(Label(SpecOf(privileged_id), "Process"), "system_u:system_r:spc_t:s0:c7,c9");
  const grpc::Status started = Start(privileged_id);
  EXPECT_TRUE(started.ok()) << started.error_message();
  EXPECT_EQ(Status(privileged_id).state(), v1::CONTAINER_RUNNING);
}

TEST_F(SELinuxTest, BadOptionsAreRefusedAndLeaveNothing) {
  v1::PodSandboxConfig pod = PodConfig("se-bad");
  pod.mutable_linux()->mutable_security_context()->mutable_selinux_options()->set_type(
      "container_t\nuser:x");
  std::string pod_id;
  const grpc::Status status = RunPod(pod, &pod_id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_NE(status.error_message().find("selinux_options"), std::string::npos)
      << status.error_message();
  v1::ListPodSandboxRequest list;
  v1::ListPodSandboxResponse pods;
  ASSERT_TRUE(daemon_->runtime().ListPodSandbox(Context().get(), list, &pods).ok());
  EXPECT_EQ(pods.items_size(), 0);
}

}  // namespace
}  // namespace crio::e2e
