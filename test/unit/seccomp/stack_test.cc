// Stack: the merge rule for multi-layer seccomp artifacts.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "crio/seccomp/seccomp.h"
#include "must_parse.h"

namespace crio::seccomp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using testing::MustParse;

const char* const kBase = R"({
  "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
  "flags": ["SECCOMP_FILTER_FLAG_LOG"],
  "syscalls": [
    {"names": ["read", "write", "keyctl"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_PTRACE"]}},
    {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
     "excludes": {"caps": ["CAP_SYS_PTRACE"]}}
  ]})";

std::vector<std::vector<std::string>> NamesOf(const Profile& profile) {
  std::vector<std::vector<std::string>> names;
  for (const SyscallRule& rule : profile.syscalls) names.push_back(rule.names);
  return names;
}

TEST(StackTest, OneLayerIsItself) {
  const Profile base = MustParse(kBase);
  const auto stacked = Stack({base});
  ASSERT_TRUE(stacked.ok()) << stacked.status();
  EXPECT_EQ(*stacked, base);
}

TEST(StackTest, LaterLayersAppendTheirRules) {
  const auto stacked = Stack({MustParse(kBase), MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "archMap": [{"architecture": "SCMP_ARCH_AARCH64"}],
      "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_LOG"}]})")});
  ASSERT_TRUE(stacked.ok()) << stacked.status();
  EXPECT_THAT(NamesOf(*stacked),
              ElementsAre(ElementsAre("read", "write", "keyctl"), ElementsAre("ptrace"),
                          ElementsAre("ptrace"), ElementsAre("getpid")));
  // Everything but the rules comes from layer 0.
  EXPECT_EQ(stacked->default_errno_ret, 38u);
  ASSERT_EQ(stacked->arch_map.size(), 1u);
  EXPECT_EQ(stacked->arch_map[0].architecture, "SCMP_ARCH_X86_64");
  EXPECT_THAT(stacked->flags, ElementsAre("SECCOMP_FILTER_FLAG_LOG"));
}

TEST(StackTest, LaterRulesReplaceEarlierRulesForTheSameSyscall) {
  const auto stacked = Stack({MustParse(kBase), MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["keyctl", "ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})")});
  ASSERT_TRUE(stacked.ok()) << stacked.status();
  // keyctl left the first rule; both ptrace rules lost their only name and are gone.
  EXPECT_THAT(NamesOf(*stacked),
              ElementsAre(ElementsAre("read", "write"), ElementsAre("keyctl", "ptrace")));
  EXPECT_EQ(stacked->syscalls[1].action, "SCMP_ACT_ERRNO");
}

TEST(StackTest, TheLastLayerNamingASyscallWins) {
  const auto stacked = Stack({MustParse(kBase), MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO",
           "syscalls": [{"names": ["write"], "action": "SCMP_ACT_LOG"}]})"),
                              MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO",
           "syscalls": [{"names": ["write"], "action": "SCMP_ACT_ALLOW",
                         "includes": {"caps": ["CAP_X"]}}]})")});
  ASSERT_TRUE(stacked.ok()) << stacked.status();
  ASSERT_EQ(stacked->syscalls.size(), 4u);
  EXPECT_THAT(stacked->syscalls[0].names, ElementsAre("read", "keyctl"));
  EXPECT_THAT(stacked->syscalls[3].names, ElementsAre("write"));
  EXPECT_EQ(stacked->syscalls[3].action, "SCMP_ACT_ALLOW");
  EXPECT_THAT(stacked->syscalls[3].includes.caps, ElementsAre("CAP_X"));
}

TEST(StackTest, ADifferentDefaultActionNamesTheLayer) {
  const auto stacked = Stack({MustParse(kBase), MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO"})"),
                              MustParse(R"({"defaultAction": "SCMP_ACT_ALLOW"})")});
  ASSERT_FALSE(stacked.ok());
  EXPECT_EQ(stacked.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(stacked.status().message()),
              HasSubstr("layer 2: defaultAction \"SCMP_ACT_ALLOW\" differs"));
}

TEST(StackTest, ADifferentDefaultErrnoNamesTheLayer) {
  const auto stacked =
      Stack({MustParse(kBase),
             MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1})")});
  ASSERT_FALSE(stacked.ok());
  EXPECT_THAT(std::string(stacked.status().message()), HasSubstr("layer 1: defaultErrnoRet 1"));
}

TEST(StackTest, NoLayersIsAnError) {
  EXPECT_EQ(Stack({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StackTest, StackedDefaultProfileStillDeniesKeyctl) {
  // A layer that allows keyctl takes it over; one that does not leaves the default's EPERM.
  const Profile base = MustParse(std::string(DefaultProfileJson()));
  const auto stacked = Stack({base, MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 38, "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_LOG"}]})")});
  ASSERT_TRUE(stacked.ok()) << stacked.status();
  Target target;
  target.arch = "amd64";
  const auto oci = ToOciSeccomp(*stacked, target, nullptr);
  ASSERT_TRUE(oci.ok()) << oci.status();
  bool keyctl_denied = false;
  for (const auto& rule : (*oci)["syscalls"]) {
    for (const auto& name : rule["names"]) {
      if (name == "keyctl") keyctl_denied = rule["action"] == "SCMP_ACT_ERRNO";
    }
  }
  EXPECT_TRUE(keyctl_denied);
  EXPECT_TRUE(CheckWithLibseccomp(*oci).ok());
}

}  // namespace
}  // namespace crio::seccomp
