// Exec sessions (crio-monitor --exec-process) against a stand-in runtime: a shell
// script that speaks runc's `exec --process --pid-file --detach` without namespaces.
// runc_test.cc repeats the important cases with real runc.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client_internal.h"
#include "crio/monitor/monitor.h"
#include "monitor_test_util.h"
#include "nlohmann/json.hpp"

namespace crio::monitor {
namespace {

using testing::FindProcesses;
using testing::ReadFileOrEmpty;
using testing::WaitForExit;
using testing::WaitUntil;

// exec: records its arguments in <root>/args and the process file in
// <root>/process.json; fails with <root>/fail's text (exit 255, as runc), hangs with
// <root>/hang's sleep argument, else starts <root>/exec.sh in the background with the
// runtime's stdio, writes its pid and exits (runc's --detach). Like runc, it never
// waits for the process: the process starts its script only once the runtime is gone,
// since a shell reaps a background child that ends before the shell does. With
// <root>/reap it does wait for it, as a broken runtime would.
constexpr char kFakeRuntime[] = R"SH(#!/bin/sh
echo "$@" > "$(dirname "$0")/root/args"
verb= pid_file= process= root= id=
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift ;;
    --process) process=$2; shift ;;
    --pid-file) pid_file=$2; shift ;;
    --console-socket) shift ;;
    exec) verb=$1 ;;
    --*) ;;
    *) id=$1 ;;
  esac
  shift
done
[ "$verb" = exec ] || exit 1
cp "$process" "$root/process.json"
if [ -f "$root/fail" ]; then cat "$root/fail" >&2; exit 255; fi
if [ -f "$root/hang" ]; then sleep "$(cat "$root/hang")"; exit 0; fi
exec 3<&0
if [ -f "$root/reap" ]; then
  sh "$root/exec.sh" <&3 3<&- &
  echo $! > "$pid_file"
  wait $!
  exit 0
fi
sh -c 'while kill -0 "$1" 2>/dev/null; do sleep 0.01; done; exec sh "$2"' gate $$ "$root/exec.sh" <&3 3<&- &
echo $! > "$pid_file"
exit 0
)SH";

// Everything a stream delivered up to its end.
struct Transcript {
  std::string out;
  std::string err;
  std::optional<int> exit_code;
  bool exit_was_last = false;  // nothing came between the exit packet and the end
  bool ended = false;
  absl::Status status;
};

// Reads `stream` to its end; a watchdog cancels it after `limit` so that a broken
// monitor fails the test instead of hanging it.
Transcript ReadToEnd(AttachStream& stream,
                     std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!done) stream.Cancel();
  });
  Transcript t;
  for (;;) {
    auto chunk = stream.Read();
    if (!chunk.ok()) {
      t.status = chunk.status();
      break;
    }
    if (chunk->kind == AttachChunk::Kind::kEnd) {
      t.ended = true;
      break;
    }
    if (t.exit_code.has_value()) t.exit_was_last = false;
    switch (chunk->kind) {
      case AttachChunk::Kind::kStdout:
        t.out += chunk->data;
        break;
      case AttachChunk::Kind::kStderr:
        t.err += chunk->data;
        break;
      case AttachChunk::Kind::kExit:
        t.exit_code = chunk->exit_code;
        t.exit_was_last = true;
        break;
      case AttachChunk::Kind::kEnd:
        break;
    }
  }
  done = true;
  watchdog.join();
  return t;
}

// Reads until stdout contains `want` (or the stream ends); returns stdout so far.
std::string ReadStdoutUntil(AttachStream& stream, const std::string& want) {
  std::string out;
  while (out.find(want) == std::string::npos) {
    auto chunk = stream.Read();
    if (!chunk.ok() || chunk->kind == AttachChunk::Kind::kEnd) break;
    if (chunk->kind == AttachChunk::Kind::kStdout) out += chunk->data;
  }
  return out;
}

class ExecFakeRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    id_ = "exec-" + std::to_string(::getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = dir_.path() + "/root";
    std::filesystem::create_directories(root_);
    runtime_ = dir_.path() + "/fake-runc";
    std::ofstream(runtime_) << kFakeRuntime;
    std::filesystem::permissions(runtime_, std::filesystem::perms::owner_all);
  }

  void TearDown() override {
    if (monitor_pid_ > 0 && !WaitUntil([&] { return !MonitorRunning(monitor_pid_, id_); })) {
      ::kill(monitor_pid_, SIGKILL);
      ADD_FAILURE() << "the exec monitor did not end";
    }
  }

  void WriteScript(const std::string& body) { std::ofstream(root_ + "/exec.sh") << body << "\n"; }

  ExecLaunch Launch() {
    ExecLaunch launch;
    launch.monitor_path = testing::MonitorBinary();
    launch.container_id = id_;
    launch.runtime_path = runtime_;
    launch.runtime_root = root_;
    launch.process_json = R"({"args":["sh","-c","true"],"terminal":true})";
    const std::string session = dir_.path() + "/exec/s1";
    launch.process_file = session + "/process.json";
    launch.pid_file = session + "/pid";
    launch.exit_file = session + "/exit";
    launch.attach_socket_path = session + "/attach";
    launch.control_path = session + "/ctl";
    launch.start_timeout = std::chrono::seconds(10);
    return launch;
  }

  absl::StatusOr<ExecSession> Start(const ExecLaunch& launch) {
    auto session = StartExecMonitor(launch);
    if (session.ok()) monitor_pid_ = session->monitor_pid;
    return session;
  }

  testing::TempDir dir_;
  std::string id_;
  std::string root_;
  std::string runtime_;
  pid_t monitor_pid_ = 0;
};

TEST_F(ExecFakeRuntimeTest, OutputArrivesCompleteAndInOrderThenTheExitStatus) {
  // Far more than the socket holds, read only after a pause: the monitor has to hold
  // the process back rather than drop output.
  WriteScript(
      "i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done\n"
      "echo err1 >&2\n"
      "head -c 400000 /dev/zero | tr '\\0' x; echo\n"
      "echo err2 >&2\n"
      "exit 7");
  const ExecLaunch launch = Launch();
  auto session = Start(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_GT(session->process_pid, 0);
  EXPECT_TRUE(MonitorRunning(session->monitor_pid, id_));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const Transcript t = ReadToEnd(*session->stream);
  ASSERT_TRUE(t.status.ok()) << t.status;
  std::string want;
  for (int i = 0; i < 3000; ++i) want += "line " + std::to_string(i) + "\n";
  want += std::string(400000, 'x') + "\n";
  EXPECT_EQ(t.out.size(), want.size());
  EXPECT_TRUE(t.out == want) << "stdout differs";
  EXPECT_EQ(t.err, "err1\nerr2\n");
  EXPECT_EQ(t.exit_code, 7);
  EXPECT_TRUE(t.exit_was_last);
  EXPECT_TRUE(t.ended);
  // The exit file was written before the exit packet was sent.
  auto exit = ReadExitFile(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  ASSERT_TRUE(exit->has_value());
  EXPECT_EQ((*exit)->exit_code, 7);
  EXPECT_EQ((*exit)->signal, 0);
  EXPECT_TRUE(WaitUntil([&] { return !MonitorRunning(session->monitor_pid, id_); }));
  EXPECT_FALSE(std::filesystem::exists(launch.attach_socket_path));
  EXPECT_FALSE(std::filesystem::exists(launch.control_path));
}

TEST_F(ExecFakeRuntimeTest, TheRuntimeGetsTheProcessFileAndDetaches) {
  WriteScript("exit 0");
  ExecLaunch launch = Launch();
  launch.runtime_args = {"--debug"};
  auto session = Start(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(ReadToEnd(*session->stream).exit_code, 0);
  EXPECT_EQ(ReadFileOrEmpty(root_ + "/args"), "--root " + root_ + " --debug exec --process " +
                                                  launch.process_file + " --pid-file " +
                                                  launch.pid_file + " --detach " + id_ + "\n");
  // No terminal asked for: the process file says so whatever the caller's JSON said.
  const auto process = nlohmann::json::parse(ReadFileOrEmpty(root_ + "/process.json"));
  EXPECT_EQ(process["terminal"], false);
  EXPECT_EQ(process["args"], nlohmann::json::array({"sh", "-c", "true"}));
  EXPECT_EQ(
      std::filesystem::status(launch.process_file).permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(ExecFakeRuntimeTest, AProcessTheRuntimeReapedIsAnErrorNotAnEndlessWait) {
  // Before the monitor checked, it waited forever for an end it could not see.
  WriteScript("exit 0");
  std::ofstream(root_ + "/reap") << "";
  auto session = Start(Launch());
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("is not a child of the monitor"),
            absl::string_view::npos)
      << session.status();
}

TEST_F(ExecFakeRuntimeTest, StdinReachesTheProcessAndItsEndIsEof) {
  WriteScript("cat; echo 'cat done' >&2");
  ExecLaunch launch = Launch();
  launch.stdin = true;
  auto session = Start(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  AttachStream& stream = *session->stream;
  ASSERT_TRUE(stream.WriteStdin("hello\n").ok());
  EXPECT_EQ(ReadStdoutUntil(stream, "hello\n"), "hello\n");
  // Larger than one packet: the stream splits it.
  const std::string big = std::string(20000, 'y') + "\n";
  ASSERT_TRUE(stream.WriteStdin(big).ok());
  ASSERT_TRUE(stream.CloseStdin().ok());
  const Transcript t = ReadToEnd(stream);
  EXPECT_EQ(t.out, big);
  EXPECT_EQ(t.err, "cat done\n");
  EXPECT_EQ(t.exit_code, 0);
}

TEST_F(ExecFakeRuntimeTest, StdinTheProcessNeverReadDoesNotCostTheExitStatus) {
  WriteScript("sleep 0.3; echo bye; exit 3");
  ExecLaunch launch = Launch();
  launch.stdin = true;
  auto session = Start(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  AttachStream& stream = *session->stream;
  // Input keeps coming until the session is over; the monitor closes with some of it
  // unread, which the client's socket reports as a reset before the last packets.
  std::thread writer([&stream] {
    const std::string chunk(8192, 'z');
    while (stream.WriteStdin(chunk).ok()) {
    }
  });
  const Transcript t = ReadToEnd(stream);
  writer.join();
  ASSERT_TRUE(t.status.ok()) << t.status;
  EXPECT_EQ(t.out, "bye\n");
  EXPECT_EQ(t.exit_code, 3);
  EXPECT_TRUE(t.ended);
}

TEST_F(ExecFakeRuntimeTest, WithoutStdinTheProcessReadsNothing) {
  WriteScript("cat; echo \"cat: $?\"");
  const ExecLaunch launch = Launch();
  auto session = Start(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  // Dropped: the process has no stdin. On a loaded machine the session may be over
  // before this write, which then fails; only what the process read matters.
  session->stream->WriteStdin("ignored\n").IgnoreError();
  const Transcript t = ReadToEnd(*session->stream);
  EXPECT_EQ(t.out, "cat: 0\n");
  EXPECT_EQ(t.exit_code, 0);
}

TEST_F(ExecFakeRuntimeTest, KilledProcessReportsTheSignal) {
  WriteScript("echo dying; kill -KILL $$");
  const ExecLaunch launch = Launch();
  auto session = Start(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  const Transcript t = ReadToEnd(*session->stream);
  EXPECT_EQ(t.out, "dying\n");
  EXPECT_EQ(t.exit_code, 128 + SIGKILL);
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(exit->exit_code, 128 + SIGKILL);
}

TEST_F(ExecFakeRuntimeTest, ClientLeavingKillsTheProcessAndWhatItStarted) {
  const std::string sleep_arg = "1000." + std::to_string(::getpid()) + "1";
  WriteScript("echo started; sleep " + sleep_arg + "; echo never");
  const ExecLaunch launch = Launch();
  auto session = Start(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(ReadStdoutUntil(*session->stream, "started\n"), "started\n");
  // The shell forks its sleep after the echo.
  ASSERT_TRUE(WaitUntil([&] { return FindProcesses("sleep " + sleep_arg).size() == 1; }));
  session->stream.reset();  // the connection drops
  EXPECT_TRUE(WaitUntil([&] { return !MonitorRunning(session->monitor_pid, id_); }));
  EXPECT_FALSE(testing::ProcessAlive(session->process_pid));
  EXPECT_TRUE(WaitUntil([&] { return FindProcesses("sleep " + sleep_arg).empty(); }));
  auto exit = WaitForExit(launch.exit_file);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(launch.control_path));
}

TEST_F(ExecFakeRuntimeTest, CancelWakesABlockedReaderAndEndsTheSession) {
  const std::string sleep_arg = "1000." + std::to_string(::getpid()) + "2";
  WriteScript("exec sleep " + sleep_arg);
  const ExecLaunch launch = Launch();
  auto session = Start(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  AttachStream& stream = *session->stream;
  std::thread canceller([&stream] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stream.Cancel();
  });
  auto chunk = stream.Read();
  canceller.join();
  ASSERT_TRUE(chunk.ok()) << chunk.status();
  EXPECT_EQ(chunk->kind, AttachChunk::Kind::kEnd);
  EXPECT_EQ(stream.WriteStdin("late").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(WaitUntil([&] { return !MonitorRunning(session->monitor_pid, id_); }));
  EXPECT_TRUE(FindProcesses("sleep " + sleep_arg).empty());
}

TEST_F(ExecFakeRuntimeTest, TheDaemonDyingKillsTheSession) {
  const std::string sleep_arg = "1000." + std::to_string(::getpid()) + "3";
  WriteScript("exec sleep " + sleep_arg);
  const ExecLaunch launch = Launch();
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  // The "daemon" is a child of this test that starts the session and is killed -9.
  const pid_t daemon = ::fork();
  ASSERT_GE(daemon, 0);
  if (daemon == 0) {
    auto session = StartExecMonitor(launch);
    pid_t pids[2] = {0, 0};
    if (session.ok()) {
      pids[0] = session->monitor_pid;
      pids[1] = session->process_pid;
    }
    if (::write(report[1], pids, sizeof(pids)) != sizeof(pids)) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  ::close(report[1]);
  pid_t pids[2] = {0, 0};
  const ssize_t got = ::read(report[0], pids, sizeof(pids));
  ::close(report[0]);
  // Killed before any assertion, so that a failure cannot leave it behind.
  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  ASSERT_EQ(::waitpid(daemon, nullptr, 0), daemon);
  ASSERT_EQ(got, static_cast<ssize_t>(sizeof(pids)));
  ASSERT_GT(pids[0], 0);
  monitor_pid_ = pids[0];
  EXPECT_TRUE(WaitUntil([&] { return !MonitorRunning(pids[0], id_); }));
  EXPECT_FALSE(testing::ProcessAlive(pids[1]));
  EXPECT_TRUE(FindProcesses("sleep " + sleep_arg).empty());
}

TEST_F(ExecFakeRuntimeTest, NoClientMeansNoProcessAndAReport) {
  WriteScript("echo should-not-run > '" + root_ + "/ran'");
  ExecLaunch launch = Launch();
  launch.attach_timeout = std::chrono::milliseconds(300);
  // The monitor driven without connecting, as if the daemon died after the spawn.
  auto spawned = internal::SpawnMonitor(internal::ExecMonitorArgv(launch));
  ASSERT_TRUE(spawned.ok()) << spawned.status();
  auto text = internal::ReadSyncPipe(*spawned, std::chrono::seconds(10), "exec", nullptr);
  ASSERT_TRUE(text.ok()) << text.status();
  auto report = internal::ParseSyncReport(*text);
  ASSERT_TRUE(report.ok()) << report.status() << " in " << *text;
  EXPECT_TRUE(report->ready);
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->error_kind, "no-client");
  EXPECT_EQ(report->error_value, 300);
  EXPECT_EQ(report->message,
            "no attach client connected to " + launch.attach_socket_path + " within 300 ms");
  EXPECT_TRUE(WaitUntil([&] { return !MonitorRunning(report->monitor_pid, id_); }));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/args"));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/ran"));
  EXPECT_FALSE(std::filesystem::exists(launch.attach_socket_path));
  EXPECT_FALSE(std::filesystem::exists(launch.control_path));
  EXPECT_FALSE(std::filesystem::exists(launch.exit_file));
}

TEST_F(ExecFakeRuntimeTest, StartFailureCarriesTheRuntimeMessage) {
  const std::string message =
      "time=\"2024-01-01T00:00:00Z\" level=error msg=\"exec failed: unable to start container "
      "process: exec: \\\"nope\\\": executable file not found in $PATH\"";
  std::ofstream(root_ + "/fail") << message << "\n";
  const ExecLaunch launch = Launch();
  auto session = Start(launch);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(session.status().message(),
            "exec in container " + id_ + " with " + runtime_ + ": exit status 255: " + message);
  EXPECT_TRUE(FindProcesses("--id " + id_).empty());
  EXPECT_FALSE(std::filesystem::exists(launch.pid_file));
  EXPECT_FALSE(std::filesystem::exists(launch.attach_socket_path));
  EXPECT_FALSE(std::filesystem::exists(launch.control_path));
  EXPECT_FALSE(std::filesystem::exists(launch.exit_file));
}

TEST_F(ExecFakeRuntimeTest, RuntimeTimeoutKillsTheRuntime) {
  const std::string sleep_arg = "1000." + std::to_string(::getpid()) + "4";
  std::ofstream(root_ + "/hang") << sleep_arg;
  ExecLaunch launch = Launch();
  launch.start_timeout = std::chrono::milliseconds(500);
  auto session = Start(launch);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), absl::StatusCode::kDeadlineExceeded) << session.status();
  EXPECT_NE(session.status().message().find("runtime exec of container " + id_ +
                                            " did not finish in 500 ms"),
            std::string::npos)
      << session.status().message();
  EXPECT_TRUE(FindProcesses("sleep " + sleep_arg).empty());
  EXPECT_TRUE(FindProcesses("--id " + id_).empty());
}

TEST_F(ExecFakeRuntimeTest, OneClientOnlyAndNoTerminalNoLog) {
  WriteScript("read line; echo \"got $line\"");
  ExecLaunch launch = Launch();
  launch.stdin = true;
  const auto launcher = MakeMonitorLauncher();
  auto session = launcher->StartExec(launch);
  ASSERT_TRUE(session.ok()) << session.status();
  monitor_pid_ = session->monitor_pid;
  // The session's socket is gone once its client is in.
  EXPECT_EQ(launcher->OpenAttach(launch.attach_socket_path, launch.control_path).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const absl::Status resize = session->stream->Resize(80, 24);
  EXPECT_EQ(resize.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(resize.message().find("exec session in container " + id_ + " has no terminal"),
            std::string::npos)
      << resize;
  const absl::Status reopen = launcher->ReopenLog(launch.control_path);
  EXPECT_NE(reopen.message().find("exec session has no log file"), std::string::npos) << reopen;
  ASSERT_TRUE(session->stream->WriteStdin("answer\n").ok());
  const Transcript t = ReadToEnd(*session->stream);
  EXPECT_EQ(t.out, "got answer\n");
  EXPECT_EQ(t.exit_code, 0);
}

}  // namespace
}  // namespace crio::monitor
