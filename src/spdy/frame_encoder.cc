#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "crio/common/status.h"
#include "crio/spdy/frame.h"
#include "header_block.h"
#include "header_compression.h"
#include "wire.h"

namespace crio::spdy {
namespace {

// A header block this large is absurd; the bound also guarantees that the compressed
// form fits the 24-bit length, which must be known before the deflate stream advances:
// a block compressed but not sent would desynchronise the peer's inflater.
constexpr std::size_t kMaxEncodedHeaderBlock = kMaxFrameLength / 2;

absl::Status CheckStreamId(std::uint32_t id, const char* frame) {
  if (id == 0 || id > kMaxStreamId) {
    return absl::InvalidArgumentError(absl::StrCat(frame, ": stream id ", id, " out of range"));
  }
  return absl::OkStatus();
}

void PutControlHeader(std::string& out, ControlType type, std::uint8_t flags, std::size_t length) {
  wire::PutU16(out, static_cast<std::uint16_t>(0x8000 | kVersion));
  wire::PutU16(out, static_cast<std::uint16_t>(type));
  wire::PutU32(out, (static_cast<std::uint32_t>(flags) << 24) | static_cast<std::uint32_t>(length));
}

}  // namespace

// Every Put checks everything that can fail (compression included) before it writes
// the first byte, so a failed Encode appends nothing.
struct FrameEncoder::State {
  HeaderDeflater deflater;

  absl::StatusOr<std::string> Compress(const Headers& headers, const char* frame) {
    std::string block;
    if (absl::Status status = EncodeHeaderBlock(headers, &block); !status.ok()) {
      return Annotate(status, frame);
    }
    if (block.size() > kMaxEncodedHeaderBlock) {
      return absl::InvalidArgumentError(
          absl::StrCat(frame, ": header block of ", block.size(), " bytes is too large"));
    }
    std::string compressed;
    RETURN_IF_ERROR(deflater.Deflate(block, &compressed));
    return compressed;
  }

  absl::Status Put(const DataFrame& f, std::string& out) {
    return EncodeDataFrame(f.stream_id, f.flags, f.data, &out);
  }

  absl::Status Put(const SynStreamFrame& f, std::string& out) {
    RETURN_IF_ERROR(CheckStreamId(f.stream_id, "SYN_STREAM"));
    if (f.associated_stream_id > kMaxStreamId || f.priority > 7) {
      return absl::InvalidArgumentError(
          "SYN_STREAM: associated stream id or priority out of range");
    }
    ASSIGN_OR_RETURN(const std::string compressed, Compress(f.headers, "SYN_STREAM"));
    PutControlHeader(out, ControlType::kSynStream, f.flags, 10 + compressed.size());
    wire::PutU32(out, f.stream_id);
    wire::PutU32(out, f.associated_stream_id);
    wire::PutU8(out, static_cast<std::uint8_t>(f.priority << 5));
    wire::PutU8(out, f.slot);
    out.append(compressed);
    return absl::OkStatus();
  }

  absl::Status Put(const SynReplyFrame& f, std::string& out) {
    RETURN_IF_ERROR(CheckStreamId(f.stream_id, "SYN_REPLY"));
    ASSIGN_OR_RETURN(const std::string compressed, Compress(f.headers, "SYN_REPLY"));
    PutControlHeader(out, ControlType::kSynReply, f.flags, 4 + compressed.size());
    wire::PutU32(out, f.stream_id);
    out.append(compressed);
    return absl::OkStatus();
  }

  absl::Status Put(const RstStreamFrame& f, std::string& out) {
    RETURN_IF_ERROR(CheckStreamId(f.stream_id, "RST_STREAM"));
    // spdystream rejects status 0 and drops the connection.
    if (static_cast<std::uint32_t>(f.status) == 0) {
      return absl::InvalidArgumentError("RST_STREAM: status 0 is not valid");
    }
    PutControlHeader(out, ControlType::kRstStream, 0, 8);
    wire::PutU32(out, f.stream_id);
    wire::PutU32(out, static_cast<std::uint32_t>(f.status));
    return absl::OkStatus();
  }

  absl::Status Put(const SettingsFrame& f, std::string& out) {
    if (f.settings.size() > (kMaxFrameLength - 4) / 8) {
      return absl::InvalidArgumentError("SETTINGS: too many entries");
    }
    for (const Setting& s : f.settings) {
      if (s.id > 0xffffff) {
        return absl::InvalidArgumentError(absl::StrCat("SETTINGS: id ", s.id, " exceeds 24 bits"));
      }
    }
    PutControlHeader(out, ControlType::kSettings, f.flags, 4 + 8 * f.settings.size());
    wire::PutU32(out, static_cast<std::uint32_t>(f.settings.size()));
    for (const Setting& s : f.settings) {
      wire::PutU32(out, (static_cast<std::uint32_t>(s.flags) << 24) | s.id);
      wire::PutU32(out, s.value);
    }
    return absl::OkStatus();
  }

  absl::Status Put(const PingFrame& f, std::string& out) {
    PutControlHeader(out, ControlType::kPing, 0, 4);
    wire::PutU32(out, f.id);
    return absl::OkStatus();
  }

  absl::Status Put(const GoAwayFrame& f, std::string& out) {
    if (f.last_good_stream_id > kMaxStreamId) {
      return absl::InvalidArgumentError("GOAWAY: last good stream id out of range");
    }
    PutControlHeader(out, ControlType::kGoAway, 0, 8);
    wire::PutU32(out, f.last_good_stream_id);
    wire::PutU32(out, static_cast<std::uint32_t>(f.status));
    return absl::OkStatus();
  }

  absl::Status Put(const HeadersFrame& f, std::string& out) {
    RETURN_IF_ERROR(CheckStreamId(f.stream_id, "HEADERS"));
    ASSIGN_OR_RETURN(const std::string compressed, Compress(f.headers, "HEADERS"));
    PutControlHeader(out, ControlType::kHeaders, f.flags, 4 + compressed.size());
    wire::PutU32(out, f.stream_id);
    out.append(compressed);
    return absl::OkStatus();
  }

  absl::Status Put(const WindowUpdateFrame& f, std::string& out) {
    // Stream 0 is the session window (SPDY/3.1).
    if (f.stream_id > kMaxStreamId || f.delta == 0 || f.delta > kMaxStreamId) {
      return absl::InvalidArgumentError(absl::StrCat("WINDOW_UPDATE: stream id ", f.stream_id,
                                                     " or delta ", f.delta, " out of range"));
    }
    PutControlHeader(out, ControlType::kWindowUpdate, 0, 8);
    wire::PutU32(out, f.stream_id);
    wire::PutU32(out, f.delta);
    return absl::OkStatus();
  }
};

absl::Status EncodeDataFrame(std::uint32_t stream_id, std::uint8_t flags, absl::string_view data,
                             std::string* out) {
  RETURN_IF_ERROR(CheckStreamId(stream_id, "DATA"));
  if (data.size() > kMaxFrameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("DATA: payload of ", data.size(), " bytes exceeds the frame maximum"));
  }
  wire::PutU32(*out, stream_id);
  wire::PutU32(*out,
               (static_cast<std::uint32_t>(flags) << 24) | static_cast<std::uint32_t>(data.size()));
  out->append(data.data(), data.size());
  return absl::OkStatus();
}

FrameEncoder::FrameEncoder() : state_(std::make_unique<State>()) {}
FrameEncoder::~FrameEncoder() = default;

absl::Status FrameEncoder::Encode(const Frame& frame, std::string* out) {
  return std::visit([&](const auto& f) { return state_->Put(f, *out); }, frame);
}

}  // namespace crio::spdy
