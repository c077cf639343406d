// Reading crio.conf and its drop-ins: the only file of the module that touches toml11.
// toml11 reports errors by throwing; every call into it is wrapped here so that callers
// only ever see absl::Status.

#include <sys/stat.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <toml.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#include "crio/common/fs.h"
#include "crio/common/status.h"
#include "crio/config/config.h"
#include "descriptors.h"
#include "internal.h"

namespace crio::config {
namespace {

using internal::Cat;
using internal::Field;
using internal::StringList;
using internal::StringMap;
using internal::Table;
using internal::TomlKey;

// What loading accumulates across files.
struct LoadState {
  std::vector<std::string> warnings;
  std::map<std::string, std::string> origins;  // full key -> "file:line" that set it last
  // Deprecated CRI-O keys that CRI-O folds into other keys once every file is read.
  std::optional<std::string> conmon_cgroup;
  std::optional<StringList> conmon_env;
  StringList plugin_dir;
};

struct FileContext {
  std::string_view file;
  LoadState* state;
};

using internal::KeyPath;

std::string Where(const FileContext& ctx, const toml::value& v) {
  const auto line = v.location().line();
  return line > 0 ? Cat(ctx.file, ":", line) : std::string(ctx.file);
}

absl::Status ValueError(const FileContext& ctx, const toml::value& v, std::string_view key,
                        std::string_view message) {
  return absl::InvalidArgumentError(Cat(Where(ctx, v), ": ", key, ": ", message));
}

std::string_view KindName(const toml::value& v) {
  switch (v.type()) {
    case toml::value_t::boolean:
      return "boolean";
    case toml::value_t::integer:
      return "integer";
    case toml::value_t::floating:
      return "float";
    case toml::value_t::string:
      return "string";
    case toml::value_t::offset_datetime:
    case toml::value_t::local_datetime:
      return "datetime";
    case toml::value_t::local_date:
      return "date";
    case toml::value_t::local_time:
      return "time";
    case toml::value_t::array:
      return "array";
    case toml::value_t::table:
      return "table";
    default:
      return "nothing";
  }
}

absl::Status TypeError(const FileContext& ctx, const toml::value& v, std::string_view key,
                       std::string_view expected) {
  return ValueError(ctx, v, key, Cat("expected ", expected, ", got ", KindName(v)));
}

std::vector<std::string> SortedKeys(const toml::value& table) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : table.as_table()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

void Warn(const FileContext& ctx, std::string message) {
  ctx.state->warnings.push_back(Cat(ctx.file, ": ", message));
}

absl::StatusOr<StringList> ReadStringList(const FileContext& ctx, const toml::value& v,
                                          std::string_view key, internal::StringCheck check) {
  if (!v.is_array()) return TypeError(ctx, v, key, "an array of strings");
  StringList out;
  for (const toml::value& item : v.as_array()) {
    if (!item.is_string()) {
      return ValueError(
          ctx, item, key,
          Cat("expected an array of strings, got an element of type ", KindName(item)));
    }
    std::string s = item.as_string().str;
    absl::Status st = internal::CheckString(check, s);
    if (!st.ok()) return ValueError(ctx, item, key, internal::ToStd(st.message()));
    out.push_back(std::move(s));
  }
  return out;
}

// A default-constructed S, kept so that comparisons need no temporary (GCC 12 at -O2
// warns, wrongly, that a temporary's members may be uninitialized).
template <typename S>
const S& Pristine() {
  static const S pristine{};
  return pristine;
}

template <typename S>
absl::Status ApplyField(const FileContext& ctx, const Field<S>& field, const toml::value& v,
                        const std::string& key, S& obj) {
  absl::Status result = std::visit(
      [&](auto m) -> absl::Status {
        using T = std::remove_reference_t<decltype(obj.*m)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!v.is_string()) return TypeError(ctx, v, key, "a string");
          const std::string& s = v.as_string().str;
          absl::Status st = internal::CheckString(field.string_check, s);
          if (!st.ok()) return ValueError(ctx, v, key, internal::ToStd(st.message()));
          obj.*m = s;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!v.is_boolean()) return TypeError(ctx, v, key, "a boolean");
          obj.*m = v.as_boolean();
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          if (!v.is_integer()) return TypeError(ctx, v, key, "an integer");
          const std::int64_t i = v.as_integer();
          absl::Status st = internal::CheckInt(field.int_check, i);
          if (!st.ok()) return ValueError(ctx, v, key, internal::ToStd(st.message()));
          obj.*m = i;
        } else if constexpr (std::is_same_v<T, StringList>) {
          ASSIGN_OR_RETURN(obj.*m, ReadStringList(ctx, v, key, field.string_check));
        } else if constexpr (std::is_same_v<T, StringMap>) {
          if (!v.is_table()) return TypeError(ctx, v, key, "a table of strings");
          StringMap map;
          for (const std::string& k : SortedKeys(v)) {
            const toml::value& item = v.as_table().at(k);
            const std::string item_key = KeyPath(key, k);
            if (!item.is_string()) return TypeError(ctx, item, item_key, "a string");
            absl::Status st = internal::CheckString(field.string_check, item.as_string().str);
            if (!st.ok()) return ValueError(ctx, item, item_key, internal::ToStd(st.message()));
            map.emplace(k, item.as_string().str);
          }
          obj.*m = std::move(map);
        }
        return absl::OkStatus();
      },
      field.member);
  RETURN_IF_ERROR(result);
  ctx.state->origins[key] = Where(ctx, v);
  // The shipped crio.conf spells out every key, deprecated ones included, with their
  // defaults; only a file that changes one deserves the warning.
  if (!field.deprecated.empty() && !internal::FieldEquals(field, obj, Pristine<S>())) {
    ctx.state->warnings.push_back(internal::DeprecationWarning(ctx.file, key, field.deprecated));
  }
  return absl::OkStatus();
}

// Applies the keys of `table` that `desc` knows; hands the others to `extra`, which
// returns whether it knew the key. Keys nobody knows only warn, as in CRI-O.
template <typename S, typename Extra>
absl::Status ApplyTable(const FileContext& ctx, const toml::value& table, std::string_view path,
                        const Table<S>& desc, S& obj, Extra&& extra) {
  for (const std::string& key : SortedKeys(table)) {
    const toml::value& v = table.as_table().at(key);
    const std::string full = KeyPath(path, key);
    const auto field = std::find_if(desc.fields.begin(), desc.fields.end(),
                                    [&](const Field<S>& f) { return f.key == key; });
    if (field != desc.fields.end()) {
      RETURN_IF_ERROR(ApplyField(ctx, *field, v, full, obj));
      continue;
    }
    ASSIGN_OR_RETURN(const bool known, extra(key, v, full));
    if (!known) Warn(ctx, Cat("unknown key ", full));
  }
  return absl::OkStatus();
}

template <typename S>
absl::Status ApplyTable(const FileContext& ctx, const toml::value& table, std::string_view path,
                        const Table<S>& desc, S& obj) {
  return ApplyTable(ctx, table, path, desc, obj,
                    [](std::string_view, const toml::value&,
                       const std::string&) -> absl::StatusOr<bool> { return false; });
}

// CRI-O keys that crio reads but does not keep as such.
absl::StatusOr<bool> ApplyCompatKey(const FileContext& ctx, std::string_view section,
                                    std::string_view key, const toml::value& v,
                                    const std::string& full) {
  if (section == "crio.runtime") {
    if (key == "conmon") {
      Warn(ctx, Cat("ignoring ", full,
                    ": crio-monitor replaces conmon; set monitor_path in "
                    "[crio.runtime.runtimes.<handler>] instead"));
      return true;
    }
    if (key == "conmon_cgroup") {
      if (!v.is_string()) return TypeError(ctx, v, full, "a string");
      ctx.state->conmon_cgroup = v.as_string().str;
      ctx.state->warnings.push_back(internal::DeprecationWarning(
          ctx.file, full, "use monitor_cgroup in [crio.runtime.runtimes.<handler>]"));
      return true;
    }
    if (key == "conmon_env") {
      ASSIGN_OR_RETURN(ctx.state->conmon_env, ReadStringList(ctx, v, full, nullptr));
      ctx.state->warnings.push_back(internal::DeprecationWarning(
          ctx.file, full, "use monitor_env in [crio.runtime.runtimes.<handler>]"));
      return true;
    }
    if (key == "manage_ns_lifecycle" || key == "default_mounts") {
      Warn(ctx, Cat("ignoring ", full, ": CRI-O dropped this key"));
      return true;
    }
  }
  if (section == "crio.network" && key == "plugin_dir") {
    if (!v.is_string()) return TypeError(ctx, v, full, "a string");
    ctx.state->plugin_dir.push_back(v.as_string().str);
    ctx.state->warnings.push_back(internal::DeprecationWarning(ctx.file, full, "use plugin_dirs"));
    return true;
  }
  if (section == "crio.image" && key == "registries") {
    Warn(ctx,
         Cat("ignoring ", full, ": set unqualified-search-registries in registries_conf instead"));
    return true;
  }
  return false;
}

absl::Status ApplyHandlers(const FileContext& ctx, const toml::value& v, const std::string& path,
                           std::map<std::string, RuntimeHandler>& handlers) {
  if (!v.is_table()) return TypeError(ctx, v, path, "a table of runtime handler tables");
  for (const std::string& name : SortedKeys(v)) {
    const toml::value& table = v.as_table().at(name);
    const std::string full = KeyPath(path, name);
    if (!table.is_table()) return TypeError(ctx, table, full, "a table");
    // A handler first named here starts from RuntimeHandler's defaults; one that exists
    // already only gets the keys this file sets.
    RuntimeHandler& handler = handlers[name];
    RETURN_IF_ERROR(ApplyTable(ctx, table, full, internal::HandlerTable(), handler));
    // CRI-O's packaged drop-ins point monitor_path at conmon, which does not speak
    // crio-monitor's protocol; running it would fail every container.
    const std::string_view monitor = handler.monitor_path;
    const std::string_view base = monitor.substr(monitor.rfind('/') + 1);
    if (table.contains("monitor_path") && (base == "conmon" || base == "conmonrs")) {
      Warn(ctx, Cat("ignoring ", full, ".monitor_path \"", monitor,
                    "\": crio runs crio-monitor, not conmon; using the crio-monitor next to crio"));
      handler.monitor_path.clear();
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyWorkloads(const FileContext& ctx, const toml::value& v, const std::string& path,
                            std::map<std::string, Workload>& workloads) {
  if (!v.is_table()) return TypeError(ctx, v, path, "a table of workload tables");
  for (const std::string& name : SortedKeys(v)) {
    const toml::value& table = v.as_table().at(name);
    const std::string full = KeyPath(path, name);
    if (!table.is_table()) return TypeError(ctx, table, full, "a table");
    Workload& workload = workloads[name];
    absl::Status applied =
        ApplyTable(ctx, table, full, internal::WorkloadTable(), workload,
                   [&](std::string_view key, const toml::value& sub,
                       const std::string& sub_path) -> absl::StatusOr<bool> {
                     if (key != "resources") return false;
                     if (!sub.is_table()) return TypeError(ctx, sub, sub_path, "a table");
                     if (!workload.resources) workload.resources.emplace();
                     RETURN_IF_ERROR(ApplyTable(ctx, sub, sub_path, internal::ResourcesTable(),
                                                *workload.resources));
                     return true;
                   });
    RETURN_IF_ERROR(applied);
  }
  return absl::OkStatus();
}

template <typename S>
absl::Status ApplySection(const FileContext& ctx, const toml::value& v, const Table<S>& desc,
                          S& obj) {
  const std::string path(desc.path);
  if (!v.is_table()) return TypeError(ctx, v, path, "a table");
  return ApplyTable(ctx, v, path, desc, obj,
                    [&](std::string_view key, const toml::value& sub,
                        const std::string& full) -> absl::StatusOr<bool> {
                      if constexpr (std::is_same_v<S, RuntimeConfig>) {
                        if (key == "runtimes") {
                          RETURN_IF_ERROR(ApplyHandlers(ctx, sub, full, obj.runtimes));
                          return true;
                        }
                        if (key == "workloads") {
                          RETURN_IF_ERROR(ApplyWorkloads(ctx, sub, full, obj.workloads));
                          return true;
                        }
                      }
                      return ApplyCompatKey(ctx, desc.path, key, sub, full);
                    });
}

absl::Status ApplyDocument(const FileContext& ctx, const toml::value& root, Config& config) {
  for (const std::string& key : SortedKeys(root)) {
    const toml::value& v = root.as_table().at(key);
    if (key != "crio") {
      Warn(ctx, Cat("unknown key ", TomlKey(key)));
      continue;
    }
    if (!v.is_table()) return TypeError(ctx, v, "crio", "a table");
    RETURN_IF_ERROR(
        ApplyTable(ctx, v, "crio", internal::RootTable(), config.crio,
                   [&](std::string_view sub_key, const toml::value& sub,
                       const std::string&) -> absl::StatusOr<bool> {
                     absl::StatusOr<bool> known = false;
                     internal::ForEachSection([&](const auto& desc, auto member) {
                       if (desc.path != "crio" && internal::SubTableName(desc.path) == sub_key) {
                         absl::Status s = ApplySection(ctx, sub, desc, config.*member);
                         known = s.ok() ? absl::StatusOr<bool>(true) : absl::StatusOr<bool>(s);
                       }
                     });
                     return known;
                   }));
  }
  return absl::OkStatus();
}

// toml11's messages span several lines with a source excerpt; the first line says what
// is wrong, after "[error] toml::<function>: ".
std::string SyntaxSummary(std::string_view what) {
  std::string_view first = what.substr(0, what.find('\n'));
  if (first.starts_with("[error] ")) first.remove_prefix(8);
  if (first.starts_with("toml::")) {
    const std::size_t colon = first.find(": ");
    if (colon != std::string_view::npos) first.remove_prefix(colon + 2);
  }
  return std::string(first);
}

absl::Status ApplyText(std::string_view text, std::string_view name, Config& config,
                       LoadState& state) {
  toml::value root;
  try {
    std::istringstream in{std::string(text)};
    root = toml::parse(in, std::string(name));
  } catch (const toml::syntax_error& e) {
    return absl::InvalidArgumentError(
        Cat(name, ":", e.location().line(), ": syntax error: ", SyntaxSummary(e.what())));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(Cat(name, ": cannot parse TOML: ", e.what()));
  }
  const FileContext ctx{name, &state};
  try {
    return ApplyDocument(ctx, root, config);
  } catch (const std::exception& e) {
    // Only a toml11 bug could get here: every access above checks the type first.
    return absl::InternalError(Cat(name, ": reading TOML: ", e.what()));
  }
}

void Normalize(Config& config, LoadState& state) {
  // CRI-O translates the deprecated conmon_* keys into every oci handler.
  for (auto& [name, handler] : config.runtime.runtimes) {
    if (!handler.runtime_type.empty() && handler.runtime_type != "oci") continue;
    if (state.conmon_cgroup && !state.conmon_cgroup->empty()) {
      handler.monitor_cgroup = *state.conmon_cgroup;
    }
    if (state.conmon_env && !state.conmon_env->empty()) handler.monitor_env = *state.conmon_env;
  }
  // CRI-O resolves inherit_default_runtime once the default runtime is known.
  const auto default_handler = config.runtime.runtimes.find(config.runtime.default_runtime);
  if (default_handler != config.runtime.runtimes.end()) {
    const RuntimeHandler from = default_handler->second;
    for (auto& [name, handler] : config.runtime.runtimes) {
      if (!handler.inherit_default_runtime) continue;
      handler.runtime_path = from.runtime_path;
      handler.runtime_type = from.runtime_type;
      handler.runtime_root = from.runtime_root;
      handler.runtime_config_path = from.runtime_config_path;
    }
  }
  for (const std::string& dir : state.plugin_dir) {
    auto& dirs = config.network.plugin_dirs;
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  }
  // CRI-O raises these rather than refusing them.
  RuntimeConfig& runtime = config.runtime;
  if (runtime.ctr_stop_timeout < kMinCtrStopTimeout) {
    state.warnings.push_back(Cat("crio.runtime.ctr_stop_timeout: ", runtime.ctr_stop_timeout,
                                 " is below the minimum of ", kMinCtrStopTimeout,
                                 " seconds; using ", kMinCtrStopTimeout));
    runtime.ctr_stop_timeout = kMinCtrStopTimeout;
  }
  for (auto& [name, handler] : runtime.runtimes) {
    if (handler.container_create_timeout == 0) {
      handler.container_create_timeout = kDefaultContainerCreateTimeout;
    } else if (handler.container_create_timeout < kMinContainerCreateTimeout) {
      state.warnings.push_back(Cat("crio.runtime.runtimes.", TomlKey(name),
                                   ".container_create_timeout: ", handler.container_create_timeout,
                                   " is below the minimum of ", kMinContainerCreateTimeout,
                                   " seconds; using ", kMinContainerCreateTimeout));
      handler.container_create_timeout = kMinContainerCreateTimeout;
    }
  }
  if (config.api.grpc_max_send_msg_size <= 0) {
    config.api.grpc_max_send_msg_size = kDefaultGrpcMaxMsgSize;
  }
  if (config.api.grpc_max_recv_msg_size <= 0) {
    config.api.grpc_max_recv_msg_size = kDefaultGrpcMaxMsgSize;
  }
}

template <typename S>
absl::Status ApplyOverride(const std::optional<std::string>& value, const Table<S>& desc,
                           std::string_view key, S& obj, LoadState& state) {
  if (!value) return absl::OkStatus();
  const std::string full = Cat(desc.path, ".", key);
  for (const Field<S>& field : desc.fields) {
    if (field.key != key) continue;
    RETURN_IF_ERROR(crio::Annotate(internal::CheckString(field.string_check, *value),
                                   Cat("command line: ", full)));
    obj.*std::get<std::string S::*>(field.member) = *value;
    state.origins[full] = "command line";
    return absl::OkStatus();
  }
  return absl::InternalError(Cat("no descriptor for ", full));
}

absl::Status ApplyOverrides(const Overrides& o, Config& c, LoadState& state) {
  RETURN_IF_ERROR(ApplyOverride(o.listen, internal::ApiTable(), "listen", c.api, state));
  RETURN_IF_ERROR(ApplyOverride(o.root, internal::RootTable(), "root", c.crio, state));
  RETURN_IF_ERROR(ApplyOverride(o.runroot, internal::RootTable(), "runroot", c.crio, state));
  RETURN_IF_ERROR(ApplyOverride(o.log_dir, internal::RootTable(), "log_dir", c.crio, state));
  RETURN_IF_ERROR(
      ApplyOverride(o.log_level, internal::RuntimeTable(), "log_level", c.runtime, state));
  RETURN_IF_ERROR(ApplyOverride(o.cgroup_manager, internal::RuntimeTable(), "cgroup_manager",
                                c.runtime, state));
  RETURN_IF_ERROR(ApplyOverride(o.default_runtime, internal::RuntimeTable(), "default_runtime",
                                c.runtime, state));
  return absl::OkStatus();
}

absl::StatusOr<LoadResult> Finish(Config config, LoadState& state, std::vector<std::string> files) {
  Normalize(config, state);
  std::string key;
  absl::Status valid = internal::ValidateValues(config, &key);
  if (!valid.ok()) {
    const auto origin = state.origins.find(key);
    if (origin != state.origins.end()) valid = crio::Annotate(valid, origin->second);
    return valid;
  }
  return LoadResult{std::move(config), std::move(state.warnings), std::move(files)};
}

// The drop-in files to apply: regular *.conf files, by name.
absl::StatusOr<std::vector<std::string>> DropIns(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  const auto status = std::filesystem::status(dir, ec);
  if (ec || !std::filesystem::exists(status)) return files;
  if (!std::filesystem::is_directory(status)) {
    return absl::InvalidArgumentError(Cat("config directory ", dir, " is not a directory"));
  }
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return crio::fs::ErrnoStatus(ec.value(), Cat("read directory ", dir));
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".conf")) continue;
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;  // follows symlinks
    files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  for (std::string& name : files) name = (std::filesystem::path(dir) / name).string();
  return files;
}

}  // namespace

absl::StatusOr<LoadResult> Load(const LoadOptions& options, const Overrides& overrides) {
  Config config = Config::Defaults();
  LoadState state;
  std::vector<std::string> files;

  struct stat st {};
  if (!options.config_file.empty() && ::stat(options.config_file.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      return absl::InvalidArgumentError(
          Cat("config file ", options.config_file, " is not a regular file"));
    }
    files.push_back(options.config_file);
  }
  if (!options.config_dir.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> dropins, DropIns(options.config_dir));
    files.insert(files.end(), dropins.begin(), dropins.end());
  }
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::string text, crio::fs::ReadFile(file, internal::kMaxConfigFileBytes));
    RETURN_IF_ERROR(ApplyText(text, file, config, state));
  }
  RETURN_IF_ERROR(ApplyOverrides(overrides, config, state));
  return Finish(std::move(config), state, std::move(files));
}

absl::StatusOr<LoadResult> LoadFromString(std::string_view toml, std::string_view name) {
  Config config = Config::Defaults();
  LoadState state;
  RETURN_IF_ERROR(ApplyText(toml, name, config, state));
  return Finish(std::move(config), state, {std::string(name)});
}

}  // namespace crio::config
