#include "config_file.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"

namespace crio::ctl {
namespace {

namespace pb = ::google::protobuf;
using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;
// YAML aliases can make a node contain itself (`&a [*a]`); the CRI messages do not nest
// (so known fields end), but unknown fields are copied as they are, up to this depth.
constexpr int kMaxDepth = 64;

absl::Status TypeError(const std::string& where, const YAML::Node& node, const char* expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("field \"", where, "\" (line ", node.Mark().line + 1, "): expected ", expected));
}

// A plain scalar is neither quoted nor tagged; only those get a type by their look.
bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

std::optional<bool> YamlBool(const std::string& text) {
  // YAML 1.1 words too: crictl's decoder (go-yaml v2) reads "yes" and "on" as true.
  static const char* const kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES",  "on",   "On",   "ON"};
  static const char* const kFalse[] = {"false", "False", "FALSE", "no", "No",
                                       "NO",    "off",   "Off",   "OFF"};
  for (const char* word : kTrue) {
    if (text == word) return true;
  }
  for (const char* word : kFalse) {
    if (text == word) return false;
  }
  return std::nullopt;
}

std::optional<Json> YamlInteger(std::string text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.erase(0, 1);
  }
  int base = 10;
  if (absl::StartsWith(text, "0x")) {
    base = 16;
    text.erase(0, 2);
  } else if (absl::StartsWith(text, "0o")) {
    base = 8;
    text.erase(0, 2);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t magnitude = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (!negative) return Json(magnitude);
  if (magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1) return std::nullopt;
  return Json(static_cast<std::int64_t>(0 - magnitude));
}

std::optional<Json> YamlFloat(const std::string& text) {
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf")
    return Json("Infinity");
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") return Json("-Infinity");
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return Json("NaN");
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno != 0 || !std::isfinite(value)) return std::nullopt;
  return Json(value);
}

// A scalar of a field we know nothing about (an unknown field, ignored later anyway).
Json GenericScalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (!IsPlain(node)) return Json(text);
  if (auto b = YamlBool(text)) return Json(*b);
  if (auto i = YamlInteger(text)) return *i;
  if (auto f = YamlFloat(text)) return *f;
  return Json(text);
}

Json Generic(const YAML::Node& node, int depth) {
  if (depth > kMaxDepth) return Json();
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& entry : node) out[entry.first.Scalar()] = Generic(entry.second, depth + 1);
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(Generic(item, depth + 1));
      return out;
    }
    case YAML::NodeType::Scalar:
      return GenericScalar(node);
    default:
      return Json();
  }
}

absl::StatusOr<Json> MessageValue(const YAML::Node& node, const pb::Descriptor& descriptor,
                                  const std::string& where);

// A scalar for a field of a known type. What does not fit is passed on as text, and the
// protobuf parser's error then names the field and the value.
Json TypedScalar(const YAML::Node& node, const pb::FieldDescriptor& field) {
  const std::string& text = node.Scalar();
  const bool plain = IsPlain(node);
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      if (plain) {
        if (auto b = YamlBool(text)) return Json(*b);
      }
      return Json(text);
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      if (auto i = YamlInteger(text)) return *i;
      return Json(text);
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      if (auto f = YamlFloat(text)) return *f;
      return Json(text);
    default:
      return Json(text);
  }
}

absl::StatusOr<Json> SingleValue(const YAML::Node& node, const pb::FieldDescriptor& field,
                                 const std::string& where) {
  if (node.IsNull()) return Json();
  if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    return MessageValue(node, *field.message_type(), where);
  }
  if (!node.IsScalar()) return TypeError(where, node, "a scalar");
  return TypedScalar(node, field);
}

absl::StatusOr<Json> FieldValue(const YAML::Node& node, const pb::FieldDescriptor& field,
                                const std::string& where) {
  if (node.IsNull()) return Json();
  if (field.is_map()) {
    if (!node.IsMap()) return TypeError(where, node, "a mapping");
    const pb::FieldDescriptor& value_field = *field.message_type()->map_value();
    Json out = Json::object();
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      ASSIGN_OR_RETURN(out[key], SingleValue(entry.second, value_field, where + "." + key));
    }
    return out;
  }
  if (field.is_repeated()) {
    if (!node.IsSequence()) return TypeError(where, node, "a list");
    Json out = Json::array();
    std::size_t index = 0;
    for (const auto& item : node) {
      ASSIGN_OR_RETURN(Json value, SingleValue(item, field, absl::StrCat(where, "[", index, "]")));
      out.push_back(std::move(value));
      ++index;
    }
    return out;
  }
  return SingleValue(node, field, where);
}

const pb::FieldDescriptor* FindField(const pb::Descriptor& descriptor, const std::string& name) {
  if (const auto* field = descriptor.FindFieldByName(name)) return field;
  if (const auto* field = descriptor.FindFieldByCamelcaseName(name)) return field;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    if (descriptor.field(i)->json_name() == name) return descriptor.field(i);
  }
  return nullptr;
}

absl::StatusOr<Json> MessageValue(const YAML::Node& node, const pb::Descriptor& descriptor,
                                  const std::string& where) {
  if (node.IsNull()) return Json::object();

  if (!node.IsMap()) return TypeError(where.empty() ? "(top level)" : where, node, "a mapping");
  Json out = Json::object();
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const std::string path = where.empty() ? key : absl::StrCat(where, ".", key);
    const pb::FieldDescriptor* field = FindField(descriptor, key);
    if (field == nullptr) {
      out[key] = Generic(entry.second, 0);
    } else {
      ASSIGN_OR_RETURN(out[key], FieldValue(entry.second, *field, path));
    }
  }
  return out;
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  auto content = fs::ReadFile(path, kMaxConfigBytes);
  if (absl::IsNotFound(content.status())) {
    return absl::NotFoundError(absl::StrCat("config at ", path, " not found"));
  }
  return content;
}

template <typename Config>
absl::StatusOr<Config> LoadConfig(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string content, ReadConfigFile(path));
  Config config;
  const absl::Status parsed = ParseConfig(content, DetectConfigSyntax(path, content), config);
  if (!parsed.ok()) return Annotate(parsed, path);
  if (!config.has_metadata()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": metadata is not set"));
  }
  return config;
}

}  // namespace

ConfigSyntax DetectConfigSyntax(std::string_view path, std::string_view content) {
  const std::string lower = absl::AsciiStrToLower(std::string(path));
  if (absl::EndsWith(lower, ".json")) return ConfigSyntax::kJson;
  if (absl::EndsWith(lower, ".yaml") || absl::EndsWith(lower, ".yml")) return ConfigSyntax::kYaml;
  const std::size_t first = content.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && content[first] == '{' ? ConfigSyntax::kJson
                                                                  : ConfigSyntax::kYaml;
}

absl::StatusOr<std::string> YamlToJson(std::string_view yaml,
                                       const google::protobuf::Descriptor& descriptor) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid yaml at line ", e.mark.line + 1,
                                                   ", column ", e.mark.column + 1, ": ", e.msg));
  }
  ASSIGN_OR_RETURN(const Json json, MessageValue(root, descriptor, ""));
  return json.dump();
}

absl::Status ParseConfig(std::string_view content, ConfigSyntax syntax,
                         google::protobuf::Message& message) {
  std::string json;
  if (syntax == ConfigSyntax::kYaml) {
    ASSIGN_OR_RETURN(json, YamlToJson(content, *message.GetDescriptor()));
  } else {
    // nlohmann names the line and column of a syntax error; protobuf's parser does not.
    try {
      const Json checked = Json::parse(content);
      (void)checked;
    } catch (const Json::exception& e) {
      std::string what = e.what();
      const std::size_t bracket = what.find("] ");
      if (bracket != std::string::npos) what.erase(0, bracket + 2);
      return absl::InvalidArgumentError(absl::StrCat("invalid json: ", what));
    }
    json = std::string(content);
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid ", message.GetDescriptor()->name(),
                                                   ": ", status.message().as_string()));
  }
  return absl::OkStatus();
}

absl::StatusOr<runtime::v1::PodSandboxConfig> LoadPodSandboxConfig(const std::string& path) {
  ASSIGN_OR_RETURN(auto config, LoadConfig<runtime::v1::PodSandboxConfig>(path));
  if (config.metadata().uid().empty()) config.mutable_metadata()->set_uid(NewUuid());
  if (config.metadata().name().empty() || config.metadata().namespace_().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": name or namespace is not in metadata"));
  }
  return config;
}

absl::StatusOr<runtime::v1::ContainerConfig> LoadContainerConfig(const std::string& path) {
  ASSIGN_OR_RETURN(auto config, LoadConfig<runtime::v1::ContainerConfig>(path));
  if (config.metadata().name().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": name is not in metadata"));
  }
  return config;
}

std::string NewUuid() {
  std::random_device random;
  unsigned char bytes[16];
  for (auto& b : bytes) b = static_cast<unsigned char>(random() & 0xFF);
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof(text),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text;
}

}  // namespace crio::ctl
