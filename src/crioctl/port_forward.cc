// crioctl port-forward POD [LOCAL_PORT:]REMOTE_PORT...: local listeners, and for each
// connection a PortForward RPC (a URL is good for one connection) and a connection to
// the streaming server (SPDY, or a WebSocket with -r websocket). Runs until Ctrl-C.

#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "crio/common/status.h"
#include "port_forwarder.h"
#include "runtime_util.h"

namespace crio::ctl {

void AddPortForwardCommand(CLI::App& app, const Globals& globals, CommandResult& result,
                           Streams io) {
  CLI::App* cmd = app.add_subcommand("port-forward", "Forward local port to a pod");
  struct Options {
    std::string pod;
    std::vector<std::string> ports;
    StreamTransport transport = StreamTransport::kSpdy;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("POD-ID", opts->pod, "The pod (or a unique id prefix)")->required();
  cmd->add_option("PORTS", opts->ports,
                  "[LOCAL_PORT:]REMOTE_PORT: 8080 (8080 to 8080), 8080:80, :80 (a free port)")
      ->required();
  AddTransportOption(*cmd, opts->transport);
  cmd->footer(
      "Listens on 127.0.0.1 and prints \"Forwarding from 127.0.0.1:LOCAL -> REMOTE\" per\n"
      "port; each connection reaches 127.0.0.1:REMOTE inside the pod. Ctrl-C ends it.");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(std::vector<PortMapping> mappings, ParsePortMappings(opts->ports));
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      ASSIGN_OR_RETURN(const std::string pod_id, ResolvePodId(client, opts->pod));
      PortForwardOptions options;
      options.ports = std::move(mappings);
      options.transport = opts->transport;
      options.out = io.out;
      options.err = io.err;
      options.handle_signals = io.take_signals;
      // Called on the forwarder's threads; the stub is thread-safe and `client`
      // outlives the forwarder.
      options.url_for = [&client, pod_id](std::uint16_t port) -> absl::StatusOr<std::string> {
        runtime::v1::PortForwardRequest request;
        request.set_pod_sandbox_id(pod_id);
        request.add_port(port);
        runtime::v1::PortForwardResponse response;
        auto context = client.NewContext();
        const grpc::Status status = client.runtime().PortForward(context.get(), request, &response);
        if (!status.ok()) return RpcFailure("port forward", status);
        return response.url();
      };
      ASSIGN_OR_RETURN(std::unique_ptr<PortForwarder> forwarder,
                       PortForwarder::Listen(std::move(options)));
      return forwarder->Run();
    });
  });
}

}  // namespace crio::ctl
