// crioctl info: the runtime's Status (verbose) as `crictl info` prints it: the status
// and handlers first, then each verbose info entry decoded from its JSON.

#include <iostream>

#include "commands.h"
#include "output.h"

namespace crio::ctl {

void AddInfoCommand(CLI::App& app, const Globals& globals, CommandResult& result) {
  CLI::App* cmd = app.add_subcommand("info", "Display information of the container runtime");
  auto output = std::make_shared<std::string>();
  cmd->add_option("-o,--output", *output, "Output format: json (default) or yaml");
  cmd->callback([&globals, &result, output] {
    RunBody(result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format, ParseOutputFormat(*output, OutputFormat::kJson));
      if (format == OutputFormat::kTable) {
        return absl::InvalidArgumentError("info prints json or yaml, not a table");
      }
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      runtime::v1::StatusRequest request;
      request.set_verbose(true);
      runtime::v1::StatusResponse response;
      const grpc::Status status =
          client.runtime().Status(client.NewContext().get(), request, &response);
      if (!status.ok()) return RpcFailure("getting status of runtime", status);
      const nlohmann::ordered_json whole = MessageToJson(response);
      nlohmann::ordered_json shown = nlohmann::ordered_json::object();
      shown["status"] = whole.value("status", nlohmann::ordered_json::object());
      shown["runtimeHandlers"] = whole.value("runtimeHandlers", nlohmann::ordered_json::array());
      shown["features"] = whole.value("features", nlohmann::ordered_json::object());
      for (const auto& [key, text] : response.info()) {
        auto parsed = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
        shown[key] = parsed.is_discarded() ? nlohmann::ordered_json(text) : parsed;
      }
      std::cout << Render(shown, format);
      return absl::OkStatus();
    });
  });
}

}  // namespace crio::ctl
