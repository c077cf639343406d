// Printing the configuration: TOML for `crio config` and conf/crio.conf, JSON for CRI
// Status, Markdown for docs/crio.conf.5.md. All three walk the descriptor tables.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "crio/config/config.h"
#include "descriptors.h"

namespace crio::config {
namespace {

using internal::Append;
using internal::Cat;
using internal::Field;
using internal::StringList;
using internal::StringMap;
using internal::Table;
using internal::TomlKey;
using internal::TomlString;

constexpr std::size_t kCommentWidth = 80;

constexpr std::string_view kTomlHeader =
    R"(# crio.conf: the configuration of crio, a CRI-O compatible Kubernetes container
# runtime. Tables and keys are CRI-O's; crio.conf(5) documents every option.
#
# crio reads /etc/crio/crio.conf, then every *.conf file of /etc/crio/crio.conf.d
# in lexical order, then its command-line flags. Later values override earlier
# ones key by key, so a drop-in only needs the keys it changes.
#
# Options marked "This option supports live configuration reload." are applied
# when crio receives SIGHUP; a change of any other option needs a restart.
#
# `crio config` prints the effective configuration in this format.
)";

// Appends `text` word-wrapped as comment lines: `first` starts the first line, `next`
// the others.
void AppendWrapped(std::string* out, std::string_view text, std::string_view first = "# ",
                   std::string_view next = "# ", std::size_t width = kCommentWidth) {
  std::string line(first);
  bool empty = true;
  for (std::string_view word : internal::Split(text, ' ')) {
    if (word.empty()) continue;
    if (!empty && line.size() + 1 + word.size() > width) {
      Append(out, line, "\n");
      line = std::string(next);
      empty = true;
    }
    Append(&line, empty ? "" : " ", word);
    empty = false;
  }
  Append(out, line, "\n");
}

template <typename S>
std::string Notes(const Field<S>& field) {
  std::string notes;
  if (!field.deprecated.empty()) {
    Append(&notes, " Deprecated: ", field.deprecated, ".");
  }
  if (field.reload == internal::Reload::kLive) {
    Append(&notes, " ", internal::kLiveReloadNote);
  }
  return notes;
}

// A value as TOML, non-empty arrays one element per line.
template <typename S>
std::string BlockValue(const Field<S>& field, const S& obj) {
  if (const auto* list = std::get_if<StringList S::*>(&field.member)) {
    const StringList& items = obj.*(*list);
    if (items.empty()) return "[]";
    std::string out = "[\n";
    for (const std::string& item : items) Append(&out, "    ", TomlString(item), ",\n");
    return out + "]";
  }
  return internal::FieldToml(field, obj);
}

template <typename S>
void AppendKeys(std::string* out, const Table<S>& desc, const S& obj) {
  for (const Field<S>& field : desc.fields) {
    Append(out, field.key, " = ", BlockValue(field, obj), "\n");
  }
}

// The comment block that documents the keys of named tables once, above them.
template <typename S>
void AppendKeyList(std::string* out, const Table<S>& desc) {
  const S defaults{};
  for (const Field<S>& field : desc.fields) {
    AppendWrapped(out,
                  Cat("- ", field.key, " (", internal::TypeName<S>(field.member), ", default ",
                      internal::FieldToml(field, defaults), "): ", field.doc, Notes(field)),
                  "# ", "#   ");
  }
}

void AppendHandlers(std::string* out, const RuntimeConfig& rt) {
  const auto& desc = internal::HandlerTable();
  out->append("\n");
  AppendWrapped(out, desc.doc);
  out->append("#\n# The keys of a handler table:\n");
  AppendKeyList(out, desc);
  for (const auto& [name, handler] : rt.runtimes) {
    Append(out, "\n[", desc.path, ".", TomlKey(name), "]\n");
    AppendKeys(out, desc, handler);
  }
}

void AppendWorkloads(std::string* out, const RuntimeConfig& rt) {
  const auto& desc = internal::WorkloadTable();
  out->append("\n");
  AppendWrapped(out, desc.doc);
  out->append("#\n# The keys of a workload table:\n");
  AppendKeyList(out, desc);
  out->append("#\n# The keys of its resources table:\n");
  AppendKeyList(out, internal::ResourcesTable());
  if (rt.workloads.empty()) {
    out->append(
        "#\n"
        "# Example:\n"
        "# [crio.runtime.workloads.workload-type]\n"
        "# activation_annotation = \"io.crio/workload\"\n"
        "# annotation_prefix = \"io.crio.workload-type\"\n"
        "# [crio.runtime.workloads.workload-type.resources]\n"
        "# cpuset = \"0-1\"\n"
        "# cpushares = 5\n");
  }
  for (const auto& [name, workload] : rt.workloads) {
    const std::string path = Cat(desc.path, ".", TomlKey(name));
    Append(out, "\n[", path, "]\n");
    AppendKeys(out, desc, workload);
    if (workload.resources) {
      Append(out, "\n[", path, ".resources]\n");
      AppendKeys(out, internal::ResourcesTable(), *workload.resources);
    }
  }
}

template <typename S>
nlohmann::json FieldsJson(const Table<S>& desc, const S& obj) {
  nlohmann::json j = nlohmann::json::object();
  for (const Field<S>& field : desc.fields) {
    std::visit([&](auto m) { j[std::string(field.key)] = obj.*m; }, field.member);
  }
  return j;
}

std::string Upper(std::string_view s) { return internal::ToUpper(s); }

template <typename S>
void AppendManKeys(std::string* out, const Table<S>& desc, const S& defaults) {
  for (const Field<S>& field : desc.fields) {
    Append(out, "\n**", field.key, "**=", internal::FieldToml(field, defaults), "\n");
    AppendWrapped(
        out,
        Cat("(", internal::TypeName<S>(field.member), ") ", field.doc,
            field.deprecated.empty() ? "" : Cat(" **Deprecated:** ", field.deprecated, "."),
            field.reload == internal::Reload::kLive ? Cat(" ", internal::kLiveReloadNote)
                                                    : " A change needs a restart."),
        "  ", "  ", 100);
  }
}

constexpr std::string_view kManHead =
    R"(% crio.conf(5) crio, a CRI-O compatible Kubernetes container runtime
% generated from src/config/descriptors.cc; regenerate with CRIO_REGENERATE_GOLDEN=1 config_test

# NAME
crio.conf - configuration file of crio, a CRI-O compatible Kubernetes Container Runtime Interface daemon

# DESCRIPTION
crio reads the same configuration files, tables and keys as CRI-O, so that it can
replace CRI-O on a node. This page lists every key crio knows, with its type, its
default and whether a SIGHUP applies a change of it.

# FILES
crio reads, in this order:

1. the main file, /etc/crio/crio.conf (`--config`); a missing file is fine;
2. every regular file named `*.conf` in the drop-in directory /etc/crio/crio.conf.d
   (`--config-dir`), in lexical order of the names; other files and directories in it
   are skipped, and a missing directory is fine;
3. the command-line flags `--listen`, `--root`, `--runroot`, `--log-level`,
   `--log-dir`, `--cgroup-manager` and `--default-runtime`.

Later values override earlier ones **key by key**: tables are merged, not replaced. A
drop-in that sets `allowed_annotations` in `[crio.runtime.runtimes.crun]` changes that
key of that handler only. A handler or workload first named in a drop-in starts from
the defaults listed below for its table, not from another handler.

A key crio does not know is reported as a warning (`<file>: unknown key <table>.<key>`)
and otherwise ignored. A value of the wrong type or an invalid value stops crio with
an error naming the file, the line and the key, for example
`/etc/crio/crio.conf.d/10-x.conf:3: crio.runtime.log_level: invalid value "loud": ...`.

`crio config` prints the effective configuration; the shipped /etc/crio/crio.conf is
that output for the defaults.

# RELOADING
On SIGHUP crio reads all files again. When they are valid, it applies the changes of
the keys marked "This option supports live configuration reload." and logs each one;
changes of other keys, and runtime handlers or workloads added or removed, are logged
as needing a restart and not applied. When the files are invalid, nothing changes.
The registries configuration (`registries_conf`) is re-read as well.

# FORMAT
The file is [TOML](https://toml.io). Every option is nested under the `crio` table:

    [crio]
    root = "/var/lib/crio"

    [crio.runtime]
    log_level = "info"

    [crio.runtime.runtimes.runc]
    runtime_root = "/run/runc"

Durations are strings in Go syntax ("90s", "1h30m", "0s"). `stream_port` is a string,
as in CRI-O.
)";

constexpr std::string_view kManTail = R"(
# DIFFERENCES FROM CRI-O
* Defaults: `root` is /var/lib/crio and `runroot` is /run/crio (crio keeps its own
  image and container store instead of containers-storage); `default_runtime` is
  "runc" and both a `runc` (runtime_root /run/runc) and a `crun` (runtime_root
  /run/crun) handler exist; `plugin_dirs` also lists /usr/lib/cni/, where Debian
  installs the CNI plugins; `pause_image` is registry.k8s.io/pause:3.10;
  `enable_criu_support` is false.
* `monitor_path` names crio-monitor, crio's own container monitor; empty means the
  crio-monitor installed next to crio. The CRI-O keys `conmon` (ignored with a
  warning), `conmon_cgroup` and `conmon_env` (copied into every "oci" handler's
  `monitor_cgroup` and `monitor_env`, with a deprecation warning) are still read. A
  handler's `monitor_path` naming conmon, as in CRI-O's packaged drop-ins, is ignored
  with a warning.
* `registries_conf` and `certs_dir` in [crio.image] are crio's: CRI-O takes the first
  from `--registries-conf` and always uses /etc/containers/certs.d for the second.
* The deprecated CRI-O keys `plugin_dir` (appended to `plugin_dirs`),
  `manage_ns_lifecycle`, `default_mounts` and `registries` are read and warned about.
* Tables CRI-O has and crio does not implement, such as [crio.tracing] and [crio.nri],
  are reported as unknown keys.
* `cgroup_manager = "systemd"` needs systemd running; without it crio refuses to start
  and suggests "cgroupfs".
* A runtime handler other than the default whose runtime binary cannot be found is
  ignored with a warning, as in CRI-O; the default one must exist.
* Values are checked when the file is read: ports, durations, sizes, capabilities,
  sysctls, ulimits, devices, ID mappings, CPU lists and absolute paths.

# SEE ALSO
crio(8), containers-registries.conf(5), containers-policy.json(5), oci-hooks(5),
CRI-O's crio.conf(5)
)";

}  // namespace

std::string ToToml(const Config& config) {
  std::string out(kTomlHeader);
  internal::ForEachSection([&](const auto& desc, auto member) {
    const auto& obj = config.*member;
    out.append("\n");
    AppendWrapped(&out, desc.doc);
    Append(&out, "[", desc.path, "]\n");
    for (const auto& field : desc.fields) {
      out.append("\n");
      AppendWrapped(&out, Cat(field.doc, Notes(field)));
      Append(&out, field.key, " = ", BlockValue(field, obj), "\n");
    }
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(obj)>, RuntimeConfig>) {
      AppendHandlers(&out, obj);
      AppendWorkloads(&out, obj);
    }
  });
  return out;
}

nlohmann::json ToJson(const Config& config) {
  nlohmann::json root = nlohmann::json::object();
  nlohmann::json& crio = root["crio"];
  internal::ForEachSection([&](const auto& desc, auto member) {
    const auto& obj = config.*member;
    nlohmann::json fields = FieldsJson(desc, obj);
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(obj)>, RuntimeConfig>) {
      nlohmann::json& runtimes = fields["runtimes"] = nlohmann::json::object();
      for (const auto& [name, handler] : obj.runtimes) {
        runtimes[name] = FieldsJson(internal::HandlerTable(), handler);
      }
      nlohmann::json& workloads = fields["workloads"] = nlohmann::json::object();
      for (const auto& [name, workload] : obj.workloads) {
        nlohmann::json w = FieldsJson(internal::WorkloadTable(), workload);
        if (workload.resources) {
          w["resources"] = FieldsJson(internal::ResourcesTable(), *workload.resources);
        }
        workloads[name] = std::move(w);
      }
    }
    if (desc.path == "crio") {
      crio.update(fields);
    } else {
      crio[std::string(internal::SubTableName(desc.path))] = std::move(fields);
    }
  });
  return root;
}

std::string ManPageMarkdown() {
  std::string out(kManHead);
  const Config defaults = Config::Defaults();
  internal::ForEachSection([&](const auto& desc, auto member) {
    Append(&out, "\n## ", Upper(desc.path), " TABLE\n");
    AppendWrapped(&out, desc.doc, "", "", 88);
    AppendManKeys(&out, desc, defaults.*member);
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(defaults.*member)>, RuntimeConfig>) {
      const auto& handlers = internal::HandlerTable();
      Append(&out, "\n### ", Upper(handlers.path), " TABLE\n");
      AppendWrapped(&out, handlers.doc, "", "", 88);
      out.append("\nThe defaults configure two handlers:\n\n");
      for (const auto& [name, handler] : defaults.runtime.runtimes) {
        Append(&out, "    [crio.runtime.runtimes.", name, "]\n");
        for (const auto& field : handlers.fields) {
          if (!internal::FieldEquals(field, handler, RuntimeHandler{})) {
            Append(&out, "    ", field.key, " = ", internal::FieldToml(field, handler), "\n");
          }
        }
        out.append("\n");
      }
      out.append("The keys of a handler table, with the defaults of a new handler:\n");
      AppendManKeys(&out, handlers, RuntimeHandler{});

      const auto& workloads = internal::WorkloadTable();
      Append(&out, "\n### ", Upper(workloads.path), " TABLE\n");
      AppendWrapped(&out, workloads.doc, "", "", 88);
      AppendManKeys(&out, workloads, Workload{});
      const auto& resources = internal::ResourcesTable();
      Append(&out, "\n### CRIO.RUNTIME.WORKLOADS.<NAME>.RESOURCES TABLE\n");
      AppendWrapped(&out, resources.doc, "", "", 88);
      AppendManKeys(&out, resources, WorkloadResources{});
    }
  });
  out.append(kManTail);
  return out;
}

}  // namespace crio::config
