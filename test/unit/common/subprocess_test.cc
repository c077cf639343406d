#include "crio/common/subprocess.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "process_gone.h"

namespace crio::subprocess {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

Result MustRun(const Options& options) {
  auto result = subprocess::Run(options);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : Result{};
}

Options Shell(const std::string& script) {
  Options options;
  options.argv = {"/bin/sh", "-c", script};
  return options;
}

// Peak resident memory of this process, from /proc/self/status, in KiB.
long PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

using ::crio::testing::ProcessGone;

bool WaitGone(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (ProcessGone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ProcessGone(pid);
}

TEST(SubprocessTest, ExitCode) {
  Result r = MustRun(Shell("exit 3"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.Success());
  EXPECT_EQ(r.Describe(), "exit status 3");
  EXPECT_GT(r.pid, 0);

  EXPECT_TRUE(MustRun(Shell("true")).Success());
}

TEST(SubprocessTest, Signal) {
  Result r = MustRun(Shell("kill -TERM $$"));
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.Success());
  EXPECT_EQ(r.Describe(), "killed by signal 15");
}

TEST(SubprocessTest, CapturesStdoutAndStderrSeparately) {
  Result r = MustRun(Shell("echo out; echo err >&2; printf 'no newline'"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "out\nno newline");
  EXPECT_EQ(r.stderr_data, "err\n");
  EXPECT_FALSE(r.stdout_truncated);
  EXPECT_FALSE(r.stderr_truncated);
}

TEST(SubprocessTest, DiscardAndFdOutputs) {
  char path[] = "/tmp/crio-subprocess-out-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  Options options = Shell("echo to-file; echo dropped >&2");
  options.stdout_mode = OutputMode::kFd;
  options.stdout_fd = fd;
  options.stderr_mode = OutputMode::kDiscard;
  Result r = MustRun(options);
  ::close(fd);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "");
  EXPECT_EQ(r.stderr_data, "");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "to-file");
  ::unlink(path);

  Options bad = Shell("true");
  bad.stdout_mode = OutputMode::kFd;
  EXPECT_EQ(subprocess::Run(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SubprocessTest, FloodIsCappedAndMemoryStaysBounded) {
  const long before = PeakRssKib();
  ASSERT_GT(before, 0);
  // 100 MiB on each stream, at the same time.
  Options options = Shell("head -c 104857600 /dev/zero >&2 & head -c 104857600 /dev/zero; wait");
  options.max_stdout_bytes = 1024 * 1024;
  options.max_stderr_bytes = 4096;
  Result r = MustRun(options);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data.size(), 1024u * 1024u);
  EXPECT_EQ(r.stderr_data.size(), 4096u);
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_TRUE(r.stderr_truncated);
  EXPECT_EQ(r.stdout_data.find_first_not_of('\0'), std::string::npos);
  const long after = PeakRssKib();
  EXPECT_LT(after - before, 32 * 1024)
      << "peak RSS grew from " << before << " to " << after << " KiB while reading 200 MiB";
}

TEST(SubprocessTest, OutputExactlyAtTheCapIsNotTruncated) {
  Options options = Shell("printf 12345678");
  options.max_stdout_bytes = 8;
  Result r = MustRun(options);
  EXPECT_EQ(r.stdout_data, "12345678");
  EXPECT_FALSE(r.stdout_truncated);
  options.max_stdout_bytes = 7;
  r = MustRun(options);
  EXPECT_EQ(r.stdout_data, "1234567");
  EXPECT_TRUE(r.stdout_truncated);
}

TEST(SubprocessTest, TimeoutKillsTheChild) {
  Options options;
  options.argv = {"sleep", "100"};
  options.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  Result r = MustRun(options);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(r.Success());
  EXPECT_THAT(r.Describe(), HasSubstr("timed out after"));
  EXPECT_GE(took, std::chrono::milliseconds(200));
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_TRUE(ProcessGone(r.pid));
}

TEST(SubprocessTest, TimeoutKillsTheProcessGroupWithGrandchildren) {
  // The shell prints its background child's pid, then waits for it.
  Options options = Shell("sleep 100 & echo $!; wait");
  options.new_process_group = true;
  options.timeout = std::chrono::milliseconds(300);
  Result r = MustRun(options);
  EXPECT_TRUE(r.timed_out);
  const pid_t grandchild = std::atoi(r.stdout_data.c_str());
  ASSERT_GT(grandchild, 0) << r.stdout_data;
  EXPECT_TRUE(WaitGone(grandchild, std::chrono::seconds(5)));
  if (!ProcessGone(grandchild)) ::kill(grandchild, SIGKILL);
}

TEST(SubprocessTest, DescendantHoldingThePipeDoesNotBlock) {
  // Without a process group only the shell is killed; its child keeps stdout open.
  Options options = Shell("sleep 100 & echo $!");
  options.timeout = std::chrono::seconds(20);
  const auto start = std::chrono::steady_clock::now();
  Result r = MustRun(options);
  const auto took = std::chrono::steady_clock::now() - start;
  const pid_t grandchild = std::atoi(r.stdout_data.c_str());
  ASSERT_GT(grandchild, 0) << r.stdout_data;
  EXPECT_FALSE(ProcessGone(grandchild));
  ::kill(grandchild, SIGKILL);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(SubprocessTest, OnTimeoutRunsBeforeTheKillAndTheGraceIsHonoured) {
  // The trap only runs between two short sleeps, so no sleep outlives the shell.
  Options options = Shell("trap 'exit 5' TERM; echo ready; while :; do sleep 0.05; done");
  options.timeout = std::chrono::milliseconds(300);
  options.timeout_grace = std::chrono::seconds(5);
  pid_t seen = -1;
  options.on_timeout = [&seen](pid_t pid) {
    seen = pid;
    ::kill(pid, SIGTERM);
  };
  Result r = MustRun(options);
  EXPECT_EQ(seen, r.pid);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.stdout_data, "ready\n");
}

TEST(SubprocessTest, NoTimeoutMeansWaitForExit) {
  Options options = Shell("sleep 0.3; echo done");
  Result r = MustRun(options);
  EXPECT_EQ(r.stdout_data, "done\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(SubprocessTest, StdinBytes) {
  Options options;
  options.argv = {"cat"};
  options.stdin_data = "hello\nworld";
  EXPECT_EQ(MustRun(options).stdout_data, "hello\nworld");

  // Larger than a pipe, and a child that never reads its stdin.
  options.stdin_data = std::string(4 * 1024 * 1024, 'x');
  options.argv = {"wc", "-c"};
  EXPECT_EQ(MustRun(options).stdout_data, "4194304\n");
  options.argv = {"true"};
  EXPECT_EQ(MustRun(options).exit_code, 0);

  // No stdin given: /dev/null, so a reader sees EOF at once.
  Options empty;
  empty.argv = {"wc", "-c"};
  EXPECT_EQ(MustRun(empty).stdout_data, "0\n");
}

std::vector<std::string> ChildFds(const Options& base) {
  Options options = base;
  options.argv = {"ls", "-1", "/proc/self/fd"};
  Result r = MustRun(options);
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  std::vector<std::string> fds = absl::StrSplit(r.stdout_data, '\n', absl::SkipEmpty());
  return fds;
}

TEST(SubprocessTest, NoDescriptorLeaksIntoTheChild) {
  // Descriptors opened without O_CLOEXEC, as third-party code might.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  ASSERT_EQ(::dup2(leaky, 77), 77);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);

  // ls opens /proc/self/fd itself as fd 3.
  EXPECT_THAT(ChildFds({}), ElementsAre("0", "1", "2", "3"));

  Options with_extra;
  with_extra.extra_fds = {pipe_fds[1]};
  EXPECT_THAT(ChildFds(with_extra), ElementsAre("0", "1", "2", "3", "4"));

  ::close(leaky);
  ::close(77);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(SubprocessTest, ExtraFdsArriveAsThreeFourAndSoOn) {
  int a[2];
  int b[2];
  ASSERT_EQ(::pipe2(a, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(b, O_CLOEXEC), 0);
  Options options = Shell("echo first >&3; echo second >&4");
  options.extra_fds = {a[1], b[1]};
  Result r = MustRun(options);
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  ::close(a[1]);
  ::close(b[1]);
  char buf[64] = {};
  EXPECT_EQ(::read(a[0], buf, sizeof(buf)), 6);
  EXPECT_EQ(std::string(buf, 6), "first\n");
  EXPECT_EQ(::read(b[0], buf, sizeof(buf)), 7);
  EXPECT_EQ(std::string(buf, 7), "second\n");
  ::close(a[0]);
  ::close(b[0]);
}

TEST(SubprocessTest, ExplicitEnvironmentReplacesTheDaemons) {
  Options options;
  options.argv = {"/usr/bin/env"};
  options.env = std::vector<std::string>{"FOO=bar", "EMPTY="};
  EXPECT_EQ(MustRun(options).stdout_data, "FOO=bar\nEMPTY=\n");

  ::setenv("CRIO_SUBPROCESS_TEST", "inherited", 1);
  Options inherit;
  inherit.argv = {"/usr/bin/env"};
  EXPECT_THAT(MustRun(inherit).stdout_data, HasSubstr("CRIO_SUBPROCESS_TEST=inherited\n"));
  ::unsetenv("CRIO_SUBPROCESS_TEST");
}

TEST(SubprocessTest, WorkingDir) {
  Options options;
  options.argv = {"pwd"};
  options.working_dir = "/proc";
  EXPECT_EQ(MustRun(options).stdout_data, "/proc\n");
}

TEST(SubprocessTest, MissingProgramIsAnError) {
  Options options;
  options.argv = {"/nonexistent/program"};
  EXPECT_EQ(subprocess::Run(options).status().code(), absl::StatusCode::kNotFound);
  // $PATH lookup; a $PATH entry this user may not search would make it EACCES.
  const char* old_path = std::getenv("PATH");
  const std::string saved = old_path != nullptr ? old_path : "";
  ::setenv("PATH", "/nonexistent:/usr/bin:/bin", 1);
  options.argv = {"crio-no-such-program-in-path"};
  EXPECT_EQ(subprocess::Run(options).status().code(), absl::StatusCode::kNotFound);
  options.argv = {"true"};
  EXPECT_TRUE(subprocess::Run(options).ok());
  ::setenv("PATH", saved.c_str(), 1);
  options.argv = {};
  EXPECT_EQ(subprocess::Run(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SubprocessTest, ChildStartsWithNoSignalBlocked) {
  // The daemon blocks SIGTERM for sigwait; a runtime it starts must still die of it.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigset_t old;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &old), 0);
  Options options = Shell("kill -TERM $$; sleep 5");
  options.timeout = std::chrono::seconds(4);
  Result r = MustRun(options);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_FALSE(r.timed_out);
}

TEST(SubprocessTest, ConcurrentRunsKeepTheirOwnOutput) {
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([i, &outputs] {
      auto r = subprocess::Run(Shell("echo " + std::to_string(i) + "; sleep 0.1"));
      if (r.ok()) outputs[i] = r->stdout_data;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(outputs[i], std::to_string(i) + "\n");
}

TEST(SubprocessTest, DefaultRunnerRuns) {
  auto r = DefaultRunner().Run(Shell("echo via-runner"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stdout_data, "via-runner\n");
}

TEST(SubprocessTest, MergeEnvironment) {
  EXPECT_THAT(MergeEnvironment({"A=1", "B=2", "PATH=/bin"}, {"B=3", "C=4", "PATH=/usr/bin"}),
              ElementsAre("A=1", "B=3", "PATH=/usr/bin", "C=4"));
  EXPECT_THAT(MergeEnvironment({}, {"X=y"}), ElementsAre("X=y"));
  // A name that merely starts like another is a different variable.
  EXPECT_THAT(MergeEnvironment({"AB=1"}, {"A=2"}), UnorderedElementsAre("AB=1", "A=2"));
  std::vector<std::string> current = CurrentEnvironment();
  EXPECT_FALSE(current.empty());
}

}  // namespace
}  // namespace crio::subprocess
