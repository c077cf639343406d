#include "remote_command_core.h"

#include <sys/eventfd.h>

#include <cstdint>
#include <utility>

namespace crio::streaming {

RemoteCommandCore::RemoteCommandCore(Transport transport, bool stdin_open, bool resize_open)
    : transport_(std::move(transport)),
      stdin_open_(stdin_open),
      resize_open_(resize_open),
      gone_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

std::optional<std::string> RemoteCommandCore::ReadStdin() {
  bool resume = false;
  std::optional<std::string> chunk;
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !stdin_.empty() || !stdin_open_ || gone_; });
    if (gone_ || stdin_.empty()) return std::nullopt;
    chunk = std::move(stdin_.front());
    stdin_.pop_front();
    stdin_bytes_ -= chunk->size();
    if (reading_paused_ && stdin_bytes_ < kMaxQueuedStdin / 2) {
      reading_paused_ = false;
      resume = true;
    }
  }
  if (resume && transport_.resume_reading) transport_.resume_reading();
  return chunk;
}

std::optional<TerminalSize> RemoteCommandCore::NextResize() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return !resizes_.empty() || !resize_open_ || gone_; });
  if (resizes_.empty()) return std::nullopt;
  const TerminalSize size = resizes_.front();
  resizes_.pop_front();
  return size;
}

bool RemoteCommandCore::Write(OutputStream stream, std::string_view data) {
  if (data.empty()) return !ClientGone();
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return pending_output_ < kMaxPendingOutput || gone_; });
    if (gone_) return false;
    pending_output_ += data.size();
  }
  transport_.send(stream, std::string(data));
  return true;
}

bool RemoteCommandCore::WriteStdout(std::string_view data) {
  return Write(OutputStream::kStdout, data);
}

bool RemoteCommandCore::WriteStderr(std::string_view data) {
  return Write(OutputStream::kStderr, data);
}

bool RemoteCommandCore::ClientGone() {
  std::lock_guard lock(mu_);
  return gone_;
}

bool RemoteCommandCore::PushStdin(std::string data) {
  std::lock_guard lock(mu_);
  if (!stdin_open_ || gone_) return true;  // stdin not asked for: dropped, as wsstream does
  if (!data.empty()) {
    stdin_bytes_ += data.size();
    stdin_.push_back(std::move(data));
    changed_.notify_all();
  }
  if (stdin_bytes_ >= kMaxQueuedStdin) {
    reading_paused_ = true;
    return false;
  }
  return true;
}

void RemoteCommandCore::CloseStdin() {
  std::lock_guard lock(mu_);
  stdin_open_ = false;
  changed_.notify_all();
}

void RemoteCommandCore::StopReading() {
  bool resume = false;
  {
    std::lock_guard lock(mu_);
    stdin_open_ = false;
    resize_open_ = false;
    stdin_.clear();
    stdin_bytes_ = 0;
    resume = std::exchange(reading_paused_, false);
    changed_.notify_all();
  }
  // A reader paused on a full queue would wait forever: nobody drains it now.
  if (resume && transport_.resume_reading) transport_.resume_reading();
}

void RemoteCommandCore::PushResize(TerminalSize size) {
  std::lock_guard lock(mu_);
  if (!resize_open_ || gone_) return;
  // Only the latest sizes matter; a client sending thousands is not kept in full.
  if (resizes_.size() >= 16) resizes_.pop_front();
  resizes_.push_back(size);
  changed_.notify_all();
}

void RemoteCommandCore::CloseResize() {
  std::lock_guard lock(mu_);
  resize_open_ = false;
  changed_.notify_all();
}

void RemoteCommandCore::OutputSent(std::size_t bytes) {
  std::lock_guard lock(mu_);
  pending_output_ = bytes > pending_output_ ? 0 : pending_output_ - bytes;
  changed_.notify_all();
}

void RemoteCommandCore::MarkGone() {
  std::lock_guard lock(mu_);
  if (gone_) return;
  gone_ = true;
  changed_.notify_all();
  const std::uint64_t one = 1;
  if (gone_fd_.get() >= 0) (void)!::write(gone_fd_.get(), &one, sizeof(one));
}

}  // namespace crio::streaming
