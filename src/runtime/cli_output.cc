#include "cli_output.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "crio/common/status.h"

namespace crio::runtime::internal {
namespace {

using Json = nlohmann::json;

// One line of a runtime's stderr, once understood.
struct LogLine {
  std::string level;  // "error", "warning", ...; "" for a plain line
  std::string msg;
};

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<std::uint32_t> Hex(absl::string_view digits) {
  std::uint32_t value = 0;
  for (char c : digits) {
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value |= static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      value |= static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return value;
}

// A Go strconv.Quote'd string starting at text[pos] == '"'. Advances pos past the
// closing quote. Unknown escapes are kept as written.
std::optional<std::string> ParseGoQuoted(absl::string_view text, std::size_t& pos) {
  std::string out;
  std::size_t i = pos + 1;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      pos = i + 1;
      return out;
    }
    if (c != '\\' || i + 1 >= text.size()) {
      out += c;
      ++i;
      continue;
    }
    const char e = text[i + 1];
    std::size_t hex_len = 0;
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
      case '"':
      case '\'':
        out += e;
        break;
      case 'x':
        hex_len = 2;
        break;
      case 'u':
        hex_len = 4;
        break;
      case 'U':
        hex_len = 8;
        break;
      default:
        out.append(text.data() + i, 2);
        break;
    }
    if (hex_len > 0) {
      auto cp = i + 2 + hex_len <= text.size() ? Hex(text.substr(i + 2, hex_len)) : std::nullopt;
      if (!cp.has_value()) {
        out.append(text.data() + i, 2);
        i += 2;
        continue;
      }
      if (e == 'x') {
        out += static_cast<char>(*cp);
      } else {
        AppendUtf8(out, *cp);
      }
      i += 2 + hex_len;
      continue;
    }
    i += 2;
  }
  return std::nullopt;  // no closing quote
}

// logrus' text format: key=value pairs, values bare or Go-quoted.
std::optional<std::map<std::string, std::string>> ParseLogfmt(absl::string_view line) {
  std::map<std::string, std::string> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    const std::size_t key_start = i;
    while (i < line.size() && line[i] != '=' && line[i] != ' ' && line[i] != '"') ++i;
    if (i >= line.size() || line[i] != '=' || i == key_start) return std::nullopt;
    std::string key(line.substr(key_start, i - key_start));
    ++i;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      auto quoted = ParseGoQuoted(line, i);
      if (!quoted.has_value()) return std::nullopt;
      value = std::move(*quoted);
    } else {
      const std::size_t value_start = i;
      while (i < line.size() && line[i] != ' ') ++i;
      value = std::string(line.substr(value_start, i - value_start));
    }
    fields[std::move(key)] = std::move(value);
  }
  if (!fields.contains("level") || !fields.contains("msg")) return std::nullopt;
  return fields;
}

std::string WithErrorField(std::string msg, const std::string* error) {
  if (error != nullptr && !error->empty()) absl::StrAppend(&msg, ": ", *error);
  return msg;
}

// logrus on a terminal: "ERRO[0000] message   key=value".
std::optional<LogLine> ParseLogrusTerminal(absl::string_view line) {
  static const std::map<absl::string_view, absl::string_view> kLevels = {
      {"PANI", "panic"}, {"FATA", "fatal"}, {"ERRO", "error"}, {"WARN", "warning"},
      {"INFO", "info"},  {"DEBU", "debug"}, {"TRAC", "trace"}};
  if (line.size() < 6 || line[4] != '[') return std::nullopt;
  auto level = kLevels.find(line.substr(0, 4));
  if (level == kLevels.end()) return std::nullopt;
  const std::size_t close = line.find("] ", 5);
  if (close == absl::string_view::npos) return std::nullopt;
  return LogLine{std::string(level->second),
                 std::string(absl::StripAsciiWhitespace(line.substr(close + 2)))};
}

LogLine ParseLine(absl::string_view line) {
  if (line.front() == '{') {
    Json json = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.contains("msg") && json["msg"].is_string()) {
      std::string level = json.value("level", "");
      const std::string error = json.contains("error") && json["error"].is_string()
                                    ? json["error"].get<std::string>()
                                    : std::string();
      return {std::move(level), WithErrorField(json["msg"].get<std::string>(), &error)};
    }
  }
  if (auto fields = ParseLogfmt(line)) {
    auto error = fields->find("error");
    return {(*fields)["level"],
            WithErrorField((*fields)["msg"], error != fields->end() ? &error->second : nullptr)};
  }
  if (auto terminal = ParseLogrusTerminal(line)) return *terminal;
  return {"", std::string(line)};
}

std::string Bounded(std::string text) {
  if (text.size() <= kMaxMessageBytes) return text;
  text.resize(kMaxMessageBytes - 3);
  return text + "...";
}

bool IsErrorLevel(absl::string_view level) {
  return level == "error" || level == "fatal" || level == "panic";
}

bool ContainsAny(absl::string_view haystack, std::initializer_list<absl::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](absl::string_view n) { return absl::StrContains(haystack, n); });
}

// crun names the container's state directory, "<root>/<id>", in its ENOENT errors:
// "error opening file `<root>/<id>/status`" and "cannot open directory '<root>/<id>'".
bool NamesStateDir(absl::string_view message, absl::string_view id, absl::string_view root) {
  if (id.empty() || root.empty()) return false;
  const std::string dir = absl::StrCat(absl::StripSuffix(root, "/"), "/", id);
  for (std::size_t at = message.find(dir); at != absl::string_view::npos;
       at = message.find(dir, at + 1)) {
    const std::size_t end = at + dir.size();
    if (end == message.size() ||
        absl::string_view("/'`\" :").find(message[end]) != absl::string_view::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string ExtractErrorMessage(absl::string_view stderr_text) {
  std::optional<std::string> last_error;
  std::optional<std::string> last_warning;
  std::vector<std::string> plain;
  for (absl::string_view raw : absl::StrSplit(stderr_text, '\n')) {
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty()) continue;
    LogLine parsed = ParseLine(line);
    if (IsErrorLevel(parsed.level)) {
      last_error = std::move(parsed.msg);
    } else if (parsed.level == "warning" || parsed.level == "warn") {
      last_warning = std::move(parsed.msg);
    } else if (parsed.level.empty()) {
      plain.push_back(std::move(parsed.msg));
    }
  }
  if (last_error.has_value()) return Bounded(std::move(*last_error));
  if (!plain.empty()) return Bounded(absl::StrJoin(plain, "; "));
  if (last_warning.has_value()) return Bounded(std::move(*last_warning));
  return "";
}

ErrorKind ClassifyError(absl::string_view message, absl::string_view id, absl::string_view root) {
  const std::string lower = absl::AsciiStrToLower(message);
  if (absl::StrContains(lower, "container does not exist") ||
      (!id.empty() && ContainsAny(lower, {absl::StrCat("container \"", id, "\" does not exist"),
                                          absl::StrCat("container ", id, " does not exist"),
                                          absl::StrCat("container `", id, "` does not exist")})) ||
      (absl::StrContains(lower, "no such file or directory") && NamesStateDir(message, id, root))) {
    return ErrorKind::kNotFound;
  }
  if (ContainsAny(lower, {"not running", "not paused", "not stopped", "is paused", "is running",
                          "is stopped", "cannot exec in a", "already running", "has stopped",
                          "already paused", "not created"})) {
    return ErrorKind::kWrongState;
  }
  if (absl::StrContains(lower, "already exists")) return ErrorKind::kAlreadyExists;
  return ErrorKind::kOther;
}

absl::Status RuntimeError(absl::string_view command, const subprocess::Result& result,
                          absl::string_view id, absl::string_view root) {
  if (result.timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(command, ": ", result.Describe()));
  }
  std::string message = ExtractErrorMessage(result.stderr_data);
  if (message.empty()) message = ExtractErrorMessage(result.stdout_data);
  const std::string text = message.empty()
                               ? absl::StrCat(command, ": failed with ", result.Describe())
                               : absl::StrCat(command, ": ", message, " (", result.Describe(), ")");
  switch (ClassifyError(message, id, root)) {
    case ErrorKind::kNotFound:
      return absl::NotFoundError(text);
    case ErrorKind::kWrongState:
      return absl::FailedPreconditionError(text);
    case ErrorKind::kAlreadyExists:
      return absl::AlreadyExistsError(text);
    case ErrorKind::kOther:
      break;
  }
  return absl::InternalError(text);
}

absl::StatusOr<ContainerStatus> ParseStatus(absl::string_view status) {
  static const std::map<absl::string_view, ContainerStatus> kStatuses = {
      {"creating", ContainerStatus::kCreating}, {"created", ContainerStatus::kCreated},
      {"running", ContainerStatus::kRunning},   {"paused", ContainerStatus::kPaused},
      {"stopped", ContainerStatus::kStopped},
  };
  auto it = kStatuses.find(status);
  if (it == kStatuses.end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown container status \"", status, "\""));
  }
  return it->second;
}

namespace {

absl::StatusOr<ContainerState> StateFromJson(const Json& json) {
  if (!json.is_object()) return absl::InvalidArgumentError("state: not a JSON object");
  ContainerState state;
  try {
    state.id = json.at("id").get<std::string>();
    ASSIGN_OR_RETURN(state.status, ParseStatus(json.at("status").get<std::string>()));
    state.pid = json.value("pid", 0);
    state.bundle = json.value("bundle", "");
    state.rootfs = json.value("rootfs", "");
    state.oci_version = json.value("ociVersion", "");
    state.created = json.value("created", "");
    if (json.contains("annotations") && json["annotations"].is_object()) {
      state.annotations = json["annotations"].get<std::map<std::string, std::string>>();
    }
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("state: ", e.what()));
  }
  absl::Time created;
  std::string error;
  if (!state.created.empty() &&
      absl::ParseTime(absl::RFC3339_full, state.created, &created, &error)) {
    state.created_unix_nanos = absl::ToUnixNanos(created);
  }
  return state;
}

}  // namespace

absl::StatusOr<ContainerState> ParseState(absl::string_view json) {
  Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError(
        absl::StrCat("state: not JSON: ", Bounded(std::string(json.substr(0, 200)))));
  }
  return StateFromJson(parsed);
}

absl::StatusOr<std::vector<ContainerState>> ParseStateList(absl::string_view json) {
  Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError(
        absl::StrCat("list: not JSON: ", Bounded(std::string(json.substr(0, 200)))));
  }
  std::vector<ContainerState> states;
  if (parsed.is_null()) return states;
  if (!parsed.is_array()) return absl::InvalidArgumentError("list: not a JSON array");
  for (const Json& entry : parsed) {
    ASSIGN_OR_RETURN(ContainerState state, StateFromJson(entry));
    states.push_back(std::move(state));
  }
  return states;
}

absl::StatusOr<std::string> MakeExecProcess(const ExecRequest& request) {
  if (request.args.empty()) return absl::InvalidArgumentError("args: the command is empty");
  Json process = Json::object();
  if (!request.base_process_json.empty()) {
    process = Json::parse(request.base_process_json, nullptr, /*allow_exceptions=*/false);
    if (!process.is_object()) {
      return absl::InvalidArgumentError("base_process_json: not a JSON object");
    }
  }
  try {
    process["args"] = request.args;
    // No terminal: ExecSync collects stdout and stderr apart.
    process["terminal"] = false;
    process.erase("consoleSize");
    if (request.env.has_value()) process["env"] = *request.env;
    if (request.cwd.has_value()) {
      process["cwd"] = *request.cwd;
    } else if (!process.contains("cwd") || !process["cwd"].is_string() ||
               process["cwd"].get<std::string>().empty()) {
      process["cwd"] = "/";
    }
    if (!process.contains("user") || !process["user"].is_object()) {
      process["user"] = Json{{"uid", 0}, {"gid", 0}};
    }
    if (request.user.has_value()) {
      Json& user = process["user"];
      user["uid"] = request.user->uid;
      user["gid"] = request.user->gid;
      if (request.user->additional_gids.empty()) {
        user.erase("additionalGids");
      } else {
        user["additionalGids"] = request.user->additional_gids;
      }
      if (request.user->umask.has_value()) {
        user["umask"] = *request.user->umask;
      } else {
        user.erase("umask");
      }
    }
    if (request.capabilities.has_value()) {
      const ProcessCapabilities& caps = *request.capabilities;
      process["capabilities"] = Json{{"bounding", caps.bounding},
                                     {"effective", caps.effective},
                                     {"inheritable", caps.inheritable},
                                     {"permitted", caps.permitted},
                                     {"ambient", caps.ambient}};
    }
    if (request.no_new_privileges.has_value()) {
      process["noNewPrivileges"] = *request.no_new_privileges;
    }
    if (request.apparmor_profile.has_value()) {
      process["apparmorProfile"] = *request.apparmor_profile;
    }
    if (request.selinux_label.has_value()) process["selinuxLabel"] = *request.selinux_label;
    return process.dump();
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("process: ", e.what()));
  }
}

}  // namespace crio::runtime::internal

namespace crio::runtime {

absl::StatusOr<std::string> BuildExecProcess(const ExecRequest& request) {
  return internal::MakeExecProcess(request);
}

}  // namespace crio::runtime
