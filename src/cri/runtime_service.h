#pragma once

// runtime.v1.RuntimeService. Each RPC is implemented in the file named beside it;
// the ones a later issue delivers are in not_yet.cc.

#include <memory>

#include "container_events.h"
#include "crio/cri/api.h"
#include "crio/cri/services.h"

namespace crio::cri {

namespace v1 = ::runtime::v1;

class RuntimeService final
    : public v1::RuntimeService::WithRawCallbackMethod_ListContainers<v1::RuntimeService::Service> {
 public:
  /// Also makes the store keep each container's ListContainers entry.
  explicit RuntimeService(const ServiceOptions& options);

  // version.cc
  grpc::Status Version(grpc::ServerContext* context, const v1::VersionRequest* request,
                       v1::VersionResponse* response) override;
  // runtime_status.cc
  grpc::Status Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                      v1::StatusResponse* response) override;
  // runtime_config.cc
  grpc::Status RuntimeConfig(grpc::ServerContext* context, const v1::RuntimeConfigRequest* request,
                             v1::RuntimeConfigResponse* response) override;

  // pod_run.cc, pod_stop.cc, pod_remove.cc, pod_status.cc, pod_list.cc
  grpc::Status RunPodSandbox(grpc::ServerContext* context, const v1::RunPodSandboxRequest* request,
                             v1::RunPodSandboxResponse* response) override;
  grpc::Status StopPodSandbox(grpc::ServerContext* context,
                              const v1::StopPodSandboxRequest* request,
                              v1::StopPodSandboxResponse* response) override;
  grpc::Status RemovePodSandbox(grpc::ServerContext* context,
                                const v1::RemovePodSandboxRequest* request,
                                v1::RemovePodSandboxResponse* response) override;
  grpc::Status PodSandboxStatus(grpc::ServerContext* context,
                                const v1::PodSandboxStatusRequest* request,
                                v1::PodSandboxStatusResponse* response) override;
  grpc::Status ListPodSandbox(grpc::ServerContext* context,
                              const v1::ListPodSandboxRequest* request,
                              v1::ListPodSandboxResponse* response) override;

  // container_create.cc, _start, _stop, _remove, _list, _status, _update, _reopen_log,
  // _exec_sync
  grpc::Status CreateContainer(grpc::ServerContext* context,
                               const v1::CreateContainerRequest* request,
                               v1::CreateContainerResponse* response) override;
  grpc::Status StartContainer(grpc::ServerContext* context,
                              const v1::StartContainerRequest* request,
                              v1::StartContainerResponse* response) override;
  grpc::Status StopContainer(grpc::ServerContext* context, const v1::StopContainerRequest* request,
                             v1::StopContainerResponse* response) override;
  grpc::Status RemoveContainer(grpc::ServerContext* context,
                               const v1::RemoveContainerRequest* request,
                               v1::RemoveContainerResponse* response) override;
  // A raw callback method: the response is encoded straight from the store's records
  // (EncodeContainerList) instead of being built as messages and serialized by gRPC.
  grpc::ServerUnaryReactor* ListContainers(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::Status ContainerStatus(grpc::ServerContext* context,
                               const v1::ContainerStatusRequest* request,
                               v1::ContainerStatusResponse* response) override;
  grpc::Status UpdateContainerResources(grpc::ServerContext* context,
                                        const v1::UpdateContainerResourcesRequest* request,
                                        v1::UpdateContainerResourcesResponse* response) override;
  grpc::Status ReopenContainerLog(grpc::ServerContext* context,
                                  const v1::ReopenContainerLogRequest* request,
                                  v1::ReopenContainerLogResponse* response) override;
  grpc::Status ExecSync(grpc::ServerContext* context, const v1::ExecSyncRequest* request,
                        v1::ExecSyncResponse* response) override;

  // container_stats.cc, list_container_stats.cc, pod_stats.cc, list_pod_stats.cc
  grpc::Status ContainerStats(grpc::ServerContext* context,
                              const v1::ContainerStatsRequest* request,
                              v1::ContainerStatsResponse* response) override;
  grpc::Status ListContainerStats(grpc::ServerContext* context,
                                  const v1::ListContainerStatsRequest* request,
                                  v1::ListContainerStatsResponse* response) override;
  grpc::Status PodSandboxStats(grpc::ServerContext* context,
                               const v1::PodSandboxStatsRequest* request,
                               v1::PodSandboxStatsResponse* response) override;
  grpc::Status ListPodSandboxStats(grpc::ServerContext* context,
                                   const v1::ListPodSandboxStatsRequest* request,
                                   v1::ListPodSandboxStatsResponse* response) override;

  // streaming_urls.cc
  grpc::Status Exec(grpc::ServerContext* context, const v1::ExecRequest* request,
                    v1::ExecResponse* response) override;
  grpc::Status Attach(grpc::ServerContext* context, const v1::AttachRequest* request,
                      v1::AttachResponse* response) override;
  grpc::Status PortForward(grpc::ServerContext* context, const v1::PortForwardRequest* request,
                           v1::PortForwardResponse* response) override;

  // runtime_config.cc
  grpc::Status UpdateRuntimeConfig(grpc::ServerContext* context,
                                   const v1::UpdateRuntimeConfigRequest* request,
                                   v1::UpdateRuntimeConfigResponse* response) override;
  // container_events.cc
  grpc::Status GetContainerEvents(grpc::ServerContext* context, const v1::GetEventsRequest* request,
                                  grpc::ServerWriter<v1::ContainerEventResponse>* writer) override;
  // not_yet.cc
  grpc::Status CheckpointContainer(grpc::ServerContext* context,
                                   const v1::CheckpointContainerRequest* request,
                                   v1::CheckpointContainerResponse* response) override;
  grpc::Status ListMetricDescriptors(grpc::ServerContext* context,
                                     const v1::ListMetricDescriptorsRequest* request,
                                     v1::ListMetricDescriptorsResponse* response) override;
  grpc::Status ListPodSandboxMetrics(grpc::ServerContext* context,
                                     const v1::ListPodSandboxMetricsRequest* request,
                                     v1::ListPodSandboxMetricsResponse* response) override;
  grpc::Status UpdatePodSandboxResources(grpc::ServerContext* context,
                                         const v1::UpdatePodSandboxResourcesRequest* request,
                                         v1::UpdatePodSandboxResourcesResponse* response) override;

 private:
  ServiceOptions options_;
  /// GetContainerEvents' source; null when enable_pod_events is off.
  std::unique_ptr<ContainerEventHub> events_;
};

class ImageService final : public v1::ImageService::Service {
 public:
  explicit ImageService(const ServiceOptions& options) : options_(options) {}

  // image_list.cc
  grpc::Status ListImages(grpc::ServerContext* context, const v1::ListImagesRequest* request,
                          v1::ListImagesResponse* response) override;
  // image_status.cc
  grpc::Status ImageStatus(grpc::ServerContext* context, const v1::ImageStatusRequest* request,
                           v1::ImageStatusResponse* response) override;
  // image_pull.cc
  grpc::Status PullImage(grpc::ServerContext* context, const v1::PullImageRequest* request,
                         v1::PullImageResponse* response) override;
  // image_remove.cc
  grpc::Status RemoveImage(grpc::ServerContext* context, const v1::RemoveImageRequest* request,
                           v1::RemoveImageResponse* response) override;
  // image_fs_info.cc
  grpc::Status ImageFsInfo(grpc::ServerContext* context, const v1::ImageFsInfoRequest* request,
                           v1::ImageFsInfoResponse* response) override;

 private:
  ServiceOptions options_;
};

}  // namespace crio::cri
