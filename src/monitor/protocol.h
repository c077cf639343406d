#pragma once

// The wire between the daemon-side client (client.cc) and crio-monitor (main.cc): the
// command line, the sync pipe report, the control socket requests and the attach
// socket framing. Both sides include this one header so they cannot drift.

#include <cstddef>

namespace crio::monitor::protocol {

// Command-line flags of crio-monitor. Each takes one value except the three booleans.
inline constexpr char kFlagId[] = "--id";
inline constexpr char kFlagRuntime[] = "--runtime";
inline constexpr char kFlagRuntimeRoot[] = "--runtime-root";
inline constexpr char kFlagRuntimeArg[] = "--runtime-arg";  // repeated, before "create"
inline constexpr char kFlagBundle[] = "--bundle";
inline constexpr char kFlagPidFile[] = "--pid-file";
inline constexpr char kFlagLogPath[] = "--log-path";
inline constexpr char kFlagLogSizeMax[] = "--log-size-max";
inline constexpr char kFlagExitFile[] = "--exit-file";
inline constexpr char kFlagAttachSocket[] = "--attach-socket";
inline constexpr char kFlagControlSocket[] = "--control-socket";
inline constexpr char kFlagEnv[] = "--env";  // repeated KEY=VALUE for the runtime
inline constexpr char kFlagCreateTimeoutMs[] = "--create-timeout-ms";
inline constexpr char kFlagSyncFd[] = "--sync-fd";
inline constexpr char kFlagTty[] = "--tty";
inline constexpr char kFlagStdin[] = "--stdin";
inline constexpr char kFlagStdinOnce[] = "--stdin-once";

// The fd number the client hands the sync pipe's write end on.
inline constexpr int kSyncFd = 3;

// Sync pipe, monitor -> daemon, text, ended by EOF:
//   "pid <monitor pid>\n"                     as soon as the monitor has detached
//   "ok <container pid>\n"                    runtime create succeeded
//   "error <kind> <value>\n<message bytes>"   it failed; nothing is left behind
inline constexpr char kSyncPid[] = "pid";
inline constexpr char kSyncOk[] = "ok";
inline constexpr char kSyncError[] = "error";
inline constexpr char kErrorExit[] = "exit";        // value: the runtime's exit status
inline constexpr char kErrorSignal[] = "signal";    // value: the signal that killed it
inline constexpr char kErrorTimeout[] = "timeout";  // value: the timeout in ms
inline constexpr char kErrorSetup[] = "setup";      // value: errno (0 if none)

// Bounds the runtime's error output carried in a failure report.
inline constexpr std::size_t kMaxErrorMessage = 4096;

// Control socket (SOCK_SEQPACKET): one request packet, one reply packet, then close.
//   "reopen"            close and reopen the log file
//   "resize <w> <h>"    TIOCSWINSZ on the pty master (columns, rows)
// Reply: "ok" or "error <message>".
inline constexpr char kCtlReopen[] = "reopen";
inline constexpr char kCtlResize[] = "resize";
inline constexpr char kReplyOk[] = "ok";
inline constexpr char kReplyError[] = "error";
inline constexpr std::size_t kMaxControlPacket = 256;

// Attach socket (SOCK_SEQPACKET, as conmon's): each packet to the client is one tag
// byte then at most kAttachDataMax bytes of output; CRI-O's reader uses 8192+1 bytes.
// Packets from the client are raw stdin bytes.
inline constexpr char kAttachStdout = 2;
inline constexpr char kAttachStderr = 3;
inline constexpr std::size_t kAttachDataMax = 8192;

}  // namespace crio::monitor::protocol
