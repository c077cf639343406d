#pragma once

// Traffic shaping asked for by pod annotations: kubernetes.io/ingress-bandwidth and
// kubernetes.io/egress-bandwidth hold Kubernetes quantities in bits per second ("10M",
// "1Gi", "500k"), which the CNI bandwidth plugin gets through the "bandwidth" capability.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "crio/network/cni.h"

namespace crio::network {

inline constexpr char kIngressBandwidthAnnotation[] = "kubernetes.io/ingress-bandwidth";
inline constexpr char kEgressBandwidthAnnotation[] = "kubernetes.io/egress-bandwidth";

/// The burst given with a rate, in bits: the bandwidth plugin needs one, and the
/// annotations have none. 4 GiB less a little, CRI-O's value, so the behaviour matches.
inline constexpr std::uint64_t kBandwidthBurstBits = std::uint64_t{0xffffffff} * 8 - 1;

/// Parses a Kubernetes quantity ("10M", "1Gi", "1.5k", "2e6") into a whole number,
/// rounding a fraction up as Quantity.Value() does.
/// @return InvalidArgument for anything else, negative values and values past 2^63
absl::StatusOr<std::uint64_t> ParseQuantity(const std::string& text);

/// The limits the pod's annotations ask for.
/// @return nullopt when neither annotation is set (or both are 0); InvalidArgument
///     naming the annotation when its value is not a quantity
absl::StatusOr<std::optional<BandwidthLimits>> BandwidthFromAnnotations(
    const std::map<std::string, std::string>& annotations);

}  // namespace crio::network
