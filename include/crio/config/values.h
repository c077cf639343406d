#pragma once

// Parsers for the value formats crio.conf shares with CRI-O and the Go libraries it
// uses. Config validation uses them; so do the modules that turn the values into an
// OCI spec (ulimits, sysctls, devices, ID mappings).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace crio::config {

/// Parses a Go time.ParseDuration string: "0", "300ms", "1.5h", "2h45m", "-1m".
/// Units are ns, us (or µs), ms, s, m and h; every number but a lone "0" needs one.
/// @param text the duration
/// @return the duration, or InvalidArgument
absl::StatusOr<absl::Duration> ParseGoDuration(std::string_view text);

/// Parses a memory size as docker/go-units RAMInBytes does: "12MiB", "500KiB", "1g",
/// "1.5 GB", "4096" (bytes); k, m, g, t, p are binary multiples whatever the suffix.
/// @param text the size
/// @return bytes, or InvalidArgument
absl::StatusOr<std::int64_t> ParseMemorySize(std::string_view text);

/// Checks a Linux capability name, with or without the CAP_ prefix, any case.
/// @param name e.g. "CHOWN", "cap_chown"
/// @return the canonical "CAP_CHOWN" form, or InvalidArgument
absl::StatusOr<std::string> CanonicalCapability(std::string_view name);

/// One default_ulimits entry.
struct Ulimit {
  std::string name;       ///< e.g. "nofile" (RLIMIT_NOFILE)
  std::int64_t soft = 0;  ///< -1 = unlimited
  std::int64_t hard = 0;  ///< -1 = unlimited
};
/// Parses "name=soft:hard" or "name=limit" (docker/go-units ParseUlimit).
/// @param text e.g. "nofile=1024:2048"
/// @return the limits, or InvalidArgument for an unknown name, a bad number or soft > hard
absl::StatusOr<Ulimit> ParseUlimit(std::string_view text);

/// One default_sysctls entry.
struct Sysctl {
  std::string key;
  std::string value;
};
/// Parses "key=value"; like CRI-O it refuses spaces around '=', which neither pinns nor
/// the runtimes would strip.
/// @param text e.g. "net.ipv4.ping_group_range=0 2147483647"
/// @return key and value, or InvalidArgument
absl::StatusOr<Sysctl> ParseSysctl(std::string_view text);

/// Refuses a sysctl whose name or value could smuggle a second setting or a path
/// (CVE-2022-0811): '+', '=' or a control character in either, '/' or ".." in the name,
/// an empty name. The message names the sysctl.
absl::Status CheckSysctlText(std::string_view key, std::string_view value);

/// The namespace that isolates sysctl `key` ("ipc", "net" or "uts"), or "" when it is
/// not namespaced and setting it would change the whole host. The kernel's families,
/// as runc checks them: kernel.shm{all,max,mni,_rmid_forced}, kernel.msg{max,mnb,mni},
/// kernel.sem and fs.mqueue.* (ipc), net.* (net), kernel.hostname and
/// kernel.domainname (uts).
std::string SysctlNamespaceOf(std::string_view key);

/// One range of uid_mappings/gid_mappings.
struct IdMapping {
  std::uint32_t container_id = 0;
  std::uint32_t host_id = 0;
  std::uint32_t size = 0;
};
/// Parses "containerID:hostID:size[,containerID:hostID:size...]".
/// @param text the mappings; "" gives no ranges
/// @return the ranges, or InvalidArgument
absl::StatusOr<std::vector<IdMapping>> ParseIdMappings(std::string_view text);

/// One additional_devices entry.
struct DeviceSpec {
  std::string host_path;       ///< absolute
  std::string container_path;  ///< absolute; defaults to host_path
  std::string permissions;     ///< subset of "rwm"; defaults to "rwm"
};
/// Parses "host[:container[:permissions]]".
/// @param text e.g. "/dev/sdc:/dev/xvdc:rwm"
/// @return the device, or InvalidArgument for relative paths or other permissions
absl::StatusOr<DeviceSpec> ParseDevice(std::string_view text);

/// Parses a Linux CPU list.
/// @param text e.g. "0-3,6"; "" means no CPUs
/// @return the CPU numbers, sorted and without duplicates, or InvalidArgument
absl::StatusOr<std::vector<int>> ParseCpuList(std::string_view text);

}  // namespace crio::config
