#pragma once

// The zlib dictionary of SPDY/3 header compression (draft 3, section 2.6.10.1). Both
// directions prime their zlib stream with it; a peer that used another dictionary
// produces streams whose DICTID (its Adler-32, 0xe3c6a7c2) does not match.

#include "absl/strings/string_view.h"

namespace crio::spdy {

/// The 1423 bytes of the dictionary.
absl::string_view HeaderDictionary();

}  // namespace crio::spdy
