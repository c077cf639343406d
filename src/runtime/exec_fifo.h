#pragma once

// Starting a runc container without spawning `runc start`.
//
// `runc create` leaves the container's init blocked on opening <root>/<id>/exec.fifo for
// writing. `runc start` does three things: it opens that fifo for reading, reads init's
// byte until init execs the user process (the fifo is close-on-exec), and removes the
// fifo, which is how runc tells "created" from "running" afterwards. Here, Start also
// waits (up to a second) for the exec to complete, so that the container's pid shows the
// user's command when Start returns, as it does after the slower `runc start`. Spawning runc for
// that costs a Go process start-up, about 25 ms here, a fifth of Create+Start. Doing the
// same three steps in the daemon is equivalent for runc, whose start runs no hook
// (poststart hooks run in create) and no notify socket unless NOTIFY_SOCKET is set.
//
// The fast path declines (kNotApplicable) whenever the directory does not look exactly
// as runc 1.x leaves it, so that the caller runs `runc start` instead, which also gives
// runc's own message for a container that is not in the created state.

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace crio::runtime::internal {

enum class FifoStart {
  kStarted,        ///< init read the go-ahead and exec'd the user process
  kNotApplicable,  ///< no fifo, no runc state, or hooks: use `runc start`
};

/// Starts the created container whose runc state directory is `state_dir`.
/// @param timeout how long init may take to exec the user process
/// @return kStarted or kNotApplicable; FailedPrecondition when init died before taking
///     the go-ahead ("container process is already dead", as runc says),
///     DeadlineExceeded when it did not exec in time
absl::StatusOr<FifoStart> StartThroughExecFifo(const std::string& state_dir,
                                               std::chrono::milliseconds timeout);

}  // namespace crio::runtime::internal
