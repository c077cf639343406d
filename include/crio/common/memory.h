#pragma once

// Keeping the daemon's resident memory small while it idles between kubelet calls.

#include <chrono>

namespace crio::memory {

/// Caps glibc's malloc arenas. Each gRPC worker thread would otherwise get an arena of
/// its own, whose freed pages stay in the daemon's RSS.
void LimitArenas(int max_arenas);

/// Notes that a request just finished (cheap: one atomic store).
void NoteActivity();

/// Starts a thread that hands freed heap pages back to the kernel (malloc_trim) once
/// no request has finished for `idle`, once per busy period. It stops at exit.
void StartIdleTrim(std::chrono::milliseconds idle);

}  // namespace crio::memory
