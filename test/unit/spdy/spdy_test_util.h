#pragma once

// Helpers shared by the SPDY tests: byte fixtures written as hex, and decoding a whole
// byte string into frames.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "crio/spdy/frame.h"
#include "gtest/gtest.h"

namespace crio::spdy::testing {

/// What kubectl exec -i sends first, as spdystream's framer lays it out: SYN_STREAM
/// (priority 0, slot 0, no associated stream) for the error stream, then stdin, data
/// on stdin, stdin's Close (empty DATA with FIN) and a PING. The header blocks were
/// compressed once with Python's zlib, one stream for the connection as the spec
/// requires:
///   c = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, dictionary)
///   block = c.compress(nv_block) + c.flush(zlib.Z_SYNC_FLUSH)
/// for the blocks {streamtype: error} and {streamtype: stdin} (30 and 13 bytes).
inline constexpr const char kExecClientHex[] =
    "8003 0001 00 000028 00000001 00000000 00 00"
    "78f9e3c6a7c202a62346703a2b294a4dcc851625aca9a08006000000ffff"
    "8003 0001 00 000017 00000003 00000000 00 00"
    "c22e555c02cc2e00000000ffff"
    "00000003 00 000003 6c730a"
    "00000003 01 000000"
    "8003 0006 00 000004 00000001";

/// Bytes from hex digits; spaces (grouping fields in fixtures) are ignored.
inline std::string Bytes(absl::string_view hex) {
  std::string digits;
  for (const char c : hex) {
    if (c != ' ' && c != '\n') digits.push_back(c);
  }
  return absl::HexStringToBytes(digits);
}

inline std::string ToHex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

/// The complete frames in `bytes` (after what `decoder` holds already); fails the test
/// on a decoding error, and on leftover bytes unless `partial`.
inline std::vector<Frame> DecodeAll(FrameDecoder& decoder, absl::string_view bytes,
                                    bool partial = false) {
  decoder.Append(bytes);
  std::vector<Frame> frames;
  for (;;) {
    auto next = decoder.Next();
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok() || !next->has_value()) break;
    frames.push_back(std::move(**next));
  }
  if (!partial) {
    EXPECT_EQ(decoder.Buffered(), 0u);
  }
  return frames;
}

}  // namespace crio::spdy::testing
