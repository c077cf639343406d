#include <gtest/gtest.h>

#include <set>

#include "crio/common/log.h"

namespace crio::log {
namespace {

TEST(ParseLevelTest, AcceptsCrioLevelNames) {
  EXPECT_EQ(*ParseLevel("trace"), spdlog::level::trace);
  EXPECT_EQ(*ParseLevel("debug"), spdlog::level::debug);
  EXPECT_EQ(*ParseLevel("info"), spdlog::level::info);
  EXPECT_EQ(*ParseLevel("warn"), spdlog::level::warn);
  EXPECT_EQ(*ParseLevel("warning"), spdlog::level::warn);
  EXPECT_EQ(*ParseLevel("error"), spdlog::level::err);
  EXPECT_EQ(*ParseLevel("fatal"), spdlog::level::critical);
  EXPECT_EQ(*ParseLevel("panic"), spdlog::level::critical);
  EXPECT_EQ(*ParseLevel("DEBUG"), spdlog::level::debug);
}

TEST(ParseLevelTest, RejectsUnknownLevelNamingIt) {
  auto level = ParseLevel("loud");
  ASSERT_FALSE(level.ok());
  EXPECT_EQ(level.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(level.status().message().find("\"loud\""), std::string_view::npos);
}

TEST(LevelNameTest, RoundTrips) {
  for (const char* name : {"trace", "debug", "info", "warn", "error", "fatal"}) {
    EXPECT_EQ(LevelName(*ParseLevel(name)), name);
  }
}

TEST(RequestIdTest, SixteenHexDigitsAndDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace crio::log
