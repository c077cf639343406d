#include "runtime_util.h"

#include <re2/re2.h>
#include <time.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "display.h"
#include "output.h"

namespace crio::ctl {
namespace {

namespace v1 = ::runtime::v1;

constexpr std::size_t kAmbiguousShown = 5;

std::vector<std::string> SortedKeys(const google::protobuf::Map<std::string, std::string>& map) {
  std::vector<std::string> keys;
  keys.reserve(map.size());
  for (const auto& [key, value] : map) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

void Run(const Streams& io, CommandResult& result, const std::function<absl::Status()>& body) {
  const absl::Status status = body();
  if (status.ok()) return;
  io.out->flush();
  *io.err << status.message() << "\n";
  io.err->flush();
  result.exit_code = 1;
}

std::unique_ptr<grpc::ClientContext> ContextAtLeast(const Globals& globals,
                                                    std::chrono::seconds floor) {
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(globals.timeout_seconds));
  timeout = std::max<std::chrono::milliseconds>(timeout, floor);
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

absl::StatusOr<std::map<std::string, std::string>> ParseLabels(
    const std::vector<std::string>& labels) {
  std::map<std::string, std::string> parsed;
  for (const auto& label : labels) {
    const std::vector<std::string> pair = absl::StrSplit(label, '=');
    if (pair.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat("incorrectly specified label: ", label));
    }
    parsed[pair[0]] = pair[1];
  }
  return parsed;
}

absl::StatusOr<NameFilter> NameFilter::Compile(const std::string& pattern, const char* flag) {
  NameFilter filter;
  if (pattern.empty()) return filter;
  auto re = std::make_shared<const re2::RE2>(pattern, re2::RE2::Quiet);
  if (!re->ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " \"", pattern, "\" is not a valid regular expression: ", re->error()));
  }
  filter.re_ = std::move(re);
  return filter;
}

bool NameFilter::Matches(const std::string& text) const {
  return re_ == nullptr || re2::RE2::PartialMatch(text, *re_);
}

std::size_t KeepCount(std::size_t size, bool latest, int last) {
  std::size_t keep = size;
  if (latest) keep = 1;
  if (last > 0) keep = static_cast<std::size_t>(last);
  return std::min(keep, size);
}

absl::StatusOr<std::string> MatchIdPrefix(const std::string& prefix,
                                          const std::vector<std::string>& ids,
                                          const std::string& kind) {
  if (prefix.empty()) return absl::InvalidArgumentError("ID cannot be empty");
  std::vector<std::string> matches;
  for (const auto& id : ids) {
    if (id == prefix) return id;
    if (absl::StartsWith(id, prefix)) matches.push_back(id);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty()) {
    return absl::NotFoundError(absl::StrCat("no ", kind, " with id or id prefix \"", prefix, "\""));
  }
  std::sort(matches.begin(), matches.end());
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < matches.size() && i < kAmbiguousShown; ++i) {
    shown.push_back(TruncateId(matches[i]));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      kind, " id prefix \"", prefix, "\" is ambiguous: it matches ", matches.size(), " ", kind,
      "s (", absl::StrJoin(shown, ", "), matches.size() > kAmbiguousShown ? ", ..." : "", ")"));
}

absl::StatusOr<std::string> ResolveContainerId(Client& client, const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("ID cannot be empty");
  v1::ListContainersResponse response;
  const grpc::Status status =
      client.runtime().ListContainers(client.NewContext().get(), {}, &response);
  if (!status.ok()) return id;
  std::vector<std::string> ids;
  for (const auto& container : response.containers()) ids.push_back(container.id());
  return MatchIdPrefix(id, ids, "container");
}

absl::StatusOr<std::string> ResolvePodId(Client& client, const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("ID cannot be empty");
  v1::ListPodSandboxResponse response;
  const grpc::Status status =
      client.runtime().ListPodSandbox(client.NewContext().get(), {}, &response);
  if (!status.ok()) return id;
  std::vector<std::string> ids;
  for (const auto& pod : response.items()) ids.push_back(pod.id());
  return MatchIdPrefix(id, ids, "pod sandbox");
}

absl::Status Aggregate(const std::vector<absl::Status>& errors) {
  if (errors.empty()) return absl::OkStatus();
  if (errors.size() == 1) return errors.front();
  std::vector<std::string> messages;
  for (const auto& error : errors) messages.emplace_back(error.message());
  return absl::Status(errors.front().code(), absl::StrCat("[", absl::StrJoin(messages, ", "), "]"));
}

std::string ContainerStateName(v1::ContainerState state) {
  switch (state) {
    case v1::CONTAINER_CREATED:
      return "Created";
    case v1::CONTAINER_RUNNING:
      return "Running";
    case v1::CONTAINER_EXITED:
      return "Exited";
    default:
      return "Unknown";
  }
}

std::string PodStateName(v1::PodSandboxState state) {
  return state == v1::SANDBOX_READY ? "Ready" : "NotReady";
}

nlohmann::json StatusJson(const google::protobuf::Message& status) {
  nlohmann::json json = nlohmann::json::parse(MessageToJson(status).dump());
  if (!json.is_object()) json = nlohmann::json::object();
  const auto* descriptor = status.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_repeated()) {
      continue;
    }
    if (!json.contains(field->json_name())) json[field->json_name()] = nullptr;
  }
  return json;
}

nlohmann::json InspectEntry(nlohmann::json status,
                            const google::protobuf::Map<std::string, std::string>& info) {
  nlohmann::json entry = nlohmann::json::object();
  entry["status"] = std::move(status);
  for (const auto& [key, value] : info) {
    if (absl::StartsWith(value, "{")) {
      auto parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) {
        entry[key] = std::move(parsed);
        continue;
      }
    }
    const std::size_t first = value.find_first_not_of('"');
    const std::size_t last = value.find_last_not_of('"');
    entry[key] = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return entry;
}

std::string RenderInspect(const std::vector<nlohmann::json>& entries, bool yaml) {
  if (entries.empty()) return "";
  const nlohmann::json whole = entries.size() == 1 ? entries.front() : nlohmann::json(entries);
  if (yaml) return ToYaml(nlohmann::ordered_json::parse(whole.dump()));
  return whole.dump(2) + "\n";
}

std::string GoTimeString(std::int64_t unix_nanos) {
  std::int64_t seconds = unix_nanos / 1'000'000'000;
  std::int64_t nanos = unix_nanos % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  const time_t t = static_cast<time_t>(seconds);
  struct tm local {};
  localtime_r(&t, &local);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &local);
  std::string out = date;
  if (nanos != 0) {
    char fraction[16];
    std::snprintf(fraction, sizeof(fraction), "%09lld", static_cast<long long>(nanos));
    std::string digits = fraction;
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  char zone[32];
  std::strftime(zone, sizeof(zone), " %z %Z", &local);
  return out + zone;
}

std::string GoMapString(const google::protobuf::Map<std::string, std::string>& map) {
  std::vector<std::string> items;
  for (const auto& key : SortedKeys(map)) items.push_back(absl::StrCat(key, ":", map.at(key)));
  return absl::StrCat("map[", absl::StrJoin(items, " "), "]");
}

std::string KeyValueLines(const char* title,
                          const google::protobuf::Map<std::string, std::string>& map) {
  if (map.empty()) return "";
  std::string out = absl::StrCat(title, ":\n");
  for (const auto& key : SortedKeys(map))
    absl::StrAppend(&out, "\t", key, " -> ", map.at(key), "\n");
  return out;
}

std::string Quoted(const std::string& text) { return absl::StrCat("\"", text, "\""); }

}  // namespace crio::ctl
