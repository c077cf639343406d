#pragma once

// The descriptor tables: one entry per crio.conf key, naming its TOML key, the member it
// sets, its documentation, its value check and whether SIGHUP may change it. Loading,
// validation, TOML/JSON/man-page output and reload all walk these tables, the job CRI-O
// spreads over Go struct tags, template.go and reload.go.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crio/config/config.h"
#include "string_util.h"

namespace crio::config::internal {

using StringList = std::vector<std::string>;
using StringMap = std::map<std::string, std::string>;

/// Checks one string: a string key's value, each element of a list, each value of a map.
/// The message says what a valid value looks like; the caller adds key and value.
using StringCheck = absl::Status (*)(std::string_view value);
using IntCheck = absl::Status (*)(std::int64_t value);

enum class Reload {
  kRestart,  ///< a change is reported in needs_restart
  kLive,     ///< ApplyReloadable copies a change into the running config
};

template <typename S>
using Member =
    std::variant<std::string S::*, bool S::*, std::int64_t S::*, StringList S::*, StringMap S::*>;

/// One key of one table.
template <typename S>
struct Field {
  std::string_view key;
  Member<S> member;
  std::string_view doc;  ///< sentences, wrapped by whoever prints them
  StringCheck string_check = nullptr;
  IntCheck int_check = nullptr;
  Reload reload = Reload::kRestart;
  std::string_view deprecated = {};  ///< non-empty: what to use instead
};

/// One table: a section of Config, or the shape of each named handler/workload table.
template <typename S>
struct Table {
  std::string_view path;  ///< "crio.api"; for named tables "crio.runtime.runtimes"
  std::string_view doc;
  std::span<const Field<S>> fields;
};

const Table<RootConfig>& RootTable();
const Table<ApiConfig>& ApiTable();
const Table<RuntimeConfig>& RuntimeTable();
const Table<ImageConfig>& ImageTable();
const Table<NetworkConfig>& NetworkTable();
const Table<MetricsConfig>& MetricsTable();
const Table<StatsConfig>& StatsTable();
const Table<RuntimeHandler>& HandlerTable();
const Table<Workload>& WorkloadTable();
/// Relative path "resources", below a workload.
const Table<WorkloadResources>& ResourcesTable();

/// The sub-table name of [crio.<name>] for a section, "" for [crio] itself.
inline std::string_view SubTableName(std::string_view path) {
  return path == "crio" ? std::string_view() : path.substr(5);
}

/// Calls f(table, member-pointer) for every section of Config, in document order.
template <typename F>
void ForEachSection(F&& f) {
  f(RootTable(), &Config::crio);
  f(ApiTable(), &Config::api);
  f(RuntimeTable(), &Config::runtime);
  f(ImageTable(), &Config::image);
  f(NetworkTable(), &Config::network);
  f(MetricsTable(), &Config::metrics);
  f(StatsTable(), &Config::stats);
}

/// TOML spellings of values, also used in messages.
std::string TomlString(std::string_view s);
std::string TomlKey(std::string_view key);
std::string TomlInlineList(const StringList& list);
std::string TomlInlineTable(const StringMap& map);

/// A value as a change description shows it: strings bare (empty as ""), the rest as
/// inline TOML.
std::string ChangeText(const std::string& v);
std::string ChangeText(bool v);
std::string ChangeText(std::int64_t v);
std::string ChangeText(const StringList& v);
std::string ChangeText(const StringMap& v);

/// The dotted name of `key` below `path` ("crio.runtime" + "log_level"), quoting keys
/// that TOML would not take bare (handler names with dots, for instance).
inline std::string KeyPath(std::string_view path, std::string_view key) {
  return path.empty() ? TomlKey(key) : Cat(path, ".", TomlKey(key));
}

/// "string", "boolean", "integer", "array of strings", "table of strings".
template <typename S>
std::string_view TypeName(const Member<S>& member) {
  return std::visit(
      [](auto m) -> std::string_view {
        using T = std::remove_reference_t<decltype(std::declval<S>().*m)>;
        if constexpr (std::is_same_v<T, std::string>) return "string";
        if constexpr (std::is_same_v<T, bool>) return "boolean";
        if constexpr (std::is_same_v<T, std::int64_t>) return "integer";
        if constexpr (std::is_same_v<T, StringList>) return "array of strings";
        if constexpr (std::is_same_v<T, StringMap>) return "table of strings";
      },
      member);
}

/// "invalid value <v>: <why>" when `check` refuses `value`.
absl::Status CheckString(StringCheck check, std::string_view value);
absl::Status CheckInt(IntCheck check, std::int64_t value);

/// Runs the field's checks on its current value in `obj`.
template <typename S>
absl::Status CheckField(const Field<S>& field, const S& obj) {
  return std::visit(
      [&](auto m) -> absl::Status {
        const auto& value = obj.*m;
        using T = std::remove_cvref_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return CheckString(field.string_check, value);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return CheckInt(field.int_check, value);
        } else if constexpr (std::is_same_v<T, StringList>) {
          for (const std::string& item : value) {
            absl::Status s = CheckString(field.string_check, item);
            if (!s.ok()) return s;
          }
          return absl::OkStatus();
        } else if constexpr (std::is_same_v<T, StringMap>) {
          for (const auto& [k, v] : value) {
            absl::Status s = CheckString(field.string_check, v);
            if (!s.ok()) return absl::Status(s.code(), Cat(TomlKey(k), ": ", s.message()));
          }
          return absl::OkStatus();
        } else {
          return absl::OkStatus();
        }
      },
      field.member);
}

/// The value a field has in `obj`, as TOML.
template <typename S>
std::string FieldToml(const Field<S>& field, const S& obj) {
  return std::visit(
      [&](auto m) -> std::string {
        const auto& value = obj.*m;
        using T = std::remove_cvref_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) return TomlString(value);
        if constexpr (std::is_same_v<T, bool>) return value ? "true" : "false";
        if constexpr (std::is_same_v<T, std::int64_t>) return Cat(value);
        if constexpr (std::is_same_v<T, StringList>) return TomlInlineList(value);
        if constexpr (std::is_same_v<T, StringMap>) return TomlInlineTable(value);
      },
      field.member);
}

/// Compares one field of two objects.
template <typename S>
bool FieldEquals(const Field<S>& field, const S& a, const S& b) {
  return std::visit([&](auto m) { return a.*m == b.*m; }, field.member);
}

/// Copies one field from `from` to `to`.
template <typename S>
void CopyField(const Field<S>& field, const S& from, S& to) {
  std::visit([&](auto m) { to.*m = from.*m; }, field.member);
}

/// "old -> new" for one field.
template <typename S>
std::string FieldChange(const Field<S>& field, const S& from, const S& to) {
  return std::visit([&](auto m) { return Cat(ChangeText(from.*m), " -> ", ChangeText(to.*m)); },
                    field.member);
}

/// Warning text for a deprecated key a file set.
std::string DeprecationWarning(std::string_view file, std::string_view key,
                               std::string_view instead);

/// The man-page text for a key's live reload status.
inline constexpr std::string_view kLiveReloadNote =
    "This option supports live configuration reload.";

}  // namespace crio::config::internal
