#pragma once

// Seccomp profiles in the containers/docker JSON format (what CRI-O reads from disk or
// from an OCI artifact), the built-in RuntimeDefault profile, the conversion to the OCI
// runtime-spec `linux.seccomp` object for one container, and the stacking of the layers
// of a multi-layer seccomp artifact. Everything here is pure: values in, values out.
// libseccomp is only asked about names (syscalls, architectures) and, in
// CheckWithLibseccomp, to build a filter in memory that is never loaded.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio::seccomp {

/// Profiles larger than this are refused before parsing (the default profile is ~20 KiB).
inline constexpr std::size_t kMaxProfileBytes = 1u << 20;
/// Profiles with more syscall rules than this are refused (the default has ~50).
inline constexpr std::size_t kMaxSyscallRules = 4096;
/// JSON nesting deeper than this is refused (a valid profile nests 5 deep).
inline constexpr int kMaxJsonDepth = 32;

/// A kernel version as far as seccomp profiles compare it: "major.minor".
struct KernelVersion {
  int major = 0;
  int minor = 0;

  auto operator<=>(const KernelVersion&) const = default;
};

/// Parses a `minKernel` value: exactly "<major>.<minor>" ("4.8", "5.10").
/// @return InvalidArgument when the text is not of that form
absl::StatusOr<KernelVersion> ParseMinKernel(absl::string_view text);

/// Parses a `uname -r` release ("6.1.0-18-amd64", "5.15.0", "4.8"): the leading
/// "<major>.<minor>", the rest ignored.
/// @return InvalidArgument when it does not start with "<major>.<minor>"
absl::StatusOr<KernelVersion> ParseKernelRelease(absl::string_view release);

/// The `includes`/`excludes` condition of a rule.
struct Filter {
  std::vector<std::string> caps;    ///< "CAP_SYS_ADMIN", ...
  std::vector<std::string> arches;  ///< "amd64", "x86", "x32", "s390x", "SCMP_ARCH_ARM", ...
  std::optional<KernelVersion> min_kernel;  ///< "minKernel"

  bool empty() const { return caps.empty() && arches.empty() && !min_kernel.has_value(); }
  bool operator==(const Filter&) const = default;
};

/// One comparison on a syscall argument.
struct Arg {
  std::uint32_t index = 0;      ///< 0..5
  std::uint64_t value = 0;      ///< compared with the argument
  std::uint64_t value_two = 0;  ///< "valueTwo": the expected value for SCMP_CMP_MASKED_EQ
  std::string op;               ///< "SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ", ...

  bool operator==(const Arg&) const = default;
};

/// One entry of `syscalls`.
struct SyscallRule {
  std::vector<std::string> names;          ///< "names", or the old single "name"
  std::string action;                      ///< "SCMP_ACT_ALLOW", ...
  std::optional<std::uint32_t> errno_ret;  ///< "errnoRet"
  std::vector<Arg> args;                   ///< all must match (AND), as in runc
  Filter includes;                         ///< the rule applies only when all of these hold
  Filter excludes;                         ///< the rule does not apply when any of these holds
  std::string comment;

  bool operator==(const SyscallRule&) const = default;
};

/// One entry of `archMap`: a native architecture and those it can also run.
struct ArchMapEntry {
  std::string architecture;                    ///< "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_architectures;  ///< "SCMP_ARCH_X86", "SCMP_ARCH_X32"

  bool operator==(const ArchMapEntry&) const = default;
};

/// A parsed, validated profile (actions, ops, architectures and flags are known to
/// libseccomp; syscall names are not checked here, see ToOciSeccomp).
struct Profile {
  std::string default_action;                      ///< "defaultAction"
  std::optional<std::uint32_t> default_errno_ret;  ///< "defaultErrnoRet"
  std::string default_errno;                       ///< "defaultErrno" ("ENOSYS"): kept, unused
  std::vector<std::string> architectures;          ///< the old flat list; exclusive with arch_map
  std::vector<ArchMapEntry> arch_map;              ///< "archMap"
  std::vector<SyscallRule> syscalls;
  std::vector<std::string> flags;  ///< "SECCOMP_FILTER_FLAG_LOG", ...
  std::string listener_path;       ///< "listenerPath" (SCMP_ACT_NOTIFY agent socket)
  std::string listener_metadata;   ///< "listenerMetadata"

  bool operator==(const Profile&) const = default;
};

/// Parses a containers/docker seccomp profile.
/// @param json_text the profile (at most kMaxProfileBytes, kMaxSyscallRules rules)
/// @param source where it came from ("quay.io/x:v1", a path, "RuntimeDefault"), for errors
/// @return InvalidArgument `seccomp profile "<source>": <field>: <reason>` for malformed
///         JSON, a wrong type, an unknown action, op, architecture or flag, an arg index
///         over 5, both `name` and `names`, both `architectures` and `archMap`
absl::StatusOr<Profile> ParseProfile(absl::string_view json_text, absl::string_view source);

/// The built-in RuntimeDefault profile (JSON): an allow list with defaultAction
/// SCMP_ACT_ERRNO / defaultErrnoRet 38 (ENOSYS, so that new syscalls look unimplemented
/// and libc falls back), capability-gated rules, and EPERM for calls that must fail
/// loudly (keyctl, add_key, request_key, kexec_load, ... and the cap-gated ones when the
/// capability is missing). See docs/seccomp.md.
absl::string_view DefaultProfileJson();

/// What a profile is converted for.
struct Target {
  /// The container's capabilities ("CAP_SYS_ADMIN"): its bounding/effective set.
  std::vector<std::string> capabilities;
  /// Go-style architecture of the node: "amd64", "arm64", "386", "s390x", ...
  std::string arch;
  /// The node's kernel; when unknown, minKernel conditions keep their rule.
  std::optional<KernelVersion> kernel;
};

/// Maps a `uname -m` machine name to the Go-style architecture ("x86_64" -> "amd64",
/// "aarch64" -> "arm64", "i686" -> "386", "armv7l" -> "arm").
/// @return nullopt for a machine it does not know
std::optional<std::string> GoArchFromMachine(absl::string_view machine);

/// The libseccomp architecture of a Go-style architecture ("amd64" -> "SCMP_ARCH_X86_64").
/// @return nullopt for an architecture libseccomp does not filter
std::optional<std::string> ScmpArchFromGoArch(absl::string_view go_arch);

/// Converts a profile into the OCI runtime-spec `linux.seccomp` object for one container.
///
/// - `architectures`: with an archMap, the entry whose `architecture` is the target's
///   followed by its subArchitectures (amd64: X86_64, X86, X32); without one, the flat
///   list as written. Omitted when empty (the runtime then filters the native arch).
/// - a rule is kept when all `includes.caps` are in target.capabilities, any
///   `includes.arches` is one of the target's architectures (the list above, or the
///   target's own when there is no archMap entry), and target.kernel >= includes.minKernel
///   (kept when the kernel is unknown); it is dropped when any `excludes` condition holds.
/// - syscall names libseccomp does not know for the target are dropped from their rule,
///   with one warning per name; a rule left without names is dropped.
/// - each rule becomes {names, action, errnoRet (when set), args (when any)}; rule and
///   name order are kept, so the output depends only on the inputs.
/// @param warnings receives the warnings (may be null)
/// @return InvalidArgument when the target arch is unknown and the profile has an archMap
absl::StatusOr<nlohmann::json> ToOciSeccomp(const Profile& profile, const Target& target,
                                            std::vector<std::string>* warnings);

/// Builds the libseccomp filter that runc would build from an OCI `linux.seccomp` object
/// (in memory, never loaded): rules whose action equals the default are skipped and
/// several comparisons on one argument become one rule each, as runc does.
/// @return InvalidArgument naming the rule libseccomp refused (for example two rules
///         with the same conditions and different actions)
absl::Status CheckWithLibseccomp(const nlohmann::json& linux_seccomp);

/// Stacks the layers of a multi-layer seccomp artifact into one profile.
///
/// Merge rule (libseccomp's own answer depends on rule order and on whether the rules
/// have conditions: for one syscall, a first unconditional rule silently wins over a
/// later unconditional or conditional one, a later unconditional rule replaces earlier
/// conditional ones, and equal conditions with different actions are refused; so the
/// merge must not hand it conflicting rules):
/// - layer 0 gives defaultAction, defaultErrnoRet, defaultErrno, architectures, archMap,
///   flags, listenerPath and listenerMetadata;
/// - each later layer must have the same defaultAction (and, when it sets one, the same
///   defaultErrnoRet), otherwise InvalidArgument naming the layer index;
/// - each later layer REPLACES every earlier rule for the syscall names it mentions:
///   those names are removed from the earlier rules (a rule left without names is
///   dropped), then the layer's rules are appended in order. A syscall is thus governed
///   by the rules of the last layer that names it, whatever their includes/excludes.
/// @param layers the parsed layers, in manifest order (at least one)
/// @return the stacked profile, or InvalidArgument
absl::StatusOr<Profile> Stack(const std::vector<Profile>& layers);

}  // namespace crio::seccomp
