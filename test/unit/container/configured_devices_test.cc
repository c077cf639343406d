#include "configured_devices.h"

#include <gtest/gtest.h>

namespace crio::container {
namespace {

TEST(ConfiguredDevices, AdditionalDevicesGoToEveryContainer) {
  config::Config config;
  config.runtime.additional_devices = {"/dev/null:/dev/extra:rw", "/dev/zero"};
  auto devices = ConfiguredDevices(config, {}, {});
  ASSERT_TRUE(devices.ok()) << devices.status();
  ASSERT_EQ(devices->size(), 2u);
  EXPECT_EQ((*devices)[0].host_path, "/dev/null");
  EXPECT_EQ((*devices)[0].container_path, "/dev/extra");
  EXPECT_EQ((*devices)[0].permissions, "rw");
  EXPECT_EQ((*devices)[1].container_path, "/dev/zero");
}

TEST(ConfiguredDevices, TheAnnotationNeedsAllowedAnnotationsAndAllowedDevices) {
  config::Config config;
  config.runtime.allowed_devices = {"/dev/fuse"};
  std::vector<std::string> allowed;
  const std::map<std::string, std::string> pod = {{kDevicesAnnotation, "/dev/fuse,/dev/null"}};

  // Not allowed by the handler: ignored.
  auto devices = ConfiguredDevices(config, allowed, pod);
  ASSERT_TRUE(devices.ok());
  EXPECT_TRUE(devices->empty());

  // Allowed, but /dev/null is not in allowed_devices.
  allowed = {kDevicesAnnotation};
  devices = ConfiguredDevices(config, allowed, pod);
  ASSERT_FALSE(devices.ok());
  EXPECT_EQ(devices.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(devices.status().message().find("/dev/null"), absl::string_view::npos);

  devices = ConfiguredDevices(config, allowed, {{kDevicesAnnotation, "/dev/fuse"}});
  ASSERT_TRUE(devices.ok()) << devices.status();
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].host_path, "/dev/fuse");

  // A look-alike key is not the annotation.
  devices = ConfiguredDevices(config, allowed, {{"io.kubernetes.cri-o.DevicesX", "/dev/null"}});
  ASSERT_TRUE(devices.ok());
  EXPECT_TRUE(devices->empty());
}

}  // namespace
}  // namespace crio::container
