#pragma once

// The runtime handlers of [crio.runtime.runtimes.<name>], resolved once: which binary,
// which state root, which global arguments, which monitor. A CRI request names a
// handler (its runtime_handler, "" for the default); Lookup turns that into everything
// needed to run the container with it.
//
// A registry is an immutable snapshot built from one Config. On SIGHUP the daemon
// builds a new one and swaps its shared_ptr; requests in flight keep the one (and the
// handlers) they started with.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crio/config/config.h"
#include "crio/runtime/oci_runtime.h"

namespace crio::runtime {

/// One usable handler.
struct Handler {
  std::string name;               ///< the key of [crio.runtime.runtimes.<name>]
  config::RuntimeHandler config;  ///< its table as configured
  std::string runtime_path;       ///< absolute path of the runtime binary
  std::string runtime_root;       ///< the runtime's --root (runtime_root or its default)
  /// What every runtime invocation starts with (--root, --systemd-cgroup); crio-monitor
  /// runs `<runtime_path> <runtime_global_args...> create ...`.
  std::vector<std::string> runtime_global_args;
  /// runtime_global_args without "--root <runtime_root>", for launchers that take the
  /// root separately (monitor::MonitorLaunch::runtime_args).
  std::vector<std::string> runtime_flags;
  /// The environment of crio-monitor and the runtime: the daemon's, with monitor_env
  /// entries replacing those of the same name.
  std::vector<std::string> runtime_env;
  /// crio-monitor: monitor_path, else `crio-monitor` next to the daemon's executable.
  std::string monitor_path;
  /// Timeout of `create`, for the monitor launcher (container_create_timeout).
  std::chrono::seconds create_timeout{config::kDefaultContainerCreateTimeout};
  /// Every other runtime operation.
  std::shared_ptr<OciRuntime> runtime;
};

/// What Build needs besides the Config.
struct RegistryOptions {
  /// The daemon's executable; "" = /proc/self/exe. crio-monitor is looked for beside it.
  std::string self_exe;
  std::chrono::milliseconds runtime_timeout{30'000};  ///< per runtime call
  std::string temp_dir;  ///< for ExecSync's files; "" = $TMPDIR or /tmp
  /// Builds the OciRuntime of a handler; unset = NewRuncRuntime. Tests put a fake here.
  std::function<std::unique_ptr<OciRuntime>(const RuncRuntimeOptions&)> make_runtime;
};

class HandlerRegistry {
 public:
  /// Resolves every handler of config.runtime.runtimes. A handler that cannot be used
  /// (its binary is missing, its runtime_type is not "oci") is kept with the reason,
  /// which Lookup returns, so that only pods asking for it fail.
  /// @return the registry; InvalidArgument when default_runtime names no handler,
  ///     FailedPrecondition when the default handler itself cannot be used
  static absl::StatusOr<std::shared_ptr<const HandlerRegistry>> Build(
      const config::Config& config, const RegistryOptions& options = {});

  /// The handler a CRI runtime_handler names; "" = default_runtime.
  /// @return the handler; InvalidArgument `runtime handler "x" is not configured` for a
  ///     name that is not in the config, FailedPrecondition naming the handler and the
  ///     reason when it is configured but unusable
  absl::StatusOr<std::shared_ptr<const Handler>> Lookup(std::string_view name) const;

  /// The default_runtime handler's name.
  const std::string& default_name() const { return default_name_; }

  /// Every configured handler name, sorted, usable or not.
  std::vector<std::string> Names() const;

  /// One line per unusable handler, for the daemon to log at start-up and reload.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct Entry {
    std::shared_ptr<const Handler> handler;  ///< null when unusable
    absl::Status error;                      ///< why, when unusable
  };
  HandlerRegistry() = default;

  std::string default_name_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::vector<std::string> warnings_;
};

}  // namespace crio::runtime
