#include "channel_protocol.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace crio::streaming::protocol {
namespace {

TEST(NegotiateTest, TheClientsFirstSupportedChoiceWins) {
  const std::vector<std::string> ours = {kV5, kV4, kV3, kV2, kV1};
  EXPECT_EQ(Negotiate({"v4.channel.k8s.io", "v3.channel.k8s.io"}, ours), kV4);
  EXPECT_EQ(Negotiate({"v9.channel.k8s.io, v3.channel.k8s.io"}, ours), kV3);
  EXPECT_EQ(Negotiate({}, ours), "") << "no offer: the caller falls back";
  EXPECT_FALSE(Negotiate({"v9.channel.k8s.io"}, ours).has_value());
  EXPECT_EQ(Negotiate({" , "}, ours), "");
}

TEST(NegotiateTest, VersionsOfTheProtocolNames) {
  EXPECT_EQ(RemoteCommandVersion(kV5), 5);
  EXPECT_EQ(RemoteCommandVersion(kV4), 4);
  EXPECT_EQ(RemoteCommandVersion(kV4Base64), 4);
  EXPECT_EQ(RemoteCommandVersion(kV3), 3);
  EXPECT_EQ(RemoteCommandVersion(kV1), 1);
  EXPECT_EQ(RemoteCommandVersion(""), 1);
}

TEST(ChannelFramingTest, BinaryMessagesPrefixTheChannelByte) {
  const WebSocketFraming binary = FramingOf(kV4);
  EXPECT_EQ(EncodeChannelMessage(binary, 1, "hi\n"), std::string("\x01hi\n", 4));
  const auto decoded = DecodeChannelMessage(binary, std::string("\x00"
                                                                "foo\n",
                                                                5));
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(decoded->has_value());
  EXPECT_EQ((*decoded)->channel, 0);
  EXPECT_EQ((*decoded)->data, "foo\n");
  EXPECT_FALSE((*decoded)->close);
}

// The examples of the wsstream documentation: "foo\n" on stdin, "\n" on stdout.
TEST(ChannelFramingTest, Base64MessagesUseACharacterAndBase64) {
  const WebSocketFraming base64 = FramingOf(kV4Base64);
  EXPECT_TRUE(base64.base64);
  EXPECT_EQ(EncodeChannelMessage(base64, 1, "\n"), "1Cg==");
  const auto decoded = DecodeChannelMessage(base64, "0Zm9vCg==");
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(decoded->has_value());
  EXPECT_EQ((*decoded)->channel, 0);
  EXPECT_EQ((*decoded)->data, "foo\n");
  EXPECT_FALSE(DecodeChannelMessage(base64, "0!!!").ok());
}

TEST(ChannelFramingTest, V5CloseSignalClosesAChannel) {
  const WebSocketFraming v5 = FramingOf(kV5);
  EXPECT_TRUE(v5.close_signal);
  const auto decoded = DecodeChannelMessage(v5, std::string("\xff\x00", 2));
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(decoded->has_value());
  EXPECT_TRUE((*decoded)->close);
  EXPECT_EQ((*decoded)->channel, 0);
  EXPECT_FALSE(DecodeChannelMessage(v5, std::string("\xff", 1)).ok());
  // Before v5, 255 is just a channel number nobody uses.
  const auto v4 = DecodeChannelMessage(FramingOf(kV4), std::string("\xff\x00", 2));
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE((*v4)->close);
}

TEST(ChannelFramingTest, EmptyMessagesAreIgnored) {
  const auto decoded = DecodeChannelMessage(FramingOf(kV4), "");
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->has_value());
}

TEST(StatusJsonTest, SuccessAndExitCodesAsClientGoReadsThem) {
  EXPECT_EQ(nlohmann::json::parse(ExitStatusJson(0)),
            nlohmann::json::parse(R"({"metadata":{},"status":"Success"})"));
  const auto failed = nlohmann::json::parse(ExitStatusJson(3));
  EXPECT_EQ(failed["status"], "Failure");
  EXPECT_EQ(failed["reason"], "NonZeroExitCode");
  EXPECT_EQ(failed["details"]["causes"][0]["reason"], "ExitCode");
  EXPECT_EQ(failed["details"]["causes"][0]["message"], "3");
  const auto error = nlohmann::json::parse(ErrorStatusJson("container \"x\" is not running"));
  EXPECT_EQ(error["status"], "Failure");
  EXPECT_EQ(error["reason"], "InternalError");
  EXPECT_EQ(error["code"], 500);
  EXPECT_NE(error["message"].get<std::string>().find("is not running"), std::string::npos);
  // Bytes that are not UTF-8 do not break the JSON.
  EXPECT_TRUE(nlohmann::json::accept(ErrorStatusJson("bad \xff byte")));
}

TEST(StatusJsonTest, TheEndMessageFollowsTheProtocolVersion) {
  EXPECT_EQ(CommandEndMessage(4, 0), ExitStatusJson(0));
  EXPECT_EQ(CommandEndMessage(5, 3), ExitStatusJson(3));
  EXPECT_EQ(CommandEndMessage(4, absl::NotFoundError("gone")), ErrorStatusJson("gone"));
  EXPECT_EQ(CommandEndMessage(3, 0), "") << "before v4 a success says nothing";
  EXPECT_EQ(CommandEndMessage(1, 2), "command terminated with non-zero exit code: exit status 2");
  EXPECT_EQ(CommandEndMessage(2, absl::NotFoundError("gone")), "Internal error occurred: gone");
}

TEST(ResizeDecoderTest, ObjectsSplitAnywhereAcrossReads) {
  ResizeDecoder decoder;
  auto sizes = decoder.Feed(R"({"Width":80,"He)");
  ASSERT_TRUE(sizes.ok());
  EXPECT_TRUE(sizes->empty());
  sizes = decoder.Feed(R"(ight":24}
{"Width":100,"Height":40}{"width":1)");
  ASSERT_TRUE(sizes.ok());
  ASSERT_EQ(sizes->size(), 2u);
  EXPECT_EQ((*sizes)[0], (TerminalSize{80, 24}));
  EXPECT_EQ((*sizes)[1], (TerminalSize{100, 40}));
  sizes = decoder.Feed(R"(,"height":2})");
  ASSERT_TRUE(sizes.ok());
  ASSERT_EQ(sizes->size(), 1u);
  EXPECT_EQ((*sizes)[0], (TerminalSize{1, 2}));
}

TEST(ResizeDecoderTest, MalformedOrHugeObjectsAreErrors) {
  EXPECT_FALSE(ResizeDecoder().Feed("[1,2]").ok());
  EXPECT_FALSE(ResizeDecoder().Feed(R"({"Width":-1,"Height":2})").ok());
  EXPECT_FALSE(ResizeDecoder().Feed(R"({"Width":70000,"Height":2})").ok());
  EXPECT_FALSE(ResizeDecoder().Feed(R"({"Width":"80"})").ok());
  EXPECT_FALSE(ResizeDecoder().Feed("{" + std::string(5000, ' ')).ok());
}

TEST(PortsFromQueryTest, RepeatedAndCommaSeparatedPorts) {
  const auto ports = PortsFromQuery("port=80&port=443%2C8080&other=1");
  ASSERT_TRUE(ports.ok()) << ports.status();
  EXPECT_EQ(*ports, (std::vector<std::int32_t>{80, 443, 8080}));
}

TEST(PortsFromQueryTest, BadPortsAreRefusedWithTheReason) {
  EXPECT_NE(PortsFromQuery("").status().message().find("required"), std::string::npos);
  EXPECT_NE(PortsFromQuery("port=").status().message().find("empty"), std::string::npos);
  EXPECT_FALSE(PortsFromQuery("port=0").ok());
  EXPECT_FALSE(PortsFromQuery("port=65536").ok());
  EXPECT_FALSE(PortsFromQuery("port=http").ok());
  EXPECT_FALSE(PortsFromQuery("port=%zz").ok());
  EXPECT_FALSE(PortsFromQuery("port=%4").ok());
}

}  // namespace
}  // namespace crio::streaming::protocol
