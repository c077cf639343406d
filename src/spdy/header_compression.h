#pragma once

// The zlib streams of SPDY/3 header compression. Each direction of a connection has
// one stream, primed with the SPDY dictionary, and every header block ends with a
// sync flush, so a block can be decompressed as soon as its frame has arrived. The
// streams carry state from frame to frame: every block must pass through them in
// wire order, including blocks of frames that are then ignored.

#include <cstddef>
#include <string>

#include <zlib.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio::spdy {

/// The sending side.
class HeaderDeflater {
 public:
  HeaderDeflater();
  ~HeaderDeflater();
  HeaderDeflater(const HeaderDeflater&) = delete;
  HeaderDeflater& operator=(const HeaderDeflater&) = delete;

  /// Appends the compressed, sync-flushed form of `block` to `out`.
  /// @return Internal if zlib fails (only on memory exhaustion or misuse)
  absl::Status Deflate(absl::string_view block, std::string* out);

 private:
  z_stream stream_{};
  absl::Status status_;  // an init or deflate failure, final
};

/// The receiving side.
class HeaderInflater {
 public:
  explicit HeaderInflater(std::size_t max_output);
  ~HeaderInflater();
  HeaderInflater(const HeaderInflater&) = delete;
  HeaderInflater& operator=(const HeaderInflater&) = delete;

  /// Decompresses the header block of one frame.
  /// @return InvalidArgument for corrupt data, a wrong dictionary or a stream the peer
  ///     ended; ResourceExhausted when the block would exceed `max_output` bytes. Any
  ///     error leaves the stream unusable: the connection cannot continue.
  absl::StatusOr<std::string> Inflate(absl::string_view compressed);

 private:
  const std::size_t max_output_;
  z_stream stream_{};
  absl::Status status_;  // an init or inflate failure, final
};

}  // namespace crio::spdy
