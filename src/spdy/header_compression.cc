#include "header_compression.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "dictionary.h"

namespace crio::spdy {
namespace {

// The peer only needs the window to cover the dictionary (1423 bytes) and recent
// blocks, and header blocks are small: 2 KiB windows and a small hash table keep a
// deflate stream near 24 KiB instead of zlib's default 256 KiB per connection.
constexpr int kDeflateWindowBits = 11;
constexpr int kDeflateMemLevel = 5;
// The peer may have compressed with any window, up to the largest.
constexpr int kInflateWindowBits = 15;
// Output grows in steps, so a small block costs little and a large one stops at the
// limit instead of being allocated up front.
constexpr std::size_t kOutputStep = 4096;

Bytef* In(absl::string_view data) {
  // zlib's next_in is not const-qualified but is never written through.
  return reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
}

std::string ZlibMessage(const z_stream& stream, int code) {
  return stream.msg != nullptr ? std::string(stream.msg) : absl::StrCat("zlib error ", code);
}

}  // namespace

HeaderDeflater::HeaderDeflater() {
  int rc = deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kDeflateWindowBits,
                        kDeflateMemLevel, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) {
    status_ = absl::InternalError(absl::StrCat("deflateInit2: ", ZlibMessage(stream_, rc)));
    return;
  }
  const absl::string_view dictionary = HeaderDictionary();
  rc = deflateSetDictionary(&stream_, In(dictionary), static_cast<uInt>(dictionary.size()));
  if (rc != Z_OK) {
    status_ = absl::InternalError(absl::StrCat("deflateSetDictionary: ", ZlibMessage(stream_, rc)));
  }
}

HeaderDeflater::~HeaderDeflater() { deflateEnd(&stream_); }

absl::Status HeaderDeflater::Deflate(absl::string_view block, std::string* out) {
  if (!status_.ok()) return status_;
  if (block.size() > std::numeric_limits<uInt>::max()) {
    return absl::InvalidArgumentError("header block is too large to compress");
  }
  stream_.next_in = In(block);
  stream_.avail_in = static_cast<uInt>(block.size());
  const std::size_t start = out->size();
  // deflateBound does not cover a sync flush's trailer; a few more bytes do.
  std::size_t capacity = deflateBound(&stream_, static_cast<uLong>(block.size())) + 16;
  for (;;) {
    const std::size_t used = out->size();
    out->resize(used + capacity);
    stream_.next_out = reinterpret_cast<Bytef*>(out->data() + used);
    stream_.avail_out = static_cast<uInt>(capacity);
    const int rc = deflate(&stream_, Z_SYNC_FLUSH);
    out->resize(used + capacity - stream_.avail_out);
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      out->resize(start);
      status_ = absl::InternalError(absl::StrCat("deflate: ", ZlibMessage(stream_, rc)));
      return status_;
    }
    // A flush is complete when it left room in the output buffer.
    if (stream_.avail_in == 0 && stream_.avail_out != 0) return absl::OkStatus();
    capacity = kOutputStep;
  }
}

HeaderInflater::HeaderInflater(std::size_t max_output) : max_output_(max_output) {
  const int rc = inflateInit2(&stream_, kInflateWindowBits);
  if (rc != Z_OK) {
    status_ = absl::InternalError(absl::StrCat("inflateInit2: ", ZlibMessage(stream_, rc)));
  }
}

HeaderInflater::~HeaderInflater() { inflateEnd(&stream_); }

absl::StatusOr<std::string> HeaderInflater::Inflate(absl::string_view compressed) {
  if (!status_.ok()) return status_;
  auto fail = [this](absl::Status status) {
    status_ = status;
    return status;
  };
  if (compressed.size() > std::numeric_limits<uInt>::max()) {
    return fail(absl::ResourceExhaustedError("compressed header block is too large"));
  }
  std::string out;
  stream_.next_in = In(compressed);
  stream_.avail_in = static_cast<uInt>(compressed.size());
  for (;;) {
    // Room for one more byte than the limit, so that exceeding it shows. The loop ends
    // only when zlib has consumed all input and left room: then it holds no pending
    // output that would leak into the next block.
    const std::size_t room = std::min(kOutputStep, max_output_ + 1 - out.size());
    const std::size_t used = out.size();
    out.resize(used + room);
    stream_.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    stream_.avail_out = static_cast<uInt>(room);
    int rc = inflate(&stream_, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT) {
      const absl::string_view dictionary = HeaderDictionary();
      if (inflateSetDictionary(&stream_, In(dictionary), static_cast<uInt>(dictionary.size())) !=
          Z_OK) {
        return fail(absl::InvalidArgumentError(
            "header block was compressed with a dictionary other than SPDY/3's"));
      }
      rc = Z_OK;
    }
    out.resize(used + room - stream_.avail_out);
    if (out.size() > max_output_) {
      return fail(absl::ResourceExhaustedError(
          absl::StrCat("decompressed header block exceeds the limit of ", max_output_, " bytes")));
    }
    if (rc == Z_STREAM_END) {
      // A sender must keep its stream open for the whole connection.
      return fail(absl::InvalidArgumentError("header compression stream was ended by the peer"));
    }
    if (rc == Z_BUF_ERROR) break;  // no progress possible: all input consumed
    if (rc != Z_OK) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("corrupt compressed header block: ", ZlibMessage(stream_, rc))));
    }
    if (stream_.avail_in == 0 && stream_.avail_out != 0) break;
  }
  if (stream_.avail_in != 0) {
    return fail(absl::InvalidArgumentError("compressed header block could not be consumed"));
  }
  return out;
}

}  // namespace crio::spdy
