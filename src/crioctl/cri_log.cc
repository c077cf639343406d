#include "cri_log.h"

#include <time.h>

#include <cctype>

#include "absl/strings/str_cat.h"
#include "display.h"

namespace crio::ctl {
namespace {

// Reads exactly `count` digits at `pos`.
bool Digits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

absl::Status BadTime(std::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "timestamp \"", std::string(text), "\" is not RFC 3339 (2006-01-02T15:04:05.999999999Z)"));
}

}  // namespace

absl::StatusOr<LogTime> ParseRfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!Digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !Digits(text, 5, 2, month) || text[7] != '-' || !Digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !Digits(text, 11, 2, hour) || text[13] != ':' ||
      !Digits(text, 14, 2, minute) || text[16] != ':' || !Digits(text, 17, 2, second)) {
    return BadTime(text);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return BadTime(text);
  }
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (digits == 9) return BadTime(text);
      nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return BadTime(text);
    for (std::size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int zone_hours, zone_minutes;
    if (!Digits(text, pos + 1, 2, zone_hours) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !Digits(text, pos + 4, 2, zone_minutes) || zone_hours > 23 || zone_minutes > 59) {
      return BadTime(text);
    }
    offset = (zone_hours * 3600 + zone_minutes * 60) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return BadTime(text);
  }
  if (pos != text.size()) return BadTime(text);

  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const time_t seconds = timegm(&tm);
  LogTime time;
  time.unix_nanos = (static_cast<std::int64_t>(seconds) - offset) * 1'000'000'000 + nanos;
  time.utc_offset_seconds = offset;
  return time;
}

std::string FormatLogTime(const LogTime& time) {
  return FormatUnixNanosWithOffset(time.unix_nanos, time.utc_offset_seconds);
}

absl::StatusOr<CriLogRecord> ParseCriLogLine(std::string_view line) {
  CriLogRecord record;
  const std::size_t time_end = line.find(' ');
  if (time_end == std::string_view::npos) {
    return absl::InvalidArgumentError("log line has no timestamp");
  }
  auto time = ParseRfc3339(line.substr(0, time_end));
  if (!time.ok()) return time.status();
  record.time = *time;

  const std::size_t stream_end = line.find(' ', time_end + 1);
  if (stream_end == std::string_view::npos) {
    return absl::InvalidArgumentError("log line has no stream");
  }
  const std::string_view stream = line.substr(time_end + 1, stream_end - time_end - 1);
  if (stream == "stdout") {
    record.stream = LogStream::kStdout;
  } else if (stream == "stderr") {
    record.stream = LogStream::kStderr;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("log line has unknown stream \"", std::string(stream), "\""));
  }

  // Tags are ':'-separated and only the first one means anything today (kubelet keeps
  // the rest for later extensions).
  const std::size_t tag_end = line.find(' ', stream_end + 1);
  if (tag_end == std::string_view::npos) return absl::InvalidArgumentError("log line has no tag");
  const std::string_view tags = line.substr(stream_end + 1, tag_end - stream_end - 1);
  const std::string_view first_tag = tags.substr(0, tags.find(':'));
  if (first_tag == "P") {
    record.partial = true;
  } else if (first_tag != "F") {
    return absl::InvalidArgumentError(
        absl::StrCat("log line has unknown tag \"", std::string(tags), "\""));
  }
  record.content = line.substr(tag_end + 1);
  return record;
}

std::optional<LogLine> CriLogAssembler::Add(std::string_view line) {
  auto record = ParseCriLogLine(line);
  if (!record.ok()) {
    ++malformed_;
    return std::nullopt;
  }
  std::optional<LogLine>& pending = pending_[record->stream == LogStream::kStdout ? 0 : 1];
  if (!pending) {
    pending = LogLine{record->time, record->stream, std::string(), false};
  }
  pending->text.append(record->content);
  if (record->partial) return std::nullopt;
  LogLine done = std::move(*pending);
  pending.reset();
  done.complete = true;
  return done;
}

std::vector<LogLine> CriLogAssembler::TakePending() {
  std::vector<LogLine> lines;
  for (auto& pending : pending_) {
    if (pending) lines.push_back(std::move(*pending));
    pending.reset();
  }
  return lines;
}

std::vector<LogLine> ParseCriLog(std::string_view text) {
  std::vector<LogLine> lines;
  CriLogAssembler assembler;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    if (auto done = assembler.Add(line)) lines.push_back(std::move(*done));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  for (auto& pending : assembler.TakePending()) lines.push_back(std::move(pending));
  return lines;
}

void TailBuffer::Push(LogLine line) {
  if (count_ == 0) return;
  lines_.push_back(std::move(line));
  if (count_ > 0 && lines_.size() > static_cast<std::size_t>(count_)) lines_.pop_front();
}

std::vector<LogLine> TailBuffer::Take() {
  std::vector<LogLine> lines(std::make_move_iterator(lines_.begin()),
                             std::make_move_iterator(lines_.end()));
  lines_.clear();
  return lines;
}

std::string RenderLogLine(const LogLine& line, bool timestamps) {
  std::string out;
  if (timestamps) absl::StrAppend(&out, FormatLogTime(line.time), " ");
  out += line.text;
  if (line.complete) out += '\n';
  return out;
}

}  // namespace crio::ctl
