#pragma once

// Logging conventions (docs/conventions.md): spdlog underneath; a request's lines
// carry its id and RPC name so that one call can be followed through the log.

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Debian's abseil has its own string_view class (not std::string_view), which fmt does
// not know; status messages are absl::string_view, so teach fmt both.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(s.data(), s.size()), ctx);
  }
};
template <>
struct fmt::formatter<absl::Status> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(const absl::Status& status, FormatContext& ctx) const {
    const std::string text = status.ToString();
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(text), ctx);
  }
};

namespace crio {

/// What every stage of a request receives first: who is asking, for the log.
struct RequestContext {
  std::string id;      ///< short random id, unique per RPC
  std::string method;  ///< RPC name, e.g. "Version"
};

namespace log {

/// Parses a CRI-O log level ("fatal", "panic", "error", "warn", "warning", "info",
/// "debug", "trace") into spdlog's scale.
/// @return InvalidArgument naming the level when it is not one of those
absl::StatusOr<spdlog::level::level_enum> ParseLevel(std::string_view level);

/// The CRI-O spelling of an spdlog level ("info", "warn", ...).
std::string_view LevelName(spdlog::level::level_enum level);

/// Installs the daemon's stderr logger with our line format and `level`.
void Setup(spdlog::level::level_enum level);

/// A fresh request id: 16 hex digits.
std::string NewRequestId();

/// Writes one request line: "[<request id>] <method>: <message>". Not a template, so
/// that a call site instantiates fmt's argument packing only, not spdlog's and fmt's
/// formatting (which made every file that logs slow to compile).
void Write(spdlog::level::level_enum level, const RequestContext& ctx, fmt::string_view format,
           fmt::format_args args);

template <typename... Args>
void Trace(const RequestContext& ctx, fmt::format_string<Args...> format, Args&&... args) {
  if (spdlog::should_log(spdlog::level::trace))
    Write(spdlog::level::trace, ctx, format, fmt::make_format_args(args...));
}
template <typename... Args>
void Debug(const RequestContext& ctx, fmt::format_string<Args...> format, Args&&... args) {
  if (spdlog::should_log(spdlog::level::debug))
    Write(spdlog::level::debug, ctx, format, fmt::make_format_args(args...));
}
template <typename... Args>
void Info(const RequestContext& ctx, fmt::format_string<Args...> format, Args&&... args) {
  if (spdlog::should_log(spdlog::level::info))
    Write(spdlog::level::info, ctx, format, fmt::make_format_args(args...));
}
template <typename... Args>
void Warn(const RequestContext& ctx, fmt::format_string<Args...> format, Args&&... args) {
  Write(spdlog::level::warn, ctx, format, fmt::make_format_args(args...));
}
template <typename... Args>
void Error(const RequestContext& ctx, fmt::format_string<Args...> format, Args&&... args) {
  Write(spdlog::level::err, ctx, format, fmt::make_format_args(args...));
}

}  // namespace log
}  // namespace crio
