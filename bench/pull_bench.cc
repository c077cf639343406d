// pull_bench: cold-store image pull, crio side by side with containerd (Debian's, the peer).
// For each daemon, R times: a fresh start on an empty root, one CRI PullImage of the
// registry fixture's `big:latest` (~100 MB, busybox + 5 layers of 20 MiB random data) from a
// plain-http docker-registry on 127.0.0.1, timed around the PullImage call, then a stop by
// PID. Both daemons pull the same image from the same registry.
//
// The daemons' configs are the ones daemon_bench uses (daemons.cc), extended here by
// wrapping DaemonSpec::prepare: crio gets a drop-in in its --config-dir naming the fixture's
// registries.conf (127.0.0.1 registries are insecure there, so http); containerd gets a
// registry mirror table appended to its config.toml that maps the registry host to its
// http:// endpoint (CRI plugin, 1.6).
//
// The fixture is started here with FIXTURE_BIG=1 in a temp dir (and stopped by its PIDs
// through `fixture.sh stop` at the end) unless --fixture names one already running.
// Figures go to stdout as a table; progress and failures go to stderr.

#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cri_load.h"
#include "crio/cri/api.h"
#include "daemons.h"
#include "fixture.h"
#include "process.h"
#include "report.h"
#include "stats.h"

namespace bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kStartTimeout{60};
constexpr std::chrono::seconds kPullDeadline{600};
constexpr char kImageId[] = "big";

struct Options {
  std::string crio = CRIO_BENCH_DEFAULT_CRIO;
  std::string containerd = "/usr/bin/containerd";
  std::string fixture_script = CRIO_BENCH_FIXTURE_SCRIPT;
  std::string fixture_dir;  // empty: start one
  int rounds = 5;
};

struct Image {
  std::string reference;
  std::string host;  // "127.0.0.1:<port>"
  long long compressed_bytes = 0;
  int layers = 0;
  std::string registries_conf;
};

struct DaemonResults {
  std::string name;
  std::string note;
  bool measured = false;
  bool failed = false;
  std::string version;
  std::string image_ref;  // what PullImage answered (last round)
  std::vector<double> seconds;
  double store_mib = 0;  // bytes under the daemon's temp dir after the pull (last round)
  int forced_kills = 0;
};

void Progress(const std::string& who, const std::string& message) {
  std::cerr << "[" << who << "] " << message << std::endl;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

void AppendFile(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::app);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

Image ReadImage(const RegistryFixture& fixture) {
  const fs::path json = fixture.dir() / "fixture.json";
  if (!fs::exists(json)) throw std::runtime_error("no " + json.string());
  const std::string image = std::string(".images.") + kImageId;
  if (CaptureOutput({"jq", "-r", image + " != null", json.string()}).rfind("true", 0) != 0) {
    throw std::runtime_error(json.string() + " has no '" + kImageId +
                             "' image (start the fixture with FIXTURE_BIG=1)");
  }
  return {.reference = fixture.Field(image + ".reference"),
          .host = fixture.Field(image + ".host"),
          .compressed_bytes = std::stoll(fixture.Field("[" + image + ".layers[].size] | add")),
          .layers = std::stoi(fixture.Field(image + ".layer_count")),
          .registries_conf = fixture.Field(".registries_conf")};
}

// crio: daemon_bench's config plus a drop-in naming the fixture's registries.conf.
DaemonSpec CrioPullSpec(const std::string& binary, const Image& image) {
  DaemonSpec spec = CrioSpec(binary);
  spec.prepare = [base = spec.prepare, conf = image.registries_conf](const fs::path& dir) {
    auto argv = base(dir);
    AppendFile(dir / "crio.conf.d" / "50-pull-bench.conf",
               "[crio.image]\nregistries_conf = " + TomlString(conf) + "\n");
    return argv;
  };
  return spec;
}

// containerd 1.6: daemon_bench's config plus a registry mirror for the plain-http host
// (deprecated in 1.6 in favour of config_path/hosts.toml, still supported).
DaemonSpec ContainerdPullSpec(const std::string& binary, const Image& image) {
  DaemonSpec spec = ContainerdSpec(binary);
  spec.prepare = [base = spec.prepare, host = image.host](const fs::path& dir) {
    auto argv = base(dir);
    AppendFile(dir / "config.toml", "\n  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors." +
                                        TomlString(host) + "]\n    endpoint = [" +
                                        TomlString("http://" + host) + "]\n");
    return argv;
  };
  return spec;
}

// Bytes of the regular files under `dir` (symlinks not followed, hard links counted once per
// name): a check that the pull really stored and unpacked the layers.
double DiskMib(const fs::path& dir) {
  std::uintmax_t bytes = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator
           it(dir, fs::directory_options::skip_permission_denied, error),
       end;
       it != end; it.increment(error)) {
    if (error) break;
    if (it->is_regular_file(error) && !it->is_symlink(error)) bytes += it->file_size(error);
  }
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

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

// One PullImage on a fresh channel; returns the wall time of the call and the image ref.
std::pair<double, std::string> Pull(const std::string& socket_path, const std::string& reference) {
  const auto channel = ConnectCri(socket_path);
  auto stub = runtime::v1::ImageService::NewStub(channel);
  runtime::v1::PullImageRequest request;
  request.mutable_image()->set_image(reference);
  runtime::v1::PullImageResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kPullDeadline);
  const auto start = Clock::now();
  const grpc::Status status = stub->PullImage(&context, request, &response);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!status.ok()) {
    throw std::runtime_error("PullImage " + reference + " failed after " + Fixed(seconds, 2) +
                             " s: code " + std::to_string(static_cast<int>(status.error_code())) +
                             ": " + status.error_message());
  }
  return {seconds, response.image_ref()};
}

DaemonResults MeasureDaemon(const DaemonSpec& spec, const Image& image, int rounds) {
  DaemonResults results;
  results.name = spec.name;
  if (::access(spec.binary.c_str(), X_OK) != 0) {
    results.note = spec.name + " skipped: no executable at " + spec.binary;
    Progress(spec.name, results.note);
    return results;
  }
  try {
    results.version = FirstLine(CaptureOutput(spec.version_argv));
    for (int round = 1; round <= rounds; ++round) {
      DaemonRun run(spec);  // fresh temp dir: empty image store
      WithDiagnosis(run, [&] {
        WaitForFirstVersion(run.socket_path(), run.child(), run.spawned_at(), kStartTimeout);
        const auto [seconds, ref] = Pull(run.socket_path(), image.reference);
        results.seconds.push_back(seconds);
        results.image_ref = ref;
        results.store_mib = DiskMib(fs::path(run.socket_path()).parent_path());
        Progress(spec.name, "pull round " + std::to_string(round) + "/" + std::to_string(rounds) +
                                ": " + Fixed(seconds, 2) + " s, " + Fixed(results.store_mib, 1) +
                                " MiB on disk after (" + ref + ")");
      });
      if (!run.Stop()) ++results.forced_kills;
    }
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

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

void PrintReport(const Options& options, const Image& image, const std::string& load_before,
                 const std::vector<DaemonResults>& all) {
  utsname host{};
  ::uname(&host);
  std::cout << "pull_bench: " << options.rounds << " cold-store pulls per daemon; "
            << std::thread::hardware_concurrency() << " CPUs, Linux " << host.release
            << "; load average before " << load_before << ", after " << LoadAverage() << "\n";
  std::cout << "image: " << image.reference << " (" << image.layers << " layers, "
            << Fixed(static_cast<double>(image.compressed_bytes) / 1e6, 1) << " MB / "
            << Fixed(static_cast<double>(image.compressed_bytes) / (1024.0 * 1024.0), 1)
            << " MiB compressed), plain http on 127.0.0.1\n\n";

  std::cout << "== Versions\n";
  for (const DaemonResults& results : all) {
    std::cout << std::left << std::setw(12) << results.name << std::right
              << (results.version.empty() ? "-" : results.version) << "\n";
  }
  std::cout << "\n";

  std::vector<std::string> columns;
  columns.reserve(all.size());
  for (const DaemonResults& results : all) columns.push_back(results.name);
  Table table("PullImage wall time (s), empty store, fresh daemon each round", columns);
  const auto row = [&](const std::string& label, auto cell) {
    std::vector<std::string> cells;
    cells.reserve(all.size());
    for (const DaemonResults& r : all) cells.push_back(r.measured ? cell(r) : "");
    table.AddRow(label, std::move(cells));
  };
  row("min", [](const DaemonResults& r) { return Fixed(Summarize(r.seconds).min, 2); });
  row("median", [](const DaemonResults& r) { return Fixed(Summarize(r.seconds).p50, 2); });
  row("max", [](const DaemonResults& r) { return Fixed(Summarize(r.seconds).max, 2); });
  row("MB/s (compressed, median)", [&](const DaemonResults& r) {
    return Fixed(static_cast<double>(image.compressed_bytes) / 1e6 / Summarize(r.seconds).p50, 1);
  });
  row("on disk after the pull (MiB)", [](const DaemonResults& r) { return Fixed(r.store_mib, 1); });
  row("stops that needed SIGKILL",
      [](const DaemonResults& r) { return std::to_string(r.forced_kills); });
  table.Print(std::cout);

  const auto find = [&](const std::string& name) -> const DaemonResults* {
    for (const DaemonResults& r : all) {
      if (r.name == name && r.measured) return &r;
    }
    return nullptr;
  };
  const DaemonResults* crio = find("crio");
  const DaemonResults* containerd = find("containerd");
  if (crio != nullptr && containerd != nullptr) {
    // Nearest-rank medians (Summarize), so each is a measured pull.
    const double ratio = Summarize(crio->seconds).p50 / Summarize(containerd->seconds).p50;
    std::cout << "ratio crio median / containerd median: " << Fixed(ratio, 2)
              << " (target <= 0.70: " << (ratio <= 0.7 ? "met" : "NOT met") << ")\n";
  } else {
    std::cout << "ratio crio median / containerd median: - (a daemon was not measured)\n";
  }
  for (const DaemonResults& results : all) {
    if (!results.note.empty()) std::cout << "note: " << results.note << "\n";
  }
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  bench::Options options;
  CLI::App app{"Cold-store PullImage of a ~100 MB image: crio against containerd over the CRI"};
  app.add_option("--crio", options.crio, "crio executable")->capture_default_str();
  app.add_option("--containerd", options.containerd,
                 "containerd executable (its column is skipped if missing)")
      ->capture_default_str();
  app.add_option("--rounds", options.rounds, "Cold pulls per daemon")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--fixture", options.fixture_dir,
                 "State dir of a running registry fixture started with FIXTURE_BIG=1 "
                 "(default: start one in a temp dir and stop it at the end)");
  app.add_option("--fixture-script", options.fixture_script, "test/registry/fixture.sh")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  bench::InstallInterruptHandlers();
  try {
    const std::string load_before = bench::LoadAverage();
    if (options.fixture_dir.empty()) bench::Progress("fixture", "starting it with FIXTURE_BIG=1");
    const bench::RegistryFixture fixture(options.fixture_script, options.fixture_dir,
                                         {"FIXTURE_BIG=1"});
    const bench::Image image = bench::ReadImage(fixture);
    bench::Progress("fixture", "pulling " + image.reference);
    std::vector<bench::DaemonResults> all;
    for (const bench::DaemonSpec& spec : {bench::CrioPullSpec(options.crio, image),
                                          bench::ContainerdPullSpec(options.containerd, image)}) {
      all.push_back(bench::MeasureDaemon(spec, image, options.rounds));
    }
    bench::PrintReport(options, image, load_before, all);
    const bool failed = std::any_of(all.begin(), all.end(), [](const auto& r) { return r.failed; });
    return failed ? 1 : 0;
  } catch (const bench::Interrupted& interrupted) {
    std::cerr << "pull_bench: " << interrupted.what() << "; daemons and fixture stopped\n";
    return 130;
  } catch (const std::exception& error) {
    std::cerr << "pull_bench: " << error.what() << "\n";
    return 1;
  }
}
