#include "crio/common/trash.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "crio/common/fs.h"
#include "crio/common/log.h"

namespace crio::fs {
namespace {

namespace stdfs = std::filesystem;

absl::Status RemoveTree(const std::string& path) {
  std::error_code ec;
  stdfs::remove_all(path, ec);  // never follows symlinks
  if (ec) return absl::InternalError(absl::StrCat("remove ", path, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

Trash::Trash(std::string dir, std::chrono::milliseconds delay)
    : dir_(std::move(dir)), delay_(delay) {
  if (absl::Status made = MakeDirs(dir_, 0700); !made.ok()) {
    spdlog::warn("Trash {}: {}", dir_, made.message());
  }
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(dir_, ec)) {
    queue_.push_back({entry.path().string(), std::chrono::steady_clock::now()});
  }
  worker_ = std::thread([this] { Work(); });
}

Trash::~Trash() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

absl::Status Trash::Discard(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return absl::OkStatus();
  std::string target;
  {
    std::lock_guard lock(mu_);
    target = absl::StrCat(dir_, "/", ++counter_, "-", stdfs::path(path).filename().string());
  }
  if (::rename(path.c_str(), target.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return RemoveTree(path);  // EXDEV or an unusable trash: delete it here
  }
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(target), std::chrono::steady_clock::now() + delay_});
  }
  changed_.notify_all();
  return absl::OkStatus();
}

void Trash::Drain() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] { return (queue_.empty() && !busy_) || stopping_; });
}

void Trash::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    changed_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (stopping_) return;
    // Items are queued in due order: wait for the first one's time (or a stop).
    const auto due = queue_.front().due;
    if (changed_.wait_until(lock, due, [this] { return stopping_; })) return;
    const std::string next = std::move(queue_.front().path);
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    if (absl::Status removed = RemoveTree(next); !removed.ok()) {
      spdlog::warn("Emptying the trash: {}", removed.message());
    }
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace crio::fs
