#pragma once

// The CRI log file the kubelet reads (`kubectl logs`): one entry per line,
//   <RFC3339Nano time> <stdout|stderr> <F|P> <text>\n
// F ends a line of the container's output, P is a piece of a line that continues in
// the next entry of the same stream. Plain C++ on fixed buffers (no allocation, no
// exceptions) because crio-monitor links it and must stay tiny.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

namespace crio::monitor {

enum class LogStream : int { kStdout = 0, kStderr = 1 };

/// The longest text of one entry; longer lines become P pieces (conmon's buffer size).
inline constexpr std::size_t kMaxLogLine = std::size_t{16} * 1024;
/// Room for the longest timestamp FormatRfc3339Nano writes, with its NUL.
inline constexpr std::size_t kTimestampMax = 48;
/// log_size_max below this leaves no room for text after the header; callers refuse it.
inline constexpr std::int64_t kMinLogSizeMax = 1024;

/// A wall-clock instant and the local offset that applies at it.
struct WallTime {
  std::int64_t sec = 0;         ///< unix seconds
  std::int32_t nsec = 0;        ///< 0..999999999
  std::int32_t utc_offset = 0;  ///< local offset, seconds east of UTC
};

/// Reads CLOCK_REALTIME and the local offset (TZ or /etc/localtime).
WallTime WallNow();

/// Writes `t` as "2016-10-06T00:17:09.669794202Z" (offset 0) or with "+01:00"; nine
/// fraction digits always, so entries line up. `out` holds kTimestampMax bytes.
/// @return the length written, without the NUL
std::size_t FormatRfc3339Nano(const WallTime& t, char* out);

/// Appends container output to the CRI log file. Not thread-safe; crio-monitor is
/// single-threaded.
class CriLogWriter {
 public:
  using Clock = WallTime (*)();

  /// @param path the log file; the caller keeps the string alive
  /// @param size_max rotate before the file would grow past this many bytes; <= 0: never
  /// @param clock stamps each entry (WallNow outside tests)
  CriLogWriter(const char* path, std::int64_t size_max, Clock clock);
  ~CriLogWriter();
  CriLogWriter(const CriLogWriter&) = delete;
  CriLogWriter& operator=(const CriLogWriter&) = delete;

  /// Creates the parent directories and opens the file (append, mode 0640).
  /// @return 0 or the errno of the failing call
  int Open();

  /// Closes the file and opens `path` again, for after logrotate/kubelet moved it.
  /// On failure the old file stays in use.
  /// @return 0 or an errno
  int Reopen();

  /// Logs `data` read from stream `s`: every completed line as F (in P pieces first
  /// when longer than kMaxLogLine); a trailing piece without newline is held back
  /// until the line ends, FlushPartial or EndStream.
  void Write(LogStream s, const char* data, std::size_t len);

  /// Writes the held-back piece of `s` as P, for when no more output came for a while.
  void FlushPartial(LogStream s);

  /// The stream ended: a held-back piece is written as F; a line that was already
  /// partly written as P is ended with an empty F so that readers join it.
  void EndStream(LogStream s);

  /// Flushes the file's data to disk (at container exit, as conmon does).
  void Sync();

  /// Whether `s` has a held-back piece.
  bool HasPending(LogStream s) const { return pending_len_[Index(s)] > 0; }

  /// Bytes in the current file as this writer counts them.
  std::int64_t size() const { return size_; }

 private:
  static constexpr int kMaxIov = 64;

  static int Index(LogStream s) { return s == LogStream::kStderr ? 1 : 0; }
  void StampHeaders(LogStream s);
  void EmitLine(bool full, const iovec* parts, int nparts);
  void AddEntry(bool full, const iovec* parts, int nparts, std::size_t len);
  void FlushBatch();
  void Rotate();
  int OpenFile(const char* path, bool truncate);

  const char* path_;
  std::int64_t size_max_;
  Clock clock_;
  int fd_ = -1;
  std::int64_t size_ = 0;

  // The headers of the call in progress: "<time> <stream> F " and "... P ".
  char header_full_[kTimestampMax + 16] = {};
  char header_partial_[kTimestampMax + 16] = {};
  std::size_t header_len_ = 0;

  // Entries gathered for one writev; they point into the caller's data, the pending
  // buffers and the headers, so the batch is written before any of those change.
  iovec iov_[kMaxIov] = {};
  int iov_count_ = 0;
  std::size_t batch_bytes_ = 0;

  // Left uninitialized on purpose: zeroing would touch 32 KiB that a monitor whose
  // container writes short lines never uses.
  char pending_[2][kMaxLogLine];  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::size_t pending_len_[2] = {0, 0};
  // A P piece of the current line is in the file, so the line still needs an F.
  bool line_open_[2] = {false, false};
};

}  // namespace crio::monitor
