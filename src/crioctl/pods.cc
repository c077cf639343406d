// crioctl runp / stopp / rmp / pods / inspectp, shaped like crictl's.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "commands.h"
#include "config_file.h"
#include "display.h"
#include "output.h"
#include "runtime_util.h"

namespace crio::ctl {
namespace {

namespace v1 = ::runtime::v1;

absl::Status StopPod(Client& client, const Globals& globals, const std::string& id,
                     const std::string& shown, std::ostream& out) {
  v1::StopPodSandboxRequest request;
  request.set_pod_sandbox_id(id);
  v1::StopPodSandboxResponse response;
  const grpc::Status status = client.runtime().StopPodSandbox(
      ContextAtLeast(globals, kLifecycleTimeout).get(), request, &response);
  if (!status.ok()) {
    return RpcFailure(absl::StrCat("stopping the pod sandbox ", Quoted(shown)).c_str(), status);
  }
  out << "Stopped sandbox " << shown << "\n";
  return absl::OkStatus();
}

void AddRunp(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("runp", "Run a new pod");
  struct Options {
    std::string config;
    std::string runtime;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("pod-config", opts->config, "Pod config file (.json or .yaml)")->required();
  cmd->add_option("-r,--runtime", opts->runtime,
                  "Runtime handler to use. Available options are defined by the container "
                  "runtime.");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      auto config = LoadPodSandboxConfig(opts->config);
      if (!config.ok()) return Annotate(config.status(), "load podSandboxConfig");
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      v1::RunPodSandboxRequest request;
      *request.mutable_config() = *std::move(config);
      request.set_runtime_handler(opts->runtime);
      v1::RunPodSandboxResponse response;
      const grpc::Status status = client.runtime().RunPodSandbox(
          ContextAtLeast(globals, kLifecycleTimeout).get(), request, &response);
      if (!status.ok()) return RpcFailure("run pod sandbox", status);
      *io.out << response.pod_sandbox_id() << "\n";
      return absl::OkStatus();
    });
  });
}

void AddStopp(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("stopp", "Stop one or more running pods");
  auto ids = std::make_shared<std::vector<std::string>>();
  cmd->add_option("POD-ID", *ids, "Pod ids or unique id prefixes")->required();
  cmd->callback([&globals, &result, io, ids] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      for (const auto& given : *ids) {
        ASSIGN_OR_RETURN(const std::string id, ResolvePodId(client, given));
        RETURN_IF_ERROR(StopPod(client, globals, id, given, *io.out));
      }
      return absl::OkStatus();
    });
  });
}

void AddRmp(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("rmp", "Remove one or more pods");
  struct Options {
    std::vector<std::string> ids;
    bool force = false;
    bool all = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("POD-ID", opts->ids, "Pod ids or unique id prefixes");
  cmd->add_flag("-f,--force", opts->force,
                "Force removal of the pod sandbox, disregarding if running");
  cmd->add_flag("-a,--all", opts->all, "Remove all pods");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      std::vector<std::pair<std::string, std::string>> targets;  // {id, as given}
      if (opts->all) {
        v1::ListPodSandboxResponse response;
        const grpc::Status status =
            client.runtime().ListPodSandbox(client.NewContext().get(), {}, &response);
        if (!status.ok()) return RpcFailure("listing pod sandboxes", status);
        for (const auto& pod : response.items()) targets.emplace_back(pod.id(), pod.id());
        if (targets.empty()) {
          *io.err << "No pods to remove\n";
          return absl::OkStatus();
        }
      } else {
        if (opts->ids.empty()) {
          return absl::InvalidArgumentError("rmp needs at least one POD-ID, or --all");
        }
        for (const auto& given : opts->ids) {
          ASSIGN_OR_RETURN(const std::string id, ResolvePodId(client, given));
          targets.emplace_back(id, given);
        }
      }
      std::vector<absl::Status> errors;
      for (const auto& [id, shown] : targets) {
        const absl::Status removed = [&]() -> absl::Status {
          v1::PodSandboxStatusRequest status_request;
          status_request.set_pod_sandbox_id(id);
          v1::PodSandboxStatusResponse status_response;
          const grpc::Status status = client.runtime().PodSandboxStatus(
              client.NewContext().get(), status_request, &status_response);
          if (!status.ok()) {
            return RpcFailure(absl::StrCat("getting sandbox status of pod ", Quoted(shown)).c_str(),
                              status);
          }
          if (status_response.status().state() == v1::SANDBOX_READY) {
            if (!opts->force) {
              return absl::FailedPreconditionError(
                  absl::StrCat("pod sandbox ", Quoted(shown), " is running, please stop it first"));
            }
            RETURN_IF_ERROR(StopPod(client, globals, id, shown, *io.out));
          }
          v1::RemovePodSandboxRequest request;
          request.set_pod_sandbox_id(id);
          v1::RemovePodSandboxResponse response;
          const grpc::Status removal = client.runtime().RemovePodSandbox(
              ContextAtLeast(globals, kLifecycleTimeout).get(), request, &response);
          if (!removal.ok()) {
            return RpcFailure(absl::StrCat("removing the pod sandbox ", Quoted(shown)).c_str(),
                              removal);
          }
          *io.out << "Removed sandbox " << shown << "\n";
          return absl::OkStatus();
        }();
        if (!removed.ok()) errors.push_back(removed);
      }
      return Aggregate(errors);
    });
  });
}

void AddPods(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("pods", "List pods");
  struct Options {
    std::string id;
    std::string name;
    std::string name_space;
    std::string state;
    std::vector<std::string> labels;
    bool verbose = false;
    bool quiet = false;
    std::string output;
    bool latest = false;
    int last = 0;
    bool no_trunc = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("--id", opts->id, "Filter by pod id (or id prefix)");
  cmd->add_option("--name", opts->name, "Filter by pod name regular expression pattern");
  cmd->add_option("--namespace", opts->name_space,
                  "Filter by pod namespace regular expression pattern");
  cmd->add_option("-s,--state", opts->state, "Filter by pod state: ready or notready");
  cmd->add_option("--label", opts->labels, "Filter by key=value label (repeatable)");
  cmd->add_flag("-v,--verbose", opts->verbose, "Show verbose info for pods");
  cmd->add_flag("-q,--quiet", opts->quiet, "List only pod IDs");
  cmd->add_option("-o,--output", opts->output, "Output format, One of: json|yaml|table");
  cmd->add_flag("-l,--latest", opts->latest, "Show the most recently created pod");
  cmd->add_option("-n,--last", opts->last,
                  "Show last n recently created pods. Set 0 for unlimited");
  cmd->add_flag("--no-trunc", opts->no_trunc, "Show output without truncating the ID");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format,
                       ParseOutputFormat(opts->output, OutputFormat::kTable));
      ASSIGN_OR_RETURN(const auto labels, ParseLabels(opts->labels));
      ASSIGN_OR_RETURN(const auto name_filter, NameFilter::Compile(opts->name, "--name"));
      ASSIGN_OR_RETURN(const auto namespace_filter,
                       NameFilter::Compile(opts->name_space, "--namespace"));
      v1::ListPodSandboxRequest request;
      if (!opts->state.empty()) {
        const std::string state = absl::AsciiStrToLower(opts->state);
        if (state == "ready") {
          request.mutable_filter()->mutable_state()->set_state(v1::SANDBOX_READY);
        } else if (state == "notready") {
          request.mutable_filter()->mutable_state()->set_state(v1::SANDBOX_NOTREADY);
        } else {
          return absl::InvalidArgumentError("--state should be ready or notready");
        }
      }
      for (const auto& [key, value] : labels) {
        (*request.mutable_filter()->mutable_label_selector())[key] = value;
      }
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      v1::ListPodSandboxResponse response;
      const grpc::Status status =
          client.runtime().ListPodSandbox(client.NewContext().get(), request, &response);
      if (!status.ok()) return RpcFailure("listing pod sandboxes", status);

      std::vector<const v1::PodSandbox*> pods;
      for (const auto& pod : response.items()) {
        // The id filter is applied here, as a prefix, since not every runtime takes
        // prefixes in PodSandboxFilter.id.
        if (pod.id().rfind(opts->id, 0) != 0) continue;
        if (!name_filter.Matches(pod.metadata().name())) continue;
        if (!namespace_filter.Matches(pod.metadata().namespace_())) continue;
        pods.push_back(&pod);
      }
      std::stable_sort(pods.begin(), pods.end(), [](const auto* a, const auto* b) {
        return a->created_at() > b->created_at();
      });
      pods.resize(KeepCount(pods.size(), opts->latest, opts->last));

      if (format != OutputFormat::kTable) {
        v1::ListPodSandboxResponse shown;
        for (const auto* pod : pods) *shown.add_items() = *pod;
        *io.out << Render(MessageToJson(shown), format);
        return absl::OkStatus();
      }
      const auto now = std::chrono::system_clock::now();
      Table table;
      if (!opts->verbose && !opts->quiet) {
        table.AddRow({"POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"});
      }
      for (const auto* pod : pods) {
        const std::string handler =
            pod->runtime_handler().empty() ? "(default)" : pod->runtime_handler();
        if (opts->quiet) {
          *io.out << pod->id() << "\n";
          continue;
        }
        if (!opts->verbose) {
          table.AddRow({opts->no_trunc ? pod->id() : TruncateId(pod->id()),
                        CreatedAgo(pod->created_at(), now), PodStateName(pod->state()),
                        pod->metadata().name(), pod->metadata().namespace_(),
                        absl::StrCat(pod->metadata().attempt()), handler});
          continue;
        }
        *io.out << "ID: " << pod->id() << "\n";
        if (pod->has_metadata()) {
          const auto& meta = pod->metadata();
          if (!meta.name().empty()) *io.out << "Name: " << meta.name() << "\n";
          if (!meta.uid().empty()) *io.out << "UID: " << meta.uid() << "\n";
          if (!meta.namespace_().empty()) *io.out << "Namespace: " << meta.namespace_() << "\n";
          if (meta.attempt() != 0) *io.out << "Attempt: " << meta.attempt() << "\n";
        }
        *io.out << "Status: " << PodStateName(pod->state()) << "\n"
                << "Created: " << GoTimeString(pod->created_at()) << "\n"
                << KeyValueLines("Labels", pod->labels())
                << KeyValueLines("Annotations", pod->annotations()) << "Runtime: " << handler
                << "\n\n";
      }
      *io.out << table.Render();
      return absl::OkStatus();
    });
  });
}

void AddInspectp(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("inspectp", "Display the status of one or more pods");
  struct Options {
    std::vector<std::string> ids;
    std::string output;
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("POD-ID", opts->ids, "Pod ids or unique id prefixes")->required();
  cmd->add_option("-o,--output", opts->output, "Output format, One of: json|yaml|table");
  cmd->add_flag("-q,--quiet", opts->quiet, "Do not show verbose information");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format,
                       ParseOutputFormat(opts->output, OutputFormat::kJson));
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      std::vector<nlohmann::json> entries;
      for (const auto& given : opts->ids) {
        ASSIGN_OR_RETURN(const std::string id, ResolvePodId(client, given));
        v1::PodSandboxStatusRequest request;
        request.set_pod_sandbox_id(id);
        request.set_verbose(!opts->quiet);
        v1::PodSandboxStatusResponse response;
        const grpc::Status status =
            client.runtime().PodSandboxStatus(client.NewContext().get(), request, &response);
        if (!status.ok()) {
          return Annotate(RpcFailure("get pod sandbox status", status),
                          "get the status of pod sandboxes");
        }
        const v1::PodSandboxStatus& pod = response.status();
        if (format == OutputFormat::kTable) {
          *io.out << "ID: " << pod.id() << "\n";
          if (pod.has_metadata()) {
            const auto& meta = pod.metadata();
            if (!meta.name().empty()) *io.out << "Name: " << meta.name() << "\n";
            if (!meta.uid().empty()) *io.out << "UID: " << meta.uid() << "\n";
            if (!meta.namespace_().empty()) *io.out << "Namespace: " << meta.namespace_() << "\n";
            *io.out << "Attempt: " << meta.attempt() << "\n";
          }
          *io.out << "Status: " << v1::PodSandboxState_Name(pod.state()) << "\n"
                  << "Created: " << GoTimeString(pod.created_at()) << "\n";
          if (pod.has_network()) {
            *io.out << "IP Addresses: " << pod.network().ip() << "\n";
            for (const auto& ip : pod.network().additional_ips()) {
              *io.out << "Additional IP: " << ip.ip() << "\n";
            }
          }
          *io.out << KeyValueLines("Labels", pod.labels())
                  << KeyValueLines("Annotations", pod.annotations());
          if (!opts->quiet) *io.out << "Info: " << GoMapString(response.info()) << "\n";
          continue;
        }
        nlohmann::json shown = StatusJson(pod);
        shown["createdAt"] = FormatUnixNanos(pod.created_at());
        entries.push_back(InspectEntry(std::move(shown), response.info()));
      }
      *io.out << RenderInspect(entries, format == OutputFormat::kYaml);
      return absl::OkStatus();
    });
  });
}

}  // namespace

void AddPodCommands(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  AddRunp(app, globals, result, io);
  AddStopp(app, globals, result, io);
  AddRmp(app, globals, result, io);
  AddPods(app, globals, result, io);
  AddInspectp(app, globals, result, io);
}

}  // namespace crio::ctl
