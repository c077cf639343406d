// Child processes and scratch directories for the benchmark, both owned by RAII objects so
// that every daemon we start is stopped by its PID and every temp dir is removed, also when
// a measure fails or the run is interrupted (Ctrl-C arrives as an exception, see below).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

// Thrown from CheckInterrupted() once SIGINT/SIGTERM/SIGHUP arrived, so the stack unwinds
// through the destructors below instead of the process dying with daemons still running.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted by a signal") {}
};

// Routes SIGINT, SIGTERM and SIGHUP to a flag that CheckInterrupted() reads.
void InstallInterruptHandlers();
void CheckInterrupted();
// The same flag without throwing, for worker threads that must return rather than throw.
bool InterruptRequested();
// Sleeps like std::this_thread::sleep_for, but in slices so an interrupt is seen soon.
void SleepFor(std::chrono::milliseconds duration);

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// One spawned program. Its stdout and stderr go to a file, so daemon logs do not mix with
// the tables we print. The destructor SIGKILLs it if Stop() was not called.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::filesystem::path& output_file);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // True while the process has not exited (reaps it if it has).
  bool Running();
  // Exit status as waitpid() reported it; valid once Running() returned false.
  int wait_status() const { return wait_status_; }
  // SIGTERM, then SIGKILL if it is still there after `grace`. Returns true if SIGTERM was
  // enough.
  bool Stop(std::chrono::milliseconds grace);

 private:
  void Kill();

  pid_t pid_ = -1;
  int wait_status_ = 0;
};

// Runs a short command to its end and returns what it printed (stdout and stderr).
std::string CaptureOutput(const std::vector<std::string>& argv);

// Describes how a child ended, e.g. "exit code 1" or "signal 9", for error messages.
std::string DescribeWaitStatus(int wait_status);

// The last `max_lines` lines of a text file, for showing a failed daemon's log.
std::string TailOfFile(const std::filesystem::path& file, int max_lines);

}  // namespace bench
