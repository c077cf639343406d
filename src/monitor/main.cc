// crio-monitor: one per container, started by the daemon (see client.cc for the other
// end and protocol.h for the wire). It detaches so that the container, its log and its
// exit status survive the daemon being killed or restarted.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "fs_util.h"
#include "options.h"
#include "protocol.h"
#include "supervisor.h"

namespace {

void ReportSetupError(int sync_fd, int err, const char* message) {
  if (sync_fd < 0) return;
  char head[64];
  const int n = std::snprintf(head, sizeof(head), "%s %s %d\n", crio::monitor::protocol::kSyncError,
                              crio::monitor::protocol::kErrorSetup, err);
  crio::monitor::WriteAll(sync_fd, head, static_cast<std::size_t>(n));
  crio::monitor::WriteAll(sync_fd, message, std::strlen(message));
}

void CloseOtherFds(int keep) {
  const auto close_from = [](unsigned first, unsigned last) {
    if (first > last) return;
    if (::close_range(first, last, 0) == 0) return;
    const long max = ::sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd <= static_cast<long>(last) && fd < (max > 0 ? max : 1024); ++fd) {
      ::close(static_cast<int>(fd));
    }
  };
  if (keep > 3) close_from(3, static_cast<unsigned>(keep) - 1);
  close_from(keep >= 3 ? static_cast<unsigned>(keep) + 1 : 3, ~0U);
}

// `crio-monitor pause <pod id>`: PID 1 of a pod's shared PID namespace (CRI
// namespace_options.pid POD), which only lives as long as its first process. It reaps
// what is reparented to it and ends on SIGTERM/SIGINT (or SIGKILL from the daemon).
volatile sig_atomic_t g_stop = 0;

void OnStop(int) { g_stop = 1; }
void OnChild(int) {}

int RunPause() {
  struct sigaction action {};
  action.sa_handler = OnStop;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  action.sa_handler = OnChild;
  ::sigaction(SIGCHLD, &action, nullptr);
  // Blocked outside sigsuspend, so that a signal between the check and the wait is not
  // lost.
  sigset_t handled;
  sigemptyset(&handled);
  for (const int signal : {SIGTERM, SIGINT, SIGCHLD}) sigaddset(&handled, signal);
  ::sigprocmask(SIG_BLOCK, &handled, nullptr);
  sigset_t none;
  sigemptyset(&none);
  while (g_stop == 0) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    ::sigsuspend(&none);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "pause") == 0) return RunPause();
  using crio::monitor::Options;
  // Static: Options holds two arrays of 64 pointers; keep them off the stack.
  static Options options;
  char error[256];
  if (!crio::monitor::ParseOptions(argc, argv, &options, error, sizeof(error))) {
    std::fprintf(stderr, "crio-monitor: %s\n", error);
    ReportSetupError(options.sync_fd, EINVAL, error);
    return 2;
  }
  // Neither the runtime nor the container may hold the sync pipe, or the daemon would
  // not see EOF after the report.
  if (::fcntl(options.sync_fd, F_SETFD, FD_CLOEXEC) != 0) {
    std::fprintf(stderr, "crio-monitor: sync fd %d: %s\n", options.sync_fd, std::strerror(errno));
    return 2;
  }
  // Whatever else the daemon leaked (a listening socket, a lock) would stay open for
  // the container's lifetime.
  CloseOtherFds(options.sync_fd);

  // Detach: the parent exits at once (the daemon reaps it), the child leads a new
  // session and is reparented away from the daemon.
  const pid_t child = ::fork();
  if (child < 0) {
    ReportSetupError(options.sync_fd, errno, "fork");
    return 1;
  }
  if (child > 0) ::_exit(0);
  ::setsid();
  // The runtime's create exits after forking the container's init; as subreaper the
  // monitor inherits the init and can wait for it.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    ReportSetupError(options.sync_fd, errno, "prctl(PR_SET_CHILD_SUBREAPER)");
    return 1;
  }
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  ::umask(022);
  if (::chdir("/") != 0) {
    // Staying in the daemon's directory only pins a mount; not worth failing.
  }
  char line[48];
  const int n = std::snprintf(line, sizeof(line), "%s %d\n", crio::monitor::protocol::kSyncPid,
                              static_cast<int>(::getpid()));
  crio::monitor::WriteAll(options.sync_fd, line, static_cast<std::size_t>(n));

  static crio::monitor::Supervisor supervisor(options);
  return supervisor.Run();
}
