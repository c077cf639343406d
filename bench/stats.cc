#include "stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace bench {
namespace {

// The smallest sample with at least `percent` % of all samples at or below it.
double NearestRank(const std::vector<double>& sorted, double percent) {
  const double rank = std::ceil(percent / 100.0 * static_cast<double>(sorted.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

Summary Summarize(std::vector<double> samples) {
  if (samples.empty()) throw std::invalid_argument("Summarize: no samples");
  std::sort(samples.begin(), samples.end());
  return {.min = samples.front(),
          .p50 = NearestRank(samples, 50),
          .p90 = NearestRank(samples, 90),
          .p99 = NearestRank(samples, 99),
          .max = samples.back()};
}

}  // namespace bench
