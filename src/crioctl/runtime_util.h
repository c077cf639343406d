#pragma once

// What the pod and container commands share: running a body with the command's
// streams, deadlines, label flags, id prefixes, state names and the inspect layout.

#include <google/protobuf/map.h>
#include <google/protobuf/message.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client.h"
#include "commands.h"
#include "crio/cri/api.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace crio::ctl {

/// Runs a command's body: an error is printed to `io.err` and makes the exit code 1.
void Run(const Streams& io, CommandResult& result, const std::function<absl::Status()>& body);

/// A call context whose deadline is the -t timeout, but at least `floor`. Pod and
/// container lifecycle calls take longer than lookups (a pod start may pull the pause
/// image and run CNI plugins), and a client deadline would abandon them half done.
std::unique_ptr<grpc::ClientContext> ContextAtLeast(const Globals& globals,
                                                    std::chrono::seconds floor);

/// How long lifecycle calls may take at least (kubelet's runtime-request-timeout is 2m).
inline constexpr std::chrono::seconds kLifecycleTimeout{240};

/// "--label key=value" flags as crictl reads them (exactly one '=').
absl::StatusOr<std::map<std::string, std::string>> ParseLabels(
    const std::vector<std::string>& labels);

/// A --name/--namespace filter: an unanchored regular expression in RE2 syntax, which is
/// Go's (crictl's) regexp syntax. An empty pattern matches everything.
class NameFilter {
 public:
  /// Compiles `pattern`; an invalid one is an error naming `flag`.
  static absl::StatusOr<NameFilter> Compile(const std::string& pattern, const char* flag);
  /// True when there is no pattern or `text` contains a match.
  bool Matches(const std::string& text) const;

 private:
  std::shared_ptr<const re2::RE2> re_;
};

/// How many of `size` items, newest first, --latest/--last keep (all when neither).
std::size_t KeepCount(std::size_t size, bool latest, int last);

/// The id among `ids` that `prefix` names: the id equal to it, else the only id that
/// starts with it. `kind` ("container", "pod sandbox") goes into the errors: NotFound
/// when nothing matches, InvalidArgument when several do.
absl::StatusOr<std::string> MatchIdPrefix(const std::string& prefix,
                                          const std::vector<std::string>& ids,
                                          const std::string& kind);

/// A container id from a unique prefix, by listing the containers as crictl users are
/// used to (CRI-O and containerd accept prefixes themselves; not every runtime does).
/// When the listing fails, `id` is returned as given and the next call reports.
absl::StatusOr<std::string> ResolveContainerId(Client& client, const std::string& id);
/// The same for pod sandboxes.
absl::StatusOr<std::string> ResolvePodId(Client& client, const std::string& id);

/// Several errors as one, as crictl aggregates them: a single error as it is, several
/// as "[first, second]". OK when `errors` is empty.
absl::Status Aggregate(const std::vector<absl::Status>& errors);

/// "Created", "Running", "Exited", "Unknown" (crictl ps).
std::string ContainerStateName(runtime::v1::ContainerState state);

/// `text` in double quotes, as crictl quotes ids in its messages.
std::string Quoted(const std::string& text);
/// "Ready", "NotReady" (crictl pods).
std::string PodStateName(runtime::v1::PodSandboxState state);

/// A status message as crictl's inspect shows it: protobuf JSON with every primitive
/// field, and null for each unset message field of the top level.
nlohmann::json StatusJson(const google::protobuf::Message& status);

/// One inspect entry: {"status": status, <key>: <value>...} with each verbose info
/// value parsed when it is a JSON object and kept as text otherwise. Keys sort as Go's
/// encoder sorts them.
nlohmann::json InspectEntry(nlohmann::json status,
                            const google::protobuf::Map<std::string, std::string>& info);

/// Several inspect entries: one is printed as itself, more as a list (crictl does so).
std::string RenderInspect(const std::vector<nlohmann::json>& entries, bool yaml);

/// Go's Time.String() in the local zone ("2006-01-02 15:04:05.999999999 -0700 MST"),
/// which crictl's table views print.
std::string GoTimeString(std::int64_t unix_nanos);

/// Go's "%v" of a map[string]string: "map[a:1 b:2]" with sorted keys.
std::string GoMapString(const google::protobuf::Map<std::string, std::string>& map);

/// "\t<key> -> <value>" lines under "<title>:", sorted by key; nothing when empty.
std::string KeyValueLines(const char* title,
                          const google::protobuf::Map<std::string, std::string>& map);

}  // namespace crio::ctl
