#pragma once

// Multi-Category Security levels: each pod gets its own pair of categories so that the
// processes of one pod cannot touch the files of another, even with the same type.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace crio::selinux {

/// Hands out unique MCS levels "s0:cX,cY" (0 <= X < Y <= 1023) and remembers which levels
/// are in use. Thread-safe. A level is in use from Allocate()/Reserve() until as many
/// Release() calls: pods given the same level by their spec may legitimately share it.
class McsAllocator {
 public:
  /// Highest category number (c0..c1023, the range container-selinux policies use).
  static constexpr int kMaxCategory = 1023;

  /// Seeds from std::random_device. Unpredictability is not a security property here:
  /// uniqueness is what isolates pods, and it is guaranteed by the bookkeeping.
  McsAllocator();
  /// Deterministic sequence, for tests.
  explicit McsAllocator(std::uint64_t seed);

  McsAllocator(const McsAllocator&) = delete;
  McsAllocator& operator=(const McsAllocator&) = delete;

  /// A random level not in use, now reserved.
  /// @return ResourceExhausted when every pair of categories is in use
  absl::StatusOr<std::string> Allocate() ABSL_LOCKS_EXCLUDED(mutex_);

  /// Marks `level` in use (a level restored after a daemon restart, or given by a pod),
  /// so that Allocate() never returns it. Reserving a level in use adds one more user.
  /// @return InvalidArgument when the level is empty or holds whitespace/control characters
  absl::Status Reserve(absl::string_view level) ABSL_LOCKS_EXCLUDED(mutex_);

  /// Drops one user of `level`; the level can be handed out again when none is left.
  /// Releasing an unknown level does nothing (release paths run during cleanup).
  void Release(absl::string_view level) ABSL_LOCKS_EXCLUDED(mutex_);

  /// Whether `level` is in use.
  bool IsReserved(absl::string_view level) const ABSL_LOCKS_EXCLUDED(mutex_);

  /// Number of distinct levels in use.
  std::size_t ReservedCount() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  mutable absl::Mutex mutex_;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mutex_);
  /// level -> number of users
  absl::flat_hash_map<std::string, int> in_use_ ABSL_GUARDED_BY(mutex_);
};

/// Formats the MCS level of a category pair: "s0:c<low>,c<high>".
std::string McsLevel(int low, int high);

}  // namespace crio::selinux
