#pragma once

// SPDY/3 frames, the framing under Kubernetes' streaming protocol ("SPDY/3.1" upgrades
// for exec, attach and port-forward, as github.com/moby/spdystream speaks it). Values
// for every frame type, an encoder and an incremental decoder. Both carry the zlib
// state of their direction's header compression (one stream per direction per
// connection, as the spec requires), so a connection needs one of each and must pass
// every frame through them in wire order.
//
// Neither class is thread-safe; one connection is used from one strand.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio::spdy {

/// The version in every control frame header. SPDY/3.1 kept it at 3.
inline constexpr std::uint16_t kVersion = 3;

/// Stream ids and the window delta are 31-bit fields.
inline constexpr std::uint32_t kMaxStreamId = 0x7fffffff;

/// The 24-bit length field's maximum: no frame payload can be larger.
inline constexpr std::uint32_t kMaxFrameLength = 0xffffff;

/// Control frame types this codec knows. Others (CREDENTIAL, SPDY/2's NOOP, future
/// types) are skipped by the decoder, as the spec says receivers must.
enum class ControlType : std::uint16_t {
  kSynStream = 1,
  kSynReply = 2,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kGoAway = 7,
  kHeaders = 8,
  kWindowUpdate = 9,
};

/// FIN: the sender will send nothing more on the stream (SYN_STREAM, SYN_REPLY,
/// HEADERS, DATA).
inline constexpr std::uint8_t kFlagFin = 0x01;
/// UNIDIRECTIONAL (SYN_STREAM only): the recipient must not send on the stream.
inline constexpr std::uint8_t kFlagUnidirectional = 0x02;
/// CLEAR_SETTINGS (SETTINGS only).
inline constexpr std::uint8_t kFlagClearSettings = 0x01;

/// RST_STREAM status codes. Decoded values outside this list are kept as they are.
enum class RstStatus : std::uint32_t {
  kProtocolError = 1,
  kInvalidStream = 2,
  kRefusedStream = 3,
  kUnsupportedVersion = 4,
  kCancel = 5,
  kInternalError = 6,
  kFlowControlError = 7,
  kStreamInUse = 8,
  kStreamAlreadyClosed = 9,
  kInvalidCredentials = 10,
  kFrameTooLarge = 11,
};

/// GOAWAY status codes.
enum class GoAwayStatus : std::uint32_t {
  kOk = 0,
  kProtocolError = 1,
  kInternalError = 2,
};

/// SETTINGS ids (only INITIAL_WINDOW_SIZE means anything to a session).
inline constexpr std::uint32_t kSettingsMaxConcurrentStreams = 4;
inline constexpr std::uint32_t kSettingsInitialWindowSize = 7;

/// A name/value header block. Names are lower-case and unique; a name carries one or
/// more values, which travel joined by NUL. Kubernetes' streams are told apart by
/// them ("streamtype" = "stdin", "port" = "8080", ...).
using Headers = std::map<std::string, std::vector<std::string>, std::less<>>;

/// The first value of `name`, or nullopt when the block has no such header.
std::optional<std::string> FirstHeaderValue(const Headers& headers, absl::string_view name);

/// SYN_STREAM: the sender opens stream `stream_id` (odd from clients, even from
/// servers, always increasing).
struct SynStreamFrame {
  std::uint32_t stream_id = 0;
  std::uint32_t associated_stream_id = 0;  ///< 0 when the stream stands alone
  std::uint8_t priority = 0;               ///< 0 (highest) to 7
  std::uint8_t slot = 0;                   ///< credential slot; unused by Kubernetes
  std::uint8_t flags = 0;                  ///< kFlagFin | kFlagUnidirectional
  Headers headers;
  bool operator==(const SynStreamFrame&) const = default;
};

/// SYN_REPLY: the recipient of a SYN_STREAM accepts it.
struct SynReplyFrame {
  std::uint32_t stream_id = 0;
  std::uint8_t flags = 0;  ///< kFlagFin
  Headers headers;
  bool operator==(const SynReplyFrame&) const = default;
};

/// RST_STREAM: the stream ends abnormally, in both directions.
struct RstStreamFrame {
  std::uint32_t stream_id = 0;
  RstStatus status = RstStatus::kCancel;
  bool operator==(const RstStreamFrame&) const = default;
};

/// One SETTINGS entry: 8-bit flags, 24-bit id, 32-bit value.
struct Setting {
  std::uint8_t flags = 0;
  std::uint32_t id = 0;
  std::uint32_t value = 0;
  bool operator==(const Setting&) const = default;
};

/// SETTINGS: connection parameters.
struct SettingsFrame {
  std::uint8_t flags = 0;  ///< kFlagClearSettings
  std::vector<Setting> settings;
  bool operator==(const SettingsFrame&) const = default;
};

/// PING: the recipient echoes a ping whose id has the sender's parity (odd from
/// clients, even from servers).
struct PingFrame {
  std::uint32_t id = 0;
  bool operator==(const PingFrame&) const = default;
};

/// GOAWAY: the sender accepts no new streams; streams above `last_good_stream_id`
/// that the recipient opened were not processed.
struct GoAwayFrame {
  std::uint32_t last_good_stream_id = 0;
  GoAwayStatus status = GoAwayStatus::kOk;
  bool operator==(const GoAwayFrame&) const = default;
};

/// HEADERS: more headers for an open stream.
struct HeadersFrame {
  std::uint32_t stream_id = 0;
  std::uint8_t flags = 0;  ///< kFlagFin
  Headers headers;
  bool operator==(const HeadersFrame&) const = default;
};

/// WINDOW_UPDATE: the sender consumed `delta` bytes of a stream (or, with stream 0,
/// of the whole session: SPDY/3.1) and the peer may send that much more.
struct WindowUpdateFrame {
  std::uint32_t stream_id = 0;
  std::uint32_t delta = 0;
  bool operator==(const WindowUpdateFrame&) const = default;
};

/// DATA: payload bytes of a stream.
struct DataFrame {
  std::uint32_t stream_id = 0;
  std::uint8_t flags = 0;  ///< kFlagFin
  std::string data;
  bool operator==(const DataFrame&) const = default;
};

/// Any frame.
using Frame = std::variant<DataFrame, SynStreamFrame, SynReplyFrame, RstStreamFrame, SettingsFrame,
                           PingFrame, GoAwayFrame, HeadersFrame, WindowUpdateFrame>;

/// The frame's name as the spec writes it ("SYN_STREAM", "DATA", ...), for messages.
const char* FrameName(const Frame& frame);

/// Bounds on what a decoder accepts, so that a hostile peer cannot make it allocate
/// without limit. The defaults admit everything kubelet, kubectl and crictl send.
struct Limits {
  /// Largest DATA payload. spdystream sends one frame per Write call, so anything up
  /// to the 24-bit maximum can come from a legitimate peer.
  std::uint32_t max_data_payload = kMaxFrameLength;
  /// Largest control frame payload (compressed headers included). Real header blocks
  /// are a few hundred bytes.
  std::uint32_t max_control_payload = 256 * 1024;
  /// Largest decompressed header block: the bound that defeats zip bombs.
  std::size_t max_header_block = 1024 * 1024;
  /// Most name/value pairs in one block (spdystream's own default), and most values
  /// once NUL-joined values are split.
  std::uint32_t max_header_count = 1000;
};

/// Serializes frames, compressing header blocks with the sender's zlib stream.
class FrameEncoder {
 public:
  FrameEncoder();
  ~FrameEncoder();
  FrameEncoder(const FrameEncoder&) = delete;
  FrameEncoder& operator=(const FrameEncoder&) = delete;

  /// Appends the wire form of `frame` to `out`. On error nothing is appended, and a
  /// header block that failed validation has not touched the compression state.
  /// @return InvalidArgument for a frame that cannot be sent: stream id 0 or above
  ///     2^31-1 where a stream is required, a payload over 2^24-1 bytes, a header name
  ///     that is empty, upper-case or holds NUL, a header without values, a value
  ///     holding NUL, or an empty value among several; Internal if zlib fails
  absl::Status Encode(const Frame& frame, std::string* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Appends a DATA frame: the same bytes as FrameEncoder::Encode(DataFrame{...}), without
/// copying `data` into a frame first (DATA needs no compression state).
/// @return InvalidArgument for stream id 0 or above 2^31-1, or data over 2^24-1 bytes
absl::Status EncodeDataFrame(std::uint32_t stream_id, std::uint8_t flags, absl::string_view data,
                             std::string* out);

/// Splits a received byte stream into frames, decompressing header blocks with the
/// peer's zlib stream. Feed it chunks of any size; frames come out whole.
class FrameDecoder {
 public:
  explicit FrameDecoder(Limits limits = {});
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  /// Appends received bytes. They are kept until Next() has consumed them.
  void Append(absl::string_view bytes);

  /// The next complete frame, or nullopt when more bytes are needed. Control frames
  /// of unknown types are skipped without being buffered.
  /// @return InvalidArgument naming the frame and the fault (a version other than 3,
  ///     a length that does not fit the frame type, stream id 0, a corrupt header
  ///     block); ResourceExhausted when a frame or header block exceeds the limits.
  ///     An error is final: the zlib stream or the framing cannot be resynchronised,
  ///     so every later call returns it again and the connection must be closed.
  absl::StatusOr<std::optional<Frame>> Next();

  /// Bytes received but not yet returned as frames (or skipped).
  std::size_t Buffered() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace crio::spdy
