#include "display.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "runtime_util.h"

namespace crio::ctl {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(HumanDurationTest, MatchesGoUnits) {
  EXPECT_EQ(HumanDuration(milliseconds(-5)), "Less than a second");
  EXPECT_EQ(HumanDuration(milliseconds(999)), "Less than a second");
  EXPECT_EQ(HumanDuration(seconds(1)), "1 second");
  EXPECT_EQ(HumanDuration(seconds(59)), "59 seconds");
  EXPECT_EQ(HumanDuration(seconds(60)), "About a minute");
  EXPECT_EQ(HumanDuration(seconds(119)), "About a minute");
  EXPECT_EQ(HumanDuration(seconds(125)), "2 minutes");
  EXPECT_EQ(HumanDuration(minutes(59)), "59 minutes");
  EXPECT_EQ(HumanDuration(minutes(60)), "About an hour");
  EXPECT_EQ(HumanDuration(minutes(89)), "About an hour");
  EXPECT_EQ(HumanDuration(minutes(90)), "2 hours");
  EXPECT_EQ(HumanDuration(hours(47)), "47 hours");
  EXPECT_EQ(HumanDuration(hours(48)), "2 days");
  EXPECT_EQ(HumanDuration(hours(24 * 13)), "13 days");
  EXPECT_EQ(HumanDuration(hours(24 * 14)), "2 weeks");
  EXPECT_EQ(HumanDuration(hours(24 * 59)), "8 weeks");
  EXPECT_EQ(HumanDuration(hours(24 * 60)), "2 months");
  EXPECT_EQ(HumanDuration(hours(24 * 729)), "24 months");
  EXPECT_EQ(HumanDuration(hours(24 * 365 * 3)), "3 years");
}

TEST(HumanDurationTest, CreatedAgo) {
  const auto now = std::chrono::system_clock::time_point(seconds(1'700'000'000));
  const std::int64_t created = (1'700'000'000LL - 125) * 1'000'000'000;
  EXPECT_EQ(CreatedAgo(created, now), "2 minutes ago");
}

TEST(TableTest, AlignsLikeGoTabwriter) {
  Table table;
  table.AddRow({"POD ID", "CREATED", "NAME"});
  table.AddRow({"0123456789abc", "About a minute ago", "nginx"});
  table.AddRow({"x", "a-creation-time-that-is-long", "y"});
  EXPECT_EQ(table.Render(),
            "POD ID              CREATED                        NAME\n"
            "0123456789abc       About a minute ago             nginx\n"
            "x                   a-creation-time-that-is-long   y\n");
  EXPECT_EQ(Table().Render(), "");
}

TEST(TableTest, CountsCharactersNotBytes) {
  Table table;
  table.AddRow({"\u00e9t\u00e9", "x"});
  table.AddRow({"abc", "y"});
  const std::string out = table.Render();
  EXPECT_EQ(out.substr(out.find('\n') + 1), std::string("abc") + std::string(17, ' ') + "y\n");
  EXPECT_EQ(out.substr(0, out.find('\n')),
            std::string("\u00e9t\u00e9") + std::string(17, ' ') + "x");
}

TEST(TruncateIdTest, Thirteen) {
  EXPECT_EQ(TruncateId("0123456789abcdef"), "0123456789abc");
  EXPECT_EQ(TruncateId("short"), "short");
  EXPECT_EQ(TruncateId("sha256:0123456789abcdef", "sha256:"), "0123456789abc");
}

TEST(TimeFormatTest, LocalZoneAndOffsets) {
  EXPECT_EQ(FormatUnixNanosWithOffset(1'475'713'029'669'794'202, 0),
            "2016-10-06T00:17:09.669794202Z");
  EXPECT_EQ(FormatUnixNanosWithOffset(-1, 0), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatUnixNanosWithOffset(0, 3600), "1970-01-01T01:00:00+01:00");
  const char* saved = getenv("TZ");
  const std::string old = saved != nullptr ? saved : "";
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(FormatUnixNanos(1'475'713'029'000'000'000), "2016-10-06T00:17:09Z");
  EXPECT_EQ(GoTimeString(1'475'713'029'500'000'000), "2016-10-06 00:17:09.5 +0000 UTC");
  if (saved != nullptr) {
    setenv("TZ", old.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

}  // namespace
}  // namespace crio::ctl
