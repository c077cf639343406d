#pragma once

// One function per crioctl subcommand; each file adds its subcommand to the app.

#include <CLI/CLI.hpp>

#include "client.h"

namespace crio::ctl {

/// Where a subcommand reports its outcome: main() returns it as the exit code.
struct CommandResult {
  int exit_code = 0;
};

void AddVersionCommand(CLI::App& app, const Globals& globals, CommandResult& result);
void AddInfoCommand(CLI::App& app, const Globals& globals, CommandResult& result);

}  // namespace crio::ctl
