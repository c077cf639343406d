// ParseProfile: the accepted format, and that every refusal names the source and field.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crio/seccomp/seccomp.h"

namespace crio::seccomp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseProfileTest, ReadsEveryField) {
  const auto profile = ParseProfile(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "defaultErrno": "ENOSYS",
    "archMap": [{"architecture": "SCMP_ARCH_X86_64",
                 "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "io",
       "args": [], "includes": {}, "excludes": {}},
      {"name": "clone", "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
       "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], "minKernel": "4.8"},
       "excludes": {"caps": ["CAP_BPF"], "arches": null, "minKernel": ""}}
    ],
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "listenerPath": "/run/agent.sock", "listenerMetadata": "meta",
    "unknownKey": {"ignored": true}
  })",
                                    "test");
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(profile->default_errno_ret, 38u);
  EXPECT_EQ(profile->default_errno, "ENOSYS");
  ASSERT_EQ(profile->arch_map.size(), 1u);
  EXPECT_EQ(profile->arch_map[0].architecture, "SCMP_ARCH_X86_64");
  EXPECT_THAT(profile->arch_map[0].sub_architectures,
              ElementsAre("SCMP_ARCH_X86", "SCMP_ARCH_X32"));
  ASSERT_EQ(profile->syscalls.size(), 2u);
  EXPECT_THAT(profile->syscalls[0].names, ElementsAre("read", "write"));
  EXPECT_EQ(profile->syscalls[0].comment, "io");
  EXPECT_FALSE(profile->syscalls[0].errno_ret.has_value());
  const SyscallRule& clone = profile->syscalls[1];
  EXPECT_THAT(clone.names, ElementsAre("clone"));
  EXPECT_EQ(clone.errno_ret, 1u);
  ASSERT_EQ(clone.args.size(), 1u);
  EXPECT_EQ(clone.args[0], (Arg{0, 2114060288u, 0, "SCMP_CMP_MASKED_EQ"}));
  EXPECT_THAT(clone.includes.caps, ElementsAre("CAP_SYS_ADMIN"));
  EXPECT_THAT(clone.includes.arches, ElementsAre("amd64"));
  EXPECT_EQ(clone.includes.min_kernel, (KernelVersion{4, 8}));
  EXPECT_THAT(clone.excludes.caps, ElementsAre("CAP_BPF"));
  EXPECT_FALSE(clone.excludes.min_kernel.has_value());
  EXPECT_THAT(profile->flags, ElementsAre("SECCOMP_FILTER_FLAG_LOG"));
  EXPECT_EQ(profile->listener_path, "/run/agent.sock");
  EXPECT_EQ(profile->listener_metadata, "meta");
}

TEST(ParseProfileTest, ReadsTheOldFlatArchitectureList) {
  const auto profile = ParseProfile(
      R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]})",
      "old");
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_THAT(profile->architectures, ElementsAre("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"));
  EXPECT_TRUE(profile->syscalls.empty());
}

TEST(ParseProfileTest, AcceptsEveryLibseccompActionAndOp) {
  for (const char* action :
       {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
        "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}) {
    EXPECT_TRUE(ParseProfile(absl::StrCat(R"({"defaultAction": ")", action, R"("})"), "t").ok())
        << action;
  }
  for (const char* op : {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
                         "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}) {
    const std::string text = absl::StrCat(
        R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
            "action": "SCMP_ACT_LOG", "args": [{"index": 5, "value": 1, "op": ")",
        op, R"("}]}]})");
    EXPECT_TRUE(ParseProfile(text, "t").ok()) << op;
  }
}

struct BadProfile {
  const char* name;
  std::string json;
  const char* message;  // the whole message after `seccomp profile "quay.io/x:v1": `
};

class ParseErrorTest : public ::testing::TestWithParam<BadProfile> {};

TEST_P(ParseErrorTest, NamesSourceAndField) {
  const auto profile = ParseProfile(GetParam().json, "quay.io/x:v1");
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(profile.status().message()),
              HasSubstr(absl::StrCat("seccomp profile \"quay.io/x:v1\": ", GetParam().message)));
}

// Rule i of four: three good ones before the bad one make the index visible.
std::string WithRule(const std::string& rule) {
  return absl::StrCat(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["close"], "action": "SCMP_ACT_ALLOW"},)",
                      rule, "]}");
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseErrorTest,
    ::testing::Values(
        BadProfile{"MalformedJson", R"({"defaultAction": )", "invalid JSON"},
        BadProfile{"NotAnObject", R"(["SCMP_ACT_ALLOW"])", "not a JSON object"},
        BadProfile{"MissingDefaultAction", R"({})", "defaultAction: missing"},
        BadProfile{"DefaultActionNotString", R"({"defaultAction": 1})",
                   "defaultAction: want a string"},
        BadProfile{"UnknownDefaultAction", R"({"defaultAction": "SCMP_ACT_NOPE"})",
                   "defaultAction: unknown action \"SCMP_ACT_NOPE\""},
        BadProfile{"NegativeDefaultErrno",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})",
                   "defaultErrnoRet: want a non-negative integer"},
        BadProfile{"HugeDefaultErrno",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000})",
                   "defaultErrnoRet: 70000 is over 4095"},
        BadProfile{"ArchitecturesNotList",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": "SCMP_ARCH_X86"})",
                   "architectures: want an array of strings"},
        BadProfile{"UnknownArchitecture",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_Z80"]})",
                   "architectures[0]: unknown architecture \"SCMP_ARCH_Z80\""},
        BadProfile{"ArchitectureWithoutPrefix",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["x86_64"]})",
                   "architectures[0]: unknown architecture \"x86_64\""},
        BadProfile{"UnknownSubArchitecture",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture":
                      "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_FOO"]}]})",
                   "archMap[0].subArchitectures[1]: unknown architecture \"SCMP_ARCH_FOO\""},
        BadProfile{"ArchMapEntryWithoutArchitecture",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{}]})",
                   "archMap[0].architecture: missing"},
        BadProfile{"BothArchitectureLists",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"],
                      "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})",
                   "architectures: use either"},
        BadProfile{"SyscallsNotList", R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}})",
                   "syscalls: want an array"},
        BadProfile{"UnknownAction", WithRule(R"({"names": ["x"], "action": "SCMP_ACT_FOO"})"),
                   "syscalls[3].action: unknown action \"SCMP_ACT_FOO\""},
        BadProfile{"MissingAction", WithRule(R"({"names": ["x"]})"), "syscalls[3].action: missing"},
        BadProfile{"NamesNotList", WithRule(R"({"names": "read", "action": "SCMP_ACT_ALLOW"})"),
                   "syscalls[3].names: want an array of strings"},
        BadProfile{"NameNotString", WithRule(R"({"names": ["a", 7], "action": "SCMP_ACT_ALLOW"})"),
                   "syscalls[3].names[1]: want a string"},
        BadProfile{"NoNames", WithRule(R"({"names": [], "action": "SCMP_ACT_ALLOW"})"),
                   "syscalls[3].names: no syscall names"},
        BadProfile{"NameAndNames",
                   WithRule(R"({"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"})"),
                   "syscalls[3]: use either \"name\" or \"names\""},
        BadProfile{"ErrnoRetString",
                   WithRule(R"({"names": ["a"], "action": "SCMP_ACT_ERRNO", "errnoRet": "1"})"),
                   "syscalls[3].errnoRet: want a non-negative integer"},
        BadProfile{"UnknownOp", WithRule(R"({"names": ["a"], "action": "SCMP_ACT_ALLOW",
                   "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]})"),
                   "syscalls[3].args[0].op: unknown op \"SCMP_CMP_LIKE\""},
        BadProfile{"ArgIndexTooBig", WithRule(R"({"names": ["a"], "action": "SCMP_ACT_ALLOW",
                   "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]})"),
                   "syscalls[3].args[0].index: 6 is over 5"},
        BadProfile{"ArgValueNegative", WithRule(R"({"names": ["a"], "action": "SCMP_ACT_ALLOW",
                   "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]})"),
                   "syscalls[3].args[0].value: want a non-negative integer"},
        BadProfile{"ArgsNotList",
                   WithRule(R"({"names": ["a"], "action": "SCMP_ACT_ALLOW", "args": {}})"),
                   "syscalls[3].args: want an array"},
        BadProfile{"IncludesNotObject",
                   WithRule(R"({"names": ["a"], "action": "SCMP_ACT_ALLOW", "includes": []})"),
                   "syscalls[3].includes: want an object"},
        BadProfile{"CapsNotStrings", WithRule(R"({"names": ["a"], "action": "SCMP_ACT_ALLOW",
                   "excludes": {"caps": [1]}})"),
                   "syscalls[3].excludes.caps[0]: want a string"},
        BadProfile{"BadMinKernel", WithRule(R"({"names": ["a"], "action": "SCMP_ACT_ALLOW",
                   "includes": {"minKernel": "4"}})"),
                   "syscalls[3].includes.minKernel: kernel version \"4\" is not <major>.<minor>"},
        BadProfile{"UnknownFlag", R"({"defaultAction": "SCMP_ACT_ERRNO", "flags": ["NOPE"]})",
                   "flags[0]: unknown flag \"NOPE\""},
        BadProfile{"ListenerPathNotString",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": 1})",
                   "listenerPath: want a string"},
        BadProfile{"TooDeep", std::string(100, '[') + std::string(100, ']'),
                   "JSON nested deeper than 32"}),
    [](const ::testing::TestParamInfo<BadProfile>& param_info) { return param_info.param.name; });

TEST(ParseProfileTest, RefusesProfilesOverOneMebibyte) {
  const std::string huge = absl::StrCat(R"({"defaultAction": "SCMP_ACT_ALLOW", "comment": ")",
                                        std::string(kMaxProfileBytes, 'x'), R"("})");
  const auto profile = ParseProfile(huge, "big");
  ASSERT_FALSE(profile.ok());
  EXPECT_THAT(std::string(profile.status().message()), HasSubstr("more than the limit"));
}

TEST(ParseProfileTest, RefusesTooManyRules) {
  std::string text = R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [)";
  for (std::size_t i = 0; i <= kMaxSyscallRules; ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ",", R"({"names":["read"],"action":"SCMP_ACT_LOG"})");
  }
  absl::StrAppend(&text, "]}");
  const auto profile = ParseProfile(text, "many");
  ASSERT_FALSE(profile.ok());
  EXPECT_THAT(std::string(profile.status().message()),
              HasSubstr("syscalls: 4097 rules, more than 4096"));
}

TEST(KernelVersionTest, ParsesMinKernelStrictly) {
  EXPECT_EQ(*ParseMinKernel("5.10"), (KernelVersion{5, 10}));
  EXPECT_FALSE(ParseMinKernel("5").ok());
  EXPECT_FALSE(ParseMinKernel("5.10.1").ok());
  EXPECT_FALSE(ParseMinKernel("a.b").ok());
  EXPECT_FALSE(ParseMinKernel("-1.2").ok());
}

TEST(KernelVersionTest, ParsesUnameReleases) {
  EXPECT_EQ(*ParseKernelRelease("6.1.0-18-amd64"), (KernelVersion{6, 1}));
  EXPECT_EQ(*ParseKernelRelease("4.8"), (KernelVersion{4, 8}));
  EXPECT_EQ(*ParseKernelRelease("5.15.0-91-generic"), (KernelVersion{5, 15}));
  EXPECT_FALSE(ParseKernelRelease("linux").ok());
  EXPECT_FALSE(ParseKernelRelease("6").ok());
  EXPECT_FALSE(ParseKernelRelease("6.").ok());
  EXPECT_LT((KernelVersion{4, 20}), (KernelVersion{5, 0}));
}

}  // namespace
}  // namespace crio::seccomp
