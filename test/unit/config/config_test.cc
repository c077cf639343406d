// Loading: defaults, the main file, drop-ins, flags, errors and warnings, round trips.

#include "crio/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_util.h"

namespace crio::config {
namespace {

using ::crio::config::testing::FixturePath;
using ::crio::config::testing::ReadFile;
using ::crio::config::testing::TempDir;
using ::crio::config::testing::WriteFile;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

// Load with the main file and drop-in dir inside `dir`.
absl::StatusOr<LoadResult> LoadFrom(const TempDir& dir, const Overrides& overrides = {}) {
  return Load({dir.Sub("crio.conf"), dir.Sub("crio.conf.d")}, overrides);
}

TEST(DefaultsTest, MatchCrioAndOurDeviations) {
  const Config c = Config::Defaults();
  EXPECT_EQ(c.crio.root, "/var/lib/crio");
  EXPECT_EQ(c.crio.runroot, "/run/crio");
  EXPECT_EQ(c.crio.log_dir, "/var/log/crio/pods");
  EXPECT_EQ(c.api.listen, "/var/run/crio/crio.sock");
  EXPECT_EQ(c.api.stream_address, "127.0.0.1");
  EXPECT_EQ(c.api.stream_port, "0");
  EXPECT_EQ(c.api.grpc_max_send_msg_size, 80 * 1024 * 1024);
  EXPECT_EQ(c.runtime.default_runtime, "runc");
  ASSERT_EQ(c.runtime.runtimes.size(), 2u);
  EXPECT_EQ(c.runtime.runtimes.at("runc").runtime_root, "/run/runc");
  EXPECT_EQ(c.runtime.runtimes.at("crun").runtime_root, "/run/crun");
  EXPECT_EQ(c.runtime.runtimes.at("runc").runtime_type, "oci");
  EXPECT_EQ(c.runtime.runtimes.at("runc").monitor_path, "");
  EXPECT_EQ(c.runtime.cgroup_manager, "systemd");
  EXPECT_EQ(c.runtime.log_level, "info");
  EXPECT_EQ(c.runtime.log_size_max, -1);
  EXPECT_EQ(c.runtime.pids_limit, -1);
  EXPECT_EQ(c.runtime.ctr_stop_timeout, 30);
  EXPECT_TRUE(c.runtime.drop_infra_ctr);
  EXPECT_EQ(c.runtime.namespaces_dir, "/var/run");
  EXPECT_EQ(c.runtime.container_exits_dir, "/var/run/crio/exits");
  EXPECT_EQ(c.runtime.container_attach_socket_dir, "/var/run/crio");
  EXPECT_EQ(c.runtime.seccomp_profile, "");
  EXPECT_FALSE(c.runtime.selinux);
  EXPECT_THAT(c.runtime.default_capabilities,
              ElementsAre("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "SETGID", "SETUID",
                          "SETPCAP", "NET_BIND_SERVICE", "KILL"));
  EXPECT_EQ(c.image.pause_image, "registry.k8s.io/pause:3.10");
  EXPECT_EQ(c.image.pull_progress_timeout, "0s");
  EXPECT_EQ(c.image.registries_conf, "/etc/containers/registries.conf");
  EXPECT_EQ(c.network.network_dir, "/etc/cni/net.d/");
  EXPECT_THAT(c.network.plugin_dirs, ElementsAre("/opt/cni/bin/", "/usr/lib/cni/"));
  EXPECT_FALSE(c.metrics.enable_metrics);
  EXPECT_EQ(c.metrics.metrics_port, 9090);
  EXPECT_EQ(c.metrics.metrics_host, "127.0.0.1");
  EXPECT_TRUE(Validate(c, ValidationMode::kPure).ok());
}

TEST(LoadTest, EmptyDocumentGivesDefaults) {
  absl::StatusOr<LoadResult> r = LoadFromString("", "empty.conf");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config, Config::Defaults());
  EXPECT_THAT(r->warnings, IsEmpty());
  EXPECT_THAT(r->files, ElementsAre("empty.conf"));
}

TEST(LoadTest, MissingMainFileAndMissingDropInDirAreFine) {
  TempDir dir;
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config, Config::Defaults());
  EXPECT_THAT(r->files, IsEmpty());
  EXPECT_THAT(r->warnings, IsEmpty());
}

TEST(LoadTest, OneFile) {
  TempDir dir;
  WriteFile(dir.Sub("crio.conf"),
            "[crio]\n"
            "root = \"/srv/crio\"\n"
            "[crio.api]\n"
            "stream_port = \"10010\"\n"
            "[crio.runtime]\n"
            "log_level = \"debug\"\n"
            "default_sysctls = [\"net.ipv4.ip_forward=1\"]\n"
            "[crio.metrics]\n"
            "enable_metrics = true\n"
            "metrics_port = 9537\n");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.crio.root, "/srv/crio");
  EXPECT_EQ(r->config.crio.runroot, "/run/crio");
  EXPECT_EQ(r->config.api.stream_port, "10010");
  EXPECT_EQ(r->config.runtime.log_level, "debug");
  EXPECT_THAT(r->config.runtime.default_sysctls, ElementsAre("net.ipv4.ip_forward=1"));
  EXPECT_TRUE(r->config.metrics.enable_metrics);
  EXPECT_EQ(r->config.metrics.metrics_port, 9537);
  EXPECT_THAT(r->files, ElementsAre(dir.Sub("crio.conf")));
  EXPECT_THAT(r->warnings, IsEmpty());
}

TEST(LoadTest, DropInsApplyInLexicalOrderKeyByKey) {
  TempDir dir;
  WriteFile(dir.Sub("crio.conf"),
            "[crio.runtime]\nlog_level = \"warn\"\n"
            "[crio.image]\npause_image = \"example.com/pause:1\"\n");
  WriteFile(dir.Sub("crio.conf.d/20-b.conf"), "[crio.runtime]\nlog_level = \"debug\"\n");
  WriteFile(dir.Sub("crio.conf.d/10-a.conf"),
            "[crio.runtime]\nlog_level = \"error\"\nread_only = true\n");
  WriteFile(dir.Sub("crio.conf.d/100-c.conf"), "[crio.runtime]\nlog_level = \"trace\"\n");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_TRUE(r.ok()) << r.status();
  // "100-c" sorts between "10-a" and "20-b", so 20-b wins.
  EXPECT_THAT(r->files,
              ElementsAre(dir.Sub("crio.conf"), dir.Sub("crio.conf.d/10-a.conf"),
                          dir.Sub("crio.conf.d/100-c.conf"), dir.Sub("crio.conf.d/20-b.conf")));
  EXPECT_EQ(r->config.runtime.log_level, "debug");
  EXPECT_TRUE(r->config.runtime.read_only);                       // only 10-a sets it
  EXPECT_EQ(r->config.image.pause_image, "example.com/pause:1");  // only the main file
  EXPECT_EQ(r->config.runtime.cgroup_manager, "systemd");         // nobody: default
}

TEST(LoadTest, TwoDropInsSetDifferentKeysOfOneHandler) {
  TempDir dir;
  WriteFile(dir.Sub("crio.conf.d/10-annotations.conf"),
            "[crio.runtime.runtimes.crun]\n"
            "allowed_annotations = [\"seccomp-profile.kubernetes.cri-o.io\"]\n");
  WriteFile(dir.Sub("crio.conf.d/20-path.conf"),
            "[crio.runtime.runtimes.crun]\nruntime_path = \"/usr/local/bin/crun\"\n");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_TRUE(r.ok()) << r.status();
  const RuntimeHandler& crun = r->config.runtime.runtimes.at("crun");
  EXPECT_THAT(crun.allowed_annotations, ElementsAre("seccomp-profile.kubernetes.cri-o.io"));
  EXPECT_EQ(crun.runtime_path, "/usr/local/bin/crun");
  EXPECT_EQ(crun.runtime_root, "/run/crun");  // untouched keys keep the defaults
  EXPECT_EQ(r->config.runtime.runtimes.at("runc"), Config::Defaults().runtime.runtimes.at("runc"));
}

TEST(LoadTest, HandlerFirstNamedInDropInStartsFromHandlerDefaults) {
  TempDir dir;
  WriteFile(dir.Sub("crio.conf.d/50-kata.conf"),
            "[crio.runtime.runtimes.kata]\n"
            "runtime_path = \"/usr/bin/containerd-shim-kata-v2\"\n"
            "runtime_type = \"vm\"\n");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_TRUE(r.ok()) << r.status();
  RuntimeHandler expected;
  expected.runtime_path = "/usr/bin/containerd-shim-kata-v2";
  expected.runtime_type = "vm";
  EXPECT_EQ(r->config.runtime.runtimes.at("kata"), expected);
  EXPECT_EQ(r->config.runtime.runtimes.size(), 3u);
}

TEST(LoadTest, IgnoresNonConfFilesAndDirectoriesInDropInDir) {
  TempDir dir;
  const std::string d = dir.Sub("crio.conf.d");
  WriteFile(d + "/README", "this is not toml [[[");
  WriteFile(d + "/10-x.conf.bak", "[crio.runtime]\nlog_level = \"error\"\n");
  WriteFile(d + "/10-x.conf~", "garbage = = =");
  WriteFile(d + "/sub.conf/20-nested.conf", "[crio.runtime]\nlog_level = \"trace\"\n");
  WriteFile(d + "/30-real.conf", "[crio.runtime]\nlog_level = \"debug\"\n");
  std::filesystem::create_symlink(d + "/30-real.conf", d + "/40-link.conf");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.runtime.log_level, "debug");
  // A symlink to a regular file counts, as in CRI-O.
  EXPECT_THAT(r->files, ElementsAre(d + "/30-real.conf", d + "/40-link.conf"));
}

TEST(LoadTest, MainFileThatIsADirectoryFails) {
  TempDir dir;
  std::filesystem::create_directories(dir.Sub("crio.conf"));
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()), HasSubstr("is not a regular file"));
}

TEST(LoadTest, UnknownKeysWarnWithFileAndKey) {
  TempDir dir;
  const std::string file = dir.Sub("crio.conf.d/10-x.conf");
  WriteFile(file,
            "[crio]\n"
            "imagestore = \"/x\"\n"
            "[crio.runtime]\n"
            "foo = 1\n"
            "[crio.runtime.runtimes.runc]\n"
            "bar = \"x\"\n"
            "[crio.runtime.workloads.w]\n"
            "activation_annotation = \"a\"\n"
            "baz = true\n"
            "[crio.tracing]\n"
            "enable_tracing = true\n"
            "[other]\n"
            "x = 1\n");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->warnings, Contains(file + ": unknown key crio.imagestore"));
  EXPECT_THAT(r->warnings, Contains(file + ": unknown key crio.runtime.foo"));
  EXPECT_THAT(r->warnings, Contains(file + ": unknown key crio.runtime.runtimes.runc.bar"));
  EXPECT_THAT(r->warnings, Contains(file + ": unknown key crio.runtime.workloads.w.baz"));
  EXPECT_THAT(r->warnings, Contains(file + ": unknown key crio.tracing"));
  EXPECT_THAT(r->warnings, Contains(file + ": unknown key other"));
  EXPECT_EQ(r->warnings.size(), 6u);
}

TEST(LoadTest, WrongTypeNamesFileLineAndKey) {
  TempDir dir;
  const std::string file = dir.Sub("crio.conf.d/10-x.conf");
  WriteFile(file,
            "# stream_port is a string in CRI-O\n"
            "[crio.api]\n"
            "listen = \"/run/crio/crio.sock\"\n"
            "\n"
            "stream_port = 10010\n");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(r.status()), file + ":5: crio.api.stream_port: expected a string, got integer");
}

TEST(LoadTest, WrongTypesOfTablesArraysAndElements) {
  struct Case {
    const char* toml;
    const char* message;
  };
  const Case cases[] = {
      {"[crio]\nruntime = 1\n", "t.conf:2: crio.runtime: expected a table, got integer"},
      {"crio = \"x\"\n", "t.conf:1: crio: expected a table, got string"},
      {"[crio.runtime]\nselinux = \"yes\"\n",
       "t.conf:2: crio.runtime.selinux: expected a boolean, got string"},
      {"[crio.metrics]\nmetrics_port = 9090.0\n",
       "t.conf:2: crio.metrics.metrics_port: expected an integer, got float"},
      {"[crio.runtime]\nhooks_dir = \"/etc/hooks\"\n",
       "t.conf:2: crio.runtime.hooks_dir: expected an array of strings, got string"},
      {"[crio.runtime]\ndefault_env = [\n  \"A=1\",\n  2,\n]\n",
       "t.conf:4: crio.runtime.default_env: expected an array of strings, got an element of "
       "type integer"},
      {"[crio.runtime.runtimes]\nrunc = 1\n",
       "t.conf:2: crio.runtime.runtimes.runc: expected a table, got integer"},
      {"[crio.runtime.runtimes.runc]\ndefault_annotations = { a = 1 }\n",
       "t.conf:2: crio.runtime.runtimes.runc.default_annotations.a: expected a string, got "
       "integer"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<LoadResult> r = LoadFromString(c.toml, "t.conf");
    ASSERT_FALSE(r.ok()) << c.toml;
    EXPECT_EQ(Message(r.status()), c.message) << c.toml;
  }
}

TEST(LoadTest, BadValueNamesFileLineAndKey) {
  TempDir dir;
  const std::string file = dir.Sub("crio.conf.d/10-x.conf");
  WriteFile(file, "[crio.runtime]\nselinux = false\nlog_level = \"loud\"\n");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(r.status()),
              StartsWith(file + ":3: crio.runtime.log_level: invalid value \"loud\": "));
}

TEST(LoadTest, BadArrayElementNamesItsOwnLine) {
  absl::StatusOr<LoadResult> r = LoadFromString(
      "[crio.runtime]\n"
      "default_capabilities = [\n"
      "  \"CHOWN\",\n"
      "  \"CAP_KILL\",\n"
      "  \"FLY\",\n"
      "]\n",
      "caps.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()),
              StartsWith("caps.conf:5: crio.runtime.default_capabilities: invalid value \"FLY\""));
}

TEST(LoadTest, SyntaxErrorNamesFileAndLine) {
  TempDir dir;
  const std::string file = dir.Sub("crio.conf");
  WriteFile(file, "[crio]\nroot = \"/var/lib/crio\"\n\n[crio.runtime\nlog_level = \"info\"\n");
  absl::StatusOr<LoadResult> r = LoadFrom(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(r.status()), StartsWith(file + ":4: syntax error: "));

  r = LoadFromString("[crio]\nroot = \"/a\"\nroot = \"/b\"\n", "dup.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()), StartsWith("dup.conf:3: syntax error: "));
}

TEST(LoadTest, DefaultRuntimeWithoutItsTableFails) {
  absl::StatusOr<LoadResult> r =
      LoadFromString("[crio.runtime]\ndefault_runtime = \"kata\"\n", "10-kata.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(r.status()),
            "10-kata.conf:2: crio.runtime.default_runtime: default_runtime is \"kata\" but no "
            "[crio.runtime.runtimes.kata] table exists");
}

TEST(LoadTest, FlagsOverrideEveryFile) {
  TempDir dir;
  WriteFile(dir.Sub("crio.conf"),
            "[crio]\nroot = \"/main\"\nlog_dir = \"/main/logs\"\n"
            "[crio.api]\nlisten = \"/main.sock\"\n"
            "[crio.runtime]\nlog_level = \"warn\"\ncgroup_manager = \"systemd\"\n");
  WriteFile(dir.Sub("crio.conf.d/99-last.conf"),
            "[crio]\nrunroot = \"/dropin/run\"\n"
            "[crio.runtime]\nlog_level = \"error\"\ndefault_runtime = \"crun\"\n");
  Overrides flags;
  flags.listen = "/flag/crio.sock";
  flags.root = "/flag/root";
  flags.runroot = "/flag/run";
  flags.log_level = "debug";
  flags.log_dir = "/flag/logs";
  flags.cgroup_manager = "cgroupfs";
  flags.default_runtime = "runc";
  absl::StatusOr<LoadResult> r = LoadFrom(dir, flags);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.api.listen, "/flag/crio.sock");
  EXPECT_EQ(r->config.crio.root, "/flag/root");
  EXPECT_EQ(r->config.crio.runroot, "/flag/run");
  EXPECT_EQ(r->config.crio.log_dir, "/flag/logs");
  EXPECT_EQ(r->config.runtime.log_level, "debug");
  EXPECT_EQ(r->config.runtime.cgroup_manager, "cgroupfs");
  EXPECT_EQ(r->config.runtime.default_runtime, "runc");

  // Unset flags leave the files' values alone.
  r = LoadFrom(dir, Overrides{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.runtime.default_runtime, "crun");
  EXPECT_EQ(r->config.runtime.log_level, "error");
}

TEST(LoadTest, InvalidFlagNamesTheCommandLine) {
  TempDir dir;
  Overrides flags;
  flags.log_level = "loud";
  absl::StatusOr<LoadResult> r = LoadFrom(dir, flags);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()),
              StartsWith("command line: crio.runtime.log_level: invalid value \"loud\""));

  flags = {};
  flags.default_runtime = "kata";
  r = LoadFrom(dir, flags);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()),
              AllOf(StartsWith("command line: crio.runtime.default_runtime: "),
                    HasSubstr("no [crio.runtime.runtimes.kata] table exists")));
}

TEST(LoadTest, SeedDropIn) {
  TempDir dir;
  absl::StatusOr<LoadResult> r = Load({dir.Sub("crio.conf"), FixturePath("seed/crio.conf.d")}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->warnings, IsEmpty());
  EXPECT_EQ(r->config.runtime.default_runtime, "crun");
  const RuntimeHandler& crun = r->config.runtime.runtimes.at("crun");
  EXPECT_THAT(crun.allowed_annotations, ElementsAre("seccomp-profile.kubernetes.cri-o.io"));
  EXPECT_EQ(crun.runtime_root, "/run/crun");
  Config expected = Config::Defaults();
  expected.runtime.default_runtime = "crun";
  expected.runtime.runtimes["crun"].allowed_annotations = {"seccomp-profile.kubernetes.cri-o.io"};
  EXPECT_EQ(r->config, expected);
}

TEST(LoadTest, DeprecatedAndCompatKeys) {
  absl::StatusOr<LoadResult> r = LoadFromString(
      "[crio.runtime]\n"
      "seccomp_use_default_when_empty = false\n"
      "pids_limit = -1\n"  // the default: no warning
      "conmon = \"/usr/bin/conmon\"\n"
      "conmon_cgroup = \"pod\"\n"
      "conmon_env = [\"PATH=/bin\"]\n"
      "[crio.runtime.runtimes.kata]\n"
      "runtime_type = \"vm\"\n"
      "[crio.network]\n"
      "plugin_dir = \"/usr/libexec/cni\"\n",
      "old.conf");
  ASSERT_TRUE(r.ok()) << r.status();
  const Config& c = r->config;
  EXPECT_FALSE(c.runtime.seccomp_use_default_when_empty);
  EXPECT_EQ(c.runtime.runtimes.at("runc").monitor_cgroup, "pod");
  EXPECT_THAT(c.runtime.runtimes.at("crun").monitor_env, ElementsAre("PATH=/bin"));
  EXPECT_EQ(c.runtime.runtimes.at("kata").monitor_cgroup, "");  // not an oci handler
  EXPECT_THAT(c.network.plugin_dirs,
              ElementsAre("/opt/cni/bin/", "/usr/lib/cni/", "/usr/libexec/cni"));
  EXPECT_THAT(r->warnings,
              Contains(HasSubstr("old.conf: crio.runtime.seccomp_use_default_when_empty is "
                                 "deprecated")));
  EXPECT_THAT(r->warnings, Contains(HasSubstr("old.conf: ignoring crio.runtime.conmon")));
  EXPECT_THAT(r->warnings, Contains(HasSubstr("crio.runtime.conmon_cgroup is deprecated")));
  EXPECT_THAT(r->warnings, Contains(HasSubstr("crio.network.plugin_dir is deprecated")));
  EXPECT_EQ(r->warnings.size(), 5u);
}

TEST(LoadTest, CrioPackagedDropInWithConmonLoads) {
  // The shape of the crun drop-in CRI-O packages ship.
  absl::StatusOr<LoadResult> r = LoadFromString(
      "[crio.runtime]\n"
      "default_runtime = \"crun\"\n"
      "\n"
      "[crio.runtime.runtimes.crun]\n"
      "runtime_path = \"/usr/libexec/crio/crun\"\n"
      "runtime_root = \"/run/crun\"\n"
      "monitor_path = \"/usr/libexec/crio/conmon\"\n"
      "allowed_annotations = [\n"
      "    \"io.containers.trace-syscall\",\n"
      "]\n",
      "10-crun.conf");
  ASSERT_TRUE(r.ok()) << r.status();
  const RuntimeHandler& crun = r->config.runtime.runtimes.at("crun");
  EXPECT_EQ(crun.runtime_path, "/usr/libexec/crio/crun");
  EXPECT_EQ(crun.monitor_path, "");
  EXPECT_THAT(r->warnings, ElementsAre(HasSubstr(
                               "10-crun.conf: ignoring crio.runtime.runtimes.crun.monitor_path "
                               "\"/usr/libexec/crio/conmon\"")));
}

TEST(LoadTest, LowTimeoutsAreRaisedWithAWarning) {
  absl::StatusOr<LoadResult> r = LoadFromString(
      "[crio.runtime]\nctr_stop_timeout = 10\n"
      "[crio.runtime.runtimes.runc]\ncontainer_create_timeout = 5\n"
      "[crio.api]\ngrpc_max_send_msg_size = 0\n",
      "t.conf");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.runtime.ctr_stop_timeout, 30);
  EXPECT_EQ(r->config.runtime.runtimes.at("runc").container_create_timeout, 30);
  EXPECT_EQ(r->config.api.grpc_max_send_msg_size, kDefaultGrpcMaxMsgSize);
  EXPECT_THAT(r->warnings, Contains(HasSubstr("crio.runtime.ctr_stop_timeout: 10 is below")));
  EXPECT_THAT(r->warnings, Contains(HasSubstr("container_create_timeout: 5 is below")));
}

TEST(LoadTest, InheritDefaultRuntimeCopiesTheDefaultHandlersRuntime) {
  absl::StatusOr<LoadResult> r = LoadFromString(
      "[crio.runtime.runtimes.runc]\n"
      "runtime_path = \"/usr/sbin/runc\"\n"
      "[crio.runtime.runtimes.high-performance]\n"
      "inherit_default_runtime = true\n"
      "runtime_root = \"/ignored\"\n"
      "allowed_annotations = [\"io.kubernetes.cri-o.ShmSize\"]\n",
      "inherit.conf");
  ASSERT_TRUE(r.ok()) << r.status();
  const RuntimeHandler& h = r->config.runtime.runtimes.at("high-performance");
  EXPECT_EQ(h.runtime_path, "/usr/sbin/runc");
  EXPECT_EQ(h.runtime_root, "/run/runc");
  EXPECT_EQ(h.runtime_type, "oci");
  EXPECT_THAT(h.allowed_annotations, ElementsAre("io.kubernetes.cri-o.ShmSize"));
}

TEST(LoadTest, WorkloadsAndResources) {
  absl::StatusOr<LoadResult> r = LoadFromString(
      "[crio.runtime.workloads.mgmt]\n"
      "activation_annotation = \"io.crio/mgmt\"\n"
      "allowed_annotations = [\"io.kubernetes.cri-o.ShmSize\"]\n"
      "[crio.runtime.workloads.mgmt.resources]\n"
      "cpushares = 512\n"
      "cpuset = \"0-1\"\n",
      "w.conf");
  ASSERT_TRUE(r.ok()) << r.status();
  const Workload& w = r->config.runtime.workloads.at("mgmt");
  EXPECT_EQ(w.activation_annotation, "io.crio/mgmt");
  ASSERT_TRUE(w.resources.has_value());
  EXPECT_EQ(w.resources->cpushares, 512);
  EXPECT_EQ(w.resources->cpuset, "0-1");

  r = LoadFromString("[crio.runtime.workloads.w]\nannotation_prefix = \"p\"\n", "w2.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()), HasSubstr("workload \"w\" needs an activation_annotation"));
}

TEST(RoundTripTest, Defaults) {
  const std::string toml = ToToml(Config::Defaults());
  absl::StatusOr<LoadResult> r = LoadFromString(toml, "defaults.conf");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config, Config::Defaults());
  EXPECT_THAT(r->warnings, IsEmpty());
}

TEST(RoundTripTest, FullConfigWithExtraHandlersAndWorkloads) {
  absl::StatusOr<LoadResult> first = LoadFromString(ReadFile(FixturePath("full.conf")), "full");
  ASSERT_TRUE(first.ok()) << first.status();
  const Config& c = first->config;
  ASSERT_EQ(c.runtime.runtimes.size(), 4u);
  EXPECT_EQ(c.runtime.default_runtime, "kata");
  EXPECT_EQ(c.runtime.runtimes.at("crun.wasm").platform_runtime_paths.at("wasi/wasm32"),
            "/usr/bin/crun-wasm");
  EXPECT_EQ(c.runtime.workloads.size(), 2u);
  EXPECT_FALSE(c.runtime.workloads.at("plain").resources.has_value());
  EXPECT_NE(c, Config::Defaults());

  const std::string toml = ToToml(c);
  absl::StatusOr<LoadResult> second = LoadFromString(toml, "printed");
  ASSERT_TRUE(second.ok()) << second.status() << "\n" << toml;
  EXPECT_EQ(second->config, c) << toml;
  EXPECT_EQ(ToToml(second->config), toml);
}

TEST(RoundTripTest, AwkwardStringsAndNames) {
  Config c = Config::Defaults();
  c.runtime.runtimes["my handler.v2"].runtime_path = "/opt/rt/\"quoted\"\\bin";
  c.runtime.runtimes["my handler.v2"].default_annotations = {{"a.b/c", "line\nbreak\ttab"},
                                                             {"", "empty key"}};
  c.runtime.runtimes["my handler.v2"].monitor_env = {"X=caf\xC3\xA9", "CTRL=\x01"};
  c.image.pause_image = "example.com/pause@sha256:0123";
  c.runtime.workloads["w"].activation_annotation = "io/w";
  c.runtime.workloads["w"].resources = WorkloadResources{};
  ASSERT_TRUE(Validate(c, ValidationMode::kPure).ok()) << Validate(c, ValidationMode::kPure);
  const std::string toml = ToToml(c);
  absl::StatusOr<LoadResult> r = LoadFromString(toml, "awkward");
  ASSERT_TRUE(r.ok()) << r.status() << "\n" << toml;
  EXPECT_EQ(r->config, c) << toml;
}

TEST(ToJsonTest, NestedByTableWithTomlKeyNames) {
  Config c = Config::Defaults();
  c.runtime.workloads["w"].activation_annotation = "io/w";
  c.runtime.workloads["w"].resources.emplace().cpushares = 2;
  const nlohmann::json j = ToJson(c);
  EXPECT_EQ(j.at("crio").at("root"), "/var/lib/crio");
  EXPECT_EQ(j.at("crio").at("api").at("stream_port"), "0");
  EXPECT_EQ(j.at("crio").at("api").at("grpc_max_recv_msg_size"), 83886080);
  EXPECT_EQ(j.at("crio").at("runtime").at("drop_infra_ctr"), true);
  EXPECT_EQ(j.at("crio").at("runtime").at("runtimes").at("runc").at("runtime_root"), "/run/runc");
  EXPECT_EQ(j.at("crio").at("runtime").at("workloads").at("w").at("resources").at("cpushares"), 2);
  EXPECT_EQ(j.at("crio").at("metrics").at("metrics_port"), 9090);
  EXPECT_EQ(j.at("crio").at("network").at("plugin_dirs").size(), 2u);
  EXPECT_EQ(j.at("crio").at("stats").at("collection_period"), 0);
  EXPECT_TRUE(
      j.at("crio").at("runtime").at("runtimes").at("crun").at("default_annotations").is_object());
}

}  // namespace
}  // namespace crio::config
