// conf/crio.conf and docs/crio.conf.5.md are generated from the descriptor tables and
// checked in; these tests fail when they drift. CRIO_REGENERATE_GOLDEN=1 rewrites them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "crio/config/config.h"
#include "test_util.h"

namespace crio::config {
namespace {

using ::crio::config::testing::ReadFile;
using ::crio::config::testing::SourcePath;
using ::crio::config::testing::WriteFile;
using ::testing::IsEmpty;

bool Regenerate() {
  const char* env = std::getenv("CRIO_REGENERATE_GOLDEN");
  return env != nullptr && std::string(env) == "1";
}

void CheckGolden(const std::string& relative, const std::string& want) {
  const std::string path = SourcePath(relative);
  if (Regenerate()) {
    WriteFile(path, want);
    return;
  }
  EXPECT_EQ(ReadFile(path), want)
      << relative << " is out of date. Regenerate it with:\n"
      << "  CRIO_REGENERATE_GOLDEN=1 ./config_test --gtest_filter='GoldenTest.*'\n"
      << "(from the build directory of test/unit/config) and review the diff.";
}

TEST(GoldenTest, ShippedCrioConfIsToTomlOfDefaults) {
  CheckGolden("conf/crio.conf", ToToml(Config::Defaults()));
}

TEST(GoldenTest, ManPageIsGeneratedFromTheDescriptors) {
  CheckGolden("docs/crio.conf.5.md", ManPageMarkdown());
}

TEST(GoldenTest, ShippedCrioConfLoadsBackToDefaultsWithoutWarnings) {
  absl::StatusOr<LoadResult> r =
      Load({SourcePath("conf/crio.conf"), SourcePath("conf/no-such-dir.d")}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config, Config::Defaults());
  EXPECT_THAT(r->warnings, IsEmpty());
}

}  // namespace
}  // namespace crio::config
