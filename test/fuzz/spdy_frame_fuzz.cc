// Fuzz target: SPDY bytes from streaming clients (kubectl, crictl), which reach the
// decoder as soon as the upgrade is done. Whatever the bytes:
// - the decoder gives the same frames and the same error however the input is split;
// - every frame it returns that the encoder accepts survives a round trip;
// - sessions in both roles return a status, and whatever they write back (including
//   their answers to the streams they saw opened) decodes without error.
// A broken property aborts, so both the replay test and libFuzzer report it.
//
// The corpus (corpus/spdy) was written once with Python's zlib and the SPDY/3
// dictionary (zlib.compressobj(9, DEFLATED, 15, 8, ..., zdict) with a sync flush per
// header block): kubectl-like exec and port-forward conversations, a server's
// replies, every control frame type, unknown types, SPDY/2 and a 1 MiB zip bomb.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crio/spdy/frame.h"
#include "crio/spdy/session.h"

namespace spdy = crio::spdy;

namespace {

// Small limits keep a run fast and make them reachable.
constexpr spdy::Limits kLimits{.max_data_payload = 1 << 16,
                               .max_control_payload = 1 << 14,
                               .max_header_block = 1 << 16,
                               .max_header_count = 100};

struct Decoded {
  std::vector<spdy::Frame> frames;
  absl::Status status;
  bool operator==(const Decoded&) const = default;
};

Decoded DecodeInChunks(absl::string_view input, std::size_t chunk) {
  spdy::FrameDecoder decoder(kLimits);
  Decoded result;
  std::size_t pos = 0;
  do {
    decoder.Append(input.substr(pos, chunk));
    pos += chunk;
    for (;;) {
      auto next = decoder.Next();
      if (!next.ok()) {
        result.status = next.status();
        return result;
      }
      if (!next->has_value()) break;
      result.frames.push_back(std::move(**next));
    }
  } while (pos < input.size());
  return result;
}

void Check(bool condition) {
  if (!condition) std::abort();
}

void RoundTrip(const std::vector<spdy::Frame>& frames) {
  spdy::FrameEncoder encoder;
  std::string wire;
  std::vector<spdy::Frame> accepted;
  for (const spdy::Frame& frame : frames) {
    if (encoder.Encode(frame, &wire).ok()) accepted.push_back(frame);
  }
  const Decoded again = DecodeInChunks(wire, wire.size() + 1);
  Check(again.status.ok());
  Check(again.frames == accepted);
}

void RunSession(spdy::Role role, absl::string_view input) {
  spdy::Session session({.role = role, .limits = kLimits});
  // Two pieces: the split point comes from the input itself.
  const std::size_t cut = input.empty() ? 0 : static_cast<unsigned char>(input[0]) % input.size();
  for (absl::string_view piece : {input.substr(0, cut), input.substr(cut)}) {
    auto events = session.Feed(piece);
    if (!events.ok()) break;
    for (const spdy::Event& event : *events) {
      // Answer what a streaming server would, ignoring refusals (the stream may be
      // gone or closed already).
      if (const auto* opened = std::get_if<spdy::StreamOpened>(&event)) {
        (void)session.Reply(opened->stream_id);
        (void)session.SendData(opened->stream_id, "out", true);
      } else if (const auto* data = std::get_if<spdy::StreamData>(&event)) {
        (void)session.SendData(data->stream_id, data->data);
      }
    }
    (void)session.Ping();
  }
  (void)session.OpenStream({{"streamtype", {"error"}}});
  (void)session.GoAway();
  const Decoded output = DecodeInChunks(session.TakeOutput(), 4096);
  Check(output.status.ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const Decoded whole = DecodeInChunks(input, size + 1);
  const std::size_t chunk = size == 0 ? 1 : 1 + data[size - 1] % 13;
  Check(DecodeInChunks(input, chunk) == whole);
  RoundTrip(whole.frames);
  RunSession(spdy::Role::kServer, input);
  RunSession(spdy::Role::kClient, input);
  return 0;
}
