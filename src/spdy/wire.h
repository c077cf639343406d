#pragma once

// Big-endian fields of the SPDY wire format. Readers take the position and trust the
// caller to have checked the length: every frame parser checks it first.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace crio::spdy::wire {

inline void PutU8(std::string& out, std::uint8_t value) { out.push_back(static_cast<char>(value)); }

inline void PutU16(std::string& out, std::uint16_t value) {
  PutU8(out, static_cast<std::uint8_t>(value >> 8));
  PutU8(out, static_cast<std::uint8_t>(value));
}

inline void PutU32(std::string& out, std::uint32_t value) {
  PutU16(out, static_cast<std::uint16_t>(value >> 16));
  PutU16(out, static_cast<std::uint16_t>(value));
}

inline std::uint8_t GetU8(absl::string_view in, std::size_t pos) {
  return static_cast<std::uint8_t>(in[pos]);
}

inline std::uint16_t GetU16(absl::string_view in, std::size_t pos) {
  return static_cast<std::uint16_t>((GetU8(in, pos) << 8) | GetU8(in, pos + 1));
}

inline std::uint32_t GetU32(absl::string_view in, std::size_t pos) {
  return (static_cast<std::uint32_t>(GetU16(in, pos)) << 16) | GetU16(in, pos + 2);
}

}  // namespace crio::spdy::wire
