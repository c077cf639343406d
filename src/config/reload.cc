// SIGHUP: which differences between the running and the freshly loaded configuration
// may be applied live. The Reload flags of the descriptor tables decide.

#include <map>
#include <set>
#include <string>

#include "crio/config/config.h"
#include "descriptors.h"

namespace crio::config {
namespace {

using internal::Cat;
using internal::Field;
using internal::Table;
using internal::TomlKey;

using internal::KeyPath;

// Takes the live keys of `desc` from `fresh` into `result`; lists the others that differ.
template <typename S>
void MergeFields(const Table<S>& desc, std::string_view path, const S& running, const S& fresh,
                 S& result, ReloadResult& out, std::string_view skip = {}) {
  for (const Field<S>& field : desc.fields) {
    if (field.key == skip || internal::FieldEquals(field, running, fresh)) continue;
    const std::string key = KeyPath(path, field.key);
    if (field.reload == internal::Reload::kLive) {
      out.changes.push_back(Cat(key, ": ", internal::FieldChange(field, running, fresh)));
      internal::CopyField(field, fresh, result);
    } else {
      out.needs_restart.push_back(key);
    }
  }
}

// Handlers and workloads: per key for the ones in both, restart for added/removed ones,
// because running containers and sandboxes refer to them by name.
template <typename T, typename MergeOne>
void MergeNamed(std::string_view path, const std::map<std::string, T>& running,
                const std::map<std::string, T>& fresh, ReloadResult& out, MergeOne&& merge_one) {
  std::set<std::string> names;
  for (const auto& [name, v] : running) names.insert(name);
  for (const auto& [name, v] : fresh) names.insert(name);
  for (const std::string& name : names) {
    const auto r = running.find(name);
    const auto f = fresh.find(name);
    const std::string key = KeyPath(path, name);
    if (r == running.end() || f == fresh.end()) {
      out.needs_restart.push_back(key);
      continue;
    }
    merge_one(key, name, r->second, f->second);
  }
}

}  // namespace

ReloadResult ApplyReloadable(const Config& running, const Config& fresh) {
  ReloadResult out{running, {}, {}};
  internal::ForEachSection([&](const auto& desc, auto member) {
    // default_runtime is live only if its handler is already running; see below.
    MergeFields(desc, desc.path, running.*member, fresh.*member, out.config.*member, out,
                desc.path == "crio.runtime" ? "default_runtime" : "");
  });

  RuntimeConfig& rt = out.config.runtime;
  MergeNamed("crio.runtime.runtimes", running.runtime.runtimes, fresh.runtime.runtimes, out,
             [&](const std::string& key, const std::string& name, const RuntimeHandler& r,
                 const RuntimeHandler& f) {
               MergeFields(internal::HandlerTable(), key, r, f, rt.runtimes.at(name), out);
             });
  MergeNamed(
      "crio.runtime.workloads", running.runtime.workloads, fresh.runtime.workloads, out,
      [&](const std::string& key, const std::string& name, const Workload& r, const Workload& f) {
        MergeFields(internal::WorkloadTable(), key, r, f, rt.workloads.at(name), out);
        if (r.resources != f.resources) out.needs_restart.push_back(key + ".resources");
      });

  if (running.runtime.default_runtime != fresh.runtime.default_runtime) {
    const std::string key = "crio.runtime.default_runtime";
    if (rt.runtimes.count(fresh.runtime.default_runtime) != 0) {
      out.changes.push_back(
          Cat(key, ": ", running.runtime.default_runtime, " -> ", fresh.runtime.default_runtime));
      rt.default_runtime = fresh.runtime.default_runtime;
    } else {
      out.needs_restart.push_back(key);
    }
  }
  return out;
}

}  // namespace crio::config
