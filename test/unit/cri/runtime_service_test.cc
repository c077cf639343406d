// The RuntimeService handlers called directly, on a configuration whose runtime and
// CNI dirs point into a temp dir, so readiness can be switched on and off.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "container_proto.h"
#include "crio/version.h"
#include "fake_http.h"
#include "runtime_service.h"

namespace crio::cri {
namespace {

class RuntimeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-cri-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ + "/net.d");
    std::filesystem::create_directories(root_ + "/bin");
    config_ = config::Config::Defaults();
    config_.network.network_dir = root_ + "/net.d";
    config_.network.plugin_dirs = {root_ + "/bin"};
    config_.runtime.cgroup_manager = "cgroupfs";
    config_.runtime.runtimes[config_.runtime.default_runtime].runtime_path = root_ + "/bin/runc";
    MakeExecutable("runc");
    image::StoreOptions store;
    store.root = root_ + "/lib";
    auto images = image::ImageStore::Open(store, registry_);
    ASSERT_TRUE(images.ok()) << images.status();
    images_ = *std::move(images);
    auto state = store::Store::Open(root_ + "/lib/state");
    ASSERT_TRUE(state.ok()) << state.status();
    state_ = *std::move(state);
    sandbox::PodOptions pod_options;
    pod_options.runroot = root_ + "/run";
    pod_options.namespaces_dir = root_ + "/ns";
    pods_ =
        std::make_unique<sandbox::PodManager>(*state_, pod_options, sandbox::PodContainerHooks{});
    image::RootfsOptions rootfs_options;
    rootfs_options.dir = root_ + "/lib/rootfs";
    rootfs_options.allow_overlay = false;
    auto rootfs = image::RootfsManager::Open(rootfs_options, *images_);
    ASSERT_TRUE(rootfs.ok()) << rootfs.status();
    rootfs_ = *std::move(rootfs);
    container::ContainerOptions container_options;
    container_options.runroot = root_ + "/run";
    container_options.exits_dir = root_ + "/run/exits";
    container_options.attach_dir = root_ + "/run/attach";
    container_options.default_log_dir = root_ + "/log";
    // The Status/Version/RuntimeConfig handlers never reach the containers.
    containers_ = std::make_unique<container::ContainerManager>(
        *state_, *images_, *rootfs_, holder_, [] { return nullptr; },
        monitor::MakeMonitorLauncher(), container_options);
    stats_ = std::make_unique<stats::StatsCollector>(*state_, *containers_, *rootfs_,
                                                     stats::StatsOptions{});
    auto streaming = streaming::Server::Start(streaming::ServerOptions{}, no_streams_);
    ASSERT_TRUE(streaming.ok()) << streaming.status();
    streaming_ = std::move(*streaming);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void MakeExecutable(const std::string& name) {
    const std::string path = root_ + "/bin/" + name;
    std::ofstream(path) << "#!/bin/sh\n";
    ::chmod(path.c_str(), 0755);
  }

  v1::StatusResponse CallStatus(bool verbose) {
    config::ConfigHolder holder(config_);
    RuntimeService service(
        ServiceOptions{holder, *images_, *state_, *pods_, *containers_, *stats_, *streaming_});
    grpc::ServerContext context;
    v1::StatusRequest request;
    request.set_verbose(verbose);
    v1::StatusResponse response;
    EXPECT_TRUE(service.Status(&context, &request, &response).ok());
    return response;
  }

  const v1::RuntimeCondition* Condition(const v1::StatusResponse& response, const char* type) {
    for (const auto& condition : response.status().conditions()) {
      if (condition.type() == type) return &condition;
    }
    return nullptr;
  }

  std::string root_;
  config::Config config_;
  // The runtime service never pulls: a registry that knows nothing is enough.
  testing::FakeHttp http_{[](const registry::HttpRequest&) { return testing::Respond(404, ""); }};
  registry::RegistryClient registry_{http_, registry::ClientOptions{}};
  std::unique_ptr<image::ImageStore> images_;
  std::unique_ptr<store::Store> state_;
  std::unique_ptr<sandbox::PodManager> pods_;
  config::ConfigHolder holder_{config::Config::Defaults()};
  std::unique_ptr<image::RootfsManager> rootfs_;
  std::unique_ptr<container::ContainerManager> containers_;
  std::unique_ptr<stats::StatsCollector> stats_;
  // URLs are handed out but never connected to in these tests.
  struct NoStreams : streaming::StreamingBackend {
    absl::StatusOr<int> Exec(const streaming::ExecSpec&,
                             streaming::RemoteCommandStreams&) override {
      return absl::UnimplementedError("test");
    }
    absl::Status Attach(const streaming::AttachSpec&, streaming::RemoteCommandStreams&) override {
      return absl::UnimplementedError("test");
    }
    absl::StatusOr<OwnedFd> PortForwardConnect(const std::string&, std::int32_t) override {
      return absl::UnimplementedError("test");
    }
  } no_streams_;
  std::unique_ptr<streaming::Server> streaming_;
};

TEST_F(RuntimeServiceTest, VersionAnswersBuildVersionAndV1) {
  config::ConfigHolder holder(config_);
  RuntimeService service(
      ServiceOptions{holder, *images_, *state_, *pods_, *containers_, *stats_, *streaming_});
  grpc::ServerContext context;
  v1::VersionRequest request;
  v1::VersionResponse response;
  ASSERT_TRUE(service.Version(&context, &request, &response).ok());
  EXPECT_EQ(response.version(), "0.1.0");
  EXPECT_EQ(response.runtime_name(), "crio");
  EXPECT_EQ(response.runtime_version(), crio::kVersion);
  EXPECT_EQ(response.runtime_api_version(), "v1");
}

TEST_F(RuntimeServiceTest, RuntimeConfigFollowsCgroupManager) {
  for (const auto& [manager, driver] : {std::pair{"cgroupfs", v1::CgroupDriver::CGROUPFS},
                                        {"systemd", v1::CgroupDriver::SYSTEMD}}) {
    config_.runtime.cgroup_manager = manager;
    config::ConfigHolder holder(config_);
    RuntimeService service(
        ServiceOptions{holder, *images_, *state_, *pods_, *containers_, *stats_, *streaming_});
    grpc::ServerContext context;
    v1::RuntimeConfigRequest request;
    v1::RuntimeConfigResponse response;
    ASSERT_TRUE(service.RuntimeConfig(&context, &request, &response).ok());
    EXPECT_EQ(response.linux().cgroup_driver(), driver) << manager;
  }
}

TEST_F(RuntimeServiceTest, NetworkNotReadyWithoutCniConfig) {
  const auto response = CallStatus(false);
  const auto* runtime = Condition(response, "RuntimeReady");
  const auto* network = Condition(response, "NetworkReady");
  ASSERT_NE(runtime, nullptr);
  ASSERT_NE(network, nullptr);
  EXPECT_TRUE(runtime->status());
  EXPECT_FALSE(network->status());
  EXPECT_EQ(network->reason(), "NetworkPluginNotReady");
  EXPECT_NE(network->message().find("No CNI configuration file in " + root_ + "/net.d"),
            std::string::npos);
  EXPECT_TRUE(response.info().empty());
}

TEST_F(RuntimeServiceTest, NetworkReadyWithConfigAndPlugins) {
  MakeExecutable("loopback");
  std::ofstream(root_ + "/net.d/99-lo.conf")
      << R"({"cniVersion": "1.0.0", "name": "lo", "type": "loopback"})";
  const auto response = CallStatus(false);
  EXPECT_TRUE(Condition(response, "NetworkReady")->status());
}

TEST_F(RuntimeServiceTest, RuntimeNotReadyWhenBinaryMissing) {
  std::filesystem::remove(root_ + "/bin/runc");
  const auto response = CallStatus(false);
  const auto* runtime = Condition(response, "RuntimeReady");
  EXPECT_FALSE(runtime->status());
  EXPECT_EQ(runtime->reason(), "RuntimeNotReady");
  EXPECT_FALSE(runtime->message().empty());
}

TEST_F(RuntimeServiceTest, VerboseAddsEffectiveConfigAsJson) {
  const auto response = CallStatus(true);
  ASSERT_EQ(response.info().count("config"), 1u);
  const auto json = nlohmann::json::parse(response.info().at("config"));
  EXPECT_EQ(json["crio"]["network"]["network_dir"], root_ + "/net.d");
  EXPECT_EQ(json["crio"]["runtime"]["cgroup_manager"], "cgroupfs");
}

TEST_F(RuntimeServiceTest, HandlersListedWithDefaultUnderEmptyName) {
  const auto response = CallStatus(false);
  bool saw_default = false;
  bool saw_named = false;
  for (const auto& handler : response.runtime_handlers()) {
    saw_default |= handler.name().empty();
    saw_named |= handler.name() == config_.runtime.default_runtime;
  }
  EXPECT_TRUE(saw_default);
  EXPECT_TRUE(saw_named);
}

TEST_F(RuntimeServiceTest, UpdateRuntimeConfigChecksThePodCidrs) {
  config::ConfigHolder holder(config_);
  RuntimeService service(
      ServiceOptions{holder, *images_, *state_, *pods_, *containers_, *stats_, *streaming_});
  const auto update = [&](const std::string& cidrs) {
    grpc::ServerContext context;
    v1::UpdateRuntimeConfigRequest request;
    request.mutable_runtime_config()->mutable_network_config()->set_pod_cidr(cidrs);
    v1::UpdateRuntimeConfigResponse response;
    return service.UpdateRuntimeConfig(&context, &request, &response);
  };
  EXPECT_TRUE(update("").ok());
  EXPECT_TRUE(update("10.244.1.0/24").ok());
  EXPECT_TRUE(update("10.244.1.0/24,fd00:10:244:1::/64").ok());
  for (const std::string bad : {"10.244.1.0", "10.244.1.0/33", "fd00::/129", "pods/24",
                                "10.244.1.0/24,", "10.244.1.0/-1"}) {
    const grpc::Status status = update(bad);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_NE(status.error_message().find("runtime_config.network_config.pod_cidr"),
              std::string::npos)
        << status.error_message();
  }
}

TEST_F(RuntimeServiceTest, LaterRpcsAnswerUnimplementedNamingThemselves) {
  config::ConfigHolder holder(config_);
  RuntimeService service(
      ServiceOptions{holder, *images_, *state_, *pods_, *containers_, *stats_, *streaming_});
  grpc::ServerContext context;
  v1::CheckpointContainerRequest request;
  v1::CheckpointContainerResponse response;
  const grpc::Status status = service.CheckpointContainer(&context, &request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(status.error_message().find("CheckpointContainer"), std::string::npos);
}

TEST_F(RuntimeServiceTest, UpdatePodSandboxResourcesChecksAndRecordsTheNewValues) {
  config::ConfigHolder holder(config_);
  RuntimeService service(
      ServiceOptions{holder, *images_, *state_, *pods_, *containers_, *stats_, *streaming_});
  store::PodRecord pod;
  pod.id = "pod-resized";
  pod.phase = store::Phase::kCreated;
  pod.config_json = R"({"metadata":{"name":"p"},"linux":{"cgroup_parent":"kubepods",)"
                    R"("overhead":{"cpu_shares":"10"}}})";
  ASSERT_TRUE(state_->AddPod(pod).ok());
  grpc::ServerContext context;
  const auto update = [&](const v1::UpdatePodSandboxResourcesRequest& request) {
    v1::UpdatePodSandboxResourcesResponse response;
    return service.UpdatePodSandboxResources(&context, &request, &response);
  };
  v1::UpdatePodSandboxResourcesRequest request;
  EXPECT_EQ(update(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "no id";
  request.set_pod_sandbox_id("nope");
  request.mutable_resources()->set_memory_limit_in_bytes(256 << 20);
  EXPECT_EQ(update(request).error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_pod_sandbox_id(pod.id);
  request.mutable_resources()->set_cpu_shares(-2);
  const grpc::Status negative = update(request);
  EXPECT_EQ(negative.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(negative.error_message().find("resources.cpu_shares"), std::string::npos)
      << negative.error_message();
  request.mutable_resources()->set_cpu_shares(512);
  const grpc::Status ok = update(request);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  // The recorded config (inspectp's) has the new resources; the overhead the request
  // no longer carries is gone; the rest is as it was.
  auto record = state_->GetPod(pod.id);
  ASSERT_TRUE(record.ok()) << record.status();
  const auto config = nlohmann::json::parse(record->config_json);
  EXPECT_EQ(config["linux"]["resources"]["cpu_shares"], "512");
  EXPECT_EQ(config["linux"]["resources"]["memory_limit_in_bytes"], "268435456");
  EXPECT_FALSE(config["linux"].contains("overhead"));
  EXPECT_EQ(config["linux"]["cgroup_parent"], "kubepods");
  EXPECT_EQ(config["metadata"]["name"], "p");
}

TEST_F(RuntimeServiceTest, StreamingCallsCheckTheirRequestAndTarget) {
  config::ConfigHolder holder(config_);
  RuntimeService service(
      ServiceOptions{holder, *images_, *state_, *pods_, *containers_, *stats_, *streaming_});
  grpc::ServerContext context;
  const auto exec = [&](const v1::ExecRequest& request) {
    v1::ExecResponse response;
    return service.Exec(&context, &request, &response);
  };
  v1::ExecRequest request;
  request.set_stdout(true);
  EXPECT_EQ(exec(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "no cmd";
  request.add_cmd("sh");
  EXPECT_EQ(exec(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "no container";
  request.set_container_id("nope");
  EXPECT_EQ(exec(request).error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_tty(true);
  request.set_stderr(true);
  const grpc::Status both = exec(request);
  EXPECT_EQ(both.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(both.error_message().find("tty and stderr cannot both be true"), std::string::npos);
  request.set_tty(false);
  request.set_stderr(false);
  request.set_stdout(false);
  const grpc::Status none = exec(request);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(none.error_message().find("one of stdin, stdout, or stderr"), std::string::npos);

  v1::AttachRequest attach;
  attach.set_container_id("nope");
  attach.set_stdout(true);
  v1::AttachResponse attached;
  EXPECT_EQ(service.Attach(&context, &attach, &attached).error_code(), grpc::StatusCode::NOT_FOUND);

  v1::PortForwardRequest forward;
  v1::PortForwardResponse forwarded;
  EXPECT_EQ(service.PortForward(&context, &forward, &forwarded).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  forward.set_pod_sandbox_id("nope");
  forward.add_port(80);
  forward.add_port(70000);
  const grpc::Status bad_port = service.PortForward(&context, &forward, &forwarded);
  EXPECT_EQ(bad_port.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad_port.error_message().find("port[1]"), std::string::npos)
      << bad_port.error_message();
  forward.clear_port();
  EXPECT_EQ(service.PortForward(&context, &forward, &forwarded).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RuntimeServiceTest, PodAndContainerCallsCheckTheirRequest) {
  config::ConfigHolder holder(config_);
  RuntimeService service(
      ServiceOptions{holder, *images_, *state_, *pods_, *containers_, *stats_, *streaming_});
  grpc::ServerContext context;
  v1::RunPodSandboxResponse ran;
  EXPECT_EQ(service.RunPodSandbox(&context, &v1::RunPodSandboxRequest::default_instance(), &ran)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::CreateContainerRequest create;
  v1::CreateContainerResponse created;
  EXPECT_EQ(service.CreateContainer(&context, &create, &created).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  create.set_pod_sandbox_id("nope");
  create.mutable_config()->mutable_metadata()->set_name("c");
  create.mutable_config()->mutable_image()->set_image("busybox");
  create.mutable_sandbox_config()->mutable_metadata()->set_name("pod");
  create.mutable_sandbox_config()->mutable_metadata()->set_namespace_("default");
  create.mutable_sandbox_config()->mutable_metadata()->set_uid("uid");
  EXPECT_EQ(service.CreateContainer(&context, &create, &created).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ContainerStatusRequest status_request;
  status_request.set_container_id("nope");
  v1::ContainerStatusResponse status;
  EXPECT_EQ(service.ContainerStatus(&context, &status_request, &status).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(EncodeContainerList(*state_, {}).empty()) << "no container, an empty response";
}

TEST_F(RuntimeServiceTest, TheEncodedContainerListIsTheResponseTheMessagesWouldGive) {
  store::PodRecord pod;
  pod.id = "pod1";
  pod.phase = store::Phase::kCreated;
  pod.name = "web";
  pod.pod_namespace = "default";
  ASSERT_TRUE(state_->AddPod(pod).ok());
  v1::ListContainersResponse expected;
  for (int i = 0; i < 40; ++i) {
    store::ContainerRecord c;
    c.id = "c" + std::to_string(100 + i);
    c.phase = store::Phase::kCreated;
    c.pod_id = "pod1";
    c.name = "app" + std::to_string(i);
    c.attempt = static_cast<std::uint32_t>(i);
    c.image = "busybox";
    c.image_id = "sha256:" + std::string(64, 'a');
    c.image_ref = "example.com/busybox@sha256:" + std::string(64, 'b');
    c.state = i % 2 == 0 ? store::ContainerState::kRunning : store::ContainerState::kExited;
    c.created_at = 1700000000000000000 + i;
    // Every other record has labels and annotations, so that the reused message must
    // forget those of the one before.
    if (i % 2 == 0) {
      c.labels = {{"app", "web"}, {"n", std::to_string(i)}};
      c.annotations = {{"note", std::string(static_cast<std::size_t>(i) * 10, 'x')}};
    }
    ASSERT_TRUE(state_->AddContainer(c).ok());
    if (i % 2 == 0) *expected.add_containers() = ToProtoContainer(c);
  }
  store::ContainerRecord infra;
  infra.id = "pod1";
  infra.phase = store::Phase::kCreated;
  infra.pod_id = "pod1";
  infra.name = "POD";
  infra.infra = true;
  ASSERT_TRUE(state_->AddContainer(infra).ok());

  store::ContainerFilter running;
  running.state = store::ContainerState::kRunning;
  // Without kept entries (each encoded on the spot), then with them (the daemon's way).
  for (const bool kept : {false, true}) {
    SCOPED_TRACE(kept ? "entries kept by the store" : "entries encoded per call");
    if (kept) {
      state_->SetContainerEncoder(EncodeListEntry);
      // A change after the encoder was set re-encodes the entry.
      ASSERT_TRUE(state_
                      ->UpdateContainer(
                          "c100", [](store::ContainerRecord& c) { c.labels["changed"] = "yes"; })
                      .ok());
      expected.mutable_containers(0)->mutable_labels()->insert({"changed", "yes"});
      EXPECT_FALSE(state_->GetContainer("c101")->list_entry.empty());
    }
    v1::ListContainersResponse decoded;
    ASSERT_TRUE(decoded.ParseFromString(EncodeContainerList(*state_, running)));
    ASSERT_EQ(decoded.containers_size(), 20);
    // Maps serialize in no fixed order: compare message by message, maps as maps.
    for (int i = 0; i < decoded.containers_size(); ++i) {
      const v1::Container& got = decoded.containers(i);
      const v1::Container& want = expected.containers(i);
      EXPECT_EQ(got.id(), want.id());
      EXPECT_EQ(got.metadata().attempt(), want.metadata().attempt());
      EXPECT_EQ(got.state(), want.state());
      EXPECT_EQ(got.image_ref(), want.image_ref());
      using Map = std::map<std::string, std::string>;
      const Map got_labels(got.labels().begin(), got.labels().end());
      const Map want_labels(want.labels().begin(), want.labels().end());
      const Map got_annotations(got.annotations().begin(), got.annotations().end());
      const Map want_annotations(want.annotations().begin(), want.annotations().end());
      EXPECT_EQ(got_labels, want_labels);
      EXPECT_EQ(got_annotations, want_annotations);
      v1::Container got_plain = got;
      v1::Container want_plain = want;
      got_plain.clear_labels();
      got_plain.clear_annotations();
      want_plain.clear_labels();
      want_plain.clear_annotations();
      EXPECT_EQ(got_plain.SerializeAsString(), want_plain.SerializeAsString()) << i;
    }
  }
  v1::ListContainersResponse all;
  ASSERT_TRUE(all.ParseFromString(EncodeContainerList(*state_, {})));
  EXPECT_EQ(all.containers_size(), 40) << "the pod's infra container is never listed";
}

}  // namespace
}  // namespace crio::cri
