// Exec, Attach and PortForward: each checks its request and its target, then returns a
// single-use URL on the streaming server, where the client's connection does the work
// (src/streaming). Validation follows the kubelet's streaming library, word for word
// where clients may match on it.

#include "absl/strings/str_cat.h"
#include "crio/common/status.h"
#include "crio/streaming/server.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {
namespace {

absl::Status CheckStreams(bool tty, bool in, bool out, bool err) {
  if (tty && err) {
    // With a terminal both outputs arrive as one stream: there is no stderr to give.
    return absl::InvalidArgumentError("tty and stderr cannot both be true");
  }
  if (!in && !out && !err) {
    return absl::InvalidArgumentError("one of stdin, stdout, or stderr must be set");
  }
  return absl::OkStatus();
}

// The container's full id, when it exists and runs.
absl::StatusOr<std::string> RunningContainer(container::ContainerManager& containers,
                                             const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("container_id: must not be empty");
  ASSIGN_OR_RETURN(const store::ContainerRecord record, containers.Running(id));
  return record.id;
}

}  // namespace

grpc::Status RuntimeService::Exec(grpc::ServerContext*, const v1::ExecRequest* request,
                                  v1::ExecResponse* response) {
  return Serve("Exec", [&](const RequestContext&) -> absl::Status {
    if (request->cmd().empty()) return absl::InvalidArgumentError("cmd: must not be empty");
    RETURN_IF_ERROR(
        CheckStreams(request->tty(), request->stdin(), request->stdout(), request->stderr()));
    ASSIGN_OR_RETURN(const std::string id,
                     RunningContainer(options_.containers, request->container_id()));
    streaming::ExecSpec spec;
    spec.container_id = id;
    spec.cmd.assign(request->cmd().begin(), request->cmd().end());
    spec.tty = request->tty();
    spec.stdin = request->stdin();
    spec.stdout = request->stdout();
    spec.stderr = request->stderr();
    ASSIGN_OR_RETURN(std::string url, options_.streaming.UrlFor(std::move(spec)));
    response->set_url(std::move(url));
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::Attach(grpc::ServerContext*, const v1::AttachRequest* request,
                                    v1::AttachResponse* response) {
  return Serve("Attach", [&](const RequestContext&) -> absl::Status {
    RETURN_IF_ERROR(
        CheckStreams(request->tty(), request->stdin(), request->stdout(), request->stderr()));
    ASSIGN_OR_RETURN(const std::string id,
                     RunningContainer(options_.containers, request->container_id()));
    streaming::AttachSpec spec;
    spec.container_id = id;
    spec.tty = request->tty();
    spec.stdin = request->stdin();
    spec.stdout = request->stdout();
    spec.stderr = request->stderr();
    ASSIGN_OR_RETURN(std::string url, options_.streaming.UrlFor(std::move(spec)));
    response->set_url(std::move(url));
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::PortForward(grpc::ServerContext*,
                                         const v1::PortForwardRequest* request,
                                         v1::PortForwardResponse* response) {
  return Serve("PortForward", [&](const RequestContext&) -> absl::Status {
    if (request->pod_sandbox_id().empty()) {
      return absl::InvalidArgumentError("pod_sandbox_id: must not be empty");
    }
    streaming::PortForwardSpec spec;
    for (int i = 0; i < request->port_size(); ++i) {
      const std::int32_t port = request->port(i);
      if (port < 1 || port > 65535) {
        return absl::InvalidArgumentError(
            absl::StrCat("port[", i, "]: ", port, " is not a port number (1 to 65535)"));
      }
      spec.ports.push_back(port);
    }
    ASSIGN_OR_RETURN(const store::PodRecord pod, options_.state.GetPod(request->pod_sandbox_id()));
    if (pod.state != store::PodState::kReady) {
      return absl::FailedPreconditionError(absl::StrCat("pod sandbox ", pod.id, " is not ready"));
    }
    spec.pod_id = pod.id;
    ASSIGN_OR_RETURN(std::string url, options_.streaming.UrlFor(std::move(spec)));
    response->set_url(std::move(url));
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
