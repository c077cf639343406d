// The real PluginRunner (crio::subprocess) driven by CniManager, with tiny shell-script
// plugins in a temp dir: the environment a plugin really gets, a plugin that hangs, a
// plugin that reports a CNI error.

#include "crio/network/cni_plugin_runner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "crio/network/cni.h"

namespace crio::network {
namespace {

using nlohmann::json;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether `pid` has exited (gone, or a zombie waiting for its new parent to reap it).
bool Exited(pid_t pid) {
  const std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  const std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z';
}

class CniPluginRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-cni-runner-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ + "/bin");
    options_.plugin_dirs = {root_ + "/bin"};
    options_.cache_dir = root_ + "/cache";
    options_.path_env = "/usr/bin:/bin";
    options_.plugin_timeout = std::chrono::milliseconds(10'000);
    pod_.container_id = "pod1";
    pod_.netns_path = "/proc/self/ns/net";
    pod_.pod_namespace = "ns";
    pod_.pod_name = "name";
    pod_.pod_uid = "uid";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Plugin(const std::string& type, const std::string& body) {
    const std::string path = root_ + "/bin/" + type;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    ::chmod(path.c_str(), 0755);
  }
  static CniNetwork Network(const std::string& types) {
    auto network =
        ParseNetworkConfig(R"({"cniVersion": "1.0.0", "name": "test", "plugins": [)" + types + "]}",
                           "t.conflist", false);
    EXPECT_TRUE(network.ok()) << network.status();
    return *network;
  }

  std::string root_;
  CniOptions options_;
  PodAttachment pod_;
  RequestContext ctx_{"test", "RunPodSandbox"};
  std::unique_ptr<PluginRunner> runner_ = NewPluginRunner();
};

TEST_F(CniPluginRunnerTest, APluginGetsItsConfigOnStdinAndOnlyTheCniEnvironment) {
  // /proc/$$/environ is the environment as the plugin was started, before the shell
  // adds its own variables.
  Plugin("recorder", "tr '\\0' '\\n' < /proc/$$/environ > " + root_ + "/env.$CNI_COMMAND\n" +
                         "cat > " + root_ + "/stdin.$CNI_COMMAND\n" +
                         "[ \"$CNI_COMMAND\" = ADD ] && echo '{\"cniVersion\": \"1.0.0\", "
                         "\"ips\": [{\"address\": \"10.9.0.2/24\"}]}'\n"
                         "echo 'plugins may log here' >&2\nexit 0\n");
  ::setenv("CRIO_TEST_SECRET", "must-not-leak", 1);
  auto manager = NewCniManager(options_, *runner_);
  auto added = manager->Add(ctx_, Network(R"({"type": "recorder", "answer": 42})"), pod_);
  ::unsetenv("CRIO_TEST_SECRET");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->ips.primary, "10.9.0.2");

  EXPECT_EQ(ReadAll(root_ + "/env.ADD"),
            "PATH=/usr/bin:/bin\nCNI_COMMAND=ADD\nCNI_CONTAINERID=pod1\n"
            "CNI_NETNS=/proc/self/ns/net\nCNI_IFNAME=eth0\n"
            "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=name;"
            "K8S_POD_INFRA_CONTAINER_ID=pod1;K8S_POD_UID=uid\n"
            "CNI_PATH=" +
                root_ + "/bin\n");
  const json config = json::parse(ReadAll(root_ + "/stdin.ADD"));
  EXPECT_EQ(config["answer"], 42);
  EXPECT_EQ(config["name"], "test");

  ASSERT_TRUE(manager->Del(ctx_, nullptr, pod_).ok());
  EXPECT_EQ(json::parse(ReadAll(root_ + "/stdin.DEL"))["prevResult"]["ips"][0]["address"],
            "10.9.0.2/24");
}

TEST_F(CniPluginRunnerTest, AHungPluginIsKilledWithItsChildrenAfterTheTimeout) {
  Plugin("hang",
         "[ \"$CNI_COMMAND\" = DEL ] && exit 0\n"
         "sleep 1000 &\necho $! > " +
             root_ + "/child\nwait\n");
  options_.plugin_timeout = std::chrono::milliseconds(300);
  auto manager = NewCniManager(options_, *runner_);
  const auto start = std::chrono::steady_clock::now();
  auto added = manager->Add(ctx_, Network(R"({"type": "hang"})"), pod_);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(added.status().message().find("plugin hang ADD timed out after 300ms and was killed"),
            std::string::npos)
      << added.status();
  EXPECT_LT(took, std::chrono::seconds(5));

  const pid_t child = std::stoi(ReadAll(root_ + "/child"));
  // The grandchild got SIGKILL with the group; its new parent reaps it when it will.
  for (int i = 0; i < 200 && !Exited(child); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(Exited(child)) << "sleep " << child << " survived";
}

TEST_F(CniPluginRunnerTest, ACniErrorOnStdoutIsReported) {
  Plugin("broken",
         "[ \"$CNI_COMMAND\" = DEL ] && exit 0\n"
         "echo '{\"cniVersion\": \"1.0.0\", \"code\": 7, \"msg\": \"bad config\", "
         "\"details\": \"missing field bridge\"}'\n"
         "echo 'debug noise' >&2\nexit 1\n");
  auto manager = NewCniManager(options_, *runner_);
  auto added = manager->Add(ctx_, Network(R"({"type": "broken"})"), pod_);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(added.status().message(),
            "CNI network \"test\", pod ns/name (pod1): plugin broken ADD failed: bad config: "
            "missing field bridge (CNI error code 7)");
}

TEST_F(CniPluginRunnerTest, StderrIsTheErrorWhenStdoutSaysNothing) {
  Plugin("crash", "echo 'panic: runtime error' >&2\nexit 2\n");
  auto manager = NewCniManager(options_, *runner_);
  auto added = manager->Add(ctx_, Network(R"({"type": "crash"})"), pod_);
  ASSERT_FALSE(added.ok());
  EXPECT_NE(added.status().message().find("plugin crash ADD failed: panic: runtime error (exit "
                                          "status 2); DEL to undo it failed too: plugin crash "
                                          "DEL failed: panic: runtime error (exit status 2)"),
            std::string::npos)
      << added.status();
}

}  // namespace
}  // namespace crio::network
