#include "output.h"

#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace crio::ctl {
namespace {

bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  static const char* const kReserved[] = {"true", "false", "null", "yes", "no", "on", "off", "~",
                                          "True", "False", "Null", "Yes", "No", "On", "Off"};
  for (const char* word : kReserved) {
    if (s == word) return true;
  }
  const unsigned char first = static_cast<unsigned char>(s.front());
  if (std::isdigit(first) || first == '-' || first == '.' || first == '+') return true;
  if (s.back() == ' ' || s.front() == ' ') return true;
  for (const char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '/' || c == '.' || c == '-' || c == ' ')) {
      return true;
    }
  }
  return false;
}

std::string Scalar(const nlohmann::ordered_json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    return NeedsQuotes(s) ? value.dump() : s;  // a JSON string is a valid YAML scalar
  }
  return value.dump();
}

bool IsEmptyContainer(const nlohmann::ordered_json& value) {
  return (value.is_object() || value.is_array()) && value.empty();
}

void Emit(const nlohmann::ordered_json& value, int indent, std::ostringstream& out);

// Writes the value that follows "key:" or "- ", on the same line for scalars and
// empty containers, on the next lines otherwise.
void EmitAfterMarker(const nlohmann::ordered_json& value, int indent, std::ostringstream& out,
                     bool in_list_item) {
  if (!value.is_structured() || IsEmptyContainer(value)) {
    out << ' ' << (IsEmptyContainer(value) ? (value.is_object() ? "{}" : "[]") : Scalar(value))
        << '\n';
    return;
  }
  if (in_list_item && value.is_object()) {
    // "- key: value" keeps the first key on the dash's line.
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      if (!first) out << std::string(static_cast<std::size_t>(indent), ' ');
      out << (first ? " " : "") << Scalar(nlohmann::ordered_json(key)) << ':';
      EmitAfterMarker(item, indent + 2, out, false);
      first = false;
    }
    return;
  }
  out << '\n';
  Emit(value, indent, out);
}

void Emit(const nlohmann::ordered_json& value, int indent, std::ostringstream& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      out << pad << Scalar(nlohmann::ordered_json(key)) << ':';
      EmitAfterMarker(item, item.is_array() ? indent : indent + 2, out, false);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      out << pad << '-';
      EmitAfterMarker(item, indent + 2, out, true);
    }
  } else {
    out << pad << Scalar(value) << '\n';
  }
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& value, OutputFormat fallback) {
  if (value.empty()) return fallback;
  if (value == "json") return OutputFormat::kJson;
  if (value == "yaml") return OutputFormat::kYaml;
  if (value == "table") return OutputFormat::kTable;
  return absl::InvalidArgumentError(
      absl::StrCat("output format \"", value, "\" is not one of json, yaml, table"));
}

nlohmann::ordered_json MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
    return nlohmann::ordered_json::object();
  }
  return nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string ToYaml(const nlohmann::ordered_json& value) {
  std::ostringstream out;
  if (IsEmptyContainer(value)) return value.is_object() ? "{}\n" : "[]\n";
  Emit(value, 0, out);
  return out.str();
}

std::string Render(const nlohmann::ordered_json& value, OutputFormat format) {
  if (format == OutputFormat::kYaml) return ToYaml(value);
  return value.dump(2) + "\n";
}

}  // namespace crio::ctl
