#pragma once

#include <chrono>
#include <cstdint>

namespace crio {

/// Wall-clock time as unix nanoseconds: what records and the CRI's timestamps hold.
inline std::int64_t UnixNanosNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace crio
