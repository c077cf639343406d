#pragma once

// Pieces shared by the config module's .cc files.

#include <string>

#include "absl/status/status.h"
#include "crio/config/config.h"

namespace crio::config::internal {

/// Validate(kPure). On failure `*failed_key` names the key at fault ("" when none
/// does), so that Load can say which file set it.
absl::Status ValidateValues(const Config& config, std::string* failed_key);

/// The largest config file we read; real ones are a few KiB.
inline constexpr std::size_t kMaxConfigFileBytes = 4 * 1024 * 1024;

}  // namespace crio::config::internal
