#include "configured_devices.h"

#include <gtest/gtest.h>

namespace crio::container {
namespace {

TEST(ConfiguredDevices, AdditionalDevicesGoToEveryContainer) {
  config::Config config;
  config.runtime.additional_devices = {"/dev/null:/dev/extra:rw", "/dev/zero"};
  auto devices = ConfiguredDevices(config, config::RuntimeHandler{}, {});
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
  config::RuntimeHandler handler;
  const std::map<std::string, std::string> pod = {{kDevicesAnnotation, "/dev/fuse,/dev/null"}};

  // Not allowed by the handler: ignored.
  auto devices = ConfiguredDevices(config, handler, pod);
  ASSERT_TRUE(devices.ok());
  EXPECT_TRUE(devices->empty());

  // Allowed, but /dev/null is not in allowed_devices.
  handler.allowed_annotations = {kDevicesAnnotation};
  devices = ConfiguredDevices(config, handler, pod);
  ASSERT_FALSE(devices.ok());
  EXPECT_EQ(devices.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(devices.status().message().find("/dev/null"), absl::string_view::npos);

  devices = ConfiguredDevices(config, handler, {{kDevicesAnnotation, "/dev/fuse"}});
  ASSERT_TRUE(devices.ok()) << devices.status();
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].host_path, "/dev/fuse");

  // A look-alike key is not the annotation.
  devices = ConfiguredDevices(config, handler, {{"io.kubernetes.cri-o.DevicesX", "/dev/null"}});
  ASSERT_TRUE(devices.ok());
  EXPECT_TRUE(devices->empty());
}

}  // namespace
}  // namespace crio::container
