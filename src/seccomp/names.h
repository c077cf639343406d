#pragma once

// The names libseccomp and the OCI runtime spec give actions, comparison operators,
// architectures and filter flags, and the architecture name mappings.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace crio::seccomp {

/// SCMP_ACT_KILL, SCMP_ACT_ALLOW, ... (the actions runc and crun accept).
bool IsKnownAction(absl::string_view action);

/// SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT,
/// SCMP_CMP_MASKED_EQ.
bool IsKnownOp(absl::string_view op);

/// SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW, _WAIT_KILLABLE_RECV.
bool IsKnownFlag(absl::string_view flag);

/// The libseccomp token of "SCMP_ARCH_X86_64" (asked of seccomp_arch_resolve_name with
/// "x86_64"), or nullopt when libseccomp does not know it.
std::optional<std::uint32_t> ScmpArchToken(absl::string_view scmp_arch);

/// True when libseccomp knows the SCMP_ARCH_* name.
inline bool IsKnownScmpArch(absl::string_view scmp_arch) {
  return ScmpArchToken(scmp_arch).has_value();
}

/// The SCMP_ARCH_* name of an architecture as includes/excludes write it: Go names
/// ("amd64", "386", "arm64", "mips64le"), the docker profile's extra names ("x86",
/// "x32"), libseccomp names ("x86_64", "aarch64") or SCMP_ARCH_* itself.
std::optional<std::string> ScmpArchFromAnyName(absl::string_view name);

}  // namespace crio::seccomp
