#pragma once

// What a CNI ADD returns, parsed: the interfaces a plugin chain made, their addresses,
// routes and DNS, and from them the pod's IPs as the CRI reports them.
//
// Spec versions read: 0.1.0/0.2.0 ("ip4"/"ip6" objects), 0.3.0/0.3.1/0.4.0 ("ips" with
// "version") and 1.0.0/1.1.0 ("ips" without "version").
//
// No conversion between versions is done when a result is handed to the next plugin
// as prevResult, nor when the cached result is handed to DEL/CHECK: every plugin of a
// list is given the list's cniVersion and answers in it (SPEC: "the cniVersion returned
// by the plugin in the result must be consistent with the cniVersion specified in
// Network Configuration"), the cache keeps the config and result of one ADD together,
// and plugins built on the CNI library convert prevResult to their config's version
// themselves. The Debian plugins (containernetworking-plugins 1.1.1) accept 0.1.0 to
// 1.0.0.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::network {

/// An entry of "interfaces".
struct CniInterface {
  std::string name;
  std::string mac;      ///< "" when not given
  std::string sandbox;  ///< the netns path for interfaces inside the pod; "" on the host
};

/// An entry of "ips".
struct CniIpConfig {
  int family = 4;                ///< 4 or 6, from the address (and "version" when given)
  std::string address;           ///< canonical "ip/prefix", e.g. "10.88.0.5/16"
  std::string ip;                ///< canonical address without the prefix, e.g. "10.88.0.5"
  int prefix_length = 0;         ///< the prefix of `address`
  std::string gateway;           ///< canonical gateway address; "" when not given
  std::optional<int> interface;  ///< index into CniResult::interfaces, when given
};

/// An entry of "routes".
struct CniRoute {
  std::string dst;  ///< canonical "ip/prefix"
  std::string gw;   ///< canonical address; "" = the default gateway of the interface
};

/// The "dns" object.
struct CniDns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;
};

/// A parsed success result.
struct CniResult {
  std::string cni_version;  ///< as the result states it ("" for pre-0.3 results without it)
  std::vector<CniInterface> interfaces;
  std::vector<CniIpConfig> ips;
  std::vector<CniRoute> routes;
  CniDns dns;
};

/// The pod's addresses as the CRI wants them (PodSandboxNetworkStatus).
struct PodIps {
  std::string primary;                  ///< "ip"; "" when the result has no address
  std::vector<std::string> additional;  ///< "additional_ips", in result order
};

/// Parses the JSON a plugin printed on success (or a cached ADD result).
/// @return InvalidArgument naming the offending field ("ips[1].address: ...") for
///     malformed results, and for versions other than those listed above
absl::StatusOr<CniResult> ParseCniResult(std::string_view json);

/// The pod's IPs: those of the addresses on interfaces inside the pod (a "sandbox" is
/// set), or every address when the result does not say which interface is whose (no
/// "interfaces", or no "interface" index, as IPAM-style results). The first IPv4 is the
/// primary, so that an IPv4-first cluster sees its family first whatever order the
/// plugin chose; the others (IPv6, further IPv4) follow in result order, each once.
PodIps PodIpsFromResult(const CniResult& result);

}  // namespace crio::network
