// The frame codec: every frame type through encoder and decoder, byte layouts built by
// hand from the SPDY/3 draft's frame diagrams, input split anywhere, and hostile
// input (bad versions, lengths, ids, sizes) giving errors.

#include <cstdint>
#include <string>
#include <vector>

#include "crio/spdy/frame.h"
#include "gtest/gtest.h"
#include "spdy_test_util.h"

namespace crio::spdy {
namespace {

using testing::Bytes;
using testing::DecodeAll;
using testing::kExecClientHex;
using testing::ToHex;

std::vector<Frame> EveryFrameType() {
  return {
      SynStreamFrame{1, 0, 0, 0, 0, {{"streamtype", {"error"}}}},
      SynStreamFrame{3,
                     1,
                     7,
                     9,
                     kFlagFin | kFlagUnidirectional,
                     {{"port", {"8080"}}, {"requestid", {"0"}}, {"x-multi", {"a", "b", "c"}}}},
      SynReplyFrame{1, 0, {}},
      SynReplyFrame{3, kFlagFin, {{"status", {"200"}}, {"empty", {""}}}},
      RstStreamFrame{5, RstStatus::kCancel},
      RstStreamFrame{7, RstStatus::kFrameTooLarge},
      SettingsFrame{kFlagClearSettings, {{1, kSettingsInitialWindowSize, 1 << 20}, {0, 4, 100}}},
      SettingsFrame{0, {}},
      PingFrame{1},
      PingFrame{0xfffffffe},
      GoAwayFrame{7, GoAwayStatus::kOk},
      GoAwayFrame{0, GoAwayStatus::kInternalError},
      HeadersFrame{1, kFlagFin, {{"trailer", {"yes"}}}},
      WindowUpdateFrame{0, 32768},
      WindowUpdateFrame{kMaxStreamId, kMaxStreamId},
      DataFrame{1, 0, "hello"},
      DataFrame{3, kFlagFin, ""},
      DataFrame{kMaxStreamId, 0, std::string("\0\x80\xff binary", 10)},
  };
}

std::string EncodeAll(FrameEncoder& encoder, const std::vector<Frame>& frames) {
  std::string out;
  for (const Frame& frame : frames) {
    const absl::Status status = encoder.Encode(frame, &out);
    EXPECT_TRUE(status.ok()) << FrameName(frame) << ": " << status;
  }
  return out;
}

TEST(SpdyFrameCodec, EveryFrameTypeRoundTrips) {
  FrameEncoder encoder;
  const std::vector<Frame> frames = EveryFrameType();
  const std::string wire_bytes = EncodeAll(encoder, frames);
  FrameDecoder decoder;
  EXPECT_EQ(DecodeAll(decoder, wire_bytes), frames);
}

TEST(SpdyFrameCodec, InputSplitAnywhereGivesTheSameFrames) {
  FrameEncoder encoder;
  const std::vector<Frame> frames = EveryFrameType();
  const std::string wire_bytes = EncodeAll(encoder, frames);
  // Byte by byte, then every two-piece split.
  {
    FrameDecoder decoder;
    std::vector<Frame> got;
    for (const char c : wire_bytes) {
      decoder.Append(std::string(1, c));
      for (;;) {
        auto next = decoder.Next();
        ASSERT_TRUE(next.ok()) << next.status();
        if (!next->has_value()) break;
        got.push_back(std::move(**next));
      }
    }
    EXPECT_EQ(got, frames);
  }
  for (std::size_t cut = 0; cut <= wire_bytes.size(); cut += 7) {
    FrameDecoder decoder;
    std::vector<Frame> got = DecodeAll(decoder, wire_bytes.substr(0, cut), /*partial=*/true);
    std::vector<Frame> rest = DecodeAll(decoder, wire_bytes.substr(cut));
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, frames) << "split at " << cut;
  }
}

// Frames without header blocks, laid out by hand from the draft's diagrams: control
// frames start with C=1, version 3 (0x8003), the type, then flags and a 24-bit length;
// DATA starts with C=0 and the stream id.
struct FixedLayout {
  Frame frame;
  const char* hex;
};

TEST(SpdyFrameCodec, FixedLayoutsMatchTheSpec) {
  const FixedLayout cases[] = {
      // RST_STREAM, stream 5, status CANCEL (5).
      {RstStreamFrame{5, RstStatus::kCancel}, "8003 0003 00 000008 00000005 00000005"},
      // PING id 1.
      {PingFrame{1}, "8003 0006 00 000004 00000001"},
      // GOAWAY, last good stream 3, status OK.
      {GoAwayFrame{3, GoAwayStatus::kOk}, "8003 0007 00 000008 00000003 00000000"},
      // WINDOW_UPDATE, stream 1, delta 32768.
      {WindowUpdateFrame{1, 32768}, "8003 0009 00 000008 00000001 00008000"},
      // SETTINGS with CLEAR_SETTINGS: one entry, flags PERSIST_VALUE (1),
      // id INITIAL_WINDOW_SIZE (7), value 65536.
      {SettingsFrame{kFlagClearSettings, {{1, 7, 65536}}},
       "8003 0004 01 00000c 00000001 01000007 00010000"},
      // DATA on stream 3 with FIN: "hi".
      {DataFrame{3, kFlagFin, "hi"}, "00000003 01 000002 6869"},
      // An empty DATA frame with FIN: what spdystream's Stream.Close sends.
      {DataFrame{1, kFlagFin, ""}, "00000001 01 000000"},
  };
  for (const FixedLayout& c : cases) {
    FrameEncoder encoder;
    std::string out;
    ASSERT_TRUE(encoder.Encode(c.frame, &out).ok());
    EXPECT_EQ(ToHex(out), ToHex(Bytes(c.hex))) << FrameName(c.frame);
    FrameDecoder decoder;
    EXPECT_EQ(DecodeAll(decoder, Bytes(c.hex)), std::vector<Frame>{c.frame}) << FrameName(c.frame);
  }
}

TEST(SpdyFrameCodec, DecodesAnExecClientsFrames) {
  FrameDecoder decoder;
  const std::vector<Frame> frames = DecodeAll(decoder, Bytes(kExecClientHex));
  const std::vector<Frame> expected = {
      SynStreamFrame{1, 0, 0, 0, 0, {{"streamtype", {"error"}}}},
      SynStreamFrame{3, 0, 0, 0, 0, {{"streamtype", {"stdin"}}}},
      DataFrame{3, 0, "ls\n"},
      DataFrame{3, kFlagFin, ""},
      PingFrame{1},
  };
  EXPECT_EQ(frames, expected);
}

TEST(SpdyFrameCodec, SynStreamLayoutAndZlibHeader) {
  FrameEncoder encoder;
  std::string out;
  ASSERT_TRUE(encoder
                  .Encode(
                      SynStreamFrame{
                          5, 3, 6, 1, kFlagFin | kFlagUnidirectional, {{"streamtype", {"stdout"}}}},
                      &out)
                  .ok());
  ASSERT_GT(out.size(), 24u);
  // Type 1, flags FIN|UNIDIRECTIONAL, id 5, associated 3, priority 6 in the top three
  // bits (0xc0), slot 1.
  EXPECT_EQ(ToHex(out.substr(0, 4)), "80030001");
  EXPECT_EQ(static_cast<std::uint8_t>(out[4]), 0x03);
  EXPECT_EQ(ToHex(out.substr(8, 10)), "0000000500000003c001");
  const std::uint32_t length =
      (static_cast<std::uint32_t>(static_cast<std::uint8_t>(out[5])) << 16) |
      (static_cast<std::uint8_t>(out[6]) << 8) | static_cast<std::uint8_t>(out[7]);
  EXPECT_EQ(length, out.size() - 8);
  // The header block is a zlib stream with a preset dictionary (FDICT, bit 5 of FLG)
  // whose DICTID is the SPDY/3 dictionary's Adler-32.
  EXPECT_EQ(static_cast<std::uint8_t>(out[18]) & 0x0f, 8);  // CM = deflate
  EXPECT_NE(static_cast<std::uint8_t>(out[19]) & 0x20, 0);
  EXPECT_EQ(ToHex(out.substr(20, 4)), "e3c6a7c2");
}

TEST(SpdyFrameCodec, EncodeDataFrameMatchesEncode) {
  FrameEncoder encoder;
  std::string via_encoder;
  ASSERT_TRUE(encoder.Encode(DataFrame{9, kFlagFin, "payload"}, &via_encoder).ok());
  std::string direct;
  ASSERT_TRUE(EncodeDataFrame(9, kFlagFin, "payload", &direct).ok());
  EXPECT_EQ(direct, via_encoder);
}

TEST(SpdyFrameCodec, UnknownControlFramesAreSkipped) {
  // CREDENTIAL (type 10, SPDY/3) and type 0xffff, each followed by a known frame.
  const std::string bytes = Bytes(
      "8003 000a 00 000006 010203040506"
      "8003 0006 00 000004 00000003"
      "8003 ffff ff 000000"
      "8003 0006 00 000004 00000005");
  FrameDecoder decoder;
  EXPECT_EQ(DecodeAll(decoder, bytes), (std::vector<Frame>{PingFrame{3}, PingFrame{5}}));
}

TEST(SpdyFrameCodec, LargeUnknownFrameIsDroppedWithoutBuffering) {
  // An unknown type of the largest length, beyond every limit, arriving in 4 KiB reads.
  FrameDecoder decoder(Limits{.max_data_payload = 1024, .max_control_payload = 1024});
  decoder.Append(Bytes("8003 0042 00 ffffff"));
  const std::string chunk(4096, 'x');
  std::size_t left = 0xffffff;
  while (left > 0) {
    const std::size_t n = std::min(left, chunk.size());
    decoder.Append(absl::string_view(chunk).substr(0, n));
    left -= n;
    auto next = decoder.Next();
    ASSERT_TRUE(next.ok()) << next.status();
    EXPECT_FALSE(next->has_value());
    EXPECT_LE(decoder.Buffered(), chunk.size());
  }
  EXPECT_EQ(DecodeAll(decoder, Bytes("8003 0006 00 000004 00000007")),
            (std::vector<Frame>{PingFrame{7}}));
}

TEST(SpdyFrameCodec, TruncatedFrameWaitsForTheRest) {
  const std::string bytes = Bytes("00000003 00 000005 68656c6c6f");
  FrameDecoder decoder;
  decoder.Append(bytes.substr(0, bytes.size() - 1));
  auto next = decoder.Next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  EXPECT_EQ(decoder.Buffered(), bytes.size() - 1);
  EXPECT_EQ(DecodeAll(decoder, bytes.substr(bytes.size() - 1)),
            (std::vector<Frame>{DataFrame{3, 0, "hello"}}));
}

struct Malformed {
  const char* name;
  const char* hex;
  absl::StatusCode code;
  const char* message;  // a part of the error message
};

TEST(SpdyFrameCodec, MalformedFramesAreErrors) {
  const Malformed cases[] = {
      {"SPDY/2 control frame", "8002 0001 00 00000a 00000001 00000000 0000",
       absl::StatusCode::kInvalidArgument, "version 2"},
      {"version 0", "8000 0006 00 000004 00000001", absl::StatusCode::kInvalidArgument,
       "version 0"},
      {"PING of 8 bytes", "8003 0006 00 000008 00000001 00000002",
       absl::StatusCode::kInvalidArgument, "PING: length 8"},
      {"RST_STREAM of 4 bytes", "8003 0003 00 000004 00000001", absl::StatusCode::kInvalidArgument,
       "RST_STREAM: length 4"},
      {"SPDY/2-sized GOAWAY", "8003 0007 00 000004 00000001", absl::StatusCode::kInvalidArgument,
       "GOAWAY: length 4"},
      {"WINDOW_UPDATE of 4 bytes", "8003 0009 00 000004 00000001",
       absl::StatusCode::kInvalidArgument, "WINDOW_UPDATE: length 4"},
      {"SETTINGS count beyond its length", "8003 0004 00 00000c ffffffff 00000007 00010000",
       absl::StatusCode::kInvalidArgument, "SETTINGS: length 12"},
      {"SETTINGS without count", "8003 0004 00 000002 0000", absl::StatusCode::kInvalidArgument,
       "SETTINGS: length 2"},
      {"short SYN_STREAM", "8003 0001 00 000006 00000001 0000", absl::StatusCode::kInvalidArgument,
       "SYN_STREAM: length 6"},
      {"short SYN_REPLY", "8003 0002 00 000002 0000", absl::StatusCode::kInvalidArgument,
       "SYN_REPLY: length 2"},
      {"short HEADERS", "8003 0008 00 000000", absl::StatusCode::kInvalidArgument,
       "HEADERS: length 0"},
      {"SYN_STREAM on stream 0", "8003 0001 00 00000a 00000000 00000000 0000",
       absl::StatusCode::kInvalidArgument, "SYN_STREAM: stream id 0"},
      {"SYN_REPLY on stream 0", "8003 0002 00 000004 80000000", absl::StatusCode::kInvalidArgument,
       "SYN_REPLY: stream id 0"},
      {"RST_STREAM on stream 0", "8003 0003 00 000008 00000000 00000005",
       absl::StatusCode::kInvalidArgument, "RST_STREAM: stream id 0"},
      {"RST_STREAM status 0", "8003 0003 00 000008 00000001 00000000",
       absl::StatusCode::kInvalidArgument, "status 0"},
      {"DATA on stream 0", "00000000 00 000001 41", absl::StatusCode::kInvalidArgument,
       "DATA: stream id 0"},
      {"SYN_STREAM with garbage for headers", "8003 0001 00 00000e 00000001 00000000 0000 deadbeef",
       absl::StatusCode::kInvalidArgument, "SYN_STREAM: corrupt compressed header block"},
      // Only the 8-byte header has arrived: the length alone condemns it.
      {"control frame over the limit", "8003 0001 00 ffffff", absl::StatusCode::kResourceExhausted,
       "SYN_STREAM: length 16777215 exceeds the limit"},
  };
  for (const Malformed& c : cases) {
    FrameDecoder decoder;
    decoder.Append(Bytes(c.hex));
    auto next = decoder.Next();
    ASSERT_FALSE(next.ok()) << c.name;
    EXPECT_EQ(next.status().code(), c.code) << c.name << ": " << next.status();
    EXPECT_NE(next.status().message().find(c.message), absl::string_view::npos)
        << c.name << ": " << next.status();
    // The error is final: more input changes nothing.
    decoder.Append(Bytes("8003 0006 00 000004 00000001"));
    EXPECT_EQ(decoder.Next().status(), next.status()) << c.name;
    EXPECT_EQ(decoder.Buffered(), 0u) << c.name;
  }
}

TEST(SpdyFrameCodec, DataOverTheLimitIsRefusedFromItsHeader) {
  FrameDecoder decoder(Limits{.max_data_payload = 1024});
  decoder.Append(Bytes("00000001 00 000401"));  // 1025 bytes announced, none sent
  auto next = decoder.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(next.status().message().find("DATA: length 1025"), absl::string_view::npos);
}

TEST(SpdyFrameCodec, EncoderRefusesFramesPeersWouldReject) {
  const Frame bad[] = {
      DataFrame{0, 0, "x"},
      DataFrame{kMaxStreamId + 1, 0, "x"},
      RstStreamFrame{1, static_cast<RstStatus>(0)},
      RstStreamFrame{0, RstStatus::kCancel},
      WindowUpdateFrame{1, 0},
      WindowUpdateFrame{1, kMaxStreamId + 1},
      GoAwayFrame{kMaxStreamId + 1, GoAwayStatus::kOk},
      SettingsFrame{0, {{0, 0x1000000, 1}}},
      SynStreamFrame{1, 0, 8, 0, 0, {}},
      SynStreamFrame{1, kMaxStreamId + 1, 0, 0, 0, {}},
      SynStreamFrame{1, 0, 0, 0, 0, {{"StreamType", {"error"}}}},
      SynReplyFrame{1, 0, {{"", {"x"}}}},
      SynReplyFrame{1, 0, {{std::string("a\0b", 3), {"x"}}}},
      HeadersFrame{1, 0, {{"x", {}}}},
      HeadersFrame{1, 0, {{"x", {std::string("a\0b", 3)}}}},
      HeadersFrame{1, 0, {{"x", {"a", ""}}}},
      HeadersFrame{0, 0, {}},
  };
  for (const Frame& frame : bad) {
    FrameEncoder encoder;
    std::string out = "keep";
    const absl::Status status = encoder.Encode(frame, &out);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << FrameName(frame) << status;
    EXPECT_EQ(out, "keep") << FrameName(frame);
  }
}

TEST(SpdyFrameCodec, RefusedHeaderBlockLeavesCompressionInStep) {
  // A block refused before compression must not advance the deflate stream, or every
  // later block would fail to decompress at the peer.
  FrameEncoder encoder;
  std::string out;
  ASSERT_TRUE(encoder.Encode(SynStreamFrame{1, 0, 0, 0, 0, {{"a", {"1"}}}}, &out).ok());
  ASSERT_FALSE(encoder.Encode(SynStreamFrame{3, 0, 0, 0, 0, {{"B", {"2"}}}}, &out).ok());
  ASSERT_TRUE(encoder.Encode(SynStreamFrame{3, 0, 0, 0, 0, {{"b", {"2"}}}}, &out).ok());
  FrameDecoder decoder;
  EXPECT_EQ(DecodeAll(decoder, out),
            (std::vector<Frame>{SynStreamFrame{1, 0, 0, 0, 0, {{"a", {"1"}}}},
                                SynStreamFrame{3, 0, 0, 0, 0, {{"b", {"2"}}}}}));
}

TEST(SpdyFrameCodec, NamesAndHeaderLookup) {
  EXPECT_STREQ(FrameName(SynStreamFrame{}), "SYN_STREAM");
  EXPECT_STREQ(FrameName(WindowUpdateFrame{}), "WINDOW_UPDATE");
  EXPECT_STREQ(FrameName(DataFrame{}), "DATA");
  const Headers headers = {{"streamtype", {"data", "ignored"}}, {"port", {"80"}}};
  EXPECT_EQ(FirstHeaderValue(headers, "streamtype"), "data");
  EXPECT_EQ(FirstHeaderValue(headers, "requestid"), std::nullopt);
}

}  // namespace
}  // namespace crio::spdy
