// crioctl's pod and container commands against the real daemon, with configs written
// as JSON and YAML files, as an operator would drive it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "lifecycle_fixture.h"

namespace crio::e2e {
namespace {

using namespace std::chrono_literals;

// The memory cgroup (v1) limit of process `pid`, or -1.
std::int64_t MemoryLimitOf(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // "<id>:memory:/path"
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (line.substr(first + 1, second - first - 1) != "memory") continue;
    const std::string limit =
        Slurp("/sys/fs/cgroup/memory" + line.substr(second + 1) + "/memory.limit_in_bytes");
    return limit.empty() ? -1 : std::stoll(limit);
  }
  return -1;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST_F(LifecycleTest, CrioctlDrivesAPodAndItsContainers) {
  const std::string endpoint = "unix://" + dirs_.socket();
  auto crioctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {CRIOCTL_BIN, "-r", endpoint});
    return RunCommand(args, {}, 60s);
  };
  const std::string logs = dirs_.root() + "/logs/cli";
  // The pod as YAML, one container as JSON and one as YAML.
  dirs_.Write("pod.yaml",
              "metadata: {name: cli, namespace: default, uid: cli-uid, attempt: 1}\n"
              "hostname: cli\n"
              "log_directory: " +
                  logs +
                  "\n"
                  "labels: {app: cli}\n"
                  "linux:\n  cgroup_parent: /crio-e2e\n");
  dirs_.Write(
      "talker.json",
      nlohmann::json{{"metadata", {{"name", "talker"}}},
                     {"image", {{"image", fixture_->Image("busybox")}}},
                     {"command", {"sh", "-c", "echo one; echo two; echo three; exec sleep 1000"}},
                     {"labels", {{"tier", "front"}}},
                     {"log_path", "talker.log"}}
          .dump());
  dirs_.Write("quick.yaml",
              "metadata:\n  name: quick\n"
              "image:\n  image: " +
                  fixture_->Image("busybox") +
                  "\n"
                  "command: [sh, -c, 'echo done; exit 2']\n"
                  "labels:\n  tier: back\n"
                  "log_path: quick.log\n");
  const std::string pod_yaml = dirs_.root() + "/pod.yaml";

  CommandOutput out = crioctl({"runp", pod_yaml});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  const std::string pod = Lines(out.out).at(0);
  EXPECT_EQ(pod.size(), 64u) << out.out;

  out = crioctl({"create", pod, dirs_.root() + "/talker.json", pod_yaml});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(out.err.find("Pulling"), std::string::npos) << "the image is already pulled";
  const std::string talker = Lines(out.out).at(0);
  out = crioctl({"create", pod, dirs_.root() + "/quick.yaml", pod_yaml});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  const std::string quick = Lines(out.out).at(0);

  // Created containers show only with -a or --state.
  out = crioctl({"ps", "-q"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "");
  out = crioctl({"ps", "-a", "-q"});
  EXPECT_EQ(Lines(out.out).size(), 2u) << out.out;
  out = crioctl({"ps", "-q", "--state", "created"});
  EXPECT_EQ(Lines(out.out).size(), 2u) << out.out;

  out = crioctl({"start", talker.substr(0, 12), quick});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  WaitExited(quick);

  out = crioctl({"ps"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  ASSERT_EQ(Lines(out.out).size(), 2u) << out.out;
  EXPECT_EQ(Lines(out.out)[0].rfind("CONTAINER ", 0), 0u) << out.out;
  EXPECT_NE(Lines(out.out)[1].find("Running"), std::string::npos) << out.out;
  EXPECT_NE(Lines(out.out)[1].find("talker"), std::string::npos) << out.out;
  EXPECT_EQ(Lines(out.out)[1].rfind(talker.substr(0, 13), 0), 0u) << out.out;
  out = crioctl({"ps", "-q", "--state", "exited"});
  EXPECT_EQ(out.out, quick + "\n");
  out = crioctl({"ps", "-a", "-q", "--label", "tier=back"});
  EXPECT_EQ(out.out, quick + "\n");
  out = crioctl({"ps", "-a", "-q", "--pod", pod.substr(0, 8)});
  EXPECT_EQ(Lines(out.out).size(), 2u) << out.out;
  out = crioctl({"ps", "-a", "-q", "--pod", "ffffffffffff"});
  // As crictl: an unknown pod id filters everything out; it is not an error.
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "") << "an unknown pod id";

  out = crioctl({"pods"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  ASSERT_EQ(Lines(out.out).size(), 2u) << out.out;
  EXPECT_NE(Lines(out.out)[1].find("Ready"), std::string::npos) << out.out;
  EXPECT_NE(Lines(out.out)[1].find("cli"), std::string::npos) << out.out;
  out = crioctl({"pods", "-q"});
  EXPECT_EQ(out.out, pod + "\n");

  out = crioctl({"inspect", talker});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  nlohmann::json inspected = nlohmann::json::parse(out.out);
  EXPECT_EQ(inspected["status"]["id"], talker);
  EXPECT_EQ(inspected["status"]["state"], "CONTAINER_RUNNING");
  EXPECT_EQ(inspected["info"]["runtimeSpec"]["process"]["args"][0], "sh");
  const int pid = inspected["info"].value("pid", 0);
  EXPECT_GT(pid, 0);
  out = crioctl({"inspect", quick});
  inspected = nlohmann::json::parse(out.out);
  EXPECT_EQ(inspected["status"]["exitCode"], 2);
  out = crioctl({"inspectp", pod});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const nlohmann::json pod_json = nlohmann::json::parse(out.out);
  EXPECT_EQ(pod_json["status"]["state"], "SANDBOX_READY");
  EXPECT_EQ(pod_json["status"]["metadata"]["name"], "cli");
  EXPECT_TRUE(pod_json.contains("info")) << out.out;

  out = crioctl({"logs", talker});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "one\ntwo\nthree\n");
  out = crioctl({"logs", "--tail", "1", talker});
  EXPECT_EQ(out.out, "three\n");
  out = crioctl({"logs", quick});
  EXPECT_EQ(out.out, "done\n");

  out = crioctl({"exec", talker, "sh", "-c", "echo out; echo err >&2; exit 5"});
  EXPECT_EQ(out.exit_code, 5);
  EXPECT_EQ(out.out, "out\n");
  EXPECT_EQ(out.err, "err\n");
  out = crioctl({"exec", talker, "hostname"});
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.out, "cli\n");

  out = crioctl({"update", "--memory", "67108864", talker});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(MemoryLimitOf(pid), 64 * 1024 * 1024);

  out = crioctl({"rm", talker});
  EXPECT_NE(out.exit_code, 0) << "removing a running container needs -f";
  out = crioctl({"stop", "-t", "5", talker});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(out.out, talker + "\n");
  out = crioctl({"ps", "-q"});
  EXPECT_EQ(out.out, "");
  out = crioctl({"rm", talker, quick});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_FALSE(std::filesystem::exists(logs + "/talker.log")) << "rm deletes the log";
  out = crioctl({"ps", "-a", "-q"});
  EXPECT_EQ(out.out, "");

  out = crioctl({"rmp", pod});
  EXPECT_NE(out.exit_code, 0) << "removing a ready pod needs stopp first";
  out = crioctl({"stopp", pod});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(out.out, "Stopped sandbox " + pod + "\n");
  out = crioctl({"pods", "--state", "notready", "-q"});
  EXPECT_EQ(out.out, pod + "\n");
  out = crioctl({"rmp", pod});
  ASSERT_EQ(out.exit_code, 0) << out.err << daemon_->Log();
  EXPECT_EQ(out.out, "Removed sandbox " + pod + "\n");
  out = crioctl({"pods", "-q"});
  EXPECT_EQ(out.out, "");
  ExpectNothingLeft();
}

}  // namespace
}  // namespace crio::e2e
