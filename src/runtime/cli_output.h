#pragma once

// What goes in and out of the runtime's command line, as plain functions: the messages
// runc and crun print on failure, the JSON of `state` and `list`, and the process.json
// of `exec`. Kept apart from the process handling so that tests can feed them text.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/common/subprocess.h"
#include "crio/runtime/oci_runtime.h"

namespace crio::runtime::internal {

/// Longest runtime message put into a status, in bytes.
inline constexpr std::size_t kMaxMessageBytes = 1024;

/// The error a runtime printed on stderr, without decoration. Understands runc's logrus
/// text lines (`time="..." level=error msg="container does not exist"`), JSON log lines
/// (`{"level":"error","msg":"..."}`, runc and crun with --log-format json), logrus'
/// terminal form (`ERRO[0000] ...`) and crun's plain lines. The last error-level
/// message wins; without one, the plain lines; without those, the warnings.
/// @return at most kMaxMessageBytes bytes ("..." marks a cut); "" when nothing was said
std::string ExtractErrorMessage(absl::string_view stderr_text);

enum class ErrorKind {
  kOther,
  kNotFound,       ///< the runtime does not know the container
  kWrongState,     ///< not running, not paused, paused, not stopped, ...
  kAlreadyExists,  ///< id taken
};

/// Sorts a runtime message. NotFound is runc's "container does not exist" or crun's
/// ENOENT on "<root>/<id>" (its state directory).
ErrorKind ClassifyError(absl::string_view message, absl::string_view id, absl::string_view root);

/// The status for a failed runtime call: "<command>: <message> (exit status N)", with
/// the code from ClassifyError, or DeadlineExceeded when it timed out.
/// @param command what was run, for the message: "runc start 4f2a"
absl::Status RuntimeError(absl::string_view command, const subprocess::Result& result,
                          absl::string_view id, absl::string_view root);

/// A status string of the runtime-spec ("running", ...).
/// @return InvalidArgument for anything else
absl::StatusOr<ContainerStatus> ParseStatus(absl::string_view status);

/// The output of `state <id>`.
/// @return InvalidArgument when it is not the runtime-spec state JSON
absl::StatusOr<ContainerState> ParseState(absl::string_view json);

/// The output of `list --format json`: an array of states, or `null` (runc with no
/// containers).
absl::StatusOr<std::vector<ContainerState>> ParseStateList(absl::string_view json);

/// The process.json for `exec --process`: request.base_process_json with the request's
/// fields applied, terminal false and consoleSize dropped.
/// @return InvalidArgument for empty args or a base that is not a JSON object
absl::StatusOr<std::string> MakeExecProcess(const ExecRequest& request);

}  // namespace crio::runtime::internal
