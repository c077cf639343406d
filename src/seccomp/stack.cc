// Stacking of multi-layer seccomp artifacts; the merge rule is documented on Stack() in
// include/crio/seccomp/seccomp.h and in docs/seccomp.md.

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "crio/seccomp/seccomp.h"

namespace crio::seccomp {

absl::StatusOr<Profile> Stack(const std::vector<Profile>& layers) {
  if (layers.empty()) return absl::InvalidArgumentError("seccomp stack: no layers");
  Profile stacked = layers.front();
  for (std::size_t layer = 1; layer < layers.size(); ++layer) {
    const Profile& next = layers[layer];
    if (next.default_action != stacked.default_action) {
      return absl::InvalidArgumentError(
          absl::StrCat("seccomp stack: layer ", layer, ": defaultAction \"", next.default_action,
                       "\" differs from \"", stacked.default_action, "\" of layer 0"));
    }
    if (next.default_errno_ret.has_value() && next.default_errno_ret != stacked.default_errno_ret) {
      return absl::InvalidArgumentError(absl::StrCat("seccomp stack: layer ", layer,
                                                     ": defaultErrnoRet ", *next.default_errno_ret,
                                                     " differs from layer 0"));
    }
    std::set<std::string> replaced;
    for (const SyscallRule& rule : next.syscalls)
      replaced.insert(rule.names.begin(), rule.names.end());
    std::vector<SyscallRule> kept;
    kept.reserve(stacked.syscalls.size() + next.syscalls.size());
    for (SyscallRule& rule : stacked.syscalls) {
      std::erase_if(rule.names, [&](const std::string& name) { return replaced.contains(name); });
      if (!rule.names.empty()) kept.push_back(std::move(rule));
    }
    kept.insert(kept.end(), next.syscalls.begin(), next.syscalls.end());
    if (kept.size() > kMaxSyscallRules) {
      return absl::InvalidArgumentError(absl::StrCat("seccomp stack: layer ", layer, ": ",
                                                     kept.size(), " rules, more than ",
                                                     kMaxSyscallRules));
    }
    stacked.syscalls = std::move(kept);
  }
  return stacked;
}

}  // namespace crio::seccomp
