// crio: the daemon's entry point. Flags and subcommands follow CRI-O's:
//   crio [flags]            serve the CRI
//   crio version [--json]   print build information
//   crio config [--default] print the effective (or the built-in) configuration as TOML

#include <google/protobuf/stubs/common.h>
#include <grpcpp/grpcpp.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "crio/common/log.h"
#include "crio/common/memory.h"
#include "crio/config/config.h"
#include "crio/version.h"
#include "daemon.h"
#include "service_notify.h"

namespace {

using crio::daemon::ConfigSource;

void AddOverride(CLI::App& app, const char* name, std::optional<std::string>& target,
                 const char* help) {
  app.add_option_function<std::string>(
         name, [&target](const std::string& value) { target = value; }, help)
      ->type_name("VALUE");
}

void PrintVersion(bool as_json) {
  const nlohmann::ordered_json info = {
      {"version", crio::kVersion},
      {"gitCommit", crio::kGitCommit},
      {"compiler", "g++ " __VERSION__},
      {"platform", "linux/amd64"},
      {"grpcVersion", grpc::Version()},
      {"protobufVersion", google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION)},
  };
  if (as_json) {
    std::cout << info.dump(2) << "\n";
    return;
  }
  std::printf("%-17s %s\n", "Version:", crio::kVersion);
  std::printf("%-17s %s\n", "GitCommit:", crio::kGitCommit);
  std::printf("%-17s %s\n", "Compiler:", info["compiler"].get<std::string>().c_str());
  std::printf("%-17s %s\n", "Platform:", "linux/amd64");
  std::printf("%-17s %s\n", "GrpcVersion:", grpc::Version().c_str());
  std::printf("%-17s %s\n", "ProtobufVersion:", info["protobufVersion"].get<std::string>().c_str());
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "crio: %s\n", message.c_str());
  return 1;
}

int Serve(const ConfigSource& source, const crio::config::LoadResult& loaded) {
  auto level = crio::log::ParseLevel(loaded.config.runtime.log_level);
  crio::log::Setup(level.ok() ? *level : spdlog::level::info);
  for (const auto& file : loaded.files) spdlog::info("Read configuration file {}", file);
  auto config = crio::daemon::PrepareForHost(loaded);
  if (!config.ok()) {
    spdlog::critical("Invalid configuration: {}", config.status().message());
    return 1;
  }
  // Two arenas are plenty for a daemon that mostly waits; idle, it gives freed pages
  // back within a second.
  crio::memory::LimitArenas(2);
  crio::daemon::TakeNotifySocketFromEnvironment();
  crio::daemon::Daemon daemon(source, *std::move(config));
  if (auto started = daemon.Start(); !started.ok()) {
    spdlog::critical("Cannot start: {}", started.message());
    return 1;
  }
  crio::memory::StartIdleTrim(std::chrono::seconds(1));
  return daemon.Run();
}

}  // namespace

int main(int argc, char** argv) {
  crio::daemon::BlockHandledSignals();

  CLI::App app{"crio: a CRI-O compatible Kubernetes container runtime (CRI v1) daemon"};
  app.set_version_flag("--version", crio::kVersion);
  ConfigSource source;
  app.add_option("-c,--config", source.load.config_file, "Main configuration file")
      ->capture_default_str();
  app.add_option("-d,--config-dir", source.load.config_dir,
                 "Drop-in directory: its *.conf files apply after --config, in lexical order")
      ->capture_default_str();
  auto& flags = source.overrides;
  AddOverride(app, "--listen", flags.listen, "Path of the CRI unix socket");
  AddOverride(app, "-r,--root", flags.root, "Root directory for persistent state");
  AddOverride(app, "--runroot", flags.runroot, "Root directory for state that ends at reboot");
  AddOverride(app, "-l,--log-level", flags.log_level,
              "Log level: trace, debug, info, warn, error, fatal, panic");
  AddOverride(app, "--log-dir", flags.log_dir, "Default directory for container logs");
  AddOverride(app, "--cgroup-manager", flags.cgroup_manager, "cgroupfs or systemd");
  AddOverride(app, "--default-runtime", flags.default_runtime,
              "Runtime handler used when a pod names none");
  app.fallthrough();

  bool version_json = false;
  CLI::App* version_cmd = app.add_subcommand("version", "Print build information");
  version_cmd->add_flag("-j,--json", version_json, "Print as JSON");
  bool config_default = false;
  CLI::App* config_cmd = app.add_subcommand("config", "Print the effective configuration as TOML");
  config_cmd->add_flag("--default", config_default,
                       "Print the built-in defaults instead of the effective configuration");

  CLI11_PARSE(app, argc, argv);

  if (version_cmd->parsed()) {
    PrintVersion(version_json);
    return 0;
  }
  if (config_cmd->parsed() && config_default) {
    std::cout << crio::config::ToToml(crio::config::Config::Defaults());
    return 0;
  }
  auto loaded = crio::config::Load(source.load, source.overrides);
  if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
  if (config_cmd->parsed()) {
    for (const auto& warning : loaded->warnings)
      std::fprintf(stderr, "warning: %s\n", warning.c_str());
    std::cout << crio::config::ToToml(loaded->config);
    return 0;
  }
  return Serve(source, *loaded);
}
