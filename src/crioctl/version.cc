// crioctl version: the runtime's Version answer, as `crictl version` prints it.

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "output.h"

namespace crio::ctl {

void AddVersionCommand(CLI::App& app, const Globals& globals, CommandResult& result) {
  CLI::App* cmd = app.add_subcommand("version", "Display runtime version information");
  auto output = std::make_shared<std::string>();
  cmd->add_option("-o,--output", *output, "Output format: json, yaml or table (default)");
  cmd->callback([&globals, &result, output] {
    RunBody(result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format, ParseOutputFormat(*output, OutputFormat::kTable));
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      runtime::v1::VersionRequest request;
      request.set_version("0.1.0");
      runtime::v1::VersionResponse response;
      const grpc::Status status =
          client.runtime().Version(client.NewContext().get(), request, &response);
      if (!status.ok()) return RpcFailure("getting the runtime version", status);
      if (format == OutputFormat::kTable) {
        std::printf("Version:  %s\n", response.version().c_str());
        std::printf("RuntimeName:  %s\n", response.runtime_name().c_str());
        std::printf("RuntimeVersion:  %s\n", response.runtime_version().c_str());
        std::printf("RuntimeApiVersion:  %s\n", response.runtime_api_version().c_str());
        return absl::OkStatus();
      }
      std::cout << Render(MessageToJson(response), format);
      return absl::OkStatus();
    });
  });
}

}  // namespace crio::ctl
