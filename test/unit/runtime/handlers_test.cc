#include "crio/runtime/handlers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fake_runtime.h"

namespace crio::runtime {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::FakeRuntimeDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Only to see what the registry hands to the runtime factory.
class RecordingRuntime final : public OciRuntime {
 public:
  explicit RecordingRuntime(RuncRuntimeOptions o) : options(std::move(o)) {}
  absl::Status Start(const RequestContext&, const std::string&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<ContainerState> State(const RequestContext&, const std::string&) override {
    return absl::NotFoundError("recording runtime");
  }
  absl::Status Kill(const RequestContext&, const std::string&, int, bool) override {
    return absl::OkStatus();
  }
  absl::Status Delete(const RequestContext&, const std::string&, bool) override {
    return absl::OkStatus();
  }
  absl::Status Pause(const RequestContext&, const std::string&) override {
    return absl::OkStatus();
  }
  absl::Status Resume(const RequestContext&, const std::string&) override {
    return absl::OkStatus();
  }
  absl::Status Update(const RequestContext&, const std::string&, const std::string&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<ContainerState>> List(const RequestContext&) override {
    return std::vector<ContainerState>{};
  }
  absl::StatusOr<ExecResult> ExecSync(const RequestContext&, const std::string&,
                                      const ExecRequest&) override {
    return ExecResult{};
  }
  RuncRuntimeOptions options;
};

class HandlerRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = config::Config::Defaults();
    config_.runtime.cgroup_manager = "cgroupfs";
    config_.runtime.runtimes["runc"].runtime_path = fake_.Binary("runc");
    config_.runtime.runtimes["crun"].runtime_path = fake_.Binary("crun");
  }

  std::shared_ptr<const HandlerRegistry> MustBuild(const RegistryOptions& options = {}) {
    auto registry = HandlerRegistry::Build(config_, options);
    EXPECT_TRUE(registry.ok()) << registry.status();
    return registry.ok() ? *registry : nullptr;
  }

  FakeRuntimeDir fake_;
  config::Config config_;
  RequestContext ctx_{.id = "test", .method = "Test"};
};

TEST_F(HandlerRegistryTest, EmptyNameIsTheDefault) {
  auto registry = MustBuild();
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->default_name(), "runc");
  auto handler = registry->Lookup("");
  ASSERT_TRUE(handler.ok()) << handler.status();
  EXPECT_EQ((*handler)->name, "runc");
  EXPECT_EQ((*handler)->runtime_path, fake_.Binary("runc"));
  EXPECT_EQ((*handler)->runtime_root, "/run/runc");
  EXPECT_THAT((*handler)->runtime_global_args, ElementsAre("--root", "/run/runc"));
  EXPECT_TRUE((*handler)->runtime_flags.empty());
  EXPECT_EQ((*handler)->create_timeout, std::chrono::seconds(240));
  ASSERT_NE((*handler)->runtime, nullptr);
  EXPECT_THAT(registry->Names(), ElementsAre("crun", "runc"));
  EXPECT_TRUE(registry->warnings().empty());
}

TEST_F(HandlerRegistryTest, NamedHandler) {
  config_.runtime.runtimes["crun"].container_create_timeout = 60;
  auto registry = MustBuild();
  auto handler = registry->Lookup("crun");
  ASSERT_TRUE(handler.ok()) << handler.status();
  EXPECT_EQ((*handler)->name, "crun");
  EXPECT_EQ((*handler)->runtime_path, fake_.Binary("crun"));
  EXPECT_EQ((*handler)->runtime_root, "/run/crun");
  EXPECT_EQ((*handler)->create_timeout, std::chrono::seconds(60));
  EXPECT_EQ((*handler)->config, config_.runtime.runtimes["crun"]);
}

TEST_F(HandlerRegistryTest, TheRuntimeRunsTheResolvedBinary) {
  auto registry = MustBuild();
  auto handler = registry->Lookup("crun");
  ASSERT_TRUE(handler.ok());
  ASSERT_TRUE((*handler)->runtime->Start(ctx_, "c9").ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", "/run/crun", "start", "c9"));
}

TEST_F(HandlerRegistryTest, UnknownHandler) {
  auto registry = MustBuild();
  auto handler = registry->Lookup("kata");
  EXPECT_EQ(handler.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(handler.status().message()),
              StartsWith("runtime handler \"kata\" is not configured"));
  EXPECT_THAT(std::string(handler.status().message()), HasSubstr("crun, runc"));
}

TEST_F(HandlerRegistryTest, EmptyRuntimePathIsLookedUpInPath) {
  std::filesystem::copy_file(fake_.Binary("runc"), fake_.dir() + "/bin/fakert");
  config::RuntimeHandler table;
  config_.runtime.runtimes["fakert"] = table;
  const char* old_path = std::getenv("PATH");
  const std::string saved = old_path != nullptr ? old_path : "";
  ::setenv("PATH", ("/nonexistent:" + fake_.dir() + "/bin").c_str(), 1);
  auto registry = HandlerRegistry::Build(config_);
  ::setenv("PATH", saved.c_str(), 1);
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto handler = (*registry)->Lookup("fakert");
  ASSERT_TRUE(handler.ok()) << handler.status();
  EXPECT_EQ((*handler)->runtime_path, fake_.dir() + "/bin/fakert");
  EXPECT_EQ((*handler)->runtime_root, "/run/fakert");
}

TEST_F(HandlerRegistryTest, MissingBinaryOfAnotherHandlerFailsOnlyItsLookup) {
  config::RuntimeHandler gone;
  gone.runtime_path = fake_.dir() + "/bin/missing";
  config_.runtime.runtimes["gone"] = gone;
  config::RuntimeHandler unfindable;  // runtime_path empty, name not in $PATH
  config_.runtime.runtimes["crio-no-such-runtime"] = unfindable;
  auto registry = MustBuild();
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->warnings().size(), 2u);
  auto handler = registry->Lookup("gone");
  EXPECT_EQ(handler.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(handler.status().message()), HasSubstr("runtime handler \"gone\""));
  EXPECT_THAT(std::string(handler.status().message()), HasSubstr("/bin/missing"));
  EXPECT_EQ(registry->Lookup("crio-no-such-runtime").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(registry->Lookup("runc").ok());
  EXPECT_THAT(registry->Names(), Contains("gone"));
}

TEST_F(HandlerRegistryTest, MissingDefaultBinaryFailsTheBuild) {
  config_.runtime.runtimes["runc"].runtime_path = fake_.dir() + "/bin/missing";
  auto registry = HandlerRegistry::Build(config_);
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(registry.status().message()), HasSubstr("crio.runtime.default_runtime"));
}

TEST_F(HandlerRegistryTest, DefaultMustBeConfigured) {
  config_.runtime.default_runtime = "youki";
  auto registry = HandlerRegistry::Build(config_);
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(registry.status().message()), HasSubstr("\"youki\" is not configured"));
}

TEST_F(HandlerRegistryTest, VmAndPodRuntimesAreNotSupportedYet) {
  config::RuntimeHandler kata;
  kata.runtime_path = fake_.Binary("runc");
  kata.runtime_type = "vm";
  config_.runtime.runtimes["kata"] = kata;
  kata.runtime_type = "pod";
  config_.runtime.runtimes["podrt"] = kata;
  auto registry = MustBuild();
  auto handler = registry->Lookup("kata");
  EXPECT_EQ(handler.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(handler.status().message()),
              HasSubstr("runtime handler \"kata\": runtime_type \"vm\" is not supported yet"));
  EXPECT_THAT(std::string(registry->Lookup("podrt").status().message()), HasSubstr("\"pod\""));

  config_.runtime.default_runtime = "kata";
  EXPECT_FALSE(HandlerRegistry::Build(config_).ok());
}

TEST_F(HandlerRegistryTest, SystemdCgroupManager) {
  config_.runtime.cgroup_manager = "systemd";
  auto handler = MustBuild()->Lookup("runc");
  ASSERT_TRUE(handler.ok());
  EXPECT_THAT((*handler)->runtime_global_args,
              ElementsAre("--root", "/run/runc", "--systemd-cgroup"));
  EXPECT_THAT((*handler)->runtime_flags, ElementsAre("--systemd-cgroup"));
}

TEST_F(HandlerRegistryTest, ExplicitRuntimeRoot) {
  config_.runtime.runtimes["runc"].runtime_root = "/var/run/my-runc";
  auto handler = MustBuild()->Lookup("runc");
  ASSERT_TRUE(handler.ok());
  EXPECT_EQ((*handler)->runtime_root, "/var/run/my-runc");
  EXPECT_THAT((*handler)->runtime_global_args, ElementsAre("--root", "/var/run/my-runc"));
}

TEST_F(HandlerRegistryTest, MonitorPath) {
  RegistryOptions options;
  options.self_exe = "/opt/crio/bin/crio";
  config_.runtime.runtimes["crun"].monitor_path = "/usr/libexec/crio/crio-monitor";
  auto registry = MustBuild(options);
  EXPECT_EQ((*registry->Lookup("runc"))->monitor_path, "/opt/crio/bin/crio-monitor");
  EXPECT_EQ((*registry->Lookup("crun"))->monitor_path, "/usr/libexec/crio/crio-monitor");

  // By default, beside the running executable (here the test binary).
  auto from_proc = MustBuild();
  const auto self = std::filesystem::read_symlink("/proc/self/exe");
  EXPECT_EQ((*from_proc->Lookup("runc"))->monitor_path,
            (self.parent_path() / "crio-monitor").string());
}

TEST_F(HandlerRegistryTest, MonitorEnvReachesTheRuntime) {
  config_.runtime.runtimes["runc"].monitor_env = {"FAKE_MONITOR_ENV=yes", "PATH=/usr/bin:/bin"};
  auto handler = MustBuild()->Lookup("runc");
  ASSERT_TRUE(handler.ok());
  EXPECT_THAT((*handler)->runtime_env, Contains("FAKE_MONITOR_ENV=yes"));
  EXPECT_THAT((*handler)->runtime_env, Contains("PATH=/usr/bin:/bin"));
  EXPECT_THAT((*handler)->runtime_env, ::testing::Not(Contains(StartsWith("PATH=/nonexistent"))));
  ASSERT_TRUE((*handler)->runtime->Start(ctx_, "c1").ok());
  EXPECT_THAT(fake_.LastEnv(), HasSubstr("FAKE_MONITOR_ENV=yes\n"));
  EXPECT_THAT(fake_.LastEnv(), HasSubstr("PATH=/usr/bin:/bin\n"));
}

TEST_F(HandlerRegistryTest, PlatformRuntimePathWins) {
  config_.runtime.runtimes["runc"].platform_runtime_paths = {{"linux/amd64", fake_.Binary("crun")},
                                                             {"linux/arm64", fake_.Binary("crun")}};
#if !defined(__x86_64__) && !defined(__aarch64__)
  GTEST_SKIP() << "platform key not covered by this test";
#endif
  auto handler = MustBuild()->Lookup("runc");
  ASSERT_TRUE(handler.ok());
  EXPECT_EQ((*handler)->runtime_path, fake_.Binary("crun"));
}

TEST_F(HandlerRegistryTest, RuntimeFactoryGetsTheResolvedOptions) {
  config_.runtime.cgroup_manager = "systemd";
  RegistryOptions options;
  options.runtime_timeout = std::chrono::milliseconds(1234);
  options.temp_dir = "/tmp/x";
  std::vector<RuncRuntimeOptions> made;
  options.make_runtime = [&made](const RuncRuntimeOptions& o) {
    made.push_back(o);
    return std::make_unique<RecordingRuntime>(o);
  };
  auto registry = MustBuild(options);
  ASSERT_EQ(made.size(), 2u);
  const RuncRuntimeOptions& runc = made[1];  // handlers are resolved in name order
  EXPECT_EQ(runc.name, "runc");
  EXPECT_EQ(runc.path, fake_.Binary("runc"));
  EXPECT_EQ(runc.root, "/run/runc");
  EXPECT_TRUE(runc.systemd_cgroup);
  EXPECT_EQ(runc.timeout, std::chrono::milliseconds(1234));
  EXPECT_EQ(runc.temp_dir, "/tmp/x");
  EXPECT_TRUE(runc.start_through_exec_fifo);
  EXPECT_FALSE(made[0].start_through_exec_fifo) << "crun's start does more than runc's";
  auto handler = registry->Lookup("runc");
  ASSERT_TRUE(handler.ok());
  EXPECT_NE(dynamic_cast<const RecordingRuntime*>((*handler)->runtime.get()), nullptr);
}

TEST_F(HandlerRegistryTest, ANotifySocketLeavesTheStartToRunc) {
  config_.runtime.runtimes["runc"].monitor_env = {"NOTIFY_SOCKET=/run/notify.sock"};
  RegistryOptions options;
  std::vector<RuncRuntimeOptions> made;
  options.make_runtime = [&made](const RuncRuntimeOptions& o) {
    made.push_back(o);
    return std::make_unique<RecordingRuntime>(o);
  };
  MustBuild(options);
  ASSERT_EQ(made.size(), 2u);
  EXPECT_EQ(made[1].name, "runc");
  EXPECT_FALSE(made[1].start_through_exec_fifo);
}

TEST_F(HandlerRegistryTest, HandlersOutliveASwappedRegistry) {
  auto registry = MustBuild();
  auto handler = registry->Lookup("runc");
  ASSERT_TRUE(handler.ok());
  std::shared_ptr<const Handler> kept = *handler;

  // SIGHUP: a new snapshot from a changed config replaces the old one.
  config_.runtime.runtimes.erase("crun");
  registry = MustBuild();
  EXPECT_EQ(registry->Lookup("crun").status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(kept->runtime->Start(ctx_, "c1").ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", "/run/runc", "start", "c1"));
}

}  // namespace
}  // namespace crio::runtime
