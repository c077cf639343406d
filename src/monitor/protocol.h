#pragma once

// The wire between the daemon-side client (client.cc) and crio-monitor (main.cc): the
// command line, the sync pipe report, the control socket requests and the attach
// socket framing. Both sides include this one header so they cannot drift.
//
// The monitor has two modes. A container monitor (--bundle) runs `<runtime> create`
// and supervises the container's init to its end. An exec monitor (--exec-process)
// runs `<runtime> exec --detach` for one process of a running container (the CRI's
// streaming Exec) and serves exactly one attach client, which must connect before the
// process starts, gets all of its output and its exit status, and whose leaving
// kills the process.

#include <cstddef>

namespace crio::monitor::protocol {

// Command-line flags of crio-monitor. Each takes one value except the three booleans.
// Exec mode needs neither --bundle nor --log-path (an exec session has no CRI log).
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
inline constexpr char kFlagStdinOnce[] = "--stdin-once";  // container mode only
// Exec mode: the process.json the runtime's exec reads (its "terminal" matches --tty).
inline constexpr char kFlagExecProcess[] = "--exec-process";
// Exec mode: how long to wait for the attach client before giving up.
inline constexpr char kFlagAttachTimeoutMs[] = "--attach-timeout-ms";

// The fd number the client hands the sync pipe's write end on.
inline constexpr int kSyncFd = 3;

// Sync pipe, monitor -> daemon, text, ended by EOF:
//   "pid <monitor pid>\n"                     as soon as the monitor has detached
//   "ready\n"                                 exec mode only: the attach and control
//                                             sockets listen; the monitor now waits
//                                             (--attach-timeout-ms) for the client
//   "ok <container pid>\n"                    runtime create succeeded (exec mode: the
//                                             exec'd process's pid; it runs)
//   "error <kind> <value>\n<message bytes>"   it failed; nothing is left behind
inline constexpr char kSyncPid[] = "pid";
inline constexpr char kSyncReady[] = "ready";
inline constexpr char kSyncOk[] = "ok";
inline constexpr char kSyncError[] = "error";
inline constexpr char kErrorExit[] = "exit";        // value: the runtime's exit status
inline constexpr char kErrorSignal[] = "signal";    // value: the signal that killed it
inline constexpr char kErrorTimeout[] = "timeout";  // value: the timeout in ms
inline constexpr char kErrorSetup[] = "setup";      // value: errno (0 if none)
// Exec mode: no attach client came in time; value: the wait in ms. The runtime was
// never run.
inline constexpr char kErrorNoClient[] = "no-client";

// Bounds the runtime's error output carried in a failure report.
inline constexpr std::size_t kMaxErrorMessage = 4096;

// Control socket (SOCK_SEQPACKET): one request packet, one reply packet, then close.
//   "reopen"            close and reopen the log file (an error in exec mode)
//   "resize <w> <h>"    TIOCSWINSZ on the pty master (columns, rows)
// Reply: "ok" or "error <message>".
inline constexpr char kCtlReopen[] = "reopen";
inline constexpr char kCtlResize[] = "resize";
inline constexpr char kReplyOk[] = "ok";
inline constexpr char kReplyError[] = "error";
inline constexpr std::size_t kMaxControlPacket = 256;

// Attach socket (SOCK_SEQPACKET, as conmon's): each packet to the client is one tag
// byte then at most kAttachDataMax bytes of output; CRI-O's reader uses 8192+1 bytes.
// Packets from the client are raw stdin bytes, at most kAttachDataMax each (the
// monitor's receive buffer; a longer packet would be cut). A zero-length packet
// cannot be told from EOF, so the client never sends one.
//
// End of stdin: the client shuts down its sending side (shutdown(SHUT_WR)); it keeps
// reading. The monitor then closes the process's stdin pipe, so the process reads EOF
// (a container only with --stdin-once; an exec session always). A terminal has no
// end of input other than what the client types (^D), so there it changes nothing.
//
// Leaving: the client closes the socket (or shuts down both directions). A container
// goes on; an exec session's process (and its process group) is killed with SIGKILL,
// so that a dropped kubectl connection or a dead daemon leaves no shell behind.
//
// Output to a container's clients is best effort: a client too slow to take a packet
// loses it (the log has everything). The one client of an exec session is sent every
// packet: when it is slow, the monitor stops reading the process's output.
//
// End: a container's monitor closes the connection after the init's last output. An
// exec monitor first writes the exit file, then sends one kAttachExit packet whose
// data is the exit status in decimal ASCII ("0", "7", "137": 128 + signal), then
// closes. An exec session that ends without that packet was killed or failed.
inline constexpr char kAttachStdout = 2;
inline constexpr char kAttachStderr = 3;
inline constexpr char kAttachExit = 4;
inline constexpr std::size_t kAttachDataMax = 8192;

}  // namespace crio::monitor::protocol
