// Parsing of containers/docker seccomp profiles. nlohmann::json throws; every call that
// can is inside ParseProfile's try block, and every type is checked before it is read.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "crio/seccomp/seccomp.h"
#include "names.h"

namespace crio::seccomp {
namespace {

using nlohmann::json;

// Linux's MAX_ERRNO: larger values are not errnos, and the filter's data field is 16 bits.
constexpr std::uint64_t kMaxErrno = 4095;
// Syscall arguments are numbered 0..5.
constexpr std::uint64_t kMaxArgIndex = 5;

// Errors carry the source and the JSON path of the field ("syscalls[3].action").
class Parser {
 public:
  explicit Parser(absl::string_view source) : source_(source) {}

  absl::Status Error(absl::string_view field, absl::string_view reason) const {
    if (field.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("seccomp profile \"", source_, "\": ", reason));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("seccomp profile \"", source_, "\": ", field, ": ", reason));
  }

  // A member that is absent or null counts as not set.
  static const json* Member(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return nullptr;
    return &*it;
  }

  absl::StatusOr<std::string> String(const json& value, absl::string_view field) const {
    if (!value.is_string()) return Error(field, "want a string");
    return value.get<std::string>();
  }

  absl::StatusOr<std::vector<std::string>> StringList(const json* value,
                                                      absl::string_view field) const {
    std::vector<std::string> out;
    if (value == nullptr) return out;
    if (!value->is_array()) return Error(field, "want an array of strings");
    out.reserve(value->size());
    for (std::size_t i = 0; i < value->size(); ++i) {
      const json& item = (*value)[i];
      if (!item.is_string()) {
        return Error(absl::StrCat(field, "[", i, "]"), "want a string");
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  absl::StatusOr<std::uint64_t> Unsigned(const json& value, absl::string_view field,
                                         std::uint64_t max) const {
    // nlohmann stores every non-negative integer it parses as unsigned.
    if (!value.is_number_unsigned()) return Error(field, "want a non-negative integer");
    const auto number = value.get<std::uint64_t>();
    if (number > max) return Error(field, absl::StrCat(number, " is over ", max));
    return number;
  }

  absl::StatusOr<std::optional<std::uint32_t>> ErrnoRet(const json* value,
                                                        absl::string_view field) const {
    if (value == nullptr) return std::optional<std::uint32_t>();
    auto number = Unsigned(*value, field, kMaxErrno);
    if (!number.ok()) return number.status();
    return std::optional<std::uint32_t>(static_cast<std::uint32_t>(*number));
  }

  absl::StatusOr<std::string> Action(const json& value, absl::string_view field) const {
    auto action = String(value, field);
    if (!action.ok()) return action.status();
    if (!IsKnownAction(*action)) {
      return Error(field, absl::StrCat("unknown action \"", *action, "\""));
    }
    return action;
  }

  absl::StatusOr<std::string> Architecture(const json& value, absl::string_view field) const {
    auto arch = String(value, field);
    if (!arch.ok()) return arch.status();
    if (!IsKnownScmpArch(*arch)) {
      return Error(field, absl::StrCat("unknown architecture \"", *arch, "\""));
    }
    return arch;
  }

  absl::StatusOr<Filter> ParseFilter(const json* value, absl::string_view field) const {
    Filter filter;
    if (value == nullptr) return filter;
    if (!value->is_object()) return Error(field, "want an object");
    auto caps = StringList(Member(*value, "caps"), absl::StrCat(field, ".caps"));
    if (!caps.ok()) return caps.status();
    filter.caps = *std::move(caps);
    auto arches = StringList(Member(*value, "arches"), absl::StrCat(field, ".arches"));
    if (!arches.ok()) return arches.status();
    filter.arches = *std::move(arches);
    if (const json* min_kernel = Member(*value, "minKernel")) {
      const std::string min_field = absl::StrCat(field, ".minKernel");
      auto text = String(*min_kernel, min_field);
      if (!text.ok()) return text.status();
      // Profiles written by Go marshal an unset *KernelVersion as "" in some versions.
      if (!text->empty()) {
        auto version = ParseMinKernel(*text);
        if (!version.ok()) return Error(min_field, version.status().message());
        filter.min_kernel = *version;
      }
    }
    return filter;
  }

  absl::StatusOr<Arg> ParseArg(const json& value, absl::string_view field) const {
    if (!value.is_object()) return Error(field, "want an object");
    Arg arg;
    const json* index = Member(value, "index");
    if (index == nullptr) return Error(absl::StrCat(field, ".index"), "missing");
    auto index_number = Unsigned(*index, absl::StrCat(field, ".index"), kMaxArgIndex);
    if (!index_number.ok()) return index_number.status();
    arg.index = static_cast<std::uint32_t>(*index_number);
    if (const json* v = Member(value, "value")) {
      auto number =
          Unsigned(*v, absl::StrCat(field, ".value"), std::numeric_limits<std::uint64_t>::max());
      if (!number.ok()) return number.status();
      arg.value = *number;
    }
    if (const json* v = Member(value, "valueTwo")) {
      auto number =
          Unsigned(*v, absl::StrCat(field, ".valueTwo"), std::numeric_limits<std::uint64_t>::max());
      if (!number.ok()) return number.status();
      arg.value_two = *number;
    }
    const json* op = Member(value, "op");
    if (op == nullptr) return Error(absl::StrCat(field, ".op"), "missing");
    auto op_text = String(*op, absl::StrCat(field, ".op"));
    if (!op_text.ok()) return op_text.status();
    if (!IsKnownOp(*op_text)) {
      return Error(absl::StrCat(field, ".op"), absl::StrCat("unknown op \"", *op_text, "\""));
    }
    arg.op = *std::move(op_text);
    return arg;
  }

  absl::StatusOr<SyscallRule> ParseRule(const json& value, absl::string_view field) const {
    if (!value.is_object()) return Error(field, "want an object");
    SyscallRule rule;
    const json* names = Member(value, "names");
    const json* name = Member(value, "name");
    if (names != nullptr && name != nullptr) {
      return Error(field, "use either \"name\" or \"names\", not both");
    }
    if (name != nullptr) {
      auto single = String(*name, absl::StrCat(field, ".name"));
      if (!single.ok()) return single.status();
      rule.names.push_back(*std::move(single));
    } else {
      auto list = StringList(names, absl::StrCat(field, ".names"));
      if (!list.ok()) return list.status();
      rule.names = *std::move(list);
    }
    if (rule.names.empty()) return Error(absl::StrCat(field, ".names"), "no syscall names");
    for (std::size_t i = 0; i < rule.names.size(); ++i) {
      if (rule.names[i].empty()) {
        return Error(absl::StrCat(field, ".names[", i, "]"), "empty syscall name");
      }
    }

    const json* action = Member(value, "action");
    if (action == nullptr) return Error(absl::StrCat(field, ".action"), "missing");
    auto action_text = Action(*action, absl::StrCat(field, ".action"));
    if (!action_text.ok()) return action_text.status();
    rule.action = *std::move(action_text);

    auto errno_ret = ErrnoRet(Member(value, "errnoRet"), absl::StrCat(field, ".errnoRet"));
    if (!errno_ret.ok()) return errno_ret.status();
    rule.errno_ret = *errno_ret;

    if (const json* args = Member(value, "args")) {
      if (!args->is_array()) return Error(absl::StrCat(field, ".args"), "want an array");
      for (std::size_t i = 0; i < args->size(); ++i) {
        auto arg = ParseArg((*args)[i], absl::StrCat(field, ".args[", i, "]"));
        if (!arg.ok()) return arg.status();
        rule.args.push_back(*std::move(arg));
      }
    }

    auto includes = ParseFilter(Member(value, "includes"), absl::StrCat(field, ".includes"));
    if (!includes.ok()) return includes.status();
    rule.includes = *std::move(includes);
    auto excludes = ParseFilter(Member(value, "excludes"), absl::StrCat(field, ".excludes"));
    if (!excludes.ok()) return excludes.status();
    rule.excludes = *std::move(excludes);

    if (const json* comment = Member(value, "comment")) {
      auto text = String(*comment, absl::StrCat(field, ".comment"));
      if (!text.ok()) return text.status();
      rule.comment = *std::move(text);
    }
    return rule;
  }

  absl::StatusOr<Profile> ParseRoot(const json& root) const {
    if (!root.is_object()) return Error("", "not a JSON object");
    Profile profile;

    const json* default_action = Member(root, "defaultAction");
    if (default_action == nullptr) return Error("defaultAction", "missing");
    auto action = Action(*default_action, "defaultAction");
    if (!action.ok()) return action.status();
    profile.default_action = *std::move(action);

    auto default_errno_ret = ErrnoRet(Member(root, "defaultErrnoRet"), "defaultErrnoRet");
    if (!default_errno_ret.ok()) return default_errno_ret.status();
    profile.default_errno_ret = *default_errno_ret;

    if (const json* default_errno = Member(root, "defaultErrno")) {
      auto text = String(*default_errno, "defaultErrno");
      if (!text.ok()) return text.status();
      profile.default_errno = *std::move(text);
    }

    if (const json* architectures = Member(root, "architectures")) {
      if (!architectures->is_array()) return Error("architectures", "want an array of strings");
      for (std::size_t i = 0; i < architectures->size(); ++i) {
        auto arch = Architecture((*architectures)[i], absl::StrCat("architectures[", i, "]"));
        if (!arch.ok()) return arch.status();
        profile.architectures.push_back(*std::move(arch));
      }
    }

    if (const json* arch_map = Member(root, "archMap")) {
      if (!arch_map->is_array()) return Error("archMap", "want an array");
      for (std::size_t i = 0; i < arch_map->size(); ++i) {
        const std::string field = absl::StrCat("archMap[", i, "]");
        const json& entry_json = (*arch_map)[i];
        if (!entry_json.is_object()) return Error(field, "want an object");
        ArchMapEntry entry;
        const json* architecture = Member(entry_json, "architecture");
        if (architecture == nullptr) return Error(absl::StrCat(field, ".architecture"), "missing");
        auto arch = Architecture(*architecture, absl::StrCat(field, ".architecture"));
        if (!arch.ok()) return arch.status();
        entry.architecture = *std::move(arch);
        if (const json* subs = Member(entry_json, "subArchitectures")) {
          const std::string subs_field = absl::StrCat(field, ".subArchitectures");
          if (!subs->is_array()) return Error(subs_field, "want an array of strings");
          for (std::size_t j = 0; j < subs->size(); ++j) {
            auto sub = Architecture((*subs)[j], absl::StrCat(subs_field, "[", j, "]"));
            if (!sub.ok()) return sub.status();
            entry.sub_architectures.push_back(*std::move(sub));
          }
        }
        profile.arch_map.push_back(std::move(entry));
      }
    }
    // containers/common refuses the mix too: which list would describe the filter?
    if (!profile.architectures.empty() && !profile.arch_map.empty()) {
      return Error("architectures", "use either \"architectures\" or \"archMap\", not both");
    }

    if (const json* syscalls = Member(root, "syscalls")) {
      if (!syscalls->is_array()) return Error("syscalls", "want an array");
      if (syscalls->size() > kMaxSyscallRules) {
        return Error("syscalls",
                     absl::StrCat(syscalls->size(), " rules, more than ", kMaxSyscallRules));
      }
      profile.syscalls.reserve(syscalls->size());
      for (std::size_t i = 0; i < syscalls->size(); ++i) {
        auto rule = ParseRule((*syscalls)[i], absl::StrCat("syscalls[", i, "]"));
        if (!rule.ok()) return rule.status();
        profile.syscalls.push_back(*std::move(rule));
      }
    }

    auto flags = StringList(Member(root, "flags"), "flags");
    if (!flags.ok()) return flags.status();
    for (std::size_t i = 0; i < flags->size(); ++i) {
      if (!IsKnownFlag((*flags)[i])) {
        return Error(absl::StrCat("flags[", i, "]"),
                     absl::StrCat("unknown flag \"", (*flags)[i], "\""));
      }
    }
    profile.flags = *std::move(flags);

    if (const json* listener_path = Member(root, "listenerPath")) {
      auto text = String(*listener_path, "listenerPath");
      if (!text.ok()) return text.status();
      profile.listener_path = *std::move(text);
    }
    if (const json* listener_metadata = Member(root, "listenerMetadata")) {
      auto text = String(*listener_metadata, "listenerMetadata");
      if (!text.ok()) return text.status();
      profile.listener_metadata = *std::move(text);
    }
    return profile;
  }

 private:
  absl::string_view source_;
};

// Deeply nested input would make the parsed tree (and its destruction) deep; a profile
// nests 5 levels, so anything past kMaxJsonDepth is refused before nlohmann sees it.
bool NestsTooDeep(absl::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

absl::StatusOr<int> ParseSmallNumber(absl::string_view digits) {
  int number = 0;
  if (digits.empty() || digits.size() > 6 || !absl::SimpleAtoi(digits, &number) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(digits.front()))) {
    return absl::InvalidArgumentError(absl::StrCat("\"", digits, "\" is not a version number"));
  }
  return number;
}

}  // namespace

absl::StatusOr<KernelVersion> ParseMinKernel(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("kernel version \"", text, "\" is not <major>.<minor>"));
  }
  KernelVersion version;
  auto major = ParseSmallNumber(parts[0]);
  if (!major.ok()) return major.status();
  auto minor = ParseSmallNumber(parts[1]);
  if (!minor.ok()) return minor.status();
  version.major = *major;
  version.minor = *minor;
  return version;
}

absl::StatusOr<KernelVersion> ParseKernelRelease(absl::string_view release) {
  auto leading_digits = [](absl::string_view text) {
    std::size_t n = 0;
    while (n < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[n]))) ++n;
    return text.substr(0, n);
  };
  const absl::string_view major_text = leading_digits(release);
  if (major_text.size() == release.size() || release[major_text.size()] != '.') {
    return absl::InvalidArgumentError(
        absl::StrCat("kernel release \"", release, "\" does not start with <major>.<minor>"));
  }
  const absl::string_view minor_text = leading_digits(release.substr(major_text.size() + 1));
  auto major = ParseSmallNumber(major_text);
  if (!major.ok()) return major.status();
  auto minor = ParseSmallNumber(minor_text);
  if (!minor.ok()) return minor.status();
  KernelVersion version;
  version.major = *major;
  version.minor = *minor;
  return version;
}

absl::StatusOr<Profile> ParseProfile(absl::string_view json_text, absl::string_view source) {
  const Parser parser(source);
  if (json_text.size() > kMaxProfileBytes) {
    return parser.Error(
        "", absl::StrCat(json_text.size(), " bytes, more than the limit of ", kMaxProfileBytes));
  }
  if (NestsTooDeep(json_text)) {
    return parser.Error("", absl::StrCat("JSON nested deeper than ", kMaxJsonDepth));
  }
  try {
    const json root = json::parse(json_text.begin(), json_text.end());
    return parser.ParseRoot(root);
  } catch (const json::exception& e) {
    return parser.Error("", absl::StrCat("invalid JSON: ", e.what()));
  }
}

}  // namespace crio::seccomp
