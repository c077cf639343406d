#include "daemons.h"

#include <fstream>
#include <stdexcept>

namespace bench {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kStopGrace{10};

void WriteFile(const fs::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

// crio takes CRI-O's flags. The CNI dirs exist but are empty in both daemons, so both
// answer Status with NetworkReady=false after the same amount of work.
std::vector<std::string> PrepareCrio(const std::string& binary, const fs::path& dir) {
  fs::create_directories(dir / "crio.conf.d");
  fs::create_directories(dir / "net.d");
  fs::create_directories(dir / "cni");
  WriteFile(dir / "crio.conf",
            "[crio.network]\nnetwork_dir = " + TomlString((dir / "net.d").string() + "/") +
                "\nplugin_dirs = [" + TomlString((dir / "cni").string() + "/") + "]\n");
  return {binary,
          "--config",
          (dir / "crio.conf").string(),
          "--config-dir",
          (dir / "crio.conf.d").string(),
          "--listen",
          (dir / "crio.sock").string(),
          "--root",
          (dir / "root").string(),
          "--runroot",
          (dir / "run").string(),
          "--log-dir",
          (dir / "log").string(),
          "--cgroup-manager",
          "cgroupfs"};
}

// containerd 1.6 (Debian bookworm) with a version 2 config. Everything that has a path gets
// one in `dir`: root and state (which also hold the CRI plugin's own root/state), the gRPC
// socket that serves the CRI, the ttrpc socket (1.6 would derive "<grpc>.ttrpc" anyway), the
// CNI dirs and the "opt" plugin (its default is /opt/containerd). Debug and metrics listeners
// stay off. The snapshotters this machine cannot run are disabled so their probes do not
// make start-up slower or noisier than on a real node.
std::vector<std::string> PrepareContainerd(const std::string& binary, const fs::path& dir) {
  fs::create_directories(dir / "net.d");
  fs::create_directories(dir / "cni");
  const auto path = [&dir](const char* name) { return TomlString((dir / name).string()); };
  WriteFile(dir / "config.toml",
            "version = 2\n"
            "root = " +
                path("root") + "\n" + "state = " + path("state") + "\n" +
                "disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\", "
                "\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
                "\"io.containerd.snapshotter.v1.devmapper\"]\n"
                "\n[grpc]\n  address = " +
                path("containerd.sock") + "\n" +
                "\n[ttrpc]\n  address = " + path("containerd.sock.ttrpc") + "\n" +
                "\n[debug]\n  address = \"\"\n"
                "\n[metrics]\n  address = \"\"\n"
                "\n[plugins]\n"
                "  [plugins.\"io.containerd.grpc.v1.cri\"]\n"
                "    [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
                "      bin_dir = " +
                path("cni") + "\n" + "      conf_dir = " + path("net.d") + "\n" +
                "  [plugins.\"io.containerd.internal.v1.opt\"]\n"
                "    path = " +
                path("opt") + "\n");
  return {binary, "--config", (dir / "config.toml").string()};
}

void AppendToFile(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::app);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

// Quotes a path as a TOML basic string (temp dir paths have no quotes or backslashes, but a
// config that silently broke on one would be a confusing failure).
std::string TomlString(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

DaemonSpec CrioSpec(const std::string& binary) {
  return {.name = "crio",
          .binary = binary,
          .prepare = [binary](const fs::path& dir) { return PrepareCrio(binary, dir); },
          .socket_name = "crio.sock",
          .version_argv = {binary, "version"}};
}

DaemonSpec ContainerdSpec(const std::string& binary) {
  return {.name = "containerd",
          .binary = binary,
          .prepare = [binary](const fs::path& dir) { return PrepareContainerd(binary, dir); },
          .socket_name = "containerd.sock",
          .version_argv = {binary, "--version"}};
}

DaemonSpec CrioPodSpec(const std::string& binary, const PodSetup& setup) {
  DaemonSpec spec = CrioSpec(binary);
  spec.prepare = [base = spec.prepare, setup](const fs::path& dir) {
    auto argv = base(dir);
    const auto path = [&dir](const char* name) { return TomlString((dir / name).string()); };
    WriteFile(dir / "crio.conf.d" / "50-pods.conf",
              "[crio.runtime]\ncontainer_exits_dir = " + path("run/exits") +
                  "\ncontainer_attach_socket_dir = " + path("run/attach") +
                  "\nnamespaces_dir = " + path("run/ns") +
                  "\n[crio.runtime.runtimes.runc]\nruntime_root = " + path("run/runc") +
                  "\n[crio.image]\nregistries_conf = " + TomlString(setup.registries_conf) +
                  "\npause_image = " + TomlString(setup.pause_image) + "\n");
    return argv;
  };
  return spec;
}

// containerd 1.6's CRI plugin: the registry mirror table is deprecated in favour of
// config_path/hosts.toml but still supported, and is the shorter config.
DaemonSpec ContainerdPodSpec(const std::string& binary, const PodSetup& setup) {
  DaemonSpec spec = ContainerdSpec(binary);
  spec.prepare = [base = spec.prepare, setup](const fs::path& dir) {
    auto argv = base(dir);
    // The base config points bin_dir at an empty dir; plugins come from the host instead.
    std::ifstream in(dir / "config.toml");
    std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string empty_bin = "bin_dir = " + TomlString((dir / "cni").string());
    const size_t at = config.find(empty_bin);
    if (at == std::string::npos) throw std::logic_error("containerd config has no CNI bin_dir");
    config.replace(at, empty_bin.size(), "bin_dir = " + TomlString(setup.cni_plugin_dir));
    // Keys of the CRI table go right under its header (TOML forbids a second header).
    const std::string cri = "  [plugins.\"io.containerd.grpc.v1.cri\"";
    const size_t header = config.find(cri + "]\n");
    if (header == std::string::npos) throw std::logic_error("containerd config has no CRI table");
    config.insert(header + cri.size() + 2, "    sandbox_image = " + TomlString(setup.pause_image) +
                                               "\n    restrict_oom_score_adj = true\n");
    WriteFile(dir / "config.toml", config);
    AppendToFile(dir / "config.toml", cri + ".registry.mirrors." + TomlString(setup.registry_host) +
                                          "]\n    endpoint = [" +
                                          TomlString("http://" + setup.registry_host) + "]\n");
    WriteFile(dir / "net.d" / "10-bench.conflist",
              R"({"cniVersion": "0.4.0", "name": "bench", "plugins": [
  {"type": "bridge", "bridge": "cbench0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.231.0.0/16"}]],
            "dataDir": )" +
                  TomlString((dir / "ipam").string()) +
                  R"(}},
  {"type": "loopback"}]}
)");
    return argv;
  };
  return spec;
}

DaemonRun::DaemonRun(const DaemonSpec& spec)
    : name_(spec.name),
      socket_name_(spec.socket_name),
      dir_("daemon-bench-" + spec.name + "-"),
      log_file_(dir_.path() / "daemon.log") {
  const std::vector<std::string> argv = spec.prepare(dir_.path());
  spawned_at_ = std::chrono::steady_clock::now();
  child_ = std::make_unique<Child>(argv, log_file_);
}

DaemonRun::~DaemonRun() { Stop(); }

std::string DaemonRun::Diagnose() {
  std::string text =
      name_ + (child_->Running() ? " is still running"
                                 : " exited with " + DescribeWaitStatus(child_->wait_status()));
  return text + "; last lines of its log:\n" + TailOfFile(log_file_, 15);
}

bool DaemonRun::Stop() { return child_->Stop(kStopGrace); }

}  // namespace bench
