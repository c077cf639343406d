#pragma once

// An in-memory crio::selinux::Labeler: labels live in a map keyed by path, so the
// relabel rules are tested on real temp trees without SELinux on the host.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "crio/selinux/labeler.h"

namespace crio::selinux {

class FakeLabeler : public Labeler {
 public:
  explicit FakeLabeler(bool enabled = true) : enabled_(enabled) {}

  bool Enabled() const override { return enabled_; }

  absl::StatusOr<std::string> FileLabel(const std::string& path) override {
    auto it = labels_.find(path);
    if (it == labels_.end()) return absl::NotFoundError("no label for " + path);
    return it->second;
  }

  absl::Status SetFileLabel(const std::string& path, const std::string& label) override {
    set_calls_.push_back(path);
    if (!set_error_.ok()) return set_error_;
    labels_[path] = label;
    return absl::OkStatus();
  }

  std::string LxcContextsPath() const override { return lxc_contexts_path_; }

  /// Path -> label, as set so far (or seeded by a test).
  std::map<std::string, std::string> labels_;
  /// Every SetFileLabel path, in call order.
  std::vector<std::string> set_calls_;
  /// Returned by SetFileLabel when not OK.
  absl::Status set_error_;
  std::string lxc_contexts_path_;

 private:
  bool enabled_;
};

}  // namespace crio::selinux
