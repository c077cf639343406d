#include "crio/selinux/mcs.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace crio::selinux {
namespace {

// "s0:cX,cY" with 0 <= X < Y <= 1023.
void ExpectWellFormed(const std::string& level) {
  absl::string_view rest = level;
  ASSERT_TRUE(absl::ConsumePrefix(&rest, "s0:c")) << level;
  std::vector<absl::string_view> parts = absl::StrSplit(rest, ",c");
  ASSERT_EQ(parts.size(), 2u) << level;
  int low = -1;
  int high = -1;
  ASSERT_TRUE(absl::SimpleAtoi(parts[0], &low) && absl::SimpleAtoi(parts[1], &high)) << level;
  EXPECT_GE(low, 0);
  EXPECT_LT(low, high);
  EXPECT_LE(high, McsAllocator::kMaxCategory);
}

TEST(McsAllocatorTest, ManyAllocationsAreUniqueAndWellFormed) {
  McsAllocator mcs(42);
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    absl::StatusOr<std::string> level = mcs.Allocate();
    ASSERT_TRUE(level.ok()) << level.status();
    ExpectWellFormed(*level);
    EXPECT_TRUE(seen.insert(*level).second) << "repeated " << *level;
  }
  EXPECT_EQ(mcs.ReservedCount(), 20000u);
}

TEST(McsAllocatorTest, UniqueAcrossThreads) {
  McsAllocator mcs;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::vector<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&mcs, &results, t] {
      for (int i = 0; i < kPerThread; ++i) results[t].push_back(mcs.Allocate().value());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& levels : results) all.insert(levels.begin(), levels.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(McsAllocatorTest, ReservedLevelIsNeverHandedOut) {
  // Same seed twice: the second allocator would draw the same first level, unless it is
  // reserved.
  McsAllocator probe(9);
  const std::string first = probe.Allocate().value();
  McsAllocator mcs(9);
  ASSERT_TRUE(mcs.Reserve(first).ok());
  for (int i = 0; i < 1000; ++i) EXPECT_NE(mcs.Allocate().value(), first);
}

TEST(McsAllocatorTest, ReleaseMakesTheLevelAvailable) {
  McsAllocator mcs(3);
  const std::string level = mcs.Allocate().value();
  EXPECT_TRUE(mcs.IsReserved(level));
  mcs.Release(level);
  EXPECT_FALSE(mcs.IsReserved(level));
  EXPECT_EQ(mcs.ReservedCount(), 0u);
  mcs.Release("s0:c1,c2");  // unknown: ignored
}

TEST(McsAllocatorTest, SharedLevelNeedsEveryRelease) {
  McsAllocator mcs(3);
  ASSERT_TRUE(mcs.Reserve("s0:c3").ok());
  ASSERT_TRUE(mcs.Reserve("s0:c3").ok());
  mcs.Release("s0:c3");
  EXPECT_TRUE(mcs.IsReserved("s0:c3"));
  mcs.Release("s0:c3");
  EXPECT_FALSE(mcs.IsReserved("s0:c3"));
}

TEST(McsAllocatorTest, RefusesBadLevels) {
  McsAllocator mcs(3);
  for (absl::string_view level : {"", "s0 :c1", "s0\n", "s0\t"}) {
    EXPECT_EQ(mcs.Reserve(level).code(), absl::StatusCode::kInvalidArgument) << level;
  }
}

TEST(McsAllocatorTest, ExhaustionIsAnError) {
  McsAllocator mcs(5);
  // Reserve every pair but one through the public API, then the last one is found by
  // the fallback scan, and after it nothing is left.
  for (int low = 0; low < McsAllocator::kMaxCategory; ++low) {
    for (int high = low + 1; high <= McsAllocator::kMaxCategory; ++high) {
      if (low == 500 && high == 501) continue;
      ASSERT_TRUE(mcs.Reserve(McsLevel(low, high)).ok());
    }
  }
  EXPECT_EQ(mcs.Allocate().value(), "s0:c500,c501");
  EXPECT_EQ(mcs.Allocate().status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace crio::selinux
