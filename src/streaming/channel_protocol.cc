#include "channel_protocol.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace crio::streaming::protocol {
namespace {

// A size object is about 30 bytes; anything much larger is not one.
constexpr std::size_t kMaxResizeObject = 1024;

// %XX decoding of one query component ('+' is a space in forms).
std::optional<std::string> UnescapeQueryValue(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int value = 0;
      for (int k = 1; k <= 2; ++k) {
        const char c = in[i + k];
        value <<= 4;
        if (c >= '0' && c <= '9')
          value |= c - '0';
        else if (c >= 'a' && c <= 'f')
          value |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
          value |= c - 'A' + 10;
        else
          return std::nullopt;
      }
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::optional<std::uint16_t> SizeField(const nlohmann::json& object, std::string_view name) {
  for (const auto& [key, value] : object.items()) {
    if (!absl::EqualsIgnoreCase(key, absl::string_view(name.data(), name.size()))) continue;
    if (!value.is_number_unsigned() && !value.is_number_integer()) return std::nullopt;
    const auto number = value.get<std::int64_t>();
    if (number < 0 || number > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(number);
  }
  return std::uint16_t{0};  // absent: Go's decoder leaves the zero value
}

}  // namespace

const std::vector<std::string>& SpdyRemoteCommandProtocols() {
  static const std::vector<std::string> kProtocols = {kV5, kV4, kV3, kV2, kV1};
  return kProtocols;
}

const std::vector<std::string>& WebSocketRemoteCommandProtocols() {
  static const std::vector<std::string> kProtocols = {kV5, kV4, kV4Base64, kV1, kV1Base64, ""};
  return kProtocols;
}

const std::vector<std::string>& WebSocketPortForwardProtocols() {
  static const std::vector<std::string> kProtocols = {kV4, kV4Base64, kPortForward, ""};
  return kProtocols;
}

std::optional<std::string> Negotiate(const std::vector<std::string>& offered,
                                     const std::vector<std::string>& supported) {
  bool any = false;
  for (const std::string& value : offered) {
    for (absl::string_view item : absl::StrSplit(value, ',')) {
      item = absl::StripAsciiWhitespace(item);
      if (item.empty()) continue;
      any = true;
      for (const std::string& ours : supported) {
        if (!ours.empty() && item == ours) return ours;
      }
    }
  }
  if (!any) return std::string();
  return std::nullopt;
}

int RemoteCommandVersion(std::string_view protocol) {
  if (protocol == kV5) return 5;
  if (protocol == kV4 || protocol == kV4Base64) return 4;
  if (protocol == kV3) return 3;
  if (protocol == kV2) return 2;
  return 1;
}

WebSocketFraming FramingOf(std::string_view protocol) {
  WebSocketFraming framing;
  framing.base64 = protocol == kV4Base64 || protocol == kV1Base64;
  framing.close_signal = protocol == kV5;
  return framing;
}

std::string EncodeChannelMessage(const WebSocketFraming& framing, std::uint8_t channel,
                                 std::string_view data) {
  if (framing.base64) {
    return absl::StrCat(std::string(1, static_cast<char>('0' + channel)),
                        absl::Base64Escape(absl::string_view(data.data(), data.size())));
  }
  std::string message;
  message.reserve(data.size() + 1);
  message.push_back(static_cast<char>(channel));
  message.append(data);
  return message;
}

absl::StatusOr<std::optional<ChannelMessage>> DecodeChannelMessage(const WebSocketFraming& framing,
                                                                   std::string_view message) {
  if (message.empty()) return std::nullopt;
  ChannelMessage out;
  const auto first = static_cast<std::uint8_t>(message[0]);
  if (framing.close_signal && first == kCloseSignal) {
    if (message.size() < 2) {
      return absl::InvalidArgumentError("close signal without a channel number");
    }
    out.channel = static_cast<std::uint8_t>(message[1]);
    out.close = true;
    return out;
  }
  out.channel = framing.base64 ? static_cast<std::uint8_t>(first - '0') : first;
  const std::string_view payload = message.substr(1);
  if (framing.base64) {
    if (!absl::Base64Unescape(absl::string_view(payload.data(), payload.size()), &out.data)) {
      return absl::InvalidArgumentError(
          absl::StrCat("channel ", out.channel, ": the message is not valid base64"));
    }
  } else {
    out.data.assign(payload);
  }
  return out;
}

std::string ExitStatusJson(int exit_code) {
  nlohmann::json status = {{"metadata", nlohmann::json::object()}};
  if (exit_code == 0) {
    status["status"] = "Success";
    return status.dump();
  }
  status["status"] = "Failure";
  status["message"] =
      absl::StrCat("command terminated with non-zero exit code: exit status ", exit_code);
  status["reason"] = "NonZeroExitCode";
  status["details"] = {
      {"causes",
       nlohmann::json::array({{{"reason", "ExitCode"}, {"message", std::to_string(exit_code)}}})}};
  return status.dump();
}

std::string ErrorStatusJson(absl::string_view message) {
  const std::string text(message);
  nlohmann::json status = {{"metadata", nlohmann::json::object()},
                           {"status", "Failure"},
                           {"message", "Internal error occurred: " + text},
                           {"reason", "InternalError"},
                           {"details", {{"causes", nlohmann::json::array({{{"message", text}}})}}},
                           {"code", 500}};
  return status.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string CommandEndMessage(int version, const absl::StatusOr<int>& result) {
  if (version >= 4) {
    return result.ok() ? ExitStatusJson(*result) : ErrorStatusJson(result.status().message());
  }
  if (result.ok()) {
    return *result == 0
               ? ""
               : absl::StrCat("command terminated with non-zero exit code: exit status ", *result);
  }
  return absl::StrCat("Internal error occurred: ", result.status().message());
}

absl::StatusOr<std::vector<TerminalSize>> ResizeDecoder::Feed(std::string_view bytes) {
  pending_.append(bytes);
  std::vector<TerminalSize> sizes;
  std::size_t start = 0;
  while (true) {
    // Skip whitespace between objects.
    while (start < pending_.size() &&
           absl::ascii_isspace(static_cast<unsigned char>(pending_[start]))) {
      ++start;
    }
    if (start == pending_.size()) break;
    if (pending_[start] != '{') {
      pending_.clear();
      return absl::InvalidArgumentError("resize stream: expected a JSON object");
    }
    // Find the object's end: sizes are flat objects, but strings may hold braces.
    int depth = 0;
    bool in_string = false;
    std::size_t end = std::string::npos;
    for (std::size_t i = start; i < pending_.size(); ++i) {
      const char c = pending_[i];
      if (in_string) {
        if (c == '\\')
          ++i;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        end = i + 1;
        break;
      }
    }
    if (end == std::string::npos) {
      if (pending_.size() - start > kMaxResizeObject) {
        pending_.clear();
        return absl::InvalidArgumentError("resize stream: object too large");
      }
      break;
    }
    const auto object =
        nlohmann::json::parse(pending_.begin() + static_cast<std::ptrdiff_t>(start),
                              pending_.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (!object.is_object()) {
      pending_.clear();
      return absl::InvalidArgumentError("resize stream: malformed JSON object");
    }
    const auto width = SizeField(object, "Width");
    const auto height = SizeField(object, "Height");
    if (!width || !height) {
      pending_.clear();
      return absl::InvalidArgumentError("resize stream: Width and Height must be 0 to 65535");
    }
    sizes.push_back(TerminalSize{*width, *height});
    start = end;
  }
  pending_.erase(0, start);
  return sizes;
}

absl::StatusOr<std::vector<std::int32_t>> PortsFromQuery(std::string_view query) {
  std::vector<std::int32_t> ports;
  bool named = false;
  for (absl::string_view pair :
       absl::StrSplit(absl::string_view(query.data(), query.size()), '&')) {
    const auto eq = pair.find('=');
    const absl::string_view key = pair.substr(0, eq);
    if (key != "port") continue;
    named = true;
    const absl::string_view raw = eq == absl::string_view::npos ? "" : pair.substr(eq + 1);
    const auto value = UnescapeQueryValue(std::string_view(raw.data(), raw.size()));
    if (!value || value->empty()) {
      return absl::InvalidArgumentError("query parameter \"port\" cannot be empty");
    }
    for (absl::string_view item : absl::StrSplit(*value, ',')) {
      std::uint32_t port = 0;
      if (!absl::SimpleAtoi(item, &port) || port < 1 || port > 65535) {
        return absl::InvalidArgumentError(
            absl::StrCat("unable to parse \"", *value, "\" as a port: must be 1 to 65535"));
      }
      ports.push_back(static_cast<std::int32_t>(port));
    }
  }
  if (!named) return absl::InvalidArgumentError("query parameter \"port\" is required");
  return ports;
}

}  // namespace crio::streaming::protocol
