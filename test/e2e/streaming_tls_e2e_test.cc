// The streaming server over HTTPS end to end: the real daemon with stream_enable_tls and
// certificates made for the test (test/support/test_certs.h) hands out https:// URLs,
// and our SPDY and WebSocket clients exec in a real runc container through them; with
// stream_tls_ca, only a client with a certificate the CA signed gets in.

#include <nlohmann/json.hpp>

#include "lifecycle_fixture.h"
#include "stream_clients.h"
#include "test_certs.h"

namespace crio::e2e {
namespace {

using streaming::testing::ClientTls;
using streaming::testing::SpdyClient;
using streaming::testing::StreamTypeHeader;
using streaming::testing::TestCert;
using streaming::testing::WsClient;

class StreamingTlsTest : public LifecycleTest {
 protected:
  void SetUp() override {
    ca_ = streaming::testing::MakeTestCa();
    const TestCert server = streaming::testing::MakeServerCert(ca_);
    const TestCert client = streaming::testing::MakeClientCert(ca_);
    dirs_.Write("tls/ca.pem", ca_.cert_pem);
    dirs_.Write("tls/server.pem", server.cert_pem);
    dirs_.Write("tls/server-key.pem", server.key_pem);
    dirs_.Write("tls/client.pem", client.cert_pem);
    dirs_.Write("tls/client-key.pem", client.key_pem);
    std::string conf = "[crio.api]\nstream_enable_tls = true\nstream_tls_cert = \"" +
                       Path("server.pem") + "\"\nstream_tls_key = \"" + Path("server-key.pem") +
                       "\"\n";
    if (RequireClientCertificates()) conf += "stream_tls_ca = \"" + Path("ca.pem") + "\"\n";
    dirs_.Write("crio.conf.d/20-stream-tls.conf", conf);
    LifecycleTest::SetUp();
  }

  virtual bool RequireClientCertificates() const { return false; }

  std::string Path(const std::string& name) const { return dirs_.root() + "/tls/" + name; }

  ClientTls Tls(bool with_certificate) const {
    ClientTls tls;
    tls.ca_file = Path("ca.pem");
    if (with_certificate) {
      tls.cert_file = Path("client.pem");
      tls.key_file = Path("client-key.pem");
    }
    return tls;
  }

  // A running "sleep" container in a pod of its own.
  std::string RunningContainer(const std::string& name) {
    v1::PodSandboxConfig pod_config = PodConfig(name);
    std::string pod;
    EXPECT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
    std::string id;
    const grpc::Status created =
        Create(pod, pod_config, ContainerConfig(name, {"sleep", "3600"}), &id);
    EXPECT_TRUE(created.ok()) << created.error_message() << daemon_->Log();
    const grpc::Status started = Start(id);
    EXPECT_TRUE(started.ok()) << started.error_message() << daemon_->Log();
    return id;
  }

  std::string ExecUrl(const std::string& id, const std::vector<std::string>& cmd) {
    v1::ExecRequest request;
    request.set_container_id(id);
    for (const auto& arg : cmd) request.add_cmd(arg);
    request.set_stdout(true);
    request.set_stderr(true);
    v1::ExecResponse response;
    const grpc::Status status = daemon_->runtime().Exec(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.url();
  }

  // "echo over spdy; exit 3" over SPDY: its output and its exit code.
  void ExpectSpdyExecWorks(const std::string& id, const ClientTls& tls) {
    const std::string url = ExecUrl(id, {"sh", "-c", "echo over spdy; echo err >&2; exit 3"});
    ASSERT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;
    SpdyClient client(tls);
    ASSERT_EQ(client.Connect(url, {"v4.channel.k8s.io"}), 101) << daemon_->Log();
    const auto error = client.Open(StreamTypeHeader("error"));
    const auto out = client.Open(StreamTypeHeader("stdout"));
    const auto err = client.Open(StreamTypeHeader("stderr"));
    client.PumpToClose();
    EXPECT_EQ(client.received(out), "over spdy\n");
    EXPECT_EQ(client.received(err), "err\n");
    const auto status = nlohmann::json::parse(client.received(error), nullptr, false);
    EXPECT_EQ(status.value("reason", ""), "NonZeroExitCode") << client.received(error);
    EXPECT_EQ(status["details"]["causes"][0]["message"], "3");
  }

  // "echo over websocket" over a WebSocket: its output and success.
  void ExpectWebSocketExecWorks(const std::string& id, const ClientTls& tls) {
    const std::string url = ExecUrl(id, {"echo", "over websocket"});
    ASSERT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;
    WsClient client(tls);
    ASSERT_TRUE(client.Connect(url, "v5.channel.k8s.io")) << daemon_->Log();
    auto all = client.ReadAll();
    EXPECT_EQ(all[1], "over websocket\n");
    EXPECT_EQ(nlohmann::json::parse(all[3], nullptr, false).value("status", ""), "Success")
        << all[3];
  }

  TestCert ca_;
};

class StreamingTlsClientCaTest : public StreamingTlsTest {
 protected:
  bool RequireClientCertificates() const override { return true; }
};

TEST_F(StreamingTlsTest, ExecOverHttpsWithSpdyAndWebSocket) {
  EXPECT_TRUE(daemon_->WaitForLog("TLS enabled for streaming server")) << daemon_->Log();
  EXPECT_TRUE(daemon_->WaitForLog("Streaming server listening on https://")) << daemon_->Log();
  const std::string id = RunningContainer("tls-exec");
  ExpectSpdyExecWorks(id, Tls(false));
  ExpectWebSocketExecWorks(id, Tls(false));
  // Plain HTTP gets an answer saying so, not the exec.
  const std::string url = ExecUrl(id, {"echo", "plain"});
  EXPECT_EQ(streaming::testing::HttpStatus(streaming::testing::WithScheme(url, "http"), {}), 400);
}

TEST_F(StreamingTlsTest, ARotatedCertificateServesTheNextConnection) {
  const std::string id = RunningContainer("tls-rotate");
  ExpectWebSocketExecWorks(id, Tls(false));
  const TestCert new_ca = streaming::testing::MakeTestCa("rotated CA");
  const TestCert new_cert = streaming::testing::MakeServerCert(new_ca);
  streaming::testing::WriteFileReplacing(Path("server-key.pem"), new_cert.key_pem);
  streaming::testing::WriteFileReplacing(Path("server.pem"), new_cert.cert_pem);
  streaming::testing::WriteFileReplacing(Path("ca.pem"), new_ca.cert_pem);
  ExpectWebSocketExecWorks(id, Tls(false));  // the client now trusts only the new CA
  ExpectSpdyExecWorks(id, Tls(false));
  EXPECT_TRUE(daemon_->WaitForLog("reloading certificates")) << daemon_->Log();
}

TEST_F(StreamingTlsClientCaTest, OnlyClientsWithACertificateOfTheCaGetIn) {
  const std::string id = RunningContainer("tls-mutual");
  WsClient anonymous(Tls(false));
  EXPECT_FALSE(anonymous.Connect(ExecUrl(id, {"echo", "x"}), "v5.channel.k8s.io"));
  SpdyClient anonymous_spdy(Tls(false));
  EXPECT_NE(anonymous_spdy.Connect(ExecUrl(id, {"echo", "x"}), {"v4.channel.k8s.io"}), 101);
  ExpectSpdyExecWorks(id, Tls(true));
  ExpectWebSocketExecWorks(id, Tls(true));
}

}  // namespace
}  // namespace crio::e2e
