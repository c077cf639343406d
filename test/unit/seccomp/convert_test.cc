// ToOciSeccomp: archMap expansion, includes/excludes, unknown syscall names, output shape.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crio/seccomp/seccomp.h"
#include "must_parse.h"

namespace crio::seccomp {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using testing::MustParse;

Target Amd64(std::vector<std::string> caps = {},
             std::optional<KernelVersion> kernel = std::nullopt) {
  Target target;
  target.capabilities = std::move(caps);
  target.arch = "amd64";
  target.kernel = kernel;
  return target;
}

// The names of every rule in order, flattened, to compare what survived filtering.
std::vector<std::string> RuleNames(const json& oci) {
  std::vector<std::string> names;
  if (!oci.contains("syscalls")) return names;
  for (const json& rule : oci["syscalls"]) {
    for (const json& name : rule["names"]) names.push_back(name.get<std::string>());
  }
  return names;
}

constexpr const char* kArchMapProfile = R"({
  "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]}
  ],
  "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})";

TEST(ToOciSeccompTest, ExpandsArchMapForTheTargetAsTheSeedShows) {
  const auto oci = ToOciSeccomp(MustParse(kArchMapProfile), Amd64(), nullptr);
  ASSERT_TRUE(oci.ok()) << oci.status();
  EXPECT_EQ((*oci)["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ((*oci)["defaultErrnoRet"], 38);
  EXPECT_EQ((*oci)["architectures"],
            json::parse(R"(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])"));
}

TEST(ToOciSeccompTest, ArchMapForOtherTargets) {
  struct Case {
    const char* arch;
    std::vector<std::string> want;
  };
  for (const Case& c :
       {Case{"arm64", {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}},
        Case{"s390x", {"SCMP_ARCH_S390X", "SCMP_ARCH_S390"}}, Case{"ppc64le", {}}}) {
    Target target;
    target.arch = c.arch;
    const auto oci = ToOciSeccomp(MustParse(kArchMapProfile), target, nullptr);
    ASSERT_TRUE(oci.ok()) << oci.status();
    if (c.want.empty()) {
      EXPECT_FALSE(oci->contains("architectures")) << c.arch;
    } else {
      EXPECT_EQ((*oci)["architectures"], json(c.want)) << c.arch;
    }
  }
}

TEST(ToOciSeccompTest, ArchMapNeedsAKnownTargetArch) {
  Target target;
  target.arch = "pdp11";
  const auto oci = ToOciSeccomp(MustParse(kArchMapProfile), target, nullptr);
  ASSERT_FALSE(oci.ok());
  EXPECT_THAT(std::string(oci.status().message()), HasSubstr("\"pdp11\""));
}

TEST(ToOciSeccompTest, FlatArchitecturesPassThrough) {
  const auto oci = ToOciSeccomp(MustParse(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]})"),
                                Amd64(), nullptr);
  ASSERT_TRUE(oci.ok()) << oci.status();
  EXPECT_EQ((*oci)["architectures"], json::parse(R"(["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"])"));
  EXPECT_FALSE(oci->contains("syscalls"));
  EXPECT_FALSE(oci->contains("defaultErrnoRet"));
}

TEST(ToOciSeccompTest, PassesFlagsAndListener) {
  const auto oci = ToOciSeccomp(MustParse(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/run/a.sock",
      "listenerMetadata": "m"})"),
                                Amd64(), nullptr);
  ASSERT_TRUE(oci.ok()) << oci.status();
  EXPECT_EQ((*oci)["flags"], json::parse(R"(["SECCOMP_FILTER_FLAG_LOG"])"));
  EXPECT_EQ((*oci)["listenerPath"], "/run/a.sock");
  EXPECT_EQ((*oci)["listenerMetadata"], "m");
}

TEST(ToOciSeccompTest, RuleShape) {
  const auto oci = ToOciSeccomp(MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "dropped",
       "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
       "includes": {"caps": ["CAP_X"]}}]})"),
                                Amd64({"CAP_X"}), nullptr);
  ASSERT_TRUE(oci.ok()) << oci.status();
  EXPECT_EQ((*oci)["syscalls"], json::parse(R"([{"names": ["clone"], "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1, "args": [{"index": 0, "value": 2114060288, "valueTwo": 0,
      "op": "SCMP_CMP_MASKED_EQ"}]}])"));
}

struct FilterCase {
  const char* name;
  const char* includes;
  const char* excludes;
  std::vector<std::string> caps;
  std::optional<KernelVersion> kernel;
  bool kept;
};

class IncludesExcludesTest : public ::testing::TestWithParam<FilterCase> {};

TEST_P(IncludesExcludesTest, KeepsOrDropsTheRule) {
  const FilterCase& c = GetParam();
  const std::string text = absl::StrCat(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64",
          "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}], "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "includes": )",
      c.includes, R"(, "excludes": )", c.excludes, "}]}");
  const auto oci = ToOciSeccomp(MustParse(text), Amd64(c.caps, c.kernel), nullptr);
  ASSERT_TRUE(oci.ok()) << oci.status();
  if (c.kept) {
    EXPECT_THAT(RuleNames(*oci), ElementsAre("read", "getpid"));
  } else {
    EXPECT_THAT(RuleNames(*oci), ElementsAre("read"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, IncludesExcludesTest,
    ::testing::Values(
        FilterCase{"NoConditions", "{}", "{}", {}, std::nullopt, true},
        FilterCase{"IncludedCapPresent",
                   R"({"caps": ["CAP_SYS_ADMIN"]})",
                   "{}",
                   {"CAP_CHOWN", "CAP_SYS_ADMIN"},
                   std::nullopt,
                   true},
        FilterCase{"IncludedCapMissing",
                   R"({"caps": ["CAP_SYS_ADMIN"]})",
                   "{}",
                   {"CAP_CHOWN"},
                   std::nullopt,
                   false},
        FilterCase{"IncludesNeedAllCaps",
                   R"({"caps": ["CAP_BPF", "CAP_PERFMON"]})",
                   "{}",
                   {"CAP_BPF"},
                   std::nullopt,
                   false},
        FilterCase{"IncludesAllCapsPresent",
                   R"({"caps": ["CAP_BPF", "CAP_PERFMON"]})",
                   "{}",
                   {"CAP_PERFMON", "CAP_BPF"},
                   std::nullopt,
                   true},
        FilterCase{"ExcludedCapPresent",
                   "{}",
                   R"({"caps": ["CAP_SYS_ADMIN"]})",
                   {"CAP_SYS_ADMIN"},
                   std::nullopt,
                   false},
        FilterCase{"ExcludesAnyCap",
                   "{}",
                   R"({"caps": ["CAP_BPF", "CAP_SYS_ADMIN"]})",
                   {"CAP_SYS_ADMIN"},
                   std::nullopt,
                   false},
        FilterCase{"ExcludedCapMissing",
                   "{}",
                   R"({"caps": ["CAP_SYS_ADMIN"]})",
                   {"CAP_CHOWN"},
                   std::nullopt,
                   true},
        FilterCase{
            "IncludedGoArch", R"({"arches": ["amd64", "x32"]})", "{}", {}, std::nullopt, true},
        FilterCase{"IncludedSubArch", R"({"arches": ["x86"]})", "{}", {}, std::nullopt, true},
        FilterCase{
            "IncludedScmpArch", R"({"arches": ["SCMP_ARCH_X32"]})", "{}", {}, std::nullopt, true},
        FilterCase{
            "IncludedOtherArch", R"({"arches": ["arm", "arm64"]})", "{}", {}, std::nullopt, false},
        FilterCase{"IncludedUnknownArch", R"({"arches": ["z80"]})", "{}", {}, std::nullopt, false},
        FilterCase{
            "ExcludedOtherArch", "{}", R"({"arches": ["s390", "s390x"]})", {}, std::nullopt, true},
        FilterCase{"ExcludedTargetArch", "{}", R"({"arches": ["amd64"]})", {}, std::nullopt, false},
        FilterCase{"MinKernelMet", R"({"minKernel": "4.8"})", "{}", {}, KernelVersion{6, 1}, true},
        FilterCase{
            "MinKernelEqual", R"({"minKernel": "4.8"})", "{}", {}, KernelVersion{4, 8}, true},
        FilterCase{
            "MinKernelNotMet", R"({"minKernel": "4.8"})", "{}", {}, KernelVersion{4, 4}, false},
        FilterCase{
            "MinKernelUnknownKernel", R"({"minKernel": "9.9"})", "{}", {}, std::nullopt, true},
        FilterCase{"ExcludedMinKernelMet",
                   "{}",
                   R"({"minKernel": "5.0"})",
                   {},
                   KernelVersion{5, 4},
                   false},
        FilterCase{"ExcludedMinKernelNotMet",
                   "{}",
                   R"({"minKernel": "5.0"})",
                   {},
                   KernelVersion{4, 19},
                   true},
        FilterCase{"ExcludedMinKernelUnknownKernel",
                   "{}",
                   R"({"minKernel": "5.0"})",
                   {},
                   std::nullopt,
                   true},
        FilterCase{"IncludedAndExcluded",
                   R"({"caps": ["CAP_A"]})",
                   R"({"caps": ["CAP_B"]})",
                   {"CAP_A", "CAP_B"},
                   std::nullopt,
                   false}),
    [](const ::testing::TestParamInfo<FilterCase>& param_info) { return param_info.param.name; });

TEST(ToOciSeccompTest, DropsUnknownSyscallNamesWithOneWarningEach) {
  const auto profile = MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read", "no_such_call", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["no_such_call", "another_fake"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["getpid"], "action": "SCMP_ACT_LOG"}]})");
  std::vector<std::string> warnings;
  const auto oci = ToOciSeccomp(profile, Amd64(), &warnings);
  ASSERT_TRUE(oci.ok()) << oci.status();
  // The second rule lost all its names and is gone.
  ASSERT_EQ((*oci)["syscalls"].size(), 2u);
  EXPECT_EQ((*oci)["syscalls"][0]["names"], json::parse(R"(["read", "write"])"));
  EXPECT_EQ((*oci)["syscalls"][1]["names"], json::parse(R"(["getpid"])"));
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[0], HasSubstr("syscall \"no_such_call\" is unknown to libseccomp"));
  EXPECT_THAT(warnings[1], HasSubstr("syscall \"another_fake\""));
  // A null warnings pointer is allowed.
  EXPECT_TRUE(ToOciSeccomp(profile, Amd64(), nullptr).ok());
}

TEST(ToOciSeccompTest, KeepsSyscallsOfSubArchitectures) {
  // _llseek and chown32 exist only on 32-bit x86, which an amd64 filter also covers.
  std::vector<std::string> warnings;
  const auto oci = ToOciSeccomp(MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["_llseek", "chown32", "breakpoint"], "action": "SCMP_ACT_ALLOW"}]})"),
                                Amd64(), &warnings);
  ASSERT_TRUE(oci.ok()) << oci.status();
  EXPECT_THAT(RuleNames(*oci), ElementsAre("_llseek", "chown32", "breakpoint"));
  EXPECT_THAT(warnings, IsEmpty());
}

TEST(ToOciSeccompTest, IsDeterministic) {
  const Profile profile = MustParse(std::string(DefaultProfileJson()));
  const auto first = ToOciSeccomp(profile, Amd64({"CAP_CHOWN"}), nullptr);
  const auto second = ToOciSeccomp(profile, Amd64({"CAP_CHOWN"}), nullptr);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->dump(), second->dump());
}

TEST(ArchNamesTest, MapsUnameMachines) {
  EXPECT_EQ(GoArchFromMachine("x86_64"), "amd64");
  EXPECT_EQ(GoArchFromMachine("aarch64"), "arm64");
  EXPECT_EQ(GoArchFromMachine("i686"), "386");
  EXPECT_EQ(GoArchFromMachine("armv7l"), "arm");
  EXPECT_EQ(GoArchFromMachine("s390x"), "s390x");
  EXPECT_EQ(GoArchFromMachine("ppc64le"), "ppc64le");
  EXPECT_EQ(GoArchFromMachine("riscv64"), "riscv64");
  EXPECT_EQ(GoArchFromMachine("vax"), std::nullopt);
}

TEST(ArchNamesTest, MapsGoArchesToLibseccomp) {
  EXPECT_EQ(ScmpArchFromGoArch("amd64"), "SCMP_ARCH_X86_64");
  EXPECT_EQ(ScmpArchFromGoArch("386"), "SCMP_ARCH_X86");
  EXPECT_EQ(ScmpArchFromGoArch("arm64"), "SCMP_ARCH_AARCH64");
  EXPECT_EQ(ScmpArchFromGoArch("arm"), "SCMP_ARCH_ARM");
  EXPECT_EQ(ScmpArchFromGoArch("s390x"), "SCMP_ARCH_S390X");
  EXPECT_EQ(ScmpArchFromGoArch("mips64le"), "SCMP_ARCH_MIPSEL64");
  EXPECT_EQ(ScmpArchFromGoArch("loong64"), std::nullopt);  // not in libseccomp 2.5
  EXPECT_EQ(ScmpArchFromGoArch("x86_64"), std::nullopt);   // a uname name, not a Go one
}

TEST(CheckWithLibseccompTest, RefusesConflictingRules) {
  const json conflicting = json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 40, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["socket"], "action": "SCMP_ACT_LOG",
       "args": [{"index": 0, "value": 40, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}]})");
  const absl::Status status = CheckWithLibseccomp(conflicting);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("syscalls[1]"));
}

TEST(CheckWithLibseccompTest, SplitsRepeatedArgumentIndexesAsRuncDoes) {
  const json rule = json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]})");
  EXPECT_TRUE(CheckWithLibseccomp(rule).ok());
}

}  // namespace
}  // namespace crio::seccomp
