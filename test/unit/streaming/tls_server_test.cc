// The streaming server over HTTPS (stream_enable_tls): certificates made at test time
// (test/support/test_certs.h), exec through TLS over both transports, client
// certificates with stream_tls_ca, and the certificate files reloaded when they change.

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "crio/streaming/server.h"
#include "fake_backend.h"
#include "stream_clients.h"
#include "test_certs.h"

namespace crio::streaming {
namespace {

using testing::ClientTls;
using testing::SpdyClient;
using testing::TestCert;
using testing::WsClient;

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

spdy::Headers Type(const std::string& type) { return testing::StreamTypeHeader(type); }

class TlsStreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/crio-tls-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    ca_ = testing::MakeTestCa();
    server_cert_ = testing::MakeServerCert(ca_);
    Write("ca.pem", ca_.cert_pem);
    Write("server.pem", server_cert_.cert_pem);
    Write("server-key.pem", server_cert_.key_pem);
    options_.enable_tls = true;
    options_.tls_cert = Path("server.pem");
    options_.tls_key = Path("server-key.pem");
  }

  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, const std::string& text) const {
    testing::WriteFileReplacing(Path(name), text);
  }

  void StartServer() {
    server_.reset();
    auto started = Server::Start(options_, backend_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = std::move(*started);
  }

  std::string ExecUrl(std::vector<std::string> cmd, bool stdin = false) {
    ExecSpec spec;
    spec.container_id = "c1";
    spec.cmd = std::move(cmd);
    spec.stdin = stdin;
    spec.stdout = true;
    spec.stderr = true;
    return server_->UrlFor(spec).value();
  }

  // A client that trusts our CA (and, when named, presents a certificate).
  ClientTls Trusting(const std::string& ca_file, const std::string& cert = "") const {
    ClientTls tls;
    tls.ca_file = ca_file;
    if (!cert.empty()) {
      tls.cert_file = Path(cert + ".pem");
      tls.key_file = Path(cert + "-key.pem");
    }
    return tls;
  }

  // An exec of "echo hello" over a WebSocket through TLS; true when it ran.
  bool WebSocketExecWorks(const ClientTls& tls) {
    WsClient client(tls);
    if (!client.Connect(ExecUrl({"echo", "hello"}), "v4.channel.k8s.io")) return false;
    auto all = client.ReadAll();
    return all[1] == "hello\n" &&
           nlohmann::json::parse(all[3], nullptr, false).value("status", "") == "Success";
  }

  // The same over SPDY.
  bool SpdyExecWorks(const ClientTls& tls) {
    SpdyClient client(tls);
    if (client.Connect(ExecUrl({"echo", "hello"}), {"v4.channel.k8s.io"}) != 101) return false;
    const auto error = client.Open(Type("error"));
    const auto out = client.Open(Type("stdout"));
    client.Open(Type("stderr"));
    client.PumpToClose();
    return client.received(out) == "hello\n" &&
           nlohmann::json::parse(client.received(error), nullptr, false).value("status", "") ==
               "Success";
  }

  std::string dir_;
  TestCert ca_;
  TestCert server_cert_;
  ServerOptions options_;
  testing::FakeBackend backend_;
  std::unique_ptr<Server> server_;
};

TEST_F(TlsStreamingTest, UrlsStartWithHttps) {
  StartServer();
  EXPECT_EQ(server_->BaseUrl().rfind("https://127.0.0.1:", 0), 0u) << server_->BaseUrl();
  EXPECT_EQ(ExecUrl({"echo"}).rfind(server_->BaseUrl() + "/exec/", 0), 0u);
}

TEST_F(TlsStreamingTest, ExecOverWebSocket) {
  StartServer();
  WsClient client(Trusting(Path("ca.pem")));
  ASSERT_TRUE(client.Connect(ExecUrl({"echo", "hello"}), "v5.channel.k8s.io"));
  EXPECT_EQ(client.negotiated(), "v5.channel.k8s.io");
  auto all = client.ReadAll();
  EXPECT_EQ(all[1], "hello\n");
  EXPECT_EQ(all[2], "to stderr\n");
  EXPECT_EQ(nlohmann::json::parse(all[3], nullptr, false).value("status", ""), "Success") << all[3];
}

TEST_F(TlsStreamingTest, ExecOverWebSocketWithStdin) {
  StartServer();
  WsClient client(Trusting(Path("ca.pem")));
  ASSERT_TRUE(client.Connect(ExecUrl({"cat"}, /*stdin=*/true), "v5.channel.k8s.io"));
  client.Send(0, "through tls\n");
  client.SendRaw(std::string("\xff\x00", 2));  // v5: stdin closed
  auto all = client.ReadAll();
  EXPECT_EQ(all[1], "through tls\n");
}

TEST_F(TlsStreamingTest, ExecOverSpdy) {
  StartServer();
  SpdyClient client(Trusting(Path("ca.pem")));
  ASSERT_EQ(client.Connect(ExecUrl({"exit", "5"}), {"v4.channel.k8s.io"}), 101);
  const auto error = client.Open(Type("error"));
  client.Open(Type("stdout"));
  client.Open(Type("stderr"));
  client.PumpToClose();
  const auto status = nlohmann::json::parse(client.received(error), nullptr, false);
  EXPECT_EQ(status.value("reason", ""), "NonZeroExitCode") << client.received(error);
  EXPECT_EQ(status["details"]["causes"][0]["message"], "5");
  EXPECT_TRUE(client.goaway());
  EXPECT_TRUE(SpdyExecWorks(Trusting(Path("ca.pem"))));
}

TEST_F(TlsStreamingTest, StdinAndOutputFlowBothWaysAtOnceOverSpdy) {
  StartServer();
  SpdyClient client(Trusting(Path("ca.pem")));
  ASSERT_EQ(client.Connect(ExecUrl({"cat"}, /*stdin=*/true), {"v4.channel.k8s.io"}), 101);
  const auto error = client.Open(Type("error"));
  const auto in = client.Open(Type("stdin"));
  const auto out = client.Open(Type("stdout"));
  client.Open(Type("stderr"));
  // 1 MiB in 16 KiB pieces, each echoed while the next is on its way.
  std::string sent;
  for (int i = 0; i < 64; ++i) {
    const std::string piece(16 * 1024, static_cast<char>('a' + i % 26));
    client.Send(in, piece);
    sent += piece;
    ASSERT_TRUE(client.PumpUntil([&] { return client.received(out).size() >= sent.size(); }));
  }
  client.Send(in, "", /*fin=*/true);
  client.PumpToClose();
  EXPECT_TRUE(client.received(out) == sent) << client.received(out).size() << " bytes";
  EXPECT_EQ(nlohmann::json::parse(client.received(error), nullptr, false).value("status", ""),
            "Success");
}

TEST_F(TlsStreamingTest, PortForwardOverSpdy) {
  StartServer();
  PortForwardSpec spec;
  spec.pod_id = "pod1";
  SpdyClient client(Trusting(Path("ca.pem")));
  ASSERT_EQ(client.Connect(server_->UrlFor(spec).value(), {"portforward.k8s.io"}), 101);
  const std::string port = std::to_string(backend_.echo_port());
  client.Open({{"streamtype", {"error"}}, {"port", {port}}, {"requestid", {"0"}}});
  const auto data = client.Open({{"streamtype", {"data"}}, {"port", {port}}, {"requestid", {"0"}}});
  client.Send(data, "ping");
  ASSERT_TRUE(client.PumpUntil([&] { return client.received(data) == "ping"; }));
  client.Send(data, "", /*fin=*/true);
  ASSERT_TRUE(client.PumpUntil([&] { return client.half_closed(data); }));
}

TEST_F(TlsStreamingTest, PlainHttpGetsNoService) {
  StartServer();
  const std::string url = ExecUrl({"echo", "hello"});
  const std::string plain = testing::WithScheme(url, "http");
  const testing::HttpResponse response = testing::HttpGet(plain, {});
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("Client sent an HTTP request to an HTTPS server."),
            std::string::npos)
      << response.body;
  SpdyClient spdy;
  EXPECT_EQ(spdy.Connect(plain, {"v4.channel.k8s.io"}), 400);
  WsClient ws;
  EXPECT_FALSE(ws.Connect(plain, "v4.channel.k8s.io"));
  // None of them reached the token: it still works once, over TLS.
  WsClient client(Trusting(Path("ca.pem")));
  ASSERT_TRUE(client.Connect(url, "v4.channel.k8s.io"));
  EXPECT_EQ(client.ReadAll()[1], "hello\n");
}

TEST_F(TlsStreamingTest, AClientThatSendsNothingIsDroppedAfterTheCreationTimeout) {
  options_.creation_timeout = std::chrono::milliseconds(300);
  StartServer();
  const testing::Url url = testing::ParseUrl(server_->BaseUrl());
  asio::io_context io;
  tcp::socket socket(io);
  asio::connect(socket, tcp::resolver(io).resolve(url.host, url.port));
  char byte = 0;
  boost::system::error_code ec;
  socket.read_some(asio::buffer(&byte, 1), ec);  // returns when the server closes
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

TEST_F(TlsStreamingTest, ClientsOlderThanTls12AreRefused) {
  StartServer();
  const testing::Url url = testing::ParseUrl(server_->BaseUrl());
  asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_security_level(context.native_handle(), 0);  // let the client offer TLS 1.1
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_1_VERSION);
  context.set_verify_mode(ssl::verify_none);
  ssl::stream<tcp::socket> stream(io, context);
  asio::connect(stream.next_layer(), tcp::resolver(io).resolve(url.host, url.port));
  boost::system::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  EXPECT_TRUE(ec) << "a TLS 1.1 handshake succeeded";
  // TLS 1.2 is enough.
  SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  ssl::stream<tcp::socket> tls12(io, context);
  asio::connect(tls12.next_layer(), tcp::resolver(io).resolve(url.host, url.port));
  tls12.handshake(ssl::stream_base::client, ec);
  EXPECT_FALSE(ec) << ec.message();
}

TEST_F(TlsStreamingTest, WithACaClientsMustPresentACertificateItSigned) {
  const TestCert client = testing::MakeClientCert(ca_);
  Write("client.pem", client.cert_pem);
  Write("client-key.pem", client.key_pem);
  const TestCert other_ca = testing::MakeTestCa("another CA");
  const TestCert stranger = testing::MakeClientCert(other_ca);
  Write("stranger.pem", stranger.cert_pem);
  Write("stranger-key.pem", stranger.key_pem);
  options_.tls_ca = Path("ca.pem");
  StartServer();

  EXPECT_FALSE(WebSocketExecWorks(Trusting(Path("ca.pem")))) << "no client certificate";
  EXPECT_FALSE(SpdyExecWorks(Trusting(Path("ca.pem")))) << "no client certificate";
  EXPECT_FALSE(WebSocketExecWorks(Trusting(Path("ca.pem"), "stranger")));
  EXPECT_FALSE(SpdyExecWorks(Trusting(Path("ca.pem"), "stranger")));
  EXPECT_TRUE(WebSocketExecWorks(Trusting(Path("ca.pem"), "client")));
  EXPECT_TRUE(SpdyExecWorks(Trusting(Path("ca.pem"), "client")));
}

TEST_F(TlsStreamingTest, ARewrittenCertificateServesTheNextConnection) {
  StartServer();
  ASSERT_TRUE(WebSocketExecWorks(Trusting(Path("ca.pem"))));

  const TestCert new_ca = testing::MakeTestCa("rotated CA");
  const TestCert new_cert = testing::MakeServerCert(new_ca);
  Write("new-ca.pem", new_ca.cert_pem);
  Write("server-key.pem", new_cert.key_pem);
  Write("server.pem", new_cert.cert_pem);

  EXPECT_TRUE(WebSocketExecWorks(Trusting(Path("new-ca.pem"))));
  EXPECT_TRUE(SpdyExecWorks(Trusting(Path("new-ca.pem"))));
  EXPECT_FALSE(WebSocketExecWorks(Trusting(Path("ca.pem")))) << "the old certificate is served";
}

TEST_F(TlsStreamingTest, ARewrittenCaIsPickedUp) {
  const TestCert new_ca = testing::MakeTestCa("new client CA");
  const TestCert client = testing::MakeClientCert(new_ca);
  Write("client.pem", client.cert_pem);
  Write("client-key.pem", client.key_pem);
  Write("client-ca.pem", ca_.cert_pem);
  options_.tls_ca = Path("client-ca.pem");
  StartServer();
  EXPECT_FALSE(WebSocketExecWorks(Trusting(Path("ca.pem"), "client")));
  Write("client-ca.pem", new_ca.cert_pem);
  EXPECT_TRUE(WebSocketExecWorks(Trusting(Path("ca.pem"), "client")));
}

TEST_F(TlsStreamingTest, ABrokenRewriteKeepsThePreviousCertificate) {
  StartServer();
  Write("server.pem", "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
  EXPECT_TRUE(WebSocketExecWorks(Trusting(Path("ca.pem"))));
  // A key that is not the certificate's (a rotation caught half-way) is no better.
  Write("server.pem", server_cert_.cert_pem);
  Write("server-key.pem", testing::MakeServerCert(ca_).key_pem);
  EXPECT_TRUE(SpdyExecWorks(Trusting(Path("ca.pem"))));
  // Once the pair matches again it is used.
  const TestCert new_ca = testing::MakeTestCa("rotated CA");
  const TestCert new_cert = testing::MakeServerCert(new_ca);
  Write("new-ca.pem", new_ca.cert_pem);
  Write("server.pem", new_cert.cert_pem);
  Write("server-key.pem", new_cert.key_pem);
  EXPECT_TRUE(WebSocketExecWorks(Trusting(Path("new-ca.pem"))));
}

TEST_F(TlsStreamingTest, StartFailsForAMissingKeyFile) {
  options_.tls_key = Path("missing-key.pem");
  auto started = Server::Start(options_, backend_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition) << started.status();
  EXPECT_NE(started.status().message().find("stream_tls_key"), absl::string_view::npos);
  EXPECT_NE(started.status().message().find(Path("missing-key.pem")), absl::string_view::npos)
      << started.status();
}

TEST_F(TlsStreamingTest, StartFailsForFilesThatHoldNoCertificateOrKey) {
  Write("garbage.pem", "not a certificate\n");
  options_.tls_cert = Path("garbage.pem");
  auto started = Server::Start(options_, backend_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument) << started.status();
  EXPECT_NE(started.status().message().find("stream_tls_cert"), absl::string_view::npos);
  EXPECT_NE(started.status().message().find(Path("garbage.pem")), absl::string_view::npos);

  options_.tls_cert = Path("server.pem");
  options_.tls_key = Path("ca.pem");  // a certificate, not a key
  started = Server::Start(options_, backend_);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find("stream_tls_key"), absl::string_view::npos)
      << started.status();

  options_.tls_key = Path("server-key.pem");
  options_.tls_ca = Path("garbage.pem");
  started = Server::Start(options_, backend_);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find("stream_tls_ca"), absl::string_view::npos)
      << started.status();
}

TEST_F(TlsStreamingTest, StartFailsForAKeyThatIsNotTheCertificates) {
  Write("other-key.pem", testing::MakeServerCert(ca_).key_pem);
  options_.tls_key = Path("other-key.pem");
  auto started = Server::Start(options_, backend_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(started.status().message().find("is not the key of the certificate"),
            absl::string_view::npos)
      << started.status();
}

}  // namespace
}  // namespace crio::streaming
