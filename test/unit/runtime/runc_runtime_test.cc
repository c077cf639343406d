// RuncRuntime against a fake runtime binary (fake_runtime.h): the command lines it
// builds, how it reads output and errors, timeouts, and ExecSync's process handling.

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crio/runtime/oci_runtime.h"
#include "fake_runtime.h"

namespace crio::runtime {
namespace {

using ::testing::ElementsAre;
using testing::FakeRuntimeDir;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ProcessGone;

constexpr char kRuncNotFound[] =
    "echo 'time=\"2024-05-01T10:00:00Z\" level=error msg=\"container does not exist\"' >&2; "
    "exit 1\n";

class RuncRuntimeTest : public ::testing::Test {
 protected:
  std::unique_ptr<OciRuntime> Make(const std::string& name = "runc",
                                   RuncRuntimeOptions options = {}) {
    options.path = fake_.Binary(name);
    if (options.root.empty()) options.root = root_;
    options.temp_dir = fake_.Scratch();
    return NewRuncRuntime(std::move(options));
  }

  bool ScratchIsEmpty() const { return std::filesystem::is_empty(fake_.Scratch()); }

  // The runtime's state root, with a directory for c1 as runc and crun keep one per
  // container (Delete skips the runtime for a container without one).
  static std::string MakeRoot() {
    std::string dir = ::testing::TempDir() + "/runc-root-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) return "/nonexistent";
    std::filesystem::create_directory(dir + "/c1");
    return dir;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  FakeRuntimeDir fake_;
  const std::string root_ = MakeRoot();
  RequestContext ctx_{.id = "test", .method = "Test"};
};

TEST_F(RuncRuntimeTest, GlobalArgs) {
  RuncRuntimeOptions options;
  options.path = "/usr/sbin/runc";
  EXPECT_THAT(GlobalArgs(options), ElementsAre("--root", "/run/runc"));
  options.path = "/usr/bin/crun";
  options.systemd_cgroup = true;
  options.log_path = "/var/log/crun.json";
  EXPECT_THAT(GlobalArgs(options), ElementsAre("--root", "/run/crun", "--systemd-cgroup", "--log",
                                               "/var/log/crun.json", "--log-format", "json"));
  options.root = "/x";
  EXPECT_EQ(GlobalArgs(options)[1], "/x");
  EXPECT_EQ(DefaultRuntimeRoot("/opt/bin/runsc"), "/run/runsc");
}

TEST_F(RuncRuntimeTest, StartUsesTheDefaultRootOfTheBinary) {
  RuncRuntimeOptions options;
  options.path = fake_.Binary("crun");
  options.temp_dir = fake_.Scratch();
  auto runtime = NewRuncRuntime(options);
  ASSERT_TRUE(runtime->Start(ctx_, "c1").ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", "/run/crun", "start", "c1"));
}

TEST_F(RuncRuntimeTest, SystemdCgroupAndLogComeBeforeTheVerb) {
  fake_.SetBehaviour(R"(echo '{"id":"c1","status":"created","pid":12,"bundle":"/b"}')");
  RuncRuntimeOptions options;
  options.systemd_cgroup = true;
  options.log_path = "/tmp/l.json";
  auto runtime = Make("runc", options);
  auto state = runtime->State(ctx_, "c1");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", root_, "--systemd-cgroup", "--log",
                                            "/tmp/l.json", "--log-format", "json", "state", "c1"));
}

TEST_F(RuncRuntimeTest, EveryVerbsCommandLine) {
  auto runtime = Make();
  ASSERT_TRUE(runtime->Kill(ctx_, "c1", SIGKILL, true).ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", root_, "kill", "--all", "c1", "9"));
  ASSERT_TRUE(runtime->Kill(ctx_, "c1", SIGTERM, false).ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", root_, "kill", "c1", "15"));
  ASSERT_TRUE(runtime->Delete(ctx_, "c1", true).ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", root_, "delete", "--force", "c1"));
  ASSERT_TRUE(runtime->Delete(ctx_, "c1", false).ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", root_, "delete", "c1"));
  ASSERT_TRUE(runtime->Pause(ctx_, "c1").ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", root_, "pause", "c1"));
  ASSERT_TRUE(runtime->Resume(ctx_, "c1").ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", root_, "resume", "c1"));
  fake_.SetBehaviour("echo null");
  ASSERT_TRUE(runtime->List(ctx_).ok());
  EXPECT_THAT(fake_.LastArgv(), ElementsAre("--root", root_, "list", "--format", "json"));
  EXPECT_EQ(fake_.Calls(), 7);
}

TEST_F(RuncRuntimeTest, UpdatePassesTheResourcesInAFile) {
  auto runtime = Make();
  const std::string resources = R"({"pids":{"limit":42},"memory":{"limit":67108864}})";
  ASSERT_TRUE(runtime->Update(ctx_, "c1", resources).ok());
  const auto argv = fake_.LastArgv();
  ASSERT_EQ(argv.size(), 6u);
  EXPECT_EQ(argv[2], "update");
  EXPECT_EQ(argv[3], "--resources");
  EXPECT_EQ(argv[5], "c1");
  EXPECT_EQ(fake_.LastResources(), resources);
  EXPECT_FALSE(std::filesystem::exists(argv[4]));
  EXPECT_TRUE(ScratchIsEmpty());

  EXPECT_EQ(runtime->Update(ctx_, "c1", "[1]").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runtime->Update(ctx_, "c1", "{oops").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fake_.Calls(), 1);
}

TEST_F(RuncRuntimeTest, StateParsesTheRuntimesJson) {
  fake_.SetBehaviour(R"(cat <<'EOF'
{
  "ociVersion": "1.0.2-dev", "id": "c1", "pid": 4242, "status": "paused",
  "bundle": "/b", "rootfs": "/b/rootfs", "created": "2024-05-01T10:00:00.5Z", "owner": ""
}
EOF
)");
  auto state = Make()->State(ctx_, "c1");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->status, ContainerStatus::kPaused);
  EXPECT_EQ(state->pid, 4242);
  EXPECT_EQ(state->bundle, "/b");
  EXPECT_EQ(state->created_unix_nanos, 1714557600500000000LL);
}

TEST_F(RuncRuntimeTest, StateOfAnUnknownContainerIsNotFound) {
  fake_.SetBehaviour(kRuncNotFound);
  auto state = Make()->State(ctx_, "c1");
  EXPECT_EQ(state.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(state.status().message(), "runc state c1: container does not exist (exit status 1)");

  // crun's wording names the state file under its root.
  fake_.SetBehaviour("echo 'error opening file `" + root_ +
                     "/c1/status`: No such file or directory' >&2; exit 1\n");
  state = Make("crun")->State(ctx_, "c1");
  EXPECT_EQ(state.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(state.status().message()),
              HasSubstr("crun state c1: error opening file"));
}

TEST_F(RuncRuntimeTest, GarbageFromTheRuntimeIsInternal) {
  fake_.SetBehaviour("echo 'this is not json'");
  EXPECT_EQ(Make()->State(ctx_, "c1").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Make()->List(ctx_).status().code(), absl::StatusCode::kInternal);
}

TEST_F(RuncRuntimeTest, ListParsesNullEmptyAndEntries) {
  auto runtime = Make();
  fake_.SetBehaviour("echo null");
  auto list = runtime->List(ctx_);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list, IsEmpty());
  fake_.SetBehaviour(R"(printf '[\n\n]\n')");
  list = runtime->List(ctx_);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list, IsEmpty());
  fake_.SetBehaviour(
      R"(echo '[{"id":"a","pid":7,"status":"running","bundle":"/a","created":"2024-05-01T10:00:00Z","owner":"root"}]')");
  list = runtime->List(ctx_);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, "a");
  EXPECT_EQ((*list)[0].pid, 7);
}

TEST_F(RuncRuntimeTest, DeleteIsIdempotent) {
  fake_.SetBehaviour(kRuncNotFound);
  EXPECT_TRUE(Make()->Delete(ctx_, "c1", false).ok());
  fake_.SetBehaviour("echo \"cannot open directory '" + root_ +
                     "/c1': No such file or directory\" >&2; exit 1\n");
  EXPECT_TRUE(Make("crun")->Delete(ctx_, "c1", false).ok());

  fake_.SetBehaviour(
      "echo 'level=error msg=\"cannot delete container c1 that is not stopped: running\"' >&2; "
      "exit 1\n");
  absl::Status s = Make()->Delete(ctx_, "c1", false);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("not stopped"));

  fake_.SetBehaviour(
      "echo 'level=error msg=\"unlinkat /run/x: device or resource busy\"' >&2; exit 1\n");
  s = Make()->Delete(ctx_, "c1", true);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(),
            "runc delete c1: unlinkat /run/x: device or resource busy (exit status 1)");
}

TEST_F(RuncRuntimeTest, DeletingAContainerTheRuntimeDoesNotKnowSpawnsNothing) {
  fake_.SetBehaviour("echo 'level=error msg=\"must not run\"' >&2; exit 1\n");
  const int calls = fake_.Calls();
  EXPECT_TRUE(Make()->Delete(ctx_, "c2", true).ok());
  EXPECT_EQ(fake_.Calls(), calls);
}

TEST_F(RuncRuntimeTest, WrongStateIsFailedPrecondition) {
  fake_.SetBehaviour("echo 'time=\"t\" level=error msg=\"container not paused\"' >&2; exit 1\n");
  absl::Status s = Make()->Resume(ctx_, "c1");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "runc resume c1: container not paused (exit status 1)");
}

TEST_F(RuncRuntimeTest, EnvironmentIsTheConfiguredOne) {
  ::setenv("CRIO_DAEMON_ONLY", "1", 1);
  RuncRuntimeOptions options;
  options.env = std::vector<std::string>{"FAKE_VAR=42", "PATH=/usr/bin:/bin"};
  auto runtime = Make("runc", options);
  ASSERT_TRUE(runtime->Start(ctx_, "c1").ok());
  EXPECT_THAT(fake_.LastEnv(), HasSubstr("FAKE_VAR=42\n"));
  EXPECT_THAT(fake_.LastEnv(), ::testing::Not(HasSubstr("CRIO_DAEMON_ONLY")));
  // Unset: the daemon's own.
  ASSERT_TRUE(Make()->Start(ctx_, "c1").ok());
  EXPECT_THAT(fake_.LastEnv(), HasSubstr("CRIO_DAEMON_ONLY=1\n"));
  ::unsetenv("CRIO_DAEMON_ONLY");
}

TEST_F(RuncRuntimeTest, EveryCallHasADeadline) {
  fake_.SetBehaviour("sleep 100 & echo $! > \"$dir/sleeper\"; wait\n");
  RuncRuntimeOptions options;
  options.timeout = std::chrono::milliseconds(300);
  auto runtime = Make("runc", options);
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = runtime->Start(ctx_, "c1");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(s.message()), HasSubstr("runc start c1: timed out after"));
  // Whatever the runtime started went with it.
  const pid_t sleeper = fake_.Sleeper();
  ASSERT_GT(sleeper, 0);
  for (int i = 0; i < 100 && !ProcessGone(sleeper); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(ProcessGone(sleeper));
}

TEST_F(RuncRuntimeTest, BadInputIsRejectedWithoutRunningAnything) {
  auto runtime = Make();
  EXPECT_EQ(runtime->Start(ctx_, "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runtime->Delete(ctx_, "--force", false).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runtime->State(ctx_, "../x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runtime->Kill(ctx_, "c1", 0, false).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runtime->Kill(ctx_, "c1", 1000, false).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runtime->ExecSync(ctx_, "c1", ExecRequest{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fake_.Calls(), 0);
}

TEST_F(RuncRuntimeTest, MissingBinary) {
  RuncRuntimeOptions options;
  options.path = fake_.dir() + "/bin/nope";
  auto runtime = NewRuncRuntime(options);
  absl::Status s = runtime->Start(ctx_, "c1");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("nope start c1"));
}

// --- ExecSync --------------------------------------------------------------------------

ExecRequest Command(std::vector<std::string> args) {
  ExecRequest request;
  request.args = std::move(args);
  return request;
}

TEST_F(RuncRuntimeTest, ExecSyncReportsTheCommandsExitAndOutput) {
  fake_.SetBehaviour("echo $$ > \"$pidfile\"; echo hi; echo oops >&2; exit 7\n");
  ExecRequest request = Command({"sh", "-c", "exit 7"});
  request.base_process_json = R"({"terminal":true,"args":["/pause"],"env":["A=1"],"cwd":"/w"})";
  auto result = Make()->ExecSync(ctx_, "c1", request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 7);
  EXPECT_EQ(result->stdout_data, "hi\n");
  EXPECT_EQ(result->stderr_data, "oops\n");
  EXPECT_FALSE(result->timed_out);
  EXPECT_FALSE(result->truncated());

  const auto argv = fake_.LastArgv();
  ASSERT_EQ(argv.size(), 8u);
  EXPECT_EQ(argv[2], "exec");
  EXPECT_EQ(argv[3], "--process");
  EXPECT_EQ(argv[5], "--pid-file");
  EXPECT_EQ(argv[7], "c1");
  const auto process = nlohmann::json::parse(fake_.LastProcessJson());
  EXPECT_EQ(process["args"], nlohmann::json({"sh", "-c", "exit 7"}));
  EXPECT_EQ(process["terminal"], false);
  EXPECT_EQ(process["env"], nlohmann::json({"A=1"}));
  EXPECT_EQ(process["cwd"], "/w");
  EXPECT_TRUE(ScratchIsEmpty());
}

TEST_F(RuncRuntimeTest, ExecSyncOfAMissingCommandIsANonZeroExit) {
  fake_.SetBehaviour(
      R"(echo 'time="t" level=error msg="exec failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH"' >&2
exit 255
)");
  auto result = Make()->ExecSync(ctx_, "c1", Command({"nosuch"}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 255);
  EXPECT_EQ(result->stderr_data,
            "exec failed: unable to start container process: exec: \"nosuch\": executable file "
            "not found in $PATH\n");
}

TEST_F(RuncRuntimeTest, ExecSyncInAnUnknownOrStoppedContainerIsAnError) {
  fake_.SetBehaviour(kRuncNotFound);
  EXPECT_EQ(Make()->ExecSync(ctx_, "c1", Command({"true"})).status().code(),
            absl::StatusCode::kNotFound);
  fake_.SetBehaviour(
      "echo 'level=error msg=\"exec failed: cannot exec in a stopped container\"' >&2; "
      "exit 255\n");
  auto result = Make()->ExecSync(ctx_, "c1", Command({"true"}));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("cannot exec in a stopped container"));
  EXPECT_TRUE(ScratchIsEmpty());
}

TEST_F(RuncRuntimeTest, ExecSyncTimeoutKillsTheCommandInsideTheContainer) {
  // Like runc: the command runs as a child, its pid goes to --pid-file, and the
  // runtime exits with the command's status once it is reaped.
  fake_.SetBehaviour(
      "sleep 100 & echo $! > \"$pidfile\"; echo $! > \"$dir/sleeper\"; wait $!; exit $?\n");
  ExecRequest request = Command({"sleep", "100"});
  request.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto result = Make()->ExecSync(ctx_, "c1", request);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->exit_code, 128 + SIGKILL);
  // The runtime exited by itself as soon as its child died: no grace period used up.
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_TRUE(ProcessGone(fake_.Sleeper()));
  EXPECT_TRUE(ScratchIsEmpty());
}

TEST_F(RuncRuntimeTest, ExecSyncTimeoutKillsAStuckRuntimeAfterTheGrace) {
  fake_.SetBehaviour(
      "sleep 100 & echo $! > \"$pidfile\"; echo $! > \"$dir/sleeper\"\n"
      "while :; do sleep 0.05; done\n");
  ExecRequest request = Command({"sleep", "100"});
  request.timeout = std::chrono::milliseconds(200);
  RuncRuntimeOptions options;
  options.exec_kill_grace = std::chrono::milliseconds(300);
  auto runtime = Make("runc", options);
  auto result = runtime->ExecSync(ctx_, "c1", request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->exit_code, 128 + SIGKILL);
  EXPECT_TRUE(ProcessGone(fake_.Sleeper()));
}

TEST_F(RuncRuntimeTest, ExecSyncCapsEachStream) {
  fake_.SetBehaviour(
      "echo $$ > \"$pidfile\"; head -c 10485760 /dev/zero; head -c 3000000 /dev/zero >&2\n");
  ExecRequest request = Command({"flood"});
  request.max_output_bytes = 1024 * 1024;
  auto result = Make()->ExecSync(ctx_, "c1", request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_data.size(), 1024u * 1024u);
  EXPECT_EQ(result->stderr_data.size(), 1024u * 1024u);
  EXPECT_TRUE(result->stdout_truncated);
  EXPECT_TRUE(result->stderr_truncated);
  EXPECT_TRUE(result->truncated());
}

}  // namespace
}  // namespace crio::runtime
