#include "configured_devices.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crio/annotations/seccomp.h"
#include "crio/common/status.h"
#include "crio/config/values.h"

namespace crio::container {

absl::StatusOr<std::vector<spec::DeviceRequest>> ConfiguredDevices(
    const config::Config& config, const std::vector<std::string>& allowed_annotations,
    const std::map<std::string, std::string>& pod_annotations) {
  std::vector<spec::DeviceRequest> devices;
  const auto add = [&devices](const config::DeviceSpec& device) {
    spec::DeviceRequest request;
    request.host_path = device.host_path;
    request.container_path = device.container_path;
    request.permissions = device.permissions;
    devices.push_back(std::move(request));
  };
  // additional_devices: every container gets them (validated when the config loaded).
  for (std::size_t i = 0; i < config.runtime.additional_devices.size(); ++i) {
    auto device = config::ParseDevice(config.runtime.additional_devices[i]);
    if (!device.ok()) {
      return Annotate(device.status(), absl::StrCat("additional_devices[", i, "]"));
    }
    add(*device);
  }
  // The pod's io.kubernetes.cri-o.Devices annotation, where the handler allows it, may
  // ask for host devices that allowed_devices lists, and for nothing else.
  const auto asked = pod_annotations.find(kDevicesAnnotation);
  if (asked == pod_annotations.end() || asked->second.empty()) return devices;
  if (!annotations::IsAllowed(kDevicesAnnotation, allowed_annotations)) return devices;
  for (const absl::string_view entry : absl::StrSplit(asked->second, ',', absl::SkipEmpty())) {
    const std::string text(entry);
    auto device = config::ParseDevice(text);
    if (!device.ok())
      return Annotate(device.status(), absl::StrCat(kDevicesAnnotation, " annotation"));
    const auto& list = config.runtime.allowed_devices;
    if (std::find(list.begin(), list.end(), device->host_path) == list.end()) {
      return absl::InvalidArgumentError(absl::StrCat(kDevicesAnnotation, " annotation: device ",
                                                     device->host_path,
                                                     " is not in allowed_devices"));
    }
    add(*device);
  }
  return devices;
}

}  // namespace crio::container
