// Header blocks: the dictionary, the name/value layout, the zlib streams (including
// blocks compressed by Python's zlib), and the bounds that defeat zip bombs.

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "crio/spdy/frame.h"
#include "dictionary.h"
#include "gtest/gtest.h"
#include "header_block.h"
#include "header_compression.h"
#include "spdy_test_util.h"

namespace crio::spdy {
namespace {

using testing::Bytes;
using testing::DecodeAll;
using testing::ToHex;

// A zlib stream built in the test, to make input our encoder never would.
class RawDeflater {
 public:
  explicit RawDeflater(absl::string_view dictionary) {
    deflateInit(&stream_, Z_BEST_COMPRESSION);
    if (!dictionary.empty()) {
      deflateSetDictionary(&stream_, reinterpret_cast<const Bytef*>(dictionary.data()),
                           static_cast<uInt>(dictionary.size()));
    }
  }
  ~RawDeflater() { deflateEnd(&stream_); }

  std::string Compress(absl::string_view data, int flush = Z_SYNC_FLUSH) {
    // A vector, not a string resized in place: GCC 12 at -O2 warns (falsely) about the
    // string's memset bound.
    std::vector<char> out(deflateBound(&stream_, data.size()) + 64);
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream_.avail_in = static_cast<uInt>(data.size());
    stream_.next_out = reinterpret_cast<Bytef*>(out.data());
    stream_.avail_out = static_cast<uInt>(out.size());
    EXPECT_NE(deflate(&stream_, flush), Z_STREAM_ERROR);
    EXPECT_EQ(stream_.avail_in, 0u);
    return std::string(out.data(), out.size() - stream_.avail_out);
  }

 private:
  z_stream stream_{};
};

std::string Block(const Headers& headers) {
  std::string block;
  EXPECT_TRUE(EncodeHeaderBlock(headers, &block).ok());
  return block;
}

TEST(SpdyHeaderBlock, DictionaryIsTheSpecs) {
  const absl::string_view dictionary = HeaderDictionary();
  EXPECT_EQ(dictionary.size(), 1423u);
  EXPECT_TRUE(
      absl::StartsWith(dictionary, absl::string_view("\0\0\0\x07options\0\0\0\x04head", 19)));
  EXPECT_TRUE(absl::EndsWith(dictionary, "charset=iso-8859-1,utf-,*,enq=0."));
  // The DICTID every SPDY/3 zlib stream names.
  EXPECT_EQ(adler32(adler32(0, nullptr, 0), reinterpret_cast<const Bytef*>(dictionary.data()),
                    static_cast<uInt>(dictionary.size())),
            0xe3c6a7c2u);
}

TEST(SpdyHeaderBlock, LayoutIsCountThenLengthPrefixedNamesAndValues) {
  // Two pairs; "x" carries two values joined by NUL.
  EXPECT_EQ(ToHex(Block({{"port", {"8080"}}, {"x", {"a", "b"}}})),
            ToHex(Bytes("00000002"
                        "00000004 706f7274 00000004 38303830"
                        "00000001 78       00000003 610062")));
  EXPECT_EQ(ToHex(Block({})), "00000000");
}

TEST(SpdyHeaderBlock, ParsingIsLenientLikeSpdystream) {
  // Upper-case names are lower-cased, a repeated name adds its values, and NULs split
  // values (keeping empty ones).
  auto headers = ParseHeaderBlock(Bytes("00000003"
                                        "00000004 506f7274 00000002 3830"
                                        "00000004 706f7274 00000002 3831"
                                        "00000001 78       00000003 610000"),
                                  100);
  ASSERT_TRUE(headers.ok()) << headers.status();
  const Headers expected = {{"port", {"80", "81"}}, {"x", {"a", "", ""}}};
  EXPECT_EQ(*headers, expected);
}

TEST(SpdyHeaderBlock, MalformedBlocksAreErrors) {
  struct Case {
    const char* hex;
    absl::StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {"", absl::StatusCode::kInvalidArgument, "truncated in pair count"},
      {"000000", absl::StatusCode::kInvalidArgument, "truncated in pair count"},
      {"00000001 0000", absl::StatusCode::kInvalidArgument, "truncated in name length"},
      {"00000001 00000005 6162", absl::StatusCode::kInvalidArgument, "name of 5 bytes, 2 left"},
      {"00000001 00000001 61", absl::StatusCode::kInvalidArgument, "truncated in value length"},
      {"00000001 00000001 61 ffffffff", absl::StatusCode::kInvalidArgument,
       "value of 4294967295 bytes, 0 left"},
      {"00000001 00000000 00000000", absl::StatusCode::kInvalidArgument, "empty name"},
      {"00000000 00", absl::StatusCode::kInvalidArgument, "1 bytes after its last pair"},
      {"00000001 00000001 61 00000000 00", absl::StatusCode::kInvalidArgument,
       "1 bytes after its last pair"},
      // A hostile count is refused before anything is read or reserved.
      {"ffffffff", absl::StatusCode::kResourceExhausted, "4294967295 pairs"},
      // One pair on the wire, eleven values once split.
      {"00000001 00000001 61 0000000a 00000000000000000000", absl::StatusCode::kResourceExhausted,
       "more than 10 values"},
  };
  for (const Case& c : cases) {
    auto headers = ParseHeaderBlock(Bytes(c.hex), 10);
    ASSERT_FALSE(headers.ok()) << c.hex;
    EXPECT_EQ(headers.status().code(), c.code) << c.hex << ": " << headers.status();
    EXPECT_TRUE(absl::StrContains(headers.status().message(), c.message))
        << c.hex << ": " << headers.status();
  }
}

TEST(SpdyHeaderBlock, CompressionRoundTripsAcrossBlocks) {
  HeaderDeflater deflater;
  HeaderInflater inflater(1 << 20);
  const Headers blocks[] = {
      {{"streamtype", {"error"}}},
      {{"streamtype", {"stdin"}}},
      {{"streamtype", {"stdout"}}},
      {{"port", {"8080"}}, {"requestid", {"1"}}, {"streamtype", {"data"}}},
      {},
      {{"big", {std::string(100000, 'v')}}},
  };
  for (const Headers& headers : blocks) {
    std::string compressed;
    ASSERT_TRUE(deflater.Deflate(Block(headers), &compressed).ok());
    // A sync flush ends every block.
    ASSERT_TRUE(absl::EndsWith(compressed, absl::string_view("\0\0\xff\xff", 4)));
    auto block = inflater.Inflate(compressed);
    ASSERT_TRUE(block.ok()) << block.status();
    auto parsed = ParseHeaderBlock(*block, 1000);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, headers);
  }
}

TEST(SpdyHeaderBlock, CompressionKeepsHistoryBetweenBlocks) {
  HeaderDeflater deflater;
  HeaderInflater inflater(1 << 20);
  const std::string block = Block({{"port", {"8080"}}, {"requestid", {"7"}}});
  std::string first;
  std::string second;
  ASSERT_TRUE(deflater.Deflate(block, &first).ok());
  ASSERT_TRUE(deflater.Deflate(block, &second).ok());
  // The second block refers back to the first instead of repeating it.
  EXPECT_LT(second.size(), first.size());
  EXPECT_EQ(*inflater.Inflate(first), block);
  EXPECT_EQ(*inflater.Inflate(second), block);
}

// Port-forward header blocks, compressed with Python's zlib on one stream:
//   c = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, dictionary)
//   c.compress(block) + c.flush(zlib.Z_SYNC_FLUSH)
// for {port: 8080, requestid: 0, streamtype: error} and then the same with
// streamtype: data (which compresses to 12 bytes thanks to the first).
TEST(SpdyHeaderBlock, DecompressesBlocksFromPythonsZlib) {
  HeaderInflater inflater(1 << 20);
  auto first = inflater.Inflate(
      Bytes("78f9e3c6a7c202253a48f95b044eea16061606409ab308125f99a074cc68004e892545a989b9d0c28635"
            "15141500000000ffff"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*ParseHeaderBlock(*first, 100),
            (Headers{{"port", {"8080"}}, {"requestid", {"0"}}, {"streamtype", {"error"}}}));
  auto second = inflater.Inflate(Bytes("225333a8a44a04000000ffff"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*ParseHeaderBlock(*second, 100),
            (Headers{{"port", {"8080"}}, {"requestid", {"0"}}, {"streamtype", {"data"}}}));
}

TEST(SpdyHeaderBlock, ZipBombStopsAtTheLimit) {
  // One pair whose value is 16 MiB of 'a': about 16 KiB compressed.
  std::string bomb = Bytes("00000001 00000001 61 01000000");
  bomb.append(16 << 20, 'a');
  RawDeflater raw(HeaderDictionary());
  const std::string compressed = raw.Compress(bomb);
  bomb.clear();
  EXPECT_LT(compressed.size(), 64u << 10);

  HeaderInflater inflater(1 << 20);
  auto block = inflater.Inflate(compressed);
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(block.status().message(), "exceeds the limit of 1048576 bytes"));
  // The stream is out of step now: it stays failed.
  EXPECT_EQ(inflater.Inflate("x").status(), block.status());

  // The same bomb in a SYN_STREAM fails the decoder.
  std::string frame = Bytes("8003 0001 00 000000 00000001 00000000 0000") + compressed;
  const std::size_t length = frame.size() - 8;
  frame[5] = static_cast<char>(length >> 16);
  frame[6] = static_cast<char>(length >> 8);
  frame[7] = static_cast<char>(length);
  FrameDecoder decoder;
  decoder.Append(frame);
  auto next = decoder.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StartsWith(next.status().message(), "SYN_STREAM: decompressed header block"));
}

TEST(SpdyHeaderBlock, BlockExactlyAtTheLimitPassesAndLeavesNothingBehind) {
  HeaderDeflater deflater;
  const std::string big = Block({{"v", {std::string(10000, 'z')}}});
  const std::string small = Block({{"a", {"b"}}});
  std::string first;
  std::string second;
  ASSERT_TRUE(deflater.Deflate(big, &first).ok());
  ASSERT_TRUE(deflater.Deflate(small, &second).ok());
  HeaderInflater inflater(big.size());
  EXPECT_EQ(*inflater.Inflate(first), big);
  EXPECT_EQ(*inflater.Inflate(second), small);
}

TEST(SpdyHeaderBlock, OtherDictionaryIsRefused) {
  RawDeflater raw("not the SPDY dictionary");
  HeaderInflater inflater(1 << 20);
  auto block = inflater.Inflate(raw.Compress(Block({{"a", {"b"}}})));
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(block.status().message(), "dictionary other than SPDY/3's"));
}

TEST(SpdyHeaderBlock, EndedStreamIsRefused) {
  RawDeflater raw(HeaderDictionary());
  HeaderInflater inflater(1 << 20);
  auto block = inflater.Inflate(raw.Compress(Block({{"a", {"b"}}}), Z_FINISH));
  ASSERT_FALSE(block.ok());
  EXPECT_TRUE(absl::StrContains(block.status().message(), "ended by the peer"));
}

TEST(SpdyHeaderBlock, FrameWithoutBlockHasNoHeaders) {
  // A SYN_REPLY that is only its stream id.
  FrameDecoder decoder;
  EXPECT_EQ(DecodeAll(decoder, Bytes("8003 0002 00 000004 00000001")),
            (std::vector<Frame>{SynReplyFrame{1, 0, {}}}));
}

}  // namespace
}  // namespace crio::spdy
