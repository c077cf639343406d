// CurlHttpClient against a small HTTP server run by the test on 127.0.0.1.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "crio/registry/http.h"

namespace crio::registry {
namespace {

struct SeenRequest {
  std::string method;
  std::string path;
  std::string head;  // the request line and headers
  std::string body;
};

// Answers each connection with whatever the handler writes on the socket, then closes.
class TestServer {
 public:
  using Handler = std::function<void(const SeenRequest&, int fd)>;

  explicit TestServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  const SeenRequest& last() const { return last_; }

  static void Write(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  static std::string Response(int status, const std::string& body,
                              const std::string& extra_headers = "") {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
           extra_headers + "\r\n" + body;
  }

 private:
  void Loop() {
    while (!stop_) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      SeenRequest request = Read(client);
      last_ = request;
      handler_(request, client);
      ::close(client);
    }
  }
  static SeenRequest Read(int fd) {
    std::string data;
    char buf[4096];
    std::size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return {};
      data.append(buf, static_cast<std::size_t>(n));
      header_end = data.find("\r\n\r\n");
    }
    SeenRequest request;
    request.head = data.substr(0, header_end);
    request.method = request.head.substr(0, request.head.find(' '));
    const std::size_t path_start = request.method.size() + 1;
    request.path = request.head.substr(path_start, request.head.find(' ', path_start) - path_start);
    std::size_t length = 0;
    const std::size_t cl = request.head.find("Content-Length: ");
    if (cl != std::string::npos) length = std::stoul(request.head.substr(cl + 16));
    request.body = data.substr(header_end + 4);
    while (request.body.size() < length) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request.body.append(buf, static_cast<std::size_t>(n));
    }
    return request;
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  SeenRequest last_;
  std::thread thread_;
};

class LimitedSink : public BodySink {
 public:
  absl::Status Write(absl::string_view chunk) override {
    data.append(chunk.data(), chunk.size());
    return fail_after_bytes > 0 && data.size() >= fail_after_bytes
               ? absl::DataLossError("sink refused")
               : absl::OkStatus();
  }
  std::string data;
  std::size_t fail_after_bytes = 0;
};

TEST(CurlHttpClientTest, GetKeepsBodyAndLowerCasesHeaders) {
  TestServer server([](const SeenRequest&, int fd) {
    TestServer::Write(
        fd, TestServer::Response(401, "denied",
                                 "WWW-Authenticate: Bearer realm=\"a\"\r\nWWW-Authenticate: Basic "
                                 "realm=\"b\"\r\nDocker-Content-Digest: sha256:x\r\n"));
  });
  auto client = MakeCurlHttpClient();
  HttpRequest request;
  request.url = server.Url("/v2/");
  request.headers.emplace_back("Accept", "application/json");
  auto response = client->Send(request, nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(response->body, "denied");
  EXPECT_EQ(response->headers["www-authenticate"], "Bearer realm=\"a\", Basic realm=\"b\"");
  EXPECT_EQ(response->headers["docker-content-digest"], "sha256:x");
  EXPECT_NE(server.last().head.find("Accept: application/json"), std::string::npos);
  EXPECT_EQ(server.last().head.find("Expect:"), std::string::npos);
}

TEST(CurlHttpClientTest, SinkTakesSuccessBodiesOnly) {
  int calls = 0;
  TestServer server([&](const SeenRequest&, int fd) {
    TestServer::Write(fd, ++calls == 1 ? TestServer::Response(200, "blob-bytes")
                                       : TestServer::Response(404, "{\"errors\":[]}"));
  });
  auto client = MakeCurlHttpClient();
  HttpRequest request;
  request.url = server.Url("/v2/x/blobs/sha256:1");
  LimitedSink sink;
  auto ok = client->Send(request, &sink);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(sink.data, "blob-bytes");
  EXPECT_TRUE(ok->body.empty());

  LimitedSink untouched;
  auto missing = client->Send(request, &untouched);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "{\"errors\":[]}");
  EXPECT_TRUE(untouched.data.empty());
}

TEST(CurlHttpClientTest, BodyOverTheLimitIsRefused) {
  TestServer server([](const SeenRequest&, int fd) {
    TestServer::Write(fd, TestServer::Response(200, std::string(5000, 'x')));
  });
  auto client = MakeCurlHttpClient();
  HttpRequest request;
  request.url = server.Url("/v2/x/manifests/latest");
  request.max_body_bytes = 4096;
  auto response = client->Send(request, nullptr);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(CurlHttpClientTest, SinkErrorAbortsTheTransfer) {
  TestServer server([](const SeenRequest&, int fd) {
    TestServer::Write(fd, TestServer::Response(200, std::string(100000, 'x')));
  });
  auto client = MakeCurlHttpClient();
  HttpRequest request;
  request.url = server.Url("/blob");
  request.max_body_bytes = 1 << 20;
  LimitedSink sink;
  sink.fail_after_bytes = 1;
  auto response = client->Send(request, &sink);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss);
}

TEST(CurlHttpClientTest, FollowsRedirects) {
  TestServer server([](const SeenRequest& seen, int fd) {
    if (seen.path == "/v2/x/blobs/sha256:1") {
      TestServer::Write(fd, TestServer::Response(307, "", "Location: /storage/abc\r\n"));
    } else {
      TestServer::Write(fd, TestServer::Response(200, "stored"));
    }
  });
  auto client = MakeCurlHttpClient();
  HttpRequest request;
  request.url = server.Url("/v2/x/blobs/sha256:1");
  auto response = client->Send(request, nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "stored");
  EXPECT_EQ(response->effective_url, server.Url("/storage/abc"));
}

TEST(CurlHttpClientTest, PutSendsTheBody) {
  TestServer server(
      [](const SeenRequest&, int fd) { TestServer::Write(fd, TestServer::Response(201, "")); });
  auto client = MakeCurlHttpClient();
  HttpRequest request;
  request.method = "PUT";
  request.url = server.Url("/v2/x/manifests/latest");
  request.body = "{\"schemaVersion\":2}";
  auto response = client->Send(request, nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(server.last().method, "PUT");
  EXPECT_EQ(server.last().body, "{\"schemaVersion\":2}");
}

TEST(CurlHttpClientTest, RefusedConnectionIsUnavailable) {
  int port = 0;
  {
    TestServer server([](const SeenRequest&, int) {});
    port = std::stoi(server.Url("").substr(17));
  }
  auto client = MakeCurlHttpClient();
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/v2/";
  auto response = client->Send(request, nullptr);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
}

TEST(CurlHttpClientTest, StalledTransferFailsAfterTheStallTimeout) {
  std::atomic<bool> client_done{false};
  TestServer server([&](const SeenRequest&, int fd) {
    TestServer::Write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    // Silent until the client gave up (or 10 s, so a broken client fails the test).
    for (int i = 0; i < 1000 && !client_done; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  auto client = MakeCurlHttpClient();
  HttpRequest request;
  request.url = server.Url("/blob");
  request.stall_timeout = std::chrono::seconds(1);
  auto response = client->Send(request, nullptr);
  client_done = true;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(response.status().message().find("pull_progress_timeout"), std::string::npos);
}

class CertsDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-certs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::string& relative, const std::string& text) {
    std::filesystem::create_directories(
        std::filesystem::path(root_ + "/" + relative).parent_path());
    std::ofstream(root_ + "/" + relative) << text;
  }
  std::string root_;
};

TEST_F(CertsDirTest, MissingDirIsDefault) {
  auto tls = LoadCertsDir(root_, "127.0.0.1:5000");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->verify);
  EXPECT_TRUE(tls->extra_ca_pem.empty());
  EXPECT_TRUE(tls->client_cert_file.empty());
}

TEST_F(CertsDirTest, ReadsCasAndClientPair) {
  Write("reg.example:5000/b.crt", "CA-B");
  Write("reg.example:5000/a.crt", "CA-A");
  Write("reg.example:5000/client.cert", "CERT");
  Write("reg.example:5000/client.key", "KEY");
  auto tls = LoadCertsDir(root_, "reg.example:5000");
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(tls->extra_ca_pem, "CA-A\nCA-B\n");
  EXPECT_EQ(tls->client_cert_file, root_ + "/reg.example:5000/client.cert");
  EXPECT_EQ(tls->client_key_file, root_ + "/reg.example:5000/client.key");
}

TEST_F(CertsDirTest, UnpairedCertOrKeyIsAnError) {
  Write("a/client.cert", "CERT");
  EXPECT_EQ(LoadCertsDir(root_, "a").status().code(), absl::StatusCode::kInvalidArgument);
  Write("b/client.key", "KEY");
  EXPECT_EQ(LoadCertsDir(root_, "b").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CertsDirTest, HostCannotEscapeTheRoot) {
  EXPECT_FALSE(LoadCertsDir(root_, "../etc").ok());
  EXPECT_FALSE(LoadCertsDir(root_, "..").ok());
  EXPECT_FALSE(LoadCertsDir(root_, "").ok());
}

}  // namespace
}  // namespace crio::registry
