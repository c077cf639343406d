#include "crio/selinux/label.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

#include "crio/common/status.h"
#include "crio/selinux/mcs.h"

namespace crio::selinux {
namespace {

// A label travels into xattrs, OCI specs and log lines; whitespace or control bytes
// there are never meant and could split a line or truncate a C string.
bool HasForbiddenCharacter(absl::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == ' ') return true;
  }
  return false;
}

absl::Status CheckPart(absl::string_view name, absl::string_view value, bool may_hold_colon) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("empty SELinux ", name));
  if (HasForbiddenCharacter(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("SELinux ", name, " holds whitespace or a control character"));
  }
  if (!may_hold_colon && absl::StrContains(value, ':')) {
    return absl::InvalidArgumentError(absl::StrCat("SELinux ", name, " \"", value, "\" holds ':'"));
  }
  return absl::OkStatus();
}

// An option is either unset (empty) or a valid part.
absl::Status CheckOptions(const SELinuxOptions& options) {
  if (!options.user.empty()) RETURN_IF_ERROR(CheckPart("user", options.user, false));
  if (!options.role.empty()) RETURN_IF_ERROR(CheckPart("role", options.role, false));
  if (!options.type.empty()) RETURN_IF_ERROR(CheckPart("type", options.type, false));
  if (!options.level.empty()) RETURN_IF_ERROR(CheckPart("level", options.level, true));
  return absl::OkStatus();
}

void Override(std::string& part, const std::string& option) {
  if (!option.empty()) part = option;
}

}  // namespace

absl::StatusOr<Label> Label::Parse(absl::string_view text) {
  if (HasForbiddenCharacter(text)) {
    return absl::InvalidArgumentError("SELinux label holds whitespace or a control character");
  }
  // At most four pieces: the level keeps its own ':' ("s0-s0:c0.c1023").
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(':', 3));
  if (parts.size() < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("SELinux label \"", text, "\" is not user:role:type[:level]"));
  }
  Label label;
  label.user = std::move(parts[0]);
  label.role = std::move(parts[1]);
  label.type = std::move(parts[2]);
  if (parts.size() == 4) label.level = std::move(parts[3]);
  if (label.user.empty() || label.role.empty() || label.type.empty() ||
      (parts.size() == 4 && label.level.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("SELinux label \"", text, "\" has an empty part"));
  }
  return label;
}

std::string Label::ToString() const {
  if (level.empty()) return absl::StrCat(user, ":", role, ":", type);
  return absl::StrCat(user, ":", role, ":", type, ":", level);
}

absl::Status Label::Validate() const {
  RETURN_IF_ERROR(CheckPart("user", user, false));
  RETURN_IF_ERROR(CheckPart("role", role, false));
  RETURN_IF_ERROR(CheckPart("type", type, false));
  RETURN_IF_ERROR(CheckPart("level", level, true));
  return absl::OkStatus();
}

absl::StatusOr<std::string> Label::Format() const {
  RETURN_IF_ERROR(Validate());
  return ToString();
}

ContainerContexts ContainerContexts::Defaults() {
  ContainerContexts contexts;
  contexts.process = Label{"system_u", "system_r", "container_t", "s0"};
  contexts.file = Label{"system_u", "object_r", "container_file_t", "s0"};
  return contexts;
}

absl::StatusOr<ContainerContexts> ParseLxcContexts(absl::string_view text) {
  ContainerContexts contexts = ContainerContexts::Defaults();
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t equals = line.find('=');
    if (equals == absl::string_view::npos) continue;
    const absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, equals));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    Label* target = nullptr;
    if (key == "process") target = &contexts.process;
    if (key == "file") target = &contexts.file;
    if (target == nullptr) continue;  // content, ro_file, sandbox_kvm_process, ...
    absl::StatusOr<Label> label = Label::Parse(value);
    if (!label.ok()) return Annotate(label.status(), absl::StrCat("lxc_contexts key ", key));
    *target = *std::move(label);
  }
  return contexts;
}

absl::StatusOr<PodLabels> PodLabelsFor(const SELinuxOptions& pod_options,
                                       const ContainerContexts& contexts, McsAllocator& mcs) {
  RETURN_IF_ERROR(Annotate(CheckOptions(pod_options), "pod SELinux options"));
  std::string level;
  if (!pod_options.level.empty()) {
    // The pod's own choice is used as is; reserving it keeps Allocate() away from it.
    RETURN_IF_ERROR(mcs.Reserve(pod_options.level));
    level = pod_options.level;
  } else {
    ASSIGN_OR_RETURN(level, mcs.Allocate());
  }
  PodLabels labels;
  labels.process = contexts.process;
  Override(labels.process.user, pod_options.user);
  Override(labels.process.role, pod_options.role);
  Override(labels.process.type, pod_options.type);
  labels.process.level = level;
  labels.mount = contexts.file;
  labels.mount.level = level;
  return labels;
}

absl::StatusOr<ContainerLabelSet> ContainerLabels(const SELinuxOptions& container_options,
                                                  const PodLabels& pod, bool privileged) {
  RETURN_IF_ERROR(Annotate(CheckOptions(container_options), "container SELinux options"));
  ContainerLabelSet labels;
  labels.process = pod.process;
  if (privileged) labels.process.type = std::string(kSpcType);
  Override(labels.process.user, container_options.user);
  Override(labels.process.role, container_options.role);
  Override(labels.process.type, container_options.type);
  Override(labels.process.level, container_options.level);
  labels.mount = pod.mount;
  // The rootfs must be readable by the process: with a level of its own, the container's
  // files carry that level rather than the pod's.
  labels.mount.level = labels.process.level;
  return labels;
}

}  // namespace crio::selinux
