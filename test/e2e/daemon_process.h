#pragma once

// Runs the real crio daemon for a test: temporary root, runroot, socket, CNI dir and
// config; its log captured in a file; stopped by PID. Everything stays in the temp dir.

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "crio/cri/api.h"

namespace crio::e2e {

/// A temp dir holding one daemon's world, removed on destruction.
class TestDirs {
 public:
  TestDirs();
  ~TestDirs();
  const std::string& root() const { return root_; }
  std::string socket() const { return root_ + "/crio.sock"; }
  std::string config_file() const { return root_ + "/crio.conf"; }
  std::string config_dir() const { return root_ + "/crio.conf.d"; }
  std::string log_file() const { return root_ + "/crio.log"; }
  /// Writes `text` to a file relative to root().
  void Write(const std::string& relative, const std::string& text) const;

 private:
  std::string root_;
};

/// The binaries under test: this tree's, or with CRIO_E2E_BIN_DIR set, the crio, crioctl
/// and crio-monitor in that dir (hack/test.sh points this tree's tests at the ASan+UBSan
/// build's binaries, so that the sanitized pass does not build the tests again).
std::string CrioBinary();
std::string CrioctlBinary();
/// True when the binaries under test are sanitized, whose memory figures mean nothing:
/// this tree was built so, or CRIO_E2E_SANITIZED=1 says so of CRIO_E2E_BIN_DIR's.
bool BinariesAreSanitized();

/// Result of running a command to completion.
struct CommandOutput {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `argv` with extra environment entries, waits at most `timeout`.
CommandOutput RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env = {},
                         std::chrono::seconds timeout = std::chrono::seconds(20));

class DaemonProcess {
 public:
  /// Writes a base config (cgroupfs, CNI dirs inside `dirs`) unless one exists.
  explicit DaemonProcess(const TestDirs& dirs);
  ~DaemonProcess();

  /// Starts crio with the test's flags plus `extra_args`; env entries are added to
  /// the child's environment. Does not wait for readiness.
  void Spawn(const std::vector<std::string>& extra_args = {},
             const std::vector<std::string>& extra_env = {});
  /// Waits until Version answers on the socket.
  bool WaitReady(std::chrono::seconds timeout = std::chrono::seconds(20));
  /// Sends `signo` to the daemon.
  void Signal(int signo) const;
  /// Waits for exit; returns the exit code, or -1 on timeout / killed by a signal.
  int WaitExit(std::chrono::seconds timeout = std::chrono::seconds(20));
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  /// The daemon's log so far.
  std::string Log() const;
  /// Waits until the log contains `needle` (from byte `from` on).
  bool WaitForLog(const std::string& needle, std::size_t from = 0,
                  std::chrono::seconds timeout = std::chrono::seconds(10)) const;

  runtime::v1::RuntimeService::Stub& runtime();
  runtime::v1::ImageService::Stub& image();
  /// A client context with a 5 s deadline.
  static std::unique_ptr<grpc::ClientContext> Context();

 private:
  const TestDirs& dirs_;
  pid_t pid_ = -1;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<runtime::v1::RuntimeService::Stub> runtime_;
  std::unique_ptr<runtime::v1::ImageService::Stub> image_;
};

}  // namespace crio::e2e
