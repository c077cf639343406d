#pragma once

// The client's end of one exec or attach, shared by the SPDY and WebSocket transports:
// the queues between the connection's I/O thread and the backend's thread, with
// back-pressure both ways (a flood of output or of stdin cannot grow memory without
// bound) and a "gone" state that unblocks everyone when the client leaves.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "crio/common/owned_fd.h"
#include "crio/streaming/backend.h"

namespace crio::streaming {

/// Which client-bound stream output goes to.
enum class OutputStream : std::uint8_t { kStdout = 1, kStderr = 2 };

class RemoteCommandCore : public RemoteCommandStreams {
 public:
  struct Transport {
    /// Queues `data` for the client on `stream`; called from backend threads, so the
    /// transport hands it to its I/O thread. It calls OutputSent(data.size()) once the
    /// bytes have left.
    std::function<void(OutputStream stream, std::string data)> send;
    /// Asks the I/O thread to read from the client again after stdin was paused.
    std::function<void()> resume_reading;
  };

  /// Bytes the client may have outstanding in each direction before the other side waits.
  static constexpr std::size_t kMaxPendingOutput = std::size_t{1} << 20;
  static constexpr std::size_t kMaxQueuedStdin = std::size_t{1} << 20;

  RemoteCommandCore(Transport transport, bool stdin_open, bool resize_open);

  // RemoteCommandStreams, for the backend's threads.
  std::optional<std::string> ReadStdin() override;
  std::optional<TerminalSize> NextResize() override;
  bool WriteStdout(std::string_view data) override;
  bool WriteStderr(std::string_view data) override;
  bool ClientGone() override;
  void StopReading() override;
  int GoneFd() override { return gone_fd_.get(); }

  // For the transport's I/O thread.
  /// Stdin bytes from the client. @return false when reading should pause until
  /// resume_reading is called (too much queued).
  bool PushStdin(std::string data);
  /// The client closed its stdin.
  void CloseStdin();
  void PushResize(TerminalSize size);
  void CloseResize();
  /// `bytes` of output reached the socket.
  void OutputSent(std::size_t bytes);
  /// The client left or the connection failed: every wait ends.
  void MarkGone();

 private:
  bool Write(OutputStream stream, std::string_view data);

  const Transport transport_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::string> stdin_;
  std::size_t stdin_bytes_ = 0;
  bool stdin_open_;
  bool reading_paused_ = false;
  std::deque<TerminalSize> resizes_;
  bool resize_open_;
  std::size_t pending_output_ = 0;
  bool gone_ = false;
  OwnedFd gone_fd_;  // an eventfd, written once by MarkGone
};

/// The thread a transport runs its backend on, joined however the session ends (an
/// abandoned coroutine frame included): the client is then gone, which ends every
/// backend.
struct CommandThread {
  std::shared_ptr<RemoteCommandCore> core;
  std::thread thread;
  ~CommandThread() {
    if (core) core->MarkGone();
    if (thread.joinable()) thread.join();
  }
};

}  // namespace crio::streaming
