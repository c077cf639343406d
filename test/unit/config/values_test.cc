// The value parsers of include/crio/config/values.h.

#include "crio/config/values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crio::config {
namespace {

using ::testing::ElementsAre;

TEST(ParseGoDurationTest, AcceptsGoSyntax) {
  EXPECT_EQ(*ParseGoDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseGoDuration("0s"), absl::ZeroDuration());
  EXPECT_EQ(*ParseGoDuration("300ms"), absl::Milliseconds(300));
  EXPECT_EQ(*ParseGoDuration("1.5h"), absl::Minutes(90));
  EXPECT_EQ(*ParseGoDuration("2h45m"), absl::Hours(2) + absl::Minutes(45));
  EXPECT_EQ(*ParseGoDuration("-1m"), absl::Minutes(-1));
  EXPECT_EQ(*ParseGoDuration("+5s"), absl::Seconds(5));
  EXPECT_EQ(*ParseGoDuration("1us"), absl::Microseconds(1));
  EXPECT_EQ(*ParseGoDuration("1\xC2\xB5s"), absl::Microseconds(1));
  EXPECT_EQ(*ParseGoDuration("10ns"), absl::Nanoseconds(10));
  EXPECT_EQ(*ParseGoDuration(".5s"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseGoDuration("4h0m0s"), absl::Hours(4));
}

TEST(ParseGoDurationTest, RefusesTheRest) {
  for (const char* bad : {"", "5", "1x", "h", ".s", "1m 5s", "s1", "-", "99999999999h"}) {
    EXPECT_FALSE(ParseGoDuration(bad).ok()) << bad;
  }
}

TEST(ParseMemorySizeTest, GoUnitsRamInBytes) {
  EXPECT_EQ(*ParseMemorySize("12MiB"), 12 * 1024 * 1024);
  EXPECT_EQ(*ParseMemorySize("500KiB"), 500 * 1024);
  EXPECT_EQ(*ParseMemorySize("1g"), 1024 * 1024 * 1024);
  EXPECT_EQ(*ParseMemorySize("1.5 GB"), 1536LL * 1024 * 1024);
  EXPECT_EQ(*ParseMemorySize("4096"), 4096);
  EXPECT_EQ(*ParseMemorySize("10b"), 10);
  for (const char* bad : {"", "MiB", "12 MiB B", "1.2.3k", "-5", "12XB", "1e3"}) {
    EXPECT_FALSE(ParseMemorySize(bad).ok()) << bad;
  }
}

TEST(CanonicalCapabilityTest, BothForms) {
  EXPECT_EQ(*CanonicalCapability("CHOWN"), "CAP_CHOWN");
  EXPECT_EQ(*CanonicalCapability("cap_sys_admin"), "CAP_SYS_ADMIN");
  EXPECT_EQ(*CanonicalCapability("Checkpoint_Restore"), "CAP_CHECKPOINT_RESTORE");
  EXPECT_FALSE(CanonicalCapability("CAP_FLY").ok());
  EXPECT_FALSE(CanonicalCapability("").ok());
}

TEST(ParseUlimitTest, NameSoftHard) {
  absl::StatusOr<Ulimit> u = ParseUlimit("nofile=1024:2048");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->name, "nofile");
  EXPECT_EQ(u->soft, 1024);
  EXPECT_EQ(u->hard, 2048);
  u = ParseUlimit("core=-1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->soft, -1);
  EXPECT_EQ(u->hard, -1);
  EXPECT_TRUE(ParseUlimit("nproc=10:-1").ok());
  for (const char* bad : {"nofile", "nofile=", "nofile=a:b", "nofile=1:2:3", "nofile=5:1",
                          "nofile=-1:5", "bogus=1:2", "nofile=+1"}) {
    EXPECT_FALSE(ParseUlimit(bad).ok()) << bad;
  }
}

TEST(ParseSysctlTest, KeyEqualsValueWithoutSpaces) {
  absl::StatusOr<Sysctl> s = ParseSysctl("net.ipv4.ping_group_range=0 2147483647");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->key, "net.ipv4.ping_group_range");
  EXPECT_EQ(s->value, "0 2147483647");
  EXPECT_TRUE(ParseSysctl("kernel.msgmax=").ok());
  for (const char* bad : {"net.ipv4.ip_forward", "=1", "a = 1", "a= 1", "a =1"}) {
    EXPECT_FALSE(ParseSysctl(bad).ok()) << bad;
  }
}

// CVE-2022-0811: pinns split "a=1+b=2" into two settings, so a pod could set any host
// sysctl (kernel.core_pattern) through a namespaced one.
TEST(CheckSysctlTextTest, RefusesSmuggledSettings) {
  EXPECT_TRUE(CheckSysctlText("net.ipv4.ping_group_range", "0 2147483647").ok());
  EXPECT_TRUE(CheckSysctlText("kernel.shm_rmid_forced", "1").ok());
  EXPECT_TRUE(CheckSysctlText("net.ipv4.ip_local_port_range", "1024\t65000").ok());
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"kernel.shm_rmid_forced", "1+kernel.core_pattern=|/var/lib/x/malicious.sh #"},
      {"kernel.shm_rmid_forced", "1=2"},
      {"kernel.shm_rmid_forced", "1\nkernel.core_pattern=|/x"},
      {"kernel.shm_rmid_forced", std::string("1\0x", 3)},
      {"kernel.shm_rmid_forced+kernel.core_pattern", "1"},
      {"net.ipv4.ip_forward=1", "1"},
      {"net/../../kernel/core_pattern", "x"},
      {"net..ipv4", "1"},
      {"", "1"},
  };
  for (const auto& [key, value] : bad) {
    const absl::Status status = CheckSysctlText(key, value);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << key << "=" << value;
    EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("sysctl")) << key;
  }
}

TEST(SysctlNamespaceOfTest, KernelFamilies) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"kernel.shm_rmid_forced", "ipc"},
      {"kernel.shmmax", "ipc"},
      {"kernel.msgmax", "ipc"},
      {"kernel.sem", "ipc"},
      {"fs.mqueue.msg_max", "ipc"},
      {"net.ipv4.ip_forward", "net"},
      {"net.core.somaxconn", "net"},
      {"kernel.hostname", "uts"},
      {"kernel.domainname", "uts"},
      {"kernel.core_pattern", ""},
      {"kernel.semx", ""},
      {"vm.overcommit_memory", ""},
      {"fs.mqueue", ""},
      {"netx.foo", ""},
      {"kernel.sysrq", ""},
      {"kernel.shm", ""},
      {"kernel.msgfoo", ""},
      {"net.", ""},
  };
  for (const auto& [key, family] : cases) EXPECT_EQ(SysctlNamespaceOf(key), family) << key;
}

TEST(ParseIdMappingsTest, Ranges) {
  absl::StatusOr<std::vector<IdMapping>> m = ParseIdMappings("0:100000:65536,65536:1:1");
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].host_id, 100000u);
  EXPECT_EQ((*m)[1].size, 1u);
  EXPECT_TRUE(ParseIdMappings("")->empty());
  for (const char* bad : {"0:1", "0:1:0", "a:b:c", "0:1:2,", "-1:0:1", "0:1:4294967296"}) {
    EXPECT_FALSE(ParseIdMappings(bad).ok()) << bad;
  }
}

TEST(ParseDeviceTest, HostContainerPermissions) {
  absl::StatusOr<DeviceSpec> d = ParseDevice("/dev/sdc:/dev/xvdc:rw");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host_path, "/dev/sdc");
  EXPECT_EQ(d->container_path, "/dev/xvdc");
  EXPECT_EQ(d->permissions, "rw");
  d = ParseDevice("/dev/fuse");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->container_path, "/dev/fuse");
  EXPECT_EQ(d->permissions, "rwm");
  for (const char* bad :
       {"", "dev/fuse", "/dev/a:dev/b", "/dev/a:/dev/b:rwx", "/a:/b:r:x", "/dev/a:/dev/b:"}) {
    EXPECT_FALSE(ParseDevice(bad).ok()) << bad;
  }
}

TEST(ParseCpuListTest, LinuxCpuLists) {
  EXPECT_THAT(*ParseCpuList("0-3,6"), ElementsAre(0, 1, 2, 3, 6));
  EXPECT_THAT(*ParseCpuList("5,1-2,2"), ElementsAre(1, 2, 5));
  EXPECT_TRUE(ParseCpuList("")->empty());
  for (const char* bad : {"3-1", "a", "1-", "-1", "1,,2", " 1", "0-70000"}) {
    EXPECT_FALSE(ParseCpuList(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace crio::config
