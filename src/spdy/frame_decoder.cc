#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crio/common/status.h"
#include "crio/spdy/frame.h"
#include "header_block.h"
#include "header_compression.h"
#include "wire.h"

namespace crio::spdy {
namespace {

constexpr std::size_t kFrameHeaderSize = 8;

bool IsKnownControlType(std::uint16_t type) {
  switch (static_cast<ControlType>(type)) {
    case ControlType::kSynStream:
    case ControlType::kSynReply:
    case ControlType::kRstStream:
    case ControlType::kSettings:
    case ControlType::kPing:
    case ControlType::kGoAway:
    case ControlType::kHeaders:
    case ControlType::kWindowUpdate:
      return true;
  }
  return false;
}

const char* ControlName(ControlType type) {
  switch (type) {
    case ControlType::kSynStream:
      return "SYN_STREAM";
    case ControlType::kSynReply:
      return "SYN_REPLY";
    case ControlType::kRstStream:
      return "RST_STREAM";
    case ControlType::kSettings:
      return "SETTINGS";
    case ControlType::kPing:
      return "PING";
    case ControlType::kGoAway:
      return "GOAWAY";
    case ControlType::kHeaders:
      return "HEADERS";
    case ControlType::kWindowUpdate:
      return "WINDOW_UPDATE";
  }
  return "control frame";
}

absl::Status BadLength(ControlType type, std::size_t length, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(ControlName(type), ": length ", length, ", expected ", expected));
}

absl::StatusOr<std::uint32_t> StreamIdAt(absl::string_view payload, std::size_t pos,
                                         ControlType type) {
  const std::uint32_t id = wire::GetU32(payload, pos) & kMaxStreamId;
  if (id == 0) return absl::InvalidArgumentError(absl::StrCat(ControlName(type), ": stream id 0"));
  return id;
}

}  // namespace

struct FrameDecoder::State {
  explicit State(Limits l) : limits(l), inflater(l.max_header_block) {}

  Limits limits;
  HeaderInflater inflater;
  std::string buffer;  // received bytes; those before `pos` are consumed
  std::size_t pos = 0;
  std::uint32_t skip = 0;  // bytes of an unknown control frame still to drop
  absl::Status error;

  // Every block goes through the inflater, whatever becomes of its frame: the zlib
  // stream spans the connection.
  absl::StatusOr<Headers> ReadHeaders(absl::string_view compressed, ControlType type) {
    // A frame without a block carries no headers; spdystream always sends one.
    if (compressed.empty()) return Headers{};
    auto block = inflater.Inflate(compressed);
    if (!block.ok()) return Annotate(block.status(), ControlName(type));
    auto headers = ParseHeaderBlock(*block, limits.max_header_count);
    if (!headers.ok()) return Annotate(headers.status(), ControlName(type));
    return headers;
  }

  absl::StatusOr<Frame> Control(ControlType type, std::uint8_t flags, absl::string_view p) {
    switch (type) {
      case ControlType::kSynStream: {
        if (p.size() < 10) return BadLength(type, p.size(), "at least 10");
        SynStreamFrame f;
        f.flags = flags;
        ASSIGN_OR_RETURN(f.headers, ReadHeaders(p.substr(10), type));
        ASSIGN_OR_RETURN(f.stream_id, StreamIdAt(p, 0, type));
        f.associated_stream_id = wire::GetU32(p, 4) & kMaxStreamId;
        f.priority = static_cast<std::uint8_t>(wire::GetU8(p, 8) >> 5);
        f.slot = wire::GetU8(p, 9);
        return f;
      }
      case ControlType::kSynReply: {
        if (p.size() < 4) return BadLength(type, p.size(), "at least 4");
        SynReplyFrame f;
        f.flags = flags;
        ASSIGN_OR_RETURN(f.headers, ReadHeaders(p.substr(4), type));
        ASSIGN_OR_RETURN(f.stream_id, StreamIdAt(p, 0, type));
        return f;
      }
      case ControlType::kHeaders: {
        if (p.size() < 4) return BadLength(type, p.size(), "at least 4");
        HeadersFrame f;
        f.flags = flags;
        ASSIGN_OR_RETURN(f.headers, ReadHeaders(p.substr(4), type));
        ASSIGN_OR_RETURN(f.stream_id, StreamIdAt(p, 0, type));
        return f;
      }
      case ControlType::kRstStream: {
        if (p.size() != 8) return BadLength(type, p.size(), "8");
        RstStreamFrame f;
        ASSIGN_OR_RETURN(f.stream_id, StreamIdAt(p, 0, type));
        f.status = static_cast<RstStatus>(wire::GetU32(p, 4));
        if (static_cast<std::uint32_t>(f.status) == 0) {
          return absl::InvalidArgumentError("RST_STREAM: status 0");
        }
        return f;
      }
      case ControlType::kSettings: {
        if (p.size() < 4) return BadLength(type, p.size(), "at least 4");
        const std::uint32_t count = wire::GetU32(p, 0);
        // 64-bit arithmetic: 8 * count overflows 32 bits for hostile counts.
        if (static_cast<std::uint64_t>(count) * 8 != p.size() - 4) {
          return BadLength(type, p.size(), absl::StrCat("4 + 8 * ", count, " entries"));
        }
        SettingsFrame f;
        f.flags = flags;
        f.settings.reserve(count);  // bounded by the payload, already in memory
        for (std::uint32_t i = 0; i < count; ++i) {
          const std::uint32_t flags_and_id = wire::GetU32(p, 4 + 8 * i);
          f.settings.push_back(Setting{static_cast<std::uint8_t>(flags_and_id >> 24),
                                       flags_and_id & 0xffffff, wire::GetU32(p, 8 + 8 * i)});
        }
        return f;
      }
      case ControlType::kPing:
        if (p.size() != 4) return BadLength(type, p.size(), "4");
        return PingFrame{wire::GetU32(p, 0)};
      case ControlType::kGoAway:
        if (p.size() != 8) return BadLength(type, p.size(), "8");
        return GoAwayFrame{wire::GetU32(p, 0) & kMaxStreamId,
                           static_cast<GoAwayStatus>(wire::GetU32(p, 4))};
      case ControlType::kWindowUpdate:
        if (p.size() != 8) return BadLength(type, p.size(), "8");
        return WindowUpdateFrame{wire::GetU32(p, 0) & kMaxStreamId,
                                 wire::GetU32(p, 4) & kMaxStreamId};
    }
    return absl::InternalError("unreachable control frame type");
  }

  absl::Status Fail(absl::Status status) {
    error = std::move(status);
    buffer.clear();
    buffer.shrink_to_fit();
    pos = 0;
    return error;
  }
};

FrameDecoder::FrameDecoder(Limits limits) : state_(std::make_unique<State>(limits)) {}
FrameDecoder::~FrameDecoder() = default;

void FrameDecoder::Append(absl::string_view bytes) {
  State& s = *state_;
  if (!s.error.ok()) return;
  if (s.pos == s.buffer.size()) {
    s.buffer.clear();
    s.pos = 0;
    // Dropping an unknown frame needs no buffering.
    const std::size_t dropped = std::min<std::size_t>(s.skip, bytes.size());
    s.skip -= static_cast<std::uint32_t>(dropped);
    bytes.remove_prefix(dropped);
  } else if (s.pos >= s.buffer.size() / 2) {
    // Compacting only once half the buffer is consumed keeps the copying linear.
    s.buffer.erase(0, s.pos);
    s.pos = 0;
  }
  s.buffer.append(bytes.data(), bytes.size());
}

std::size_t FrameDecoder::Buffered() const { return state_->buffer.size() - state_->pos; }

absl::StatusOr<std::optional<Frame>> FrameDecoder::Next() {
  State& s = *state_;
  if (!s.error.ok()) return s.error;
  for (;;) {
    const absl::string_view rest = absl::string_view(s.buffer).substr(s.pos);
    if (s.skip > 0) {
      const std::size_t dropped = std::min<std::size_t>(s.skip, rest.size());
      s.pos += dropped;
      s.skip -= static_cast<std::uint32_t>(dropped);
      if (s.skip > 0) return std::nullopt;
      continue;
    }
    if (rest.size() < kFrameHeaderSize) return std::nullopt;
    const std::uint32_t first = wire::GetU32(rest, 0);
    const std::uint8_t flags = wire::GetU8(rest, 4);
    const std::uint32_t length = wire::GetU32(rest, 4) & 0xffffff;
    const bool control = (first & 0x80000000) != 0;
    const auto type = static_cast<std::uint16_t>(first & 0xffff);
    if (control) {
      const auto version = static_cast<std::uint16_t>((first >> 16) & 0x7fff);
      if (version != kVersion) {
        return s.Fail(absl::InvalidArgumentError(
            absl::StrCat("control frame of SPDY version ", version, ", only 3 is spoken")));
      }
      if (!IsKnownControlType(type)) {
        s.pos += kFrameHeaderSize;
        s.skip = length;
        continue;
      }
      if (length > s.limits.max_control_payload) {
        return s.Fail(absl::ResourceExhaustedError(
            absl::StrCat(ControlName(static_cast<ControlType>(type)), ": length ", length,
                         " exceeds the limit of ", s.limits.max_control_payload)));
      }
    } else if (length > s.limits.max_data_payload) {
      return s.Fail(absl::ResourceExhaustedError(absl::StrCat(
          "DATA: length ", length, " exceeds the limit of ", s.limits.max_data_payload)));
    }
    if (rest.size() - kFrameHeaderSize < length) return std::nullopt;
    const absl::string_view payload = rest.substr(kFrameHeaderSize, length);
    s.pos += kFrameHeaderSize + length;
    if (!control) {
      const std::uint32_t stream_id = first & kMaxStreamId;
      if (stream_id == 0) return s.Fail(absl::InvalidArgumentError("DATA: stream id 0"));
      return std::optional<Frame>(DataFrame{stream_id, flags, std::string(payload)});
    }
    auto frame = s.Control(static_cast<ControlType>(type), flags, payload);
    if (!frame.ok()) return s.Fail(frame.status());
    return std::optional<Frame>(std::move(*frame));
  }
}

}  // namespace crio::spdy
