#include "crio/selinux/mcs.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace crio::selinux {
namespace {

// Random draws before falling back to a scan: with 523,776 pairs a draw hits a free one
// almost always; the scan only matters when the space is nearly full.
constexpr int kRandomAttempts = 64;

bool IsAcceptableLevel(absl::string_view level) {
  if (level.empty()) return false;
  for (const char c : level) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string McsLevel(int low, int high) { return absl::StrCat("s0:c", low, ",c", high); }

McsAllocator::McsAllocator() : random_(std::random_device{}()) {}

McsAllocator::McsAllocator(std::uint64_t seed) : random_(seed) {}

absl::StatusOr<std::string> McsAllocator::Allocate() {
  absl::MutexLock lock(&mutex_);
  std::uniform_int_distribution<int> category(0, kMaxCategory);
  for (int attempt = 0; attempt < kRandomAttempts; ++attempt) {
    const int first = category(random_);
    const int second = category(random_);
    if (first == second) continue;
    std::string level = McsLevel(std::min(first, second), std::max(first, second));
    if (in_use_.contains(level)) continue;
    in_use_[level] = 1;
    return level;
  }
  for (int low = 0; low < kMaxCategory; ++low) {
    for (int high = low + 1; high <= kMaxCategory; ++high) {
      std::string level = McsLevel(low, high);
      if (in_use_.contains(level)) continue;
      in_use_[level] = 1;
      return level;
    }
  }
  return absl::ResourceExhaustedError("every MCS category pair is in use");
}

absl::Status McsAllocator::Reserve(absl::string_view level) {
  if (!IsAcceptableLevel(level)) {
    return absl::InvalidArgumentError(absl::StrCat("bad MCS level \"", level, "\""));
  }
  absl::MutexLock lock(&mutex_);
  ++in_use_[std::string(level)];
  return absl::OkStatus();
}

void McsAllocator::Release(absl::string_view level) {
  absl::MutexLock lock(&mutex_);
  auto it = in_use_.find(level);
  if (it == in_use_.end()) return;
  if (--it->second <= 0) in_use_.erase(it);
}

bool McsAllocator::IsReserved(absl::string_view level) const {
  absl::MutexLock lock(&mutex_);
  return in_use_.contains(level);
}

std::size_t McsAllocator::ReservedCount() const {
  absl::MutexLock lock(&mutex_);
  return in_use_.size();
}

}  // namespace crio::selinux
