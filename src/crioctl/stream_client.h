#pragma once

// The client side of the streaming server's protocols, shared by exec, attach and
// port-forward: the URL an Exec, Attach or PortForward RPC returns, the transport
// (SPDY/3.1, as crictl by default, or WebSocket), the exit status a remote command ends
// with, and a session that wires a remote command to local streams. docs/streaming.md
// describes the protocols. Over a WebSocket this side offers v5.channel.k8s.io and
// v4.channel.k8s.io; over SPDY v4, v3, v2 and channel.k8s.io, as kubectl does. It uses
// whichever the server picks.

#include <cstdint>
#include <functional>
#include <iostream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::ctl {

/// The channel protocols of exec and attach. Over a WebSocket, crioctl offers v5 then
/// v4 (v5 adds a signal for the end of stdin; a server without it picks v4); over SPDY,
/// where a stream's FIN ends stdin, v4 down to the first version.
inline constexpr char kProtocolV5[] = "v5.channel.k8s.io";
inline constexpr char kProtocolV4[] = "v4.channel.k8s.io";
inline constexpr char kProtocolV3[] = "v3.channel.k8s.io";
inline constexpr char kProtocolV2[] = "v2.channel.k8s.io";
inline constexpr char kProtocolV1[] = "channel.k8s.io";

/// How exec, attach and port-forward reach the streaming server (crictl's --transport).
enum class StreamTransport {
  kSpdy,       ///< an HTTP upgrade to SPDY/3.1, one SPDY stream per channel (crictl's default)
  kWebSocket,  ///< a WebSocket, one channel byte in front of each message
};

/// "spdy" or "websocket", as crictl spells them.
/// @return InvalidArgument for any other name
absl::StatusOr<StreamTransport> ParseStreamTransport(std::string_view name);

/// Where a streaming URL points.
struct StreamUrl {
  std::string host;    ///< a name or an IP literal, without IPv6 brackets
  std::string port;    ///< "80" (http) or "443" (https) when the URL names none
  std::string target;  ///< the path and query, "/exec/TOKEN"
  bool tls = false;    ///< an https URL: TLS, without verifying the server's certificate
};

/// Splits an http:// or https:// URL. A URL without scheme and host ("/exec/TOKEN") is
/// taken relative to the kubelet's http://127.0.0.1:10250, as crictl takes it.
/// @return InvalidArgument for a malformed URL
absl::StatusOr<StreamUrl> ParseStreamUrl(std::string_view url);

/// The version of a channel protocol: 5 for "v5.channel.k8s.io", 1 for
/// "channel.k8s.io", 0 for anything else.
int ChannelProtocolVersion(std::string_view protocol);

/// The command's exit code from the status object (a metav1.Status in JSON) that ends a
/// v4 or v5 stream: 0 for Success, the ExitCode cause of a NonZeroExitCode failure.
/// @return Unknown carrying the status's message for any other failure (the command
///     could not run); InvalidArgument when `json` is not a status object
absl::StatusOr<int> ExitCodeFromStatus(std::string_view json);

/// A terminal size in character cells, as the resize channel carries it.
struct TerminalSize {
  std::uint16_t width = 0;
  std::uint16_t height = 0;
};

/// Watches the bytes typed into a terminal for crictl's detach keys, Ctrl-P Ctrl-Q,
/// which may arrive split across reads. A Ctrl-P followed by anything else is passed on.
class DetachKeyFilter {
 public:
  /// The bytes to send for `input`, up to the detach keys when they are in it.
  std::string Feed(std::string_view input);
  /// Whether the detach keys have been typed.
  bool detached() const { return detached_; }

 private:
  bool pending_ctrl_p_ = false;
  bool detached_ = false;
};

/// How a remote command's streams meet ours.
struct RemoteCommandOptions {
  /// Copy `stdin_fd` to the command's stdin until its end (the request asked for stdin).
  bool stdin = false;
  /// The command has a terminal: its output comes on stdout alone.
  bool tty = false;
  int stdin_fd = 0;
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
  /// The size to send on the resize channel at the start and on each SIGWINCH;
  /// nullopt (or no function) sends none. Only with `tty`.
  std::function<std::optional<TerminalSize>()> terminal_size;
  /// SIGWINCH resends the size; SIGINT, SIGTERM and SIGHUP end the session (the server
  /// then kills an exec'd command). Off in tests, which must not take the process's
  /// signals.
  bool handle_signals = false;
  /// Ctrl-P Ctrl-Q on stdin ends the session without ending the command, as in crictl
  /// (for a local terminal in raw mode, where Ctrl-C goes to the command).
  bool detach_keys = false;
  /// How to reach the server.
  StreamTransport transport = StreamTransport::kSpdy;
  /// The protocols to offer, preferred first; empty: the transport's own list (see
  /// kProtocolV5).
  std::vector<std::string> protocols;
};

/// How a remote command session ended.
struct RemoteCommandResult {
  int exit_code = 0;      ///< the command's; 0 for an attach, or after a detach
  bool detached = false;  ///< the detach keys ended the session
  int signal = 0;         ///< a signal that ended the session (the exit code is then 128+it)
  std::string protocol;   ///< the protocol the server chose
};

/// Connects to an exec or attach URL over options.transport and runs the session: our
/// stdin to the command, its stdout and stderr to ours, terminal sizes on the resize
/// channel, until the server reports the command's end.
/// @return the outcome; Unavailable when the server cannot be reached, the server's
///     own code (NotFound for an unknown, expired or used URL) when it refuses the
///     connection, Unknown with the server's message when the command could not run
absl::StatusOr<RemoteCommandResult> RunRemoteCommand(std::string_view url,
                                                     const RemoteCommandOptions& options);

/// `url` with "port=`port`" added to its query.
std::string WithPortQuery(std::string_view url, std::uint16_t port);

}  // namespace crio::ctl
