#pragma once

// Pod and container config files, read as crictl reads them: JSON or YAML, with the CRI
// field names in snake_case (crictl's examples) or lowerCamelCase (protobuf JSON).
// Unknown fields are ignored, as crictl's decoder does.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crio/cri/api.h"

namespace crio::ctl {

enum class ConfigSyntax { kJson, kYaml };

/// The syntax of a config file: by extension (".json"; ".yaml", ".yml"), otherwise JSON
/// when the first non-blank character is '{' and YAML else.
ConfigSyntax DetectConfigSyntax(std::string_view path, std::string_view content);

/// YAML text as JSON text. Scalars are typed after the message's fields (as crictl's
/// YAML decoder does), so that `version: 1` under `labels` stays the string "1".
absl::StatusOr<std::string> YamlToJson(std::string_view yaml,
                                       const google::protobuf::Descriptor& descriptor);

/// Parses `content` into `message`. Errors name neither file nor path; callers add them.
absl::Status ParseConfig(std::string_view content, ConfigSyntax syntax,
                         google::protobuf::Message& message);

/// Loads a pod config. Like crictl: metadata with name and namespace is required, and a
/// missing uid is filled with a random UUID. Errors name the file.
absl::StatusOr<runtime::v1::PodSandboxConfig> LoadPodSandboxConfig(const std::string& path);

/// Loads a container config; metadata with a name is required. Errors name the file.
absl::StatusOr<runtime::v1::ContainerConfig> LoadContainerConfig(const std::string& path);

/// A random (version 4) UUID in its usual text form.
std::string NewUuid();

}  // namespace crio::ctl
