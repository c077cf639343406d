// process.capabilities: CRI-O's rules for default_capabilities, add/drop and "ALL".

#include <array>
#include <set>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crio/common/status.h"
#include "crio/config/values.h"
#include "internal.h"

namespace crio::spec::internal {
namespace {

// Index = capability number (linux/capability.h).
constexpr std::array<absl::string_view, 41> kCapabilities = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

constexpr int kCapSysAdmin = 21;

int LastCap(const RuntimeDefaults& defaults) {
  return std::clamp(defaults.last_cap, 0, static_cast<int>(kCapabilities.size()) - 1);
}

bool IsAll(absl::string_view name) { return absl::EqualsIgnoreCase(name, "ALL"); }

// "All capabilities" (privileged, add ALL) means all the daemon itself may hand out:
// runc cannot raise a capability outside its own bounding set, and a daemon run
// without one (CAP_SYS_RESOURCE in some sandboxes) would make every privileged
// container fail at start with "unable to apply caps".
void InsertAll(const RuntimeDefaults& defaults, std::set<int>* caps) {
  for (int i = 0; i <= LastCap(defaults); ++i) {
    if (i < 64 && ((defaults.daemon_bounding_caps >> i) & 1u) != 0) caps->insert(i);
  }
}

// The capability's number; unknown names and ones this kernel lacks are refused, as
// CRI-O lists only the capabilities up to cap_last_cap.
absl::StatusOr<int> Number(absl::string_view name, absl::string_view field,
                           const RuntimeDefaults& defaults) {
  absl::StatusOr<std::string> canonical =
      config::CanonicalCapability(std::string_view(name.data(), name.size()));
  if (canonical.ok()) {
    for (int i = 0; i <= LastCap(defaults); ++i) {
      if (kCapabilities[static_cast<std::size_t>(i)] == *canonical) return i;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ": unknown capability \"", name, "\""));
}

nlohmann::json Names(const std::set<int>& caps) {
  nlohmann::json names = nlohmann::json::array();
  for (int cap : caps) names.push_back(kCapabilities[static_cast<std::size_t>(cap)]);
  return names;
}

}  // namespace

std::set<std::string> CapabilitySet(const nlohmann::json& set) {
  std::set<std::string> names;
  for (const auto& name : set) names.insert(name.get<std::string>());
  return names;
}

absl::StatusOr<nlohmann::json> BuildCapabilities(const SpecInput& in, const Plan& plan,
                                                 std::vector<std::string>* warnings) {
  const RuntimeDefaults& defaults = in.defaults;
  const SecurityContext& sc = in.request.security;
  std::set<int> caps;
  std::set<int> ambient;
  if (plan.privileged) {
    InsertAll(defaults, &caps);
  } else {
    const bool add_all = std::any_of(sc.add_capabilities.begin(), sc.add_capabilities.end(), IsAll);
    const bool drop_all =
        std::any_of(sc.drop_capabilities.begin(), sc.drop_capabilities.end(), IsAll);
    if (add_all) InsertAll(defaults, &caps);
    // "drop ALL" clears the defaults too, so that the adds are all there is.
    if (drop_all) caps.clear();
    for (std::size_t i = 0; i < sc.add_capabilities.size(); ++i) {
      if (IsAll(sc.add_capabilities[i])) continue;
      ASSIGN_OR_RETURN(int cap, Number(sc.add_capabilities[i],
                                       absl::StrCat("add_capabilities[", i, "]"), defaults));
      caps.insert(cap);
    }
    if (!add_all && !drop_all) {
      for (std::size_t i = 0; i < defaults.default_capabilities.size(); ++i) {
        ASSIGN_OR_RETURN(int cap, Number(defaults.default_capabilities[i],
                                         absl::StrCat("default_capabilities[", i, "]"), defaults));
        caps.insert(cap);
      }
    }
    for (std::size_t i = 0; i < sc.add_ambient_capabilities.size(); ++i) {
      ASSIGN_OR_RETURN(int cap,
                       Number(sc.add_ambient_capabilities[i],
                              absl::StrCat("add_ambient_capabilities[", i, "]"), defaults));
      caps.insert(cap);
      ambient.insert(cap);
    }
    for (std::size_t i = 0; i < sc.drop_capabilities.size(); ++i) {
      if (IsAll(sc.drop_capabilities[i])) continue;
      ASSIGN_OR_RETURN(int cap, Number(sc.drop_capabilities[i],
                                       absl::StrCat("drop_capabilities[", i, "]"), defaults));
      caps.erase(cap);
      ambient.erase(cap);
    }
  }

  // Inheritable only on request (CVE-2022-27652); ambient capabilities need it.
  std::set<int> inheritable = ambient;
  if (defaults.add_inheritable_capabilities) inheritable.insert(caps.begin(), caps.end());

  nlohmann::json out = {
      {"bounding", Names(caps)}, {"effective", Names(caps)}, {"permitted", Names(caps)}};
  if (!inheritable.empty()) out["inheritable"] = Names(inheritable);
  if (!ambient.empty()) out["ambient"] = Names(ambient);

  if (sc.no_new_privs) {
    if (plan.privileged) {
      warnings->push_back(
          "Setting noNewPrivileges has no effect because the container is privileged");
    } else if (caps.contains(kCapSysAdmin)) {
      warnings->push_back(
          "Setting noNewPrivileges has no effect because the container has CAP_SYS_ADMIN");
    }
  }
  return out;
}

}  // namespace crio::spec::internal
