#include "crio/common/status.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status ImageService::ImageFsInfo(grpc::ServerContext*, const v1::ImageFsInfoRequest*,
                                       v1::ImageFsInfoResponse* response) {
  return Serve("ImageFsInfo", [&](const RequestContext&) -> absl::Status {
    ASSIGN_OR_RETURN(const image::FsUsage usage, options_.images.Usage());
    v1::FilesystemUsage* fs = response->add_image_filesystems();
    fs->set_timestamp(usage.timestamp_unix_nanos);
    fs->mutable_fs_id()->set_mountpoint(usage.mountpoint);
    fs->mutable_used_bytes()->set_value(usage.used_bytes);
    fs->mutable_inodes_used()->set_value(usage.inodes_used);
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
