#pragma once

// Running one CNI plugin binary: the seam between the CNI protocol (what to put in the
// environment and on stdin, how to read the answer: cni.h) and starting processes, so
// that tests can answer for plugins.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/common/subprocess.h"

namespace crio::network {

/// One execution of a plugin, fully described.
struct PluginInvocation {
  std::string path;                      ///< the plugin binary
  std::string type;                      ///< its "type", for messages
  std::string command;                   ///< CNI_COMMAND: "ADD", "DEL", "CHECK"
  std::vector<std::string> env;          ///< the whole environment: PATH and the CNI_* variables
  std::string stdin_data;                ///< the execution configuration (JSON)
  std::chrono::milliseconds timeout{0};  ///< 0 = none
};

/// Starts plugins. Implementations are thread-safe.
class PluginRunner {
 public:
  virtual ~PluginRunner() = default;

  /// Runs the plugin to completion, or until the timeout passes, when it is killed with
  /// every process it started (its process group).
  /// @return how it ended and what it printed, for any exit or timeout; an error only
  ///     when it could not be started (NotFound, PermissionDenied, ...)
  virtual absl::StatusOr<subprocess::Result> Run(const PluginInvocation& invocation) = 0;
};

/// The PluginRunner that starts real processes: no shell, exactly `env`, stdin from
/// memory, stdout kept up to 4 MiB and stderr up to 64 KiB, its own process group.
/// @param runner how processes are started; DefaultRunner() outside tests
std::unique_ptr<PluginRunner> NewPluginRunner(
    subprocess::Runner& runner = subprocess::DefaultRunner());

}  // namespace crio::network
