// Order statistics over measured samples.
#pragma once

#include <vector>

namespace bench {

struct Summary {
  double min = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
};

// Nearest-rank percentiles (each one is a measured sample, never an interpolation).
// `samples` must not be empty.
Summary Summarize(std::vector<double> samples);

}  // namespace bench
