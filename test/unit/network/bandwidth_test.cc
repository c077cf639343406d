// Kubernetes quantities and the bandwidth annotations.

#include "crio/network/bandwidth.h"

#include <gtest/gtest.h>

namespace crio::network {
namespace {

TEST(BandwidthTest, ParsesKubernetesQuantities) {
  const std::vector<std::pair<std::string, std::uint64_t>> cases = {
      {"0", 0},
      {"1000", 1000},
      {"+7", 7},
      {"10M", 10'000'000},
      {"500k", 500'000},
      {"1.5k", 1500},
      {"1Gi", 1ULL << 30},
      {"0.5Ki", 512},
      {"2e6", 2'000'000},
      {"2E+3", 2000},
      {"1P", 1'000'000'000'000'000},
      {"1500m", 2},  // rounded up
      {"1.25", 2},
      {"1n", 1},
  };
  for (const auto& [text, want] : cases) {
    auto got = ParseQuantity(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status();
    EXPECT_EQ(*got, want) << text;
  }
  for (const std::string bad : {"", "M", "-1M", "10Mb", "1..2", "1ki", "1e", "1e99", "10E", "8Ei",
                                "99999999999999999999"}) {
    EXPECT_EQ(ParseQuantity(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(BandwidthTest, AnnotationsGiveRatesWithCrioBurst) {
  auto none = BandwidthFromAnnotations({{"other", "1"}});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto limits = BandwidthFromAnnotations(
      {{"kubernetes.io/ingress-bandwidth", "10M"}, {"kubernetes.io/egress-bandwidth", "1Mi"}});
  ASSERT_TRUE(limits.ok()) << limits.status();
  ASSERT_TRUE(limits->has_value());
  EXPECT_EQ((*limits)->ingress_rate, 10'000'000u);
  EXPECT_EQ((*limits)->ingress_burst, 34'359'738'359u);
  EXPECT_EQ((*limits)->egress_rate, 1u << 20);
  EXPECT_EQ((*limits)->egress_burst, 34'359'738'359u);

  auto ingress_only = BandwidthFromAnnotations({{"kubernetes.io/ingress-bandwidth", "1k"}});
  ASSERT_TRUE(ingress_only.ok());
  EXPECT_EQ((*ingress_only)->egress_rate, 0u);
  EXPECT_EQ((*ingress_only)->egress_burst, 0u);

  auto bad = BandwidthFromAnnotations({{"kubernetes.io/egress-bandwidth", "fast"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("annotation kubernetes.io/egress-bandwidth"),
            std::string::npos);
}

}  // namespace
}  // namespace crio::network
