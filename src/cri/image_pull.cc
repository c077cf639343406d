#include "crio/common/status.h"
#include "crio/registry/credentials.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::Status ImageService::PullImage(grpc::ServerContext*, const v1::PullImageRequest* request,
                                     v1::PullImageResponse* response) {
  return Serve("PullImage", [&](const RequestContext& ctx) -> absl::Status {
    const std::string& name = request->image().image();
    if (name.empty()) return absl::InvalidArgumentError("image.image: must not be empty");
    log::Info(ctx, "Pulling image: {}", name);
    image::PullRequest pull{name, std::nullopt};
    if (request->has_auth()) {
      const auto& auth = request->auth();
      ASSIGN_OR_RETURN(pull.credentials,
                       registry::CredentialsFromAuthConfig(registry::AuthConfig{
                           auth.username(), auth.password(), auth.auth(), auth.server_address(),
                           auth.identity_token(), auth.registry_token()}));
    }
    ASSIGN_OR_RETURN(const image::ImageRecord record, options_.images.Pull(ctx, pull));
    response->set_image_ref(record.id.str());
    log::Info(ctx, "Pulled image: {}", record.id.str());
    return absl::OkStatus();
  });
}

}  // namespace crio::cri
