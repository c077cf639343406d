#pragma once

// The SPDY/3 name/value block before compression: a 32-bit pair count, then per pair
// a 32-bit name length, the name, a 32-bit value length and the value (several
// values joined by NUL).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/spdy/frame.h"

namespace crio::spdy {

/// Appends the block of `headers` to `out`; on error appends nothing.
/// @return InvalidArgument for a name that is empty, holds upper-case ASCII or NUL, a
///     header without values, a value holding NUL, an empty value among several, or a
///     field longer than 2^31-1 bytes
absl::Status EncodeHeaderBlock(const Headers& headers, std::string* out);

/// Parses a decompressed block. Lenient where spdystream is (names are lower-cased, a
/// repeated name adds values, empty values between NULs are kept) and strict where
/// memory or framing is at stake.
/// @return InvalidArgument for a truncated block, bytes after the last pair or an
///     empty name; ResourceExhausted for more than `max_count` pairs
absl::StatusOr<Headers> ParseHeaderBlock(absl::string_view block, std::uint32_t max_count);

}  // namespace crio::spdy
