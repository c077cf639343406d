#include "crio/spdy/frame.h"

#include <type_traits>

namespace crio::spdy {

std::optional<std::string> FirstHeaderValue(const Headers& headers, absl::string_view name) {
  const auto it = headers.find(name);
  if (it == headers.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

const char* FrameName(const Frame& frame) {
  return std::visit(
      [](const auto& f) -> const char* {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, DataFrame>) return "DATA";
        if constexpr (std::is_same_v<T, SynStreamFrame>) return "SYN_STREAM";
        if constexpr (std::is_same_v<T, SynReplyFrame>) return "SYN_REPLY";
        if constexpr (std::is_same_v<T, RstStreamFrame>) return "RST_STREAM";
        if constexpr (std::is_same_v<T, SettingsFrame>) return "SETTINGS";
        if constexpr (std::is_same_v<T, PingFrame>) return "PING";
        if constexpr (std::is_same_v<T, GoAwayFrame>) return "GOAWAY";
        if constexpr (std::is_same_v<T, HeadersFrame>) return "HEADERS";
        if constexpr (std::is_same_v<T, WindowUpdateFrame>) return "WINDOW_UPDATE";
      },
      frame);
}

}  // namespace crio::spdy
