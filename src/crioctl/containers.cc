// crioctl create / start / stop / rm / ps / inspect / update, shaped like crictl's.

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
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

// Go's zero time.Time, which crictl prints for times a container has not reached.
constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";

absl::StatusOr<v1::ContainerStatusResponse> GetContainerStatus(Client& client,
                                                               const std::string& id,
                                                               bool verbose) {
  v1::ContainerStatusRequest request;
  request.set_container_id(id);
  request.set_verbose(verbose);
  v1::ContainerStatusResponse response;
  const grpc::Status status =
      client.runtime().ContainerStatus(client.NewContext().get(), request, &response);
  if (!status.ok()) return RpcFailure("get container status", status);
  return response;
}

absl::Status StopOne(Client& client, const Globals& globals, const std::string& id,
                     const std::string& shown, std::int64_t timeout, std::ostream& out) {
  v1::StopContainerRequest request;
  request.set_container_id(id);
  request.set_timeout(timeout);
  v1::StopContainerResponse response;
  // The runtime waits up to `timeout` before it kills, then reaps: allow for both.
  const grpc::Status status = client.runtime().StopContainer(
      ContextAtLeast(globals,
                     kLifecycleTimeout + std::chrono::seconds(std::max<std::int64_t>(timeout, 0)))
          .get(),
      request, &response);
  if (!status.ok()) {
    return RpcFailure(absl::StrCat("stopping the container ", Quoted(shown)).c_str(), status);
  }
  out << shown << "\n";
  return absl::OkStatus();
}

// The log file and its rotations ("<path>.*"), removed with the container as crictl does.
void RemoveLogFiles(const std::string& log_path, const std::string& shown, std::ostream& err) {
  std::vector<std::string> files;
  glob_t matches{};
  if (::glob((log_path + ".*").c_str(), 0, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  files.push_back(log_path);
  for (const auto& file : files) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
      err << "removing log file " << file << " for container " << Quoted(shown)
          << " failed: " << std::strerror(errno) << "\n";
    }
  }
}

void AddCreate(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("create", "Create a new container");
  struct Options {
    std::string pod;
    std::string container_config;
    std::string pod_config;
    bool no_pull = false;
    bool with_pull = false;
    std::string creds;
    std::string auth;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("POD", opts->pod, "Pod id or unique id prefix")->required();
  cmd->add_option("container-config", opts->container_config, "Container config (.json|.yaml)")
      ->required();
  cmd->add_option("pod-config", opts->pod_config, "Pod config (.json|.yaml)")->required();
  cmd->add_flag("--no-pull", opts->no_pull, "Do not pull the image on container creation");
  cmd->add_flag("--with-pull", opts->with_pull,
                "Pull the image on container creation even when it is present");
  cmd->add_option("--creds", opts->creds, "Use `USERNAME[:PASSWORD]` for accessing the registry");
  cmd->add_option("--auth", opts->auth,
                  "Use `AUTH_STRING` (base64 of USERNAME:PASSWORD) for accessing the registry");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      const absl::Status status = [&]() -> absl::Status {
        if (opts->no_pull && opts->with_pull) {
          return absl::InvalidArgumentError("conflict: no-pull and with-pull are both set");
        }
        ASSIGN_OR_RETURN(v1::ContainerConfig config, LoadContainerConfig(opts->container_config));
        ASSIGN_OR_RETURN(v1::PodSandboxConfig pod_config, LoadPodSandboxConfig(opts->pod_config));
        const std::string image = config.image().image();
        if (image.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(opts->container_config, ": image.image is not set"));
        }
        if (config.image().user_specified_image().empty()) {
          config.mutable_image()->set_user_specified_image(image);
        }
        ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
        ASSIGN_OR_RETURN(const std::string pod_id, ResolvePodId(client, opts->pod));

        if (!opts->no_pull) {
          std::vector<v1::ImageSpec> wanted = {config.image()};
          for (const auto& mount : config.mounts()) {
            if (!mount.image().image().empty()) wanted.push_back(mount.image());
          }
          for (const auto& spec : wanted) {
            if (!opts->with_pull) {
              v1::ImageStatusRequest request;
              *request.mutable_image() = spec;
              v1::ImageStatusResponse response;
              const grpc::Status present =
                  client.image().ImageStatus(client.NewContext().get(), request, &response);
              if (!present.ok()) return RpcFailure("getting image status", present);
              if (response.has_image()) continue;
            }
            *io.err << "Pulling container image: " << spec.image() << "\n";
            v1::PullImageRequest request;
            *request.mutable_image() = spec;
            if (!opts->creds.empty()) {
              const std::size_t colon = opts->creds.find(':');
              request.mutable_auth()->set_username(opts->creds.substr(0, colon));
              if (colon != std::string::npos) {
                request.mutable_auth()->set_password(opts->creds.substr(colon + 1));
              }
            }
            if (!opts->auth.empty()) request.mutable_auth()->set_auth(opts->auth);
            *request.mutable_sandbox_config() = pod_config;
            v1::PullImageResponse response;
            auto context = client.NewContext();
            // A pull takes as long as it takes, as with `crioctl pull`.
            context->set_deadline(std::chrono::system_clock::time_point::max());
            const grpc::Status pulled = client.image().PullImage(context.get(), request, &response);
            if (!pulled.ok()) {
              return RpcFailure(absl::StrCat("pulling image ", spec.image()).c_str(), pulled);
            }
          }
        }

        v1::CreateContainerRequest request;
        request.set_pod_sandbox_id(pod_id);
        *request.mutable_config() = std::move(config);
        *request.mutable_sandbox_config() = std::move(pod_config);
        v1::CreateContainerResponse response;
        const grpc::Status created = client.runtime().CreateContainer(
            ContextAtLeast(globals, kLifecycleTimeout).get(), request, &response);
        if (!created.ok()) return RpcFailure("create container", created);
        *io.out << response.container_id() << "\n";
        return absl::OkStatus();
      }();
      return Annotate(status, "creating container");
    });
  });
}

void AddStart(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("start", "Start one or more created containers");
  auto ids = std::make_shared<std::vector<std::string>>();
  cmd->add_option("CONTAINER-ID", *ids, "Container ids or unique id prefixes")->required();
  cmd->callback([&globals, &result, io, ids] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      for (const auto& given : *ids) {
        ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, given));
        v1::StartContainerRequest request;
        request.set_container_id(id);
        v1::StartContainerResponse response;
        const grpc::Status status = client.runtime().StartContainer(
            ContextAtLeast(globals, kLifecycleTimeout).get(), request, &response);
        if (!status.ok()) {
          return RpcFailure(absl::StrCat("starting the container ", Quoted(given)).c_str(), status);
        }
        *io.out << given << "\n";
      }
      return absl::OkStatus();
    });
  });
}

void AddStop(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("stop", "Stop one or more running containers");
  struct Options {
    std::vector<std::string> ids;
    std::int64_t timeout = 0;
    bool all = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("CONTAINER-ID", opts->ids, "Container ids or unique id prefixes");
  cmd->add_option("-t,--timeout", opts->timeout,
                  "Seconds to wait to kill the container after a graceful stop is requested");
  cmd->add_flag("-a,--all", opts->all, "Stop all running containers");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      if (opts->all && !opts->ids.empty()) {
        return absl::InvalidArgumentError("cannot specify CONTAINER-ID(s) when using --all");
      }
      if (!opts->all && opts->ids.empty()) {
        return absl::InvalidArgumentError(
            "you must specify at least one CONTAINER-ID or use --all");
      }
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      std::vector<std::pair<std::string, std::string>> targets;  // {id, as given}
      if (opts->all) {
        v1::ListContainersRequest request;
        request.mutable_filter()->mutable_state()->set_state(v1::CONTAINER_RUNNING);
        v1::ListContainersResponse response;
        const grpc::Status status =
            client.runtime().ListContainers(client.NewContext().get(), request, &response);
        if (!status.ok()) return RpcFailure("listing containers", status);
        for (const auto& container : response.containers()) {
          targets.emplace_back(container.id(), container.id());
        }
        if (targets.empty()) {
          *io.out << "No running containers found.\n";
          return absl::OkStatus();
        }
      } else {
        for (const auto& given : opts->ids) {
          ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, given));
          targets.emplace_back(id, given);
        }
      }
      for (const auto& [id, shown] : targets) {
        RETURN_IF_ERROR(StopOne(client, globals, id, shown, opts->timeout, *io.out));
      }
      return absl::OkStatus();
    });
  });
}

void AddRm(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("rm", "Remove one or more containers");
  struct Options {
    std::vector<std::string> ids;
    bool force = false;
    bool keep_logs = false;
    bool all = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("CONTAINER-ID", opts->ids, "Container ids or unique id prefixes");
  cmd->add_flag("-f,--force", opts->force,
                "Force removal of the container, disregarding if running");
  cmd->add_flag("-k,--keep-logs", opts->keep_logs,
                "Preserve the container log file and its rotations");
  cmd->add_flag("-a,--all", opts->all, "Remove all containers");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      std::vector<std::pair<std::string, std::string>> targets;  // {id, as given}
      if (opts->all) {
        v1::ListContainersResponse response;
        const grpc::Status status =
            client.runtime().ListContainers(client.NewContext().get(), {}, &response);
        if (!status.ok()) return RpcFailure("listing containers", status);
        for (const auto& container : response.containers()) {
          targets.emplace_back(container.id(), container.id());
        }
        if (targets.empty()) {
          *io.err << "No containers to remove\n";
          return absl::OkStatus();
        }
      } else {
        if (opts->ids.empty()) {
          return absl::InvalidArgumentError("rm needs at least one CONTAINER-ID, or --all");
        }
        for (const auto& given : opts->ids) {
          ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, given));
          targets.emplace_back(id, given);
        }
      }
      std::vector<absl::Status> errors;
      for (const auto& [id, shown] : targets) {
        const absl::Status removed = [&]() -> absl::Status {
          auto status = GetContainerStatus(client, id, false);
          if (!status.ok()) {
            return Annotate(status.status(),
                            absl::StrCat("getting container status ", Quoted(shown)));
          }
          if (status->status().state() == v1::CONTAINER_RUNNING) {
            if (!opts->force) {
              return absl::FailedPreconditionError(
                  absl::StrCat("container ", Quoted(shown), " is running, please stop it first"));
            }
            RETURN_IF_ERROR(StopOne(client, globals, id, shown, 0, *io.out));
          }
          v1::RemoveContainerRequest request;
          request.set_container_id(id);
          v1::RemoveContainerResponse response;
          const grpc::Status removal = client.runtime().RemoveContainer(
              ContextAtLeast(globals, kLifecycleTimeout).get(), request, &response);
          if (!removal.ok()) {
            return RpcFailure(absl::StrCat("removing container ", Quoted(shown)).c_str(), removal);
          }
          *io.out << shown << "\n";
          const std::string& log_path = status->status().log_path();
          if (!opts->keep_logs && !log_path.empty()) RemoveLogFiles(log_path, shown, *io.err);
          return absl::OkStatus();
        }();
        if (!removed.ok()) errors.push_back(removed);
      }
      return Aggregate(errors);
    });
  });
}

void AddPs(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("ps", "List containers");
  struct Options {
    std::string id;
    std::string name;
    std::string pod;
    std::string image;
    std::string state;
    std::string name_space;
    std::vector<std::string> labels;
    bool verbose = false;
    bool quiet = false;
    std::string output;
    bool all = false;
    bool latest = false;
    int last = 0;
    bool no_trunc = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("--id", opts->id, "Filter by container id (or id prefix)");
  cmd->add_option("--name", opts->name, "Filter by container name regular expression pattern");
  cmd->add_option("-p,--pod", opts->pod, "Filter by pod id (or id prefix)");
  cmd->add_option("--image", opts->image, "Filter by container image");
  cmd->add_option("-s,--state", opts->state,
                  "Filter by container state: created, running, exited or unknown");
  cmd->add_option("--namespace", opts->name_space,
                  "Filter by pod namespace regular expression pattern");
  cmd->add_option("--label", opts->labels, "Filter by key=value label (repeatable)");
  cmd->add_flag("-v,--verbose", opts->verbose, "Show verbose information for containers");
  cmd->add_flag("-q,--quiet", opts->quiet, "Only display container IDs");
  cmd->add_option("-o,--output", opts->output, "Output format, One of: json|yaml|table");
  cmd->add_flag("-a,--all", opts->all, "Show all containers");
  cmd->add_flag("-l,--latest", opts->latest,
                "Show the most recently created container (includes all states)");
  cmd->add_option("-n,--last", opts->last,
                  "Show last n recently created containers (includes all states). Set 0 for "
                  "unlimited.");
  cmd->add_flag("--no-trunc", opts->no_trunc, "Show output without truncating the ID");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format,
                       ParseOutputFormat(opts->output, OutputFormat::kTable));
      ASSIGN_OR_RETURN(const auto labels, ParseLabels(opts->labels));
      ASSIGN_OR_RETURN(const auto name_filter, NameFilter::Compile(opts->name, "--name"));
      ASSIGN_OR_RETURN(const auto namespace_filter,
                       NameFilter::Compile(opts->name_space, "--namespace"));
      v1::ListContainersRequest request;
      auto* filter = request.mutable_filter();
      if (!opts->all && opts->state.empty())
        filter->mutable_state()->set_state(v1::CONTAINER_RUNNING);
      if (!opts->state.empty()) {
        const std::string state = absl::AsciiStrToLower(opts->state);
        static const std::map<std::string, v1::ContainerState> kStates = {
            {"created", v1::CONTAINER_CREATED},
            {"running", v1::CONTAINER_RUNNING},
            {"exited", v1::CONTAINER_EXITED},
            {"unknown", v1::CONTAINER_UNKNOWN}};
        const auto it = kStates.find(state);
        if (it == kStates.end()) {
          return absl::InvalidArgumentError(
              "--state should be one of created, running, exited or unknown");
        }
        filter->mutable_state()->set_state(it->second);
      }
      // --latest and --last look at containers in every state.
      if (opts->latest || opts->last > 0) filter->clear_state();
      for (const auto& [key, value] : labels) (*filter->mutable_label_selector())[key] = value;

      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      v1::ListContainersResponse response;
      const grpc::Status status =
          client.runtime().ListContainers(client.NewContext().get(), request, &response);
      if (!status.ok()) return RpcFailure("listing containers", status);

      // The image filter compares image ids, as crictl does, asking once per image.
      std::map<std::string, std::string> image_ids;
      auto image_id = [&](const std::string& image) -> absl::StatusOr<std::string> {
        const auto known = image_ids.find(image);
        if (known != image_ids.end()) return known->second;
        v1::ImageStatusRequest image_request;
        image_request.mutable_image()->set_image(image);
        v1::ImageStatusResponse image_response;
        const grpc::Status found =
            client.image().ImageStatus(client.NewContext().get(), image_request, &image_response);
        if (!found.ok()) return RpcFailure("getting image status", found);
        return image_ids[image] = image_response.image().id();
      };
      std::string wanted_image;
      if (!opts->image.empty()) {
        ASSIGN_OR_RETURN(wanted_image, image_id(opts->image));
      }

      std::vector<const v1::Container*> containers;
      for (const auto& container : response.containers()) {
        // Id and pod filters are prefixes, applied here since not every runtime takes
        // prefixes in ContainerFilter.
        if (container.id().rfind(opts->id, 0) != 0) continue;
        if (container.pod_sandbox_id().rfind(opts->pod, 0) != 0) continue;
        if (!name_filter.Matches(container.metadata().name())) continue;
        const auto ns = container.labels().find("io.kubernetes.pod.namespace");
        if (!namespace_filter.Matches(ns == container.labels().end() ? "unknown" : ns->second)) {
          continue;
        }
        if (!opts->image.empty()) {
          ASSIGN_OR_RETURN(const std::string id, image_id(container.image().image()));
          if (wanted_image.empty() || id != wanted_image) continue;
        }
        containers.push_back(&container);
      }
      std::stable_sort(containers.begin(), containers.end(), [](const auto* a, const auto* b) {
        return a->created_at() > b->created_at();
      });
      containers.resize(KeepCount(containers.size(), opts->latest, opts->last));

      if (format != OutputFormat::kTable) {
        v1::ListContainersResponse shown;
        for (const auto* container : containers) *shown.add_containers() = *container;
        *io.out << Render(MessageToJson(shown), format);
        return absl::OkStatus();
      }
      const auto now = std::chrono::system_clock::now();
      Table table;
      if (!opts->verbose && !opts->quiet) {
        table.AddRow(
            {"CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"});
      }
      for (const auto* container : containers) {
        if (opts->quiet) {
          *io.out << container->id() << "\n";
          continue;
        }
        const auto label = [&](const char* key) {
          const auto it = container->labels().find(key);
          return it == container->labels().end() ? std::string("unknown") : it->second;
        };
        const std::string created = CreatedAgo(container->created_at(), now);
        if (!opts->verbose) {
          std::string image = container->image().image();
          if (!opts->no_trunc && image.rfind("sha256:", 0) == 0 && image.size() == 71) {
            image = TruncateId(image, "sha256:");
          }
          table.AddRow({opts->no_trunc ? container->id() : TruncateId(container->id()), image,
                        created, ContainerStateName(container->state()),
                        container->metadata().name(), absl::StrCat(container->metadata().attempt()),
                        opts->no_trunc ? container->pod_sandbox_id()
                                       : TruncateId(container->pod_sandbox_id()),
                        label("io.kubernetes.pod.name")});
          continue;
        }
        *io.out << "ID: " << container->id() << "\n"
                << "PodID: " << container->pod_sandbox_id() << "\n"
                << "Namespace: " << label("io.kubernetes.pod.namespace") << "\n";
        if (container->has_metadata()) {
          if (!container->metadata().name().empty()) {
            *io.out << "Name: " << container->metadata().name() << "\n";
          }
          *io.out << "Attempt: " << container->metadata().attempt() << "\n";
        }
        *io.out << "State: " << ContainerStateName(container->state()) << "\n";
        if (container->has_image()) *io.out << "Image: " << container->image().image() << "\n";
        *io.out << "Created: " << created << "\n"
                << KeyValueLines("Labels", container->labels())
                << KeyValueLines("Annotations", container->annotations()) << "\n";
      }
      *io.out << table.Render();
      return absl::OkStatus();
    });
  });
}

void AddInspect(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("inspect", "Display the status of one or more containers");
  struct Options {
    std::vector<std::string> ids;
    std::string output;
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("CONTAINER-ID", opts->ids, "Container ids or unique id prefixes")->required();
  cmd->add_option("-o,--output", opts->output, "Output format, One of: json|yaml|table");
  cmd->add_flag("-q,--quiet", opts->quiet, "Do not show verbose information");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format,
                       ParseOutputFormat(opts->output, OutputFormat::kJson));
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      std::vector<nlohmann::json> entries;
      const auto now = std::chrono::system_clock::now();
      for (const auto& given : opts->ids) {
        ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, given));
        auto response = GetContainerStatus(client, id, !opts->quiet);
        if (!response.ok()) {
          return Annotate(response.status(), "get the status of containers");
        }
        const v1::ContainerStatus& container = response->status();
        const bool started = container.state() != v1::CONTAINER_CREATED;
        const bool finished =
            container.state() == v1::CONTAINER_EXITED ||
            (container.state() == v1::CONTAINER_UNKNOWN && container.finished_at() > 0);
        if (format == OutputFormat::kTable) {
          *io.out << "ID: " << container.id() << "\n";
          if (container.has_metadata()) {
            if (!container.metadata().name().empty()) {
              *io.out << "Name: " << container.metadata().name() << "\n";
            }
            if (container.metadata().attempt() != 0) {
              *io.out << "Attempt: " << container.metadata().attempt() << "\n";
            }
          }
          *io.out << "State: " << v1::ContainerState_Name(container.state()) << "\n"
                  << "Created: " << CreatedAgo(container.created_at(), now) << "\n";
          if (started) *io.out << "Started: " << CreatedAgo(container.started_at(), now) << "\n";
          if (container.state() == v1::CONTAINER_EXITED) {
            if (container.finished_at() > 0) {
              *io.out << "Finished: " << CreatedAgo(container.finished_at(), now) << "\n";
            }
            *io.out << "Exit Code: " << container.exit_code() << "\n";
          }
          *io.out << KeyValueLines("Labels", container.labels())
                  << KeyValueLines("Annotations", container.annotations());
          if (!opts->quiet) *io.out << "Info: " << GoMapString(response->info()) << "\n";
          continue;
        }
        nlohmann::json shown = StatusJson(container);
        shown["createdAt"] = FormatUnixNanos(container.created_at());
        shown["startedAt"] = started ? FormatUnixNanos(container.started_at()) : kZeroTime;
        shown["finishedAt"] = finished ? FormatUnixNanos(container.finished_at()) : kZeroTime;
        entries.push_back(InspectEntry(std::move(shown), response->info()));
      }
      *io.out << RenderInspect(entries, format == OutputFormat::kYaml);
      return absl::OkStatus();
    });
  });
}

void AddUpdate(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("update", "Update one or more running containers");
  struct Options {
    std::vector<std::string> ids;
    std::int64_t cpu_period = 0;
    std::int64_t cpu_quota = 0;
    std::int64_t cpu_share = 0;
    std::int64_t memory = 0;
    std::string cpuset_cpus;
    std::string cpuset_mems;
    std::int64_t oom_score_adj = 0;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("CONTAINER-ID", opts->ids, "Container ids or unique id prefixes")->required();
  cmd->add_option("--cpu-period", opts->cpu_period,
                  "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default");
  cmd->add_option("--cpu-quota", opts->cpu_quota,
                  "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period");
  cmd->add_option("--cpu-share", opts->cpu_share,
                  "CPU shares (relative weight vs. other containers)");
  cmd->add_option("--memory", opts->memory, "Memory limit (in bytes)");
  cmd->add_option("--cpuset-cpus", opts->cpuset_cpus, "CPU(s) to use");
  cmd->add_option("--cpuset-mems", opts->cpuset_mems, "Memory node(s) to use");
  cmd->add_option("--oom-score-adj", opts->oom_score_adj, "OOM Killer score to use");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      for (const auto& given : opts->ids) {
        ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, given));
        v1::UpdateContainerResourcesRequest request;
        request.set_container_id(id);
        auto* resources = request.mutable_linux();
        resources->set_cpu_period(opts->cpu_period);
        resources->set_cpu_quota(opts->cpu_quota);
        resources->set_cpu_shares(opts->cpu_share);
        resources->set_memory_limit_in_bytes(opts->memory);
        resources->set_cpuset_cpus(opts->cpuset_cpus);
        resources->set_cpuset_mems(opts->cpuset_mems);
        resources->set_oom_score_adj(opts->oom_score_adj);
        v1::UpdateContainerResourcesResponse response;
        const grpc::Status status = client.runtime().UpdateContainerResources(
            ContextAtLeast(globals, std::chrono::seconds(60)).get(), request, &response);
        if (!status.ok()) {
          return RpcFailure(
              absl::StrCat("updating container resources for ", Quoted(given)).c_str(), status);
        }
        *io.out << given << "\n";
      }
      return absl::OkStatus();
    });
  });
}

}  // namespace

void AddContainerCommands(CLI::App& app, const Globals& globals, CommandResult& result,
                          Streams io) {
  AddCreate(app, globals, result, io);
  AddStart(app, globals, result, io);
  AddStop(app, globals, result, io);
  AddRm(app, globals, result, io);
  AddPs(app, globals, result, io);
  AddInspect(app, globals, result, io);
  AddUpdate(app, globals, result, io);
}

}  // namespace crio::ctl
