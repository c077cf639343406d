#pragma once

// One SPDY/3.1 connection, without the socket: the owner feeds it the bytes it reads
// and writes out the bytes it takes. Kubernetes' streaming clients and servers
// (kubectl, kubelet, crictl: all github.com/moby/spdystream) open one stream per
// channel, told apart by headers: "streamtype" = "error", "stdin", "stdout", "stderr"
// or "resize" for exec and attach; "streamtype" = "data" or "error" with "port" and
// "requestid" for port-forward.
//
// A server loop on a socket:
//
//   Session session({.role = Role::kServer});
//   for (;;) {
//     read some bytes;
//     auto events = session.Feed(bytes);
//     if (!events.ok()) { write session.TakeOutput(); close; }
//     for (auto& event : *events) handle it (Reply, SendData, ...);
//     write session.TakeOutput();
//   }
//
// Flow control. spdystream never sends WINDOW_UPDATE, ignores the ones it receives
// and sends DATA regardless of any window. A session therefore never waits for a
// window: SendData sends at once, and received data is never refused for exceeding
// one. Backpressure is the transport's: stop reading the socket to slow the peer,
// and watch OutputSize() to slow the producers. The session still sends
// WINDOW_UPDATE (per stream and, as SPDY/3.1 adds, for the session) once half of the
// 64 KiB initial window has been delivered, so a peer that does honour windows never
// stalls; spdystream parses and drops them.
//
// Not thread-safe: use one session from one strand.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crio/spdy/frame.h"

namespace crio::spdy {

/// Which end of the connection this is. Clients open odd-numbered streams and
/// servers even-numbered ones (Kubernetes' servers open none); PING ids follow the
/// same parity.
enum class Role { kClient, kServer };

/// How a session behaves.
struct SessionOptions {
  Role role = Role::kServer;
  /// Bounds on received frames (see Limits).
  Limits limits{};
  /// Streams the peer may have open at once; more are refused with RST_STREAM
  /// REFUSED_STREAM. An exec uses 5, a port-forward 2 per port.
  std::size_t max_peer_streams = 1000;
  /// Largest DATA frame SendData emits; longer data is split.
  std::size_t max_send_frame = 64 * 1024;
};

/// The peer opened a stream (SYN_STREAM). Accept it with Reply, refuse it with Reset.
struct StreamOpened {
  std::uint32_t stream_id = 0;
  std::uint32_t associated_stream_id = 0;
  std::uint8_t priority = 0;
  bool unidirectional = false;  ///< the peer will not read: the stream is closed for us
  Headers headers;
  bool operator==(const StreamOpened&) const = default;
};

/// The peer accepted a stream we opened (SYN_REPLY).
struct StreamReplied {
  std::uint32_t stream_id = 0;
  Headers headers;
  bool operator==(const StreamReplied&) const = default;
};

/// Extra headers on a stream (HEADERS).
struct StreamHeaders {
  std::uint32_t stream_id = 0;
  Headers headers;
  bool operator==(const StreamHeaders&) const = default;
};

/// Payload bytes on a stream (DATA).
struct StreamData {
  std::uint32_t stream_id = 0;
  std::string data;
  bool operator==(const StreamData&) const = default;
};

/// The peer will send nothing more on the stream (FIN on any frame). It follows the
/// event of the frame that carried the FIN.
struct StreamHalfClosed {
  std::uint32_t stream_id = 0;
  bool operator==(const StreamHalfClosed&) const = default;
};

/// The peer reset the stream (RST_STREAM); it is closed in both directions.
struct StreamReset {
  std::uint32_t stream_id = 0;
  RstStatus status = RstStatus::kCancel;
  bool operator==(const StreamReset&) const = default;
};

/// The peer is going away (GOAWAY): it accepts no new streams, and streams we opened
/// above `last_good_stream_id` were not processed. spdystream closes the connection
/// once its open streams are done.
struct GoAwayReceived {
  std::uint32_t last_good_stream_id = 0;
  GoAwayStatus status = GoAwayStatus::kOk;
  bool operator==(const GoAwayReceived&) const = default;
};

/// The peer answered a Ping() we sent.
struct PingAnswered {
  std::uint32_t id = 0;
  bool operator==(const PingAnswered&) const = default;
};

/// What a received frame meant.
using Event = std::variant<StreamOpened, StreamReplied, StreamHeaders, StreamData, StreamHalfClosed,
                           StreamReset, GoAwayReceived, PingAnswered>;

/// The SPDY state machine of one connection.
class Session {
 public:
  explicit Session(SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Processes received bytes, split anywhere. PINGs from the peer are answered, frames
  /// for unknown or closed streams are dropped, and frames that break the stream rules
  /// (a SYN_STREAM with a used or wrongly numbered id) get RST_STREAM PROTOCOL_ERROR;
  /// all of that goes to the output.
  /// @return the events, in wire order; or the decoder's error (see
  ///     FrameDecoder::Next). An error ends the session: GOAWAY PROTOCOL_ERROR is queued
  ///     for the owner to flush before closing, and later calls fail the same way.
  absl::StatusOr<std::vector<Event>> Feed(absl::string_view bytes);

  /// Opens a stream (SYN_STREAM).
  /// @param fin nothing will be sent on it (it is half-closed from the start)
  /// @return the new stream's id; FailedPrecondition after a GOAWAY either way or a
  ///     failed session; ResourceExhausted when the stream ids are used up;
  ///     InvalidArgument for headers the encoder refuses
  absl::StatusOr<std::uint32_t> OpenStream(const Headers& headers, bool fin = false,
                                           std::uint32_t associated_stream_id = 0,
                                           std::uint8_t priority = 0);

  /// Accepts a stream the peer opened (SYN_REPLY). Kubernetes replies with no
  /// headers. A stream must be accepted before data is sent on it: spdystream drops
  /// data that arrives before the reply.
  /// @return NotFound for a stream that is not open; FailedPrecondition for a stream
  ///     we opened, one already accepted, or a failed session
  absl::Status Reply(std::uint32_t stream_id, const Headers& headers = {}, bool fin = false);

  /// Sends data, split into DATA frames of at most max_send_frame bytes; `fin` marks
  /// the last one (with empty data: one empty DATA frame with FIN, as spdystream's
  /// Close sends).
  /// @return NotFound for a stream that is not open; FailedPrecondition when we closed
  ///     our side already, for a peer stream not yet accepted, or a failed session
  absl::Status SendData(std::uint32_t stream_id, absl::string_view data, bool fin = false);

  /// Half-closes our side: SendData(stream_id, "", true).
  absl::Status CloseStream(std::uint32_t stream_id);

  /// Sends HEADERS on an open stream.
  /// @return as SendData, and InvalidArgument for headers the encoder refuses
  absl::Status SendHeaders(std::uint32_t stream_id, const Headers& headers, bool fin = false);

  /// Resets a stream (RST_STREAM); it is forgotten at once. REFUSED_STREAM refuses
  /// a stream the peer opened.
  /// @return NotFound for a stream that is not open; FailedPrecondition for a failed
  ///     session
  absl::Status Reset(std::uint32_t stream_id, RstStatus status = RstStatus::kCancel);

  /// Sends a PING; its answer comes back as PingAnswered.
  /// @return the ping id; FailedPrecondition for a failed session
  absl::StatusOr<std::uint32_t> Ping();

  /// Sends GOAWAY naming the last peer stream accepted; later SYN_STREAMs from the
  /// peer are ignored and OpenStream fails. spdystream stops reading at a GOAWAY, so
  /// send it after the last data. A second call sends nothing.
  /// @return FailedPrecondition for a failed session
  absl::Status GoAway(GoAwayStatus status = GoAwayStatus::kOk);

  /// The bytes to write to the peer, in order; the session forgets them.
  std::string TakeOutput();

  /// Bytes waiting in the output.
  std::size_t OutputSize() const;

  /// Whether the stream is open in at least one direction.
  bool IsOpen(std::uint32_t stream_id) const;

  /// Streams open in at least one direction.
  std::size_t OpenStreams() const;

  /// Whether GOAWAY was sent or received.
  bool GoingAway() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace crio::spdy
