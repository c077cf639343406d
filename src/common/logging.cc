#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdio>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crio/common/log.h"

namespace crio::log {

absl::StatusOr<spdlog::level::level_enum> ParseLevel(std::string_view level) {
  const std::string lower = absl::AsciiStrToLower(std::string(level));
  if (lower == "trace") return spdlog::level::trace;
  if (lower == "debug") return spdlog::level::debug;
  if (lower == "info") return spdlog::level::info;
  if (lower == "warn" || lower == "warning") return spdlog::level::warn;
  if (lower == "error") return spdlog::level::err;
  if (lower == "fatal" || lower == "panic") return spdlog::level::critical;
  return absl::InvalidArgumentError(
      absl::StrCat("log level \"", std::string(level),
                   "\" is not one of trace, debug, info, warn, error, fatal, panic"));
}

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "fatal";
    default:
      return "off";
  }
}

void Setup(spdlog::level::level_enum level) {
  // stderr so that systemd's journal gets it and stdout stays free for subcommands.
  auto logger = spdlog::stderr_logger_mt("crio");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z %l %v");
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void Write(spdlog::level::level_enum level, const RequestContext& ctx, fmt::string_view format,
           fmt::format_args args) {
  if (!spdlog::should_log(level)) return;
  std::string message;
  try {
    message = fmt::vformat(format, args);
  } catch (const fmt::format_error& e) {
    // Checked at compile time; a runtime failure is a bug, not a reason to lose the line.
    message = fmt::format("(bad log format \"{}\": {})",
                          std::string_view(format.data(), format.size()), e.what());
  }
  spdlog::log(level, "[{}] {}: {}", ctx.id, ctx.method, message);
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<char, 17> buf{};
  std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(buf.data(), 16);
}

}  // namespace crio::log
