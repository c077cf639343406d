// Validate: value checks (kPure) and host checks (kHost) on temp dirs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <ostream>
#include <string>

#include "crio/config/config.h"
#include "test_util.h"

namespace crio::config {
namespace {

using ::crio::config::testing::TempDir;
using ::crio::config::testing::WriteFile;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

std::string MessageOf(const absl::Status& s) { return std::string(s.message()); }

struct BadValue {
  const char* toml;
  const char* message;  // expected prefix of the error
};

void PrintTo(const BadValue& v, std::ostream* os) { *os << v.toml; }

class BadValueTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadValueTest, IsRefusedWithFileLineAndKey) {
  absl::StatusOr<LoadResult> r = LoadFromString(GetParam().toml, "v.conf");
  ASSERT_FALSE(r.ok()) << GetParam().toml;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(r.status()), StartsWith(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Values, BadValueTest,
    ::testing::Values(
        BadValue{"[crio.runtime]\ncgroup_manager = \"cgroupv3\"\n",
                 "v.conf:2: crio.runtime.cgroup_manager: invalid value \"cgroupv3\": must be "
                 "\"systemd\" or \"cgroupfs\""},
        BadValue{"[crio.runtime.runtimes.runc]\nruntime_type = \"wasm\"\n",
                 "v.conf:2: crio.runtime.runtimes.runc.runtime_type: invalid value \"wasm\""},
        BadValue{"[crio.api]\nstream_port = \"70000\"\n",
                 "v.conf:2: crio.api.stream_port: invalid value \"70000\""},
        BadValue{"[crio.api]\nstream_port = \"http\"\n",
                 "v.conf:2: crio.api.stream_port: invalid value \"http\""},
        BadValue{"[crio.api]\nstream_port = \"-1\"\n",
                 "v.conf:2: crio.api.stream_port: invalid value \"-1\""},
        BadValue{"[crio.metrics]\nmetrics_port = 0\n",
                 "v.conf:2: crio.metrics.metrics_port: invalid value 0: must be a port"},
        BadValue{"[crio.metrics]\nmetrics_port = 65536\n",
                 "v.conf:2: crio.metrics.metrics_port: invalid value 65536"},
        BadValue{"[crio.runtime]\nlog_size_max = 4096\n",
                 "v.conf:2: crio.runtime.log_size_max: invalid value 4096: must be negative"},
        BadValue{"[crio.runtime]\npids_limit = -2\n",
                 "v.conf:2: crio.runtime.pids_limit: invalid value -2"},
        BadValue{"[crio.image]\npull_progress_timeout = \"10\"\n",
                 "v.conf:2: crio.image.pull_progress_timeout: invalid value \"10\""},
        BadValue{"[crio.image]\npull_progress_timeout = \"\"\n",
                 "v.conf:2: crio.image.pull_progress_timeout: invalid value \"\""},
        BadValue{"[crio.api]\nstream_idle_timeout = \"forever\"\n",
                 "v.conf:2: crio.api.stream_idle_timeout: invalid value \"forever\""},
        BadValue{"[crio.runtime]\ndefault_sysctls = [\"net.ipv4.ip_forward = 1\"]\n",
                 "v.conf:2: crio.runtime.default_sysctls: invalid value"},
        BadValue{"[crio.runtime]\ndefault_sysctls = [\"net.ipv4.ip_forward\"]\n",
                 "v.conf:2: crio.runtime.default_sysctls: invalid value"},
        BadValue{"[crio.runtime]\ndefault_ulimits = [\"nofile=2048:1024\"]\n",
                 "v.conf:2: crio.runtime.default_ulimits: invalid value \"nofile=2048:1024\""},
        BadValue{"[crio.runtime]\ndefault_ulimits = [\"files=1:2\"]\n",
                 "v.conf:2: crio.runtime.default_ulimits: invalid value \"files=1:2\""},
        BadValue{"[crio.runtime]\nadditional_devices = [\"/dev/sdc:/dev/xvdc:rwx\"]\n",
                 "v.conf:2: crio.runtime.additional_devices: invalid value"},
        BadValue{"[crio.runtime]\nuid_mappings = \"0:100000\"\n",
                 "v.conf:2: crio.runtime.uid_mappings: invalid value"},
        BadValue{"[crio.runtime]\ninfra_ctr_cpuset = \"3-1\"\n",
                 "v.conf:2: crio.runtime.infra_ctr_cpuset: invalid value"},
        BadValue{"[crio]\nroot = \"var/lib/crio\"\n",
                 "v.conf:2: crio.root: invalid value \"var/lib/crio\": must be an absolute path"},
        BadValue{"[crio.api]\nlisten = \"crio.sock\"\n", "v.conf:2: crio.api.listen: invalid"},
        BadValue{"[crio.network]\nplugin_dirs = [\"/opt/cni/bin\", \"cni\"]\n",
                 "v.conf:2: crio.network.plugin_dirs: invalid value \"cni\""},
        BadValue{"[crio.image]\nimage_volumes = \"copy\"\n",
                 "v.conf:2: crio.image.image_volumes: invalid value \"copy\""},
        BadValue{"[crio.runtime.runtimes.runc]\ncontainer_min_memory = \"lots\"\n",
                 "v.conf:2: crio.runtime.runtimes.runc.container_min_memory: invalid value"},
        BadValue{"[crio.runtime]\ntimezone = \"../../etc/passwd\"\n",
                 "v.conf:2: crio.runtime.timezone: invalid value"},
        BadValue{"[crio.runtime]\ndefault_env = [\"=x\"]\n",
                 "v.conf:2: crio.runtime.default_env: invalid value \"=x\""},
        BadValue{"[crio.runtime.runtimes.runc]\nno_sync_log = true\nruntime_type = \"vm\"\n",
                 "v.conf:2: crio.runtime.runtimes.runc.no_sync_log: no_sync_log can only be "
                 "used with runtime_type \"oci\""},
        BadValue{"[crio.runtime.runtimes.runc]\nstream_websockets = true\n",
                 "v.conf:2: crio.runtime.runtimes.runc.stream_websockets: "},
        BadValue{"[crio.runtime.runtimes.runc]\nruntime_config_path = \"/etc/runc.toml\"\n",
                 "v.conf:2: crio.runtime.runtimes.runc.runtime_config_path: "},
        BadValue{"[crio.runtime]\ncgroup_manager = \"cgroupfs\"\nseparate_pull_cgroup = \"pod\"\n",
                 "v.conf:3: crio.runtime.separate_pull_cgroup: separate_pull_cgroup needs"},
        BadValue{"[crio.runtime]\ncgroup_manager = \"cgroupfs\"\n"
                 "[crio.runtime.runtimes.runc]\nmonitor_cgroup = \"crio.slice\"\n",
                 "v.conf:4: crio.runtime.runtimes.runc.monitor_cgroup: with cgroup_manager "
                 "\"cgroupfs\""},
        BadValue{"[crio.api]\nstream_enable_tls = true\n",
                 "crio.api.stream_tls_cert: stream_enable_tls needs stream_tls_cert"},
        BadValue{"[crio.runtime]\ndefault_runtime = \"\"\n",
                 "v.conf:2: crio.runtime.default_runtime: invalid value \"\": must not be "
                 "empty"}));

TEST(ValidateTest, AcceptsCrioFormsOfValues) {
  absl::StatusOr<LoadResult> r = LoadFromString(
      "[crio.runtime]\n"
      "default_capabilities = [\"CAP_CHOWN\", \"kill\", \"Net_Raw\"]\n"
      "default_ulimits = [\"nofile=1024:2048\", \"core=-1\", \"memlock=-1:-1\"]\n"
      "default_sysctls = [\"\", \"net.ipv4.ping_group_range=0 2147483647\"]\n"
      "log_size_max = -5\n"
      "log_level = \"WARNING\"\n"
      "timezone = \"Europe/Paris\"\n"
      "[crio.image]\n"
      "pull_progress_timeout = \"1h2m3.5s\"\n"
      "[crio.api]\n"
      "stream_port = \"65535\"\n"
      "stream_idle_timeout = \"\"\n"
      "[crio.runtime.runtimes.pod]\n"
      "runtime_type = \"pod\"\n"
      "stream_websockets = true\n",
      "ok.conf");
  ASSERT_TRUE(r.ok()) << r.status();
}

TEST(ValidateTest, PureValidationOfABuiltConfig) {
  Config c = Config::Defaults();
  c.runtime.runtimes.erase("runc");
  absl::Status s = Validate(c, ValidationMode::kPure);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MessageOf(s),
            "crio.runtime.default_runtime: default_runtime is \"runc\" but no "
            "[crio.runtime.runtimes.runc] table exists");

  c = Config::Defaults();
  c.api.listen = "relative.sock";
  s = Validate(c, ValidationMode::kPure);
  EXPECT_THAT(MessageOf(s), StartsWith("crio.api.listen: invalid value \"relative.sock\""));
}

// A config whose every directory lives in `dir`, using cgroupfs, with runc at `runc`.
Config HostConfig(const TempDir& dir, const std::string& runc) {
  Config c = Config::Defaults();
  c.crio.root = dir.Sub("lib");
  c.crio.runroot = dir.Sub("run");
  c.crio.log_dir = dir.Sub("log/pods");
  c.api.listen = dir.Sub("run/crio.sock");
  c.runtime.container_exits_dir = dir.Sub("run/exits");
  c.runtime.container_attach_socket_dir = dir.Sub("run");
  c.runtime.namespaces_dir = dir.Sub("ns");
  c.network.network_dir = dir.Sub("cni/net.d");
  c.network.plugin_dirs = {dir.Sub("cni/bin")};
  c.runtime.cgroup_manager = "cgroupfs";
  c.runtime.runtimes["runc"].runtime_path = runc;
  return c;
}

std::string MakeExecutable(const TempDir& dir, const std::string& name) {
  const std::string path = dir.Sub(name);
  WriteFile(path, "#!/bin/sh\nexit 0\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

TEST(HostValidateTest, MissingRuntimeBinaryNamesTheHandler) {
  TempDir dir;
  const Config c = HostConfig(dir, dir.Sub("no/such/runc"));
  ASSERT_TRUE(Validate(c, ValidationMode::kPure).ok());
  absl::Status s = Validate(c, ValidationMode::kHost);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(s),
              AllOf(HasSubstr("runtime handler \"runc\""), HasSubstr(dir.Sub("no/such/runc"))));
}

TEST(HostValidateTest, NonExecutableRuntimeIsRefused) {
  TempDir dir;
  WriteFile(dir.Sub("runc"), "not a program");
  absl::Status s = Validate(HostConfig(dir, dir.Sub("runc")), ValidationMode::kHost);
  EXPECT_THAT(MessageOf(s), HasSubstr("is not an executable file"));
}

TEST(HostValidateTest, UsableHostPasses) {
  TempDir dir;
  Config c = HostConfig(dir, MakeExecutable(dir, "runc"));
  EXPECT_TRUE(Validate(c, ValidationMode::kHost).ok()) << Validate(c, ValidationMode::kHost);

  // systemd is fine when its run directory exists.
  std::filesystem::create_directories(dir.Sub("systemd"));
  c.runtime.cgroup_manager = "systemd";
  HostPaths host;
  host.systemd_run_dir = dir.Sub("systemd");
  EXPECT_TRUE(Validate(c, ValidationMode::kHost, host).ok());
}

TEST(HostValidateTest, SystemdCgroupManagerWithoutSystemdSuggestsCgroupfs) {
  TempDir dir;
  Config c = HostConfig(dir, MakeExecutable(dir, "runc"));
  c.runtime.cgroup_manager = "systemd";
  HostPaths host;
  host.systemd_run_dir = dir.Sub("no-systemd");
  absl::Status s = Validate(c, ValidationMode::kHost, host);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(s), AllOf(StartsWith("crio.runtime.cgroup_manager: "),
                                  HasSubstr("systemd is not running"),
                                  HasSubstr("cgroup_manager = \"cgroupfs\"")));
}

TEST(HostValidateTest, DirectoryThatCannotBeCreated) {
  TempDir dir;
  Config c = HostConfig(dir, MakeExecutable(dir, "runc"));
  WriteFile(dir.Sub("file"), "x");
  c.crio.root = dir.Sub("file/lib");
  absl::Status s = Validate(c, ValidationMode::kHost);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(s), AllOf(StartsWith("crio.root: "), HasSubstr("is not a directory")));

  c = HostConfig(dir, MakeExecutable(dir, "runc"));
  c.runtime.namespaces_dir = dir.Sub("file");
  s = Validate(c, ValidationMode::kHost);
  EXPECT_THAT(MessageOf(s), AllOf(StartsWith("crio.runtime.namespaces_dir: "),
                                  HasSubstr("exists but is not a directory")));
}

TEST(HostValidateTest, UnknownTimezone) {
  TempDir dir;
  Config c = HostConfig(dir, MakeExecutable(dir, "runc"));
  c.runtime.timezone = "Mars/Olympus";
  HostPaths host;
  host.zoneinfo_dir = dir.Sub("zoneinfo");
  WriteFile(dir.Sub("zoneinfo/Europe/Paris"), "TZif");
  EXPECT_THAT(MessageOf(Validate(c, ValidationMode::kHost, host)),
              HasSubstr("unknown time zone \"Mars/Olympus\""));
  c.runtime.timezone = "Europe/Paris";
  EXPECT_TRUE(Validate(c, ValidationMode::kHost, host).ok());
}

// Sets $PATH for one test.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& value) {
    const char* old = std::getenv("PATH");
    if (old != nullptr) old_ = old;
    ::setenv("PATH", value.c_str(), 1);
  }
  ~ScopedPath() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

TEST(ResolveRuntimePathTest, SearchesPathWhenRuntimePathIsEmpty) {
  TempDir dir;
  const std::string rt = MakeExecutable(dir, "myrt");
  ScopedPath path(dir.Sub("empty") + ":" + dir.path());
  absl::StatusOr<std::string> found = ResolveRuntimePath(RuntimeHandler{}, "myrt");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, rt);

  absl::StatusOr<std::string> missing = ResolveRuntimePath(RuntimeHandler{}, "nosuchrt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(missing.status()),
              AllOf(HasSubstr("runtime handler \"nosuchrt\""), HasSubstr("not in $PATH")));
}

TEST(ResolveRuntimePathTest, ExplicitPathWins) {
  TempDir dir;
  RuntimeHandler h;
  h.runtime_path = MakeExecutable(dir, "other");
  EXPECT_EQ(*ResolveRuntimePath(h, "runc"), h.runtime_path);
}

TEST(PruneUnusableHandlersTest, DropsMissingNonDefaultHandlersOnly) {
  TempDir dir;
  Config c = HostConfig(dir, dir.Sub("missing-runc"));
  c.runtime.runtimes["crun"].runtime_path = dir.Sub("missing-crun");
  c.runtime.runtimes["ok"].runtime_path = MakeExecutable(dir, "ok");
  const std::vector<std::string> warnings = PruneUnusableHandlers(c);
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("Runtime handler \"crun\" is being ignored")));
  EXPECT_THAT(c.runtime.runtimes, SizeIs(2));
  EXPECT_EQ(c.runtime.runtimes.count("runc"), 1u);  // the default stays, Validate reports it
  EXPECT_EQ(c.runtime.runtimes.count("ok"), 1u);
}

}  // namespace
}  // namespace crio::config
