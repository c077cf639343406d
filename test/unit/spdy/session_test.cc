// Sessions: a client and a server talking in memory (exec and port-forward as
// Kubernetes runs them, PING, GOAWAY, RST_STREAM, flow control), a server fed the
// bytes a spdystream client sends, and peers that break the rules.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "crio/spdy/frame.h"
#include "crio/spdy/session.h"
#include "gtest/gtest.h"
#include "spdy_test_util.h"

namespace crio::spdy {
namespace {

using testing::Bytes;
using testing::DecodeAll;
using testing::kExecClientHex;
using testing::ToHex;

Headers StreamType(const char* type) { return {{"streamtype", {type}}}; }

// Two sessions joined back to back; Pump carries bytes until both are quiet.
struct Link {
  explicit Link(SessionOptions client_options = {.role = Role::kClient},
                SessionOptions server_options = {.role = Role::kServer})
      : client(client_options), server(server_options) {}

  void Pump() {
    for (int round = 0; round < 16; ++round) {
      if (client.OutputSize() == 0 && server.OutputSize() == 0) return;
      auto at_server = server.Feed(client.TakeOutput());
      ASSERT_TRUE(at_server.ok()) << at_server.status();
      server_events.insert(server_events.end(), at_server->begin(), at_server->end());
      auto at_client = client.Feed(server.TakeOutput());
      ASSERT_TRUE(at_client.ok()) << at_client.status();
      client_events.insert(client_events.end(), at_client->begin(), at_client->end());
    }
    FAIL() << "sessions kept talking";
  }

  std::vector<Event> TakeClientEvents() { return std::exchange(client_events, {}); }
  std::vector<Event> TakeServerEvents() { return std::exchange(server_events, {}); }

  Session client;
  Session server;
  std::vector<Event> client_events;
  std::vector<Event> server_events;
};

TEST(SpdySession, ExecConversation) {
  Link link;
  // kubectl exec -i: error, stdin, stdout and stderr streams (odd ids from the client).
  const char* types[] = {"error", "stdin", "stdout", "stderr"};
  std::vector<std::uint32_t> ids;
  for (const char* type : types) {
    auto id = link.client.OpenStream(StreamType(type));
    ASSERT_TRUE(id.ok()) << id.status();
    ids.push_back(*id);
  }
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{1, 3, 5, 7}));
  // kubectl writes stdin before the reply arrives; the server must take it.
  ASSERT_TRUE(link.client.SendData(3, "echo hi\n", true).ok());
  link.Pump();
  std::vector<Event> expected;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    expected.push_back(StreamOpened{ids[i], 0, 0, false, StreamType(types[i])});
  }
  expected.push_back(StreamData{3, "echo hi\n"});
  expected.push_back(StreamHalfClosed{3});
  EXPECT_EQ(link.TakeServerEvents(), expected);
  EXPECT_EQ(link.server.OpenStreams(), 4u);

  // The server accepts every stream with an empty reply, as kubelet does.
  for (std::uint32_t id : ids) ASSERT_TRUE(link.server.Reply(id).ok());
  ASSERT_TRUE(link.server.SendData(5, "hi\n").ok());
  ASSERT_TRUE(link.server.CloseStream(5).ok());
  ASSERT_TRUE(link.server.CloseStream(7).ok());
  ASSERT_TRUE(link.server.SendData(1, "{\"status\":\"Success\"}", true).ok());
  ASSERT_TRUE(link.server.CloseStream(3).ok());
  link.Pump();
  EXPECT_EQ(link.TakeClientEvents(),
            (std::vector<Event>{StreamReplied{1, {}}, StreamReplied{3, {}}, StreamReplied{5, {}},
                                StreamReplied{7, {}}, StreamData{5, "hi\n"}, StreamHalfClosed{5},
                                StreamHalfClosed{7}, StreamData{1, "{\"status\":\"Success\"}"},
                                StreamHalfClosed{1}, StreamHalfClosed{3}}));
  // stdin is closed both ways; the others wait for the client's FIN.
  EXPECT_FALSE(link.server.IsOpen(3));
  EXPECT_FALSE(link.client.IsOpen(3));
  EXPECT_EQ(link.server.OpenStreams(), 3u);
  for (std::uint32_t id : {1u, 5u, 7u}) ASSERT_TRUE(link.client.CloseStream(id).ok());
  link.Pump();
  EXPECT_EQ(link.server.OpenStreams(), 0u);
  EXPECT_EQ(link.client.OpenStreams(), 0u);
  EXPECT_EQ(link.TakeServerEvents(),
            (std::vector<Event>{StreamHalfClosed{1}, StreamHalfClosed{5}, StreamHalfClosed{7}}));
}

TEST(SpdySession, PortForwardWithReset) {
  Link link;
  const Headers error_headers = {
      {"port", {"8080"}}, {"requestid", {"0"}}, {"streamtype", {"error"}}};
  const Headers data_headers = {{"port", {"8080"}}, {"requestid", {"0"}}, {"streamtype", {"data"}}};
  ASSERT_EQ(*link.client.OpenStream(error_headers), 1u);
  ASSERT_EQ(*link.client.OpenStream(data_headers), 3u);
  link.Pump();
  auto events = link.TakeServerEvents();
  ASSERT_EQ(events.size(), 2u);
  const auto& data_stream = std::get<StreamOpened>(events[1]);
  EXPECT_EQ(FirstHeaderValue(data_stream.headers, "streamtype"), "data");
  EXPECT_EQ(FirstHeaderValue(data_stream.headers, "port"), "8080");
  ASSERT_TRUE(link.server.Reply(1).ok());
  ASSERT_TRUE(link.server.Reply(3).ok());
  ASSERT_TRUE(link.client.SendData(3, "GET / HTTP/1.0\r\n\r\n").ok());
  link.Pump();
  ASSERT_TRUE(link.server.SendData(3, "HTTP/1.0 200 OK\r\n").ok());
  link.Pump();
  EXPECT_EQ(link.TakeServerEvents(), (std::vector<Event>{StreamData{3, "GET / HTTP/1.0\r\n\r\n"}}));
  EXPECT_EQ(link.TakeClientEvents(), (std::vector<Event>{StreamReplied{1, {}}, StreamReplied{3, {}},
                                                         StreamData{3, "HTTP/1.0 200 OK\r\n"}}));
  // The client hangs up the data stream.
  ASSERT_TRUE(link.client.Reset(3).ok());
  EXPECT_FALSE(link.client.IsOpen(3));
  link.Pump();
  EXPECT_EQ(link.TakeServerEvents(), (std::vector<Event>{StreamReset{3, RstStatus::kCancel}}));
  EXPECT_FALSE(link.server.IsOpen(3));
  EXPECT_EQ(link.server.SendData(3, "late").code(), absl::StatusCode::kNotFound);
  // The server refuses a stream it does not want.
  ASSERT_EQ(*link.client.OpenStream(data_headers), 5u);
  link.Pump();
  link.TakeServerEvents();
  ASSERT_TRUE(link.server.Reset(5, RstStatus::kRefusedStream).ok());
  link.Pump();
  EXPECT_EQ(link.TakeClientEvents(),
            (std::vector<Event>{StreamReset{5, RstStatus::kRefusedStream}}));
}

TEST(SpdySession, PingsAreAnsweredBothWays) {
  Link link;
  EXPECT_EQ(*link.client.Ping(), 1u);
  EXPECT_EQ(*link.client.Ping(), 3u);
  EXPECT_EQ(*link.server.Ping(), 2u);
  link.Pump();
  EXPECT_EQ(link.TakeClientEvents(), (std::vector<Event>{PingAnswered{1}, PingAnswered{3}}));
  EXPECT_EQ(link.TakeServerEvents(), (std::vector<Event>{PingAnswered{2}}));
}

TEST(SpdySession, UnsolicitedAndZeroPingsAreIgnored) {
  Session server({.role = Role::kServer});
  // An even id is the server's own: an echo of a ping it never sent. Id 0 is never
  // echoed (spdystream would drop the connection over it).
  auto events =
      server.Feed(Bytes("8003 0006 00 000004 00000004"
                        "8003 0006 00 000004 00000000"));
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  EXPECT_EQ(server.OutputSize(), 0u);
}

TEST(SpdySession, GoAwayBothWays) {
  Link link;
  ASSERT_EQ(*link.client.OpenStream(StreamType("stdout")), 1u);
  ASSERT_EQ(*link.client.OpenStream(StreamType("stderr")), 3u);
  link.Pump();
  ASSERT_TRUE(link.server.GoAway().ok());
  ASSERT_TRUE(link.server.GoAway().ok());  // sends nothing more
  EXPECT_TRUE(link.server.GoingAway());
  link.Pump();
  EXPECT_EQ(link.TakeClientEvents(), (std::vector<Event>{GoAwayReceived{3, GoAwayStatus::kOk}}));
  EXPECT_TRUE(link.client.GoingAway());
  EXPECT_EQ(link.client.OpenStream(StreamType("stdin")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Streams already open carry on.
  ASSERT_TRUE(link.server.Reply(1).ok());
  ASSERT_TRUE(link.server.SendData(1, "bye", true).ok());
  link.Pump();
  EXPECT_EQ(link.TakeClientEvents(),
            (std::vector<Event>{StreamReplied{1, {}}, StreamData{1, "bye"}, StreamHalfClosed{1}}));
}

TEST(SpdySession, NewStreamsAfterOurGoAwayAreIgnored) {
  Session server({.role = Role::kServer});
  FrameEncoder peer;
  std::string bytes;
  ASSERT_TRUE(peer.Encode(SynStreamFrame{1, 0, 0, 0, 0, StreamType("error")}, &bytes).ok());
  ASSERT_EQ(server.Feed(bytes)->size(), 1u);
  ASSERT_TRUE(server.GoAway().ok());
  FrameDecoder decoder;
  EXPECT_EQ(DecodeAll(decoder, server.TakeOutput()),
            (std::vector<Frame>{GoAwayFrame{1, GoAwayStatus::kOk}}));
  bytes.clear();
  ASSERT_TRUE(peer.Encode(SynStreamFrame{3, 0, 0, 0, 0, StreamType("stdin")}, &bytes).ok());
  auto events = server.Feed(bytes);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  EXPECT_EQ(server.OutputSize(), 0u);
  EXPECT_FALSE(server.IsOpen(3));
}

TEST(SpdySession, ServesASpdystreamClient) {
  Session server({.role = Role::kServer});
  const std::string bytes = Bytes(kExecClientHex);
  // Split in the middle of the second header block.
  auto first = server.Feed(bytes.substr(0, 60));
  ASSERT_TRUE(first.ok()) << first.status();
  auto rest = server.Feed(bytes.substr(60));
  ASSERT_TRUE(rest.ok()) << rest.status();
  std::vector<Event> events = *first;
  events.insert(events.end(), rest->begin(), rest->end());
  EXPECT_EQ(events, (std::vector<Event>{StreamOpened{1, 0, 0, false, StreamType("error")},
                                        StreamOpened{3, 0, 0, false, StreamType("stdin")},
                                        StreamData{3, "ls\n"}, StreamHalfClosed{3}}));
  // The client's ping (odd id) is echoed at once.
  EXPECT_EQ(ToHex(server.TakeOutput()), ToHex(Bytes("8003 0006 00 000004 00000001")));
  // Data needs the reply first: spdystream drops data that comes before it.
  EXPECT_EQ(server.SendData(1, "x").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(server.Reply(1).ok());
  ASSERT_TRUE(server.Reply(3).ok());
  ASSERT_TRUE(server.SendData(1, "x").ok());
  FrameDecoder client_side;
  EXPECT_EQ(
      DecodeAll(client_side, server.TakeOutput()),
      (std::vector<Frame>{SynReplyFrame{1, 0, {}}, SynReplyFrame{3, 0, {}}, DataFrame{1, 0, "x"}}));
}

// Sums the WINDOW_UPDATE deltas in `bytes` by stream (0 = session).
std::map<std::uint32_t, std::uint64_t> WindowUpdates(absl::string_view bytes) {
  FrameDecoder decoder;
  std::map<std::uint32_t, std::uint64_t> deltas;
  for (const Frame& frame : DecodeAll(decoder, bytes)) {
    if (const auto* update = std::get_if<WindowUpdateFrame>(&frame)) {
      deltas[update->stream_id] += update->delta;
    }
  }
  return deltas;
}

TEST(SpdySession, WindowUpdatesKeepAFlowControlledPeerSending) {
  Session server({.role = Role::kServer});
  FrameEncoder peer;
  std::string bytes;
  ASSERT_TRUE(peer.Encode(SynStreamFrame{1, 0, 0, 0, 0, StreamType("stdin")}, &bytes).ok());
  ASSERT_TRUE(server.Feed(bytes).ok());
  ASSERT_TRUE(server.Reply(1).ok());
  (void)server.TakeOutput();
  // 100 KiB in 10 KiB frames, then 16 KiB on a stream that does not exist.
  for (int i = 0; i < 10; ++i) {
    bytes.clear();
    ASSERT_TRUE(EncodeDataFrame(1, 0, std::string(10240, 'a'), &bytes).ok());
    auto events = server.Feed(bytes);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 1u);
  }
  bytes.clear();
  ASSERT_TRUE(EncodeDataFrame(99, 0, std::string(16384, 'b'), &bytes).ok());
  ASSERT_TRUE(server.Feed(bytes)->empty());
  // An update goes out once 32 KiB or more have come in since the last: after 4 and 8
  // frames for the stream (the last 20 KiB wait), and for the session also after the
  // dropped 16 KiB, which it counts too.
  const auto deltas = WindowUpdates(server.TakeOutput());
  EXPECT_EQ(deltas.at(1), 2u * 40960);
  EXPECT_EQ(deltas.at(0), 2u * 40960 + 20480 + 16384);
  EXPECT_EQ(deltas.size(), 2u);
}

TEST(SpdySession, NeverWaitsForTheWindow) {
  // spdystream never sends WINDOW_UPDATE: a session sends whatever it is given at
  // once, far past the 64 KiB initial window, in frames of max_send_frame bytes.
  Link link;
  ASSERT_EQ(*link.client.OpenStream(StreamType("stdout")), 1u);
  link.Pump();
  ASSERT_TRUE(link.server.Reply(1).ok());
  const std::string megabyte(1 << 20, 'm');
  ASSERT_TRUE(link.server.SendData(1, megabyte, true).ok());
  EXPECT_GT(link.server.OutputSize(), megabyte.size());
  auto events = link.client.Feed(link.server.TakeOutput());
  ASSERT_TRUE(events.ok());
  std::string received;
  std::size_t data_events = 0;
  for (const Event& event : *events) {
    if (const auto* data = std::get_if<StreamData>(&event)) {
      received += data->data;
      ++data_events;
    }
  }
  EXPECT_EQ(received, megabyte);
  EXPECT_EQ(data_events, 16u);  // 64 KiB frames
  EXPECT_TRUE(std::holds_alternative<StreamHalfClosed>(events->back()));
}

TEST(SpdySession, PeerStreamRulesAreEnforced) {
  Session server({.role = Role::kServer, .max_peer_streams = 2});
  FrameEncoder peer;
  std::string bytes;
  auto syn = [&](std::uint32_t id, std::uint8_t flags = 0) {
    ASSERT_TRUE(peer.Encode(SynStreamFrame{id, 0, 0, 0, flags, StreamType("data")}, &bytes).ok());
  };
  syn(3);
  syn(1);  // lower than the last id
  syn(4);  // a server's id
  syn(5);
  syn(7);  // one more than max_peer_streams
  auto events = server.Feed(bytes);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(*events, (std::vector<Event>{StreamOpened{3, 0, 0, false, StreamType("data")},
                                         StreamOpened{5, 0, 0, false, StreamType("data")}}));
  FrameDecoder decoder;
  EXPECT_EQ(DecodeAll(decoder, server.TakeOutput()),
            (std::vector<Frame>{RstStreamFrame{1, RstStatus::kProtocolError},
                                RstStreamFrame{4, RstStatus::kProtocolError},
                                RstStreamFrame{7, RstStatus::kRefusedStream}}));
  // Once one closes, a new one is accepted. A SYN_STREAM with FIN and UNIDIRECTIONAL
  // is closed both ways as soon as it is announced.
  ASSERT_TRUE(server.Reset(3).ok());
  bytes.clear();
  syn(9, kFlagFin | kFlagUnidirectional);
  syn(11, kFlagUnidirectional);
  events = server.Feed(bytes);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(*events, (std::vector<Event>{StreamOpened{9, 0, 0, true, StreamType("data")},
                                         StreamHalfClosed{9},
                                         StreamOpened{11, 0, 0, true, StreamType("data")}}));
  EXPECT_FALSE(server.IsOpen(9));
  ASSERT_TRUE(server.Reply(11).ok());
  EXPECT_EQ(server.SendData(11, "x").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SpdySession, FramesForClosedStreamsAreDropped) {
  Session server({.role = Role::kServer});
  FrameEncoder peer;
  std::string bytes;
  ASSERT_TRUE(peer.Encode(SynStreamFrame{1, 0, 0, 0, 0, StreamType("stdin")}, &bytes).ok());
  ASSERT_TRUE(peer.Encode(DataFrame{1, kFlagFin, "last"}, &bytes).ok());
  ASSERT_TRUE(peer.Encode(DataFrame{1, 0, "after fin"}, &bytes).ok());
  ASSERT_TRUE(peer.Encode(HeadersFrame{1, 0, {{"late", {"1"}}}}, &bytes).ok());
  ASSERT_TRUE(peer.Encode(DataFrame{21, 0, "unknown"}, &bytes).ok());
  ASSERT_TRUE(peer.Encode(RstStreamFrame{23, RstStatus::kCancel}, &bytes).ok());
  ASSERT_TRUE(peer.Encode(SynReplyFrame{1, 0, {}}, &bytes).ok());  // not ours to reply to
  ASSERT_TRUE(peer.Encode(WindowUpdateFrame{1, 1000}, &bytes).ok());
  ASSERT_TRUE(peer.Encode(SettingsFrame{0, {{0, kSettingsInitialWindowSize, 1}}}, &bytes).ok());
  auto events = server.Feed(bytes);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(*events, (std::vector<Event>{StreamOpened{1, 0, 0, false, StreamType("stdin")},
                                         StreamData{1, "last"}, StreamHalfClosed{1}}));
  EXPECT_EQ(server.OutputSize(), 0u);
}

TEST(SpdySession, HeadersAndRepliesWithFin) {
  Link link;
  ASSERT_EQ(*link.client.OpenStream(StreamType("resize")), 1u);
  link.Pump();
  ASSERT_TRUE(link.client.SendHeaders(1, {{"x-extra", {"1", "2"}}}).ok());
  ASSERT_TRUE(link.server.Reply(1, {{"status", {"200"}}}, true).ok());
  link.Pump();
  EXPECT_EQ(link.TakeServerEvents(),
            (std::vector<Event>{StreamOpened{1, 0, 0, false, StreamType("resize")},
                                StreamHeaders{1, {{"x-extra", {"1", "2"}}}}}));
  EXPECT_EQ(link.TakeClientEvents(),
            (std::vector<Event>{StreamReplied{1, {{"status", {"200"}}}}, StreamHalfClosed{1}}));
  ASSERT_TRUE(link.client.SendHeaders(1, {}, true).ok());
  link.Pump();
  EXPECT_EQ(link.TakeServerEvents(),
            (std::vector<Event>{StreamHeaders{1, {}}, StreamHalfClosed{1}}));
  EXPECT_EQ(link.server.OpenStreams(), 0u);
  EXPECT_EQ(link.client.OpenStreams(), 0u);
}

TEST(SpdySession, ServerOpensEvenStreams) {
  Link link;
  ASSERT_EQ(*link.server.OpenStream(StreamType("push")), 2u);
  ASSERT_EQ(*link.server.OpenStream(StreamType("push"), true), 4u);
  link.Pump();
  EXPECT_EQ(
      link.TakeClientEvents(),
      (std::vector<Event>{StreamOpened{2, 0, 0, false, StreamType("push")},
                          StreamOpened{4, 0, 0, false, StreamType("push")}, StreamHalfClosed{4}}));
}

TEST(SpdySession, MisuseIsRefused) {
  Link link;
  EXPECT_EQ(link.server.Reply(1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(link.server.Reset(1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(link.client.SendData(1, "x").code(), absl::StatusCode::kNotFound);
  ASSERT_EQ(*link.client.OpenStream(StreamType("stdin")), 1u);
  EXPECT_EQ(link.client.Reply(1).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(link.client.OpenStream({{"Upper", {"x"}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  link.Pump();
  ASSERT_TRUE(link.server.Reply(1).ok());
  EXPECT_EQ(link.server.Reply(1).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(link.server.CloseStream(1).ok());
  EXPECT_EQ(link.server.SendData(1, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(link.server.CloseStream(1).code(), absl::StatusCode::kFailedPrecondition);
  // The refused calls sent nothing that upsets the peer.
  link.Pump();
  EXPECT_EQ(link.TakeClientEvents(),
            (std::vector<Event>{StreamReplied{1, {}}, StreamHalfClosed{1}}));
}

TEST(SpdySession, ProtocolErrorEndsTheSession) {
  Session server({.role = Role::kServer});
  FrameEncoder peer;
  std::string bytes;
  ASSERT_TRUE(peer.Encode(SynStreamFrame{1, 0, 0, 0, 0, StreamType("stdout")}, &bytes).ok());
  bytes += Bytes("8002 0006 00 000004 00000001");  // SPDY/2
  auto events = server.Feed(bytes);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(events.status().message(), "version 2"));
  // GOAWAY PROTOCOL_ERROR, naming the stream that was accepted, is left to flush.
  EXPECT_EQ(ToHex(server.TakeOutput()), ToHex(Bytes("8003 0007 00 000008 00000001 00000001")));
  EXPECT_TRUE(server.GoingAway());
  EXPECT_EQ(server.Feed(Bytes("8003 0006 00 000004 00000001")).status(), events.status());
  EXPECT_EQ(server.OpenStream({}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.Ping().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.SendData(1, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.GoAway().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.OutputSize(), 0u);
}

TEST(SpdySession, MalformedInputNeverCrashes) {
  // Truncations and single-byte corruptions of a real conversation: each either
  // decodes or fails cleanly, and whatever the session wrote back decodes.
  const std::string bytes = Bytes(kExecClientHex);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (const std::string& input :
         {bytes.substr(0, i), bytes.substr(0, i) + '\xff' + bytes.substr(i + 1),
          bytes.substr(0, i) + '\x00' + bytes.substr(i + 1)}) {
      Session server({.role = Role::kServer});
      (void)server.Feed(input);
      FrameDecoder decoder;
      DecodeAll(decoder, server.TakeOutput());
    }
  }
}

}  // namespace
}  // namespace crio::spdy
