// crioctl exec and attach. exec streams the command through the runtime's streaming
// server (the URL the Exec RPC returns), as crictl does, and exits with its exit code;
// -s (or --timeout, which only ExecSync carries) runs it with ExecSync instead. attach
// joins a container's own stdio through the URL of the Attach RPC. Both reach the
// server over SPDY or a WebSocket (-r, --transport).

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "crio/common/status.h"
#include "runtime_util.h"
#include "stream_client.h"
#include "terminal.h"

namespace crio::ctl {
namespace {

// Runs the session of an Exec or Attach URL. With -t and stdin a terminal, the remote
// terminal gets its size (at the start and on each SIGWINCH), and when stdin is
// forwarded too (-i) the local terminal goes raw until the session ends, so that every
// key reaches the remote terminal; Ctrl-P Ctrl-Q then detaches. A -t without a local
// terminal still gives the command a terminal, without either.
absl::StatusOr<RemoteCommandResult> StreamSession(const std::string& url, bool interactive,
                                                  bool tty, StreamTransport transport,
                                                  const Streams& io) {
  RemoteCommandOptions options;
  options.transport = transport;
  options.stdin = interactive;
  options.tty = tty;
  options.stdin_fd = io.in_fd;
  options.out = io.out;
  options.err = io.err;
  options.handle_signals = io.take_signals;
  std::unique_ptr<RawTerminal> raw;
  if (tty && IsTerminal(io.in_fd)) {
    const int fd = io.in_fd;
    options.terminal_size = [fd] { return TerminalSizeOf(fd); };
    if (interactive) {
      io.out->flush();
      ASSIGN_OR_RETURN(raw, RawTerminal::Enter(fd));
      options.detach_keys = true;
    }
  }
  // `raw` restores the terminal on return, before the caller prints any error.
  return RunRemoteCommand(url, options);
}

absl::Status ExecSync(Client& client, const Globals& globals, const std::string& id,
                      const std::string& name, const std::vector<std::string>& cmd,
                      std::int64_t timeout, const Streams& io, CommandResult& result) {
  runtime::v1::ExecSyncRequest request;
  request.set_container_id(id);
  for (const std::string& arg : cmd) request.add_cmd(arg);
  request.set_timeout(timeout);
  runtime::v1::ExecSyncResponse response;
  auto context = client.NewContext();
  // The runtime enforces the command's timeout; the call may take that long plus -t.
  // Without a timeout the command may run as long as it likes.
  context->set_deadline(
      timeout > 0 ? std::chrono::system_clock::now() + std::chrono::seconds(timeout) +
                        std::chrono::milliseconds(static_cast<long>(globals.timeout_seconds * 1000))
                  : std::chrono::system_clock::time_point::max());
  const grpc::Status status = client.runtime().ExecSync(context.get(), request, &response);
  if (!status.ok()) {
    return RpcFailure(absl::StrCat("execing command in container ", name, " synchronously").c_str(),
                      status);
  }
  io.out->write(response.stdout().data(), static_cast<std::streamsize>(response.stdout().size()));
  io.err->write(response.stderr().data(), static_cast<std::streamsize>(response.stderr().size()));
  io.out->flush();
  io.err->flush();
  result.exit_code = response.exit_code();
  return absl::OkStatus();
}

}  // namespace

void AddTransportOption(CLI::App& cmd, StreamTransport& transport) {
  cmd.add_option_function<std::string>(
         "-r,--transport",
         [&transport](const std::string& name) {
           transport = ParseStreamTransport(name).value_or(StreamTransport::kSpdy);
         },
         "How to reach the streaming server: spdy (default) or websocket")
      ->type_name("TRANSPORT")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            const absl::StatusOr<StreamTransport> parsed = ParseStreamTransport(name);
            return parsed.ok() ? std::string() : std::string(parsed.status().message());
          },
          "spdy|websocket"));
}

void AddExecCommand(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("exec", "Run a command in a running container");
  struct Options {
    bool sync = false;
    std::int64_t timeout = 0;
    bool tty = false;
    bool interactive = false;
    StreamTransport transport = StreamTransport::kSpdy;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_flag("-s,--sync", opts->sync, "Run the command synchronously (ExecSync)");
  cmd->add_option("--timeout", opts->timeout,
                  "Timeout in seconds (0: none); runs the command synchronously");
  cmd->add_flag("-t,--tty", opts->tty, "Allocate a pseudo-TTY");
  cmd->add_flag("-i,--interactive", opts->interactive, "Keep STDIN open");
  AddTransportOption(*cmd, opts->transport);
  // Everything from the container id on is the id and the command with its own flags,
  // as in crictl ("exec ID ls -l"): flags of exec come before the id.
  cmd->prefix_command();
  cmd->footer(
      "Arguments: CONTAINER-ID COMMAND [ARG...], after the options; the command's own flags\n"
      "need no \"--\" (crioctl exec ID ls -l). Exits with the command's exit code.\n"
      "The command streams through the runtime's streaming server; -s (or --timeout) runs it\n"
      "with ExecSync. With -it on a terminal, Ctrl-P Ctrl-Q detaches.");
  cmd->callback([&globals, &result, io, opts, cmd] {
    Run(io, result, [&]() -> absl::Status {
      std::vector<std::string> args = cmd->remaining();
      if (!args.empty() && args.front() == "--") args.erase(args.begin());
      if (args.size() >= 2 && args[1] == "--") args.erase(args.begin() + 1);
      if (args.size() < 2) {
        return absl::InvalidArgumentError("exec needs a CONTAINER-ID and a COMMAND");
      }
      const bool streams_stdio = opts->tty || opts->interactive;
      if (opts->sync && streams_stdio) {
        return absl::InvalidArgumentError(
            "-s runs the command without stdin or a terminal: it cannot be combined with -i "
            "or -t");
      }
      if (opts->timeout > 0 && streams_stdio) {
        return absl::InvalidArgumentError(
            "--timeout applies to synchronous exec only; -i and -t stream the command");
      }
      const std::vector<std::string> command(args.begin() + 1, args.end());
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, args.front()));
      if (opts->sync || opts->timeout > 0) {
        return ExecSync(client, globals, id, args.front(), command, opts->timeout, io, result);
      }

      runtime::v1::ExecRequest request;
      request.set_container_id(id);
      for (const std::string& arg : command) request.add_cmd(arg);
      request.set_tty(opts->tty);
      request.set_stdin(opts->interactive);
      request.set_stdout(true);
      request.set_stderr(!opts->tty);
      runtime::v1::ExecResponse response;
      auto context = client.NewContext();
      const grpc::Status status = client.runtime().Exec(context.get(), request, &response);
      const std::string what = absl::StrCat("execing command in container ", args.front());
      if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED && !streams_stdio) {
        // A runtime without a streaming server still runs a command that needs neither
        // stdin nor a terminal; the output then comes at the end.
        return ExecSync(client, globals, id, args.front(), command, 0, io, result);
      }
      if (!status.ok()) return RpcFailure(what.c_str(), status);
      absl::StatusOr<RemoteCommandResult> ended =
          StreamSession(response.url(), opts->interactive, opts->tty, opts->transport, io);
      if (!ended.ok()) return Annotate(ended.status(), what);
      result.exit_code = ended->exit_code;
      return absl::OkStatus();
    });
  });
}

void AddAttachCommand(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("attach", "Attach to a running container");
  struct Options {
    std::string id;
    bool tty = false;
    bool interactive = false;
    StreamTransport transport = StreamTransport::kSpdy;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_flag("-t,--tty", opts->tty, "Allocate a pseudo-TTY (the container must have one)");
  cmd->add_flag("-i,--stdin,--interactive", opts->interactive, "Keep STDIN open");
  AddTransportOption(*cmd, opts->transport);
  cmd->add_option("CONTAINER-ID", opts->id, "The container (or a unique id prefix)")->required();
  cmd->footer(
      "Connects to the container's own stdio until it ends; with -it on a terminal,\n"
      "Ctrl-P Ctrl-Q detaches.");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, opts->id));
      runtime::v1::AttachRequest request;
      request.set_container_id(id);
      request.set_tty(opts->tty);
      request.set_stdin(opts->interactive);
      request.set_stdout(true);
      request.set_stderr(!opts->tty);
      runtime::v1::AttachResponse response;
      auto context = client.NewContext();
      const grpc::Status status = client.runtime().Attach(context.get(), request, &response);
      const std::string what = absl::StrCat("attaching to container ", opts->id);
      if (!status.ok()) return RpcFailure(what.c_str(), status);
      absl::StatusOr<RemoteCommandResult> ended =
          StreamSession(response.url(), opts->interactive, opts->tty, opts->transport, io);
      if (!ended.ok()) return Annotate(ended.status(), what);
      result.exit_code = ended->exit_code;
      return absl::OkStatus();
    });
  });
}

}  // namespace crio::ctl
