// The libselinux implementation of Labeler.

#include <selinux/selinux.h>

#include <cerrno>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#include "crio/common/fs.h"
#include "crio/common/log.h"
#include "crio/common/status.h"
#include "crio/selinux/label.h"
#include "crio/selinux/labeler.h"

namespace crio::selinux {
namespace {

class SystemLabeler final : public Labeler {
 public:
  SystemLabeler() : enabled_(is_selinux_enabled() == 1) {
    if (!enabled_) {
      spdlog::info(
          "SELinux is disabled on this host: labels are computed for the OCI spec but not "
          "applied");
    }
  }

  bool Enabled() const override { return enabled_; }

  absl::StatusOr<std::string> FileLabel(const std::string& path) override {
    char* context = nullptr;
    if (lgetfilecon(path.c_str(), &context) < 0) {
      return fs::ErrnoStatus(errno, absl::StrCat("get SELinux label of ", path));
    }
    std::string label(context);
    freecon(context);
    return label;
  }

  absl::Status SetFileLabel(const std::string& path, const std::string& label) override {
    if (lsetfilecon(path.c_str(), label.c_str()) < 0) {
      return fs::ErrnoStatus(errno, absl::StrCat("set SELinux label of ", path));
    }
    return absl::OkStatus();
  }

  std::string LxcContextsPath() const override {
    if (!enabled_) return "";
    const char* path = selinux_lxc_contexts_path();
    return path == nullptr ? "" : path;
  }

 private:
  const bool enabled_;  ///< read once: SELinux cannot be turned on without a reboot
};

}  // namespace

std::unique_ptr<Labeler> MakeSystemLabeler() { return std::make_unique<SystemLabeler>(); }

}  // namespace crio::selinux
