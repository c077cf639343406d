#include "output.h"

#include <gtest/gtest.h>

#include "client.h"
#include "crio/cri/api.h"

namespace crio::ctl {
namespace {

TEST(OutputFormatTest, Parses) {
  EXPECT_EQ(*ParseOutputFormat("", OutputFormat::kTable), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("json", OutputFormat::kTable), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("yaml", OutputFormat::kTable), OutputFormat::kYaml);
  EXPECT_FALSE(ParseOutputFormat("xml", OutputFormat::kTable).ok());
}

TEST(MessageToJsonTest, LowerCamelWithDefaults) {
  runtime::v1::VersionResponse response;
  response.set_runtime_name("crio");
  const auto json = MessageToJson(response);
  EXPECT_EQ(json["runtimeName"], "crio");
  ASSERT_TRUE(json.contains("runtimeApiVersion"));
  EXPECT_EQ(json["runtimeApiVersion"], "");
}

TEST(YamlTest, NestedObjectsAndLists) {
  const auto tree = nlohmann::ordered_json::parse(R"({
    "status": {"conditions": [{"type": "RuntimeReady", "status": true, "reason": ""},
                              {"type": "NetworkReady", "status": false, "reason": "x: y"}]},
    "empty": {}, "list": [], "n": 3, "version": "0.1.0", "path": "/run/crio"})");
  EXPECT_EQ(ToYaml(tree),
            "status:\n"
            "  conditions:\n"
            "  - type: RuntimeReady\n"
            "    status: true\n"
            "    reason: \"\"\n"
            "  - type: NetworkReady\n"
            "    status: false\n"
            "    reason: \"x: y\"\n"
            "empty: {}\n"
            "list: []\n"
            "n: 3\n"
            "version: \"0.1.0\"\n"
            "path: /run/crio\n");
}

TEST(YamlTest, ReservedWordsAreQuoted) {
  const auto tree = nlohmann::ordered_json::parse(R"({"a": "true", "b": "no", "c": "plain"})");
  EXPECT_EQ(ToYaml(tree), "a: \"true\"\nb: \"no\"\nc: plain\n");
}

TEST(EndpointTest, AcceptsUnixForms) {
  EXPECT_EQ(*EndpointToTarget("unix:///run/crio/crio.sock"), "unix:///run/crio/crio.sock");
  EXPECT_EQ(*EndpointToTarget("/run/crio/crio.sock"), "unix:///run/crio/crio.sock");
  EXPECT_FALSE(EndpointToTarget("tcp://127.0.0.1:1").ok());
  EXPECT_FALSE(EndpointToTarget("relative.sock").ok());
}

}  // namespace
}  // namespace crio::ctl
