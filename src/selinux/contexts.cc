// The host's container contexts, read through the Labeler.

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "crio/common/fs.h"
#include "crio/common/log.h"
#include "crio/common/status.h"
#include "crio/selinux/label.h"
#include "crio/selinux/labeler.h"

namespace crio::selinux {
namespace {

// lxc_contexts is a few lines; anything bigger is not one.
constexpr std::size_t kMaxLxcContextsBytes = std::size_t{64} * 1024;

}  // namespace

absl::StatusOr<ContainerContexts> LoadContainerContexts(const Labeler& labeler) {
  const std::string path = labeler.Enabled() ? labeler.LxcContextsPath() : "";
  if (path.empty()) return ContainerContexts::Defaults();
  absl::StatusOr<std::string> text = fs::ReadFile(path, kMaxLxcContextsBytes);
  if (absl::IsNotFound(text.status())) {
    spdlog::warn("No container contexts at {}: using the built-in defaults", path);
    return ContainerContexts::Defaults();
  }
  if (!text.ok()) return text.status();
  absl::StatusOr<ContainerContexts> contexts = ParseLxcContexts(*text);
  if (!contexts.ok()) return Annotate(contexts.status(), path);
  return contexts;
}

}  // namespace crio::selinux
