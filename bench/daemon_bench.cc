// daemon_bench: crio side by side with containerd (Debian's, the peer) in the same run.
// For each daemon: start-up time to the first CRI Version answer, memory and threads at idle,
// Version and Status latency and throughput over the unix socket, memory after that load.
// Each daemon runs self-contained in a temp dir under /tmp (config, socket, root, state).
// Figures go to stdout as tables; progress and daemon failures go to stderr.

#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cri_load.h"
#include "daemons.h"
#include "proc_stats.h"
#include "process.h"
#include "report.h"
#include "stats.h"

namespace bench {
namespace {

constexpr int kConcurrentClients = 4;
constexpr int kMaxWarmupCalls = 200;
constexpr std::chrono::seconds kStartTimeout{60};
constexpr std::chrono::seconds kIdleSettle{1};

struct Options {
  std::string crio = CRIO_BENCH_DEFAULT_CRIO;
  std::string containerd = "/usr/bin/containerd";
  int calls = 2000;
  int rounds = 5;
};

struct LoadFigures {
  Summary latency_us;
  double sequential_per_s = 0;
  double concurrent_per_s = 0;
};

// Everything measured for one daemon; `note` says why a column is empty.
struct DaemonResults {
  std::string name;
  std::string note;
  bool measured = false;
  bool failed = false;  // started measuring and could not finish (a missing peer is not this)
  std::string version;
  std::vector<double> startup_ms;
  int forced_kills = 0;
  MemorySnapshot idle;
  MemorySnapshot after_load;
  LoadFigures version_load;
  LoadFigures status_load;
};

void Progress(const std::string& daemon, const std::string& message) {
  std::cerr << "[" << daemon << "] " << message << std::endl;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Runs `step` against `run`; a failure is rethrown with the daemon's exit status and log tail,
// which is what one needs to see why a daemon did not start or answer.
template <typename Step>
auto WithDiagnosis(DaemonRun& run, Step step) {
  try {
    return step();
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& error) {
    throw std::runtime_error(std::string(error.what()) + "\n" + run.Diagnose());
  }
}

double WaitReadyMs(DaemonRun& run) {
  return WithDiagnosis(run, [&run] {
    const auto elapsed =
        WaitForFirstVersion(run.socket_path(), run.child(), run.spawned_at(), kStartTimeout);
    return std::chrono::duration<double, std::milli>(elapsed).count();
  });
}

// R fresh starts, each timed from spawn to the first Version answer, then SIGTERM.
void MeasureStartup(const DaemonSpec& spec, int rounds, DaemonResults& results) {
  for (int round = 1; round <= rounds; ++round) {
    DaemonRun run(spec);
    const double ms = WaitReadyMs(run);
    results.startup_ms.push_back(ms);
    if (!run.Stop()) ++results.forced_kills;
    Progress(spec.name, "start-up round " + std::to_string(round) + "/" + std::to_string(rounds) +
                            ": " + Fixed(ms, 1) + " ms");
  }
}

LoadFigures MeasureRpc(const std::shared_ptr<grpc::Channel>& channel, Rpc rpc, int calls) {
  // Warm-up, not counted: connection set-up and first-call allocations on both sides.
  RunSequential(channel, rpc, std::min(calls, kMaxWarmupCalls));
  const SequentialRun sequential = RunSequential(channel, rpc, calls);
  const double concurrent_seconds = RunConcurrent(channel, rpc, calls, kConcurrentClients);
  return {.latency_us = Summarize(sequential.latencies_us),
          .sequential_per_s = calls / sequential.wall_seconds,
          .concurrent_per_s = calls / concurrent_seconds};
}

// One more start: memory once idle, then the RPC load, then memory again.
void MeasureSteadyState(const DaemonSpec& spec, int calls, DaemonResults& results) {
  DaemonRun run(spec);
  WaitReadyMs(run);
  SleepFor(kIdleSettle);
  WithDiagnosis(run, [&] {
    results.idle = ReadMemory(run.child().pid());
    Progress(spec.name, "idle: VmRSS " + Fixed(results.idle.rss_mib, 1) + " MiB");
    const auto channel = ConnectCri(run.socket_path());
    results.version_load = MeasureRpc(channel, Rpc::kVersion, calls);
    Progress(spec.name, "Version: " + Fixed(results.version_load.sequential_per_s, 0) + " calls/s");
    results.status_load = MeasureRpc(channel, Rpc::kStatus, calls);
    Progress(spec.name, "Status: " + Fixed(results.status_load.sequential_per_s, 0) + " calls/s");
    results.after_load = ReadMemory(run.child().pid());
  });
  if (!run.Stop()) ++results.forced_kills;
}

DaemonResults MeasureDaemon(const DaemonSpec& spec, const Options& options) {
  DaemonResults results;
  results.name = spec.name;
  if (::access(spec.binary.c_str(), X_OK) != 0) {
    results.note = spec.name + " skipped: no executable at " + spec.binary;
    Progress(spec.name, results.note);
    return results;
  }
  try {
    results.version = FirstLine(CaptureOutput(spec.version_argv));
    MeasureStartup(spec, options.rounds, results);
    MeasureSteadyState(spec, options.calls, results);
    results.measured = true;
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& error) {
    results.failed = true;
    results.note = spec.name + " failed: " + error.what();
    Progress(spec.name, results.note);
  }
  return results;
}

// One row: `cell` turns a measured daemon's results into its cell; others get "-".
void AddRow(Table& table, const std::string& label, const std::vector<DaemonResults>& all,
            const std::function<std::string(const DaemonResults&)>& cell) {
  std::vector<std::string> cells;
  for (const DaemonResults& results : all) cells.push_back(results.measured ? cell(results) : "");
  table.AddRow(label, std::move(cells));
}

std::vector<std::string> ColumnNames(const std::vector<DaemonResults>& all) {
  std::vector<std::string> names;
  for (const DaemonResults& results : all) names.push_back(results.name);
  return names;
}

void PrintMemoryTable(const std::string& title, const std::vector<DaemonResults>& all,
                      MemorySnapshot DaemonResults::*snapshot) {
  Table table(title, ColumnNames(all));
  AddRow(table, "VmRSS (MiB)", all, [&](const auto& r) { return Fixed((r.*snapshot).rss_mib, 1); });
  AddRow(table, "private (MiB)", all,
         [&](const auto& r) { return Fixed((r.*snapshot).private_mib, 1); });
  AddRow(table, "VmHWM (MiB)", all, [&](const auto& r) { return Fixed((r.*snapshot).hwm_mib, 1); });
  AddRow(table, "threads", all,
         [&](const auto& r) { return std::to_string((r.*snapshot).threads); });
  table.Print(std::cout);
}

void PrintRpcTable(const std::string& rpc_name, const Options& options,
                   const std::vector<DaemonResults>& all, LoadFigures DaemonResults::*figures) {
  Table table(rpc_name + " RPC, " + std::to_string(options.calls) +
                  " calls after warm-up (latency of sequential calls on one channel)",
              ColumnNames(all));
  const auto latency = [figures](double Summary::*field) {
    return [figures, field](const DaemonResults& r) {
      return Fixed((r.*figures).latency_us.*field, 0);
    };
  };
  AddRow(table, "p50 (us)", all, latency(&Summary::p50));
  AddRow(table, "p90 (us)", all, latency(&Summary::p90));
  AddRow(table, "p99 (us)", all, latency(&Summary::p99));
  AddRow(table, "max (us)", all, latency(&Summary::max));
  AddRow(table, "calls/s, sequential", all,
         [&](const auto& r) { return Fixed((r.*figures).sequential_per_s, 0); });
  AddRow(table, "calls/s, " + std::to_string(kConcurrentClients) + " client threads", all,
         [&](const auto& r) { return Fixed((r.*figures).concurrent_per_s, 0); });
  table.Print(std::cout);
}

void PrintStartupTable(const Options& options, const std::vector<DaemonResults>& all) {
  Table table("Start-up: spawn to first Version answer (ms), " + std::to_string(options.rounds) +
                  " fresh starts",
              ColumnNames(all));
  const auto startup = [](double Summary::*field) {
    return [field](const DaemonResults& r) { return Fixed(Summarize(r.startup_ms).*field, 1); };
  };
  AddRow(table, "min", all, startup(&Summary::min));
  AddRow(table, "median", all, startup(&Summary::p50));
  AddRow(table, "max", all, startup(&Summary::max));
  AddRow(table, "stops that needed SIGKILL", all,
         [](const auto& r) { return std::to_string(r.forced_kills); });
  table.Print(std::cout);
}

void PrintReport(const Options& options, const std::vector<DaemonResults>& all) {
  utsname host{};
  ::uname(&host);
  std::cout << "daemon_bench: " << options.calls << " calls per RPC measure, " << options.rounds
            << " start-ups per daemon; " << std::thread::hardware_concurrency() << " CPUs, Linux "
            << host.release << "\n\n";

  // Versions are long (containerd's names its repository), so they are lines, not a table.
  std::cout << "== Versions\n";
  for (const DaemonResults& results : all) {
    std::cout << std::left << std::setw(12) << results.name << std::right
              << (results.version.empty() ? "-" : results.version) << "\n";
  }
  std::cout << "\n";

  PrintStartupTable(options, all);
  PrintMemoryTable("Memory at idle, 1 s after the first Version answer", all, &DaemonResults::idle);
  PrintRpcTable("Version", options, all, &DaemonResults::version_load);
  PrintRpcTable("Status (verbose=false)", options, all, &DaemonResults::status_load);
  PrintMemoryTable("Memory after the RPC load", all, &DaemonResults::after_load);

  for (const DaemonResults& results : all) {
    if (!results.note.empty()) std::cout << "note: " << results.note << "\n";
  }
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  bench::Options options;
  CLI::App app{"Benchmarks crio against containerd over the CRI v1 unix socket"};
  app.add_option("--crio", options.crio, "crio executable")->capture_default_str();
  app.add_option("--containerd", options.containerd,
                 "containerd executable (its column is skipped if missing)")
      ->capture_default_str();
  app.add_option("--calls", options.calls, "Calls per RPC measure")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--rounds", options.rounds, "Start-ups per daemon")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  bench::InstallInterruptHandlers();
  std::vector<bench::DaemonResults> all;
  try {
    for (const bench::DaemonSpec& spec :
         {bench::CrioSpec(options.crio), bench::ContainerdSpec(options.containerd)}) {
      all.push_back(bench::MeasureDaemon(spec, options));
    }
  } catch (const bench::Interrupted& interrupted) {
    std::cerr << "daemon_bench: " << interrupted.what() << "; daemons stopped\n";
    return 130;
  }
  bench::PrintReport(options, all);
  // A missing peer is a note; a daemon that failed to start or answer is an error.
  const bool failed = std::any_of(all.begin(), all.end(), [](const auto& r) { return r.failed; });
  return failed ? 1 : 0;
}
