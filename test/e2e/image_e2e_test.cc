// The image service end to end: the real daemon pulling from the registry fixture
// (test/registry/fixture.sh: real docker-registry instances on 127.0.0.1, a token
// server, and an "evil" registry serving corrupt content). The fixture starts once for
// the whole suite, so this binary is one CTest test.

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon_process.h"

namespace crio::e2e {
namespace {

namespace v1 = ::runtime::v1;

class ImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/crio-fixture-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    state_ = new std::string(tmpl);
    const CommandOutput started =
        RunCommand({"/bin/bash", CRIO_SOURCE_DIR "/test/registry/fixture.sh", "start", *state_}, {},
                   std::chrono::seconds(300));
    ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
    std::ifstream in(*state_ + "/fixture.json");
    fixture_ = new nlohmann::json(nlohmann::json::parse(in));
  }
  static void TearDownTestSuite() {
    if (state_ != nullptr) {
      RunCommand(
          {"/bin/bash", CRIO_SOURCE_DIR "/test/registry/fixture.sh", "stop", *state_, "--clean"});
      std::filesystem::remove_all(*state_);
    }
    delete fixture_;
    delete state_;
  }

  void SetUp() override {
    ASSERT_NE(fixture_, nullptr) << "the registry fixture did not start";
    dirs_.Write("crio.conf",
                "[crio.runtime]\ncgroup_manager = \"cgroupfs\"\n"
                "[crio.image]\nregistries_conf = \"" +
                    (*fixture_)["registries_conf"].get<std::string>() + "\"\ncerts_dir = \"" +
                    (*fixture_)["certs_d"].get<std::string>() +
                    "\"\n[crio.network]\nnetwork_dir = \"" + dirs_.root() + "/net.d/\"\n");
    daemon_ = std::make_unique<DaemonProcess>(dirs_);
    daemon_->Spawn();
    ASSERT_TRUE(daemon_->WaitReady()) << daemon_->Log();
  }

  // Stops the daemon and starts it again, so that new drop-ins take effect.
  void Restart() {
    daemon_->Signal(SIGTERM);
    ASSERT_EQ(daemon_->WaitExit(), 0) << daemon_->Log();
    daemon_ = std::make_unique<DaemonProcess>(dirs_);
    daemon_->Spawn();
    ASSERT_TRUE(daemon_->WaitReady()) << daemon_->Log();
  }

  static std::string Image(const std::string& key, const std::string& field = "reference") {
    return (*fixture_)["images"][key][field].get<std::string>();
  }

  grpc::Status Pull(const std::string& image, v1::PullImageResponse* response,
                    const v1::AuthConfig* auth = nullptr) {
    v1::PullImageRequest request;
    request.mutable_image()->set_image(image);
    if (auth != nullptr) *request.mutable_auth() = *auth;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    return daemon_->image().PullImage(&context, request, response);
  }

  std::vector<v1::Image> List() {
    v1::ListImagesResponse response;
    EXPECT_TRUE(daemon_->image()
                    .ListImages(DaemonProcess::Context().get(), v1::ListImagesRequest(), &response)
                    .ok());
    return {response.images().begin(), response.images().end()};
  }

  v1::ImageStatusResponse Status(const std::string& image, bool verbose = false) {
    v1::ImageStatusRequest request;
    request.mutable_image()->set_image(image);
    request.set_verbose(verbose);
    v1::ImageStatusResponse response;
    EXPECT_TRUE(
        daemon_->image().ImageStatus(DaemonProcess::Context().get(), request, &response).ok());
    return response;
  }

  static std::string* state_;
  static nlohmann::json* fixture_;
  TestDirs dirs_;
  std::unique_ptr<DaemonProcess> daemon_;
};

std::string* ImageTest::state_ = nullptr;
nlohmann::json* ImageTest::fixture_ = nullptr;

TEST_F(ImageTest, PullByTagThenListStatusAndRemove) {
  v1::PullImageResponse pulled;
  ASSERT_TRUE(Pull(Image("busybox"), &pulled).ok()) << daemon_->Log();
  EXPECT_EQ(pulled.image_ref(), Image("busybox", "image_id"));

  const auto images = List();
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].id(), Image("busybox", "image_id"));
  EXPECT_EQ(images[0].repo_tags(0), Image("busybox"));
  EXPECT_GT(images[0].size(), 0u);

  const auto status = Status(Image("busybox"), /*verbose=*/true);
  ASSERT_TRUE(status.has_image());
  EXPECT_EQ(status.image().id(), Image("busybox", "image_id"));
  ASSERT_EQ(status.info().count("info"), 1u);
  EXPECT_NE(status.info().at("info").find("\"Cmd\""), std::string::npos);

  v1::ImageFsInfoResponse fs;
  ASSERT_TRUE(daemon_->image()
                  .ImageFsInfo(DaemonProcess::Context().get(), v1::ImageFsInfoRequest(), &fs)
                  .ok());
  ASSERT_EQ(fs.image_filesystems_size(), 1u);
  EXPECT_GT(fs.image_filesystems(0).used_bytes().value(), 1000000u);

  v1::RemoveImageRequest remove;
  remove.mutable_image()->set_image(Image("busybox"));
  v1::RemoveImageResponse removed;
  ASSERT_TRUE(daemon_->image().RemoveImage(DaemonProcess::Context().get(), remove, &removed).ok());
  EXPECT_FALSE(Status(Image("busybox")).has_image());  // not found is an empty answer
  EXPECT_TRUE(List().empty());
  // Removing again is not an error.
  EXPECT_TRUE(daemon_->image().RemoveImage(DaemonProcess::Context().get(), remove, &removed).ok());
}

TEST_F(ImageTest, ThePauseImageIsPinned) {
  dirs_.Write("crio.conf.d/10-pause.conf",
              "[crio.image]\npause_image = \"" + Image("pause") + "\"\n");
  Restart();
  v1::PullImageResponse pulled;
  ASSERT_TRUE(Pull(Image("pause"), &pulled).ok()) << daemon_->Log();
  ASSERT_TRUE(Pull(Image("busybox"), &pulled).ok()) << daemon_->Log();
  for (const v1::Image& image : List()) {
    EXPECT_EQ(image.pinned(), image.repo_tags(0) == Image("pause")) << image.repo_tags(0);
  }
}

TEST_F(ImageTest, PullByDigest) {
  v1::PullImageResponse pulled;
  ASSERT_TRUE(Pull(Image("busybox", "digest_reference"), &pulled).ok()) << daemon_->Log();
  const auto status = Status(Image("busybox", "digest_reference"));
  ASSERT_TRUE(status.has_image());
  EXPECT_EQ(status.image().repo_digests(0), Image("busybox", "digest_reference"));
}

TEST_F(ImageTest, DockerHubNameThroughTheMirror) {
  v1::PullImageResponse pulled;
  ASSERT_TRUE(Pull("docker.io/library/busybox:latest", &pulled).ok()) << daemon_->Log();
  EXPECT_EQ(pulled.image_ref(), Image("mirror-busybox", "image_id"));
  // The short name kubelet users write finds the same image.
  EXPECT_EQ(Status("busybox").image().id(), Image("mirror-busybox", "image_id"));
}

TEST_F(ImageTest, ImageKindsAndCompressions) {
  for (const char* key : {"multiarch", "multilayer", "zstd", "uncompressed", "dockerv2",
                          "dockerlist", "user-named", "annotated"}) {
    v1::PullImageResponse pulled;
    const grpc::Status status = Pull(Image(key), &pulled);
    ASSERT_TRUE(status.ok()) << key << ": " << status.error_message();
    EXPECT_EQ(pulled.image_ref(), Image(key, "image_id")) << key;
  }
  EXPECT_EQ(Status(Image("user-named")).image().username(), "app");
  const auto annotated = Status(Image("annotated"));
  EXPECT_FALSE(annotated.image().spec().annotations().empty());
}

TEST_F(ImageTest, TokenAuthWithCredentialsAndAClearErrorForAWrongPassword) {
  const auto& token = (*fixture_)["registries"]["token"];
  v1::AuthConfig auth;
  auth.set_username(token["username"].get<std::string>());
  auth.set_password("wrong-password");
  v1::PullImageResponse pulled;
  grpc::Status status = Pull(Image("token-private-busybox"), &pulled, &auth);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_NE(status.error_message().find("token endpoint"), std::string::npos)
      << status.error_message();

  status = Pull(Image("token-private-busybox"), &pulled);
  EXPECT_FALSE(status.ok());

  auth.set_password(token["password"].get<std::string>());
  status = Pull(Image("token-private-busybox"), &pulled, &auth);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(pulled.image_ref(), Image("token-private-busybox", "image_id"));
  // Anonymous pulls of the public part work without credentials.
  EXPECT_TRUE(Pull(Image("token-public-busybox"), &pulled).ok());
}

TEST_F(ImageTest, TlsRegistryThroughCertsDirWithBasicAuth) {
  v1::PullImageResponse pulled;
  grpc::Status status = Pull(Image("private-busybox"), &pulled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();

  const auto& tls = (*fixture_)["registries"]["tls"];
  v1::AuthConfig auth;
  auth.set_username(tls["username"].get<std::string>());
  auth.set_password(tls["password"].get<std::string>());
  status = Pull(Image("private-busybox"), &pulled, &auth);
  ASSERT_TRUE(status.ok()) << status.error_message() << daemon_->Log();
  EXPECT_EQ(pulled.image_ref(), Image("private-busybox", "image_id"));
}

TEST_F(ImageTest, GlobalAuthFileIsUsedWhenTheRequestHasNoCredentials) {
  dirs_.Write("crio.conf.d/10-auth.conf", "[crio.image]\nglobal_auth_file = \"" +
                                              (*fixture_)["auth_json"].get<std::string>() + "\"\n");
  Restart();
  v1::PullImageResponse pulled;
  grpc::Status status = Pull(Image("private-busybox"), &pulled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  status = Pull(Image("token-private-busybox"), &pulled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(pulled.image_ref(), Image("token-private-busybox", "image_id"));
}

TEST_F(ImageTest, CorruptContentIsRefusedAndNothingIsListed) {
  for (const char* key : {"corruptdigest", "corrupt", "corrupt-size-too-large"}) {
    v1::PullImageResponse pulled;
    const grpc::Status status = Pull(Image(key), &pulled);
    EXPECT_FALSE(status.ok()) << key;
    EXPECT_TRUE(List().empty()) << key;
  }
  v1::PullImageResponse pulled;
  const grpc::Status status = Pull(Image("corruptdigest"), &pulled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(status.error_message().find("digest mismatch"), std::string::npos);
  std::size_t leftovers = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(dirs_.root() + "/lib/images/tmp")) {
    ++leftovers;
  }
  EXPECT_EQ(leftovers, 0u);
}

TEST_F(ImageTest, Schema1AndBlockedRegistriesAreRefusedClearly) {
  v1::PullImageResponse pulled;
  grpc::Status status = Pull(Image("schema1"), &pulled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("schema1"), std::string::npos);

  status = Pull((*fixture_)["blocked_prefix"].get<std::string>() + "/busybox:latest", &pulled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_NE(status.error_message().find("blocked"), std::string::npos) << status.error_message();
}

TEST_F(ImageTest, ConcurrentPullsOfOneImage) {
  auto pull = [this] {
    v1::PullImageResponse pulled;
    const grpc::Status status = Pull(Image("multilayer"), &pulled);
    return status.ok() ? pulled.image_ref() : status.error_message();
  };
  auto first = std::async(std::launch::async, pull);
  auto second = std::async(std::launch::async, pull);
  EXPECT_EQ(first.get(), Image("multilayer", "image_id"));
  EXPECT_EQ(second.get(), Image("multilayer", "image_id"));
  EXPECT_EQ(List().size(), 1u);
}

}  // namespace
}  // namespace crio::e2e
