#include "terminal.h"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace crio::ctl {
namespace {

// Signals whose default action ends the process: each restores the terminal first.
// SIGINT, SIGTERM and SIGHUP are taken over by the session while it runs (it ends
// cleanly, and the destructor restores); these handlers cover the moments around it.
constexpr int kEndingSignals[] = {SIGINT,  SIGTERM, SIGHUP, SIGQUIT, SIGABRT,
                                  SIGSEGV, SIGBUS,  SIGFPE, SIGILL,  SIGPIPE};

// What the handler needs, set before it is installed and cleared after it is removed:
// a handler may only touch plain data.
int g_raw_fd = -1;
termios g_saved_mode{};
struct sigaction g_previous[std::size(kEndingSignals)];

void RestoreTerminalAndReraise(int signo) {
  if (g_raw_fd >= 0) ::tcsetattr(g_raw_fd, TCSANOW, &g_saved_mode);
  // SA_RESETHAND put the default action back; the signal raised again is delivered
  // with it once this handler returns.
  ::raise(signo);
}

}  // namespace

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

std::optional<TerminalSize> TerminalSizeOf(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0) return std::nullopt;
  if (size.ws_col == 0 && size.ws_row == 0) return std::nullopt;
  return TerminalSize{size.ws_col, size.ws_row};
}

absl::StatusOr<std::unique_ptr<RawTerminal>> RawTerminal::Enter(int fd) {
  if (!IsTerminal(fd)) {
    return absl::FailedPreconditionError(absl::StrCat("fd ", fd, " is not a terminal"));
  }
  if (g_raw_fd >= 0) return absl::FailedPreconditionError("a terminal is already in raw mode");
  termios saved{};
  if (::tcgetattr(fd, &saved) != 0) {
    return absl::InternalError(absl::StrCat("reading the terminal mode: ", std::strerror(errno)));
  }
  termios raw = saved;
  ::cfmakeraw(&raw);
  g_saved_mode = saved;
  g_raw_fd = fd;
  struct sigaction action {};
  action.sa_handler = RestoreTerminalAndReraise;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < std::size(kEndingSignals); ++i) {
    ::sigaction(kEndingSignals[i], &action, &g_previous[i]);
  }
  auto terminal = std::unique_ptr<RawTerminal>(new RawTerminal(fd));
  if (::tcsetattr(fd, TCSANOW, &raw) != 0) {
    const int error = errno;
    terminal.reset();  // the handlers go, the mode was not changed
    return absl::InternalError(absl::StrCat("setting raw mode: ", std::strerror(error)));
  }
  return terminal;
}

RawTerminal::~RawTerminal() {
  ::tcsetattr(fd_, TCSANOW, &g_saved_mode);
  for (std::size_t i = 0; i < std::size(kEndingSignals); ++i) {
    ::sigaction(kEndingSignals[i], &g_previous[i], nullptr);
  }
  g_raw_fd = -1;
}

}  // namespace crio::ctl
