#pragma once

// The Kubernetes channel protocols, without any transport: subprotocol negotiation,
// the WebSocket channel framing (binary and base64, with v5's close signal), the
// status a remote command ends with, and the resize stream's JSON objects. The server
// uses them over SPDY streams and WebSocket messages alike.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/streaming/backend.h"

namespace crio::streaming::protocol {

// Remote command (exec, attach) protocols, newest first: the order we prefer them in.
inline constexpr char kV5[] = "v5.channel.k8s.io";
inline constexpr char kV4[] = "v4.channel.k8s.io";
inline constexpr char kV3[] = "v3.channel.k8s.io";
inline constexpr char kV2[] = "v2.channel.k8s.io";
inline constexpr char kV1[] = "channel.k8s.io";
inline constexpr char kV4Base64[] = "v4.base64.channel.k8s.io";
inline constexpr char kV1Base64[] = "base64.channel.k8s.io";
inline constexpr char kPortForward[] = "portforward.k8s.io";

// Channel numbers of exec and attach (the POSIX fds, then error and resize).
inline constexpr std::uint8_t kStdin = 0;
inline constexpr std::uint8_t kStdout = 1;
inline constexpr std::uint8_t kStderr = 2;
inline constexpr std::uint8_t kError = 3;
inline constexpr std::uint8_t kResize = 4;
/// v5: a client message [255, n] closes channel n (stdin) while others stay open.
inline constexpr std::uint8_t kCloseSignal = 255;

/// The protocols a SPDY remote command server speaks (X-Stream-Protocol-Version).
const std::vector<std::string>& SpdyRemoteCommandProtocols();
/// The WebSocket subprotocols of exec and attach ("" = the client named none).
const std::vector<std::string>& WebSocketRemoteCommandProtocols();
/// The WebSocket subprotocols of port-forward.
const std::vector<std::string>& WebSocketPortForwardProtocols();

/// Picks the first protocol the client offers that we support. `offered` holds header
/// values, each possibly a comma-separated list.
/// @return "" when the client offered none (the caller falls back, as the kubelet
///     does); nullopt when it offered only protocols we do not support
std::optional<std::string> Negotiate(const std::vector<std::string>& offered,
                                     const std::vector<std::string>& supported);

/// The remote command protocol version (1 to 5) of a negotiated protocol name.
int RemoteCommandVersion(std::string_view protocol);

/// How WebSocket messages carry channels.
struct WebSocketFraming {
  bool base64 = false;        ///< text messages: '0'+channel then base64 data
  bool close_signal = false;  ///< v5: [255, channel] closes a channel
};
WebSocketFraming FramingOf(std::string_view protocol);

/// One message on `channel`.
std::string EncodeChannelMessage(const WebSocketFraming& framing, std::uint8_t channel,
                                 std::string_view data);

/// A decoded client message.
struct ChannelMessage {
  std::uint8_t channel = 0;
  std::string data;
  bool close = false;  ///< a v5 close signal for `channel`
};
/// @return nullopt for an empty message (ignored, as wsstream does); InvalidArgument
///     for bad base64
absl::StatusOr<std::optional<ChannelMessage>> DecodeChannelMessage(const WebSocketFraming& framing,
                                                                   std::string_view message);

/// The v4+ error stream's JSON (a metav1.Status) for a command's end: Success for 0,
/// else reason NonZeroExitCode with an ExitCode cause, which clients turn into the
/// command's exit code.
std::string ExitStatusJson(int exit_code);
/// The v4+ error stream's JSON for a failure to run at all (reason InternalError).
std::string ErrorStatusJson(absl::string_view message);

/// What the error stream carries when a remote command ends, for protocol `version`:
/// from v4 the JSON above (ExitStatusJson, or ErrorStatusJson when it could not run);
/// before v4 only failures, as text, and "" for a success.
std::string CommandEndMessage(int version, const absl::StatusOr<int>& result);

/// The resize stream: consecutive JSON objects {"Width":w,"Height":h}, split
/// anywhere across reads.
class ResizeDecoder {
 public:
  /// Sizes completed by `bytes`; InvalidArgument for a malformed object or one larger
  /// than any size object could be.
  absl::StatusOr<std::vector<TerminalSize>> Feed(std::string_view bytes);

 private:
  std::string pending_;
};

/// The ports of a WebSocket port-forward URL: every `port` query value, each possibly
/// a comma-separated list.
/// @return InvalidArgument for a missing, empty, non-numeric or out-of-range port
absl::StatusOr<std::vector<std::int32_t>> PortsFromQuery(std::string_view query);

}  // namespace crio::streaming::protocol
