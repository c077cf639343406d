#pragma once

// Helpers for the tests that run the real crio-monitor binary: temp dirs, waiting,
// reading the CRI log back, the attach socket, processes.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/monitor/monitor.h"

namespace crio::monitor::testing {

/// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// The crio-monitor built with these tests.
std::string MonitorBinary();

/// Polls `done` every 10 ms until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Waits for the exit file and parses it.
absl::StatusOr<ExitInfo> WaitForExit(const std::string& exit_file,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(15));

std::string ReadFileOrEmpty(const std::string& path);

/// One entry of a CRI log file.
struct CriEntry {
  std::string time;
  std::string stream;
  std::string tag;
  std::string text;
};

/// Splits a CRI log into entries; fails the current test on a malformed line.
std::vector<CriEntry> ParseCriLog(const std::string& content);

/// The text of `stream` as the kubelet rebuilds it: P pieces joined, F ends a line.
std::string StreamText(const std::vector<CriEntry>& entries, const std::string& stream);

/// Whether the timestamp is RFC3339 with nine fraction digits and Z or an offset.
bool IsRfc3339Nano(const std::string& time);

/// Connects to an attach socket (SOCK_SEQPACKET). -1 on failure.
int ConnectAttach(const std::string& path);

/// Reads attach packets until the text of stream `tag` contains `want` or the time is
/// up; returns everything received on that stream.
std::string ReadAttachUntil(int fd, char tag, const std::string& want,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Whether the process exists and is not a zombie.
bool ProcessAlive(pid_t pid);

/// The parent pid from /proc, or -1.
pid_t ParentPid(pid_t pid);

/// Pids whose command line (NULs as spaces) contains `needle`.
std::vector<pid_t> FindProcesses(const std::string& needle);

/// Runs a program to its end; returns its exit code (or -1) and its stdout+stderr.
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult RunCommand(const std::vector<std::string>& argv);

/// Sum of the Private_* lines of /proc/<pid>/smaps_rollup, in KiB; -1 on failure.
long PrivateKiB(pid_t pid);

}  // namespace crio::monitor::testing
