// crioctl's pod and container commands against an in-process CRI runtime on a unix
// socket: the requests they send and what they print.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "fake_cri_server.h"

namespace crio::ctl {
namespace {

using ::crio::ctl::testing::FakeCriServer;
using ::crio::ctl::testing::TempDir;
namespace v1 = ::runtime::v1;

constexpr char kPodId[] = "a1b2c3d4e5f60000000000000000000000000000000000000000000000000001";
constexpr char kPodId2[] = "a1b2ffff00000000000000000000000000000000000000000000000000000002";
constexpr char kCtrId[] = "c0ffee0000000000000000000000000000000000000000000000000000000001";
constexpr char kCtrId2[] = "deadbeef00000000000000000000000000000000000000000000000000000002";

std::int64_t NanosAgo(std::chrono::seconds ago) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             (std::chrono::system_clock::now() - ago).time_since_epoch())
      .count();
}

struct Invocation {
  int exit_code = 0;
  std::string out;
  std::string err;
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    server_ = std::make_unique<FakeCriServer>(dir_.path());
    ASSERT_TRUE(server_->started());
    endpoint_ = server_->endpoint();
  }

  Invocation Cli(std::vector<std::string> args) {
    CLI::App app{"crioctl"};
    app.require_subcommand(1);
    Globals globals;
    globals.runtime_endpoint = endpoint_;
    CommandResult result;
    std::ostringstream out, err;
    const Streams io{&out, &err};
    AddPodCommands(app, globals, result, io);
    AddContainerCommands(app, globals, result, io);
    AddLogsCommand(app, globals, result, io);
    AddExecCommand(app, globals, result, io);
    args.insert(args.begin(), "crioctl");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      result.exit_code = app.exit(e, out, err);
    }
    return {result.exit_code, out.str(), err.str()};
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  v1::ContainerStatus& Status(const std::string& id) { return runtime().containers[id].status; }
  testing::FakeRuntimeService& runtime() { return server_->runtime; }
  testing::FakeImageService& image() { return server_->image; }

  // Two pods and two containers, one running, as most tests want them.
  void Populate() {
    runtime().AddPod(kPodId, "nginx-sandbox", "default", v1::SANDBOX_READY,
                     NanosAgo(std::chrono::seconds(125)));
    runtime().AddPod(kPodId2, "other", "kube-system", v1::SANDBOX_NOTREADY,
                     NanosAgo(std::chrono::hours(3)));
    runtime().pods[kPodId2].set_runtime_handler("runc");
    auto& running = runtime().AddContainer(kCtrId, kPodId, "nginx", v1::CONTAINER_RUNNING,
                                           NanosAgo(std::chrono::seconds(125)));
    (*running.status.mutable_labels())["io.kubernetes.pod.name"] = "nginx-sandbox";
    (*running.status.mutable_labels())["io.kubernetes.pod.namespace"] = "default";
    (*running.status.mutable_labels())["tier"] = "web";
    running.status.mutable_metadata()->set_attempt(1);
    auto& exited = runtime().AddContainer(kCtrId2, kPodId2, "sidecar", v1::CONTAINER_EXITED,
                                          NanosAgo(std::chrono::seconds(30)));
    exited.status.mutable_image()->set_image("sha256:" + std::string(64, 'b'));
  }

  TempDir dir_;
  std::unique_ptr<FakeCriServer> server_;
  std::string endpoint_;
};

TEST_F(CommandsTest, RunpSendsTheConfigAndPrintsTheId) {
  const std::string config = WriteFile("pod.yaml", R"(
metadata:
  name: nginx-sandbox
  namespace: default
log_directory: /tmp/logs
labels: {app: nginx}
)");
  const Invocation run = Cli({"runp", "--runtime", "kata", config});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, std::string(kPodId) + "\n");
  const auto& request = runtime().last_run_pod;
  EXPECT_EQ(request.runtime_handler(), "kata");
  EXPECT_EQ(request.config().metadata().name(), "nginx-sandbox");
  EXPECT_FALSE(request.config().metadata().uid().empty());
  EXPECT_EQ(request.config().log_directory(), "/tmp/logs");
  EXPECT_EQ(request.config().labels().at("app"), "nginx");
}

TEST_F(CommandsTest, RunpReportsTheFile) {
  const Invocation run = Cli({"runp", dir_.path() + "/missing.json"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "load podSandboxConfig: config at " + dir_.path() + "/missing.json not found\n");
  EXPECT_TRUE(runtime().calls.empty());
}

TEST_F(CommandsTest, CreatePullsAMissingImageWithCredentials) {
  Populate();
  const std::string container = WriteFile("ctr.json", R"({
    "metadata": {"name": "busybox"}, "image": {"image": "registry.local/busybox:1"},
    "command": ["top"], "log_path": "busybox.0.log"})");
  const std::string pod = WriteFile("pod.json", R"({
    "metadata": {"name": "nginx-sandbox", "namespace": "default", "uid": "u1"}})");
  // A unique prefix of the pod id is enough.
  const Invocation run = Cli({"create", "--creds", "me:secret", "a1b2c3", container, pod});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, std::string(kCtrId) + "\n");
  EXPECT_EQ(run.err, "Pulling container image: registry.local/busybox:1\n");
  ASSERT_EQ(image().pulls.size(), 1u);
  const auto& pull = image().pulls[0];
  EXPECT_EQ(pull.image().image(), "registry.local/busybox:1");
  EXPECT_EQ(pull.auth().username(), "me");
  EXPECT_EQ(pull.auth().password(), "secret");
  EXPECT_EQ(pull.sandbox_config().metadata().uid(), "u1");
  const auto& create = runtime().last_create;
  EXPECT_EQ(create.pod_sandbox_id(), kPodId);
  EXPECT_EQ(create.config().metadata().name(), "busybox");
  EXPECT_EQ(create.config().image().user_specified_image(), "registry.local/busybox:1");
  EXPECT_EQ(create.config().log_path(), "busybox.0.log");
  EXPECT_EQ(create.sandbox_config().metadata().name(), "nginx-sandbox");

  // Present now: no second pull.
  EXPECT_EQ(Cli({"create", kPodId, container, pod}).exit_code, 0);
  EXPECT_EQ(image().pulls.size(), 1u);
}

TEST_F(CommandsTest, CreateNoPullAndConflicts) {
  Populate();
  const std::string container =
      WriteFile("ctr.yaml", "metadata: {name: b}\nimage: {image: busybox}\n");
  const std::string pod = WriteFile("pod.yaml", "metadata: {name: p, namespace: n}\n");
  const Invocation run = Cli({"create", "--no-pull", kPodId, container, pod});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(image().calls.empty());

  const Invocation both = Cli({"create", "--no-pull", "--with-pull", kPodId, container, pod});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_EQ(both.err, "creating container: conflict: no-pull and with-pull are both set\n");

  const Invocation missing_pod = Cli({"create", "--no-pull", "zzz", container, pod});
  EXPECT_EQ(missing_pod.exit_code, 1);
  EXPECT_EQ(missing_pod.err, "creating container: no pod sandbox with id or id prefix \"zzz\"\n");

  const Invocation ambiguous = Cli({"create", "--no-pull", "a1b2", container, pod});
  EXPECT_EQ(ambiguous.exit_code, 1);
  EXPECT_NE(ambiguous.err.find("pod sandbox id prefix \"a1b2\" is ambiguous"), std::string::npos)
      << ambiguous.err;
}

TEST_F(CommandsTest, StartStopByPrefix) {
  Populate();
  Status(kCtrId).set_state(v1::CONTAINER_CREATED);
  const Invocation start = Cli({"start", "c0ff"});
  EXPECT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(start.out, "c0ff\n");
  EXPECT_EQ(runtime().calls.back(), std::string("StartContainer ") + kCtrId);

  const Invocation stop = Cli({"stop", "-t", "7", "c0ff"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "c0ff\n");
  EXPECT_EQ(runtime().last_stop.container_id(), kCtrId);
  EXPECT_EQ(runtime().last_stop.timeout(), 7);

  const Invocation unknown = Cli({"start", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "no container with id or id prefix \"nope\"\n");
}

TEST_F(CommandsTest, StopAllStopsRunningOnes) {
  Populate();
  const Invocation stop = Cli({"stop", "--all"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, std::string(kCtrId) + "\n");
  EXPECT_EQ(runtime().last_list_containers.filter().state().state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(Cli({"stop", "--all"}).out, "No running containers found.\n");
  EXPECT_EQ(Cli({"stop", "-a", kCtrId}).err, "cannot specify CONTAINER-ID(s) when using --all\n");
}

TEST_F(CommandsTest, RmRefusesRunningUnlessForcedAndRemovesLogs) {
  Populate();
  const std::string log = WriteFile("nginx.log", "x\n");
  WriteFile("nginx.log.1", "old\n");
  Status(kCtrId).set_log_path(log);

  const Invocation refused = Cli({"rm", "c0ffee"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "container \"c0ffee\" is running, please stop it first\n");
  EXPECT_EQ(runtime().containers.count(kCtrId), 1u);

  const Invocation forced = Cli({"rm", "-f", "c0ffee"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(forced.out, "c0ffee\nc0ffee\n");  // stopped, then removed
  EXPECT_EQ(runtime().containers.count(kCtrId), 0u);
  EXPECT_FALSE(std::filesystem::exists(log));
  EXPECT_FALSE(std::filesystem::exists(log + ".1"));

  const std::string kept = WriteFile("sidecar.log", "y\n");
  Status(kCtrId2).set_log_path(kept);
  const Invocation keep = Cli({"rm", "--keep-logs", "dead"});
  EXPECT_EQ(keep.exit_code, 0) << keep.err;
  EXPECT_TRUE(std::filesystem::exists(kept));
  EXPECT_EQ(Cli({"rm", "-a"}).err, "No containers to remove\n");
}

TEST_F(CommandsTest, PsTableShowsRunningByDefault) {
  Populate();
  const Invocation ps = Cli({"ps"});
  EXPECT_EQ(ps.exit_code, 0) << ps.err;
  EXPECT_EQ(runtime().last_list_containers.filter().state().state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(ps.out,
            "CONTAINER           IMAGE                              CREATED             STATE  "
            "             NAME                ATTEMPT             POD ID              POD\n"
            "c0ffee0000000       docker.io/library/busybox:latest   2 minutes ago       Running"
            "             nginx               1                   a1b2c3d4e5f60       "
            "nginx-sandbox\n");

  const Invocation all = Cli({"ps", "-a", "--no-trunc"});
  EXPECT_FALSE(runtime().last_list_containers.filter().has_state());
  // Newest first; an image id is shown truncated without "sha256:" unless --no-trunc.
  EXPECT_LT(all.out.find(kCtrId2), all.out.find(kCtrId));
  EXPECT_NE(all.out.find("sha256:" + std::string(64, 'b')), std::string::npos);
  EXPECT_NE(all.out.find("30 seconds ago"), std::string::npos);
  EXPECT_NE(all.out.find("Exited"), std::string::npos);
  EXPECT_NE(all.out.find("unknown"), std::string::npos);  // no pod name label
  EXPECT_NE(Cli({"ps", "-a"}).out.find("bbbbbbbbbbbbb "), std::string::npos);
}

TEST_F(CommandsTest, PsFilters) {
  Populate();
  EXPECT_EQ(Cli({"ps", "-a", "-q"}).out, std::string(kCtrId2) + "\n" + kCtrId + "\n");
  EXPECT_EQ(Cli({"ps", "-aq", "--name", "^side"}).out, std::string(kCtrId2) + "\n");
  EXPECT_EQ(Cli({"ps", "-q", "-l"}).out, std::string(kCtrId2) + "\n");
  EXPECT_EQ(Cli({"ps", "-aq", "--pod", "a1b2c"}).out, std::string(kCtrId) + "\n");
  EXPECT_EQ(Cli({"ps", "-aq", "--id", "dead"}).out, std::string(kCtrId2) + "\n");
  EXPECT_EQ(Cli({"ps", "-aq", "--namespace", "def"}).out, std::string(kCtrId) + "\n");
  EXPECT_EQ(Cli({"ps", "-q", "--state", "Exited"}).out, std::string(kCtrId2) + "\n");
  EXPECT_EQ(runtime().last_list_containers.filter().state().state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(Cli({"ps", "-q", "--label", "tier=web"}).out, std::string(kCtrId) + "\n");
  EXPECT_EQ(runtime().last_list_containers.filter().label_selector().at("tier"), "web");

  const Invocation verbose = Cli({"ps", "-v"});
  EXPECT_EQ(verbose.out.substr(0, verbose.out.find("Created: ")),
            "ID: " + std::string(kCtrId) + "\nPodID: " + kPodId +
                "\nNamespace: default\nName: nginx\nAttempt: 1\nState: Running\n"
                "Image: docker.io/library/busybox:latest\n");
  EXPECT_NE(verbose.out.find("Labels:\n\tio.kubernetes.pod.name -> nginx-sandbox\n"),
            std::string::npos);

  EXPECT_EQ(Cli({"ps", "--state", "sleeping"}).err,
            "--state should be one of created, running, exited or unknown\n");
  EXPECT_EQ(Cli({"ps", "--label", "oops"}).err, "incorrectly specified label: oops\n");
}

TEST_F(CommandsTest, PsJsonAndYaml) {
  Populate();
  const Invocation json = Cli({"ps", "-o", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  const auto parsed = nlohmann::json::parse(json.out);
  ASSERT_EQ(parsed["containers"].size(), 1u);
  EXPECT_EQ(parsed["containers"][0]["id"], kCtrId);
  EXPECT_EQ(parsed["containers"][0]["podSandboxId"], kPodId);
  EXPECT_EQ(parsed["containers"][0]["state"], "CONTAINER_RUNNING");

  const Invocation yaml = Cli({"ps", "-o", "yaml"});
  EXPECT_NE(yaml.out.find("containers:\n- id: " + std::string(kCtrId)), std::string::npos)
      << yaml.out;
}

TEST_F(CommandsTest, PodsTableAndFilters) {
  Populate();
  const Invocation pods = Cli({"pods"});
  EXPECT_EQ(pods.exit_code, 0) << pods.err;
  EXPECT_EQ(pods.out,
            "POD ID              CREATED             STATE               NAME                "
            "NAMESPACE           ATTEMPT             RUNTIME\n"
            "a1b2c3d4e5f60       2 minutes ago       Ready               nginx-sandbox       "
            "default             0                   (default)\n"
            "a1b2ffff00000       3 hours ago         NotReady            other               "
            "kube-system         0                   runc\n");
  EXPECT_EQ(Cli({"pods", "-q", "--namespace", "^kube"}).out, std::string(kPodId2) + "\n");
  EXPECT_EQ(Cli({"pods", "-q", "--name", "nginx"}).out, std::string(kPodId) + "\n");
  EXPECT_EQ(Cli({"pods", "-q", "--id", "a1b2f"}).out, std::string(kPodId2) + "\n");
  EXPECT_EQ(Cli({"pods", "-q", "--state", "ready"}).out, std::string(kPodId) + "\n");
  EXPECT_EQ(runtime().last_list_pods.filter().state().state(), v1::SANDBOX_READY);
  EXPECT_EQ(Cli({"pods", "-q", "--latest"}).out, std::string(kPodId) + "\n");
  EXPECT_EQ(Cli({"pods", "--state", "gone"}).err, "--state should be ready or notready\n");

  EXPECT_EQ(Cli({"pods", "-o", "json", "--name", "nothing-matches"}).out,
            "{\n  \"items\": []\n}\n");

  const Invocation yaml = Cli({"pods", "-o", "yaml", "--name", "other"});
  EXPECT_NE(yaml.out.find("items:\n- id: " + std::string(kPodId2)), std::string::npos) << yaml.out;
  EXPECT_NE(yaml.out.find("runtimeHandler: runc"), std::string::npos) << yaml.out;
}

TEST_F(CommandsTest, InspectShowsStatusAndParsedInfo) {
  Populate();
  auto& container = runtime().containers[kCtrId];
  container.status.set_created_at(1'475'713'029'000'000'000);
  container.status.set_started_at(1'475'713'030'500'000'000);
  container.info["info"] = R"({"pid": 4242, "runtimeSpec": {"ociVersion": "1.0.2"}})";
  setenv("TZ", "UTC", 1);
  tzset();

  const Invocation inspect = Cli({"inspect", "c0f"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  const auto json = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(json["status"]["id"], kCtrId);
  EXPECT_EQ(json["status"]["state"], "CONTAINER_RUNNING");
  EXPECT_EQ(json["status"]["createdAt"], "2016-10-06T00:17:09Z");
  EXPECT_EQ(json["status"]["startedAt"], "2016-10-06T00:17:10.5Z");
  EXPECT_EQ(json["status"]["finishedAt"], "0001-01-01T00:00:00Z");
  EXPECT_TRUE(json["status"]["resources"].is_null());
  EXPECT_EQ(json["info"]["pid"], 4242);
  EXPECT_EQ(json["info"]["runtimeSpec"]["ociVersion"], "1.0.2");
  EXPECT_EQ(inspect.out.substr(0, 12), "{\n  \"info\": ");  // keys sorted, as crictl's

  const Invocation two = Cli({"inspect", "-o", "yaml", kCtrId, kCtrId2});
  EXPECT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(two.out.substr(0, 2), "- ");
  EXPECT_NE(two.out.find("sidecar"), std::string::npos);

  const Invocation table = Cli({"inspect", "-o", "table", kCtrId2});
  EXPECT_NE(table.out.find("ID: " + std::string(kCtrId2) +
                           "\nName: sidecar\n"
                           "State: CONTAINER_EXITED\nCreated: 30 seconds ago\n"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("Exit Code: 0\n"), std::string::npos) << table.out;

  const Invocation quiet = Cli({"inspect", "-q", kCtrId});
  EXPECT_FALSE(nlohmann::json::parse(quiet.out).contains("info"));

  const Invocation missing = Cli({"inspect", "fff"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "no container with id or id prefix \"fff\"\n");
  unsetenv("TZ");
  tzset();
}

TEST_F(CommandsTest, InspectpShowsThePod) {
  Populate();
  runtime().pods[kPodId].set_created_at(1'475'713'029'000'000'000);
  runtime().pod_info[kPodId]["info"] = R"({"image": "pause:3.9"})";
  setenv("TZ", "UTC", 1);
  tzset();
  const Invocation inspect = Cli({"inspectp", "a1b2c"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  const auto json = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(json["status"]["id"], kPodId);
  EXPECT_EQ(json["status"]["state"], "SANDBOX_READY");
  EXPECT_EQ(json["status"]["createdAt"], "2016-10-06T00:17:09Z");
  EXPECT_TRUE(json["status"]["network"].is_null());
  EXPECT_EQ(json["info"]["image"], "pause:3.9");
  unsetenv("TZ");
  tzset();
}

TEST_F(CommandsTest, StoppAndRmp) {
  Populate();
  const Invocation stop = Cli({"stopp", "a1b2c"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "Stopped sandbox a1b2c\n");
  EXPECT_EQ(runtime().pods[kPodId].state(), v1::SANDBOX_NOTREADY);

  runtime().pods[kPodId].set_state(v1::SANDBOX_READY);
  const Invocation refused = Cli({"rmp", kPodId});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err,
            "pod sandbox \"" + std::string(kPodId) + "\" is running, please stop it first\n");

  const Invocation forced = Cli({"rmp", "-f", kPodId, kPodId2});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(forced.out, "Stopped sandbox " + std::string(kPodId) + "\nRemoved sandbox " + kPodId +
                            "\nRemoved sandbox " + kPodId2 + "\n");
  EXPECT_TRUE(runtime().pods.empty());
  EXPECT_EQ(Cli({"rmp", "--all"}).err, "No pods to remove\n");
}

TEST_F(CommandsTest, ExecRunsSyncAndExitsWithTheCode) {
  Populate();
  runtime().exec_response.set_stdout("total 0\n");
  runtime().exec_response.set_stderr("ls: warning\n");
  runtime().exec_response.set_exit_code(3);
  const Invocation exec = Cli({"exec", "-s", "--timeout", "5", "c0ffee", "ls", "-l", "/"});
  EXPECT_EQ(exec.exit_code, 3);
  EXPECT_EQ(exec.out, "total 0\n");
  EXPECT_EQ(exec.err, "ls: warning\n");
  const auto& request = runtime().last_exec;
  EXPECT_EQ(request.container_id(), kCtrId);
  ASSERT_EQ(request.cmd_size(), 3);
  EXPECT_EQ(request.cmd(0), "ls");
  EXPECT_EQ(request.cmd(1), "-l");
  EXPECT_EQ(request.cmd(2), "/");
  EXPECT_EQ(request.timeout(), 5);

  runtime().exec_response.set_exit_code(0);
  const Invocation dashes = Cli({"exec", kCtrId, "--", "sh", "-c", "echo hi"});
  EXPECT_EQ(dashes.exit_code, 0) << dashes.err;
  ASSERT_EQ(runtime().last_exec.cmd_size(), 3);
  EXPECT_EQ(runtime().last_exec.cmd(0), "sh");
  EXPECT_EQ(runtime().last_exec.cmd(2), "echo hi");
}

TEST_F(CommandsTest, InteractiveExecNeedsTheExecRpc) {
  // This fake runtime has no Exec; stdin and a terminal need it (no ExecSync fallback).
  // stream_commands_test.cc covers exec -i/-t against a streaming server.
  Populate();
  const Invocation exec = Cli({"exec", "-it", kCtrId, "sh"});
  EXPECT_EQ(exec.exit_code, 1);
  EXPECT_EQ(exec.err, std::string("execing command in container ") + kCtrId +
                          ": rpc error: code = Unimplemented desc = \n");
  EXPECT_EQ(runtime().last_exec.container_id(), "");
  EXPECT_EQ(Cli({"exec", kCtrId}).err, "exec needs a CONTAINER-ID and a COMMAND\n");
}

TEST_F(CommandsTest, UpdateSendsTheResources) {
  Populate();
  const Invocation update =
      Cli({"update", "--cpu-share", "512", "--cpu-quota", "50000", "--cpu-period", "100000",
           "--memory", "268435456", "--cpuset-cpus", "0-1", "c0ffee"});
  EXPECT_EQ(update.exit_code, 0) << update.err;
  EXPECT_EQ(update.out, "c0ffee\n");
  const auto& request = runtime().last_update;
  EXPECT_EQ(request.container_id(), kCtrId);
  EXPECT_EQ(request.linux().cpu_shares(), 512);
  EXPECT_EQ(request.linux().cpu_quota(), 50000);
  EXPECT_EQ(request.linux().cpu_period(), 100000);
  EXPECT_EQ(request.linux().memory_limit_in_bytes(), 268435456);
  EXPECT_EQ(request.linux().cpuset_cpus(), "0-1");
}

TEST_F(CommandsTest, LogsReadsTheLogFileTheRuntimeNames) {
  Populate();
  const std::string log = WriteFile("0.log",
                                    "2016-10-06T00:17:09.5Z stdout F hello\n"
                                    "2016-10-06T00:17:10Z stderr F oops\n"
                                    "2016-10-06T00:17:11Z stdout P wor\n"
                                    "2016-10-06T00:17:11Z stdout F ld\n");
  Status(kCtrId).set_log_path(log);
  Status(kCtrId).set_state(v1::CONTAINER_EXITED);

  const Invocation logs = Cli({"logs", "c0f"});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "hello\nworld\n");
  EXPECT_EQ(logs.err, "oops\n");

  const Invocation tail = Cli({"logs", "--tail", "1", "-t", kCtrId});
  EXPECT_EQ(tail.out, "2016-10-06T00:17:11Z world\n");
  EXPECT_EQ(tail.err, "");

  const Invocation stream = Cli({"logs", "--stream", "stderr", kCtrId});
  EXPECT_EQ(stream.out, "");
  EXPECT_EQ(stream.err, "oops\n");

  // The container is not running: follow prints what there is and ends.
  const Invocation follow = Cli({"logs", "-f", kCtrId});
  EXPECT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_EQ(follow.out, "hello\nworld\n");

  const Invocation reopen = Cli({"logs", "-r", kCtrId});
  EXPECT_EQ(runtime().calls[runtime().calls.size() - 2],
            "ReopenContainerLog " + std::string(kCtrId));
  EXPECT_EQ(reopen.err, "Container logs reopened\noops\n");

  Status(kCtrId).mutable_metadata()->set_attempt(1);
  const std::string previous = WriteFile("0.log", "2016-10-06T00:17:09Z stdout F before\n");
  Status(kCtrId).set_log_path(dir_.path() + "/1.log");
  EXPECT_EQ(Cli({"logs", "-p", kCtrId}).out, "before\n");

  Status(kCtrId).set_log_path("");
  EXPECT_EQ(Cli({"logs", kCtrId}).err, "the container has not set log path\n");
  EXPECT_EQ(Cli({"logs", "--stream", "stdin", kCtrId}).err,
            "invalid stream \"stdin\", must be \"stdout\" or \"stderr\"\n");
}

TEST_F(CommandsTest, UnreachableRuntimeReadsLikeCrictl) {
  server_.reset();
  const Invocation stop = Cli({"stopp", kPodId});
  EXPECT_EQ(stop.exit_code, 1);
  EXPECT_EQ(stop.err.rfind("stopping the pod sandbox \"" + std::string(kPodId) +
                               "\": rpc error: code = Unavailable desc = ",
                           0),
            0u)
      << stop.err;
}

}  // namespace
}  // namespace crio::ctl
