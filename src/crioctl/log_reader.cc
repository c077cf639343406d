#include "log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <time.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cri_log.h"
#include "crio/common/status.h"

namespace crio::ctl {
namespace {

absl::Status ErrnoError(int err, const std::string& what) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(err));
  return err == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
}

// Applies the since/stream/byte-limit choices and writes a line to its stream.
class Printer {
 public:
  Printer(const LogReadOptions& options, std::ostream& out, std::ostream& err)
      : options_(options), out_(out), err_(err) {}

  // Returns false once the byte limit is reached: nothing more may be printed.
  bool Print(const LogLine& line) {
    if (options_.since_unix_nanos && line.time.unix_nanos < *options_.since_unix_nanos) {
      return true;
    }
    const bool is_stdout = line.stream == LogStream::kStdout;
    if (is_stdout ? !options_.show_stdout : !options_.show_stderr) return true;
    std::string text = RenderLogLine(line, options_.timestamps);
    if (options_.limit_bytes >= 0) {
      const std::int64_t left = options_.limit_bytes - written_;
      if (left <= 0) return false;
      if (static_cast<std::int64_t>(text.size()) > left)
        text.resize(static_cast<std::size_t>(left));
    }
    std::ostream& stream = is_stdout ? out_ : err_;
    stream.write(text.data(), static_cast<std::streamsize>(text.size()));
    written_ += static_cast<std::int64_t>(text.size());
    return options_.limit_bytes < 0 || written_ < options_.limit_bytes;
  }

  void Flush() {
    out_.flush();
    err_.flush();
  }

 private:
  const LogReadOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
  std::int64_t written_ = 0;
};

// An open log file that remembers which file it is, so that a rotation (a new file at
// the same path) or a truncation can be told apart from "no new data yet".
class OpenLog {
 public:
  OpenLog() = default;
  OpenLog(const OpenLog&) = delete;
  OpenLog& operator=(const OpenLog&) = delete;
  ~OpenLog() { Close(); }

  absl::Status Open(const std::string& path) {
    Close();
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return ErrnoError(errno, absl::StrCat("open log file \"", path, "\""));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return ErrnoError(errno, absl::StrCat("stat \"", path, "\""));
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    offset_ = 0;
    carry_.clear();
    return absl::OkStatus();
  }

  // Reads up to the end of the file, handing each newline-terminated line to `on_line`;
  // bytes after the last newline wait for the rest of their line.
  template <typename OnLine>
  absl::Status ReadToEnd(const OnLine& on_line) {
    char buffer[64 * 1024];
    while (true) {
      const ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, "read log file");
      }
      if (n == 0) return absl::OkStatus();
      offset_ += n;
      std::string_view chunk(buffer, static_cast<std::size_t>(n));
      while (!chunk.empty()) {
        const std::size_t newline = chunk.find('\n');
        if (newline == std::string_view::npos) {
          carry_.append(chunk);
          break;
        }
        if (carry_.empty()) {
          on_line(chunk.substr(0, newline));
        } else {
          carry_.append(chunk.substr(0, newline));
          on_line(std::string_view(carry_));
          carry_.clear();
        }
        chunk.remove_prefix(newline + 1);
      }
    }
  }

  // The last line when the file ends without a newline (it will not be finished).
  template <typename OnLine>
  void FlushCarry(const OnLine& on_line) {
    if (carry_.empty()) return;
    const std::string line = std::move(carry_);
    carry_.clear();
    on_line(std::string_view(line));
  }

  // True when `path` now names another file than the one open.
  bool Replaced(const std::string& path) const {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;  // renamed away, new one not there yet
    return st.st_dev != dev_ || st.st_ino != ino_;
  }

  // Rewinds when the file became shorter than what was read (copy-and-truncate rotation).
  bool RewindIfTruncated() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || st.st_size >= offset_) return false;
    ::lseek(fd_, 0, SEEK_SET);
    offset_ = 0;
    carry_.clear();
    return true;
  }

 private:
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t offset_ = 0;
  std::string carry_;
};

// Go's time.ParseDuration: a sequence of decimal numbers with units ("1h30m", "1.5s").
std::optional<std::int64_t> ParseGoDuration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1},   {"us", 1e3}, {"\u00b5s", 1e3}, {"\u03bcs", 1e3},
      {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},      {"h", 3600e9}};
  double total = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
      ++digits;
    }
    if (digits == 0 || text.substr(0, digits) == ".") return std::nullopt;
    const std::string number(text.substr(0, digits));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    text.remove_prefix(digits);
    std::size_t unit_length = 0;
    while (unit_length < text.size() &&
           !std::isdigit(static_cast<unsigned char>(text[unit_length])) &&
           text[unit_length] != '.') {
      ++unit_length;
    }
    const std::string_view unit = text.substr(0, unit_length);
    double scale = 0;
    for (const auto& [name, factor] : kUnits) {
      if (unit == name) scale = factor;
    }
    if (scale == 0) return std::nullopt;
    total += value * scale;
    text.remove_prefix(unit_length);
  }
  const auto nanos = static_cast<std::int64_t>(total);
  return negative ? -nanos : nanos;
}

// "2006-01-02T15:04:05[.999999999]" or "2006-01-02" in the local zone.
std::optional<std::int64_t> ParseLocalTime(const std::string& text) {
  struct tm tm {};
  int nanos = 0;
  const char* rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    tm = {};
    rest = ::strptime(text.c_str(), "%Y-%m-%d", &tm);
    if (rest == nullptr || *rest != '\0') return std::nullopt;
  } else if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (std::isdigit(static_cast<unsigned char>(*rest)) && digits < 9) {
      nanos = nanos * 10 + (*rest - '0');
      ++rest;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) nanos *= 10;
  }
  if (*rest != '\0') return std::nullopt;
  tm.tm_isdst = -1;
  const time_t seconds = ::mktime(&tm);
  if (seconds == -1) return std::nullopt;
  return static_cast<std::int64_t>(seconds) * 1'000'000'000 + nanos;
}

// "1690000000" or "1690000000.123456789", without floating-point rounding.
std::optional<std::int64_t> ParseUnixSeconds(const std::string& text) {
  const std::size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (whole.empty() || ec != std::errc() || end != whole.data() + whole.size()) {
    return std::nullopt;
  }
  std::int64_t nanos = 0;
  if (dot != std::string::npos) {
    const std::string fraction = text.substr(dot + 1);
    if (fraction.empty() || fraction.size() > 9) return std::nullopt;
    for (const char c : fraction) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      nanos = nanos * 10 + (c - '0');
    }
    for (std::size_t i = fraction.size(); i < 9; ++i) nanos *= 10;
  }
  return seconds * 1'000'000'000 + nanos;
}

}  // namespace

absl::StatusOr<std::int64_t> ParseSince(const std::string& value,
                                        std::chrono::system_clock::time_point now) {
  const std::int64_t now_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  if (value != "0") {
    if (auto duration = ParseGoDuration(value)) return now_nanos - *duration;
  }
  if (auto time = ParseRfc3339(value); time.ok()) return time->unix_nanos;
  if (auto local = ParseLocalTime(value)) return *local;
  if (auto unix_nanos = ParseUnixSeconds(value)) return *unix_nanos;
  return absl::InvalidArgumentError(absl::StrCat(
      "--since \"", value,
      "\" is neither a duration (42m) nor a timestamp (2013-01-02T13:23:37Z) nor Unix seconds"));
}

absl::Status ReadCriLogFile(const std::string& path, const LogReadOptions& options,
                            std::ostream& out, std::ostream& err,
                            const StillRunning& still_running) {
  OpenLog file;
  RETURN_IF_ERROR(file.Open(path));
  CriLogAssembler assembler;
  Printer printer(options, out, err);
  TailBuffer tail(options.tail);
  bool tailing = options.tail >= 0;
  bool done = false;

  auto emit = [&](LogLine line) {
    if (done) return;
    if (tailing) {
      tail.Push(std::move(line));
    } else if (!printer.Print(line)) {
      done = true;
    }
  };
  auto on_line = [&](std::string_view raw) {
    if (auto line = assembler.Add(raw)) emit(std::move(*line));
  };
  auto end_tail = [&] {
    tailing = false;
    for (auto& line : tail.Take()) emit(std::move(line));
  };
  // What is left when no more data will come: an unterminated last line and the pieces
  // that never got their "F" line are printed as they are (kubelet does the same).
  auto finish = [&] {
    file.FlushCarry(on_line);
    for (auto& line : assembler.TakePending()) emit(std::move(line));
    end_tail();
    printer.Flush();
  };

  RETURN_IF_ERROR(file.ReadToEnd(on_line));
  if (!options.follow) {
    finish();
    return absl::OkStatus();
  }
  end_tail();
  printer.Flush();

  // Ask at once the first time: a container that already exited ends the follow.
  auto last_check = std::chrono::steady_clock::now() - options.status_interval;
  while (!done) {
    RETURN_IF_ERROR(file.ReadToEnd(on_line));
    printer.Flush();
    if (done) break;
    if (file.Replaced(path)) {
      file.FlushCarry(on_line);
      RETURN_IF_ERROR(file.Open(path));
      continue;
    }
    if (file.RewindIfTruncated()) continue;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check >= options.status_interval) {
      last_check = now;
      if (!still_running()) {
        // The last words of the container may have landed since the read above,
        // possibly after a last rotation.
        RETURN_IF_ERROR(file.ReadToEnd(on_line));
        if (file.Replaced(path)) {
          file.FlushCarry(on_line);
          RETURN_IF_ERROR(file.Open(path));
          RETURN_IF_ERROR(file.ReadToEnd(on_line));
        }
        finish();
        return absl::OkStatus();
      }
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
  printer.Flush();
  return absl::OkStatus();
}

}  // namespace crio::ctl
