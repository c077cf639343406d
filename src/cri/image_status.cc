#include "crio/common/status.h"
#include "image_convert.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status ImageService::ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest* request,
                                       v1::ImageStatusResponse* response) {
  return Serve("ImageStatus", [&](const RequestContext&) -> absl::Status {
    const std::string& name = request->image().image();
    if (name.empty()) return absl::InvalidArgumentError("image.image: must not be empty");
    auto record = options_.images.Find(name);
    // The CRI wants an empty answer for an image we do not have, not an error.
    if (absl::IsNotFound(record.status())) return absl::OkStatus();
    if (!record.ok()) return record.status();
    *response->mutable_image() = ToProtoImage(*record);
    if (request->verbose()) (*response->mutable_info())["info"] = image::RecordToJson(*record);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
