#pragma once

// One function per crioctl subcommand; each file adds its subcommand to the app.

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <ostream>

#include "absl/status/status.h"
#include "client.h"
#include "crio/common/status.h"
#include "stream_client.h"

namespace crio::ctl {

/// Where a subcommand reports its outcome: main() returns it as the exit code.
struct CommandResult {
  int exit_code = 0;
};

/// Runs a subcommand's body: an error is printed to stderr and makes the exit code 1.
void RunBody(CommandResult& result, const std::function<absl::Status()>& body);

/// A failed RPC as an error whose message reads like crictl's
/// ("getting status of runtime: rpc error: code = Unavailable desc = ...").
absl::Status RpcFailure(const char* what, const grpc::Status& status);

/// Where the pod and container commands write (the process's stdout and stderr, or
/// buffers in tests), and what exec, attach and port-forward read and react to.
struct Streams {
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
  int in_fd = 0;  ///< stdin of exec -i and attach -i
  /// exec, attach and port-forward take SIGINT, SIGTERM, SIGHUP (and SIGWINCH) while
  /// they run; tests turn this off.
  bool take_signals = true;
};

/// Adds crictl's "-r, --transport spdy|websocket" (default spdy) to a streaming command;
/// any other value is a usage error.
void AddTransportOption(CLI::App& cmd, StreamTransport& transport);

void AddVersionCommand(CLI::App& app, const Globals& globals, CommandResult& result);
void AddInfoCommand(CLI::App& app, const Globals& globals, CommandResult& result);
/// pull, images, inspecti, rmi, imagefsinfo.
void AddImageCommands(CLI::App& app, const Globals& globals, CommandResult& result);
/// runp, stopp, rmp, pods, inspectp.
void AddPodCommands(CLI::App& app, const Globals& globals, CommandResult& result, Streams io = {});
/// create, start, stop, rm, ps, inspect, update.
void AddContainerCommands(CLI::App& app, const Globals& globals, CommandResult& result,
                          Streams io = {});
/// logs (reads the container's CRI log file on this node).
void AddLogsCommand(CLI::App& app, const Globals& globals, CommandResult& result, Streams io = {});
/// exec (Exec through the streaming server, or ExecSync) and attach.
void AddExecCommand(CLI::App& app, const Globals& globals, CommandResult& result, Streams io = {});
void AddAttachCommand(CLI::App& app, const Globals& globals, CommandResult& result,
                      Streams io = {});
/// port-forward.
void AddPortForwardCommand(CLI::App& app, const Globals& globals, CommandResult& result,
                           Streams io = {});

}  // namespace crio::ctl
