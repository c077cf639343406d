// RuncRuntime against the real runc (root only): a busybox bundle in a temp dir, a
// private --root, and `runc create` done here as crio-monitor does in production.
// Every test leaves no container, cgroup, process or file behind.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crio/common/subprocess.h"
#include "crio/runtime/oci_runtime.h"

namespace crio::runtime {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

#define CRIO_REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root"

std::string FindBinary(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin"}) {
    const std::string path = std::string(dir) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One field of /proc/<pid>/stat after the command name: 0 = state, 1 = ppid.
std::string StatField(const std::string& stat, int index) {
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return "";
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  for (int i = 0; i <= index; ++i) rest >> field;
  return field;
}

// Host processes in the pid namespace of `init` (other than init) or children of it,
// zombies included.
std::vector<pid_t> OthersInContainer(pid_t init) {
  std::error_code ec;
  const std::string init_ns =
      std::filesystem::read_symlink("/proc/" + std::to_string(init) + "/ns/pid", ec).string();
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid == init) continue;
    const std::string stat = ReadAll("/proc/" + name + "/stat");
    if (StatField(stat, 1) == std::to_string(init)) {
      found.push_back(pid);
      continue;
    }
    std::error_code ns_ec;
    const auto ns = std::filesystem::read_symlink("/proc/" + name + "/ns/pid", ns_ec);
    if (!ns_ec && !init_ns.empty() && ns.string() == init_ns) found.push_back(pid);
  }
  return found;
}

class RuncIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The container's init is reparented to us when `runc create` exits, as it is to
    // crio-monitor in production, so that we can reap it.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  }
  static void TearDownTestSuite() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }

  void SetUp() override {
    CRIO_REQUIRE_ROOT();
    runc_ = FindBinary("runc");
    if (runc_.empty()) GTEST_SKIP() << "runc is not installed";
    if (::access("/usr/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox is not installed";

    char tmpl[] = "/tmp/crio-runc-it-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    bundle_ = dir_ + "/bundle";
    root_ = dir_ + "/root";
    const std::string suffix = std::filesystem::path(dir_).filename().string().substr(13);
    id_ = "crio-it-" + suffix;
    cgroup_path_ = "/crio-runtime-test-" + suffix;
    ASSERT_NO_FATAL_FAILURE(MakeBundle());

    RuncRuntimeOptions options;
    options.path = runc_;
    options.root = root_;
    options.temp_dir = dir_;
    options.timeout = std::chrono::seconds(30);
    options.start_through_exec_fifo = true;  // as the daemon runs runc
    runtime_ = NewRuncRuntime(options);
    options.start_through_exec_fifo = false;
    runc_start_runtime_ = NewRuncRuntime(options);
  }

  void TearDown() override {
    if (dir_.empty()) return;
    if (created_) {
      subprocess::Options del;
      del.argv = {runc_, "--root", root_, "delete", "--force", id_};
      del.timeout = std::chrono::seconds(30);
      (void)subprocess::Run(del);
      Reap();
    }
    ReapOrphans();
    // runc removes the cgroup on delete unless a process of it was still a zombie then;
    // a test that failed halfway must not leave one behind either.
    std::error_code ec;
    std::vector<std::string> places = {"/sys/fs/cgroup" + cgroup_path_};  // cgroup v2
    for (const auto& controller : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
      places.push_back(controller.path().string() + cgroup_path_);  // v1: per controller
    }
    for (const std::string& left : places) {
      if (std::filesystem::exists(left)) {
        ADD_FAILURE() << "cgroup left behind: " << left;
        ::rmdir(left.c_str());
      }
    }
    std::filesystem::remove_all(dir_, ec);
  }

  // As a subreaper this process inherits whatever the container leaves when it dies
  // (e.g. an exec'd command orphaned by a killed runc); no other children are alive
  // between tests.
  static void ReapOrphans() {
    for (int i = 0; i < 100; ++i) {
      const pid_t r = ::waitpid(-1, nullptr, WNOHANG);
      if (r < 0) return;  // ECHILD: none left
      if (r == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void MakeBundle() {
    const std::string rootfs = bundle_ + "/rootfs";
    std::filesystem::create_directories(rootfs + "/bin");
    for (const char* d : {"proc", "dev", "sys", "tmp"}) {
      std::filesystem::create_directories(rootfs + "/" + d);
    }
    std::filesystem::copy_file("/usr/bin/busybox", rootfs + "/bin/busybox");
    for (const char* applet : {"sh", "echo", "sleep", "head", "cat", "true", "id"}) {
      std::filesystem::create_symlink("busybox", rootfs + "/bin/" + applet);
    }
    subprocess::Options spec;
    spec.argv = {runc_, "spec", "--bundle", bundle_};
    auto made = subprocess::Run(spec);
    ASSERT_TRUE(made.ok() && made->Success()) << made.status() << " " << made->stderr_data;

    Json config = Json::parse(ReadAll(bundle_ + "/config.json"));
    config["process"]["args"] = {"/bin/busybox", "sleep", "100"};
    config["process"]["terminal"] = false;
    config["process"]["env"] = {"PATH=/bin"};
    config["root"]["readonly"] = true;
    config["linux"]["cgroupsPath"] = cgroup_path_;
    base_process_ = config["process"].dump();
    std::ofstream(bundle_ + "/config.json", std::ios::trunc) << config.dump(2);
  }

  // What crio-monitor does in production.
  void Create() {
    const std::string log = dir_ + "/create.log";
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    subprocess::Options create;
    create.argv = {runc_, "--root", root_, "create", "--bundle", bundle_, id_};
    create.stdout_mode = subprocess::OutputMode::kFd;
    create.stdout_fd = fd;
    create.stderr_mode = subprocess::OutputMode::kFd;
    create.stderr_fd = fd;
    create.timeout = std::chrono::seconds(60);
    auto result = subprocess::Run(create);
    ::close(fd);
    ASSERT_TRUE(result.ok()) << result.status();
    created_ = true;
    ASSERT_TRUE(result->Success()) << result->Describe() << ": " << ReadAll(log);
    auto state = runtime_->State(ctx_, id_);
    ASSERT_TRUE(state.ok()) << state.status();
    init_pid_ = state->pid;
  }

  void CreateAndStart() {
    ASSERT_NO_FATAL_FAILURE(Create());
    ASSERT_TRUE(runtime_->Start(ctx_, id_).ok());
  }

  // Waits until `runc state` says `want`.
  absl::StatusOr<ContainerState> WaitFor(ContainerStatus want) {
    absl::StatusOr<ContainerState> state = absl::UnknownError("not polled");
    for (int i = 0; i < 250; ++i) {
      state = runtime_->State(ctx_, id_);
      if (state.ok() && state->status == want) return state;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return state;
  }

  void Reap() {
    if (init_pid_ <= 0) return;
    for (int i = 0; i < 200; ++i) {
      const pid_t r = ::waitpid(init_pid_, nullptr, WNOHANG);
      if (r == init_pid_ || (r < 0 && errno == ECHILD)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    init_pid_ = 0;
  }

  std::string CgroupFile(const std::string& controller, const std::string& file) const {
    const std::string v1 = "/sys/fs/cgroup/" + controller + cgroup_path_ + "/" + file;
    if (std::filesystem::exists(v1)) return v1;
    return "/sys/fs/cgroup" + cgroup_path_ + "/" + file;
  }

  ExecRequest Exec(std::vector<std::string> args) const {
    ExecRequest request;
    request.args = std::move(args);
    request.base_process_json = base_process_;
    return request;
  }

  std::string runc_;
  std::string dir_;
  std::string bundle_;
  std::string root_;
  std::string id_;
  std::string cgroup_path_;
  std::string base_process_;
  bool created_ = false;
  pid_t init_pid_ = 0;
  std::unique_ptr<OciRuntime> runtime_;
  std::unique_ptr<OciRuntime> runc_start_runtime_;  // spawns `runc start`
  RequestContext ctx_{.id = "it", .method = "Integration"};
};

TEST_F(RuncIntegrationTest, Lifecycle) {
  ASSERT_NO_FATAL_FAILURE(Create());
  auto state = runtime_->State(ctx_, id_);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->status, ContainerStatus::kCreated);
  EXPECT_EQ(state->bundle, bundle_);
  EXPECT_GT(state->created_unix_nanos, 0);

  ASSERT_TRUE(runtime_->Start(ctx_, id_).ok());
  state = runtime_->State(ctx_, id_);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->status, ContainerStatus::kRunning);
  EXPECT_EQ(state->pid, init_pid_);
  EXPECT_THAT(ReadAll("/proc/" + std::to_string(state->pid) + "/cmdline"),
              HasSubstr(std::string("sleep\0", 6)));
  // Starting twice is a state error.
  EXPECT_EQ(runtime_->Start(ctx_, id_).code(), absl::StatusCode::kFailedPrecondition);

  auto list = runtime_->List(ctx_);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, id_);

  ASSERT_TRUE(runtime_->Pause(ctx_, id_).ok());
  EXPECT_EQ(runtime_->State(ctx_, id_)->status, ContainerStatus::kPaused);
  EXPECT_THAT(ReadAll(CgroupFile("freezer", "freezer.state")), HasSubstr("FROZEN"));
  auto paused_exec = runtime_->ExecSync(ctx_, id_, Exec({"true"}));
  EXPECT_EQ(paused_exec.status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(runtime_->Resume(ctx_, id_).ok());
  EXPECT_EQ(runtime_->State(ctx_, id_)->status, ContainerStatus::kRunning);
  absl::Status again = runtime_->Resume(ctx_, id_);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.message()), HasSubstr("container not paused"));

  ASSERT_TRUE(runtime_->Kill(ctx_, id_, SIGKILL, false).ok());
  state = WaitFor(ContainerStatus::kStopped);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->status, ContainerStatus::kStopped);
  EXPECT_EQ(runtime_->ExecSync(ctx_, id_, Exec({"true"})).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Reap();

  ASSERT_TRUE(runtime_->Delete(ctx_, id_, false).ok());
  created_ = false;
  state = runtime_->State(ctx_, id_);
  EXPECT_EQ(state.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(state.status().message()), HasSubstr("container does not exist"));
  EXPECT_TRUE(runtime_->Delete(ctx_, id_, false).ok());
  EXPECT_TRUE(runtime_->Delete(ctx_, id_, true).ok());
  EXPECT_FALSE(std::filesystem::exists(CgroupFile("pids", "")));
  list = runtime_->List(ctx_);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST_F(RuncIntegrationTest, StartThroughRuncStartBehavesTheSame) {
  ASSERT_NO_FATAL_FAILURE(Create());
  ASSERT_TRUE(runc_start_runtime_->Start(ctx_, id_).ok());
  auto state = runtime_->State(ctx_, id_);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->status, ContainerStatus::kRunning);
  EXPECT_THAT(ReadAll("/proc/" + std::to_string(state->pid) + "/cmdline"),
              HasSubstr(std::string("sleep\0", 6)));
  EXPECT_EQ(runtime_->Start(ctx_, id_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(runc_start_runtime_->Start(ctx_, id_).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(RuncIntegrationTest, StartOfAContainerWhoseInitWasKilledIsAStateError) {
  ASSERT_NO_FATAL_FAILURE(Create());
  ASSERT_EQ(::kill(init_pid_, SIGKILL), 0);
  Reap();
  absl::Status started = runtime_->Start(ctx_, id_);
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition) << started;
  EXPECT_EQ(runc_start_runtime_->Start(ctx_, id_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(WaitFor(ContainerStatus::kStopped)->status, ContainerStatus::kStopped);
}

TEST_F(RuncIntegrationTest, ExecSync) {
  ASSERT_NO_FATAL_FAILURE(CreateAndStart());

  auto r = runtime_->ExecSync(ctx_, id_, Exec({"echo", "hi"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stdout_data, "hi\n");
  EXPECT_EQ(r->stderr_data, "");

  r = runtime_->ExecSync(ctx_, id_, Exec({"sh", "-c", "echo out; echo err >&2; exit 7"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(r->stdout_data, "out\n");
  EXPECT_EQ(r->stderr_data, "err\n");

  // The process.json overrides reach the process.
  ExecRequest as_user = Exec({"id"});
  as_user.user = ProcessUser{.uid = 1234, .gid = 5678, .additional_gids = {42}, .umask = {}};
  r = runtime_->ExecSync(ctx_, id_, as_user);
  ASSERT_TRUE(r.ok()) << r.status();
  // busybox's id lists the groups its own way (it may add the gid and names from the
  // bundle's /etc/group): only what the process really got is checked.
  EXPECT_THAT(r->stdout_data, HasSubstr("uid=1234 gid=5678 groups="));
  EXPECT_THAT(r->stdout_data, ::testing::ContainsRegex("groups=([0-9a-z()]+,)*42"));
  ExecRequest with_env = Exec({"sh", "-c", "echo $GREETING; pwd"});
  with_env.env = std::vector<std::string>{"PATH=/bin", "GREETING=hello"};
  with_env.cwd = "/tmp";
  r = runtime_->ExecSync(ctx_, id_, with_env);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stdout_data, "hello\n/tmp\n");

  // Not found in the container: a non-zero exit with runc's message, not an error.
  r = runtime_->ExecSync(ctx_, id_, Exec({"no-such-command"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->exit_code, 0);
  EXPECT_THAT(r->stderr_data, HasSubstr("no-such-command"));

  // Unknown container.
  EXPECT_EQ(runtime_->ExecSync(ctx_, "crio-it-unknown", Exec({"true"})).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RuncIntegrationTest, ExecSyncTimeoutLeavesNothingBehind) {
  ASSERT_NO_FATAL_FAILURE(CreateAndStart());
  ExecRequest request = Exec({"sleep", "100"});
  request.timeout = std::chrono::seconds(1);
  const auto start = std::chrono::steady_clock::now();
  auto r = runtime_->ExecSync(ctx_, id_, request);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->timed_out);
  EXPECT_GE(took, std::chrono::seconds(1));
  EXPECT_LT(took, std::chrono::seconds(4));
  // Neither the sleep nor a zombie of it is left in the container.
  std::vector<pid_t> others = OthersInContainer(init_pid_);
  for (int i = 0; i < 100 && !others.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    others = OthersInContainer(init_pid_);
  }
  EXPECT_TRUE(others.empty()) << "left behind: " << others.size() << " process(es), first pid "
                              << (others.empty() ? 0 : others[0]);
  EXPECT_EQ(runtime_->State(ctx_, id_)->status, ContainerStatus::kRunning);
}

TEST_F(RuncIntegrationTest, ExecSyncOutputIsCapped) {
  ASSERT_NO_FATAL_FAILURE(CreateAndStart());
  auto r = runtime_->ExecSync(ctx_, id_, Exec({"head", "-c", "104857600", "/dev/zero"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stdout_data.size(), subprocess::kDefaultOutputCap);
  EXPECT_TRUE(r->stdout_truncated);
  EXPECT_FALSE(r->stderr_truncated);

  ExecRequest small = Exec({"sh", "-c", "head -c 5000 /dev/zero >&2"});
  small.max_output_bytes = 1000;
  r = runtime_->ExecSync(ctx_, id_, small);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stderr_data.size(), 1000u);
  EXPECT_TRUE(r->stderr_truncated);
}

TEST_F(RuncIntegrationTest, Update) {
  ASSERT_NO_FATAL_FAILURE(CreateAndStart());
  ASSERT_TRUE(
      runtime_->Update(ctx_, id_, R"({"pids":{"limit":55},"memory":{"limit":67108864}})").ok());

  // As runc sees it ...
  subprocess::Options events;
  events.argv = {runc_, "--root", root_, "events", "--stats", id_};
  auto stats = subprocess::Run(events);
  ASSERT_TRUE(stats.ok() && stats->Success()) << stats->stderr_data;
  const Json data = Json::parse(stats->stdout_data)["data"];
  EXPECT_EQ(data["pids"]["limit"], 55);
  EXPECT_EQ(data["memory"]["usage"]["limit"], 67108864);
  // ... and in the cgroup itself.
  EXPECT_EQ(ReadAll(CgroupFile("pids", "pids.max")), "55\n");

  EXPECT_EQ(runtime_->Update(ctx_, "crio-it-unknown", R"({"pids":{"limit":5}})").code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RuncIntegrationTest, KillAllAndForceDelete) {
  ASSERT_NO_FATAL_FAILURE(CreateAndStart());
  // SIGKILL: the container's init (busybox sleep as pid 1) has no SIGTERM handler, and
  // the kernel does not deliver unhandled signals to a namespace's init from inside.
  ASSERT_TRUE(runtime_->Kill(ctx_, id_, SIGKILL, true).ok());
  ASSERT_TRUE(WaitFor(ContainerStatus::kStopped).ok());
  // runc 1.1 refuses to signal a stopped container.
  EXPECT_EQ(runtime_->Kill(ctx_, id_, SIGKILL, false).code(),
            absl::StatusCode::kFailedPrecondition);
  Reap();
  ASSERT_TRUE(runtime_->Delete(ctx_, id_, true).ok());
  created_ = false;
  EXPECT_EQ(runtime_->State(ctx_, id_).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RuncIntegrationTest, ForceDeleteOfARunningContainer) {
  ASSERT_NO_FATAL_FAILURE(CreateAndStart());
  absl::Status refused = runtime_->Delete(ctx_, id_, false);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  ASSERT_TRUE(runtime_->Delete(ctx_, id_, true).ok());
  created_ = false;
  Reap();
  EXPECT_EQ(runtime_->State(ctx_, id_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(CgroupFile("pids", "")));
}

// crun cannot create containers on this host (hybrid cgroups), but its answers about
// unknown containers are what the error parsing must understand.
TEST(CrunRealTest, UnknownContainers) {
  const std::string crun = FindBinary("crun");
  if (crun.empty()) GTEST_SKIP() << "crun is not installed";
  char tmpl[] = "/tmp/crio-crun-it-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  RuncRuntimeOptions options;
  options.path = crun;
  options.root = dir + "/root";
  options.temp_dir = dir;
  auto runtime = NewRuncRuntime(options);
  RequestContext ctx{.id = "it", .method = "Crun"};

  auto state = runtime->State(ctx, "nosuch");
  EXPECT_EQ(state.status().code(), absl::StatusCode::kNotFound) << state.status();
  EXPECT_THAT(std::string(state.status().message()), HasSubstr("crun state nosuch: "));
  EXPECT_TRUE(runtime->Delete(ctx, "nosuch", false).ok());
  EXPECT_TRUE(runtime->Delete(ctx, "nosuch", true).ok());
  EXPECT_EQ(runtime->Kill(ctx, "nosuch", SIGTERM, false).code(), absl::StatusCode::kNotFound);
  ExecRequest request;
  request.args = {"true"};
  EXPECT_EQ(runtime->ExecSync(ctx, "nosuch", request).status().code(), absl::StatusCode::kNotFound);
  auto list = runtime->List(ctx);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->empty());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// The same answers from runc; no container is needed, but runc wants root for its
// state directory.
TEST(RuncRealTest, UnknownContainers) {
  CRIO_REQUIRE_ROOT();
  const std::string runc = FindBinary("runc");
  if (runc.empty()) GTEST_SKIP() << "runc is not installed";
  char tmpl[] = "/tmp/crio-runc-it-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  RuncRuntimeOptions options;
  options.path = runc;
  options.root = dir + "/root";
  options.temp_dir = dir;
  auto runtime = NewRuncRuntime(options);
  RequestContext ctx{.id = "it", .method = "Runc"};

  auto state = runtime->State(ctx, "nosuch");
  EXPECT_EQ(state.status().code(), absl::StatusCode::kNotFound) << state.status();
  EXPECT_EQ(state.status().message(),
            "runc state nosuch: container does not exist (exit status 1)");
  EXPECT_TRUE(runtime->Delete(ctx, "nosuch", false).ok());
  EXPECT_EQ(runtime->Pause(ctx, "nosuch").code(), absl::StatusCode::kNotFound);
  auto list = runtime->List(ctx);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->empty());

  // With --log, runc logs JSON to the file and prints the bare message on stderr.
  options.log_path = dir + "/runc-log.json";
  auto logging = NewRuncRuntime(options);
  state = logging->State(ctx, "nosuch");
  EXPECT_EQ(state.status().code(), absl::StatusCode::kNotFound) << state.status();
  EXPECT_EQ(state.status().message(),
            "runc state nosuch: container does not exist (exit status 1)");
  const Json line = Json::parse(ReadAll(options.log_path));
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["msg"], "container does not exist");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace crio::runtime
