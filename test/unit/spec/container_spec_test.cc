// BuildContainerSpec as a table: CRI-shaped inputs -> expected fragments of config.json
// (by JSON pointer), or the error they must produce.

#include "crio/spec/container_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "spec_test_util.h"

namespace crio::spec {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::MakeRootfs;
using testing::TempDir;
using testing::TypicalInput;
using testing::WriteFile;

struct Case {
  std::string name;
  /// Adjusts the typical input; `rootfs` may be changed on disk too.
  std::function<void(SpecInput&, const std::string& rootfs)> setup;
  /// JSON pointer -> expected value.
  std::vector<std::pair<std::string, json>> expect = {};
  /// JSON pointers that must be absent.
  std::vector<std::string> absent = {};
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string error = {};    ///< substring of the error message
  std::string warning = {};  ///< substring of one of the warnings
  std::function<void(const BuiltSpec&)> check = {};
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

// Mount entries, for finding one by destination.
json MountAt(const json& spec, const std::string& destination) {
  for (const json& m : spec["mounts"]) {
    if (m["destination"] == destination) return m;
  }
  return nullptr;
}

std::vector<std::string> Destinations(const json& spec) {
  std::vector<std::string> out;
  for (const json& m : spec["mounts"]) out.push_back(m["destination"]);
  return out;
}

json Namespaces(std::initializer_list<std::pair<std::string, std::string>> list) {
  json out = json::array();
  for (const auto& [type, path] : list) {
    json ns = {{"type", type}};
    if (!path.empty()) ns["path"] = path;
    out.push_back(ns);
  }
  return out;
}

const json kDefaultCaps = {"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER",
                           "CAP_FSETID", "CAP_KILL",         "CAP_SETGID",
                           "CAP_SETUID", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE"};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  const auto add = [&cases](Case c) { cases.push_back(std::move(c)); };

  // --- process.args ---
  add({.name = "ArgsImageEntrypointAndCmd",
       .setup = [](SpecInput&, const std::string&) {},
       .expect = {{"/process/args", {"/entry", "serve", "--port=80"}}}});
  add({.name = "ArgsCommandReplacesImage",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.command = {"/bin/sh", "-c"};
             in.request.args = {"echo hi"};
           },
       .expect = {{"/process/args", {"/bin/sh", "-c", "echo hi"}}}});
  add({.name = "ArgsCommandAloneDropsImageCmd",
       .setup = [](SpecInput& in, const std::string&) { in.request.command = {"/bin/true"}; },
       .expect = {{"/process/args", {"/bin/true"}}}});
  add({.name = "ArgsAloneFollowImageEntrypoint",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.args = {"run", "fast"};
           },
       .expect = {{"/process/args", {"/entry", "run", "fast"}}}});
  add({.name = "ArgsImageCmdWithoutEntrypoint",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.entrypoint.clear(); },
       .expect = {{"/process/args", {"serve", "--port=80"}}}});
  add({.name = "ArgsNothingAtAll",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.image.config.entrypoint.clear();
             in.image.config.cmd.clear();
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "no command specified"});

  // --- process.env ---
  add({.name = "EnvPrecedence",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.tty = true;
             in.defaults.default_env = {"DEFAULT=d", "IMAGE_VAR=from-default"};
             in.request.envs = {{"IMAGE_VAR", "from-config"}, {"CONFIG", "c"}, {"DEFAULT", "x"}};
           },
       .expect = {{"/process/env",
                   {"PATH=/image/bin:/bin", "HOSTNAME=web-0", "TERM=xterm", "DEFAULT=x",
                    "IMAGE_VAR=from-config", "CONFIG=c", "HOME=/root"}},
                  {"/process/terminal", true}}});
  add({.name = "EnvDefaultPathWithoutTty",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.env.clear(); },
       .expect = {{"/process/env",
                   {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "HOSTNAME=web-0", "HOME=/root"}},
                  {"/process/terminal", false}}});
  add({.name = "EnvHomeFromConfigKept",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.run_as_username = "app";
             in.request.envs = {{"HOME", "/data"}};
           },
       .check =
           [](const BuiltSpec& b) {
             EXPECT_THAT(b.spec["/process/env"_json_pointer].get<std::vector<std::string>>(),
                         ::testing::Contains("HOME=/data"));
             EXPECT_EQ(b.user.home, "/home/app");
           }});
  add({.name = "EnvHomeWithNewlineRefused",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.envs = {{"HOME", "/x\napp:x:0:0::/:"}};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "HOME"});
  add({.name = "EnvBadDefaultEnv",
       .setup = [](SpecInput& in, const std::string&) { in.defaults.default_env = {"NOEQUALS"}; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "default_env[0]"});
  add({.name = "EnvBadImageEntryIgnored",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.env = {"BROKEN"}; },
       .warning = "BROKEN"});

  // --- process.cwd ---
  add({.name = "CwdFromConfig",
       .setup = [](SpecInput& in, const std::string&) { in.request.working_dir = "/srv//app/"; },
       .expect = {{"/process/cwd", "/srv/app"}}});
  add({.name = "CwdFromImage",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.working_dir = "/work"; },
       .expect = {{"/process/cwd", "/work"}}});
  add({.name = "CwdDefault",
       .setup = [](SpecInput&, const std::string&) {},
       .expect = {{"/process/cwd", "/"}}});
  add({.name = "CwdRelativeRefused",
       .setup = [](SpecInput& in, const std::string&) { in.request.working_dir = "srv"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "working_dir"});

  // --- process.user ---
  add({.name = "UserImageName",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "app"; },
       .expect = {{"/process/user",
                   {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {1000, 10, 44}}}}},
       .check =
           [](const BuiltSpec& b) {
             EXPECT_EQ(b.user.username, "app");
             EXPECT_EQ(b.user.home, "/home/app");
           }});
  add({.name = "UserImageUidFindsName",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "1000"; },
       .expect = {
           {"/process/user", {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {1000, 10, 44}}}}}});
  add({.name = "UserImageNameAndGroupName",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "app:staff"; },
       .expect = {
           {"/process/user", {{"uid", 1000}, {"gid", 50}, {"additionalGids", {50, 10, 44}}}}}});
  add({.name = "UserImageUidAndGid",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "1000:44"; },
       .expect = {{"/process/user", {{"uid", 1000}, {"gid", 44}, {"additionalGids", {44, 10}}}}}});
  add({.name = "UserDefaultIsRoot",
       .setup = [](SpecInput&, const std::string&) {},
       .expect = {{"/process/user", {{"uid", 0}, {"gid", 0}, {"additionalGids", {0}}}}},
       .check = [](const BuiltSpec& b) { EXPECT_EQ(b.user.home, "/root"); }});
  add({.name = "UserRunAsUsernameBeatsImage",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.image.config.user = "nobody";
             in.request.security.run_as_username = "app";
             in.request.security.run_as_user = 65534;
           },
       .expect = {{"/process/user/uid", 1000}}});
  add({.name = "UserRunAsUserIgnoresImageGroup",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.image.config.user = "app:staff";
             in.request.security.run_as_user = 65534;
           },
       .expect = {
           {"/process/user", {{"uid", 65534}, {"gid", 65534}, {"additionalGids", {65534}}}}}});
  add({.name = "UserUnlistedUid",
       .setup = [](SpecInput& in, const std::string&) { in.request.security.run_as_user = 4242; },
       .expect = {{"/process/user", {{"uid", 4242}, {"gid", 0}, {"additionalGids", {0}}}},
                  {"/process/env/3", "HOME=/"}}});
  add({.name = "UserEmptyHomeIsSlash",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.security.run_as_username = "nohome"; },
       .check = [](const BuiltSpec& b) { EXPECT_EQ(b.user.home, "/"); }});
  add({.name = "UserRunAsGroupAndSupplementalMerge",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.run_as_user = 1000;
             in.request.security.run_as_group = 3000;
             in.request.security.supplemental_groups = {7, 10};
           },
       .expect = {{"/process/user",
                   {{"uid", 1000}, {"gid", 3000}, {"additionalGids", {3000, 10, 44, 7}}}}}});
  add({.name = "UserSupplementalStrict",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.run_as_username = "app";
             in.request.security.supplemental_groups = {7};
             in.request.security.supplemental_groups_policy = SupplementalGroupsPolicy::kStrict;
           },
       .expect = {{"/process/user/additionalGids", {1000, 7}}}});
  add({.name = "UserMissingName",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "ghost"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "unable to find user ghost: no matching entries in passwd file"});
  add({.name = "UserMissingGroup",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "app:ghosts"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "unable to find group ghosts"});
  add({.name = "UserRunAsUserTooLarge",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.security.run_as_user = 2147483648LL; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "run_as_user: 2147483648 is out of range"});
  add({.name = "UserRunAsGroupTooLarge",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.run_as_user = 1;
             in.request.security.run_as_group = 4294967295LL;
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "run_as_group"});
  add({.name = "UserSupplementalTooLarge",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.supplemental_groups = {1, 1LL << 31};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "supplemental_groups[1]"});
  add({.name = "UserImageUidTooLarge",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "4294967296"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "image user: 4294967296 is out of range"});
  add({.name = "UserImageGidTooLarge",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "1:2147483648"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "image user group"});
  add({.name = "UserPasswdUidTooLarge",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "big"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "/etc/passwd: uid of user big"});
  add({.name = "UserNameWithColonRefused",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.security.run_as_username = "app:0"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "run_as_username"});
  add({.name = "UserNameWithNewlineRefused",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.security.run_as_username = "app\nroot"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "newline"});
  add({.name = "UserImageUserWithNewlineRefused",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "app\n"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "image user"});
  add({.name = "UserImageGroupWithColonRefused",
       .setup = [](SpecInput& in, const std::string&) { in.image.config.user = "app:staff:x"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "image user group"});
  add({.name = "UserGroupWithoutUserRefused",
       .setup = [](SpecInput& in, const std::string&) { in.request.security.run_as_group = 5; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "run_as_group: set without run_as_user"});
  add({.name = "UserOversizedPasswd",
       .setup =
           [](SpecInput&, const std::string& rootfs) {
             std::string big(4u << 20, '#');
             big += "\napp:x:1000:1000::/home/app:/bin/sh\n";
             WriteFile(rootfs + "/etc/passwd", big);
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "larger than 4194304 bytes"});
  add({.name = "UserPasswdSymlinkOutOfRootfsNotFollowed",
       .setup =
           [](SpecInput& in, const std::string& rootfs) {
             // A passwd outside the rootfs that would make "outsider" resolvable.
             const std::string outside = rootfs + "/../outside-passwd";
             WriteFile(outside, "outsider:x:7:7::/:/bin/sh\n");
             ::unlink((rootfs + "/etc/passwd").c_str());
             ASSERT_EQ(::symlink("../../outside-passwd", (rootfs + "/etc/passwd").c_str()), 0);
             in.image.config.user = "outsider";
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "unable to find user outsider"});
  add({.name = "UserPasswdAbsoluteSymlinkStaysInRootfs",
       .setup =
           [](SpecInput& in, const std::string& rootfs) {
             // An absolute link means the rootfs's path, not the host's.
             const std::string outside = rootfs + "/../outside-passwd";
             WriteFile(outside, "outsider:x:7:7::/:/bin/sh\n");
             ::unlink((rootfs + "/etc/passwd").c_str());
             ASSERT_EQ(::symlink(outside.c_str(), (rootfs + "/etc/passwd").c_str()), 0);
             in.image.config.user = "outsider";
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "unable to find user outsider"});
  add({.name = "UserPasswdSymlinkInsideRootfsFollowed",
       .setup =
           [](SpecInput& in, const std::string& rootfs) {
             WriteFile(rootfs + "/lib/passwd", "insider:x:77:78::/in:/bin/sh\n");
             ::unlink((rootfs + "/etc/passwd").c_str());
             ASSERT_EQ(::symlink("/lib/passwd", (rootfs + "/etc/passwd").c_str()), 0);
             in.image.config.user = "insider";
           },
       .expect = {{"/process/user/uid", 77}, {"/process/user/gid", 78}}});
  add({.name = "UserPasswdNotRegular",
       .setup =
           [](SpecInput& in, const std::string& rootfs) {
             ::unlink((rootfs + "/etc/passwd").c_str());
             ASSERT_EQ(::mkfifo((rootfs + "/etc/passwd").c_str(), 0644), 0);
             in.image.config.user = "app";
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "not a regular file"});
  add({.name = "UserNoPasswdNumericStillWorks",
       .setup =
           [](SpecInput& in, const std::string& rootfs) {
             ::unlink((rootfs + "/etc/passwd").c_str());
             in.image.config.user = "123:456";
           },
       .expect = {{"/process/user", {{"uid", 123}, {"gid", 456}, {"additionalGids", {456}}}}}});

  // --- process.capabilities ---
  add({.name = "CapsDefaults",
       .setup = [](SpecInput&, const std::string&) {},
       .expect = {{"/process/capabilities",
                   {{"bounding", kDefaultCaps},
                    {"effective", kDefaultCaps},
                    {"permitted", kDefaultCaps}}}}});
  add({.name = "CapsAddDrop",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.add_capabilities = {"NET_ADMIN", "cap_sys_time"};
             in.request.security.drop_capabilities = {"CHOWN", "cap_kill", "CAP_SETPCAP"};
           },
       .expect = {{"/process/capabilities/bounding",
                   {"CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_SETGID", "CAP_SETUID",
                    "CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN", "CAP_SYS_TIME"}}}});
  add({.name = "CapsDropAllThenAdd",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.drop_capabilities = {"ALL"};
             in.request.security.add_capabilities = {"NET_RAW"};
           },
       .expect = {{"/process/capabilities/permitted", {"CAP_NET_RAW"}}}});
  add({.name = "CapsAddAllDropOne",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.add_capabilities = {"all"};
             in.request.security.drop_capabilities = {"CHOWN"};
           },
       .check =
           [](const BuiltSpec& b) {
             const json& set = b.spec["/process/capabilities/effective"_json_pointer];
             EXPECT_EQ(set.size(), 40u);
             EXPECT_EQ(set.front(), "CAP_DAC_OVERRIDE");
             EXPECT_EQ(set.back(), "CAP_CHECKPOINT_RESTORE");
           }});
  add({.name = "CapsUnknownRefused",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.security.add_capabilities = {"FLY"}; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "add_capabilities[0]: unknown capability \"FLY\""});
  add({.name = "CapsUnknownDropRefused",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.security.drop_capabilities = {"CAP_NOPE"}; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "drop_capabilities[0]"});
  add({.name = "CapsBeyondKernelRefused",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.last_cap = 37;
             in.request.security.add_capabilities = {"BPF"};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "unknown capability \"BPF\""});
  add({.name = "CapsBadDefault",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.default_capabilities = {"CHOWN", "BOGUS"};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "default_capabilities[1]"});
  add({.name = "CapsInheritableOnRequest",
       .setup = [](SpecInput& in,
                   const std::string&) { in.defaults.add_inheritable_capabilities = true; },
       .expect = {{"/process/capabilities/inheritable", kDefaultCaps}},
       .absent = {"/process/capabilities/ambient"}});
  add({.name = "CapsAmbient",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.default_capabilities.clear();
             in.request.security.add_ambient_capabilities = {"NET_BIND_SERVICE"};
           },
       .expect = {{"/process/capabilities/ambient", {"CAP_NET_BIND_SERVICE"}},
                  {"/process/capabilities/inheritable", {"CAP_NET_BIND_SERVICE"}},
                  {"/process/capabilities/bounding", {"CAP_NET_BIND_SERVICE"}}}});
  add({.name = "CapsNoNewPrivsWithSysAdminWarns",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.no_new_privs = true;
             in.request.security.add_capabilities = {"SYS_ADMIN"};
           },
       .expect = {{"/process/noNewPrivileges", true}},
       .warning = "CAP_SYS_ADMIN"});

  // --- privileged ---
  add({.name = "Privileged",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.privileged = true;
             in.request.security.privileged = true;
             in.seccomp_profile = seccomp::Profile{};
             in.seccomp_profile->default_action = "SCMP_ACT_ERRNO";
             in.host_devices = {{.path = "/dev/sda", .type = 'b', .major = 8, .minor = 0}};
           },
       .expect = {{"/linux/resources/devices",
                   {{{"allow", false}, {"access", "rwm"}}, {{"allow", true}, {"access", "rwm"}}}},
                  {"/linux/devices/0/path", "/dev/sda"}},
       .absent = {"/linux/maskedPaths", "/linux/readonlyPaths", "/linux/seccomp"},
       .warning = "seccomp",
       .check =
           [](const BuiltSpec& b) {
             EXPECT_EQ(b.spec["/process/capabilities/bounding"_json_pointer].size(), 41u);
             EXPECT_THAT(MountAt(b.spec, "/sys")["options"].dump(), HasSubstr("\"rw\""));
             EXPECT_THAT(MountAt(b.spec, "/sys/fs/cgroup")["options"].dump(),
                         ::testing::Not(HasSubstr("\"ro\"")));
           }});
  add({.name = "PrivilegedGetsOnlyTheCapabilitiesTheDaemonHas",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.privileged = true;
             in.request.security.privileged = true;
             in.defaults.daemon_bounding_caps = ~(std::uint64_t{1} << 24);  // CAP_SYS_RESOURCE
           },
       .check =
           [](const BuiltSpec& b) {
             const json& bounding = b.spec["/process/capabilities/bounding"_json_pointer];
             EXPECT_EQ(bounding.size(), 40u);
             EXPECT_EQ(std::find(bounding.begin(), bounding.end(), "CAP_SYS_RESOURCE"),
                       bounding.end());
             EXPECT_NE(std::find(bounding.begin(), bounding.end(), "CAP_SYS_ADMIN"),
                       bounding.end());
           }});
  add({.name = "PrivilegedWithoutHostDevices",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.privileged = true;
             in.request.security.privileged = true;
             in.defaults.privileged_without_host_devices = true;
             in.host_devices = {{.path = "/dev/sda", .type = 'b', .major = 8, .minor = 0}};
           },
       .absent = {"/linux/devices"}});
  add({.name = "PrivilegedNeedsPrivilegedPod",
       .setup = [](SpecInput& in, const std::string&) { in.request.security.privileged = true; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "privileged"});
  // Seccomp rules gated on a capability follow the container's own capabilities.
  const auto mount_for_sys_admin = [] {
    seccomp::Profile profile;
    profile.default_action = "SCMP_ACT_ERRNO";
    profile.arch_map = {{"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}}};
    seccomp::SyscallRule rule;
    rule.names = {"mount"};
    rule.action = "SCMP_ACT_ALLOW";
    rule.includes.caps = {"CAP_SYS_ADMIN"};
    profile.syscalls.push_back(rule);
    return profile;
  };
  add({.name = "SeccompRuleNeedsACapabilityTheContainerLacks",
       .setup = [mount_for_sys_admin](
                    SpecInput& in,
                    const std::string&) { in.seccomp_profile = mount_for_sys_admin(); },
       .expect = {{"/linux/seccomp/architectures",
                   {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}}},
       .absent = {"/linux/seccomp/syscalls/0"}});
  add({.name = "SeccompRuleForACapabilityTheContainerHas",
       .setup =
           [mount_for_sys_admin](SpecInput& in, const std::string&) {
             in.seccomp_profile = mount_for_sys_admin();
             in.request.security.add_capabilities = {"SYS_ADMIN"};
           },
       .expect = {{"/linux/seccomp/syscalls/0/names", {"mount"}},
                  {"/linux/seccomp/syscalls/0/action", "SCMP_ACT_ALLOW"}}});
  add({.name = "UnprivilegedDefaults",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.seccomp_profile = seccomp::Profile{};
             in.seccomp_profile->default_action = "SCMP_ACT_ERRNO";
             in.seccomp_profile->default_errno_ret = 38;
             in.process_label = "system_u:system_r:container_t:s0:c1,c2";
             in.mount_label = "system_u:object_r:container_file_t:s0:c1,c2";
             in.apply_selinux_labels = true;
           },
       .expect = {{"/linux/maskedPaths/0", "/proc/asound"},
                  {"/linux/readonlyPaths",
                   {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
                  {"/linux/seccomp/defaultAction", "SCMP_ACT_ERRNO"},
                  {"/linux/seccomp/defaultErrnoRet", 38},
                  {"/linux/mountLabel", "system_u:object_r:container_file_t:s0:c1,c2"},
                  {"/process/selinuxLabel", "system_u:system_r:container_t:s0:c1,c2"},
                  {"/root/readonly", false}}});
  add({.name = "SELinuxLabelsOnlyInAnnotationsWhereSELinuxIsOff",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.process_label = "system_u:system_r:container_t:s0:c1,c2";
             in.mount_label = "system_u:object_r:container_file_t:s0:c1,c2";
           },
       .expect = {{"/annotations/io.kubernetes.cri-o.ProcessLabel",
                   "system_u:system_r:container_t:s0:c1,c2"},
                  {"/annotations/io.kubernetes.cri-o.MountLabel",
                   "system_u:object_r:container_file_t:s0:c1,c2"}},
       .absent = {"/process/selinuxLabel", "/linux/mountLabel"}});
  add({.name = "MaskedPathsFromCri",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.masked_paths = {"/proc/secret"};
             in.request.security.readonly_paths = {"/proc/ro"};
           },
       .expect = {{"/linux/maskedPaths", {"/proc/secret"}},
                  {"/linux/readonlyPaths", {"/proc/ro"}}}});

  // --- readonly rootfs ---
  add({.name = "ReadonlyRootfs",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.security.readonly_rootfs = true; },
       .expect = {{"/root/readonly", true}},
       .check =
           [](const BuiltSpec& b) {
             EXPECT_EQ(MountAt(b.spec, "/etc/resolv.conf")["options"][0], "ro");
             EXPECT_EQ(MountAt(b.spec, "/etc/hostname")["options"][0], "ro");
             EXPECT_TRUE(MountAt(b.spec, "/tmp").is_null());
           }});
  add({.name = "ReadonlyDaemonAddsScratchTmpfs",
       .setup = [](SpecInput& in, const std::string&) { in.defaults.read_only = true; },
       .expect = {{"/root/readonly", true}},
       .check =
           [](const BuiltSpec& b) {
             EXPECT_EQ(MountAt(b.spec, "/tmp")["type"], "tmpfs");
             EXPECT_EQ(MountAt(b.spec, "/var/tmp")["type"], "tmpfs");
             EXPECT_EQ(MountAt(b.spec, "/run")["type"], "tmpfs");
           }});

  // --- mounts ---
  add({.name = "MountsOrderAndOptions",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.mounts = {
                 {.container_path = "/data/cache/deep", .host_path = "/h/deep"},
                 {.container_path = "/data", .host_path = "/h/data", .readonly = true},
                 {.container_path = "/var/log/app/",
                  .host_path = "/h/log",
                  .propagation = MountPropagation::kHostToContainer},
             };
           },
       .expect = {{"/mounts/10",
                   {{"destination", "/data"},
                    {"type", "bind"},
                    {"source", "/h/data"},
                    {"options", {"rbind", "rprivate", "ro"}}}},
                  {"/mounts/11/destination", "/data/cache/deep"},
                  {"/mounts/11/options", {"rbind", "rprivate", "rw"}},
                  {"/mounts/12/destination", "/var/log/app"},
                  {"/mounts/12/options", {"rbind", "rslave", "rw"}},
                  {"/linux/rootfsPropagation", "rslave"}},
       .check =
           [](const BuiltSpec& b) {
             EXPECT_THAT(Destinations(b.spec),
                         ::testing::ElementsAre("/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys",
                                                "/sys/fs/cgroup", "/dev/shm", "/etc/resolv.conf",
                                                "/etc/hostname", "/etc/hosts", "/data",
                                                "/data/cache/deep", "/var/log/app"));
             EXPECT_EQ(MountAt(b.spec, "/dev/shm"), json({{"destination", "/dev/shm"},
                                                          {"type", "bind"},
                                                          {"source", "/run/crio/shm/pod123"},
                                                          {"options", {"rw", "bind"}}}));
           }});
  add({.name = "MountsBidirectional",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.mounts = {
                 {.container_path = "/a",
                  .host_path = "/h/a",
                  .propagation = MountPropagation::kHostToContainer},
                 {.container_path = "/b",
                  .host_path = "/h/b",
                  .propagation = MountPropagation::kBidirectional},
             };
           },
       .expect = {{"/linux/rootfsPropagation", "rshared"}}});
  add({.name = "MountsRelativeContainerPathRefused",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.mounts = {{"data", "/h/data"}};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "mounts[0].container_path: \"data\" is not absolute"});
  add({.name = "MountsCriReplacesDefaults",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.mounts = {{"/etc/hosts", "/h/hosts"}, {"/dev", "/dev"}};
           },
       .check =
           [](const BuiltSpec& b) {
             EXPECT_THAT(
                 Destinations(b.spec),
                 ::testing::ElementsAre("/proc", "/sys", "/sys/fs/cgroup", "/etc/resolv.conf",
                                        "/etc/hostname", "/dev", "/etc/hosts"));
             EXPECT_EQ(MountAt(b.spec, "/etc/hosts")["source"], "/h/hosts");
           }});
  add({.name = "MountsPrivateShmWithoutPod",
       .setup = [](SpecInput& in, const std::string&) { in.pod.shm_path.clear(); },
       .check =
           [](const BuiltSpec& b) { EXPECT_EQ(MountAt(b.spec, "/dev/shm")["type"], "tmpfs"); }});
  add({.name = "MountsRecursiveReadOnlyUnsupported",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.mounts = {{.container_path = "/a",
                                   .host_path = "/h",
                                   .readonly = true,
                                   .recursive_read_only = true}};
           },
       .code = absl::StatusCode::kFailedPrecondition,
       .error = "recursive_read_only"});
  add({.name = "MountsRecursiveReadOnly",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.recursive_read_only_supported = true;
             in.request.mounts = {{.container_path = "/a",
                                   .host_path = "/h",
                                   .readonly = true,
                                   .recursive_read_only = true}};
           },
       .expect = {{"/mounts/10/options", {"rbind", "rprivate", "rro"}}}});
  add({.name = "MountsRecursiveReadOnlyNeedsReadonly",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.recursive_read_only_supported = true;
             in.request.mounts = {
                 {.container_path = "/a", .host_path = "/h", .recursive_read_only = true}};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "read-write"});
  add({.name = "ImageVolumesUncovered",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.image.config.volumes = {"/data", "/var/lib/db", "cache", "/"};
             in.request.mounts = {{"/data/", "/h/data"}};
           },
       .check =
           [](const BuiltSpec& b) {
             EXPECT_THAT(b.image_volumes, ::testing::ElementsAre("/cache", "/var/lib/db"));
           }});
  add({.name = "ImageVolumesIgnored",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.image.config.volumes = {"/data"};
             in.defaults.image_volumes = "ignore";
           },
       .check = [](const BuiltSpec& b) { EXPECT_TRUE(b.image_volumes.empty()); }});

  // --- namespaces and hostname ---
  add({.name = "NamespacesJoinPod",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.namespace_options.pid = NamespaceMode::kPod;
           },
       .expect = {{"/linux/namespaces", Namespaces({{"pid", "/proc/4242/ns/pid"},
                                                    {"network", "/run/crio/ns/net/pod123"},
                                                    {"ipc", "/run/crio/ns/ipc/pod123"},
                                                    {"uts", "/run/crio/ns/uts/pod123"},
                                                    {"mount", ""}})},
                  {"/hostname", "web-0"}}});
  add({.name = "NamespacesPidContainer",
       .setup = [](SpecInput&, const std::string&) {},
       .expect = {{"/linux/namespaces/0", {{"type", "pid"}}}}});
  add({.name = "NamespacesPidNode",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.namespace_options.pid = NamespaceMode::kNode;
           },
       .expect = {{"/linux/namespaces/0/type", "network"}}});
  add({.name = "NamespacesPidTarget",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.namespace_options.pid = NamespaceMode::kTarget;
             in.request.security.namespace_options.target_id = "other";
             in.target_pid_ns_path = "/proc/777/ns/pid";
           },
       .expect = {{"/linux/namespaces/0", {{"type", "pid"}, {"path", "/proc/777/ns/pid"}}}}});
  add({.name = "NamespacesPidTargetUnknown",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.namespace_options.pid = NamespaceMode::kTarget;
             in.request.security.namespace_options.target_id = "other";
           },
       .code = absl::StatusCode::kFailedPrecondition,
       .error = "target_id"});
  add({.name = "NamespacesPidPodWithoutPath",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.security.namespace_options.pid = NamespaceMode::kPod;
             in.pod.pid_ns_path.clear();
           },
       .code = absl::StatusCode::kFailedPrecondition,
       .error = "namespace_options.pid"});
  add({.name = "NamespacesHostNetwork",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.host_network = true;
             in.pod.net_ns_path.clear();
             in.pod.uts_ns_path.clear();
             in.request.security.namespace_options.network = NamespaceMode::kNode;
           },
       .expect = {{"/linux/namespaces",
                   Namespaces({{"pid", ""}, {"ipc", "/run/crio/ns/ipc/pod123"}, {"mount", ""}})}},
       .absent = {"/hostname"}});
  add({.name = "NamespacesHostIpc",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.host_ipc = true;
             in.request.security.namespace_options.ipc = NamespaceMode::kNode;
           },
       .expect = {{"/linux/namespaces", Namespaces({{"pid", ""},
                                                    {"network", "/run/crio/ns/net/pod123"},
                                                    {"uts", "/run/crio/ns/uts/pod123"},
                                                    {"mount", ""}})}}});
  add({.name = "NamespacesNothingPinnedMeansNew",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.net_ns_path.clear();
             in.pod.ipc_ns_path.clear();
             in.pod.uts_ns_path.clear();
           },
       .expect = {
           {"/linux/namespaces",
            Namespaces({{"pid", ""}, {"network", ""}, {"ipc", ""}, {"uts", ""}, {"mount", ""}})},
           {"/hostname", "web-0"}}});
  add({.name = "NamespacesCgroupOnUnifiedHierarchy",
       .setup = [](SpecInput& in, const std::string&) { in.defaults.cgroup2 = true; },
       .expect = {{"/linux/namespaces/5", {{"type", "cgroup"}}}}});

  // --- resources ---
  add({.name = "ResourcesMapping",
       .setup =
           [](SpecInput& in, const std::string&) {
             LinuxResources& r = in.request.resources;
             r.cpu_period = 100000;
             r.cpu_quota = 50000;
             r.cpu_shares = 512;
             r.memory_limit_in_bytes = 256 << 20;
             r.memory_swap_limit_in_bytes = 512 << 20;
             r.cpuset_cpus = "0-1";
             r.cpuset_mems = "0";
             r.hugepage_limits = {{"2MB", 4 << 20}};
             in.defaults.pids_limit = 1024;
           },
       .expect = {{"/linux/resources/cpu",
                   {{"shares", 512},
                    {"quota", 50000},
                    {"period", 100000},
                    {"cpus", "0-1"},
                    {"mems", "0"}}},
                  {"/linux/resources/memory", {{"limit", 256 << 20}, {"swap", 512 << 20}}},
                  {"/linux/resources/hugepageLimits", {{{"pageSize", "2MB"}, {"limit", 4 << 20}}}},
                  {"/linux/resources/pids", {{"limit", 1024}}}},
       .absent = {"/linux/resources/unified"}});
  add({.name = "ResourcesNoSwapMeansLimit",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.resources.memory_limit_in_bytes = 64 << 20; },
       .expect = {{"/linux/resources/memory", {{"limit", 64 << 20}, {"swap", 64 << 20}}}},
       .absent = {"/linux/resources/pids", "/linux/resources/cpu"}});
  add({.name = "ResourcesSwapUnsupported",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.resources.memory_limit_in_bytes = 64 << 20;
             in.defaults.swap_supported = false;
           },
       .expect = {{"/linux/resources/memory", {{"limit", 64 << 20}}}}});
  add({.name = "ResourcesSwapBelowLimit",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.resources.memory_limit_in_bytes = 64 << 20;
             in.request.resources.memory_swap_limit_in_bytes = 32 << 20;
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "memory_swap_limit_in_bytes"});
  add({.name = "ResourcesMemoryBelowMinimum",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.resources.memory_limit_in_bytes = 4096; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "memory_limit_in_bytes: 4096 is too low"});
  add({.name = "ResourcesBadCpuset",
       .setup = [](SpecInput& in, const std::string&) { in.request.resources.cpuset_cpus = "0-x"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "cpuset_cpus"});
  add({.name = "ResourcesUnifiedOnV2",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.cgroup2 = true;
             in.request.resources.unified = {{"memory.high", "1G"}};
           },
       .expect = {{"/linux/resources/unified", {{"memory.high", "1G"}}}}});
  add({.name = "ResourcesUnifiedIgnoredOnV1",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.resources.unified = {{"memory.high", "1G"}};
           },
       .absent = {"/linux/resources/unified"},
       .warning = "cgroup v2"});
  add({.name = "ResourcesHugetlbMissing",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.hugetlb_supported = false;
             in.request.resources.hugepage_limits = {{"2MB", 1}};
           },
       .absent = {"/linux/resources/hugepageLimits"},
       .warning = "hugetlb"});
  add({.name = "OomScoreAdjRaisedWithoutCapSysResource",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.resources.oom_score_adj = -998;
             in.defaults.daemon_oom_score_adj = -500;
             in.defaults.daemon_has_cap_sys_resource = false;
           },
       .expect = {{"/process/oomScoreAdj", -500}},
       .warning = "Raising oom_score_adj from -998 to -500"});
  add({.name = "OomScoreAdjKeptWithCapSysResource",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.resources.oom_score_adj = -998;
             in.defaults.daemon_oom_score_adj = -500;
           },
       .expect = {{"/process/oomScoreAdj", -998}}});
  add({.name = "OomScoreAdjAboveOwnKept",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.resources.oom_score_adj = 1000;
             in.defaults.daemon_has_cap_sys_resource = false;
           },
       .expect = {{"/process/oomScoreAdj", 1000}}});
  add({.name = "OomScoreAdjOutOfRange",
       .setup = [](SpecInput& in,
                   const std::string&) { in.request.resources.oom_score_adj = 1001; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "oom_score_adj"});

  // --- cgroupsPath ---
  add({.name = "CgroupfsPath",
       .setup = [](SpecInput&, const std::string&) {},
       .expect = {{"/linux/cgroupsPath", "/kubepods/burstable/poduid-1/crio-abc123"}}});
  add({.name = "CgroupfsDefaultParent",
       .setup = [](SpecInput& in, const std::string&) { in.pod.cgroup_parent.clear(); },
       .expect = {{"/linux/cgroupsPath", "/crio/crio-abc123"}}});
  add({.name = "CgroupfsRefusesSlice",
       .setup = [](SpecInput& in, const std::string&) { in.pod.cgroup_parent = "kubepods.slice"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "cgroup_parent"});
  add({.name = "SystemdPath",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.cgroup_manager = "systemd";
             in.pod.cgroup_parent =
                 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-poduid_1.slice";
           },
       .expect = {{"/linux/cgroupsPath", "kubepods-burstable-poduid_1.slice:crio:abc123"}}});
  add({.name = "SystemdDefaultParent",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.cgroup_manager = "systemd";
             in.pod.cgroup_parent.clear();
           },
       .expect = {{"/linux/cgroupsPath", "system.slice:crio:abc123"}}});
  add({.name = "SystemdNeedsSlice",
       .setup = [](SpecInput& in, const std::string&) { in.defaults.cgroup_manager = "systemd"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "is not a systemd slice"});

  // --- sysctls ---
  add({.name = "SysctlsPodOverDefaults",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.default_sysctls = {"net.ipv4.ping_group_range=0 2147483647",
                                            "kernel.shm_rmid_forced=0"};
             in.pod.sysctls = {{"kernel.shm_rmid_forced", "1"},
                               {"net/ipv4/ip_unprivileged_port_start", "0"}};
           },
       .expect = {{"/linux/sysctl",
                   {{"net.ipv4.ping_group_range", "0 2147483647"},
                    {"kernel.shm_rmid_forced", "1"},
                    {"net.ipv4.ip_unprivileged_port_start", "0"}}}}});
  add({.name = "SysctlsNetRefusedOnHostNetwork",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.host_network = true;
             in.pod.sysctls = {{"net.ipv4.ip_forward", "1"}};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "sysctl \"net.ipv4.ip_forward\" not allowed with host net enabled"});
  add({.name = "SysctlsIpcRefusedOnHostIpc",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.host_ipc = true;
             in.defaults.default_sysctls = {"kernel.shmmax=1000"};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "default_sysctls[0]: sysctl \"kernel.shmmax\" not allowed with host ipc"});
  add({.name = "SysctlsNotNamespacedRefused",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.pod.sysctls = {{"vm.swappiness", "10"}};
           },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "not namespaced"});

  // --- rlimits ---
  add({.name = "Ulimits",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.defaults.default_ulimits = {"nofile=1024:2048", "core=-1", "nproc=50"};
           },
       .expect = {{"/process/rlimits",
                   {{{"type", "RLIMIT_CORE"},
                     {"soft", 18446744073709551615ULL},
                     {"hard", 18446744073709551615ULL}},
                    {{"type", "RLIMIT_NOFILE"}, {"soft", 1024}, {"hard", 2048}},
                    {{"type", "RLIMIT_NPROC"}, {"soft", 50}, {"hard", 50}}}}}});
  add({.name = "UlimitsNone",
       .setup = [](SpecInput&, const std::string&) {},
       .absent = {"/process/rlimits"}});
  add({.name = "UlimitsBad",
       .setup = [](SpecInput& in,
                   const std::string&) { in.defaults.default_ulimits = {"nofile=2048:1024"}; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "default_ulimits[0]"});

  // --- devices ---
  add({.name = "DevicesRules",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.devices = {{"/dev/xvdc", "/dev/sdc", "rw"}};
             in.devices = {{.path = "/dev/xvdc",
                            .type = 'b',
                            .major = 8,
                            .minor = 32,
                            .file_mode = 0660,
                            .gid = 6,
                            .permissions = "rw"}};
           },
       .expect =
           {{"/linux/devices",
             {{{"path", "/dev/xvdc"},
               {"type", "b"},
               {"major", 8},
               {"minor", 32},
               {"fileMode", 0660},
               {"uid", 0},
               {"gid", 6}}}},
            {"/linux/resources/devices/0", {{"allow", false}, {"access", "rwm"}}},
            {"/linux/resources/devices/1", {{"allow", true}, {"type", "c"}, {"access", "m"}}},
            {"/linux/resources/devices/3",
             {{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"access", "rwm"}}},
            {"/linux/resources/devices/10",
             {{"allow", true}, {"type", "c"}, {"major", 136}, {"access", "rwm"}}},
            {"/linux/resources/devices/11",
             {{"allow", true}, {"type", "b"}, {"major", 8}, {"minor", 32}, {"access", "rw"}}}},
       .absent = {"/linux/resources/devices/12"}});
  add({.name = "DevicesMustBeResolved",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.devices = {{"/dev/xvdc", "/dev/sdc", ""}};
           },
       .code = absl::StatusCode::kFailedPrecondition,
       .error = "devices[0]"});

  // --- annotations, log path, stop signal ---
  add({.name = "Annotations",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.request.annotations["io.kubernetes.cri-o.SandboxID"] = "forged";
             in.pod.annotations = {{"pod-annotation", "p"}};
             in.image.config.stop_signal = "SIGQUIT";
           },
       .expect = {{"/annotations/io.kubernetes.cri-o.ContainerType", "container"},
                  {"/annotations/io.kubernetes.cri-o.SandboxID", "pod123"},
                  {"/annotations/io.kubernetes.cri-o.ContainerID", "abc123"},
                  {"/annotations/io.kubernetes.cri-o.Name", "k8s_app_web_default_uid-1_1"},
                  {"/annotations/io.kubernetes.cri-o.SandboxName", "k8s_web_default_uid-1_0"},
                  {"/annotations/io.kubernetes.cri-o.LogPath",
                   "/var/log/pods/default_web_uid-1/app/1.log"},
                  {"/annotations/io.kubernetes.cri-o.TTY", "false"},
                  {"/annotations/io.kubernetes.cri-o.Image", "docker.io/library/busybox:1.36"},
                  {"/annotations/io.kubernetes.cri-o.ImageRef", "sha256:feed"},
                  {"/annotations/io.kubernetes.cri-o.Created", "2024-05-01T10:00:00.123456789Z"},
                  {"/annotations/io.kubernetes.cri-o.Metadata", R"({"attempt":1,"name":"app"})"},
                  {"/annotations/io.kubernetes.container.name", "app"},
                  {"/annotations/io.kubernetes.container.hash", "1234"},
                  {"/annotations/io.kubernetes.pod.name", "web"},
                  {"/annotations/io.kubernetes.pod.namespace", "default"},
                  {"/annotations/io.kubernetes.pod.uid", "uid-1"},
                  {"/annotations/tier", "web"},
                  {"/annotations/pod-annotation", "p"},
                  {"/annotations/org.opencontainers.image.stopSignal", "SIGQUIT"}},
       .check = [](const BuiltSpec& b) { EXPECT_EQ(b.stop_signal, "SIGQUIT"); }});
  add({.name = "StopSignalFromRequest",
       .setup =
           [](SpecInput& in, const std::string&) {
             in.image.config.stop_signal = "SIGQUIT";
             in.request.stop_signal = "SIGUSR1";
           },
       .expect = {{"/annotations/org.opencontainers.image.stopSignal", "SIGUSR1"}}});
  add({.name = "LogPathDefault",
       .setup = [](SpecInput& in, const std::string&) { in.request.log_path.clear(); },
       .check =
           [](const BuiltSpec& b) {
             EXPECT_EQ(b.log_path, "/var/log/pods/default_web_uid-1/abc123.log");
           }});
  add({.name = "LogPathEscapeRefused",
       .setup = [](SpecInput& in, const std::string&) { in.request.log_path = "../../etc/x"; },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "log_path"});
  add({.name = "LogDirectoryRequired",
       .setup = [](SpecInput& in, const std::string&) { in.pod.log_directory.clear(); },
       .code = absl::StatusCode::kInvalidArgument,
       .error = "log_directory"});
  return cases;
}

class BuildContainerSpecTest : public ::testing::TestWithParam<Case> {};

TEST_P(BuildContainerSpecTest, Fragments) {
  const Case& c = GetParam();
  TempDir dir;
  const std::string rootfs = dir.Sub("rootfs");
  MakeRootfs(rootfs);
  SpecInput input = TypicalInput(rootfs);
  c.setup(input, rootfs);
  if (::testing::Test::HasFatalFailure()) return;

  absl::StatusOr<BuiltSpec> built = BuildContainerSpec(input);
  if (c.code != absl::StatusCode::kOk) {
    ASSERT_FALSE(built.ok()) << built->spec.dump(2);
    EXPECT_EQ(built.status().code(), c.code) << built.status();
    EXPECT_THAT(std::string(built.status().message()), HasSubstr(c.error));
    return;
  }
  ASSERT_TRUE(built.ok()) << built.status();
  const json& spec = built->spec;
  for (const auto& [pointer, value] : c.expect) {
    const json::json_pointer p(pointer);
    ASSERT_TRUE(spec.contains(p)) << pointer << " missing in\n" << spec.dump(2);
    EXPECT_EQ(spec[p], value) << pointer;
  }
  for (const std::string& pointer : c.absent) {
    EXPECT_FALSE(spec.contains(json::json_pointer(pointer)))
        << pointer << " = " << spec[json::json_pointer(pointer)].dump();
  }
  if (!c.warning.empty()) {
    EXPECT_THAT(built->warnings, ::testing::Contains(HasSubstr(c.warning)));
  }
  if (c.check) c.check(*built);
}

INSTANTIATE_TEST_SUITE_P(Table, BuildContainerSpecTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return param_info.param.name;
                         });

TEST(BuildContainerSpecTest, WholeSpecShape) {
  TempDir dir;
  const std::string rootfs = dir.Sub("rootfs");
  MakeRootfs(rootfs);
  absl::StatusOr<BuiltSpec> built = BuildContainerSpec(TypicalInput(rootfs));
  ASSERT_TRUE(built.ok()) << built.status();
  const json& spec = built->spec;
  EXPECT_EQ(spec["ociVersion"], "1.0.2-dev");
  EXPECT_EQ(spec["root"], json({{"path", rootfs}, {"readonly", false}}));
  EXPECT_EQ(spec["hostname"], "web-0");
  EXPECT_EQ(spec["process"]["noNewPrivileges"], false);
  EXPECT_EQ(spec["process"]["oomScoreAdj"], 0);
  EXPECT_TRUE(built->warnings.empty());
  EXPECT_EQ(built->log_path, "/var/log/pods/default_web_uid-1/app/1.log");
  EXPECT_EQ(built->user, (ResolvedUser{0, 0, {0}, "root", "/root"}));
}

TEST(RuntimeDefaultsFromConfigTest, TakesConfigValues) {
  config::Config config = config::Config::Defaults();
  config.runtime.default_ulimits = {"nofile=1:2"};
  config.runtime.default_env = {"A=b"};
  config.runtime.pids_limit = 42;
  config.runtime.cgroup_manager = "cgroupfs";
  config.image.image_volumes = "ignore";
  config.runtime.runtimes[config.runtime.default_runtime].container_min_memory = "20MiB";
  absl::StatusOr<RuntimeDefaults> d = RuntimeDefaultsFromConfig(config, "");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->default_capabilities, config.runtime.default_capabilities);
  EXPECT_EQ(d->default_ulimits, config.runtime.default_ulimits);
  EXPECT_EQ(d->default_env, config.runtime.default_env);
  EXPECT_EQ(d->pids_limit, 42);
  EXPECT_EQ(d->cgroup_manager, "cgroupfs");
  EXPECT_EQ(d->image_volumes, "ignore");
  EXPECT_EQ(d->container_min_memory, 20 << 20);
  EXPECT_EQ(RuntimeDefaultsFromConfig(config, "nope").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio::spec
