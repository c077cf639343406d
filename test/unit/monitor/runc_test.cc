// crio-monitor with real runc on a busybox bundle built here (root only). runc uses a
// private --root in the test's temp dir; every container is deleted afterwards.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "crio/monitor/monitor.h"
#include "monitor_test_util.h"
#include "nlohmann/json.hpp"

namespace crio::monitor {
namespace {

using testing::ConnectAttach;
using testing::FindProcesses;
using testing::ParseCriLog;
using testing::ReadAttachUntil;
using testing::ReadFileOrEmpty;
using testing::RunCommand;
using testing::StreamText;
using testing::WaitForExit;
using testing::WaitUntil;

constexpr char kRunc[] = "/usr/sbin/runc";
constexpr char kBusybox[] = "/usr/bin/busybox";
constexpr char kConmon[] = "/usr/bin/conmon";

#define CRIO_REQUIRE_ROOT_AND_RUNC()                                         \
  do {                                                                       \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";                      \
    if (::access(kRunc, X_OK) != 0) GTEST_SKIP() << "needs " << kRunc;       \
    if (::access(kBusybox, X_OK) != 0) GTEST_SKIP() << "needs " << kBusybox; \
  } while (false)

class MonitorRuncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRIO_REQUIRE_ROOT_AND_RUNC();
    ASSERT_FALSE(dir_.path().empty());
    root_ = dir_.path() + "/runc-root";
    // Short ids: runc's state and cgroup names, and the paths stay small.
    id_ = "crio-mon-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
  }

  void TearDown() override {
    for (const std::string& id : ids_) {
      RunCommand({kRunc, "--root", root_, "delete", "--force", id});
    }
    for (const pid_t pid : monitors_) {
      if (!WaitUntil([&] { return !testing::ProcessAlive(pid); }, std::chrono::seconds(5))) {
        ::kill(pid, SIGKILL);
      }
    }
  }

  // A bundle with busybox as the rootfs and runc's default spec, edited by `edit`.
  std::string MakeBundle(const std::string& name, const std::vector<std::string>& args,
                         const std::function<void(nlohmann::json&)>& edit = nullptr) {
    const std::string bundle = dir_.path() + "/" + name;
    std::filesystem::create_directories(bundle + "/rootfs/bin");
    std::filesystem::copy_file(kBusybox, bundle + "/rootfs/bin/busybox");
    const auto spec = RunCommand({kRunc, "spec", "--bundle", bundle});
    EXPECT_EQ(spec.exit_code, 0) << spec.output;
    nlohmann::json config = nlohmann::json::parse(ReadFileOrEmpty(bundle + "/config.json"));
    config["process"]["terminal"] = false;
    config["process"]["args"] = args;
    // The host network is enough here, and keeps the bundle independent of CNI.
    auto& namespaces = config["linux"]["namespaces"];
    for (auto it = namespaces.begin(); it != namespaces.end();) {
      it = (*it)["type"] == "network" ? namespaces.erase(it) : it + 1;
    }
    if (edit) edit(config);
    std::ofstream(bundle + "/config.json") << config.dump(2);
    return bundle;
  }

  MonitorLaunch Launch(const std::string& bundle, const std::string& id) {
    MonitorLaunch launch;
    launch.monitor_path = testing::MonitorBinary();
    launch.container_id = id;
    launch.runtime_path = kRunc;
    launch.runtime_root = root_;
    launch.bundle_dir = bundle;
    launch.pid_file = dir_.path() + "/" + id + "/pidfile";
    launch.log_path = dir_.path() + "/logs/" + id + "/0.log";
    launch.exit_file = dir_.path() + "/exits/" + id;
    launch.attach_socket_path = dir_.path() + "/" + id + "/attach";
    launch.control_path = dir_.path() + "/" + id + "/ctl";
    launch.create_timeout = std::chrono::seconds(30);
    return launch;
  }

  absl::StatusOr<MonitorStarted> StartTracked(const MonitorLaunch& launch) {
    ids_.push_back(launch.container_id);
    auto started = StartMonitor(launch);
    if (started.ok()) monitors_.push_back(started->monitor_pid);
    return started;
  }

  void RuncStart(const std::string& id) {
    const auto result = RunCommand({kRunc, "--root", root_, "start", id});
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }

  std::string RuncList() { return RunCommand({kRunc, "--root", root_, "list", "-q"}).output; }

  std::string RuncStatus(const std::string& id) {
    const auto state = RunCommand({kRunc, "--root", root_, "state", id});
    if (state.exit_code != 0) return "";
    return nlohmann::json::parse(state.output)["status"].get<std::string>();
  }

  // A running container (busybox sleeping) to exec into; returns its bundle.
  std::string StartSleeper() {
    const std::string bundle = MakeBundle("b", {"/bin/busybox", "sleep", "1000"});
    auto started = StartTracked(Launch(bundle, id_));
    EXPECT_TRUE(started.ok()) << started.status();
    RuncStart(id_);
    return bundle;
  }

  // An exec session into the container `id_` of `bundle`: the container's process
  // with other args, as the daemon's BuildExecProcess makes it.
  ExecLaunch Exec(const std::string& bundle, const std::vector<std::string>& args) {
    nlohmann::json process =
        nlohmann::json::parse(ReadFileOrEmpty(bundle + "/config.json"))["process"];
    process["args"] = args;
    ExecLaunch launch;
    launch.monitor_path = testing::MonitorBinary();
    launch.container_id = id_;
    launch.runtime_path = kRunc;
    launch.runtime_root = root_;
    launch.process_json = process.dump();
    const std::string session = dir_.path() + "/exec/" + std::to_string(exec_counter_++);
    launch.process_file = session + "/process.json";
    launch.pid_file = session + "/pid";
    launch.exit_file = session + "/exit";
    launch.attach_socket_path = session + "/attach";
    launch.control_path = session + "/ctl";
    launch.start_timeout = std::chrono::seconds(30);
    return launch;
  }

  absl::StatusOr<ExecSession> StartExecTracked(const ExecLaunch& launch) {
    auto session = StartExecMonitor(launch);
    if (session.ok()) monitors_.push_back(session->monitor_pid);
    return session;
  }

  // Reads a session to its end; a watchdog cancels it after 20 s.
  struct Transcript {
    std::string out;
    std::string err;
    std::optional<int> exit_code;
    bool ended = false;
  };
  static Transcript ReadToEnd(AttachStream& stream) {
    std::atomic<bool> done{false};
    std::thread watchdog([&] {
      for (int i = 0; i < 2000 && !done; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (!done) stream.Cancel();
    });
    Transcript t;
    for (;;) {
      auto chunk = stream.Read();
      if (!chunk.ok() || chunk->kind == AttachChunk::Kind::kEnd) {
        t.ended = chunk.ok();
        break;
      }
      if (chunk->kind == AttachChunk::Kind::kStdout) t.out += chunk->data;
      if (chunk->kind == AttachChunk::Kind::kStderr) t.err += chunk->data;
      if (chunk->kind == AttachChunk::Kind::kExit) t.exit_code = chunk->exit_code;
    }
    done = true;
    watchdog.join();
    return t;
  }

  static std::string ReadStdoutUntil(AttachStream& stream, const std::string& want) {
    std::string out;
    while (out.find(want) == std::string::npos) {
      auto chunk = stream.Read();
      if (!chunk.ok() || chunk->kind == AttachChunk::Kind::kEnd) break;
      if (chunk->kind == AttachChunk::Kind::kStdout) out += chunk->data;
    }
    return out;
  }

  // Cgroup directories named `id` anywhere under /sys/fs/cgroup.
  static std::vector<std::string> CgroupsNamed(const std::string& id) {
    std::vector<std::string> found;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator("/sys/fs/cgroup", ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it.depth() > 5) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory(ec) && it->path().filename() == id) found.push_back(it->path());
    }
    return found;
  }

  static inline int counter_ = 0;
  int exec_counter_ = 0;
  testing::TempDir dir_;
  std::string root_;
  std::string id_;
  std::vector<std::string> ids_;
  std::vector<pid_t> monitors_;
};

TEST_F(MonitorRuncTest, LogsStdoutAndStderrInCriFormat) {
  const std::string bundle = MakeBundle(
      "b", {"/bin/busybox", "sh", "-c", "echo hello; echo oops >&2; echo world; exit 3"});
  const MonitorLaunch launch = Launch(bundle, id_);
  auto started = StartTracked(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(std::stoi(ReadFileOrEmpty(launch.pid_file)), started->container_pid);
  EXPECT_NE(RuncList().find(id_), std::string::npos);
  RuncStart(id_);
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_EQ(exit->signal, 0);
  EXPECT_FALSE(exit->oom_killed);
  const auto entries = ParseCriLog(ReadFileOrEmpty(launch.log_path));
  for (const auto& e : entries) {
    EXPECT_TRUE(testing::IsRfc3339Nano(e.time)) << e.time;
    EXPECT_EQ(e.tag, "F");
  }
  EXPECT_EQ(StreamText(entries, "stdout"), "hello\nworld\n");
  EXPECT_EQ(StreamText(entries, "stderr"), "oops\n");
  struct stat st {};
  ASSERT_EQ(::stat(launch.log_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(MonitorRuncTest, CreateFailureCarriesRuncsMessageAndLeavesNothing) {
  const std::string bundle = MakeBundle("b", {"/bin/no-such-binary"});
  const MonitorLaunch launch = Launch(bundle, id_);
  auto started = StartTracked(launch);
  ASSERT_FALSE(started.ok());
  const std::string message(started.status().message());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(message.find("level=error"), std::string::npos) << message;
  EXPECT_NE(message.find("/bin/no-such-binary"), std::string::npos) << message;
  EXPECT_NE(message.find("exit status 1"), std::string::npos) << message;
  EXPECT_EQ(RuncList(), "");
  EXPECT_TRUE(FindProcesses(id_).empty());
  EXPECT_EQ(CgroupsNamed(id_), std::vector<std::string>{});
  EXPECT_FALSE(std::filesystem::exists(launch.pid_file));
  EXPECT_FALSE(std::filesystem::exists(launch.attach_socket_path));
}

TEST_F(MonitorRuncTest, CreateTimeoutKillsRuncAndCleansUp) {
  // A createRuntime hook that hangs keeps `runc create` from finishing.
  const std::string sleep_arg = "1234." + std::to_string(::getpid());
  const std::string bundle = MakeBundle("b", {"/bin/busybox", "true"}, [&](nlohmann::json& c) {
    c["hooks"]["createRuntime"] = {{{"path", kBusybox}, {"args", {"busybox", "sleep", sleep_arg}}}};
  });
  MonitorLaunch launch = Launch(bundle, id_);
  launch.create_timeout = std::chrono::seconds(2);
  auto started = StartTracked(launch);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kDeadlineExceeded) << started.status();
  EXPECT_EQ(RuncList(), "");
  EXPECT_TRUE(FindProcesses("sleep " + sleep_arg).empty());
  EXPECT_TRUE(FindProcesses(id_).empty());
  // runc had made the cgroups but saved no state; the monitor removed them.
  EXPECT_EQ(CgroupsNamed(id_), std::vector<std::string>{});
}

TEST_F(MonitorRuncTest, MonitorSurvivesTheCallerBeingKilled) {
  const std::string bundle = MakeBundle("b", {"/bin/busybox", "sh", "-c", "echo survived; exit 4"});
  const MonitorLaunch launch = Launch(bundle, id_);
  ids_.push_back(id_);
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t daemon = ::fork();
  ASSERT_GE(daemon, 0);
  if (daemon == 0) {
    auto started = StartMonitor(launch);
    MonitorStarted out;
    if (started.ok()) out = *started;
    if (::write(report[1], &out, sizeof(out)) != sizeof(out)) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  ::close(report[1]);
  MonitorStarted started;
  const ssize_t got = ::read(report[0], &started, sizeof(started));
  ::close(report[0]);
  // Killed before any assertion, so that a failure cannot leave it behind.
  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  ASSERT_EQ(::waitpid(daemon, nullptr, 0), daemon);
  ASSERT_EQ(got, static_cast<ssize_t>(sizeof(started)));
  ASSERT_GT(started.monitor_pid, 0);
  monitors_.push_back(started.monitor_pid);

  EXPECT_TRUE(MonitorRunning(started.monitor_pid, id_));
  EXPECT_NE(testing::ParentPid(started.monitor_pid), daemon);
  EXPECT_NE(testing::ParentPid(started.monitor_pid), ::getpid());
  // The container's init is the monitor's child (subreaper), not the daemon's.
  EXPECT_EQ(testing::ParentPid(started.container_pid), started.monitor_pid);
  RuncStart(id_);
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 4);
  EXPECT_EQ(StreamText(ParseCriLog(ReadFileOrEmpty(launch.log_path)), "stdout"), "survived\n");
}

TEST_F(MonitorRuncTest, ReopenAfterTheLogWasRenamed) {
  const std::string bundle = MakeBundle(
      "b", {"/bin/busybox", "sh", "-c", "echo first; read x; echo second"}, [](nlohmann::json&) {});
  MonitorLaunch launch = Launch(bundle, id_);
  launch.stdin = true;
  auto started = StartTracked(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  RuncStart(id_);
  ASSERT_TRUE(WaitUntil([&] { return !ReadFileOrEmpty(launch.log_path).empty(); }));
  const std::string moved = launch.log_path + ".1";
  ASSERT_EQ(std::rename(launch.log_path.c_str(), moved.c_str()), 0);
  const absl::Status reopened = ReopenLog(launch.control_path);
  ASSERT_TRUE(reopened.ok()) << reopened;
  const int fd = ConnectAttach(launch.attach_socket_path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, "go\n", 3, 0), 3);
  auto exit = WaitForExit(launch.exit_file);
  ::close(fd);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(StreamText(ParseCriLog(ReadFileOrEmpty(moved)), "stdout"), "first\n");
  EXPECT_EQ(StreamText(ParseCriLog(ReadFileOrEmpty(launch.log_path)), "stdout"), "second\n");
}

TEST_F(MonitorRuncTest, AttachReceivesOutputAndSendsStdin) {
  const std::string bundle =
      MakeBundle("b", {"/bin/busybox", "sh", "-c", "echo ready; /bin/busybox cat; echo done >&2"});
  MonitorLaunch launch = Launch(bundle, id_);
  launch.stdin = true;
  launch.stdin_once = true;
  auto started = StartTracked(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  const int fd = ConnectAttach(launch.attach_socket_path);
  ASSERT_GE(fd, 0);
  RuncStart(id_);
  EXPECT_EQ(ReadAttachUntil(fd, 2, "ready\n"), "ready\n");
  ASSERT_EQ(::send(fd, "echo me\n", 8, 0), 8);
  EXPECT_EQ(ReadAttachUntil(fd, 2, "echo me\n"), "echo me\n");
  ASSERT_EQ(::shutdown(fd, SHUT_WR), 0);
  EXPECT_EQ(ReadAttachUntil(fd, 3, "done\n"), "done\n");
  auto exit = WaitForExit(launch.exit_file);
  ::close(fd);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 0);
}

TEST_F(MonitorRuncTest, TerminalContainerLogsThroughTheConsoleSocket) {
  const std::string bundle =
      MakeBundle("b", {"/bin/busybox", "sh", "-c", "/bin/busybox stty size; echo tty-ok; exit 2"},
                 [](nlohmann::json& c) { c["process"]["terminal"] = true; });
  MonitorLaunch launch = Launch(bundle, id_);
  launch.tty = true;
  auto started = StartTracked(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  const absl::Status resized = ResizeTerminal(launch.control_path, 100, 40);
  ASSERT_TRUE(resized.ok()) << resized;
  const int fd = ConnectAttach(launch.attach_socket_path);
  ASSERT_GE(fd, 0);
  RuncStart(id_);
  EXPECT_NE(ReadAttachUntil(fd, 2, "tty-ok").find("tty-ok"), std::string::npos);
  auto exit = WaitForExit(launch.exit_file);
  ::close(fd);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 2);
  const auto entries = ParseCriLog(ReadFileOrEmpty(launch.log_path));
  // One stream, logged as stdout; the terminal ends lines with \r\n.
  EXPECT_EQ(StreamText(entries, "stderr"), "");
  EXPECT_EQ(StreamText(entries, "stdout"), "40 100\r\ntty-ok\r\n");
}

TEST_F(MonitorRuncTest, OomKillIsReported) {
  if (!std::filesystem::exists("/sys/fs/cgroup/memory/memory.oom_control") &&
      !std::filesystem::exists("/sys/fs/cgroup/memory.events")) {
    GTEST_SKIP() << "no memory cgroup controller with an oom_kill counter";
  }
  // dd's 64 MiB buffer cannot fit in a 16 MiB cgroup.
  const std::string bundle =
      MakeBundle("b", {"/bin/busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"},
                 [](nlohmann::json& c) {
                   c["linux"]["resources"]["memory"] = {{"limit", 16 << 20}, {"swap", 16 << 20}};
                 });
  const MonitorLaunch launch = Launch(bundle, id_);
  auto started = StartTracked(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  RuncStart(id_);
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(exit->exit_code, 137);
  EXPECT_TRUE(exit->oom_killed);
}

TEST_F(MonitorRuncTest, KilledWithoutOomIsNotOomKilled) {
  const std::string bundle = MakeBundle("b", {"/bin/busybox", "sleep", "100"});
  const MonitorLaunch launch = Launch(bundle, id_);
  auto started = StartTracked(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  RuncStart(id_);
  const auto killed = RunCommand({kRunc, "--root", root_, "kill", id_, "KILL"});
  ASSERT_EQ(killed.exit_code, 0) << killed.output;
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_FALSE(exit->oom_killed);
}

// The figure the design asks for: private memory of the monitor supervising a running
// container, beside Debian's conmon on the same bundle.
TEST_F(MonitorRuncTest, PrivateMemoryBelowBudgetAndConmon) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer builds inflate memory";
#endif
  const std::string bundle =
      MakeBundle("b", {"/bin/busybox", "sh", "-c", "while true; do echo tick; sleep 0.2; done"});
  const MonitorLaunch launch = Launch(bundle, id_);
  auto started = StartTracked(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  RuncStart(id_);
  // Let it log for a while, so every path of the steady state has run.
  ASSERT_TRUE(WaitUntil([&] { return ReadFileOrEmpty(launch.log_path).size() > 200; }));
  const long ours = testing::PrivateKiB(started->monitor_pid);
  ASSERT_GT(ours, 0);
  std::cout << "crio-monitor private memory: " << ours << " KiB\n";
  RecordProperty("crio_monitor_private_kib", static_cast<int>(ours));
  EXPECT_LT(ours, 300);
  RunCommand({kRunc, "--root", root_, "kill", id_, "KILL"});
  ASSERT_TRUE(WaitForExit(launch.exit_file).ok());

  if (::access(kConmon, X_OK) != 0) {
    std::cout << "conmon not installed: no comparison\n";
    return;
  }
  const std::string conmon_id = id_ + "-conmon";
  ids_.push_back(conmon_id);
  const std::string cdir = dir_.path() + "/conmon";
  std::filesystem::create_directories(cdir + "/exits");
  std::filesystem::create_directories(cdir + "/persist");
  const auto conmon = RunCommand({kConmon,
                                  "--api-version",
                                  "1",
                                  "-b",
                                  bundle,
                                  "-c",
                                  conmon_id,
                                  "-u",
                                  conmon_id,
                                  "-n",
                                  conmon_id,
                                  "--exit-dir",
                                  cdir + "/exits",
                                  "-l",
                                  "k8s-file:" + cdir + "/log",
                                  "-p",
                                  cdir + "/pid",
                                  "-P",
                                  cdir + "/conmon.pid",
                                  "--persist-dir",
                                  cdir + "/persist",
                                  "-r",
                                  kRunc,
                                  "--runtime-arg",
                                  "--root=" + root_,
                                  "--socket-dir-path",
                                  cdir,
                                  "--log-level",
                                  "error"});
  ASSERT_EQ(conmon.exit_code, 0) << conmon.output;
  // conmon returns before its create is done.
  ASSERT_TRUE(WaitUntil([&] {
    return RunCommand({kRunc, "--root", root_, "state", conmon_id}).output.find("\"created\"") !=
           std::string::npos;
  }));
  const pid_t conmon_pid = std::stoi(ReadFileOrEmpty(cdir + "/conmon.pid"));
  monitors_.push_back(conmon_pid);
  RuncStart(conmon_id);
  ASSERT_TRUE(WaitUntil([&] { return ReadFileOrEmpty(cdir + "/log").size() > 200; }));
  const long theirs = testing::PrivateKiB(conmon_pid);
  std::cout << "conmon private memory: " << theirs << " KiB\n";
  RecordProperty("conmon_private_kib", static_cast<int>(theirs));
  EXPECT_LT(ours, theirs);
  RunCommand({kRunc, "--root", root_, "kill", conmon_id, "KILL"});
  EXPECT_TRUE(WaitUntil([&] { return !testing::ProcessAlive(conmon_pid); }));
}

TEST_F(MonitorRuncTest, ExecWithPipes) {
  const std::string bundle = StartSleeper();
  const ExecLaunch launch =
      Exec(bundle, {"/bin/busybox", "sh", "-c", "echo out; echo err >&2; exit 3"});
  auto session = StartExecTracked(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  const Transcript t = ReadToEnd(*session->stream);
  EXPECT_EQ(t.out, "out\n");
  EXPECT_EQ(t.err, "err\n");
  EXPECT_EQ(t.exit_code, 3);
  EXPECT_TRUE(t.ended);
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_TRUE(WaitUntil([&] { return !testing::ProcessAlive(session->monitor_pid); }));
  // The container is untouched.
  EXPECT_EQ(RuncStatus(id_), "running");
}

TEST_F(MonitorRuncTest, ExecWithTerminalStartsAtItsSizeAndResizes) {
  const std::string bundle = StartSleeper();
  ExecLaunch launch = Exec(bundle, {"/bin/busybox", "sh", "-c",
                                    "/bin/busybox stty size; read x; /bin/busybox stty size; "
                                    "[ -t 0 ] && echo tty-ok; exit 5"});
  launch.tty = true;
  launch.stdin = true;
  launch.terminal_size = TerminalSize{120, 50};
  auto session = StartExecTracked(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  AttachStream& stream = *session->stream;
  EXPECT_NE(ReadStdoutUntil(stream, "50 120\r\n").find("50 120\r\n"), std::string::npos);
  ASSERT_TRUE(stream.Resize(100, 40).ok());
  ASSERT_TRUE(stream.WriteStdin("go\n").ok());
  const Transcript t = ReadToEnd(stream);
  // One stream; the terminal echoes the input and ends lines with \r\n.
  EXPECT_EQ(t.err, "");
  EXPECT_NE(t.out.find("40 100\r\ntty-ok\r\n"), std::string::npos) << t.out;
  EXPECT_EQ(t.exit_code, 5);
  EXPECT_EQ(RuncStatus(id_), "running");
}

TEST_F(MonitorRuncTest, ExecOfAMissingBinaryFailsWithRuncsMessage) {
  const std::string bundle = StartSleeper();
  const ExecLaunch launch = Exec(bundle, {"/bin/no-such-binary"});
  auto session = StartExecTracked(launch);
  ASSERT_FALSE(session.ok());
  const std::string message(session.status().message());
  EXPECT_EQ(session.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(message.find("level=error"), std::string::npos) << message;
  EXPECT_NE(message.find("/bin/no-such-binary"), std::string::npos) << message;
  EXPECT_NE(message.find("no such file or directory"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(launch.attach_socket_path));
  EXPECT_FALSE(std::filesystem::exists(launch.exit_file));
  EXPECT_EQ(RuncStatus(id_), "running");
}

TEST_F(MonitorRuncTest, ExecClientLeavingKillsTheProcessGroup) {
  const std::string bundle = StartSleeper();
  const std::string sleep_arg = std::to_string(50000 + ::getpid() % 10000);
  const ExecLaunch launch =
      Exec(bundle, {"/bin/busybox", "sh", "-c", "echo started; /bin/busybox sleep " + sleep_arg});
  auto session = StartExecTracked(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(ReadStdoutUntil(*session->stream, "started\n"), "started\n");
  // The shell forks its sleep after the echo.
  ASSERT_TRUE(WaitUntil([&] { return FindProcesses("sleep " + sleep_arg).size() == 1; }));
  session->stream->Cancel();
  EXPECT_TRUE(WaitUntil([&] { return !testing::ProcessAlive(session->monitor_pid); }));
  EXPECT_FALSE(testing::ProcessAlive(session->process_pid));
  // The shell's child was in its process group, in the container's PID namespace.
  EXPECT_TRUE(WaitUntil([&] { return FindProcesses("sleep " + sleep_arg).empty(); }));
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(RuncStatus(id_), "running");
}

}  // namespace
}  // namespace crio::monitor
