// Host device lookups and the bounded, rootfs-confined file reads.

#include "crio/spec/devices.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "crio/spec/user.h"
#include "spec_test_util.h"

namespace crio::spec {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::WriteFile;

TEST(ResolveDeviceTest, DevNull) {
  absl::StatusOr<LinuxDevice> d = ResolveDevice({"/dev/mynull", "/dev/null", ""});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->path, "/dev/mynull");
  EXPECT_EQ(d->type, 'c');
  EXPECT_EQ(d->major, 1);
  EXPECT_EQ(d->minor, 3);
  EXPECT_EQ(d->file_mode, 0666u);
  EXPECT_EQ(d->permissions, "rwm");
}

TEST(ResolveDeviceTest, ContainerPathDefaultsToHostPath) {
  absl::StatusOr<LinuxDevice> d = ResolveDevice({"", "/dev/zero", "r"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->path, "/dev/zero");
  EXPECT_EQ(d->permissions, "r");
}

TEST(ResolveDeviceTest, Refusals) {
  TempDir dir;
  WriteFile(dir.Sub("file"), "x");
  EXPECT_EQ(ResolveDevice({"/dev/x", dir.Sub("file"), ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveDevice({"/dev/x", dir.Sub("missing"), ""}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveDevice({"/dev/x", "/dev/null", "rwx"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HostDevicesTest, WalksLikeRunc) {
  TempDir dir;
  const std::string dev = dir.Sub("dev");
  std::filesystem::create_directories(dev + "/pts");
  std::filesystem::create_directories(dev + "/bus/usb");
  ASSERT_EQ(::mkfifo((dev + "/fifo").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dev + "/bus/usb/deep").c_str(), 0640), 0);
  ASSERT_EQ(::mkfifo((dev + "/pts/skipped").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dev + "/console").c_str(), 0600), 0);
  WriteFile(dev + "/regular", "not a device");
  ASSERT_EQ(::symlink("fifo", (dev + "/link").c_str()), 0);

  absl::StatusOr<std::vector<LinuxDevice>> devices = HostDevices(dev);
  ASSERT_TRUE(devices.ok()) << devices.status();
  ASSERT_EQ(devices->size(), 2u);
  EXPECT_EQ((*devices)[0].path, "/dev/bus/usb/deep");
  EXPECT_EQ((*devices)[0].type, 'p');
  EXPECT_EQ((*devices)[0].file_mode, 0640u);
  EXPECT_EQ((*devices)[1].path, "/dev/fifo");
}

TEST(HostDevicesTest, RealDevHasNull) {
  absl::StatusOr<std::vector<LinuxDevice>> devices = HostDevices();
  ASSERT_TRUE(devices.ok()) << devices.status();
  EXPECT_THAT(*devices, ::testing::Contains(::testing::Field(&LinuxDevice::path, "/dev/null")));
  EXPECT_THAT(
      *devices,
      ::testing::Not(::testing::Contains(::testing::Field(&LinuxDevice::path, "/dev/console"))));
}

TEST(ReadRootfsFileTest, ReadsInsideAndBounds) {
  TempDir dir;
  const std::string rootfs = dir.Sub("rootfs");
  WriteFile(rootfs + "/etc/os-release", "ID=test\n");
  absl::StatusOr<std::string> content = ReadRootfsFile(rootfs, "/etc/os-release", 100);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, "ID=test\n");
  absl::StatusOr<std::string> small = ReadRootfsFile(rootfs, "/etc/os-release", 3);
  EXPECT_EQ(small.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(small.status().message()), HasSubstr("larger than 3 bytes"));
  EXPECT_EQ(ReadRootfsFile(rootfs, "/etc/none", 100).status().code(), absl::StatusCode::kNotFound);
}

TEST(ReadRootfsFileTest, LinkedDirectoryStaysInRootfs) {
  TempDir dir;
  const std::string rootfs = dir.Sub("rootfs");
  // /etc -> ../../host-etc would be the host's /etc for a naive open.
  WriteFile(dir.Sub("host-etc/passwd"), "host:x:0:0::/:/bin/sh\n");
  std::filesystem::create_directories(rootfs);
  ASSERT_EQ(::symlink("../../host-etc", (rootfs + "/etc").c_str()), 0);
  EXPECT_EQ(ReadRootfsFile(rootfs, "/etc/passwd", 100).status().code(),
            absl::StatusCode::kNotFound);
  // ...while /host-etc inside the rootfs is what the link means there.
  WriteFile(rootfs + "/host-etc/passwd", "inside:x:1:1::/:/bin/sh\n");
  absl::StatusOr<std::string> content = ReadRootfsFile(rootfs, "/etc/passwd", 100);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, "inside:x:1:1::/:/bin/sh\n");
}

TEST(ResolveUserTest, GroupFileSymlinkOutsideIgnored) {
  TempDir dir;
  const std::string rootfs = dir.Sub("rootfs");
  WriteFile(rootfs + "/etc/passwd", "app:x:1000:1000::/home/app:/bin/sh\n");
  WriteFile(dir.Sub("evil-group"), "evil:x:0:app\n");
  ASSERT_EQ(::symlink(dir.Sub("evil-group").c_str(), (rootfs + "/etc/group").c_str()), 0);
  UserRequest request;
  request.image_user = "app";
  absl::StatusOr<ResolvedUser> user = ResolveUser(rootfs, request);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->additional_gids, std::vector<std::uint32_t>{1000});
}

}  // namespace
}  // namespace crio::spec
