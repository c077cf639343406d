#include "crio/streaming/request_cache.h"

#include <gtest/gtest.h>

#include <set>

namespace crio::streaming {
namespace {

using std::chrono::steady_clock;

class FakeClock {
 public:
  steady_clock::time_point Now() const { return now_; }
  void Advance(std::chrono::milliseconds by) { now_ += by; }

 private:
  steady_clock::time_point now_ = steady_clock::time_point() + std::chrono::hours(1);
};

ExecSpec Exec(const std::string& id) {
  ExecSpec spec;
  spec.container_id = id;
  spec.cmd = {"sh"};
  spec.stdout = true;
  return spec;
}

TEST(RequestCacheTest, ATokenIsUsableOnceAndNamesItsRequest) {
  RequestCache cache;
  const auto token = cache.Insert(Exec("c1"));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->size(), 43u);
  const auto first = cache.Consume(*token);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(std::get<ExecSpec>(*first).container_id, "c1");
  EXPECT_FALSE(cache.Consume(*token).has_value()) << "a used token must be refused";
}

TEST(RequestCacheTest, TokensAreUrlSafeAndDistinct) {
  RequestCache cache;
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto token = cache.Insert(Exec("c"));
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << *token;
    EXPECT_TRUE(seen.insert(*token).second);
  }
}

TEST(RequestCacheTest, AnExpiredTokenIsRefused) {
  FakeClock clock;
  RequestCache cache(std::chrono::seconds(60), 10, [&] { return clock.Now(); });
  const auto token = cache.Insert(Exec("c1"));
  ASSERT_TRUE(token.ok());
  clock.Advance(std::chrono::seconds(59));
  const auto kept = cache.Insert(Exec("c2"));
  ASSERT_TRUE(kept.ok());
  clock.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(cache.Consume(*token).has_value()) << "60 s old: expired";
  EXPECT_TRUE(cache.Consume(*kept).has_value());
}

TEST(RequestCacheTest, TooManyPendingRequestsAreRefusedUntilSomeExpire) {
  FakeClock clock;
  RequestCache cache(std::chrono::seconds(60), 3, [&] { return clock.Now(); });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache.Insert(Exec("c")).ok());
  const auto refused = cache.Insert(Exec("c"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  clock.Advance(std::chrono::seconds(61));
  EXPECT_TRUE(cache.Insert(Exec("c")).ok());
  EXPECT_EQ(cache.Pending(), 1u);
}

TEST(RequestCacheTest, UnknownTokensFindNothing) {
  RequestCache cache;
  EXPECT_FALSE(cache.Consume("").has_value());
  EXPECT_FALSE(cache.Consume("nope").has_value());
}

TEST(RequestCacheTest, PathKindNamesTheUrlSegment) {
  EXPECT_STREQ(PathKind(StreamRequest(ExecSpec{})), "exec");
  EXPECT_STREQ(PathKind(StreamRequest(AttachSpec{})), "attach");
  EXPECT_STREQ(PathKind(StreamRequest(PortForwardSpec{})), "portforward");
}

}  // namespace
}  // namespace crio::streaming
