// CreateContainer's proto messages -> the spec builder's domain values.

#include "container_convert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/text_format.h>

#include <string>

namespace crio::cri {
namespace {

namespace v1 = ::runtime::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

v1::ContainerConfig Parse(const std::string& text) {
  v1::ContainerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  return config;
}

constexpr char kMinimal[] = R"pb(
  metadata { name: "app" attempt: 2 }
  image { image: "busybox" }
)pb";

TEST(ToContainerRequestTest, FullConfig) {
  const v1::ContainerConfig config = Parse(R"pb(
    metadata { name: "app" attempt: 2 }
    image { image: "docker.io/library/busybox:1.36" }
    command: "/bin/sh"
    args: "-c"
    args: "true"
    working_dir: "/srv"
    envs { key: "A" value: "1" }
    envs { key: "B" value: "x=y" }
    mounts {
      container_path: "/data"
      host_path: "/var/lib/data"
      readonly: true
      propagation: PROPAGATION_HOST_TO_CONTAINER
    }
    mounts { container_path: "/shared" host_path: "/mnt" propagation: PROPAGATION_BIDIRECTIONAL }
    devices { container_path: "/dev/xvdc" host_path: "/dev/sdc" permissions: "mrw" }
    labels { key: "io.kubernetes.container.name" value: "app" }
    annotations { key: "io.kubernetes.container.hash" value: "abc" }
    log_path: "app/2.log"
    stdin: true
    stdin_once: true
    tty: true
    linux {
      resources {
        cpu_period: 100000
        cpu_quota: 20000
        cpu_shares: 256
        memory_limit_in_bytes: 67108864
        memory_swap_limit_in_bytes: -1
        oom_score_adj: -997
        cpuset_cpus: "0-1"
        cpuset_mems: "0"
        hugepage_limits { page_size: "2MB" limit: 4194304 }
        unified { key: "memory.high" value: "50M" }
      }
      security_context {
        capabilities {
          add_capabilities: "NET_ADMIN"
          drop_capabilities: "ALL"
          add_ambient_capabilities: "NET_BIND_SERVICE"
        }
        namespace_options { network: NODE pid: CONTAINER ipc: POD }
        run_as_user { value: 1000 }
        run_as_group { value: 3000 }
        readonly_rootfs: true
        supplemental_groups: 4000
        supplemental_groups_policy: Strict
        no_new_privs: true
        masked_paths: "/proc/kcore"
        readonly_paths: "/proc/sys"
      }
    }
    stop_signal: SIGRTMINPLUS3
  )pb");
  absl::StatusOr<spec::ContainerRequest> got = ToContainerRequest(config);
  ASSERT_TRUE(got.ok()) << got.status();
  const spec::ContainerRequest& r = *got;
  EXPECT_EQ(r.name, "app");
  EXPECT_EQ(r.attempt, 2u);
  EXPECT_EQ(r.image, "docker.io/library/busybox:1.36");
  EXPECT_THAT(r.command, ElementsAre("/bin/sh"));
  EXPECT_THAT(r.args, ElementsAre("-c", "true"));
  EXPECT_EQ(r.working_dir, "/srv");
  EXPECT_THAT(r.envs, ElementsAre(Pair("A", "1"), Pair("B", "x=y")));
  ASSERT_EQ(r.mounts.size(), 2u);
  EXPECT_EQ(r.mounts[0], (spec::Mount{.container_path = "/data",
                                      .host_path = "/var/lib/data",
                                      .readonly = true,
                                      .propagation = spec::MountPropagation::kHostToContainer}));
  EXPECT_EQ(r.mounts[1].propagation, spec::MountPropagation::kBidirectional);
  EXPECT_EQ(r.devices, (std::vector<spec::DeviceRequest>{{"/dev/xvdc", "/dev/sdc", "mrw"}}));
  EXPECT_THAT(r.labels, ElementsAre(Pair("io.kubernetes.container.name", "app")));
  EXPECT_THAT(r.annotations, ElementsAre(Pair("io.kubernetes.container.hash", "abc")));
  EXPECT_EQ(r.log_path, "app/2.log");
  EXPECT_TRUE(r.stdin);
  EXPECT_TRUE(r.stdin_once);
  EXPECT_TRUE(r.tty);
  EXPECT_EQ(r.resources.cpu_period, 100000);
  EXPECT_EQ(r.resources.cpu_quota, 20000);
  EXPECT_EQ(r.resources.cpu_shares, 256);
  EXPECT_EQ(r.resources.memory_limit_in_bytes, 64 << 20);
  EXPECT_EQ(r.resources.memory_swap_limit_in_bytes, -1);
  EXPECT_EQ(r.resources.oom_score_adj, -997);
  EXPECT_EQ(r.resources.cpuset_cpus, "0-1");
  EXPECT_EQ(r.resources.cpuset_mems, "0");
  EXPECT_EQ(r.resources.hugepage_limits, (std::vector<spec::HugepageLimit>{{"2MB", 4194304}}));
  EXPECT_THAT(r.resources.unified, ElementsAre(Pair("memory.high", "50M")));
  const spec::SecurityContext& sc = r.security;
  EXPECT_THAT(sc.add_capabilities, ElementsAre("NET_ADMIN"));
  EXPECT_THAT(sc.drop_capabilities, ElementsAre("ALL"));
  EXPECT_THAT(sc.add_ambient_capabilities, ElementsAre("NET_BIND_SERVICE"));
  EXPECT_EQ(sc.namespace_options.network, spec::NamespaceMode::kNode);
  EXPECT_EQ(sc.namespace_options.pid, spec::NamespaceMode::kContainer);
  EXPECT_EQ(sc.namespace_options.ipc, spec::NamespaceMode::kPod);
  EXPECT_EQ(sc.run_as_user, 1000);
  EXPECT_EQ(sc.run_as_group, 3000);
  EXPECT_TRUE(sc.readonly_rootfs);
  EXPECT_THAT(sc.supplemental_groups, ElementsAre(4000));
  EXPECT_EQ(sc.supplemental_groups_policy, spec::SupplementalGroupsPolicy::kStrict);
  EXPECT_TRUE(sc.no_new_privs);
  EXPECT_THAT(sc.masked_paths, ElementsAre("/proc/kcore"));
  EXPECT_THAT(sc.readonly_paths, ElementsAre("/proc/sys"));
  EXPECT_EQ(r.stop_signal, "SIGRTMIN+3");
}

TEST(ToContainerRequestTest, MinimalHasDefaults) {
  absl::StatusOr<spec::ContainerRequest> got = ToContainerRequest(Parse(kMinimal));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->security.namespace_options.pid, spec::NamespaceMode::kPod);
  EXPECT_FALSE(got->security.run_as_user.has_value());
  EXPECT_EQ(got->stop_signal, "");
  EXPECT_EQ(got->security, spec::SecurityContext{});
}

struct Bad {
  std::string name;
  std::string text;
  absl::StatusCode code;
  std::string error;
};

class ToContainerRequestBadTest : public ::testing::TestWithParam<Bad> {};

TEST_P(ToContainerRequestBadTest, Refused) {
  absl::StatusOr<spec::ContainerRequest> got = ToContainerRequest(Parse(GetParam().text));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), GetParam().code) << got.status();
  EXPECT_THAT(std::string(got.status().message()), HasSubstr(GetParam().error));
}

const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
const absl::StatusCode kUnimplemented = absl::StatusCode::kUnimplemented;

INSTANTIATE_TEST_SUITE_P(
    Table, ToContainerRequestBadTest,
    ::testing::Values(
        Bad{"NoMetadata", R"pb(image { image: "x" })pb", kInvalid, "config.metadata: missing"},
        Bad{"NoName", R"pb(metadata { attempt: 1 }
                           image { image: "x" })pb",
            kInvalid, "config.metadata.name: empty"},
        Bad{"NoImage", R"pb(metadata { name: "a" })pb", kInvalid, "config.image.image: empty"},
        Bad{"RelativeMount",
            std::string(kMinimal) + R"pb(mounts { container_path: "data" host_path: "/d" })pb",
            kInvalid, "config.mounts[0].container_path: \"data\" is not absolute"},
        Bad{"EmptyMountSource", std::string(kMinimal) + R"pb(mounts { container_path: "/d" })pb",
            kInvalid, "config.mounts[0].host_path: empty"},
        Bad{"ImageVolume", std::string(kMinimal) + R"pb(mounts {
                                                          container_path: "/d"
                                                          image { image: "i" }
                                                        })pb",
            kUnimplemented, "config.mounts[0].image"},
        Bad{"IdMappedMount",
            std::string(kMinimal) +
                R"pb(mounts {
                       container_path: "/d"
                       host_path: "/h"
                       uidMappings { host_id: 1 container_id: 0 length: 1 }
                     })pb",
            kUnimplemented, "ID-mapped"},
        Bad{"RelativeWorkingDir", std::string(kMinimal) + R"pb(working_dir: "srv")pb", kInvalid,
            "config.working_dir"},
        Bad{"EmptyEnvKey", std::string(kMinimal) + R"pb(envs { value: "v" })pb", kInvalid,
            "config.envs[0].key: empty"},
        Bad{"EnvKeyWithEquals", std::string(kMinimal) + R"pb(envs { key: "A=B" value: "v" })pb",
            kInvalid, "config.envs[0].key"},
        Bad{"RelativeDevice",
            std::string(kMinimal) + R"pb(devices { container_path: "/dev/x" host_path: "sdc" })pb",
            kInvalid, "config.devices[0].host_path"},
        Bad{"DevicePermissions", std::string(kMinimal) + R"pb(devices {
                                                                container_path: "/dev/x"
                                                                host_path: "/dev/x"
                                                                permissions: "rwx"
                                                              })pb",
            kInvalid, "config.devices[0].permissions"},
        Bad{"CdiDevice", std::string(kMinimal) + R"pb(CDI_devices { name: "vendor.com/gpu=0" })pb",
            kUnimplemented, "CDI"},
        Bad{"NegativeShares",
            std::string(kMinimal) + R"pb(linux { resources { cpu_shares: -2 } })pb", kInvalid,
            "config.linux.resources.cpu_shares"},
        Bad{"NegativePeriod",
            std::string(kMinimal) + R"pb(linux { resources { cpu_period: -1 } })pb", kInvalid,
            "cpu_period"},
        Bad{"NegativeQuota", std::string(kMinimal) + R"pb(linux { resources { cpu_quota: -2 } })pb",
            kInvalid, "cpu_quota"},
        Bad{"NegativeMemory",
            std::string(kMinimal) + R"pb(linux { resources { memory_limit_in_bytes: -1 } })pb",
            kInvalid, "memory_limit_in_bytes"},
        Bad{"NegativeSwap",
            std::string(kMinimal) + R"pb(linux { resources { memory_swap_limit_in_bytes: -2 } })pb",
            kInvalid, "memory_swap_limit_in_bytes"},
        Bad{"OomScoreAdj",
            std::string(kMinimal) + R"pb(linux { resources { oom_score_adj: -1001 } })pb", kInvalid,
            "oom_score_adj"},
        Bad{"HugepageWithoutSize",
            std::string(kMinimal) + R"pb(linux { resources { hugepage_limits { limit: 1 } } })pb",
            kInvalid, "hugepage_limits[0].page_size"},
        Bad{"NegativeUser",
            std::string(kMinimal) +
                R"pb(linux { security_context { run_as_user { value: -1 } } })pb",
            kInvalid, "config.linux.security_context.run_as_user: -1 is out of range"},
        Bad{"HugeUser",
            std::string(kMinimal) + R"pb(linux {
                                           security_context { run_as_user { value: 2147483648 } }
                                         })pb",
            kInvalid, "run_as_user: 2147483648"},
        Bad{"GroupWithoutUser",
            std::string(kMinimal) +
                R"pb(linux { security_context { run_as_group { value: 1 } } })pb",
            kInvalid, "run_as_group: set without run_as_user"},
        Bad{"NegativeSupplementalGroup",
            std::string(kMinimal) + R"pb(linux { security_context { supplemental_groups: -5 } })pb",
            kInvalid, "supplemental_groups[0]"},
        Bad{"TargetWithoutId",
            std::string(kMinimal) + R"pb(linux {
                                           security_context { namespace_options { pid: TARGET } }
                                         })pb",
            kInvalid, "target_id"},
        Bad{"UserNamespace",
            std::string(kMinimal) + R"pb(linux {
                                           security_context {
                                             namespace_options {
                                               userns_options {
                                                 mode: POD
                                                 uids { host_id: 100000 length: 65536 }
                                               }
                                             }
                                           }
                                         })pb",
            kUnimplemented, "user namespaces"}),
    [](const ::testing::TestParamInfo<Bad>& param_info) { return param_info.param.name; });

TEST(SignalNameTest, Names) {
  EXPECT_EQ(SignalName(v1::RUNTIME_DEFAULT), "");
  EXPECT_EQ(SignalName(static_cast<v1::Signal>(23)), "SIGTERM");
  EXPECT_EQ(SignalName(v1::SIGRTMINPLUS1), "SIGRTMIN+1");
  EXPECT_EQ(SignalName(v1::SIGRTMAXMINUS14), "SIGRTMAX-14");
  EXPECT_EQ(SignalName(static_cast<v1::Signal>(65)), "SIGRTMAX");
}

TEST(ToPodContextTest, PodLevelValues) {
  v1::PodSandboxConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        metadata { name: "web" uid: "uid-1" namespace: "default" attempt: 3 }
        hostname: "web-0"
        log_directory: "/var/log/pods/default_web_uid-1"
        linux {
          cgroup_parent: "/kubepods/besteffort/poduid-1"
          sysctls { key: "net.ipv4.ip_forward" value: "1" }
          security_context {
            namespace_options { network: NODE ipc: NODE pid: POD }
            privileged: true
          }
        }
      )pb",
      &config));
  absl::StatusOr<spec::PodContext> pod = ToPodContext(config);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->name, "web");
  EXPECT_EQ(pod->uid, "uid-1");
  EXPECT_EQ(pod->namespace_, "default");
  EXPECT_EQ(pod->attempt, 3u);
  EXPECT_EQ(pod->hostname, "web-0");
  EXPECT_EQ(pod->log_directory, "/var/log/pods/default_web_uid-1");
  EXPECT_EQ(pod->cgroup_parent, "/kubepods/besteffort/poduid-1");
  EXPECT_THAT(pod->sysctls, ElementsAre(Pair("net.ipv4.ip_forward", "1")));
  EXPECT_TRUE(pod->host_network);
  EXPECT_TRUE(pod->host_ipc);
  EXPECT_FALSE(pod->host_pid);
  EXPECT_TRUE(pod->privileged);
}

TEST(ToPodContextTest, Refusals) {
  EXPECT_EQ(ToPodContext(v1::PodSandboxConfig()).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name("web");
  config.set_log_directory("logs");
  absl::StatusOr<spec::PodContext> pod = ToPodContext(config);
  EXPECT_EQ(pod.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(pod.status().message()), HasSubstr("sandbox_config.log_directory"));
}

}  // namespace
}  // namespace crio::cri
