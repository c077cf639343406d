// The two daemons the benchmark compares, and one self-contained run of either: its own
// temp dir holding config, socket, root and state, so nothing on the host paths is used.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "process.h"

namespace bench {

struct DaemonSpec {
  std::string name;    // the table column: "crio" or "containerd"
  std::string binary;  // path of the executable
  // Writes the daemon's config files into a fresh `dir` and returns the argv to start it.
  std::function<std::vector<std::string>(const std::filesystem::path& dir)> prepare;
  // The CRI socket the argv above makes the daemon listen on, inside `dir`.
  std::string socket_name;
  // The command that prints the daemon's version; the first line of its output is reported.
  std::vector<std::string> version_argv;
};

// Quotes text as a TOML basic string, for the paths the configs name.
std::string TomlString(const std::string& text);

DaemonSpec CrioSpec(const std::string& binary);
DaemonSpec ContainerdSpec(const std::string& binary);

// What a daemon needs to run pods and containers from the registry fixture (plain http on
// 127.0.0.1): the fixture's registries.conf, its registry host and its pause image.
struct PodSetup {
  std::string registries_conf;  // for crio
  std::string registry_host;    // "127.0.0.1:<port>", a plain-http mirror for containerd
  std::string pause_image;      // containerd's sandbox_image (crio drops the infra container)
  std::string cni_plugin_dir = "/usr/lib/cni";
};
// The specs above extended for pods: every runtime path (exits, attach sockets, namespaces,
// runc's state) inside the temp dir for crio; for containerd a bridge CNI network with
// host-local IPAM, the fixture's pause image as sandbox_image, the http mirror and
// restrict_oom_score_adj (this host lacks CAP_SYS_RESOURCE).
DaemonSpec CrioPodSpec(const std::string& binary, const PodSetup& setup);
DaemonSpec ContainerdPodSpec(const std::string& binary, const PodSetup& setup);

// One start of a daemon, stopped (SIGTERM, SIGKILL after 10 s) and cleaned up on destruction.
class DaemonRun {
 public:
  // Prepares a fresh temp dir and spawns the daemon; spawned_at() is taken just before.
  explicit DaemonRun(const DaemonSpec& spec);
  ~DaemonRun();
  DaemonRun(const DaemonRun&) = delete;
  DaemonRun& operator=(const DaemonRun&) = delete;

  std::string socket_path() const { return (dir_.path() / socket_name_).string(); }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::chrono::steady_clock::time_point spawned_at() const { return spawned_at_; }
  Child& child() { return *child_; }
  // For error messages: how the daemon ended (if it did) and the end of its log.
  std::string Diagnose();
  // Stops the daemon now: SIGTERM, then SIGKILL after 10 s. Returns false if SIGKILL was
  // needed, which the report counts.
  bool Stop();

 private:
  std::string name_;
  std::string socket_name_;
  TempDir dir_;  // declared before child_: the daemon is stopped before its files go
  std::filesystem::path log_file_;
  std::chrono::steady_clock::time_point spawned_at_;
  std::unique_ptr<Child> child_;
};

}  // namespace bench
