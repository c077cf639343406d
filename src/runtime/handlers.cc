#include "crio/runtime/handlers.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crio/common/status.h"
#include "crio/common/subprocess.h"

namespace crio::runtime {
namespace {

// The key of platform_runtime_paths this daemon runs on.
constexpr std::string_view kPlatform =
#if defined(__x86_64__)
    "linux/amd64";
#elif defined(__aarch64__)
    "linux/arm64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    "linux/ppc64le";
#elif defined(__s390x__)
    "linux/s390x";
#else
    "linux/unknown";
#endif

std::string SelfExe(const RegistryOptions& options) {
  if (!options.self_exe.empty()) return options.self_exe;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.string();
}

std::string MonitorPath(const config::RuntimeHandler& handler, const std::string& self_exe) {
  if (!handler.monitor_path.empty()) return handler.monitor_path;
  if (self_exe.empty()) return "crio-monitor";
  return (std::filesystem::path(self_exe).parent_path() / "crio-monitor").string();
}

absl::StatusOr<std::shared_ptr<const Handler>> Resolve(const std::string& name,
                                                       const config::RuntimeHandler& table,
                                                       const std::string& cgroup_manager,
                                                       const std::string& self_exe,
                                                       const RegistryOptions& options) {
  const std::string type = table.runtime_type.empty() ? "oci" : table.runtime_type;
  if (type != "oci") {
    return absl::FailedPreconditionError(absl::StrCat(
        "runtime handler \"", name, "\": runtime_type \"", type,
        "\" is not supported yet (only \"oci\": runc, crun or a runtime with their CLI)"));
  }
  config::RuntimeHandler for_platform = table;
  if (auto it = table.platform_runtime_paths.find(std::string(kPlatform));
      it != table.platform_runtime_paths.end() && !it->second.empty()) {
    for_platform.runtime_path = it->second;
  }
  ASSIGN_OR_RETURN(std::string path, config::ResolveRuntimePath(for_platform, name));

  auto handler = std::make_shared<Handler>();
  handler->name = name;
  handler->config = table;
  handler->runtime_path = path;
  handler->runtime_root =
      table.runtime_root.empty() ? DefaultRuntimeRoot(path) : table.runtime_root;
  handler->runtime_env =
      subprocess::MergeEnvironment(subprocess::CurrentEnvironment(), table.monitor_env);
  handler->monitor_path = MonitorPath(table, self_exe);
  handler->create_timeout = std::chrono::seconds(table.container_create_timeout);

  RuncRuntimeOptions runtime_options;
  runtime_options.name = name;
  runtime_options.path = path;
  runtime_options.root = handler->runtime_root;
  runtime_options.systemd_cgroup = cgroup_manager == "systemd";
  runtime_options.env = handler->runtime_env;
  runtime_options.timeout = options.runtime_timeout;
  runtime_options.temp_dir = options.temp_dir;
  // With NOTIFY_SOCKET in its environment, runc start also relays the container's
  // sd_notify messages: that needs runc itself.
  runtime_options.start_through_exec_fifo =
      std::filesystem::path(path).filename() == "runc" &&
      std::none_of(handler->runtime_env.begin(), handler->runtime_env.end(),
                   [](const std::string& entry) { return entry.starts_with("NOTIFY_SOCKET="); });
  handler->runtime_global_args = GlobalArgs(runtime_options);
  // GlobalArgs starts with "--root <root>".
  handler->runtime_flags.assign(handler->runtime_global_args.begin() + 2,
                                handler->runtime_global_args.end());
  handler->runtime = options.make_runtime ? options.make_runtime(runtime_options)
                                          : NewRuncRuntime(std::move(runtime_options));
  if (handler->runtime == nullptr) {
    return absl::InternalError(absl::StrCat("runtime handler \"", name, "\": no runtime made"));
  }
  return std::shared_ptr<const Handler>(std::move(handler));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const HandlerRegistry>> HandlerRegistry::Build(
    const config::Config& config, const RegistryOptions& options) {
  const config::RuntimeConfig& rt = config.runtime;
  if (!rt.runtimes.contains(rt.default_runtime)) {
    return absl::InvalidArgumentError(
        absl::StrCat("crio.runtime.default_runtime: runtime handler \"", rt.default_runtime,
                     "\" is not configured in [crio.runtime.runtimes]"));
  }
  std::shared_ptr<HandlerRegistry> registry(new HandlerRegistry());
  registry->default_name_ = rt.default_runtime;
  const std::string self_exe = SelfExe(options);
  for (const auto& [name, table] : rt.runtimes) {
    auto handler = Resolve(name, table, rt.cgroup_manager, self_exe, options);
    if (!handler.ok()) {
      if (name == rt.default_runtime) {
        return Annotate(handler.status(), "crio.runtime.default_runtime");
      }
      registry->warnings_.push_back(std::string(handler.status().message()));
      registry->entries_.emplace(name, Entry{nullptr, handler.status()});
      continue;
    }
    registry->entries_.emplace(name, Entry{*std::move(handler), absl::OkStatus()});
  }
  return std::shared_ptr<const HandlerRegistry>(std::move(registry));
}

absl::StatusOr<std::shared_ptr<const Handler>> HandlerRegistry::Lookup(
    std::string_view name) const {
  const std::string_view wanted = name.empty() ? std::string_view(default_name_) : name;
  auto it = entries_.find(wanted);
  if (it == entries_.end()) {
    // CRI-O: "failed to find runtime handler x from runtime list [...]".
    return absl::InvalidArgumentError(
        absl::StrCat("runtime handler \"", std::string(wanted),
                     "\" is not configured (configured: ", absl::StrJoin(Names(), ", "), ")"));
  }
  if (it->second.handler == nullptr) return it->second.error;
  return it->second.handler;
}

std::vector<std::string> HandlerRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

}  // namespace crio::runtime
