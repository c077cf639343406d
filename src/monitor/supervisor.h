#pragma once

// The body of crio-monitor after it has detached: runs the runtime's create, reports on
// the sync pipe, then copies the container's output to the CRI log and the attach
// clients until the container's init ends, and writes the exit file. In exec mode it
// waits for its one attach client, runs the runtime's exec, and streams the process's
// output to that client until the process ends (protocol.h).

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "cri_log.h"
#include "options.h"
#include "protocol.h"

namespace crio::monitor {

class Supervisor {
 public:
  explicit Supervisor(const Options& options);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Runs the container (or the exec'd process) to its end. Never returns on a failed
  /// create or exec (reports, cleans up and exits 1).
  /// @return the monitor's exit code
  int Run();

  /// Reports a failure on the sync pipe, undoes what create left, and exits 1.
  [[noreturn]] void Fail(const char* kind, long value, const char* message, std::size_t len);

 private:
  static constexpr int kMaxConnections = 8;
  static constexpr std::size_t kReadBuffer = protocol::kAttachDataMax;

  enum class ConnKind : unsigned char { kNone, kAttach, kControl };
  struct Connection {
    int fd = -1;
    ConnKind kind = ConnKind::kNone;
    bool reading = true;  // the attach client may still send stdin
    bool fresh = false;   // accepted in this poll round: the round's events are not its
  };

  // Create phase.
  void SetupStdio();
  void BuildRuntimeArgv(const char* verb, const char** argv);
  pid_t SpawnRuntime(const char* verb, int in, int out, int err);
  void StartRuntime(const char* verb);
  void FailOnRuntimeError();
  [[noreturn]] void FailRuntimeTimeout();
  void TakeInitPid();
  void RunCreate();
  void RunDelete();
  void ReceiveConsole();
  void CollectContainerCgroups();
  void KillLeftoverChildren();
  void Report(const char* text, std::size_t len);
  void SetupEndpoints();
  int Listen(const char* path);

  // Supervision.
  void Loop();
  void ReapChildren();
  void OnOutput(int stream);
  void SendToAttach(char tag, const char* data, std::size_t len);
  void AcceptConnection(int listen_fd, ConnKind kind);
  // Receives one stdin packet from a client socket and forwards it to the container
  // (dropped when it has no stdin). @return recv's result: > 0 taken, 0 the client shut
  // its sending side, < 0 with errno set
  ssize_t ReceiveStdin(int fd);
  void OnAttachInput(Connection& conn);
  void OnControl(Connection& conn);
  void FlushStdin();
  void CloseStdin();
  void DropConnection(Connection& conn);
  void Finish();

  // Exec mode.
  int RunExec();
  void AwaitClient();
  void ExecLoop();
  void OnExecRuntimeDone();
  void OnExecOutput(int stream);
  void CloseOutput(int stream);
  bool OutputReadable() const;
  void SendPending();
  void OnClientInput();
  void ClientGone();
  void KillExecProcess();
  void FinishExec();

  const Options& options_;
  CriLogWriter* log_ = nullptr;

  int sync_fd_ = -1;
  int signal_fd_ = -1;
  pid_t runtime_pid_ = -1;
  int runtime_status_ = 0;
  bool runtime_done_ = false;

  // Container stdio as the monitor sees it: out_fd_[0] stdout (or the pty master),
  // out_fd_[1] stderr; in_fd_ the stdin pipe's write end (or the pty master).
  int out_fd_[2] = {-1, -1};
  int in_fd_ = -1;
  int pty_master_ = -1;
  // The runtime's ends, closed once it has started.
  int child_in_ = -1;
  int child_out_ = -1;
  int child_err_ = -1;
  // Where the runtime's own stderr is read during create (the container's stderr
  // pipe, or a pipe of its own when the container has a terminal).
  int create_err_fd_ = -1;
  int console_listen_ = -1;
  int console_conn_ = -1;
  char console_path_[108] = {};

  pid_t init_pid_ = -1;
  bool init_exited_ = false;
  int init_status_ = 0;
  std::int64_t finished_at_ns_ = 0;
  int oom_fd_ = -1;
  std::int64_t oom_kills_at_start_ = 0;

  int attach_listen_ = -1;
  int control_listen_ = -1;
  Connection conns_[kMaxConnections];
  bool stdin_closed_ = false;
  char in_buf_[protocol::kAttachDataMax];  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::size_t in_len_ = 0;
  std::size_t in_off_ = 0;

  // Exec mode: the one attach client, and the packet it has not taken yet (while it
  // is there, the process's output is not read: back-pressure instead of loss).
  int client_fd_ = -1;
  bool client_reading_ = true;  // it has not ended its stdin
  bool client_left_ = false;
  bool exec_started_ = false;                  // "ok" reported: the process runs
  char packet_[1 + protocol::kAttachDataMax];  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::size_t packet_len_ = 0;
  std::int64_t blocked_since_ms_ = 0;  // when the client last refused a packet

  std::int64_t pending_since_ms_[2] = {0, 0};
  std::int64_t last_output_ms_ = 0;
  std::int64_t exited_ms_ = 0;
};

}  // namespace crio::monitor
