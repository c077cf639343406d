#include "config_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fake_cri_server.h"

namespace crio::ctl {
namespace {

using ::crio::ctl::testing::TempDir;

std::string Write(const TempDir& dir, const std::string& name, const std::string& content) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << content;
  return path;
}

constexpr char kPodJson[] = R"({
  "metadata": {"name": "nginx-sandbox", "namespace": "default", "attempt": 1, "uid": "hdishd83djaidwnduwk28bcsb"},
  "log_directory": "/tmp",
  "linux": {"security_context": {"namespace_options": {"network": 2}}},
  "labels": {"app": "web"}
})";

TEST(ConfigFileTest, PodJsonWithSnakeCase) {
  TempDir dir;
  auto config = LoadPodSandboxConfig(Write(dir, "pod.json", kPodJson));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metadata().name(), "nginx-sandbox");
  EXPECT_EQ(config->metadata().namespace_(), "default");
  EXPECT_EQ(config->metadata().attempt(), 1u);
  EXPECT_EQ(config->metadata().uid(), "hdishd83djaidwnduwk28bcsb");
  EXPECT_EQ(config->log_directory(), "/tmp");
  EXPECT_EQ(config->linux().security_context().namespace_options().network(), runtime::v1::NODE);
  EXPECT_EQ(config->labels().at("app"), "web");
}

TEST(ConfigFileTest, JsonWithLowerCamelCase) {
  TempDir dir;
  auto config = LoadPodSandboxConfig(
      Write(dir, "pod.json",
            R"({"metadata": {"name": "p", "namespace": "ns"}, "logDirectory": "/var/log/pods/x",
          "linux": {"securityContext": {"namespaceOptions": {"network": "NODE"}}}})"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->log_directory(), "/var/log/pods/x");
  EXPECT_EQ(config->linux().security_context().namespace_options().network(), runtime::v1::NODE);
}

TEST(ConfigFileTest, ContainerYamlTypedAfterTheFields) {
  TempDir dir;
  auto config = LoadContainerConfig(Write(dir, "container.yaml", R"(
metadata:
  name: busybox
  attempt: 2
image:
  image: busybox:latest
command: [sleep, "3600"]
args:
  - 1
envs:
  - key: DEBUG
    value: true
labels:
  version: 1
  on: yes
log_path: busybox.log
stdin: yes
tty: false
linux:
  resources:
    memory_limit_in_bytes: 0x10000000
    cpu_shares: 512
  securityContext:
    run_as_user: {value: 1000}
unknown_field: {ignored: [1, 2]}
)"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metadata().name(), "busybox");
  EXPECT_EQ(config->metadata().attempt(), 2u);
  EXPECT_EQ(config->image().image(), "busybox:latest");
  ASSERT_EQ(config->command_size(), 2);
  EXPECT_EQ(config->command(1), "3600");
  ASSERT_EQ(config->args_size(), 1);
  EXPECT_EQ(config->args(0), "1");
  ASSERT_EQ(config->envs_size(), 1);
  EXPECT_EQ(config->envs(0).value(), "true");
  EXPECT_EQ(config->labels().at("version"), "1");
  EXPECT_EQ(config->labels().at("on"), "yes");
  EXPECT_EQ(config->log_path(), "busybox.log");
  EXPECT_TRUE(config->stdin());
  EXPECT_FALSE(config->tty());
  EXPECT_EQ(config->linux().resources().memory_limit_in_bytes(), 0x10000000);
  EXPECT_EQ(config->linux().resources().cpu_shares(), 512);
  EXPECT_EQ(config->linux().security_context().run_as_user().value(), 1000);
}

TEST(ConfigFileTest, YamlQuotedScalarsStayStrings) {
  TempDir dir;
  auto config = LoadPodSandboxConfig(
      Write(dir, "pod.yml", "metadata: {name: '007', namespace: \"true\", uid: u}\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metadata().name(), "007");
  EXPECT_EQ(config->metadata().namespace_(), "true");
}

TEST(ConfigFileTest, SyntaxByExtensionThenContent) {
  EXPECT_EQ(DetectConfigSyntax("/x/pod.json", "a: b"), ConfigSyntax::kJson);
  EXPECT_EQ(DetectConfigSyntax("/x/pod.YAML", "{}"), ConfigSyntax::kYaml);
  EXPECT_EQ(DetectConfigSyntax("/x/pod.yml", "{}"), ConfigSyntax::kYaml);
  EXPECT_EQ(DetectConfigSyntax("/x/pod.conf", "  \n {\"a\": 1}"), ConfigSyntax::kJson);
  EXPECT_EQ(DetectConfigSyntax("/x/pod", "metadata:\n  name: x"), ConfigSyntax::kYaml);

  TempDir dir;
  auto json = LoadPodSandboxConfig(Write(dir, "pod-no-ext", kPodJson));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->metadata().name(), "nginx-sandbox");
  auto yaml =
      LoadPodSandboxConfig(Write(dir, "pod2-no-ext", "metadata:\n  name: y\n  namespace: ns\n"));
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  EXPECT_EQ(yaml->metadata().name(), "y");
}

TEST(ConfigFileTest, MissingUidIsGenerated) {
  TempDir dir;
  auto config = LoadPodSandboxConfig(Write(dir, "pod.yaml", "metadata: {name: a, namespace: b}"));
  ASSERT_TRUE(config.ok()) << config.status();
  const std::string& uid = config->metadata().uid();
  ASSERT_EQ(uid.size(), 36u) << uid;
  for (std::size_t i = 0; i < uid.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(uid[i], '-') << uid;
    } else {
      EXPECT_NE(std::string("0123456789abcdef").find(uid[i]), std::string::npos) << uid;
    }
  }
  EXPECT_EQ(uid[14], '4') << uid;                                          // version 4
  EXPECT_NE(std::string("89ab").find(uid[19]), std::string::npos) << uid;  // RFC 4122 variant
  EXPECT_NE(NewUuid(), NewUuid());
}

TEST(ConfigFileTest, ErrorsNameTheFile) {
  TempDir dir;
  const std::string missing = dir.path() + "/nope.json";
  auto not_found = LoadPodSandboxConfig(missing);
  EXPECT_TRUE(absl::IsNotFound(not_found.status()));
  EXPECT_EQ(not_found.status().message(), "config at " + missing + " not found");

  const std::string bad_json = Write(dir, "bad.json", "{\"metadata\": {\"name\": \"x\",}");
  auto syntax = LoadPodSandboxConfig(bad_json);
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find(bad_json + ": invalid json"), std::string::npos)
      << syntax.status();
  EXPECT_NE(syntax.status().message().find("line 1"), std::string::npos) << syntax.status();

  const std::string bad_yaml = Write(dir, "bad.yaml", "metadata:\n  name: [x\n");
  auto yaml = LoadContainerConfig(bad_yaml);
  ASSERT_FALSE(yaml.ok());
  EXPECT_NE(yaml.status().message().find(bad_yaml + ": invalid yaml at line"), std::string::npos)
      << yaml.status();

  const std::string wrong_type = Write(dir, "type.json", R"({"metadata": {"name": 5}})");
  auto type = LoadContainerConfig(wrong_type);
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find(wrong_type + ": invalid ContainerConfig"),
            std::string::npos)
      << type.status();

  const std::string shape = Write(dir, "shape.yaml", "metadata:\n  - name\n");
  auto mapping = LoadContainerConfig(shape);
  ASSERT_FALSE(mapping.ok());
  EXPECT_EQ(mapping.status().message(),
            shape + ": field \"metadata\" (line 2): expected a mapping");

  const std::string no_metadata = Write(dir, "nometa.yaml", "image: {image: busybox}\n");
  EXPECT_EQ(LoadContainerConfig(no_metadata).status().message(),
            no_metadata + ": metadata is not set");
  const std::string no_name = Write(dir, "noname.yaml", "metadata: {attempt: 1}\n");
  EXPECT_EQ(LoadContainerConfig(no_name).status().message(), no_name + ": name is not in metadata");
  const std::string no_ns = Write(dir, "nons.yaml", "metadata: {name: a}\n");
  EXPECT_EQ(LoadPodSandboxConfig(no_ns).status().message(),
            no_ns + ": name or namespace is not in metadata");
}

TEST(ConfigFileTest, YamlToJsonKeepsUnknownKeysForTheParserToIgnore) {
  auto json = YamlToJson("metadata: {name: x}\nextra: [1, true, ~, text]\n",
                         *runtime::v1::ContainerConfig::descriptor());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"metadata":{"name":"x"},"extra":[1,true,null,"text"]})");
}

TEST(ConfigFileTest, SelfReferencingYamlAliasEnds) {
  auto json = YamlToJson("metadata: {name: x}\nextra: &loop [1, *loop]\n",
                         *runtime::v1::ContainerConfig::descriptor());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->rfind(R"({"metadata":{"name":"x"},"extra":[1,[1,[1,)", 0), 0u) << *json;
}

}  // namespace
}  // namespace crio::ctl
