#pragma once

// Small file helpers every module that persists state needs.

#include <sys/types.h>
#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio::fs {

/// Reads a whole file, refusing files larger than `max_bytes` so that a hostile or
/// corrupt file cannot exhaust memory.
/// @return NotFound when the file is missing, InvalidArgument when it is too large
absl::StatusOr<std::string> ReadFile(const std::string& path, std::size_t max_bytes);

/// Writes `content` to `path` atomically: a temporary file in the same directory,
/// fsync, rename, then fsync of the directory. Readers see the old or the new file.
absl::Status WriteFileAtomic(const std::string& path, const std::string& content,
                             mode_t mode = 0644);

/// Creates `path` and its parents with `mode` (existing directories are kept as they are).
absl::Status MakeDirs(const std::string& path, mode_t mode = 0755);

/// An absl::Status for a failed syscall: the code follows errno (ENOENT -> NotFound,
/// EACCES/EPERM -> PermissionDenied, EEXIST -> AlreadyExists, else Internal) and the
/// message is "<what>: <strerror>".
absl::Status ErrnoStatus(int err, absl::string_view what);

}  // namespace crio::fs
