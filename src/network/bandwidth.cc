#include "crio/network/bandwidth.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "absl/strings/str_cat.h"

namespace crio::network {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max();

absl::Status NotAQuantity(const std::string& text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a quantity: ", why));
}

bool MulChecked(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out) && *out <= kMax;
}

// 10^n, or nullopt past kMax.
std::optional<std::uint64_t> Pow10(int n) {
  std::uint64_t value = 1;
  for (int i = 0; i < n; ++i) {
    if (!MulChecked(value, 10, &value)) return std::nullopt;
  }
  return value;
}

}  // namespace

absl::StatusOr<std::uint64_t> ParseQuantity(const std::string& text) {
  std::size_t pos = 0;
  if (pos < text.size() && text[pos] == '+') ++pos;
  if (pos < text.size() && text[pos] == '-') return NotAQuantity(text, "negative");
  // The number's digits without the point, and how many followed the point.
  std::string digits;
  int fraction_digits = 0;
  bool point = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      digits.push_back(c);
      if (point) ++fraction_digits;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return NotAQuantity(text, "no number");
  const std::string suffix = text.substr(pos);
  int base = 10;
  int exponent = 0;
  if (suffix.size() == 2 && suffix[1] == 'i') {
    static constexpr char kBinary[] = "KMGTPE";
    const char* at = std::char_traits<char>::find(kBinary, 6, suffix[0]);
    if (at == nullptr) return NotAQuantity(text, "unknown suffix");
    base = 2;
    exponent = 10 * static_cast<int>(at - kBinary + 1);
  } else if (suffix.empty() || suffix.size() == 1) {
    static constexpr std::pair<char, int> kDecimal[] = {{'n', -9}, {'u', -6}, {'m', -3},
                                                        {'k', 3},  {'M', 6},  {'G', 9},
                                                        {'T', 12}, {'P', 15}, {'E', 18}};
    bool known = suffix.empty();
    for (const auto& [letter, power] : kDecimal) {
      if (!suffix.empty() && suffix[0] == letter) {
        exponent = power;
        known = true;
      }
    }
    if (!known) return NotAQuantity(text, "unknown suffix");
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    const char* first = suffix.data() + 1;
    const char* last = suffix.data() + suffix.size();
    if (first != last && *first == '+') ++first;
    auto [end, ec] = std::from_chars(first, last, exponent);
    if (ec != std::errc() || end != last || exponent < -30 || exponent > 30) {
      return NotAQuantity(text, "bad exponent");
    }
  } else {
    return NotAQuantity(text, "unknown suffix");
  }

  const std::size_t significant = digits.find_first_not_of('0');
  if (significant == std::string::npos) return std::uint64_t{0};
  digits = digits.substr(significant);
  if (digits.size() > 18) return NotAQuantity(text, "too many digits");
  std::uint64_t mantissa = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), mantissa);

  // value = mantissa * base^exponent / 10^fraction_digits, rounded up.
  int tens = -fraction_digits;
  if (base == 10) {
    tens += exponent;
  } else {
    for (int i = 0; i < exponent; ++i) {
      if (!MulChecked(mantissa, 2, &mantissa)) return NotAQuantity(text, "too large");
    }
  }
  if (tens >= 0) {
    auto scale = Pow10(tens);
    std::uint64_t value = 0;
    if (!scale || !MulChecked(mantissa, *scale, &value)) return NotAQuantity(text, "too large");
    return value;
  }
  auto divisor = Pow10(-tens);
  if (!divisor) return std::uint64_t{1};  // a tiny positive fraction rounds up to 1
  return mantissa / *divisor + (mantissa % *divisor != 0 ? 1 : 0);
}

absl::StatusOr<std::optional<BandwidthLimits>> BandwidthFromAnnotations(
    const std::map<std::string, std::string>& annotations) {
  BandwidthLimits limits;
  for (const bool ingress : {true, false}) {
    const char* key = ingress ? kIngressBandwidthAnnotation : kEgressBandwidthAnnotation;
    auto it = annotations.find(key);
    if (it == annotations.end()) continue;
    auto bits = ParseQuantity(it->second);
    if (!bits.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("annotation ", key, ": ", bits.status().message()));
    }
    if (*bits == 0) continue;
    if (ingress) {
      limits.ingress_rate = *bits;
      limits.ingress_burst = kBandwidthBurstBits;
    } else {
      limits.egress_rate = *bits;
      limits.egress_burst = kBandwidthBurstBits;
    }
  }
  if (limits.ingress_rate == 0 && limits.egress_rate == 0) return std::nullopt;
  return limits;
}

}  // namespace crio::network
