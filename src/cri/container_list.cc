#include <grpcpp/support/byte_buffer.h>

#include "container_proto.h"
#include "rpc.h"
#include "runtime_service.h"

namespace crio::cri {

grpc::ServerUnaryReactor* RuntimeService::ListContainers(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(Serve("ListContainers", [&](const RequestContext&) -> absl::Status {
    v1::ListContainersRequest parsed;
    grpc::ByteBuffer input(*request);  // shares the slices; Deserialize consumes its copy
    if (!grpc::SerializationTraits<v1::ListContainersRequest>::Deserialize(&input, &parsed).ok()) {
      return absl::InvalidArgumentError("ListContainersRequest: not a valid message");
    }
    auto* bytes =
        new std::string(EncodeContainerList(options_.state, ToContainerFilter(parsed.filter())));
    // The slice owns the encoded response: no copy on the way to the transport.
    grpc::Slice slice(
        bytes->data(), bytes->size(), [](void* owned) { delete static_cast<std::string*>(owned); },
        bytes);
    *response = grpc::ByteBuffer(&slice, 1);
    return absl::OkStatus();
  }));
  return reactor;
}

}  // namespace crio::cri
