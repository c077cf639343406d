// Name tables. The architecture names are what the containers/docker profiles write in
// includes/excludes (Go's GOARCH values plus "x86"/"x32"), mapped to libseccomp's.

#include "names.h"

#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crio/seccomp/seccomp.h"

namespace crio::seccomp {
namespace {

constexpr absl::string_view kScmpArchPrefix = "SCMP_ARCH_";

template <std::size_t N>
bool Contains(const std::array<absl::string_view, N>& table, absl::string_view name) {
  return std::find(table.begin(), table.end(), name) != table.end();
}

// Go's GOARCH (and the profile's own spellings) -> SCMP_ARCH_*.
constexpr std::array<std::pair<absl::string_view, absl::string_view>, 22> kArchAliases = {{
    {"amd64", "SCMP_ARCH_X86_64"},
    {"386", "SCMP_ARCH_X86"},
    {"x86", "SCMP_ARCH_X86"},
    {"i386", "SCMP_ARCH_X86"},
    {"i686", "SCMP_ARCH_X86"},
    {"x32", "SCMP_ARCH_X32"},
    {"arm64", "SCMP_ARCH_AARCH64"},
    {"arm", "SCMP_ARCH_ARM"},
    {"mips", "SCMP_ARCH_MIPS"},
    {"mipsle", "SCMP_ARCH_MIPSEL"},
    {"mips64", "SCMP_ARCH_MIPS64"},
    {"mips64le", "SCMP_ARCH_MIPSEL64"},
    {"mips64p32", "SCMP_ARCH_MIPS64N32"},
    {"mips64p32le", "SCMP_ARCH_MIPSEL64N32"},
    {"ppc", "SCMP_ARCH_PPC"},
    {"ppc64", "SCMP_ARCH_PPC64"},
    {"ppc64le", "SCMP_ARCH_PPC64LE"},
    {"s390", "SCMP_ARCH_S390"},
    {"s390x", "SCMP_ARCH_S390X"},
    {"riscv64", "SCMP_ARCH_RISCV64"},
    {"parisc", "SCMP_ARCH_PARISC"},
    {"parisc64", "SCMP_ARCH_PARISC64"},
}};

std::optional<absl::string_view> Lookup(absl::string_view name) {
  for (const auto& [alias, scmp] : kArchAliases) {
    if (alias == name) return scmp;
  }
  return std::nullopt;
}

}  // namespace

bool IsKnownAction(absl::string_view action) {
  static constexpr std::array<absl::string_view, 9> kActions = {
      "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
      "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
  return Contains(kActions, action);
}

bool IsKnownOp(absl::string_view op) {
  static constexpr std::array<absl::string_view, 7> kOps = {
      "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
      "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
  return Contains(kOps, op);
}

bool IsKnownFlag(absl::string_view flag) {
  static constexpr std::array<absl::string_view, 4> kFlags = {
      "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  return Contains(kFlags, flag);
}

std::optional<std::uint32_t> ScmpArchToken(absl::string_view scmp_arch) {
  if (!absl::StartsWith(scmp_arch, kScmpArchPrefix)) return std::nullopt;
  const std::string name = absl::AsciiStrToLower(scmp_arch.substr(kScmpArchPrefix.size()));
  // libseccomp also resolves "native", which is no architecture a profile can name.
  if (name.empty() || name == "native") return std::nullopt;
  const std::uint32_t token = seccomp_arch_resolve_name(name.c_str());
  if (token == 0) return std::nullopt;
  return token;
}

std::optional<std::string> ScmpArchFromAnyName(absl::string_view name) {
  if (absl::StartsWith(name, kScmpArchPrefix)) {
    if (!IsKnownScmpArch(name)) return std::nullopt;
    return std::string(name);
  }
  if (auto scmp = Lookup(name)) return std::string(*scmp);
  std::string upper = absl::StrCat(kScmpArchPrefix, absl::AsciiStrToUpper(name));
  if (IsKnownScmpArch(upper)) return upper;
  return std::nullopt;
}

std::optional<std::string> ScmpArchFromGoArch(absl::string_view go_arch) {
  const auto scmp = Lookup(go_arch);
  if (!scmp.has_value() || !IsKnownScmpArch(*scmp)) return std::nullopt;
  return std::string(*scmp);
}

std::optional<std::string> GoArchFromMachine(absl::string_view machine) {
  static constexpr std::array<std::pair<absl::string_view, absl::string_view>, 20> kMachines = {{
      {"x86_64", "amd64"},
      {"amd64", "amd64"},
      {"i386", "386"},
      {"i486", "386"},
      {"i586", "386"},
      {"i686", "386"},
      {"aarch64", "arm64"},
      {"arm64", "arm64"},
      {"s390x", "s390x"},
      {"s390", "s390"},
      {"ppc64le", "ppc64le"},
      {"ppc64", "ppc64"},
      {"ppc", "ppc"},
      {"riscv64", "riscv64"},
      {"mips", "mips"},
      {"mips64", "mips64"},
      {"parisc", "parisc"},
      {"parisc64", "parisc64"},
      {"loongarch64", "loong64"},
      {"arm", "arm"},
  }};
  for (const auto& [uname_machine, go_arch] : kMachines) {
    if (uname_machine == machine) return std::string(go_arch);
  }
  // 32-bit ARM reports its ISA version: armv6l, armv7l, armv8l (aarch32 on a 64-bit CPU).
  if (absl::StartsWith(machine, "armv")) return std::string("arm");
  return std::nullopt;
}

}  // namespace crio::seccomp
