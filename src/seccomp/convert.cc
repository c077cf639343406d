// Profile -> OCI `linux.seccomp` for one container, and the in-memory libseccomp check
// of the result. The conversion follows containers/common's (what CRI-O ships): archMap
// expansion for the node's architecture, includes/excludes against the container's
// capabilities, architectures and kernel.

#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crio/seccomp/seccomp.h"
#include "names.h"

namespace crio::seccomp {
namespace {

using nlohmann::json;

bool Has(const std::vector<std::string>& list, absl::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// What a rule's includes/excludes are checked against.
struct Facts {
  const std::vector<std::string>* capabilities = nullptr;
  std::vector<std::string> scmp_arches;  // the target's SCMP_ARCH_* names
  std::optional<KernelVersion> kernel;
};

bool AnyArchMatches(const std::vector<std::string>& arches, const Facts& facts) {
  for (const std::string& arch : arches) {
    const auto scmp = ScmpArchFromAnyName(arch);
    if (scmp.has_value() && Has(facts.scmp_arches, *scmp)) return true;
  }
  return false;
}

bool Applies(const SyscallRule& rule, const Facts& facts) {
  const Filter& in = rule.includes;
  for (const std::string& cap : in.caps) {
    if (!Has(*facts.capabilities, cap)) return false;
  }
  if (!in.arches.empty() && !AnyArchMatches(in.arches, facts)) return false;
  // An unknown kernel keeps the rule: refusing it would break every profile on a node
  // whose kernel we could not read, and the kernel itself refuses what it lacks.
  if (in.min_kernel.has_value() && facts.kernel.has_value() && *facts.kernel < *in.min_kernel) {
    return false;
  }
  const Filter& out = rule.excludes;
  for (const std::string& cap : out.caps) {
    if (Has(*facts.capabilities, cap)) return false;
  }
  if (!out.arches.empty() && AnyArchMatches(out.arches, facts)) return false;
  if (out.min_kernel.has_value() && facts.kernel.has_value() && *facts.kernel >= *out.min_kernel) {
    return false;
  }
  return true;
}

std::string LibseccompVersion() {
  const scmp_version* version = seccomp_version();
  if (version == nullptr) return "libseccomp";
  return absl::StrCat("libseccomp ", version->major, ".", version->minor, ".", version->micro);
}

absl::StatusOr<std::uint32_t> ActionValue(absl::string_view action,
                                          std::optional<std::uint32_t> errno_ret) {
  // runc's default return code for ERRNO and TRACE without errnoRet.
  const std::uint32_t code = errno_ret.value_or(EPERM);
  if (action == "SCMP_ACT_KILL" || action == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (action == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (action == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (action == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(code);
  if (action == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(code);
  if (action == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (action == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (action == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
  return absl::InvalidArgumentError(absl::StrCat("unknown action \"", action, "\""));
}

absl::StatusOr<scmp_compare> OpValue(absl::string_view op) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return absl::InvalidArgumentError(absl::StrCat("unknown op \"", op, "\""));
}

std::optional<std::uint32_t> OptionalErrno(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint32_t>();
}

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};

}  // namespace

absl::StatusOr<nlohmann::json> ToOciSeccomp(const Profile& profile, const Target& target,
                                            std::vector<std::string>* warnings) {
  const std::optional<std::string> target_scmp = ScmpArchFromGoArch(target.arch);
  std::vector<std::string> architectures;
  Facts facts;
  facts.capabilities = &target.capabilities;
  facts.kernel = target.kernel;
  if (!profile.arch_map.empty()) {
    if (!target_scmp.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("seccomp: architecture \"", target.arch, "\" has no libseccomp equivalent"));
    }
    for (const ArchMapEntry& entry : profile.arch_map) {
      if (entry.architecture != *target_scmp) continue;
      architectures.push_back(entry.architecture);
      for (const std::string& sub : entry.sub_architectures) {
        if (!Has(architectures, sub)) architectures.push_back(sub);
      }
    }
    facts.scmp_arches = architectures;
  } else {
    architectures = profile.architectures;
  }
  if (facts.scmp_arches.empty() && target_scmp.has_value()) {
    facts.scmp_arches.push_back(*target_scmp);
  }

  // Syscall numbers are asked for the target's own architecture; libseccomp gives the
  // other architectures' syscalls pseudo numbers, so only names it has never heard of
  // (newer than its tables, or typos) fail.
  std::optional<std::uint32_t> arch_token;
  if (target_scmp.has_value()) arch_token = ScmpArchToken(*target_scmp);

  json out = json::object();
  out["defaultAction"] = profile.default_action;
  if (profile.default_errno_ret.has_value()) out["defaultErrnoRet"] = *profile.default_errno_ret;
  if (!architectures.empty()) out["architectures"] = architectures;
  if (!profile.flags.empty()) out["flags"] = profile.flags;
  if (!profile.listener_path.empty()) out["listenerPath"] = profile.listener_path;
  if (!profile.listener_metadata.empty()) out["listenerMetadata"] = profile.listener_metadata;

  json syscalls = json::array();
  std::set<std::string> warned;
  for (const SyscallRule& rule : profile.syscalls) {
    if (!Applies(rule, facts)) continue;
    std::vector<std::string> names;
    for (const std::string& name : rule.names) {
      const int number = arch_token.has_value()
                             ? seccomp_syscall_resolve_name_arch(*arch_token, name.c_str())
                             : seccomp_syscall_resolve_name(name.c_str());
      if (number == __NR_SCMP_ERROR) {
        if (warned.insert(name).second && warnings != nullptr) {
          warnings->push_back(absl::StrCat("seccomp: syscall \"", name, "\" is unknown to ",
                                           LibseccompVersion(), ", dropped from the profile"));
        }
        continue;
      }
      names.push_back(name);
    }
    if (names.empty()) continue;
    json entry = json::object();
    entry["names"] = std::move(names);
    entry["action"] = rule.action;
    if (rule.errno_ret.has_value()) entry["errnoRet"] = *rule.errno_ret;
    if (!rule.args.empty()) {
      json args = json::array();
      for (const Arg& arg : rule.args) {
        args.push_back({{"index", arg.index},
                        {"value", arg.value},
                        {"valueTwo", arg.value_two},
                        {"op", arg.op}});
      }
      entry["args"] = std::move(args);
    }
    syscalls.push_back(std::move(entry));
  }
  if (!syscalls.empty()) out["syscalls"] = std::move(syscalls);
  return out;
}

absl::Status CheckWithLibseccomp(const nlohmann::json& linux_seccomp) {
  try {
    if (!linux_seccomp.is_object()) {
      return absl::InvalidArgumentError("seccomp: linux.seccomp is not an object");
    }
    const auto default_action = ActionValue(linux_seccomp.value("defaultAction", std::string()),
                                            OptionalErrno(linux_seccomp, "defaultErrnoRet"));
    if (!default_action.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("seccomp: defaultAction: ", default_action.status().message()));
    }
    std::unique_ptr<void, FilterDeleter> filter(seccomp_init(*default_action));
    if (filter == nullptr) {
      return absl::InvalidArgumentError("seccomp: libseccomp refused the default action");
    }
    const json architectures = linux_seccomp.value("architectures", json::array());
    for (std::size_t i = 0; i < architectures.size(); ++i) {
      const auto token = ScmpArchToken(architectures[i].get<std::string>());
      if (!token.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat("seccomp: architectures[", i, "]: unknown"));
      }
      const int rc = seccomp_arch_add(filter.get(), *token);
      if (rc < 0 && rc != -EEXIST) {
        return absl::InvalidArgumentError(
            absl::StrCat("seccomp: architectures[", i, "]: libseccomp: ", std::strerror(-rc)));
      }
    }
    const json syscalls = linux_seccomp.value("syscalls", json::array());
    for (std::size_t i = 0; i < syscalls.size(); ++i) {
      const json& rule = syscalls[i];
      const std::string field = absl::StrCat("seccomp: syscalls[", i, "]");
      const auto action =
          ActionValue(rule.value("action", std::string()), OptionalErrno(rule, "errnoRet"));
      if (!action.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(field, ": ", action.status().message()));
      }
      // runc skips these: libseccomp refuses a rule that repeats the default (EACCES).
      if (*action == *default_action) continue;
      std::vector<scmp_arg_cmp> comparisons;
      std::set<unsigned int> indexes;
      bool repeated_index = false;
      for (const json& arg : rule.value("args", json::array())) {
        const auto op = OpValue(arg.value("op", std::string()));
        if (!op.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(field, ": ", op.status().message()));
        }
        scmp_arg_cmp comparison{};
        comparison.arg = arg.value("index", 0u);
        comparison.op = *op;
        comparison.datum_a = arg.value("value", std::uint64_t{0});
        comparison.datum_b = arg.value("valueTwo", std::uint64_t{0});
        repeated_index |= !indexes.insert(comparison.arg).second;
        comparisons.push_back(comparison);
      }
      // libseccomp takes one comparison per argument in a rule; runc turns several on the
      // same argument into one rule each.
      std::vector<std::vector<scmp_arg_cmp>> rule_sets;
      if (repeated_index) {
        for (const scmp_arg_cmp& comparison : comparisons) rule_sets.push_back({comparison});
      } else {
        rule_sets.push_back(comparisons);
      }
      for (const json& name_json : rule.value("names", json::array())) {
        const std::string name = name_json.get<std::string>();
        const int number = seccomp_syscall_resolve_name(name.c_str());
        if (number == __NR_SCMP_ERROR) continue;  // runc skips these too
        for (const auto& set : rule_sets) {
          const int rc = seccomp_rule_add_array(filter.get(), *action, number,
                                                static_cast<unsigned int>(set.size()),
                                                set.empty() ? nullptr : set.data());
          if (rc < 0) {
            return absl::InvalidArgumentError(absl::StrCat(field, ": libseccomp refused syscall \"",
                                                           name, "\": ", std::strerror(-rc)));
          }
        }
      }
    }
    return absl::OkStatus();
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("seccomp: malformed linux.seccomp: ", e.what()));
  }
}

}  // namespace crio::seccomp
