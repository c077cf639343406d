#pragma once

// An in-process CRI runtime for crioctl's command tests: RuntimeService and ImageService
// over a unix socket in a temp dir, keeping pods, containers and images in memory and
// recording the requests it gets. Only the RPCs crioctl uses are implemented.

#include <grpcpp/grpcpp.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crio/cri/api.h"

namespace crio::ctl::testing {

namespace v1 = ::runtime::v1;

class FakeRuntimeService final : public v1::RuntimeService::Service {
 public:
  struct Container {
    v1::ContainerStatus status;
    std::string pod_id;
    std::map<std::string, std::string> info;
  };

  std::mutex mu;
  std::map<std::string, v1::PodSandboxStatus> pods;
  std::map<std::string, std::map<std::string, std::string>> pod_info;
  std::map<std::string, Container> containers;
  std::vector<std::string> calls;  ///< method names, in order
  v1::RunPodSandboxRequest last_run_pod;
  v1::CreateContainerRequest last_create;
  v1::StopContainerRequest last_stop;
  v1::ListContainersRequest last_list_containers;
  v1::ListPodSandboxRequest last_list_pods;
  v1::ExecSyncRequest last_exec;
  v1::UpdateContainerResourcesRequest last_update;
  v1::ExecSyncResponse exec_response;
  std::string next_pod_id = "a1b2c3d4e5f60000000000000000000000000000000000000000000000000001";
  std::string next_container_id =
      "c0ffee0000000000000000000000000000000000000000000000000000000001";

  void AddPod(const std::string& id, const std::string& name, const std::string& ns,
              v1::PodSandboxState state, std::int64_t created_at) {
    v1::PodSandboxStatus pod;
    pod.set_id(id);
    pod.mutable_metadata()->set_name(name);
    pod.mutable_metadata()->set_namespace_(ns);
    pod.mutable_metadata()->set_uid("uid-" + name);
    pod.set_state(state);
    pod.set_created_at(created_at);
    pods[id] = pod;
  }

  Container& AddContainer(const std::string& id, const std::string& pod_id, const std::string& name,
                          v1::ContainerState state, std::int64_t created_at) {
    Container& c = containers[id];
    c.pod_id = pod_id;
    c.status.set_id(id);
    c.status.mutable_metadata()->set_name(name);
    c.status.set_state(state);
    c.status.set_created_at(created_at);
    c.status.mutable_image()->set_image("docker.io/library/busybox:latest");
    c.status.set_image_ref("sha256:" + std::string(64, 'e'));
    return c;
  }

  grpc::Status RunPodSandbox(grpc::ServerContext*, const v1::RunPodSandboxRequest* request,
                             v1::RunPodSandboxResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("RunPodSandbox");
    last_run_pod = *request;
    v1::PodSandboxStatus pod;
    pod.set_id(next_pod_id);
    *pod.mutable_metadata() = request->config().metadata();
    pod.set_state(v1::SANDBOX_READY);
    pod.set_created_at(1);
    *pod.mutable_labels() = request->config().labels();
    pod.set_runtime_handler(request->runtime_handler());
    pods[pod.id()] = pod;
    response->set_pod_sandbox_id(pod.id());
    return grpc::Status::OK;
  }

  grpc::Status StopPodSandbox(grpc::ServerContext*, const v1::StopPodSandboxRequest* request,
                              v1::StopPodSandboxResponse*) override {
    std::lock_guard lock(mu);
    calls.push_back("StopPodSandbox " + request->pod_sandbox_id());
    auto it = pods.find(request->pod_sandbox_id());
    if (it == pods.end()) return {grpc::StatusCode::NOT_FOUND, "pod not found"};
    it->second.set_state(v1::SANDBOX_NOTREADY);
    return grpc::Status::OK;
  }

  grpc::Status RemovePodSandbox(grpc::ServerContext*, const v1::RemovePodSandboxRequest* request,
                                v1::RemovePodSandboxResponse*) override {
    std::lock_guard lock(mu);
    calls.push_back("RemovePodSandbox " + request->pod_sandbox_id());
    pods.erase(request->pod_sandbox_id());
    return grpc::Status::OK;
  }

  grpc::Status PodSandboxStatus(grpc::ServerContext*, const v1::PodSandboxStatusRequest* request,
                                v1::PodSandboxStatusResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("PodSandboxStatus " + request->pod_sandbox_id());
    auto it = pods.find(request->pod_sandbox_id());
    if (it == pods.end()) return {grpc::StatusCode::NOT_FOUND, "pod sandbox not found"};
    *response->mutable_status() = it->second;
    if (request->verbose()) {
      for (const auto& [key, value] : pod_info[it->first]) (*response->mutable_info())[key] = value;
    }
    return grpc::Status::OK;
  }

  grpc::Status ListPodSandbox(grpc::ServerContext*, const v1::ListPodSandboxRequest* request,
                              v1::ListPodSandboxResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("ListPodSandbox");
    last_list_pods = *request;
    const auto& filter = request->filter();
    for (const auto& [id, pod] : pods) {
      if (!filter.id().empty() && filter.id() != id) continue;
      if (filter.has_state() && filter.state().state() != pod.state()) continue;
      bool labels_match = true;
      for (const auto& [key, value] : filter.label_selector()) {
        auto found = pod.labels().find(key);
        labels_match = labels_match && found != pod.labels().end() && found->second == value;
      }
      if (!labels_match) continue;
      auto* item = response->add_items();
      item->set_id(id);
      *item->mutable_metadata() = pod.metadata();
      item->set_state(pod.state());
      item->set_created_at(pod.created_at());
      *item->mutable_labels() = pod.labels();
      item->set_runtime_handler(pod.runtime_handler());
    }
    return grpc::Status::OK;
  }

  grpc::Status CreateContainer(grpc::ServerContext*, const v1::CreateContainerRequest* request,
                               v1::CreateContainerResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("CreateContainer");
    last_create = *request;
    if (pods.count(request->pod_sandbox_id()) == 0) {
      return {grpc::StatusCode::NOT_FOUND, "pod sandbox not found"};
    }
    Container& c = AddContainer(next_container_id, request->pod_sandbox_id(),
                                request->config().metadata().name(), v1::CONTAINER_CREATED, 2);
    *c.status.mutable_image() = request->config().image();
    response->set_container_id(next_container_id);
    return grpc::Status::OK;
  }

  grpc::Status StartContainer(grpc::ServerContext*, const v1::StartContainerRequest* request,
                              v1::StartContainerResponse*) override {
    std::lock_guard lock(mu);
    calls.push_back("StartContainer " + request->container_id());
    auto it = containers.find(request->container_id());
    if (it == containers.end()) return {grpc::StatusCode::NOT_FOUND, "container not found"};
    it->second.status.set_state(v1::CONTAINER_RUNNING);
    return grpc::Status::OK;
  }

  grpc::Status StopContainer(grpc::ServerContext*, const v1::StopContainerRequest* request,
                             v1::StopContainerResponse*) override {
    std::lock_guard lock(mu);
    calls.push_back("StopContainer " + request->container_id());
    last_stop = *request;
    auto it = containers.find(request->container_id());
    if (it == containers.end()) return {grpc::StatusCode::NOT_FOUND, "container not found"};
    it->second.status.set_state(v1::CONTAINER_EXITED);
    return grpc::Status::OK;
  }

  grpc::Status RemoveContainer(grpc::ServerContext*, const v1::RemoveContainerRequest* request,
                               v1::RemoveContainerResponse*) override {
    std::lock_guard lock(mu);
    calls.push_back("RemoveContainer " + request->container_id());
    containers.erase(request->container_id());
    return grpc::Status::OK;
  }

  grpc::Status ListContainers(grpc::ServerContext*, const v1::ListContainersRequest* request,
                              v1::ListContainersResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("ListContainers");
    last_list_containers = *request;
    const auto& filter = request->filter();
    for (const auto& [id, c] : containers) {
      if (!filter.id().empty() && filter.id() != id) continue;
      if (!filter.pod_sandbox_id().empty() && filter.pod_sandbox_id() != c.pod_id) continue;
      if (filter.has_state() && filter.state().state() != c.status.state()) continue;
      bool labels_match = true;
      for (const auto& [key, value] : filter.label_selector()) {
        auto found = c.status.labels().find(key);
        labels_match = labels_match && found != c.status.labels().end() && found->second == value;
      }
      if (!labels_match) continue;
      auto* item = response->add_containers();
      item->set_id(id);
      item->set_pod_sandbox_id(c.pod_id);
      *item->mutable_metadata() = c.status.metadata();
      *item->mutable_image() = c.status.image();
      item->set_image_ref(c.status.image_ref());
      item->set_state(c.status.state());
      item->set_created_at(c.status.created_at());
      *item->mutable_labels() = c.status.labels();
      *item->mutable_annotations() = c.status.annotations();
    }
    return grpc::Status::OK;
  }

  grpc::Status ContainerStatus(grpc::ServerContext*, const v1::ContainerStatusRequest* request,
                               v1::ContainerStatusResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("ContainerStatus " + request->container_id());
    auto it = containers.find(request->container_id());
    if (it == containers.end()) return {grpc::StatusCode::NOT_FOUND, "container not found"};
    *response->mutable_status() = it->second.status;
    if (request->verbose()) {
      for (const auto& [key, value] : it->second.info) (*response->mutable_info())[key] = value;
    }
    return grpc::Status::OK;
  }

  grpc::Status UpdateContainerResources(grpc::ServerContext*,
                                        const v1::UpdateContainerResourcesRequest* request,
                                        v1::UpdateContainerResourcesResponse*) override {
    std::lock_guard lock(mu);
    calls.push_back("UpdateContainerResources " + request->container_id());
    last_update = *request;
    return grpc::Status::OK;
  }

  grpc::Status ReopenContainerLog(grpc::ServerContext*,
                                  const v1::ReopenContainerLogRequest* request,
                                  v1::ReopenContainerLogResponse*) override {
    std::lock_guard lock(mu);
    calls.push_back("ReopenContainerLog " + request->container_id());
    return grpc::Status::OK;
  }

  grpc::Status ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest* request,
                        v1::ExecSyncResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("ExecSync " + request->container_id());
    last_exec = *request;
    *response = exec_response;
    return grpc::Status::OK;
  }
};

class FakeImageService final : public v1::ImageService::Service {
 public:
  std::mutex mu;
  std::map<std::string, std::string> images;  ///< reference -> image id
  std::vector<std::string> calls;
  std::vector<v1::PullImageRequest> pulls;

  grpc::Status ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest* request,
                           v1::ImageStatusResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("ImageStatus " + request->image().image());
    auto it = images.find(request->image().image());
    if (it != images.end()) {
      response->mutable_image()->set_id(it->second);
      response->mutable_image()->add_repo_tags(it->first);
    }
    return grpc::Status::OK;
  }

  grpc::Status PullImage(grpc::ServerContext*, const v1::PullImageRequest* request,
                         v1::PullImageResponse* response) override {
    std::lock_guard lock(mu);
    calls.push_back("PullImage " + request->image().image());
    pulls.push_back(*request);
    images[request->image().image()] = "sha256:" + std::string(64, 'f');
    response->set_image_ref("sha256:" + std::string(64, 'f'));
    return grpc::Status::OK;
  }
};

/// Both services on "<dir>/cri.sock", stopped with the object.
class FakeCriServer {
 public:
  explicit FakeCriServer(const std::string& dir) : socket_(dir + "/cri.sock") {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&runtime);
    builder.RegisterService(&image);
    server_ = builder.BuildAndStart();
  }
  ~FakeCriServer() {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  bool started() const { return server_ != nullptr; }
  std::string endpoint() const { return "unix://" + socket_; }

  FakeRuntimeService runtime;
  FakeImageService image;

 private:
  std::string socket_;
  std::unique_ptr<grpc::Server> server_;
};

/// A fresh directory under $TMPDIR (or /tmp), removed with the object.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/crioctl-test-XXXXXX";
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace crio::ctl::testing
