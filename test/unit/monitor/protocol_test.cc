// The pure pieces between the daemon and crio-monitor: argv, the sync report, the
// launch checks, and the cgroup parsing behind OOM detection.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "cgroup.h"
#include "client_internal.h"
#include "crio/monitor/monitor.h"
#include "options.h"
#include "protocol.h"

namespace crio::monitor {
namespace {

MonitorLaunch ValidLaunch() {
  MonitorLaunch launch;
  launch.monitor_path = "/usr/libexec/crio/crio-monitor";
  launch.container_id = "abc123";
  launch.runtime_path = "/usr/sbin/runc";
  launch.runtime_root = "/run/runc";
  launch.runtime_args = {"--systemd-cgroup", "--debug"};
  launch.bundle_dir = "/run/crio/abc123";
  launch.pid_file = "/run/crio/abc123/pidfile";
  launch.log_path = "/var/log/pods/ns_pod_uid/ctr/0.log";
  launch.log_size_max = 8192;
  launch.exit_file = "/run/crio/exits/abc123";
  launch.attach_socket_path = "/run/crio/abc123/attach";
  launch.control_path = "/run/crio/abc123/ctl";
  launch.tty = true;
  launch.stdin = true;
  launch.stdin_once = true;
  launch.env = {{"XDG_RUNTIME_DIR", "/run/user/0"}, {"A", "b=c"}};
  launch.create_timeout = std::chrono::milliseconds(5000);
  return launch;
}

// Options points into `args`, which must outlive it.
bool Parse(std::vector<std::string>& args, Options* options, std::string* error) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  char buf[256] = {};
  const bool ok =
      ParseOptions(static_cast<int>(args.size()), argv.data(), options, buf, sizeof(buf));
  *error = buf;
  return ok;
}

TEST(MonitorArgvTest, TheMonitorParsesWhatTheClientBuilds) {
  const MonitorLaunch launch = ValidLaunch();
  std::vector<std::string> args = internal::MonitorArgv(launch);
  ASSERT_EQ(args[0], launch.monitor_path);
  Options options;
  std::string error;
  ASSERT_TRUE(Parse(args, &options, &error)) << error;
  EXPECT_STREQ(options.id, "abc123");
  EXPECT_STREQ(options.runtime, "/usr/sbin/runc");
  EXPECT_STREQ(options.runtime_root, "/run/runc");
  ASSERT_EQ(options.runtime_arg_count, 2);
  EXPECT_STREQ(options.runtime_args[0], "--systemd-cgroup");
  EXPECT_STREQ(options.runtime_args[1], "--debug");
  EXPECT_STREQ(options.bundle, "/run/crio/abc123");
  EXPECT_STREQ(options.pid_file, "/run/crio/abc123/pidfile");
  EXPECT_STREQ(options.log_path, "/var/log/pods/ns_pod_uid/ctr/0.log");
  EXPECT_EQ(options.log_size_max, 8192);
  EXPECT_STREQ(options.exit_file, "/run/crio/exits/abc123");
  EXPECT_STREQ(options.attach_socket, "/run/crio/abc123/attach");
  EXPECT_STREQ(options.control_socket, "/run/crio/abc123/ctl");
  ASSERT_EQ(options.env_count, 2);
  EXPECT_STREQ(options.env[0], "A=b=c");
  EXPECT_STREQ(options.env[1], "XDG_RUNTIME_DIR=/run/user/0");
  EXPECT_EQ(options.create_timeout_ms, 5000);
  EXPECT_EQ(options.sync_fd, protocol::kSyncFd);
  EXPECT_TRUE(options.tty);
  EXPECT_TRUE(options.stdin);
  EXPECT_TRUE(options.stdin_once);
}

TEST(MonitorArgvTest, StdinOnceNeedsStdin) {
  MonitorLaunch launch = ValidLaunch();
  launch.stdin = false;
  const std::vector<std::string> args = internal::MonitorArgv(launch);
  for (const std::string& a : args) EXPECT_NE(a, protocol::kFlagStdinOnce);
}

TEST(ParseOptionsTest, RejectsBadCommandLines) {
  const std::vector<std::string> base = internal::MonitorArgv(ValidLaunch());
  struct Case {
    std::vector<std::string> args;
    const char* error;
  };
  auto without = [&base](const std::string& flag) {
    std::vector<std::string> args;
    for (std::size_t i = 0; i < base.size(); ++i) {
      if (base[i] == flag) {
        ++i;
        continue;
      }
      args.push_back(base[i]);
    }
    return args;
  };
  auto with = [&base](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const Case cases[] = {
      {without("--id"), "missing --id"},
      {without("--exit-file"), "missing --exit-file"},
      {without("--sync-fd"), "missing --sync-fd"},
      {without("--create-timeout-ms"), "missing --create-timeout-ms"},
      {with({"--bogus", "x"}), "unknown flag --bogus"},
      {with({"--log-size-max", "12k"}), "invalid number for --log-size-max"},
      {with({"--log-size-max", "100"}), "value below 1024 for --log-size-max"},
      {with({"--env", "NOEQUALS"}), "expected KEY=VALUE for --env"},
      {with({"--create-timeout-ms", "0"}), "invalid number for --create-timeout-ms"},
      {with({"--bundle"}), "missing value for --bundle"},
      {{"/m", "--stdin-once", "--id", "x"}, "missing --runtime"},
  };
  for (const Case& c : cases) {
    Options options;
    std::string error;
    std::vector<std::string> args = c.args;
    EXPECT_FALSE(Parse(args, &options, &error)) << c.error;
    EXPECT_EQ(error, c.error);
  }
}

TEST(ParseOptionsTest, UnlimitedLogSize) {
  std::vector<std::string> args = internal::MonitorArgv(ValidLaunch());
  args.insert(args.end(), {"--log-size-max", "-1"});
  Options options;
  std::string error;
  ASSERT_TRUE(Parse(args, &options, &error)) << error;
  EXPECT_EQ(options.log_size_max, -1);
}

TEST(ValidateLaunchTest, AcceptsAValidLaunch) {
  EXPECT_TRUE(internal::ValidateLaunch(ValidLaunch()).ok());
}

TEST(ValidateLaunchTest, NamesTheBadField) {
  struct Case {
    void (*mutate)(MonitorLaunch&);
    const char* field;
  };
  const Case cases[] = {
      {[](MonitorLaunch& l) { l.monitor_path = "crio-monitor"; }, "monitor_path"},
      {[](MonitorLaunch& l) { l.bundle_dir = ""; }, "bundle_dir"},
      {[](MonitorLaunch& l) { l.exit_file = "exits/x"; }, "exit_file"},
      {[](MonitorLaunch& l) { l.control_path = ""; }, "control_path"},
      {[](MonitorLaunch& l) { l.container_id = ""; }, "container_id"},
      {[](MonitorLaunch& l) { l.runtime_root = "runc"; }, "runtime_root"},
      {[](MonitorLaunch& l) { l.log_size_max = 100; }, "log_size_max"},
      {[](MonitorLaunch& l) { l.create_timeout = std::chrono::milliseconds(0); }, "create_timeout"},
      {[](MonitorLaunch& l) { l.env["A=B"] = "c"; }, "env key"},
  };
  for (const Case& c : cases) {
    MonitorLaunch launch = ValidLaunch();
    c.mutate(launch);
    const absl::Status status = internal::ValidateLaunch(launch);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(status.message().find(c.field), std::string::npos) << status.message();
  }
}

TEST(ValidateLaunchTest, StartMonitorRefusesBeforeSpawning) {
  MonitorLaunch launch = ValidLaunch();
  launch.pid_file = "relative";
  EXPECT_EQ(StartMonitor(launch).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SyncReportTest, Success) {
  auto report = internal::ParseSyncReport("pid 100\nok 200\n");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->monitor_pid, 100);
  EXPECT_EQ(report->container_pid, 200);
}

TEST(SyncReportTest, FailureKeepsTheWholeMessage) {
  const std::string message =
      "time=\"x\" level=error msg=\"runc create failed: exec: \\\"nope\\\"\"\nsecond line";
  auto report = internal::ParseSyncReport("pid 100\nerror exit 1\n" + message);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->error_kind, "exit");
  EXPECT_EQ(report->error_value, 1);
  EXPECT_EQ(report->message, message);
  const absl::Status status = internal::ReportToStatus(*report, ValidLaunch());
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("exit status 1"), std::string::npos);
  EXPECT_NE(status.message().find(message), std::string::npos);
}

TEST(SyncReportTest, TimeoutIsDeadlineExceeded) {
  auto report = internal::ParseSyncReport("pid 7\nerror timeout 5000\ntoo slow");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(internal::ReportToStatus(*report, ValidLaunch()).code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(SyncReportTest, SetupErrorBeforeDetaching) {
  auto report = internal::ParseSyncReport("error setup 22\nmissing --id");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->monitor_pid, 0);
  const absl::Status status = internal::ReportToStatus(*report, ValidLaunch());
  EXPECT_NE(status.message().find("crio-monitor: missing --id"), std::string::npos);
}

TEST(SyncReportTest, IncompleteOrGarbled) {
  EXPECT_FALSE(internal::ParseSyncReport("").ok());
  EXPECT_FALSE(internal::ParseSyncReport("pid 100\n").ok());
  EXPECT_FALSE(internal::ParseSyncReport("pid 100\nok").ok());
  EXPECT_FALSE(internal::ParseSyncReport("pid x\nok 1\n").ok());
  EXPECT_FALSE(internal::ParseSyncReport("hello\n").ok());
  EXPECT_FALSE(internal::ParseSyncReport("pid 1\nok -5\n").ok());
}

TEST(SyncReportTest, ExecReportsReadyBeforeTheResult) {
  EXPECT_FALSE(internal::ReportSaysReady("pid 100\n"));
  EXPECT_FALSE(internal::ReportSaysReady("pid 100\nrea"));
  EXPECT_FALSE(internal::ReportSaysReady("pid 100\nready"));
  EXPECT_TRUE(internal::ReportSaysReady("pid 100\nready\n"));
  auto report = internal::ParseSyncReport("pid 100\nready\nok 300\n");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ready);
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->container_pid, 300);
  auto no_client = internal::ParseSyncReport(
      "pid 100\nready\nerror no-client 10000\nno attach client connected");
  ASSERT_TRUE(no_client.ok()) << no_client.status();
  const absl::Status status = internal::ReportToStatus(*no_client, "exec in container x");
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status.message(), "exec in container x: no attach client connected");
  EXPECT_FALSE(internal::ParseSyncReport("pid 100\nready 1\nok 3\n").ok());
}

ExecLaunch ValidExecLaunch() {
  ExecLaunch launch;
  launch.monitor_path = "/usr/libexec/crio/crio-monitor";
  launch.container_id = "abc123";
  launch.runtime_path = "/usr/sbin/runc";
  launch.runtime_root = "/run/runc";
  launch.runtime_args = {"--debug"};
  launch.process_json =
      R"({"args":["sh"],"cwd":"/","terminal":false,"consoleSize":{"height":1,"width":2}})";
  launch.process_file = "/run/crio/exec/e1/process.json";
  launch.pid_file = "/run/crio/exec/e1/pid";
  launch.exit_file = "/run/crio/exec/e1/exit";
  launch.attach_socket_path = "/run/crio/exec/e1/attach";
  launch.control_path = "/run/crio/exec/e1/ctl";
  launch.tty = true;
  launch.stdin = true;
  launch.env = {{"A", "b"}};
  launch.start_timeout = std::chrono::milliseconds(7000);
  launch.attach_timeout = std::chrono::milliseconds(3000);
  return launch;
}

TEST(ExecArgvTest, TheMonitorParsesWhatTheClientBuilds) {
  const ExecLaunch launch = ValidExecLaunch();
  std::vector<std::string> args = internal::ExecMonitorArgv(launch);
  ASSERT_EQ(args[0], launch.monitor_path);
  Options options;
  std::string error;
  ASSERT_TRUE(Parse(args, &options, &error)) << error;
  EXPECT_TRUE(options.exec_mode());
  EXPECT_STREQ(options.id, "abc123");
  EXPECT_STREQ(options.runtime, "/usr/sbin/runc");
  EXPECT_STREQ(options.runtime_root, "/run/runc");
  ASSERT_EQ(options.runtime_arg_count, 1);
  EXPECT_STREQ(options.runtime_args[0], "--debug");
  EXPECT_STREQ(options.exec_process, "/run/crio/exec/e1/process.json");
  EXPECT_EQ(options.bundle, nullptr);
  EXPECT_EQ(options.log_path, nullptr);
  EXPECT_STREQ(options.pid_file, "/run/crio/exec/e1/pid");
  EXPECT_STREQ(options.exit_file, "/run/crio/exec/e1/exit");
  EXPECT_STREQ(options.attach_socket, "/run/crio/exec/e1/attach");
  EXPECT_STREQ(options.control_socket, "/run/crio/exec/e1/ctl");
  EXPECT_EQ(options.create_timeout_ms, 7000);
  EXPECT_EQ(options.attach_timeout_ms, 3000);
  ASSERT_EQ(options.env_count, 1);
  EXPECT_STREQ(options.env[0], "A=b");
  EXPECT_TRUE(options.tty);
  EXPECT_TRUE(options.stdin);
  EXPECT_FALSE(options.stdin_once);
}

TEST(ExecArgvTest, ModesDoNotMix) {
  const std::vector<std::string> exec = internal::ExecMonitorArgv(ValidExecLaunch());
  const std::vector<std::string> create = internal::MonitorArgv(ValidLaunch());
  auto with = [](std::vector<std::string> args, std::vector<std::string> extra) {
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  auto without = [](const std::vector<std::string>& base, const std::string& flag) {
    std::vector<std::string> args;
    for (std::size_t i = 0; i < base.size(); ++i) {
      if (base[i] == flag) {
        ++i;
        continue;
      }
      args.push_back(base[i]);
    }
    return args;
  };
  struct Case {
    std::vector<std::string> args;
    const char* error;
  };
  const Case cases[] = {
      {with(exec, {"--bundle", "/b"}), "exec mode takes no --bundle"},
      {with(exec, {"--log-path", "/l"}), "exec mode takes no --log-path"},
      {with(exec, {"--stdin-once"}), "exec mode takes no --stdin-once"},
      {without(exec, "--attach-timeout-ms"), "missing --attach-timeout-ms"},
      {without(exec, "--pid-file"), "missing --pid-file"},
      {with(exec, {"--attach-timeout-ms", "0"}), "invalid number for --attach-timeout-ms"},
      {with(create, {"--attach-timeout-ms", "5"}), "container mode takes no --attach-timeout-ms"},
  };
  for (const Case& c : cases) {
    Options options;
    std::string error;
    std::vector<std::string> args = c.args;
    EXPECT_FALSE(Parse(args, &options, &error)) << c.error;
    EXPECT_EQ(error, c.error);
  }
}

TEST(ValidateExecLaunchTest, NamesTheBadField) {
  EXPECT_TRUE(internal::ValidateExecLaunch(ValidExecLaunch()).ok());
  struct Case {
    void (*mutate)(ExecLaunch&);
    const char* field;
  };
  const Case cases[] = {
      {[](ExecLaunch& l) { l.process_file = "process.json"; }, "process_file"},
      {[](ExecLaunch& l) { l.attach_socket_path = ""; }, "attach_socket_path"},
      {[](ExecLaunch& l) { l.container_id = ""; }, "container_id"},
      {[](ExecLaunch& l) { l.runtime_root = "runc"; }, "runtime_root"},
      {[](ExecLaunch& l) { l.attach_timeout = std::chrono::milliseconds(0); }, "attach_timeout"},
      {[](ExecLaunch& l) {
         l.tty = false;
         l.terminal_size = TerminalSize{80, 24};
       },
       "terminal_size"},
      {[](ExecLaunch& l) { l.env[""] = "c"; }, "env key"},
  };
  for (const Case& c : cases) {
    ExecLaunch launch = ValidExecLaunch();
    c.mutate(launch);
    const absl::Status status = internal::ValidateExecLaunch(launch);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(status.message().find(c.field), std::string::npos) << status.message();
  }
  ExecLaunch launch = ValidExecLaunch();
  launch.pid_file = "relative";
  EXPECT_EQ(StartExecMonitor(launch).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExecProcessJsonTest, TerminalAndSizeFollowTheLaunch) {
  ExecLaunch launch = ValidExecLaunch();
  launch.terminal_size = TerminalSize{120, 50};
  auto with_size = internal::ExecProcessJson(launch);
  ASSERT_TRUE(with_size.ok()) << with_size.status();
  EXPECT_EQ(*with_size,
            R"({"args":["sh"],"consoleSize":{"height":50,"width":120},"cwd":"/","terminal":true})");
  launch.tty = false;
  launch.terminal_size.reset();
  auto pipes = internal::ExecProcessJson(launch);
  ASSERT_TRUE(pipes.ok()) << pipes.status();
  EXPECT_EQ(*pipes, R"({"args":["sh"],"cwd":"/","terminal":false})");
  for (const char* bad : {"", "[1]", "{", "null"}) {
    launch.process_json = bad;
    EXPECT_EQ(internal::ExecProcessJson(launch).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(OomParseTest, FindsTheV1MemoryCgroup) {
  const char content[] =
      "12:pids:/kubepods/pod1/abc\n"
      "4:memory:/process_api/d0d0/t3\n"
      "3:cpu,cpuacct:/kubepods/pod1/abc\n"
      "0::/t3\n";
  bool v2 = true;
  char path[256];
  ASSERT_TRUE(FindMemoryCgroup(content, sizeof(content) - 1, &v2, path, sizeof(path)));
  EXPECT_FALSE(v2);
  EXPECT_STREQ(path, "/process_api/d0d0/t3");
}

TEST(OomParseTest, FallsBackToTheUnifiedHierarchy) {
  const char content[] = "0::/kubepods.slice/crio-abc.scope\n";
  bool v2 = false;
  char path[256];
  ASSERT_TRUE(FindMemoryCgroup(content, sizeof(content) - 1, &v2, path, sizeof(path)));
  EXPECT_TRUE(v2);
  EXPECT_STREQ(path, "/kubepods.slice/crio-abc.scope");
  const char none[] = "1:name=systemd:/x\n";
  EXPECT_FALSE(FindMemoryCgroup(none, sizeof(none) - 1, &v2, path, sizeof(path)));
  char tiny[4];
  EXPECT_FALSE(FindMemoryCgroup(content, sizeof(content) - 1, &v2, tiny, sizeof(tiny)));
}

TEST(OomParseTest, MatchesCgroupMounts) {
  char root[128];
  char mount[128];
  const std::string v1 =
      "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:5 - cgroup cgroup rw,memory";
  EXPECT_TRUE(
      ParseCgroupMount(v1.data(), v1.size(), false, root, sizeof(root), mount, sizeof(mount)));
  EXPECT_STREQ(root, "/");
  EXPECT_STREQ(mount, "/sys/fs/cgroup/memory");
  EXPECT_FALSE(
      ParseCgroupMount(v1.data(), v1.size(), true, root, sizeof(root), mount, sizeof(mount)));

  const std::string cpu = "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu";
  EXPECT_FALSE(
      ParseCgroupMount(cpu.data(), cpu.size(), false, root, sizeof(root), mount, sizeof(mount)));

  const std::string v2 = "40 30 0:37 /sub /sys/fs/cgroup\\040x rw,relatime - cgroup2 cgroup2 rw";
  EXPECT_TRUE(
      ParseCgroupMount(v2.data(), v2.size(), true, root, sizeof(root), mount, sizeof(mount)));
  EXPECT_STREQ(root, "/sub");
  EXPECT_STREQ(mount, "/sys/fs/cgroup x");

  const std::string ext4 = "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw";
  EXPECT_FALSE(
      ParseCgroupMount(ext4.data(), ext4.size(), true, root, sizeof(root), mount, sizeof(mount)));
}

TEST(CgroupCleanupTest, PicksOnlyCgroupsNamedAfterTheContainer) {
  const char content[] =
      "9:name=systemd:/abc\n"
      "4:memory:/process_api/d0d0/abc\n"
      "3:cpu,cpuacct:/kubepods/pod1/crio-abc\n"
      "2:pids:/kubepods/pod1\n"
      "1:blkio:/abc\n"
      "0::/abc\n";
  CgroupPath paths[8];
  const int count = ContainerCgroupsIn(content, sizeof(content) - 1, "abc", paths, 0, 8);
  ASSERT_EQ(count, 3);
  EXPECT_STREQ(paths[0].path, "/abc");
  EXPECT_STREQ(paths[1].path, "/process_api/d0d0/abc");
  EXPECT_STREQ(paths[2].path, "/kubepods/pod1/crio-abc");
  // The capacity bounds what is collected.
  EXPECT_EQ(ContainerCgroupsIn(content, sizeof(content) - 1, "abc", paths, 0, 2), 2);
}

TEST(CgroupCleanupTest, MatchesEveryCgroupMount) {
  char root[128];
  char mount[128];
  const std::string v1 = "31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu";
  EXPECT_TRUE(ParseAnyCgroupMount(v1.data(), v1.size(), root, sizeof(root), mount, sizeof(mount)));
  EXPECT_STREQ(mount, "/sys/fs/cgroup/cpu");
  const std::string v2 = "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw";
  EXPECT_TRUE(ParseAnyCgroupMount(v2.data(), v2.size(), root, sizeof(root), mount, sizeof(mount)));
  const std::string tmpfs = "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755";
  EXPECT_FALSE(
      ParseAnyCgroupMount(tmpfs.data(), tmpfs.size(), root, sizeof(root), mount, sizeof(mount)));
}

TEST(OomParseTest, ReadsTheOomKillCounter) {
  const char v1[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
  EXPECT_EQ(ParseOomKillCount(v1, sizeof(v1) - 1), 3);
  const char v2[] = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n";
  EXPECT_EQ(ParseOomKillCount(v2, sizeof(v2) - 1), 1);
  const char old_kernel[] = "oom_kill_disable 0\nunder_oom 0\n";
  EXPECT_EQ(ParseOomKillCount(old_kernel, sizeof(old_kernel) - 1), -1);
}

TEST(OomParseTest, OpenOomCounterOfThisProcess) {
  // Wherever this test runs, a process with a memory cgroup has a readable counter.
  const int fd = OpenOomCounter(::getpid());
  if (fd < 0) GTEST_SKIP() << "no memory cgroup controller visible here";
  EXPECT_GE(ReadOomKillCount(fd), 0);
  ::close(fd);
}

TEST(MonitorRunningTest, OnlyAMonitorOfThatContainerCounts) {
  EXPECT_FALSE(MonitorRunning(::getpid(), "abc"));  // not a crio-monitor
  EXPECT_FALSE(MonitorRunning(0, "abc"));
  EXPECT_FALSE(MonitorRunning(-1, "abc"));
  EXPECT_FALSE(MonitorRunning(0x3fffffff, "abc"));  // no such process
}

}  // namespace
}  // namespace crio::monitor
