// The real crio-monitor and client against a stand-in runtime (a shell script that
// speaks runc's create/delete CLI without namespaces), so that the monitor's process
// handling, logging, attach and control paths run without root. runc_test.cc repeats
// the important cases with real runc.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crio/monitor/monitor.h"
#include "monitor_test_util.h"

namespace crio::monitor {
namespace {

using testing::ConnectAttach;
using testing::FindProcesses;
using testing::ParseCriLog;
using testing::ReadAttachUntil;
using testing::ReadFileOrEmpty;
using testing::StreamText;
using testing::WaitForExit;
using testing::WaitUntil;

// create: fails with <bundle>/fail's text, hangs (with a child) when <bundle>/hang
// exists, else starts <bundle>/init.sh in the background with the runtime's stdio
// and writes its pid. delete: records the id in <root>/deleted. Like runc, it never
// waits for init: init starts its script only once the runtime is gone, since a shell
// reaps a background child that ends before the shell does.
constexpr char kFakeRuntime[] = R"SH(#!/bin/sh
verb= pid_file= bundle= id= root=
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift ;;
    --console-socket) shift ;;
    --bundle) bundle=$2; shift ;;
    --pid-file) pid_file=$2; shift ;;
    create|delete) verb=$1 ;;
    --*) ;;
    *) id=$1 ;;
  esac
  shift
done
case "$verb" in
  create)
    if [ -f "$bundle/fail" ]; then cat "$bundle/fail" >&2; exit 1; fi
    if [ -f "$bundle/hang" ]; then
      sleep "$(cat "$bundle/hang")" &
      sleep "$(cat "$bundle/hang")"
      exit 0
    fi
    echo "$FAKE_RUNTIME_ENV" > "$bundle/env"
    exec 3<&0
    sh -c 'while kill -0 "$1" 2>/dev/null; do sleep 0.01; done; exec sh "$2"' gate $$ \
      "$bundle/init.sh" <&3 3<&- &
    echo $! > "$pid_file"
    exit 0 ;;
  delete) mkdir -p "$root"; echo "$id" >> "$root/deleted"; exit 0 ;;
esac
exit 1
)SH";

class MonitorFakeRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    id_ = "fake-" + std::to_string(::getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    bundle_ = dir_.path() + "/bundle";
    std::filesystem::create_directories(bundle_);
    runtime_ = dir_.path() + "/fake-runc";
    std::ofstream(runtime_) << kFakeRuntime;
    std::filesystem::permissions(runtime_, std::filesystem::perms::owner_all);
  }

  void TearDown() override {
    // Let the init finish, then make sure no monitor of this test stays behind.
    std::ofstream(bundle_ + "/start") << "";
    if (started_.monitor_pid > 0) {
      if (!WaitUntil([&] { return !MonitorRunning(started_.monitor_pid, id_); })) {
        ::kill(started_.monitor_pid, SIGKILL);
      }
    }
    if (started_.container_pid > 0 && testing::ProcessAlive(started_.container_pid)) {
      ::kill(started_.container_pid, SIGKILL);
    }
  }

  // The container's process: waits for "start" (runc's init waits for `runc start`),
  // then runs `body`.
  void WriteInit(const std::string& body) {
    std::ofstream(bundle_ + "/init.sh")
        << "while [ ! -e '" << bundle_ << "/start' ]; do sleep 0.01; done\n"
        << body << "\n";
  }
  void Start() { std::ofstream(bundle_ + "/start") << ""; }

  MonitorLaunch Launch() {
    MonitorLaunch launch;
    launch.monitor_path = testing::MonitorBinary();
    launch.container_id = id_;
    launch.runtime_path = runtime_;
    launch.runtime_root = dir_.path() + "/root";
    launch.bundle_dir = bundle_;
    launch.pid_file = dir_.path() + "/pidfile";
    launch.log_path = dir_.path() + "/logs/ctr/0.log";
    launch.exit_file = dir_.path() + "/exits/" + id_;
    launch.attach_socket_path = dir_.path() + "/attach";
    launch.control_path = dir_.path() + "/ctl";
    launch.create_timeout = std::chrono::seconds(10);
    return launch;
  }

  testing::TempDir dir_;
  std::string id_;
  std::string bundle_;
  std::string runtime_;
  MonitorStarted started_;
};

TEST_F(MonitorFakeRuntimeTest, LogsStdoutAndStderrAndWritesTheExitCode) {
  WriteInit("echo out1; echo err1 >&2; echo out2; printf 'no newline'; exit 3");
  MonitorLaunch launch = Launch();
  launch.env["FAKE_RUNTIME_ENV"] = "from-the-daemon";
  auto started = StartMonitor(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  EXPECT_GT(started->container_pid, 0);
  EXPECT_TRUE(MonitorRunning(started->monitor_pid, id_));
  EXPECT_FALSE(MonitorRunning(started->monitor_pid, "other-container"));
  EXPECT_TRUE(std::filesystem::exists(launch.attach_socket_path));
  EXPECT_EQ(ReadFileOrEmpty(bundle_ + "/env"), "from-the-daemon\n");
  auto not_yet = ReadExitFile(launch.exit_file);
  ASSERT_TRUE(not_yet.ok());
  EXPECT_FALSE(not_yet->has_value());

  Start();
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_EQ(exit->signal, 0);
  EXPECT_FALSE(exit->oom_killed);
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(exit->finished_at_ns, now_ns);
  EXPECT_GT(exit->finished_at_ns, now_ns - 60'000'000'000LL);

  const auto entries = ParseCriLog(ReadFileOrEmpty(launch.log_path));
  ASSERT_FALSE(entries.empty());
  for (const auto& e : entries) EXPECT_TRUE(testing::IsRfc3339Nano(e.time)) << e.time;
  EXPECT_EQ(StreamText(entries, "stdout"), "out1\nout2\nno newline\n");
  EXPECT_EQ(StreamText(entries, "stderr"), "err1\n");
  EXPECT_EQ(entries.back().tag, "F");
  // The monitor is gone and took its sockets with it.
  EXPECT_TRUE(WaitUntil([&] { return !MonitorRunning(started->monitor_pid, id_); }));
  EXPECT_FALSE(std::filesystem::exists(launch.attach_socket_path));
  EXPECT_FALSE(std::filesystem::exists(launch.control_path));
}

TEST_F(MonitorFakeRuntimeTest, CreateFailureCarriesTheRuntimeMessageAndLeavesNothing) {
  std::ofstream(bundle_ + "/fail")
      << "time=\"2024-01-01T00:00:00Z\" level=error msg=\"runc create failed: boom\"\n";
  const MonitorLaunch launch = Launch();
  auto started = StartMonitor(launch);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(started.status().message().find(
                "exit status 1: time=\"2024-01-01T00:00:00Z\" level=error msg=\"runc create "
                "failed: boom\""),
            std::string::npos)
      << started.status().message();
  EXPECT_TRUE(FindProcesses("--id " + id_).empty());
  EXPECT_FALSE(std::filesystem::exists(launch.pid_file));
  EXPECT_FALSE(std::filesystem::exists(launch.attach_socket_path));
  EXPECT_FALSE(std::filesystem::exists(launch.control_path));
  EXPECT_FALSE(std::filesystem::exists(launch.exit_file));
  // The monitor asked the runtime to delete whatever create may have left.
  EXPECT_EQ(ReadFileOrEmpty(launch.runtime_root + "/deleted"), id_ + "\n");
}

TEST_F(MonitorFakeRuntimeTest, CreateTimeoutKillsTheRuntimeAndItsChildren) {
  const std::string sleep_arg = "1000." + std::to_string(::getpid());
  std::ofstream(bundle_ + "/hang") << sleep_arg;
  MonitorLaunch launch = Launch();
  launch.create_timeout = std::chrono::milliseconds(500);
  const auto begin = std::chrono::steady_clock::now();
  auto started = StartMonitor(launch);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kDeadlineExceeded) << started.status();
  EXPECT_NE(started.status().message().find("did not finish in 500 ms"), std::string::npos)
      << started.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(8));
  EXPECT_TRUE(FindProcesses("sleep " + sleep_arg).empty());
  EXPECT_TRUE(FindProcesses("--id " + id_).empty());
}

TEST_F(MonitorFakeRuntimeTest, MissingRuntimeBinary) {
  MonitorLaunch launch = Launch();
  launch.runtime_path = dir_.path() + "/no-such-runtime";
  auto started = StartMonitor(launch);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find("exit status 127"), std::string::npos);
  EXPECT_NE(started.status().message().find("no-such-runtime: No such file or directory"),
            std::string::npos)
      << started.status().message();
}

TEST_F(MonitorFakeRuntimeTest, MissingMonitorBinary) {
  MonitorLaunch launch = Launch();
  launch.monitor_path = dir_.path() + "/no-such-monitor";
  auto started = StartMonitor(launch);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kNotFound) << started.status();
}

TEST_F(MonitorFakeRuntimeTest, AttachGetsOutputAndFeedsStdinUntilTheClientLeaves) {
  WriteInit("echo ready; cat; echo bye >&2");
  MonitorLaunch launch = Launch();
  launch.stdin = true;
  launch.stdin_once = true;
  auto started = StartMonitor(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  const int fd = ConnectAttach(launch.attach_socket_path);
  ASSERT_GE(fd, 0);
  Start();
  EXPECT_EQ(ReadAttachUntil(fd, 2, "ready\n"), "ready\n");
  ASSERT_EQ(::send(fd, "ping\n", 5, 0), 5);
  EXPECT_EQ(ReadAttachUntil(fd, 2, "ping\n"), "ping\n");
  // stdin_once: the client's end of input closes the container's stdin, cat exits.
  ASSERT_EQ(::shutdown(fd, SHUT_WR), 0);
  EXPECT_EQ(ReadAttachUntil(fd, 3, "bye\n"), "bye\n");
  auto exit = WaitForExit(launch.exit_file);
  ::close(fd);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 0);
  const auto entries = ParseCriLog(ReadFileOrEmpty(launch.log_path));
  EXPECT_EQ(StreamText(entries, "stdout"), "ready\nping\n");
  EXPECT_EQ(StreamText(entries, "stderr"), "bye\n");
}

TEST_F(MonitorFakeRuntimeTest, AttachStreamOnAContainerEndsWithoutAnExitStatus) {
  WriteInit("echo ready; cat; echo bye >&2");
  MonitorLaunch launch = Launch();
  launch.stdin = true;
  launch.stdin_once = true;
  auto started = StartMonitor(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  auto stream = OpenAttachStream(launch.attach_socket_path, launch.control_path);
  ASSERT_TRUE(stream.ok()) << stream.status();
  Start();
  std::string out;
  std::string err;
  bool saw_exit = false;
  auto read_until = [&](const std::string& want, const std::string& text) {
    while (text.find(want) == std::string::npos) {
      auto chunk = (*stream)->Read();
      if (!chunk.ok() || chunk->kind == AttachChunk::Kind::kEnd) return false;
      if (chunk->kind == AttachChunk::Kind::kStdout) out += chunk->data;
      if (chunk->kind == AttachChunk::Kind::kStderr) err += chunk->data;
      if (chunk->kind == AttachChunk::Kind::kExit) saw_exit = true;
    }
    return true;
  };
  ASSERT_TRUE(read_until("ready\n", out));
  ASSERT_TRUE((*stream)->WriteStdin("ping\n").ok());
  ASSERT_TRUE(read_until("ping\n", out));
  // stdin_once: the end of the client's stdin is the container's.
  ASSERT_TRUE((*stream)->CloseStdin().ok());
  ASSERT_TRUE(read_until("bye\n", err));
  auto last = (*stream)->Read();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->kind, AttachChunk::Kind::kEnd);
  EXPECT_FALSE(saw_exit);
  EXPECT_EQ(out, "ready\nping\n");
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 0);
  // The socket is gone with the monitor.
  EXPECT_TRUE(WaitUntil([&] { return !MonitorRunning(started->monitor_pid, id_); }));
  EXPECT_EQ(OpenAttachStream(launch.attach_socket_path, launch.control_path).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(MonitorFakeRuntimeTest, WithoutStdinOnceStdinStaysOpenForTheNextClient) {
  WriteInit("read a; read b; echo \"$a-$b\"");
  MonitorLaunch launch = Launch();
  launch.stdin = true;
  auto started = StartMonitor(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  Start();
  for (const char* word : {"one\n", "two\n"}) {
    const int fd = ConnectAttach(launch.attach_socket_path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, word, 4, 0), 4);
    ::close(fd);
  }
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(StreamText(ParseCriLog(ReadFileOrEmpty(launch.log_path)), "stdout"), "one-two\n");
}

TEST_F(MonitorFakeRuntimeTest, ReopenLogAfterTheFileWasMoved) {
  WriteInit("echo first; while [ ! -e '" + bundle_ + "/go' ]; do sleep 0.01; done; echo second");
  const MonitorLaunch launch = Launch();
  auto started = StartMonitor(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  Start();
  ASSERT_TRUE(WaitUntil([&] { return !ReadFileOrEmpty(launch.log_path).empty(); }));
  const std::string moved = launch.log_path + ".1";
  ASSERT_EQ(std::rename(launch.log_path.c_str(), moved.c_str()), 0);
  const absl::Status reopened = ReopenLog(launch.control_path);
  ASSERT_TRUE(reopened.ok()) << reopened;
  // The reopen is done when ReopenLog returns.
  EXPECT_TRUE(std::filesystem::exists(launch.log_path));
  std::ofstream(bundle_ + "/go") << "";
  ASSERT_TRUE(WaitForExit(launch.exit_file).ok());
  EXPECT_EQ(StreamText(ParseCriLog(ReadFileOrEmpty(moved)), "stdout"), "first\n");
  EXPECT_EQ(StreamText(ParseCriLog(ReadFileOrEmpty(launch.log_path)), "stdout"), "second\n");
}

TEST_F(MonitorFakeRuntimeTest, ControlErrors) {
  WriteInit("exit 0");
  const MonitorLaunch launch = Launch();
  auto started = StartMonitor(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  const absl::Status resize = ResizeTerminal(launch.control_path, 80, 24);
  EXPECT_EQ(resize.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(resize.message().find("has no terminal"), std::string::npos) << resize;
  Start();
  ASSERT_TRUE(WaitForExit(launch.exit_file).ok());
  const absl::Status gone = ReopenLog(launch.control_path);
  EXPECT_EQ(gone.code(), absl::StatusCode::kFailedPrecondition) << gone;
}

TEST_F(MonitorFakeRuntimeTest, RotatesTheLogAtLogSizeMax) {
  WriteInit("i=0; while [ $i -lt 300 ]; do echo \"line $i\"; i=$((i+1)); done");
  MonitorLaunch launch = Launch();
  launch.log_size_max = 2048;
  auto started = StartMonitor(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  Start();
  ASSERT_TRUE(WaitForExit(launch.exit_file).ok());
  EXPECT_LE(std::filesystem::file_size(launch.log_path), 2048u);
  const std::string text = StreamText(ParseCriLog(ReadFileOrEmpty(launch.log_path)), "stdout");
  EXPECT_NE(text.find("line 299\n"), std::string::npos);
  EXPECT_EQ(text.find("line 0\n"), std::string::npos);
}

TEST_F(MonitorFakeRuntimeTest, SurvivesTheCallerBeingKilled) {
  WriteInit("echo alive; exit 7");
  const MonitorLaunch launch = Launch();
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  // The "daemon" is a child of this test that starts the monitor and is killed -9.
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
  started_ = started;

  EXPECT_TRUE(MonitorRunning(started.monitor_pid, id_));
  const pid_t parent = testing::ParentPid(started.monitor_pid);
  EXPECT_NE(parent, daemon);
  EXPECT_NE(parent, ::getpid());
  Start();
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 7);
  EXPECT_EQ(StreamText(ParseCriLog(ReadFileOrEmpty(launch.log_path)), "stdout"), "alive\n");
}

TEST_F(MonitorFakeRuntimeTest, TheMonitorDropsFdsTheDaemonLeaked) {
  WriteInit("exit 0");
  const std::string leaked = dir_.path() + "/leaked";
  const int opened = ::open(leaked.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(opened, 0);
  // Inheritable, and well above the fds the spawn itself sets up.
  const int fd = ::fcntl(opened, F_DUPFD, 50);
  ::close(opened);
  ASSERT_GE(fd, 50);
  const MonitorLaunch launch = Launch();
  auto started = StartMonitor(launch);
  ::close(fd);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  const std::string fd_dir = "/proc/" + std::to_string(started->monitor_pid) + "/fd";
  int open_fds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir)) {
    ++open_fds;
    std::error_code ec;
    EXPECT_NE(std::filesystem::read_symlink(entry.path(), ec).string(), leaked);
  }
  EXPECT_GT(open_fds, 3);
  Start();
  EXPECT_TRUE(WaitForExit(launch.exit_file).ok());
}

TEST_F(MonitorFakeRuntimeTest, KilledContainerReportsTheSignal) {
  WriteInit("kill -TERM $$");
  const MonitorLaunch launch = Launch();
  auto started = StartMonitor(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  Start();
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGTERM);
  EXPECT_EQ(exit->exit_code, 128 + SIGTERM);
}

TEST_F(MonitorFakeRuntimeTest, LauncherInterfaceUsesTheRealMonitor) {
  WriteInit("exit 5");
  const auto launcher = MakeMonitorLauncher();
  const MonitorLaunch launch = Launch();
  auto started = launcher->Start(launch);
  ASSERT_TRUE(started.ok()) << started.status();
  started_ = *started;
  EXPECT_TRUE(launcher->Running(started->monitor_pid, id_));
  Start();
  ASSERT_TRUE(WaitUntil([&] {
    auto info = launcher->ReadExitFile(launch.exit_file);
    return info.ok() && info->has_value() && (*info)->exit_code == 5;
  }));
}

}  // namespace
}  // namespace crio::monitor
