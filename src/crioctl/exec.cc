// crioctl exec: runs a command in a container through ExecSync and exits with its exit
// code. Interactive exec (-i/-t) needs the streaming server, which does not exist yet.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "runtime_util.h"

namespace crio::ctl {

void AddExecCommand(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("exec", "Run a command in a running container");
  struct Options {
    bool sync = false;
    std::int64_t timeout = 0;
    bool tty = false;
    bool interactive = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_flag("-s,--sync", opts->sync,
                "Run the command synchronously (the only mode for now; implied)");
  cmd->add_option("--timeout", opts->timeout, "Timeout in seconds (0: none)");
  cmd->add_flag("-t,--tty", opts->tty, "Allocate a pseudo-TTY (needs the streaming server)");
  cmd->add_flag("-i,--interactive", opts->interactive,
                "Keep STDIN open (needs the streaming server)");
  // Everything from the container id on is the id and the command with its own flags,
  // as in crictl ("exec ID ls -l"): flags of exec come before the id.
  cmd->prefix_command();
  cmd->footer(
      "Arguments: CONTAINER-ID COMMAND [ARG...], after the options; the command's own flags\n"
      "need no \"--\" (crioctl exec ID ls -l). Exits with the command's exit code.");
  cmd->callback([&globals, &result, io, opts, cmd] {
    Run(io, result, [&]() -> absl::Status {
      if (opts->tty || opts->interactive) {
        return absl::UnimplementedError(
            "interactive exec needs the streaming server (not yet available)");
      }
      std::vector<std::string> args = cmd->remaining();
      if (!args.empty() && args.front() == "--") args.erase(args.begin());
      if (args.size() >= 2 && args[1] == "--") args.erase(args.begin() + 1);
      if (args.size() < 2) {
        return absl::InvalidArgumentError("exec needs a CONTAINER-ID and a COMMAND");
      }
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, args.front()));
      runtime::v1::ExecSyncRequest request;
      request.set_container_id(id);
      for (auto it = args.begin() + 1; it != args.end(); ++it) request.add_cmd(*it);
      request.set_timeout(opts->timeout);
      runtime::v1::ExecSyncResponse response;
      auto context = client.NewContext();
      // The runtime enforces the command's timeout; the call may take that long plus -t.
      // Without a timeout the command may run as long as it likes.
      context->set_deadline(
          opts->timeout > 0
              ? std::chrono::system_clock::now() + std::chrono::seconds(opts->timeout) +
                    std::chrono::milliseconds(static_cast<long>(globals.timeout_seconds * 1000))
              : std::chrono::system_clock::time_point::max());
      const grpc::Status status = client.runtime().ExecSync(context.get(), request, &response);
      if (!status.ok()) {
        return RpcFailure(
            absl::StrCat("execing command in container ", args.front(), " synchronously").c_str(),
            status);
      }
      io.out->write(response.stdout().data(),
                    static_cast<std::streamsize>(response.stdout().size()));
      io.err->write(response.stderr().data(),
                    static_cast<std::streamsize>(response.stderr().size()));
      io.out->flush();
      io.err->flush();
      result.exit_code = response.exit_code();
      return absl::OkStatus();
    });
  });
}

}  // namespace crio::ctl
