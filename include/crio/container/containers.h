#pragma once

// The life of a container, from CreateContainer to RemoveContainer: its root filesystem
// (image module), its OCI spec (spec module), its creation under a crio-monitor (monitor
// module), every later runtime call (runtime module), and its record (store module).
// Exits are learnt from the exit files the monitors write, watched with inotify, so the
// kubelet's frequent List/Status calls read memory only.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crio/artifact/store.h"
#include "crio/common/log.h"
#include "crio/common/trash.h"
#include "crio/config/config_holder.h"
#include "crio/image/rootfs.h"
#include "crio/image/store.h"
#include "crio/monitor/monitor.h"
#include "crio/runtime/handlers.h"
#include "crio/runtime/oci_runtime.h"
#include "crio/selinux/labeler.h"
#include "crio/spec/container_spec.h"
#include "crio/store/store.h"

namespace crio::container {

class SeccompChooser;

/// A container's SELinux labels ("" without SELinux).
struct ContainerLabels {
  std::string process;
  std::string mount;
  std::string process_type;  ///< spc_t: never relabel
};

struct ContainerOptions {
  std::string runroot;          ///< bundles: <runroot>/containers/<id>
  std::string exits_dir;        ///< [crio.runtime] container_exits_dir
  std::string attach_dir;       ///< [crio.runtime] container_attach_socket_dir
  std::string default_log_dir;  ///< [crio] log_dir, for pods without a log_directory
  /// Seccomp profiles from OCI artifacts (the seccomp profile annotations); null: such
  /// annotations fail CreateContainer with FailedPrecondition. Outlives the manager.
  artifact::ArtifactStore* artifacts = nullptr;
  /// Relabels volumes with selinux_relabel (crio.runtime.selinux); null: SELinux is off
  /// and containers get no labels.
  selinux::Labeler* labeler = nullptr;
};

/// ExecSync's answer.
struct ExecOutput {
  std::string stdout_bytes;
  std::string stderr_bytes;
  int exit_code = 0;
};

/// Host facts the spec builder needs, looked up once at start (RuntimeDefaults' "facts").
spec::RuntimeDefaults ProbeHostFacts(spec::RuntimeDefaults defaults);

class ContainerManager {
 public:
  using Handlers = std::function<std::shared_ptr<const runtime::HandlerRegistry>()>;

  ContainerManager(store::Store& state, image::ImageStore& images, image::RootfsManager& rootfs,
                   const config::ConfigHolder& config, Handlers handlers,
                   std::unique_ptr<monitor::MonitorLauncher> launcher, ContainerOptions options);
  ~ContainerManager();
  ContainerManager(const ContainerManager&) = delete;
  ContainerManager& operator=(const ContainerManager&) = delete;

  /// Starts watching the exits dir, then reconciles every record with what is really
  /// there: half-created containers are removed, containers that ended while the daemon
  /// was down get their exit codes, running ones are kept as they are.
  absl::Status Start(const RequestContext& ctx);

  /// CreateContainer: answers the new container's id. All or nothing.
  /// @param pod_config the pod-level values of the request's sandbox_config
  absl::StatusOr<std::string> Create(const RequestContext& ctx, const std::string& pod_id,
                                     spec::ContainerRequest request, spec::PodContext pod_config);
  /// Creates and starts the pod's infra (pause) container, for drop_infra_ctr = false:
  /// pause_image (pulled when missing, with pause_image_auth_file's credentials) running
  /// pause_command (or the image's own command when that is ""), read-only, in the pod's
  /// pinned namespaces and, when the pod shares one, as PID 1 of the pod's PID namespace.
  /// Its id is the pod's, as in CRI-O; the CRI's container calls do not see it. When it
  /// ends, the pod becomes NotReady. All or nothing.
  /// @param pod the pod being created (its record exists, its namespaces are pinned)
  absl::Status RunInfra(const RequestContext& ctx, const store::PodRecord& pod);
  absl::Status StartContainer(const RequestContext& ctx, const std::string& id);
  /// The stop signal, then SIGKILL after `timeout` (0: SIGKILL at once). Idempotent.
  absl::Status Stop(const RequestContext& ctx, const std::string& id, std::chrono::seconds timeout);
  /// Forcibly removes the container (killing it when it runs). A missing one is fine.
  absl::Status Remove(const RequestContext& ctx, const std::string& id);

  /// The record, with its exit taken into account if it just ended. NotFound for a
  /// pod's infra container.
  absl::StatusOr<store::ContainerRecord> Status(const std::string& id);
  /// Status, for a container that must be running (exec, attach, reopen).
  /// @return FailedPrecondition "container <id> is not running" otherwise
  absl::StatusOr<store::ContainerRecord> Running(const std::string& id);
  /// The container's config.json, for verbose status.
  absl::StatusOr<std::string> RuntimeSpec(const store::ContainerRecord& container) const;

  absl::StatusOr<ExecOutput> ExecSync(const RequestContext& ctx, const std::string& id,
                                      const std::vector<std::string>& command,
                                      std::chrono::seconds timeout);
  /// A streaming Exec's session and the directory of its files (process.json, pid and
  /// exit files, sockets), which the caller removes when the session has ended.
  struct ExecSession {
    monitor::ExecSession session;
    std::string container_id;
    std::string dir;
  };
  /// Runs `command` in the running container under a crio-monitor of its own, so that
  /// a daemon restart does not orphan it; its stdio is on the session's stream, and the
  /// process is killed when that stream goes.
  /// @return NotFound / FailedPrecondition for a missing or stopped container; the
  ///     runtime's own message (an unknown executable) when the exec failed
  absl::StatusOr<ExecSession> StartExecSession(const RequestContext& ctx, const std::string& id,
                                               const std::vector<std::string>& command, bool tty,
                                               bool stdin);
  /// Ends a session StartExecSession made: drops its stream (which kills a process
  /// still running), waits for its monitor to exit, then removes its directory.
  void EndExecSession(const RequestContext& ctx, ExecSession& session);
  /// Connects to the running container's own stdio (the CRI's Attach).
  /// @return NotFound / FailedPrecondition for a missing or stopped container
  absl::StatusOr<std::unique_ptr<monitor::AttachStream>> OpenAttach(const std::string& id);

  absl::Status UpdateResources(const RequestContext& ctx, const std::string& id,
                               const std::string& resources_json);
  absl::Status ReopenLog(const RequestContext& ctx, const std::string& id);

  /// For StopPodSandbox and RemovePodSandbox.
  absl::Status StopAllInPod(const RequestContext& ctx, const std::string& pod_id);
  absl::Status RemoveAllInPod(const RequestContext& ctx, const std::string& pod_id);

 private:
  std::string BundleDir(const std::string& id) const;
  std::string ExitFile(const std::string& id) const;
  std::string AttachDir(const std::string& id) const;
  /// Reads the container's exit file and records the exit; true when it has ended.
  bool CollectExit(const std::string& id);
  /// Waits until the container has ended or `timeout` passes.
  bool WaitForExit(const std::string& id, std::chrono::milliseconds timeout);
  void WatchExits();
  /// Status without hiding infra containers.
  absl::StatusOr<store::ContainerRecord> Current(const std::string& id);
  absl::StatusOr<store::ContainerRecord> CreateInPod(const RequestContext& ctx,
                                                     const store::PodRecord& pod,
                                                     spec::ContainerRequest request,
                                                     spec::PodContext pod_config, bool infra);
  absl::Status StartRecord(const RequestContext& ctx, const store::ContainerRecord& container);
  absl::Status StopRecord(const RequestContext& ctx, const store::ContainerRecord& container,
                          std::chrono::seconds timeout);
  absl::Status RemoveRecord(const RequestContext& ctx, const store::ContainerRecord& container);
  /// The pod's containers, its infra container last (it holds the namespaces).
  std::vector<store::ContainerRecord> PodContainers(const std::string& pod_id);
  /// The container's labels, from its pod's and its own SELinuxOption.
  absl::StatusOr<ContainerLabels> LabelsFor(const store::PodRecord& pod,
                                            const spec::ContainerRequest& request) const;
  /// Relabels the request's selinux_relabel mounts to the container's mount label.
  /// @param allowed_annotations the pod's, for the try-skip annotation
  absl::Status RelabelVolumes(const RequestContext& ctx, const store::PodRecord& pod,
                              const spec::ContainerRequest& request, const ContainerLabels& labels,
                              const std::vector<std::string>& allowed_annotations);
  /// Removes the stored seccomp profile artifacts no container uses any more.
  void PruneArtifacts(const RequestContext& ctx);
  /// An exec of `command` that starts from the container's own process (config.json).
  absl::StatusOr<runtime::ExecRequest> ExecRequestFor(
      const store::ContainerRecord& container, const std::vector<std::string>& command) const;
  absl::Status Cleanup(const RequestContext& ctx, const store::ContainerRecord& container);
  absl::StatusOr<std::shared_ptr<const runtime::Handler>> HandlerOf(
      const store::ContainerRecord& container) const;

  store::Store& state_;
  image::ImageStore& images_;
  image::RootfsManager& rootfs_;
  const config::ConfigHolder& config_;
  Handlers handlers_;
  std::unique_ptr<monitor::MonitorLauncher> launcher_;
  ContainerOptions options_;
  spec::RuntimeDefaults host_facts_;
  /// <runroot>/containers/.trash: removed bundles, attach dirs and exit files.
  std::unique_ptr<fs::Trash> trash_;
  std::unique_ptr<SeccompChooser> seccomp_;

  int inotify_fd_ = -1;
  int wake_fd_ = -1;  ///< eventfd that stops the watcher
  std::thread watcher_;
  // Counts the exit files the watcher has seen, so that WaitForExit wakes at once
  // instead of polling.
  absl::Mutex exits_mu_;
  std::uint64_t exits_seen_ ABSL_GUARDED_BY(exits_mu_) = 0;
};

}  // namespace crio::container
