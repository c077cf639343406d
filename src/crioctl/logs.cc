// crioctl logs: like crictl, asks the runtime only where the log file is (ContainerStatus
// log_path) and reads the CRI log file itself, so it works on the node that runs the
// container.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "log_reader.h"
#include "runtime_util.h"

namespace crio::ctl {
namespace {

namespace v1 = ::runtime::v1;

}  // namespace

void AddLogsCommand(CLI::App& app, const Globals& globals, CommandResult& result, Streams io) {
  CLI::App* cmd = app.add_subcommand("logs", "Fetch the logs of a container");
  struct Options {
    std::string id;
    bool follow = false;
    bool previous = false;
    bool reopen = false;
    std::int64_t tail = -1;
    std::int64_t limit_bytes = -1;
    std::string since;
    bool timestamps = false;
    std::string stream;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("CONTAINER-ID", opts->id, "Container id or unique id prefix")->required();
  cmd->add_flag("-f,--follow", opts->follow, "Follow log output");
  cmd->add_flag("-p,--previous", opts->previous,
                "Print the logs for the previous instance of the container in a pod if it exists");
  cmd->add_flag("-r,--reopen", opts->reopen,
                "Reopen the container logs for the provided container");
  cmd->add_option("--tail", opts->tail,
                  "Number of lines to show from the end of the logs. Defaults to all");
  cmd->add_option("--limit-bytes", opts->limit_bytes,
                  "Maximum bytes of logs to return. Defaults to no limit");
  cmd->add_option("--since", opts->since,
                  "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m "
                  "for 42 minutes)");
  cmd->add_flag("-t,--timestamps", opts->timestamps, "Show timestamps");
  cmd->add_option("-s,--stream", opts->stream,
                  "Show specified stream (stdout or stderr). Defaults to both.");
  cmd->callback([&globals, &result, io, opts] {
    Run(io, result, [&]() -> absl::Status {
      if (!opts->stream.empty() && opts->stream != "stdout" && opts->stream != "stderr") {
        return absl::InvalidArgumentError(absl::StrCat("invalid stream \"", opts->stream,
                                                       "\", must be \"stdout\" or \"stderr\""));
      }
      LogReadOptions read;
      read.follow = opts->follow;
      read.tail = opts->tail;
      read.limit_bytes = opts->limit_bytes;
      read.timestamps = opts->timestamps;
      read.show_stdout = opts->stream != "stderr";
      read.show_stderr = opts->stream != "stdout";
      if (!opts->since.empty()) {
        ASSIGN_OR_RETURN(read.since_unix_nanos,
                         ParseSince(opts->since, std::chrono::system_clock::now()));
      }

      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      ASSIGN_OR_RETURN(const std::string id, ResolveContainerId(client, opts->id));
      if (opts->reopen) {
        v1::ReopenContainerLogRequest request;
        request.set_container_id(id);
        v1::ReopenContainerLogResponse response;
        const grpc::Status status =
            client.runtime().ReopenContainerLog(client.NewContext().get(), request, &response);
        if (!status.ok()) return RpcFailure("reopen container logs", status);
        *io.err << "Container logs reopened\n";
      }

      v1::ContainerStatusRequest request;
      request.set_container_id(id);
      v1::ContainerStatusResponse response;
      const grpc::Status status =
          client.runtime().ContainerStatus(client.NewContext().get(), request, &response);
      if (!status.ok()) return RpcFailure("getting container status", status);
      std::string path = response.status().log_path();
      if (path.empty()) return absl::FailedPreconditionError("the container has not set log path");
      if (opts->previous) {
        // kubelet names a container's logs <attempt>.log in its directory.
        const std::uint32_t attempt = response.status().metadata().attempt();
        if (attempt == 0) {
          return absl::NotFoundError(absl::StrCat(
              "previous terminated container ", response.status().metadata().name(), " not found"));
        }
        const std::size_t slash = path.rfind('/');
        const std::size_t dot = path.rfind('.');
        const std::string extension =
            dot != std::string::npos && (slash == std::string::npos || dot > slash)
                ? path.substr(dot)
                : "";
        path = absl::StrCat(path.substr(0, slash == std::string::npos ? 0 : slash + 1), attempt - 1,
                            extension);
      }

      auto still_running = [&]() {
        v1::ContainerStatusResponse now;
        const grpc::Status asked =
            client.runtime().ContainerStatus(client.NewContext().get(), request, &now);
        return asked.ok() && now.status().state() == v1::CONTAINER_RUNNING;
      };
      return ReadCriLogFile(path, read, *io.out, *io.err, still_running);
    });
  });
}

}  // namespace crio::ctl
