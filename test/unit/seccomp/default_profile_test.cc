// The built-in RuntimeDefault profile: it parses, converts cleanly on amd64, builds in
// libseccomp for every capability set we care about, and denies what it must.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "crio/seccomp/seccomp.h"

namespace crio::seccomp {
namespace {

using nlohmann::json;
using ::testing::IsEmpty;

// CRI-O's default_capabilities: what a non-privileged container gets.
const std::vector<std::string> kDefaultCaps = {"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FSETID",
                                               "CAP_FOWNER",  "CAP_SETGID",           "CAP_SETUID",
                                               "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL"};

const std::vector<std::string> kAllCaps = {"CAP_CHOWN",
                                           "CAP_DAC_OVERRIDE",
                                           "CAP_DAC_READ_SEARCH",
                                           "CAP_FOWNER",
                                           "CAP_FSETID",
                                           "CAP_KILL",
                                           "CAP_SETGID",
                                           "CAP_SETUID",
                                           "CAP_SETPCAP",
                                           "CAP_LINUX_IMMUTABLE",
                                           "CAP_NET_BIND_SERVICE",
                                           "CAP_NET_BROADCAST",
                                           "CAP_NET_ADMIN",
                                           "CAP_NET_RAW",
                                           "CAP_IPC_LOCK",
                                           "CAP_IPC_OWNER",
                                           "CAP_SYS_MODULE",
                                           "CAP_SYS_RAWIO",
                                           "CAP_SYS_CHROOT",
                                           "CAP_SYS_PTRACE",
                                           "CAP_SYS_PACCT",
                                           "CAP_SYS_ADMIN",
                                           "CAP_SYS_BOOT",
                                           "CAP_SYS_NICE",
                                           "CAP_SYS_RESOURCE",
                                           "CAP_SYS_TIME",
                                           "CAP_SYS_TTY_CONFIG",
                                           "CAP_MKNOD",
                                           "CAP_LEASE",
                                           "CAP_AUDIT_WRITE",
                                           "CAP_AUDIT_CONTROL",
                                           "CAP_SETFCAP",
                                           "CAP_MAC_OVERRIDE",
                                           "CAP_MAC_ADMIN",
                                           "CAP_SYSLOG",
                                           "CAP_WAKE_ALARM",
                                           "CAP_BLOCK_SUSPEND",
                                           "CAP_AUDIT_READ",
                                           "CAP_PERFMON",
                                           "CAP_BPF",
                                           "CAP_CHECKPOINT_RESTORE"};

Profile DefaultProfile() {
  auto profile = ParseProfile(DefaultProfileJson(), "RuntimeDefault");
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : Profile{};
}

json Convert(const std::vector<std::string>& caps, std::vector<std::string>* warnings = nullptr) {
  Target target;
  target.capabilities = caps;
  target.arch = "amd64";
  target.kernel = KernelVersion{6, 1};
  auto oci = ToOciSeccomp(DefaultProfile(), target, warnings);
  EXPECT_TRUE(oci.ok()) << oci.status();
  return oci.ok() ? *oci : json();
}

// The rules that name `syscall`, in order.
std::vector<json> RulesFor(const json& oci, const std::string& syscall) {
  std::vector<json> rules;
  for (const json& rule : oci["syscalls"]) {
    for (const json& name : rule["names"]) {
      if (name == syscall) rules.push_back(rule);
    }
  }
  return rules;
}

// The one unconditional rule for `syscall` must have this action and errno.
void ExpectUnconditional(const json& oci, const std::string& syscall, const std::string& action,
                         int errno_ret = -1) {
  const std::vector<json> rules = RulesFor(oci, syscall);
  ASSERT_EQ(rules.size(), 1u) << syscall << ": " << json(rules).dump();
  EXPECT_EQ(rules[0]["action"], action) << syscall;
  EXPECT_FALSE(rules[0].contains("args")) << syscall;
  if (errno_ret >= 0) {
    EXPECT_EQ(rules[0]["errnoRet"], errno_ret) << syscall;
  }
}

TEST(DefaultProfileTest, ParsesAndMatchesTheSeedHeader) {
  const Profile profile = DefaultProfile();
  EXPECT_EQ(profile.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(profile.default_errno_ret, 38u);
  const json oci = Convert(kDefaultCaps);
  EXPECT_EQ(oci["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(oci["defaultErrnoRet"], 38);
  EXPECT_EQ(oci["architectures"],
            json::parse(R"(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])"));
}

TEST(DefaultProfileTest, AllowsAboutThreeHundredFiftySyscalls) {
  const json oci = Convert(kDefaultCaps);
  std::set<std::string> allowed;
  for (const json& rule : oci["syscalls"]) {
    if (rule["action"] != "SCMP_ACT_ALLOW") continue;
    for (const json& name : rule["names"]) allowed.insert(name.get<std::string>());
  }
  EXPECT_GT(allowed.size(), 340u);
  for (const char* common : {"read", "write", "openat", "execve", "futex", "epoll_pwait", "rseq",
                             "clone", "socket", "personality", "arch_prctl", "modify_ldt"}) {
    EXPECT_TRUE(allowed.contains(common)) << common;
  }
}

TEST(DefaultProfileTest, ConvertsWithoutWarningsOnAmd64) {
  for (const auto* caps : {&kDefaultCaps, &kAllCaps}) {
    std::vector<std::string> warnings;
    Convert(*caps, &warnings);
    EXPECT_THAT(warnings, IsEmpty());
  }
}

TEST(DefaultProfileTest, BuildsInLibseccompForEveryCapabilitySet) {
  std::vector<std::vector<std::string>> cap_sets = {{}, kDefaultCaps, kAllCaps};
  // Each gated capability alone, to catch an allow rule and an EPERM rule both applying.
  for (const char* cap :
       {"CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON", "CAP_SYSLOG", "CAP_SYS_PTRACE", "CAP_SYS_MODULE",
        "CAP_SYS_TIME", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RAWIO", "CAP_SYS_PACCT",
        "CAP_SYS_CHROOT", "CAP_DAC_READ_SEARCH", "CAP_SYS_TTY_CONFIG"}) {
    cap_sets.push_back({cap});
  }
  for (const auto& caps : cap_sets) {
    const json oci = Convert(caps);
    const absl::Status status = CheckWithLibseccomp(oci);
    EXPECT_TRUE(status.ok()) << status << " with " << caps.size() << " caps";
    // No syscall gets two unconditional rules with different outcomes: libseccomp would
    // silently keep the first.
    std::map<std::string, std::string> unconditional;
    for (const json& rule : oci["syscalls"]) {
      if (rule.contains("args")) continue;
      const std::string outcome = rule["action"].dump() + rule.value("errnoRet", json()).dump();
      for (const json& name : rule["names"]) {
        const auto [it, inserted] = unconditional.emplace(name.get<std::string>(), outcome);
        EXPECT_TRUE(inserted || it->second == outcome) << name << " " << json(caps).dump();
      }
    }
  }
}

TEST(DefaultProfileTest, KeyctlIsDeniedWithEpermForDefaultCaps) {
  const json oci = Convert(kDefaultCaps);
  for (const char* syscall : {"keyctl", "add_key", "request_key"}) {
    ExpectUnconditional(oci, syscall, "SCMP_ACT_ERRNO", 1);
  }
  // Even a privileged capability set does not open the (non-namespaced) keyring.
  ExpectUnconditional(Convert(kAllCaps), "keyctl", "SCMP_ACT_ERRNO", 1);
}

TEST(DefaultProfileTest, DangerousCallsFailLoudlyWithoutTheirCapability) {
  const json oci = Convert(kDefaultCaps);
  for (const char* syscall :
       {"mount", "umount2", "unshare", "setns", "bpf", "perf_event_open", "ptrace", "init_module",
        "settimeofday", "reboot", "syslog", "iopl", "acct", "chroot", "kexec_load", "userfaultfd",
        "open_by_handle_at", "process_vm_readv", "mbind"}) {
    ExpectUnconditional(oci, syscall, "SCMP_ACT_ERRNO", 1);
  }
}

TEST(DefaultProfileTest, CapabilitiesOpenTheirGroups) {
  struct Case {
    const char* cap;
    std::vector<const char*> syscalls;
  };
  for (const Case& c :
       {Case{"CAP_SYS_ADMIN", {"mount", "umount2", "unshare", "setns", "bpf", "clone3"}},
        Case{"CAP_SYS_PTRACE", {"ptrace", "process_vm_readv", "kcmp"}},
        Case{"CAP_SYS_MODULE", {"init_module", "finit_module", "delete_module"}},
        Case{"CAP_SYS_TIME", {"settimeofday", "clock_settime"}}, Case{"CAP_SYS_BOOT", {"reboot"}},
        Case{"CAP_SYSLOG", {"syslog"}}, Case{"CAP_SYS_NICE", {"mbind", "set_mempolicy"}},
        Case{"CAP_SYS_RAWIO", {"iopl", "ioperm"}}, Case{"CAP_SYS_PACCT", {"acct"}},
        Case{"CAP_SYS_CHROOT", {"chroot"}}, Case{"CAP_BPF", {"bpf"}},
        Case{"CAP_PERFMON", {"perf_event_open"}}}) {
    const json oci = Convert({c.cap});
    for (const char* syscall : c.syscalls) {
      SCOPED_TRACE(c.cap);
      ExpectUnconditional(oci, syscall, "SCMP_ACT_ALLOW");
    }
  }
}

TEST(DefaultProfileTest, CloneIsAllowedOnlyWithoutNamespaceFlags) {
  const json oci = Convert(kDefaultCaps);
  const std::vector<json> clone = RulesFor(oci, "clone");
  ASSERT_EQ(clone.size(), 1u);
  EXPECT_EQ(clone[0]["action"], "SCMP_ACT_ALLOW");
  // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET must all be clear.
  EXPECT_EQ(clone[0]["args"], json::parse(R"([{"index": 0, "value": 2114060288, "valueTwo": 0,
                                              "op": "SCMP_CMP_MASKED_EQ"}])"));
  // clone3 hides its flags from seccomp: ENOSYS sends glibc back to clone.
  ExpectUnconditional(oci, "clone3", "SCMP_ACT_ERRNO", 38);

  const json admin = Convert({"CAP_SYS_ADMIN"});
  ExpectUnconditional(admin, "clone", "SCMP_ACT_ALLOW");
}

TEST(DefaultProfileTest, PersonalityAndVsock) {
  const json oci = Convert(kDefaultCaps);
  std::set<std::uint64_t> personalities;
  for (const json& rule : RulesFor(oci, "personality")) {
    EXPECT_EQ(rule["action"], "SCMP_ACT_ALLOW");
    ASSERT_EQ(rule["args"].size(), 1u);
    personalities.insert(rule["args"][0]["value"].get<std::uint64_t>());
  }
  EXPECT_EQ(personalities, (std::set<std::uint64_t>{0, 8, 0x20000, 0x20008, 0xffffffff}));

  const std::vector<json> socket = RulesFor(oci, "socket");
  ASSERT_EQ(socket.size(), 2u);
  EXPECT_EQ(socket[0]["action"], "SCMP_ACT_ALLOW");
  EXPECT_EQ(socket[0]["args"][0]["op"], "SCMP_CMP_NE");
  EXPECT_EQ(socket[0]["args"][0]["value"], 40);  // AF_VSOCK
  EXPECT_EQ(socket[1]["action"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(socket[1]["args"][0]["op"], "SCMP_CMP_EQ");
  EXPECT_EQ(socket[1]["args"][0]["value"], 40);
}

TEST(DefaultProfileTest, ArchSpecificRulesFollowTheTarget) {
  Target arm;
  arm.arch = "arm64";
  const auto oci = ToOciSeccomp(DefaultProfile(), arm, nullptr);
  ASSERT_TRUE(oci.ok()) << oci.status();
  EXPECT_EQ((*oci)["architectures"], json::parse(R"(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"])"));
  EXPECT_FALSE(RulesFor(*oci, "cacheflush").empty());
  EXPECT_TRUE(RulesFor(*oci, "arch_prctl").empty());
  EXPECT_TRUE(RulesFor(Convert(kDefaultCaps), "cacheflush").empty());
}

}  // namespace
}  // namespace crio::seccomp
