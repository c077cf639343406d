// ApplyReloadable: what a SIGHUP may change.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crio/config/config.h"

namespace crio::config {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

TEST(ReloadTest, NothingChanged) {
  const Config c = Config::Defaults();
  const ReloadResult r = ApplyReloadable(c, c);
  EXPECT_EQ(r.config, c);
  EXPECT_THAT(r.changes, IsEmpty());
  EXPECT_THAT(r.needs_restart, IsEmpty());
}

TEST(ReloadTest, LogLevelChangeIsAppliedAndDescribed) {
  const Config running = Config::Defaults();
  Config fresh = running;
  fresh.runtime.log_level = "debug";
  const ReloadResult r = ApplyReloadable(running, fresh);
  EXPECT_EQ(r.config.runtime.log_level, "debug");
  EXPECT_THAT(r.changes, ElementsAre("crio.runtime.log_level: info -> debug"));
  EXPECT_THAT(r.needs_restart, IsEmpty());
  EXPECT_EQ(r.config, fresh);
}

TEST(ReloadTest, AllowedAnnotationsOfHandlersAndWorkloadsAreApplied) {
  Config running = Config::Defaults();
  running.runtime.workloads["w"].activation_annotation = "io/w";
  Config fresh = running;
  fresh.runtime.runtimes["crun"].allowed_annotations = {"seccomp-profile.kubernetes.cri-o.io"};
  fresh.runtime.workloads["w"].allowed_annotations = {"io.kubernetes.cri-o.ShmSize"};
  const ReloadResult r = ApplyReloadable(running, fresh);
  EXPECT_EQ(r.config, fresh);
  EXPECT_THAT(r.changes,
              UnorderedElementsAre(
                  "crio.runtime.runtimes.crun.allowed_annotations: [\"io.containers.trace-syscall"
                  "\", \"io.kubernetes.cri-o.Devices\"] -> "
                  "[\"seccomp-profile.kubernetes.cri-o.io\"]",
                  "crio.runtime.workloads.w.allowed_annotations: [] -> "
                  "[\"io.kubernetes.cri-o.ShmSize\"]"));
  EXPECT_THAT(r.needs_restart, IsEmpty());
}

TEST(ReloadTest, ListenChangeNeedsRestartAndIsNotApplied) {
  const Config running = Config::Defaults();
  Config fresh = running;
  fresh.api.listen = "/run/other.sock";
  fresh.runtime.log_level = "warn";
  const ReloadResult r = ApplyReloadable(running, fresh);
  EXPECT_EQ(r.config.api.listen, "/var/run/crio/crio.sock");
  EXPECT_EQ(r.config.runtime.log_level, "warn");
  EXPECT_THAT(r.needs_restart, ElementsAre("crio.api.listen"));
  EXPECT_THAT(r.changes, ElementsAre("crio.runtime.log_level: info -> warn"));
}

TEST(ReloadTest, ImageKeysAreLive) {
  const Config running = Config::Defaults();
  Config fresh = running;
  fresh.image.pause_image = "registry.k8s.io/pause:3.9";
  fresh.image.global_auth_file = "/var/lib/kubelet/config.json";
  fresh.image.insecure_registries = {"localhost:5000"};
  fresh.image.pinned_images = {"registry.k8s.io/pause*"};
  fresh.image.default_transport = "oci:";  // not live
  const ReloadResult r = ApplyReloadable(running, fresh);
  EXPECT_EQ(r.config.image.pause_image, "registry.k8s.io/pause:3.9");
  EXPECT_EQ(r.config.image.global_auth_file, "/var/lib/kubelet/config.json");
  EXPECT_THAT(r.config.image.insecure_registries, ElementsAre("localhost:5000"));
  EXPECT_THAT(r.config.image.pinned_images, ElementsAre("registry.k8s.io/pause*"));
  EXPECT_EQ(r.config.image.default_transport, "docker://");
  EXPECT_THAT(r.changes, Contains("crio.image.pause_image: registry.k8s.io/pause:3.10 -> "
                                  "registry.k8s.io/pause:3.9"));
  EXPECT_THAT(r.changes, Contains("crio.image.global_auth_file: \"\" -> "
                                  "/var/lib/kubelet/config.json"));
  EXPECT_THAT(r.needs_restart, ElementsAre("crio.image.default_transport"));
}

TEST(ReloadTest, AddedOrRemovedHandlersNeedRestart) {
  const Config running = Config::Defaults();
  Config fresh = running;
  fresh.runtime.runtimes["kata"].runtime_type = "vm";
  fresh.runtime.runtimes.erase("crun");
  fresh.runtime.runtimes["runc"].runtime_root = "/run/runc2";
  const ReloadResult r = ApplyReloadable(running, fresh);
  EXPECT_EQ(r.config, running);
  EXPECT_THAT(r.needs_restart,
              UnorderedElementsAre("crio.runtime.runtimes.crun", "crio.runtime.runtimes.kata",
                                   "crio.runtime.runtimes.runc.runtime_root"));
  EXPECT_THAT(r.changes, IsEmpty());
}

TEST(ReloadTest, DefaultRuntimeIsLiveOnlyForARunningHandler) {
  const Config running = Config::Defaults();
  Config fresh = running;
  fresh.runtime.default_runtime = "crun";
  ReloadResult r = ApplyReloadable(running, fresh);
  EXPECT_EQ(r.config.runtime.default_runtime, "crun");
  EXPECT_THAT(r.changes, ElementsAre("crio.runtime.default_runtime: runc -> crun"));

  fresh.runtime.runtimes["kata"].runtime_type = "vm";
  fresh.runtime.default_runtime = "kata";
  r = ApplyReloadable(running, fresh);
  EXPECT_EQ(r.config.runtime.default_runtime, "runc");
  EXPECT_THAT(r.needs_restart,
              UnorderedElementsAre("crio.runtime.runtimes.kata", "crio.runtime.default_runtime"));
}

TEST(ReloadTest, WorkloadResourcesNeedRestart) {
  Config running = Config::Defaults();
  running.runtime.workloads["w"].activation_annotation = "io/w";
  Config fresh = running;
  fresh.runtime.workloads["w"].resources.emplace().cpushares = 5;
  const ReloadResult r = ApplyReloadable(running, fresh);
  EXPECT_EQ(r.config, running);
  EXPECT_THAT(r.needs_restart, ElementsAre("crio.runtime.workloads.w.resources"));
}

}  // namespace
}  // namespace crio::config
