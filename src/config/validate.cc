#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "crio/common/status.h"
#include "crio/config/config.h"
#include "descriptors.h"
#include "internal.h"

namespace crio::config {
namespace {

using internal::Cat;
using internal::Field;
using internal::TomlKey;

using internal::KeyPath;

// Reports the first field of `desc` whose value `obj` holds is invalid.
template <typename S>
absl::Status CheckFields(const internal::Table<S>& desc, std::string_view path, const S& obj,
                         std::string* failed_key) {
  for (const Field<S>& field : desc.fields) {
    absl::Status s = internal::CheckField(field, obj);
    if (!s.ok()) {
      *failed_key = KeyPath(path, field.key);
      return absl::InvalidArgumentError(Cat(*failed_key, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

absl::Status HostError(std::string_view key, std::string_view message) {
  return absl::FailedPreconditionError(Cat(key, ": ", message));
}

// crio creates its directories at startup (CRI-O MkdirAll's them): an existing
// directory or a missing one below a writable directory will do.
absl::Status CheckCreatableDir(std::string_view key, const std::string& dir) {
  std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
  bool first = true;
  while (true) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode) && first) {
        return HostError(key, Cat(dir, " exists but is not a directory"));
      }
      if (!S_ISDIR(st.st_mode)) {
        return HostError(key, Cat("cannot create ", dir, ": ", p.string(), " is not a directory"));
      }
      if (!first && ::access(p.c_str(), W_OK | X_OK) != 0) {
        return HostError(key, Cat("cannot create ", dir, ": ", p.string(), " is not writable"));
      }
      return absl::OkStatus();
    }
    if (errno != ENOENT && errno != ENOTDIR) {
      return HostError(key, Cat("cannot inspect ", p.string(), ": ", std::strerror(errno)));
    }
    if (!p.has_parent_path() || p.parent_path() == p) {
      return HostError(key, Cat("cannot create ", dir));
    }
    p = p.parent_path();
    first = false;
  }
}

absl::Status CheckReadableFile(std::string_view key, const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) {
    return HostError(key, Cat("cannot read ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status CheckHost(const Config& c, const HostPaths& host) {
  const RuntimeConfig& rt = c.runtime;
  const std::string& name = rt.default_runtime;
  const RuntimeHandler& handler = rt.runtimes.at(name);
  RETURN_IF_ERROR(ResolveRuntimePath(handler, name).status());
  for (const auto& [handler_name, h] : rt.runtimes) {
    if (!h.monitor_path.empty() && !IsExecutableFile(h.monitor_path)) {
      return HostError(KeyPath(KeyPath("crio.runtime.runtimes", handler_name), "monitor_path"),
                       Cat(h.monitor_path, " is not an executable file"));
    }
  }
  if (rt.cgroup_manager == "systemd") {
    struct stat st {};
    if (::stat(host.systemd_run_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return HostError(
          "crio.runtime.cgroup_manager",
          Cat("cgroup_manager is \"systemd\" but systemd is not running (", host.systemd_run_dir,
              " does not exist); set cgroup_manager = \"cgroupfs\" in "
              "[crio.runtime] or pass --cgroup-manager=cgroupfs"));
    }
  }
  const std::pair<std::string_view, const std::string*> dirs[] = {
      {"crio.root", &c.crio.root},
      {"crio.runroot", &c.crio.runroot},
      {"crio.log_dir", &c.crio.log_dir},
      {"crio.runtime.container_exits_dir", &rt.container_exits_dir},
      {"crio.runtime.container_attach_socket_dir", &rt.container_attach_socket_dir},
      {"crio.runtime.namespaces_dir", &rt.namespaces_dir},
      {"crio.network.network_dir", &c.network.network_dir},
  };
  for (const auto& [key, dir] : dirs) RETURN_IF_ERROR(CheckCreatableDir(key, *dir));
  RETURN_IF_ERROR(CheckCreatableDir("crio.api.listen",
                                    std::filesystem::path(c.api.listen).parent_path().string()));
  for (const std::string& dir : c.network.plugin_dirs) {
    RETURN_IF_ERROR(CheckCreatableDir("crio.network.plugin_dirs", dir));
  }
  if (!rt.pinns_path.empty() && !IsExecutableFile(rt.pinns_path)) {
    return HostError("crio.runtime.pinns_path", Cat(rt.pinns_path, " is not an executable file"));
  }
  if (!rt.timezone.empty() && !internal::EqualsIgnoreCase(rt.timezone, "local")) {
    const std::string zone = Cat(host.zoneinfo_dir, "/", rt.timezone);
    if (::access(zone.c_str(), R_OK) != 0) {
      return HostError("crio.runtime.timezone",
                       Cat("unknown time zone \"", rt.timezone, "\" (no ", zone, ")"));
    }
  }
  if (c.api.stream_enable_tls) {
    RETURN_IF_ERROR(CheckReadableFile("crio.api.stream_tls_cert", c.api.stream_tls_cert));
    RETURN_IF_ERROR(CheckReadableFile("crio.api.stream_tls_key", c.api.stream_tls_key));
    if (!c.api.stream_tls_ca.empty()) {
      RETURN_IF_ERROR(CheckReadableFile("crio.api.stream_tls_ca", c.api.stream_tls_ca));
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace internal {

absl::Status ValidateValues(const Config& c, std::string* failed_key) {
  failed_key->clear();
  absl::Status status;
  ForEachSection([&](const auto& desc, auto member) {
    if (status.ok()) status = CheckFields(desc, desc.path, c.*member, failed_key);
  });
  RETURN_IF_ERROR(status);

  const RuntimeConfig& rt = c.runtime;
  auto fail = [&](std::string key, std::string_view message) {
    *failed_key = std::move(key);
    return absl::InvalidArgumentError(Cat(*failed_key, ": ", message));
  };
  for (const auto& [name, h] : rt.runtimes) {
    const std::string path = KeyPath("crio.runtime.runtimes", name);
    RETURN_IF_ERROR(CheckFields(HandlerTable(), path, h, failed_key));
    const bool oci = h.runtime_type.empty() || h.runtime_type == "oci";
    if (!h.runtime_config_path.empty() && h.runtime_type != "vm") {
      return fail(KeyPath(path, "runtime_config_path"),
                  "runtime_config_path can only be used with runtime_type \"vm\"");
    }
    if (h.no_sync_log && !oci) {
      return fail(KeyPath(path, "no_sync_log"),
                  "no_sync_log can only be used with runtime_type \"oci\"");
    }
    if (h.stream_websockets && h.runtime_type != "pod") {
      return fail(KeyPath(path, "stream_websockets"),
                  "stream_websockets can only be used with runtime_type \"pod\"");
    }
    // CRI-O reads system.slice (its systemd default) as "none" under cgroupfs.
    if (rt.cgroup_manager == "cgroupfs" && !h.monitor_cgroup.empty() && h.monitor_cgroup != "pod" &&
        h.monitor_cgroup != "system.slice") {
      return fail(KeyPath(path, "monitor_cgroup"),
                  Cat("with cgroup_manager \"cgroupfs\" monitor_cgroup must be \"pod\" "
                      "or empty, not \"",
                      h.monitor_cgroup, "\""));
    }
  }
  for (const auto& [name, w] : rt.workloads) {
    const std::string path = KeyPath("crio.runtime.workloads", name);
    if (w.activation_annotation.empty()) {
      return fail(KeyPath(path, "activation_annotation"),
                  Cat("workload \"", name, "\" needs an activation_annotation"));
    }
    RETURN_IF_ERROR(CheckFields(WorkloadTable(), path, w, failed_key));
    if (w.resources) {
      RETURN_IF_ERROR(
          CheckFields(ResourcesTable(), KeyPath(path, "resources"), *w.resources, failed_key));
    }
  }
  if (rt.runtimes.find(rt.default_runtime) == rt.runtimes.end()) {
    return fail("crio.runtime.default_runtime", Cat("default_runtime is \"", rt.default_runtime,
                                                    "\" but no [crio.runtime.runtimes.",
                                                    TomlKey(rt.default_runtime), "] table exists"));
  }
  if (!rt.separate_pull_cgroup.empty() && rt.cgroup_manager != "systemd") {
    return fail("crio.runtime.separate_pull_cgroup",
                "separate_pull_cgroup needs cgroup_manager \"systemd\"");
  }
  if (c.api.stream_enable_tls) {
    if (c.api.stream_tls_cert.empty()) {
      return fail("crio.api.stream_tls_cert", "stream_enable_tls needs stream_tls_cert");
    }
    if (c.api.stream_tls_key.empty()) {
      return fail("crio.api.stream_tls_key", "stream_enable_tls needs stream_tls_key");
    }
  }
  return absl::OkStatus();
}

}  // namespace internal

absl::Status Validate(const Config& config, ValidationMode mode, const HostPaths& host) {
  std::string key;
  RETURN_IF_ERROR(internal::ValidateValues(config, &key));
  if (mode == ValidationMode::kPure) return absl::OkStatus();
  return CheckHost(config, host);
}

absl::StatusOr<std::string> ResolveRuntimePath(const RuntimeHandler& handler,
                                               std::string_view name) {
  const std::string who = Cat("runtime handler \"", name, "\"");
  if (!handler.runtime_path.empty()) {
    struct stat st {};
    if (::stat(handler.runtime_path.c_str(), &st) != 0) {
      return absl::FailedPreconditionError(
          Cat(who, ": runtime_path \"", handler.runtime_path, "\": ", std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode) || ::access(handler.runtime_path.c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(
          Cat(who, ": runtime_path \"", handler.runtime_path, "\" is not an executable file"));
    }
    return handler.runtime_path;
  }
  if (name.empty() || name.find('/') != std::string_view::npos) {
    return absl::FailedPreconditionError(
        Cat(who, ": runtime_path is empty and the name cannot be looked up in $PATH"));
  }
  const char* env = std::getenv("PATH");
  const std::string_view search =
      env != nullptr ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (std::string_view dir : internal::Split(search, ':')) {
    std::string candidate = dir.empty() ? std::string(name) : Cat(dir, "/", name);
    if (!IsExecutableFile(candidate)) continue;
    if (candidate[0] != '/') {
      std::error_code ec;
      candidate = std::filesystem::absolute(candidate, ec).string();
    }
    return candidate;
  }
  return absl::FailedPreconditionError(
      Cat(who, ": runtime_path is empty and \"", name, "\" is not in $PATH"));
}

std::vector<std::string> PruneUnusableHandlers(Config& config) {
  std::vector<std::string> warnings;
  auto& runtimes = config.runtime.runtimes;
  for (auto it = runtimes.begin(); it != runtimes.end();) {
    const auto& [name, handler] = *it;
    if (name == config.runtime.default_runtime || handler.inherit_default_runtime) {
      ++it;
      continue;
    }
    absl::StatusOr<std::string> path = ResolveRuntimePath(handler, name);
    if (path.ok()) {
      ++it;
      continue;
    }
    warnings.push_back(
        Cat("Runtime handler \"", name, "\" is being ignored: ", path.status().message()));
    it = runtimes.erase(it);
  }
  return warnings;
}

}  // namespace crio::config
