// The exec-fifo start against a stand-in for runc's init: a child process that blocks
// opening the fifo for writing, writes its byte and execs, as `runc init` does. The real
// runc path is covered by runc_integration_test.cc.

#include "exec_fifo.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crio::runtime::internal {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Field 22 of /proc/<pid>/stat.
std::string StartTimeOf(pid_t pid) {
  const std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) fields >> field;
  return field;
}

enum class Init {
  kWritesAndExecs,     // runc init: open, write "0", exec (the fifo is close-on-exec)
  kWritesAndHangs,     // keeps the fifo open and never execs
  kExitsWithoutOpen,   // dies before it ever opens the fifo
  kOpensLateAndQuits,  // opens after the reader did, closes without writing, lingers
};

class ExecFifoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-exec-fifo-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fifo_ = dir_ + "/exec.fifo";
  }
  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }

  void SpawnInit(Init behaviour) {
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
    const std::string fifo = fifo_;
    child_ = ::fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      if (behaviour == Init::kExitsWithoutOpen) {
        ::usleep(100'000);
        ::_exit(1);
      }
      if (behaviour == Init::kOpensLateAndQuits) {
        ::usleep(100'000);
        ::close(::open(fifo.c_str(), O_WRONLY | O_CLOEXEC));
        ::sleep(5);
        ::_exit(5);
      }
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(2);
      if (behaviour == Init::kWritesAndHangs) {
        ::pause();
        ::_exit(3);
      }
      ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
      ::_exit(4);
    }
  }

  // runc's state.json, reduced to what the start reads.
  void WriteState(pid_t pid, const std::string& start_time, const std::string& extra = "") {
    std::ofstream(dir_ + "/state.json")
        << R"({"id":"c1","init_process_pid":)" << pid << R"(,"init_process_start":)" << start_time
        << R"(,"config":{"rootfs":"/x")" << extra << "}}";
  }

  // A declined start must not have opened the fifo: init would take that for the
  // go-ahead, and die of EPIPE writing its byte once the reader closed.
  void ExpectInitStillWaiting() {
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(::waitpid(child_, nullptr, WNOHANG), 0) << "init ended";
    EXPECT_THAT(ReadAll("/proc/" + std::to_string(child_) + "/cmdline"),
                ::testing::Not(HasSubstr("sleep")));
    EXPECT_TRUE(std::filesystem::exists(fifo_));
  }

  std::string dir_;
  std::string fifo_;
  pid_t child_ = 0;
};

TEST_F(ExecFifoTest, StartsInitReturnsOnceItExecedAndRemovesTheFifo) {
  ASSERT_NO_FATAL_FAILURE(SpawnInit(Init::kWritesAndExecs));
  // As runc writes it: every hook kind, null when there is none.
  WriteState(child_, StartTimeOf(child_), R"(,"Hooks":{"poststart":null,"prestart":null})");
  auto started = StartThroughExecFifo(dir_, 10s);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, FifoStart::kStarted);
  EXPECT_FALSE(std::filesystem::exists(fifo_));  // what tells runc "running"
  // Returned after the exec, as `runc start` does.
  EXPECT_THAT(ReadAll("/proc/" + std::to_string(child_) + "/cmdline"),
              HasSubstr(std::string("sleep\0", 6)));
}

TEST_F(ExecFifoTest, WithoutAFifoRuncStartIsLeftToSayWhy) {
  WriteState(::getpid(), StartTimeOf(::getpid()));
  auto started = StartThroughExecFifo(dir_, 1s);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, FifoStart::kNotApplicable);
}

TEST_F(ExecFifoTest, AStateThatIsNotRuncsIsLeftToTheRuntime) {
  ASSERT_NO_FATAL_FAILURE(SpawnInit(Init::kWritesAndExecs));
  // crun keeps a "status" file, no state.json.
  std::ofstream(dir_ + "/status") << "{}";
  auto started = StartThroughExecFifo(dir_, 1s);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, FifoStart::kNotApplicable);

  std::ofstream(dir_ + "/state.json") << R"({"init_process_pid":"12"})";
  started = StartThroughExecFifo(dir_, 1s);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, FifoStart::kNotApplicable);
  ExpectInitStillWaiting();
}

TEST_F(ExecFifoTest, PoststartHooksAreLeftToRunc) {
  ASSERT_NO_FATAL_FAILURE(SpawnInit(Init::kWritesAndExecs));
  WriteState(child_, StartTimeOf(child_), R"(,"Hooks":{"poststart":[{"path":"/bin/true"}]})");
  auto started = StartThroughExecFifo(dir_, 1s);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, FifoStart::kNotApplicable);
  ExpectInitStillWaiting();
}

TEST_F(ExecFifoTest, AnInitThatIsGoneIsAStateError) {
  ASSERT_NO_FATAL_FAILURE(SpawnInit(Init::kExitsWithoutOpen));
  WriteState(child_, StartTimeOf(child_));
  ASSERT_EQ(::waitpid(child_, nullptr, 0), child_);  // reaped: the pid is free
  child_ = 0;
  auto started = StartThroughExecFifo(dir_, 10s);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(started.status().message()), HasSubstr("already dead"));
}

TEST_F(ExecFifoTest, AnInitThatDiesWhileAwaitedIsAStateErrorNotAHang) {
  ASSERT_NO_FATAL_FAILURE(SpawnInit(Init::kExitsWithoutOpen));
  WriteState(child_, StartTimeOf(child_));
  const auto begin = std::chrono::steady_clock::now();
  auto started = StartThroughExecFifo(dir_, 20s);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 10s);
}

TEST_F(ExecFifoTest, AnInitThatClosesTheFifoWithoutWritingIsAStateErrorAtOnce) {
  ASSERT_NO_FATAL_FAILURE(SpawnInit(Init::kOpensLateAndQuits));
  WriteState(child_, StartTimeOf(child_));
  const auto begin = std::chrono::steady_clock::now();
  auto started = StartThroughExecFifo(dir_, 20s);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);  // not when the process ends
}

TEST_F(ExecFifoTest, ARecycledPidIsNotTakenForInit) {
  ASSERT_NO_FATAL_FAILURE(SpawnInit(Init::kWritesAndExecs));
  // The pid is alive but started at another time than runc recorded.
  WriteState(::getpid(), "1");
  auto started = StartThroughExecFifo(dir_, 1s);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  ExpectInitStillWaiting();
}

TEST_F(ExecFifoTest, AnInitThatNeverExecsMeetsTheDeadline) {
  ASSERT_NO_FATAL_FAILURE(SpawnInit(Init::kWritesAndHangs));
  WriteState(child_, StartTimeOf(child_));
  auto started = StartThroughExecFifo(dir_, 300ms);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace crio::runtime::internal
