#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status RuntimeService::ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest* request,
                                      v1::ExecSyncResponse* response) {
  return Serve("ExecSync", [&](const RequestContext& ctx) -> absl::Status {
    if (request->container_id().empty()) {
      return absl::InvalidArgumentError("container_id: must not be empty");
    }
    if (request->cmd().empty()) return absl::InvalidArgumentError("cmd: must not be empty");
    if (request->timeout() < 0) return absl::InvalidArgumentError("timeout: must not be negative");
    ASSIGN_OR_RETURN(const container::ExecOutput output,
                     options_.containers.ExecSync(ctx, request->container_id(),
                                                  {request->cmd().begin(), request->cmd().end()},
                                                  std::chrono::seconds(request->timeout())));
    response->set_stdout(output.stdout_bytes);
    response->set_stderr(output.stderr_bytes);
    response->set_exit_code(output.exit_code);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
