// lifecycle_bench: the pod and container lifecycle over the CRI, crio side by side with
// containerd (Debian's, the peer), plus two floors that involve no daemon at all:
//   - per daemon (fresh temp dir each, see daemons.cc CrioPodSpec/ContainerdPodSpec): pull
//     busybox from the registry fixture, then W warm-up and N measured rounds of
//     RunPodSandbox, CreateContainer, StartContainer, StopContainer (timeout 0: SIGKILL at
//     once, since busybox `sleep` as PID 1 has no SIGTERM handler), RemoveContainer,
//     StopPodSandbox, RemovePodSandbox, each call timed on its own;
//   - the private memory of the process that watches one running container: crio-monitor
//     (one per container) and containerd-shim-runc-v2 (one per pod), taken in the last round;
//   - ListContainers with C containers present (created, not started, spread over P pods);
//   - the daemon's VmRSS once everything is removed and it has been idle for 2 s;
//   - Debian's conmon watching the same busybox command on a bundle we make ourselves (as
//     CRI-O runs it), and `runc create` + `runc start` of that bundle: the raw floor;
//   - the idle VmRSS of grpc_floor_server, a gRPC server with no service of its own on a
//     unix socket: the memory floor of a daemon built on Debian's libgrpc++.
// All daemons pull the same image from the same plain-http registry on 127.0.0.1.
// Figures go to stdout as tables; progress and failures go to stderr.

#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cri_load.h"
#include "crio/cri/api.h"
#include "daemons.h"
#include "fixture.h"
#include "proc_stats.h"
#include "process.h"
#include "report.h"

namespace bench {
namespace {

namespace fs = std::filesystem;
namespace v1 = runtime::v1;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kStartTimeout{60};
constexpr std::chrono::seconds kLifecycleCallDeadline{120};
constexpr char kCgroupParent[] = "/crio-lifecycle-bench";
// The bridge the containerd CNI config (daemons.cc) creates; removed after each containerd run.
constexpr char kBridge[] = "cbench0";

struct Options {
  std::string crio = CRIO_BENCH_DEFAULT_CRIO;
  std::string containerd = "/usr/bin/containerd";
  std::string conmon = "/usr/bin/conmon";
  std::string runc = "/usr/sbin/runc";
  std::string grpc_floor_server = CRIO_BENCH_GRPC_FLOOR_SERVER;
  std::string busybox = "/bin/busybox";  // busybox-static: the fixture's image is made from it
  std::string fixture_script = CRIO_BENCH_FIXTURE_SCRIPT;
  std::string fixture_dir;
  int rounds = 30;
  int warmup = 3;
  int list_containers = 1000;
  int list_pods = 20;
  int list_calls = 200;
  bool crio_only = false;  // a quick loop while working on crio: no containerd, no floor
};

// The timed CRI calls, in the order a round makes them.
enum Op { kRunPod, kCreate, kStart, kStop, kRemove, kStopPod, kRemovePod, kOpCount };
constexpr const char* kOpNames[kOpCount] = {"RunPodSandbox",   "CreateContainer", "StartContainer",
                                            "StopContainer",   "RemoveContainer", "StopPodSandbox",
                                            "RemovePodSandbox"};

struct DaemonResults {
  std::string name;
  std::string version;
  bool measured = false;
  bool failed = false;
  std::string note;
  std::vector<double> ms[kOpCount];
  std::vector<double> create_start_ms;  // CreateContainer + StartContainer of one round
  std::vector<double> list_ms;
  double list_fill_seconds = 0;  // creating the containers for the list measure
  double idle_rss_mib = 0;
  double idle_anon_mib = 0;
  double monitor_private_kib = 0;
  std::string leftovers;  // what the clean-up sweep found after the daemon stopped
};

struct FloorResults {
  bool measured = false;
  std::string note;
  std::vector<double> create_ms, start_ms, create_start_ms;
  double conmon_private_kib = 0;
  std::string conmon_version;
  double grpc_floor_rss_mib = 0;
};

void Progress(const std::string& who, const std::string& message) {
  std::cerr << "[" << who << "] " << message << std::endl;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

double Ms(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// Nearest rank, as stats.cc's Summarize (which has no p95).
double Percentile(std::vector<double> samples, double percent) {
  if (samples.empty()) throw std::invalid_argument("Percentile: no samples");
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(percent / 100.0 * static_cast<double>(samples.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return samples[std::min(index, samples.size() - 1)];
}

std::string ReadText(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The arguments of a process, or nothing if it is gone.
std::vector<std::string> CommandLine(pid_t pid) {
  const std::string raw = ReadText("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\0') {
      args.push_back(raw.substr(start, i - start));
      start = i + 1;
    }
  }
  return args;
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
      pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return pids;
}

// The process whose program name starts with `program` and that has `id` as an argument.
std::optional<pid_t> FindProcess(const std::string& program, const std::string& id) {
  for (pid_t pid : AllPids()) {
    const auto args = CommandLine(pid);
    if (args.empty()) continue;
    const std::string base = fs::path(args[0]).filename().string();
    if (base.rfind(program, 0) != 0) continue;
    if (std::find(args.begin(), args.end(), id) != args.end()) return pid;
  }
  return std::nullopt;
}

double PrivateKib(pid_t pid) { return ReadMemory(pid).private_mib * 1024.0; }

// The CRI calls of one round, on one channel, all with the same deadline.
class Cri {
 public:
  explicit Cri(const std::string& socket_path)
      : channel_(ConnectCri(socket_path)),
        runtime_(v1::RuntimeService::NewStub(channel_)),
        images_(v1::ImageService::NewStub(channel_)) {}

  template <typename Request, typename Response, typename Method>
  Response Call(const char* name, Method method, const Request& request, double* ms = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kLifecycleCallDeadline);
    Response response;
    const auto start = Clock::now();
    const grpc::Status status = method(&context, request, &response);
    if (ms != nullptr) *ms = Ms(Clock::now() - start);
    if (!status.ok()) {
      throw std::runtime_error(std::string(name) + " failed: code " +
                               std::to_string(static_cast<int>(status.error_code())) + ": " +
                               status.error_message());
    }
    return response;
  }

#define CRI_METHOD(stub, Name)                                                              \
  v1::Name##Response Name(const v1::Name##Request& request, double* ms = nullptr) {         \
    return Call<v1::Name##Request, v1::Name##Response>(                                     \
        #Name,                                                                              \
        [this](grpc::ClientContext* c, const v1::Name##Request& q, v1::Name##Response* r) { \
          return stub->Name(c, q, r);                                                       \
        },                                                                                  \
        request, ms);                                                                       \
  }
  CRI_METHOD(images_, PullImage)
  CRI_METHOD(runtime_, RunPodSandbox)
  CRI_METHOD(runtime_, CreateContainer)
  CRI_METHOD(runtime_, StartContainer)
  CRI_METHOD(runtime_, StopContainer)
  CRI_METHOD(runtime_, RemoveContainer)
  CRI_METHOD(runtime_, StopPodSandbox)
  CRI_METHOD(runtime_, RemovePodSandbox)
  CRI_METHOD(runtime_, ListContainers)
  CRI_METHOD(runtime_, ListPodSandbox)
#undef CRI_METHOD

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RuntimeService::Stub> runtime_;
  std::unique_ptr<v1::ImageService::Stub> images_;
};

v1::PodSandboxConfig PodConfig(const std::string& name, const fs::path& log_root) {
  fs::create_directories(log_root / name);  // the kubelet makes it before RunPodSandbox
  v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_namespace_("bench");
  config.mutable_metadata()->set_uid("uid-" + name);
  config.set_hostname(name);
  config.set_log_directory((log_root / name).string());
  config.mutable_linux()->set_cgroup_parent(kCgroupParent);
  return config;
}

v1::CreateContainerRequest CreateRequest(const std::string& pod_id, const v1::PodSandboxConfig& pod,
                                         const std::string& name, const std::string& image) {
  v1::CreateContainerRequest request;
  request.set_pod_sandbox_id(pod_id);
  v1::ContainerConfig& config = *request.mutable_config();
  config.mutable_metadata()->set_name(name);
  config.mutable_image()->set_image(image);
  config.add_command("sleep");
  config.add_args("3600");
  config.set_log_path(name + ".log");
  *request.mutable_sandbox_config() = pod;
  return request;
}

// Best effort: stops and removes every pod the daemon still has (after a failure mid-round,
// or the list measure), so no container outlives the run.
void RemoveAllPods(Cri& cri) {
  const auto pods = cri.ListPodSandbox(v1::ListPodSandboxRequest());
  for (const v1::PodSandbox& pod : pods.items()) {
    v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(pod.id());
    cri.StopPodSandbox(stop);
    v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(pod.id());
    cri.RemovePodSandbox(remove);
  }
}

void MeasureRounds(Cri& cri, const std::string& image, const fs::path& log_root,
                   const std::string& monitor_program, const Options& options,
                   DaemonResults& results) {
  for (int round = -options.warmup; round < options.rounds; ++round) {
    CheckInterrupted();
    const bool measured = round >= 0;
    const bool last = round == options.rounds - 1;
    double ms[kOpCount] = {};
    const v1::PodSandboxConfig pod = PodConfig("pod" + std::to_string(round + 100), log_root);
    v1::RunPodSandboxRequest run;
    *run.mutable_config() = pod;
    const std::string pod_id = cri.RunPodSandbox(run, &ms[kRunPod]).pod_sandbox_id();
    const std::string id =
        cri.CreateContainer(CreateRequest(pod_id, pod, "sleeper", image), &ms[kCreate])
            .container_id();
    v1::StartContainerRequest start;
    start.set_container_id(id);
    cri.StartContainer(start, &ms[kStart]);
    if (last) {
      // crio-monitor is found by the container id, containerd's shim by the pod id.
      const auto pid =
          FindProcess(monitor_program, monitor_program == "crio-monitor" ? id : pod_id);
      if (!pid) throw std::runtime_error("no " + monitor_program + " process found for " + id);
      results.monitor_private_kib = PrivateKib(*pid);
    }
    v1::StopContainerRequest stop;
    stop.set_container_id(id);
    stop.set_timeout(0);
    cri.StopContainer(stop, &ms[kStop]);
    v1::RemoveContainerRequest remove;
    remove.set_container_id(id);
    cri.RemoveContainer(remove, &ms[kRemove]);
    v1::StopPodSandboxRequest stop_pod;
    stop_pod.set_pod_sandbox_id(pod_id);
    cri.StopPodSandbox(stop_pod, &ms[kStopPod]);
    v1::RemovePodSandboxRequest remove_pod;
    remove_pod.set_pod_sandbox_id(pod_id);
    cri.RemovePodSandbox(remove_pod, &ms[kRemovePod]);
    if (!measured) continue;
    for (int op = 0; op < kOpCount; ++op) results.ms[op].push_back(ms[op]);
    results.create_start_ms.push_back(ms[kCreate] + ms[kStart]);
    if ((round + 1) % 10 == 0) {
      Progress(results.name,
               "round " + std::to_string(round + 1) + "/" + std::to_string(options.rounds));
    }
  }
}

void MeasureList(Cri& cri, const std::string& image, const fs::path& log_root,
                 const Options& options, DaemonResults& results) {
  const int per_pod = (options.list_containers + options.list_pods - 1) / options.list_pods;
  int created = 0;
  const auto fill_start = Clock::now();
  for (int p = 0; p < options.list_pods && created < options.list_containers; ++p) {
    const v1::PodSandboxConfig pod = PodConfig("list" + std::to_string(p), log_root);
    v1::RunPodSandboxRequest run;
    *run.mutable_config() = pod;
    const std::string pod_id = cri.RunPodSandbox(run).pod_sandbox_id();
    for (int c = 0; c < per_pod && created < options.list_containers; ++c, ++created) {
      if (c % 16 == 0) CheckInterrupted();
      cri.CreateContainer(CreateRequest(pod_id, pod, "c" + std::to_string(c), image));
    }
  }
  results.list_fill_seconds = std::chrono::duration<double>(Clock::now() - fill_start).count();
  Progress(results.name, std::to_string(created) + " containers created in " +
                             Fixed(results.list_fill_seconds, 1) + " s");
  const v1::ListContainersRequest list;
  for (int i = 0; i < options.list_calls; ++i) {
    double ms = 0;
    const auto response = cri.ListContainers(list, &ms);
    if (response.containers_size() != created) {
      throw std::runtime_error("ListContainers returned " +
                               std::to_string(response.containers_size()) + " containers, not " +
                               std::to_string(created));
    }
    results.list_ms.push_back(ms);
  }
  RemoveAllPods(cri);
  const auto left = cri.ListContainers(list).containers_size();
  if (left != 0) {
    throw std::runtime_error("RemovePodSandbox left " + std::to_string(left) + " containers");
  }
}

// After a daemon stopped: kills by PID any process whose command line names its temp dir
// (monitors, shims) and says what it found.
std::string SweepLeftovers(const fs::path& dir) {
  std::string found;
  for (pid_t pid : AllPids()) {
    if (pid == ::getpid()) continue;
    const auto args = CommandLine(pid);
    const bool names_dir = std::any_of(args.begin(), args.end(), [&](const std::string& arg) {
      return arg.find(dir.string()) != std::string::npos;
    });
    if (!names_dir) continue;
    found += (found.empty() ? "" : ", ") + fs::path(args[0]).filename().string() + " " +
             std::to_string(pid);
    ::kill(pid, SIGKILL);
  }
  return found;
}

void RemoveCgroupParent() {
  std::error_code error;
  for (const auto& controller : fs::directory_iterator("/sys/fs/cgroup", error)) {
    const fs::path parent = controller.path() / (kCgroupParent + 1);
    if (fs::is_directory(parent, error)) ::rmdir(parent.c_str());  // only if empty
  }
}

DaemonResults MeasureDaemon(const DaemonSpec& spec, const std::string& image,
                            const std::string& monitor_program, const Options& options) {
  DaemonResults results;
  results.name = spec.name;
  if (::access(spec.binary.c_str(), X_OK) != 0) {
    results.note = spec.name + " skipped: no executable at " + spec.binary;
    Progress(spec.name, results.note);
    return results;
  }
  results.version = FirstLine(CaptureOutput(spec.version_argv));
  std::optional<fs::path> dir;
  try {
    DaemonRun run(spec);
    dir = run.dir();
    const fs::path log_root = run.dir() / "pod-logs";
    std::optional<Cri> cri;
    try {
      WaitForFirstVersion(run.socket_path(), run.child(), run.spawned_at(), kStartTimeout);
      cri.emplace(run.socket_path());
      v1::PullImageRequest pull;
      pull.mutable_image()->set_image(image);
      double pull_ms = 0;
      cri->PullImage(pull, &pull_ms);
      Progress(spec.name, "pulled " + image + " in " + Fixed(pull_ms, 0) + " ms");
      MeasureRounds(*cri, image, log_root, monitor_program, options, results);
      if (options.list_containers > 0) MeasureList(*cri, image, log_root, options, results);
      SleepFor(std::chrono::milliseconds(2000));
      const MemorySnapshot idle = ReadMemory(run.child().pid());
      results.idle_rss_mib = idle.rss_mib;
      results.idle_anon_mib = idle.anon_mib;
      results.measured = true;
    } catch (const Interrupted&) {
      throw;
    } catch (const std::exception& error) {
      results.failed = true;
      results.note = spec.name + " failed: " + error.what() + "\n" + run.Diagnose();
      Progress(spec.name, results.note);
      if (cri) {
        try {
          RemoveAllPods(*cri);
        } catch (const std::exception& cleanup) {
          Progress(spec.name, std::string("clean-up after the failure: ") + cleanup.what());
        }
      }
    }
    if (!run.Stop())
      results.note += (results.note.empty() ? "" : "; ") + std::string("SIGKILL needed");
    results.leftovers = SweepLeftovers(run.dir());
  } catch (const Interrupted&) {
    if (dir) SweepLeftovers(*dir);
    throw;
  } catch (const std::exception& error) {
    results.failed = true;
    results.note = spec.name + " failed: " + error.what();
  }
  RemoveCgroupParent();
  return results;
}

// A bundle like CRI-O's for conmon and the runc floor: busybox-static as the rootfs and
// `sleep 3600` as the process, no terminal, from `runc spec`'s defaults.
void MakeBundle(const Options& options, const fs::path& bundle, const fs::path& scratch) {
  fs::create_directories(bundle / "rootfs" / "bin");
  fs::copy_file(options.busybox, bundle / "rootfs" / "bin" / "busybox");
  RunToEnd({options.runc, "spec", "--bundle", bundle.string()}, scratch / "spec.log",
           std::chrono::seconds(10));
  const fs::path spec = bundle / "config.json";
  const std::string edited =
      CaptureOutput({"jq",
                     ".process.terminal = false | .process.args = [\"/bin/busybox\", \"sleep\", "
                     "\"3600\"]",
                     spec.string()});
  std::ofstream out(spec, std::ios::trunc);
  out << edited;
  if (!out.flush() || edited.find("\"/bin/busybox\"") == std::string::npos) {
    throw std::runtime_error("cannot edit " + spec.string() + ": " + edited);
  }
}

// Runs a short program to its end, timed from spawn to reaping.
double TimedRun(const std::vector<std::string>& argv, const fs::path& log) {
  const auto start = Clock::now();
  Child child(argv, log);
  while (child.Running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  const double ms = Ms(Clock::now() - start);
  const int status = child.wait_status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " " + argv[1] + " ... failed with " +
                             DescribeWaitStatus(status) + ":\n" + TailOfFile(log, 10));
  }
  return ms;
}

void WaitForFile(const fs::path& file, std::chrono::seconds timeout, const fs::path& log) {
  const auto deadline = Clock::now() + timeout;
  while (!fs::exists(file)) {
    CheckInterrupted();
    if (Clock::now() > deadline) {
      throw std::runtime_error("no " + file.string() + " after " + std::to_string(timeout.count()) +
                               " s; log:\n" + TailOfFile(log, 10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

pid_t ReadPidFile(const fs::path& file) { return static_cast<pid_t>(std::stol(ReadText(file))); }

// Waits for a process that is not our child to go, SIGKILL after `grace`.
void AwaitGone(pid_t pid, std::chrono::milliseconds grace) {
  const auto deadline = Clock::now() + grace;
  while (::kill(pid, 0) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Started, given one call (so that its connection path has run, as the daemons' have),
// left idle for 2 s like the daemons, then measured.
double IdleRssOfBareGrpcServer(const Options& options, const fs::path& scratch) {
  const fs::path socket = scratch / "grpc-floor.sock";
  Child server({options.grpc_floor_server, socket.string()}, scratch / "grpc-floor.log");
  WaitForFile(socket, std::chrono::seconds(10), scratch / "grpc-floor.log");
  {
    auto stub = v1::RuntimeService::NewStub(ConnectCri(socket.string()));
    v1::VersionResponse version;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    // UNIMPLEMENTED is the expected answer: only the round trip matters.
    (void)stub->Version(&context, v1::VersionRequest(), &version);
  }
  SleepFor(std::chrono::milliseconds(2000));
  const double rss = ReadMemory(server.pid()).rss_mib;
  server.Stop(std::chrono::seconds(2));
  return rss;
}

FloorResults MeasureFloor(const Options& options) {
  FloorResults results;
  TempDir scratch("lifecycle-bench-runc-");
  const fs::path root = scratch.path() / "runc-root";
  const fs::path log = scratch.path() / "runc.log";
  const auto runc = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {options.runc, "--root", root.string()});
    return args;
  };
  // Whatever happens, no container of ours is left (runc delete --force kills it).
  std::vector<std::string> ids;
  const auto remove_all = [&] {
    for (const std::string& id : ids) {
      try {
        RunToEnd(runc({"delete", "--force", id}), scratch.path() / "delete.log",
                 std::chrono::seconds(10), /*interruptible=*/false);
      } catch (const std::exception&) {
        // already gone
      }
    }
    ids.clear();
  };
  try {
    const fs::path bundle = scratch.path() / "bundle";
    MakeBundle(options, bundle, scratch.path());
    for (int round = -options.warmup; round < options.rounds; ++round) {
      CheckInterrupted();
      const std::string id = "lifecycle-bench-floor-" + std::to_string(round + 100);
      ids.push_back(id);
      const double create = TimedRun(runc({"create", "--bundle", bundle.string(), id}), log);
      const double start = TimedRun(runc({"start", id}), log);
      remove_all();
      if (round < 0) continue;
      results.create_ms.push_back(create);
      results.start_ms.push_back(start);
      results.create_start_ms.push_back(create + start);
    }
    Progress("runc", "floor measured");

    // conmon, as CRI-O starts it: it forks (no --sync), runs `runc create`, writes the
    // container's pid file; CRI-O then runs `runc start`.
    if (::access(options.conmon.c_str(), X_OK) != 0) {
      results.note = "conmon skipped: no executable at " + options.conmon;
    } else {
      results.conmon_version = FirstLine(CaptureOutput({options.conmon, "--version"}));
      const std::string id = "lifecycle-bench-conmon";
      const fs::path dirs = scratch.path() / "conmon";
      fs::create_directories(dirs / "exits");
      fs::create_directories(dirs / "attach");
      const fs::path conmon_log = dirs / "conmon.out";
      ids.push_back(id);
      RunToEnd({options.conmon,
                "--api-version",
                "1",
                "-c",
                id,
                "-u",
                id,
                "-n",
                "sleeper",
                "-r",
                options.runc,
                "--runtime-arg",
                "--root=" + root.string(),
                "-b",
                bundle.string(),
                "-p",
                (dirs / "container.pid").string(),
                "-P",
                (dirs / "conmon.pid").string(),
                "-l",
                "k8s-file:" + (dirs / "container.log").string(),
                "--exit-dir",
                (dirs / "exits").string(),
                "--socket-dir-path",
                (dirs / "attach").string(),
                "--log-level",
                "error"},
               conmon_log, std::chrono::seconds(10));
      WaitForFile(dirs / "container.pid", std::chrono::seconds(10), conmon_log);
      WaitForFile(dirs / "conmon.pid", std::chrono::seconds(10), conmon_log);
      const pid_t conmon = ReadPidFile(dirs / "conmon.pid");
      RunToEnd(runc({"start", id}), log, std::chrono::seconds(10));
      SleepFor(std::chrono::milliseconds(500));
      results.conmon_private_kib = PrivateKib(conmon);
      remove_all();  // the container dies; conmon writes the exit file and ends
      AwaitGone(conmon, std::chrono::seconds(5));
    }
    results.grpc_floor_rss_mib = IdleRssOfBareGrpcServer(options, scratch.path());
    results.measured = true;
  } catch (const Interrupted&) {
    remove_all();
    throw;
  } catch (const std::exception& error) {
    results.note = std::string("runc/conmon floor failed: ") + error.what();
    Progress("runc", results.note);
  }
  remove_all();
  return results;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string Verdict(bool met) { return met ? "met" : "NOT met"; }

void PrintReport(const Options& options, const std::string& image, const std::string& load_before,
                 const DaemonResults& crio, const DaemonResults& containerd,
                 const FloorResults& floor) {
  utsname host{};
  ::uname(&host);
  std::cout << "lifecycle_bench: " << options.rounds << " rounds per daemon after "
            << options.warmup << " warm-up; " << std::thread::hardware_concurrency()
            << " CPUs, Linux " << host.release << "; load average before " << load_before
            << ", after " << LoadAverage() << "\n";
  std::cout << "image: " << image << " (plain http on 127.0.0.1); container: `sleep 3600`; "
            << "StopContainer timeout 0 (SIGKILL at once)\n\n== Versions\n";
  std::cout << "crio        " << (crio.version.empty() ? "-" : crio.version) << "\n";
  std::cout << "containerd  " << (containerd.version.empty() ? "-" : containerd.version) << "\n";
  std::cout << "conmon      " << (floor.conmon_version.empty() ? "-" : floor.conmon_version)
            << "\n\n";

  const std::vector<const DaemonResults*> both = {&crio, &containerd};
  Table latency("CRI call latency (ms), p50 / p95 / p99",
                {"crio", "containerd", "crio/containerd p50"});
  const auto triple = [](const std::vector<double>& samples) {
    return Fixed(Percentile(samples, 50), 2) + " / " + Fixed(Percentile(samples, 95), 2) + " / " +
           Fixed(Percentile(samples, 99), 2);
  };
  const auto ratio = [&](auto samples) -> std::optional<double> {
    if (!crio.measured || !containerd.measured) return std::nullopt;
    return Percentile(samples(crio), 50) / Percentile(samples(containerd), 50);
  };
  const auto add = [&](const std::string& label, auto samples) {
    std::vector<std::string> cells;
    for (const DaemonResults* r : both) cells.push_back(r->measured ? triple(samples(*r)) : "");
    const auto r = ratio(samples);
    cells.push_back(r ? Fixed(*r, 2) : "");
    latency.AddRow(label, std::move(cells));
  };
  for (int op = 0; op < kOpCount; ++op) {
    add(kOpNames[op], [op](const DaemonResults& r) { return r.ms[op]; });
  }
  add("Create+Start", [](const DaemonResults& r) { return r.create_start_ms; });
  latency.AddRow("runc create+start (floor)",
                 {floor.measured ? triple(floor.create_start_ms) : "", "", ""});
  latency.Print(std::cout);

  Table list("ListContainers (ms) with " + std::to_string(options.list_containers) +
                 " created containers in " + std::to_string(options.list_pods) + " pods, " +
                 std::to_string(options.list_calls) + " calls",
             {"crio", "containerd"});
  const auto list_cell = [](const DaemonResults& r, double percent) {
    return r.measured && !r.list_ms.empty() ? Fixed(Percentile(r.list_ms, percent), 2)
                                            : std::string();
  };
  list.AddRow("p50", {list_cell(crio, 50), list_cell(containerd, 50)});
  list.AddRow("p99", {list_cell(crio, 99), list_cell(containerd, 99)});
  list.AddRow("creating them (s)",
              {crio.measured ? Fixed(crio.list_fill_seconds, 1) : "",
               containerd.measured ? Fixed(containerd.list_fill_seconds, 1) : ""});
  list.Print(std::cout);

  Table memory("Memory", {"crio", "containerd", "conmon"});
  memory.AddRow("daemon VmRSS, idle after the run (MiB)",
                {crio.measured ? Fixed(crio.idle_rss_mib, 1) : "",
                 containerd.measured ? Fixed(containerd.idle_rss_mib, 1) : "", ""});
  memory.AddRow("  of which anonymous (RssAnon: heap, stacks; the rest is mapped files)",
                {crio.measured ? Fixed(crio.idle_anon_mib, 1) : "",
                 containerd.measured ? Fixed(containerd.idle_anon_mib, 1) : "", ""});
  memory.AddRow("bare gRPC server on a unix socket, idle VmRSS (floor, MiB)",
                {floor.grpc_floor_rss_mib > 0 ? Fixed(floor.grpc_floor_rss_mib, 1) : "", "", ""});
  memory.AddRow("monitor private (KiB): crio-monitor / containerd-shim-runc-v2 (per pod) / conmon",
                {crio.measured ? Fixed(crio.monitor_private_kib, 0) : "",
                 containerd.measured ? Fixed(containerd.monitor_private_kib, 0) : "",
                 floor.conmon_private_kib > 0 ? Fixed(floor.conmon_private_kib, 0) : ""});
  memory.Print(std::cout);

  std::cout << "== Targets\n";
  const auto target = [](const std::string& text, std::optional<bool> met) {
    std::cout << "  " << text << ": " << (met ? Verdict(*met) : "- (not measured)") << "\n";
  };
  for (Op op : {kRunPod, kStopPod, kRemovePod, kStop, kRemove}) {
    const auto r = ratio([op](const DaemonResults& d) { return d.ms[op]; });
    target(std::string(kOpNames[op]) + " p50 <= 0.5x containerd (" +
               (r ? Fixed(*r, 2) + "x" : "-") + ")",
           r ? std::optional<bool>(*r <= 0.5) : std::nullopt);
  }
  const auto cs = ratio([](const DaemonResults& d) { return d.create_start_ms; });
  target("CreateContainer+StartContainer p50 <= 0.8x containerd (" +
             (cs ? Fixed(*cs, 2) + "x" : "-") + ")",
         cs ? std::optional<bool>(*cs <= 0.8) : std::nullopt);
  if (crio.measured && floor.measured) {
    const double over =
        Percentile(crio.create_start_ms, 50) / Percentile(floor.create_start_ms, 50);
    target("CreateContainer+StartContainer p50 within 1.2x of runc create+start (" +
               Fixed(over, 2) + "x)",
           over <= 1.2);
  } else {
    target("CreateContainer+StartContainer p50 within 1.2x of runc create+start", std::nullopt);
  }
  if (crio.measured && !crio.list_ms.empty()) {
    const double p99 = Percentile(crio.list_ms, 99);
    target("ListContainers p99 < 5 ms at " + std::to_string(options.list_containers) + " (" +
               Fixed(p99, 2) + " ms)",
           p99 < 5);
  } else {
    target("ListContainers p99 < 5 ms", std::nullopt);
  }
  target("crio idle RSS < 15 MiB (" + (crio.measured ? Fixed(crio.idle_rss_mib, 1) : "-") + ")",
         crio.measured ? std::optional<bool>(crio.idle_rss_mib < 15) : std::nullopt);
  const bool have_monitor = crio.measured && floor.conmon_private_kib > 0;
  target("crio-monitor private < conmon's (" +
             (have_monitor ? Fixed(crio.monitor_private_kib, 0) + " vs " +
                                 Fixed(floor.conmon_private_kib, 0) + " KiB"
                           : std::string("-")) +
             ")",
         have_monitor ? std::optional<bool>(crio.monitor_private_kib < floor.conmon_private_kib)
                      : std::nullopt);
  target("crio-monitor private < 300 KiB",
         crio.measured ? std::optional<bool>(crio.monitor_private_kib < 300) : std::nullopt);
  for (const DaemonResults* r : both) {
    if (!r->note.empty()) std::cout << "note: " << r->note << "\n";
    if (!r->leftovers.empty()) {
      std::cout << "note: " << r->name << " left processes behind (killed): " << r->leftovers
                << "\n";
    }
  }
  if (!floor.note.empty()) std::cout << "note: " << floor.note << "\n";
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  bench::Options options;
  CLI::App app{"Pod and container lifecycle over the CRI: crio against containerd, runc, conmon"};
  app.add_option("--crio", options.crio, "crio executable")->capture_default_str();
  app.add_option("--containerd", options.containerd, "containerd executable")
      ->capture_default_str();
  app.add_option("--conmon", options.conmon, "conmon executable")->capture_default_str();
  app.add_option("--runc", options.runc, "runc executable")->capture_default_str();
  app.add_option("--grpc-floor-server", options.grpc_floor_server,
                 "bare gRPC server whose idle RSS is the memory floor")
      ->capture_default_str();
  app.add_option("--busybox", options.busybox, "static busybox for the conmon/runc bundle")
      ->capture_default_str();
  app.add_option("--rounds", options.rounds, "Measured rounds per daemon")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--warmup", options.warmup, "Rounds before measuring")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--list-containers", options.list_containers,
                 "Containers present for ListContainers (0: skip)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--list-pods", options.list_pods, "Pods they are spread over")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--list-calls", options.list_calls, "ListContainers calls")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--crio-only", options.crio_only,
               "Measure crio alone (no containerd, no runc/conmon floor): for quick checks");
  app.add_option("--fixture", options.fixture_dir,
                 "State dir of a running registry fixture (default: start one)");
  app.add_option("--fixture-script", options.fixture_script, "test/registry/fixture.sh")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  bench::InstallInterruptHandlers();
  try {
    const std::string load_before = bench::LoadAverage();
    bench::RegistryFixture fixture(options.fixture_script, options.fixture_dir);
    bench::PodSetup setup;
    setup.registries_conf = fixture.Field(".registries_conf");
    setup.registry_host = fixture.Field(".images.busybox.host");
    setup.pause_image = fixture.Field(".images.pause.reference");
    const std::string image = fixture.Field(".images.busybox.reference");
    const auto crio = bench::MeasureDaemon(bench::CrioPodSpec(options.crio, setup), image,
                                           "crio-monitor", options);
    bench::DaemonResults containerd;
    containerd.name = "containerd";
    containerd.note = "containerd skipped (--crio-only)";
    if (!options.crio_only) {
      containerd = bench::MeasureDaemon(bench::ContainerdPodSpec(options.containerd, setup), image,
                                        "containerd-shim", options);
    }
    // The bridge containerd's CNI config made (by name; it is ours, see daemons.cc).
    if (std::filesystem::exists(std::string("/sys/class/net/") + bench::kBridge)) {
      bench::CaptureOutput({"ip", "link", "delete", bench::kBridge});
    }
    bench::FloorResults floor;
    floor.note = "runc/conmon floor skipped (--crio-only)";
    if (!options.crio_only) floor = bench::MeasureFloor(options);
    bench::PrintReport(options, image, load_before, crio, containerd, floor);
    if (options.crio_only) return crio.failed ? 1 : 0;
    return crio.failed || containerd.failed || !floor.measured ? 1 : 0;
  } catch (const bench::Interrupted& interrupted) {
    std::cerr << "lifecycle_bench: " << interrupted.what() << "; daemons and fixture stopped\n";
    return 130;
  } catch (const std::exception& error) {
    std::cerr << "lifecycle_bench: " << error.what() << "\n";
    return 1;
  }
}
