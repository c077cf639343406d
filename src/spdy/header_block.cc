#include "header_block.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "wire.h"

namespace crio::spdy {
namespace {

constexpr std::size_t kMaxField = std::numeric_limits<std::int32_t>::max();

absl::Status CheckHeader(const std::string& name, const std::vector<std::string>& values) {
  if (name.empty()) return absl::InvalidArgumentError("header name is empty");
  if (name.size() > kMaxField) return absl::InvalidArgumentError("header name is too long");
  for (const char c : name) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) || c == '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat("header name \"", absl::CEscape(name), "\" must be lower-case without NUL"));
    }
  }
  if (values.empty())
    return absl::InvalidArgumentError(absl::StrCat("header ", name, " has no value"));
  std::size_t joined = values.size() - 1;
  for (const std::string& value : values) {
    if (absl::StrContains(value, '\0')) {
      return absl::InvalidArgumentError(absl::StrCat("a value of header ", name, " holds NUL"));
    }
    // NUL separates values, so an empty one among several would not survive the trip.
    if (value.empty() && values.size() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("header ", name, " has an empty value among several"));
    }
    joined += value.size();
  }
  if (joined > kMaxField) {
    return absl::InvalidArgumentError(absl::StrCat("header ", name, " value is too long"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EncodeHeaderBlock(const Headers& headers, std::string* out) {
  if (headers.size() > kMaxField) return absl::InvalidArgumentError("too many headers");
  for (const auto& [name, values] : headers) {
    if (absl::Status status = CheckHeader(name, values); !status.ok()) return status;
  }
  wire::PutU32(*out, static_cast<std::uint32_t>(headers.size()));
  for (const auto& [name, values] : headers) {
    wire::PutU32(*out, static_cast<std::uint32_t>(name.size()));
    out->append(name);
    const std::string value = absl::StrJoin(values, absl::string_view("\0", 1));
    wire::PutU32(*out, static_cast<std::uint32_t>(value.size()));
    out->append(value);
  }
  return absl::OkStatus();
}

absl::StatusOr<Headers> ParseHeaderBlock(absl::string_view block, std::uint32_t max_count) {
  std::size_t pos = 0;
  // Reads a length-prefixed string; the length is checked against what is left before
  // anything is copied.
  auto read_string = [&](absl::string_view what, absl::string_view* field) -> absl::Status {
    if (block.size() - pos < 4) {
      return absl::InvalidArgumentError(
          absl::StrCat("header block truncated in ", what, " length"));
    }
    const std::uint32_t length = wire::GetU32(block, pos);
    pos += 4;
    if (length > block.size() - pos) {
      return absl::InvalidArgumentError(absl::StrCat("header block truncated: ", what, " of ",
                                                     length, " bytes, ", block.size() - pos,
                                                     " left"));
    }
    *field = block.substr(pos, length);
    pos += length;
    return absl::OkStatus();
  };

  if (block.size() < 4) return absl::InvalidArgumentError("header block truncated in pair count");
  const std::uint32_t count = wire::GetU32(block, 0);
  pos = 4;
  if (count > max_count) {
    return absl::ResourceExhaustedError(
        absl::StrCat("header block has ", count, " pairs, more than the limit of ", max_count));
  }
  Headers headers;
  // NUL-separated values multiply the entries: "\0\0\0..." is one value on the wire
  // and would become a million empty strings, so the limit counts values, not pairs.
  std::size_t total_values = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    absl::string_view name;
    absl::string_view value;
    if (absl::Status status = read_string("name", &name); !status.ok()) return status;
    if (name.empty()) return absl::InvalidArgumentError("header block has an empty name");
    if (absl::Status status = read_string("value", &value); !status.ok()) return status;
    total_values += 1 + static_cast<std::size_t>(std::count(value.begin(), value.end(), '\0'));
    if (total_values > max_count) {
      return absl::ResourceExhaustedError(
          absl::StrCat("header block has more than ", max_count, " values"));
    }
    std::vector<std::string>& values = headers[absl::AsciiStrToLower(name)];
    for (absl::string_view part : absl::StrSplit(value, '\0')) values.emplace_back(part);
  }
  if (pos != block.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("header block has ", block.size() - pos, " bytes after its last pair"));
  }
  return headers;
}

}  // namespace crio::spdy
