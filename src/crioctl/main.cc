// crioctl: a crictl-shaped client for the CRI socket, for the demo, scripts and tests.

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "commands.h"

namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crioctl: client for CRI runtimes (crictl-compatible subset)"};
  app.require_subcommand(1);
  crio::ctl::Globals globals;
  globals.runtime_endpoint = EnvOr("CONTAINER_RUNTIME_ENDPOINT", "unix:///var/run/crio/crio.sock");
  globals.image_endpoint = EnvOr("IMAGE_SERVICE_ENDPOINT", "");
  app.add_option("-r,--runtime-endpoint", globals.runtime_endpoint,
                 "Endpoint of the CRI container runtime service")
      ->capture_default_str();
  app.add_option("-i,--image-endpoint", globals.image_endpoint,
                 "Endpoint of the CRI image service (default: the runtime endpoint)");
  app.add_option("-t,--timeout", globals.timeout_seconds, "Timeout of each call, in seconds")
      ->capture_default_str();
  app.add_flag("-D,--debug", globals.debug, "Enable debug output");

  crio::ctl::CommandResult result;
  crio::ctl::AddVersionCommand(app, globals, result);
  crio::ctl::AddInfoCommand(app, globals, result);
  crio::ctl::AddImageCommands(app, globals, result);
  crio::ctl::AddPodCommands(app, globals, result);
  crio::ctl::AddContainerCommands(app, globals, result);
  crio::ctl::AddLogsCommand(app, globals, result);
  crio::ctl::AddExecCommand(app, globals, result);
  crio::ctl::AddAttachCommand(app, globals, result);
  crio::ctl::AddPortForwardCommand(app, globals, result);

  CLI11_PARSE(app, argc, argv);
  return result.exit_code;
}
