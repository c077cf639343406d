#include "image_convert.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status ImageService::ListImages(grpc::ServerContext*, const v1::ListImagesRequest* request,
                                      v1::ListImagesResponse* response) {
  return Serve("ListImages", [&](const RequestContext&) {
    const std::string filter = request->has_filter() ? request->filter().image().image() : "";
    for (const auto& record : options_.images.List(filter)) {
      *response->add_images() = ToProtoImage(record);
    }
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
