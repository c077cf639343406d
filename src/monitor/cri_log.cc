#include "cri_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "fs_util.h"

namespace crio::monitor {
namespace {

constexpr mode_t kLogMode = 0640;

// Writes `value` as exactly `width` decimal digits.
char* PutDigits(char* out, long value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

WallTime WallNow() {
  // The offset only changes at DST transitions, so one localtime_r per second is enough.
  static std::int64_t cached_sec = INT64_MIN;
  static std::int32_t cached_offset = 0;
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  if (ts.tv_sec != cached_sec) {
    tm local{};
    const time_t sec = ts.tv_sec;
    cached_offset =
        ::localtime_r(&sec, &local) != nullptr ? static_cast<std::int32_t>(local.tm_gmtoff) : 0;
    cached_sec = ts.tv_sec;
  }
  return WallTime{ts.tv_sec, static_cast<std::int32_t>(ts.tv_nsec), cached_offset};
}

std::size_t FormatRfc3339Nano(const WallTime& t, char* out) {
  const time_t local_sec = static_cast<time_t>(t.sec + t.utc_offset);
  tm civil{};
  if (::gmtime_r(&local_sec, &civil) == nullptr) civil = tm{};
  char* p = out;
  p = PutDigits(p, civil.tm_year + 1900L, 4);
  *p++ = '-';
  p = PutDigits(p, civil.tm_mon + 1, 2);
  *p++ = '-';
  p = PutDigits(p, civil.tm_mday, 2);
  *p++ = 'T';
  p = PutDigits(p, civil.tm_hour, 2);
  *p++ = ':';
  p = PutDigits(p, civil.tm_min, 2);
  *p++ = ':';
  p = PutDigits(p, civil.tm_sec, 2);
  *p++ = '.';
  p = PutDigits(p, t.nsec, 9);
  if (t.utc_offset == 0) {
    *p++ = 'Z';
  } else {
    const long offset = t.utc_offset < 0 ? -static_cast<long>(t.utc_offset) : t.utc_offset;
    *p++ = t.utc_offset < 0 ? '-' : '+';
    p = PutDigits(p, offset / 3600, 2);
    *p++ = ':';
    p = PutDigits(p, (offset / 60) % 60, 2);
  }
  *p = '\0';
  return static_cast<std::size_t>(p - out);
}

// pending_ is left uninitialized on purpose (see the header).
CriLogWriter::CriLogWriter(  // NOLINT(cppcoreguidelines-pro-type-member-init)
    const char* path, std::int64_t size_max, Clock clock)
    : path_(path), size_max_(size_max), clock_(clock) {}

CriLogWriter::~CriLogWriter() {
  if (fd_ >= 0) ::close(fd_);
}

int CriLogWriter::OpenFile(const char* path, bool truncate) {
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | (truncate ? O_TRUNC : 0);
  return ::open(path, flags, kLogMode);
}

int CriLogWriter::Open() {
  if (const int err = MakeParentDirs(path_, 0755); err != 0) return err;
  const int fd = OpenFile(path_, false);
  if (fd < 0) return errno;
  struct stat st {};
  size_ = ::fstat(fd, &st) == 0 ? st.st_size : 0;
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return 0;
}

int CriLogWriter::Reopen() {
  FlushBatch();
  return Open();
}

void CriLogWriter::Sync() {
  FlushBatch();
  if (fd_ >= 0) ::fdatasync(fd_);
}

void CriLogWriter::StampHeaders(LogStream s) {
  char stamp[kTimestampMax];
  const std::size_t n = FormatRfc3339Nano(clock_(), stamp);
  const char* name = s == LogStream::kStderr ? " stderr " : " stdout ";
  std::memcpy(header_full_, stamp, n);
  std::memcpy(header_full_ + n, name, 8);
  std::memcpy(header_partial_, header_full_, n + 8);
  header_full_[n + 8] = 'F';
  header_partial_[n + 8] = 'P';
  header_full_[n + 9] = ' ';
  header_partial_[n + 9] = ' ';
  header_len_ = n + 10;
}

void CriLogWriter::Write(LogStream s, const char* data, std::size_t len) {
  const int i = Index(s);
  StampHeaders(s);
  const char* p = data;
  const char* end = data + len;
  while (p < end) {
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (nl == nullptr) break;
    iovec parts[2];
    int nparts = 0;
    if (pending_len_[i] > 0) parts[nparts++] = {pending_[i], pending_len_[i]};
    parts[nparts++] = {const_cast<char*>(p), static_cast<std::size_t>(nl - p)};
    EmitLine(true, parts, nparts);
    // The batch points into pending_, so it must be out before pending_ is reused.
    if (pending_len_[i] > 0) FlushBatch();
    pending_len_[i] = 0;
    line_open_[i] = false;
    p = nl + 1;
  }
  FlushBatch();
  // What is left has no newline yet: hold it back, writing P only when it overflows.
  while (p < end) {
    if (pending_len_[i] == kMaxLogLine) {
      iovec part{pending_[i], pending_len_[i]};
      EmitLine(false, &part, 1);
      FlushBatch();
      pending_len_[i] = 0;
      line_open_[i] = true;
    }
    std::size_t take = kMaxLogLine - pending_len_[i];
    if (take > static_cast<std::size_t>(end - p)) take = static_cast<std::size_t>(end - p);
    std::memcpy(pending_[i] + pending_len_[i], p, take);
    pending_len_[i] += take;
    p += take;
  }
}

void CriLogWriter::FlushPartial(LogStream s) {
  const int i = Index(s);
  if (pending_len_[i] == 0) return;
  StampHeaders(s);
  iovec part{pending_[i], pending_len_[i]};
  EmitLine(false, &part, 1);
  FlushBatch();
  pending_len_[i] = 0;
  line_open_[i] = true;
}

void CriLogWriter::EndStream(LogStream s) {
  const int i = Index(s);
  if (pending_len_[i] == 0 && !line_open_[i]) return;
  StampHeaders(s);
  iovec part{pending_[i], pending_len_[i]};
  EmitLine(true, &part, 1);
  FlushBatch();
  pending_len_[i] = 0;
  line_open_[i] = false;
}

// Cuts the text in `parts` into entries of at most kMaxLogLine bytes (fewer when
// size_max_ leaves less room), all P except the last, which is F when `full`.
void CriLogWriter::EmitLine(bool full, const iovec* parts, int nparts) {
  std::size_t limit = kMaxLogLine;
  if (size_max_ > 0) {
    const std::int64_t room = size_max_ - static_cast<std::int64_t>(header_len_) - 1;
    if (room < 1) return;
    if (static_cast<std::size_t>(room) < limit) limit = static_cast<std::size_t>(room);
  }
  std::size_t total = 0;
  for (int k = 0; k < nparts; ++k) total += parts[k].iov_len;
  int part = 0;
  std::size_t offset = 0;  // into parts[part]
  do {
    const std::size_t piece = total < limit ? total : limit;
    iovec chunk[2];
    int nchunk = 0;
    std::size_t need = piece;
    while (need > 0) {
      const std::size_t avail = parts[part].iov_len - offset;
      const std::size_t take = avail < need ? avail : need;
      chunk[nchunk++] = {static_cast<char*>(parts[part].iov_base) + offset, take};
      need -= take;
      offset += take;
      if (offset == parts[part].iov_len) {
        ++part;
        offset = 0;
      }
    }
    total -= piece;
    AddEntry(full && total == 0, chunk, nchunk, piece);
  } while (total > 0);
}

void CriLogWriter::AddEntry(bool full, const iovec* parts, int nparts, std::size_t len) {
  static char newline = '\n';
  const std::size_t entry = header_len_ + len + 1;
  if (size_max_ > 0 && size_ + static_cast<std::int64_t>(batch_bytes_ + entry) > size_max_) {
    FlushBatch();
    Rotate();
  }
  if (iov_count_ + nparts + 2 > kMaxIov) FlushBatch();
  iov_[iov_count_++] = {full ? header_full_ : header_partial_, header_len_};
  for (int k = 0; k < nparts; ++k) {
    if (parts[k].iov_len > 0) iov_[iov_count_++] = parts[k];
  }
  iov_[iov_count_++] = {&newline, 1};
  batch_bytes_ += entry;
}

void CriLogWriter::FlushBatch() {
  iovec* iov = iov_;
  int count = iov_count_;
  while (count > 0 && fd_ >= 0) {
    const ssize_t n = ::writev(fd_, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // a full disk must not stop the monitor draining the container's output
    }
    size_ += n;
    std::size_t done = static_cast<std::size_t>(n);
    while (count > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + done;
      iov->iov_len -= done;
    }
  }
  iov_count_ = 0;
  batch_bytes_ = 0;
}

// Starts a new, empty file under the same name, as conmon does: followers that hold
// the old file keep reading it to its end instead of seeing it shrink under them.
void CriLogWriter::Rotate() {
  char tmp[PATH_MAX];
  const int n = std::snprintf(tmp, sizeof(tmp), "%s.tmp", path_);
  if (n > 0 && static_cast<std::size_t>(n) < sizeof(tmp)) {
    const int fd = OpenFile(tmp, true);
    if (fd >= 0) {
      if (::rename(tmp, path_) == 0) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
        size_ = 0;
        return;
      }
      ::close(fd);
      ::unlink(tmp);
    }
  }
  if (fd_ >= 0 && ::ftruncate(fd_, 0) == 0) size_ = 0;
}

}  // namespace crio::monitor
