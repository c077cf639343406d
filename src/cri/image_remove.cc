#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status ImageService::RemoveImage(grpc::ServerContext*, const v1::RemoveImageRequest* request,
                                       v1::RemoveImageResponse*) {
  return Serve("RemoveImage", [&](const RequestContext& ctx) -> absl::Status {
    const std::string& name = request->image().image();
    if (name.empty()) return absl::InvalidArgumentError("image.image: must not be empty");
    log::Info(ctx, "Removing image: {}", name);
    return options_.images.Remove(ctx, name);
  });
}

}  // namespace crio::cri
