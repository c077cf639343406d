#pragma once

// The local terminal of `exec -it` and `attach -it`: raw mode while the remote terminal
// owns the keyboard, and the window size the remote terminal should have.

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "stream_client.h"

namespace crio::ctl {

/// Whether `fd` is a terminal.
bool IsTerminal(int fd);

/// The window size of the terminal on `fd`; nullopt when it is not a terminal or has
/// no size (0x0, as a fresh pseudo-terminal has).
std::optional<TerminalSize> TerminalSizeOf(int fd);

/// A terminal in raw mode while the object lives: every key, Ctrl-C included, goes to
/// the remote terminal unprocessed, and output is written as it comes (the remote
/// terminal already turned "\n" into "\r\n"). The previous mode comes back when the
/// object is destroyed, and also when a signal kills the process first (the handler
/// restores it, then the signal takes its default course), since a shell left in raw
/// mode is unusable. Only one may exist at a time.
class RawTerminal {
 public:
  /// @return FailedPrecondition when `fd` is not a terminal, or another RawTerminal
  ///     exists; Internal when the mode cannot be set
  static absl::StatusOr<std::unique_ptr<RawTerminal>> Enter(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  explicit RawTerminal(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace crio::ctl
