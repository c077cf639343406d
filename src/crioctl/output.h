#pragma once

// Rendering answers the way crictl does: protobuf messages as JSON with lowerCamel
// field names and every field present, or the same tree as YAML.

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace crio::ctl {

enum class OutputFormat { kJson, kYaml, kTable };

/// Parses `-o` values: "json", "yaml", "table" (and "" meaning `fallback`).
absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& value, OutputFormat fallback);

/// A message as crictl prints it: lowerCamel names, default values included.
nlohmann::ordered_json MessageToJson(const google::protobuf::Message& message);

/// YAML for a JSON tree (block style; strings quoted only where YAML needs it).
std::string ToYaml(const nlohmann::ordered_json& value);

/// JSON (2-space indent) or YAML, each ending with a newline.
std::string Render(const nlohmann::ordered_json& value, OutputFormat format);

}  // namespace crio::ctl
