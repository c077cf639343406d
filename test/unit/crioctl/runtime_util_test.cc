#include "runtime_util.h"

#include <gtest/gtest.h>

namespace crio::ctl {
namespace {

const std::vector<std::string> kIds = {"abc123", "abd456", "ffff00", "abc123ffff"};

TEST(MatchIdPrefixTest, ExactThenUniquePrefix) {
  EXPECT_EQ(*MatchIdPrefix("abc123", kIds, "container"), "abc123");  // exact beats prefix
  EXPECT_EQ(*MatchIdPrefix("abd", kIds, "container"), "abd456");
  EXPECT_EQ(*MatchIdPrefix("f", kIds, "container"), "ffff00");
  EXPECT_EQ(*MatchIdPrefix("abc123f", kIds, "container"), "abc123ffff");
}

TEST(MatchIdPrefixTest, AmbiguousMissingAndEmpty) {
  const auto ambiguous = MatchIdPrefix("ab", kIds, "container");
  EXPECT_TRUE(absl::IsInvalidArgument(ambiguous.status()));
  EXPECT_EQ(ambiguous.status().message(),
            "container id prefix \"ab\" is ambiguous: it matches 3 containers (abc123, "
            "abc123ffff, abd456)");

  const auto missing = MatchIdPrefix("zz", kIds, "pod sandbox");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_EQ(missing.status().message(), "no pod sandbox with id or id prefix \"zz\"");

  EXPECT_EQ(MatchIdPrefix("", kIds, "container").status().message(), "ID cannot be empty");
  EXPECT_TRUE(absl::IsNotFound(MatchIdPrefix("a", {}, "container").status()));
}

TEST(ParseLabelsTest, KeyEqualsValue) {
  auto labels = ParseLabels({"app=web", "tier="});
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->at("app"), "web");
  EXPECT_EQ(labels->at("tier"), "");
  EXPECT_EQ(ParseLabels({"app"}).status().message(), "incorrectly specified label: app");
  EXPECT_FALSE(ParseLabels({"a=b=c"}).ok());
}

TEST(AggregateTest, OneOrMany) {
  EXPECT_TRUE(Aggregate({}).ok());
  EXPECT_EQ(Aggregate({absl::NotFoundError("a")}).message(), "a");
  EXPECT_EQ(Aggregate({absl::NotFoundError("a"), absl::InternalError("b")}).message(), "[a, b]");
}

TEST(FilterTest, RegexSearchAndKeepCount) {
  auto filter = NameFilter::Compile("^ng", "--name");
  ASSERT_TRUE(filter.ok());
  EXPECT_TRUE(filter->Matches("nginx"));
  EXPECT_FALSE(filter->Matches("angular"));
  EXPECT_TRUE(NameFilter().Matches("anything"));
  EXPECT_TRUE(NameFilter::Compile("", "--name")->Matches("anything"));
  auto unanchored = NameFilter::Compile("gin", "--name");
  EXPECT_TRUE(unanchored->Matches("nginx"));
  // Go's regexp syntax (RE2), e.g. \d.
  EXPECT_TRUE(NameFilter::Compile(R"(^web-\d+$)", "--name")->Matches("web-12"));
  EXPECT_FALSE(NameFilter::Compile(R"(^web-\d+$)", "--name")->Matches("web-x"));
  const auto invalid = NameFilter::Compile("(", "--name");
  EXPECT_TRUE(absl::IsInvalidArgument(invalid.status()));
  EXPECT_EQ(invalid.status().message().rfind("--name \"(\" is not a valid regular expression: ", 0),
            0u)
      << invalid.status();

  EXPECT_EQ(KeepCount(5, false, 0), 5u);
  EXPECT_EQ(KeepCount(5, true, 0), 1u);
  EXPECT_EQ(KeepCount(5, false, 3), 3u);
  EXPECT_EQ(KeepCount(2, false, 3), 2u);
  EXPECT_EQ(KeepCount(0, true, 0), 0u);
}

TEST(InspectTest, StatusJsonAndInfo) {
  runtime::v1::ContainerStatus status;
  status.set_id("abc");
  status.set_exit_code(0);
  const nlohmann::json json = StatusJson(status);
  EXPECT_EQ(json["id"], "abc");
  EXPECT_EQ(json["exitCode"], 0);
  ASSERT_TRUE(json.contains("resources"));
  EXPECT_TRUE(json["resources"].is_null());
  EXPECT_TRUE(json["labels"].is_object());

  google::protobuf::Map<std::string, std::string> info;
  info["info"] = R"({"pid": 42, "runtimeSpec": {"ociVersion": "1.0.2"}})";
  info["plain"] = "\"quoted\"";
  info["broken"] = "{not json";
  const nlohmann::json entry = InspectEntry(json, info);
  EXPECT_EQ(entry["info"]["pid"], 42);
  EXPECT_EQ(entry["info"]["runtimeSpec"]["ociVersion"], "1.0.2");
  EXPECT_EQ(entry["plain"], "quoted");
  EXPECT_EQ(entry["broken"], "{not json");
  EXPECT_EQ(entry["status"]["id"], "abc");
  // Keys come out sorted, as Go's encoder writes maps.
  EXPECT_EQ(entry.begin().key(), "broken");

  EXPECT_EQ(RenderInspect({}, false), "");
  EXPECT_EQ(RenderInspect({nlohmann::json{{"a", 1}}}, false), "{\n  \"a\": 1\n}\n");
  EXPECT_EQ(RenderInspect({nlohmann::json{{"a", 1}}, nlohmann::json{{"a", 2}}}, true),
            "- a: 1\n- a: 2\n");
}

TEST(GoFormatTest, MapAndKeyValues) {
  google::protobuf::Map<std::string, std::string> map;
  EXPECT_EQ(GoMapString(map), "map[]");
  EXPECT_EQ(KeyValueLines("Labels", map), "");
  map["b"] = "2";
  map["a"] = "1";
  EXPECT_EQ(GoMapString(map), "map[a:1 b:2]");
  EXPECT_EQ(KeyValueLines("Labels", map), "Labels:\n\ta -> 1\n\tb -> 2\n");
}

TEST(StateNamesTest, AsCrictl) {
  EXPECT_EQ(ContainerStateName(runtime::v1::CONTAINER_CREATED), "Created");
  EXPECT_EQ(ContainerStateName(runtime::v1::CONTAINER_RUNNING), "Running");
  EXPECT_EQ(ContainerStateName(runtime::v1::CONTAINER_EXITED), "Exited");
  EXPECT_EQ(ContainerStateName(runtime::v1::CONTAINER_UNKNOWN), "Unknown");
  EXPECT_EQ(PodStateName(runtime::v1::SANDBOX_READY), "Ready");
  EXPECT_EQ(PodStateName(runtime::v1::SANDBOX_NOTREADY), "NotReady");
}

}  // namespace
}  // namespace crio::ctl
