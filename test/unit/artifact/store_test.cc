// ArtifactStore against a scripted registry: what a seccomp profile artifact must look
// like, what is stored on disk, and when the registry is (not) asked again.

#include "crio/artifact/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crio/common/digest.h"
#include "crio/common/log.h"
#include "fake_http.h"

namespace crio::artifact {
namespace {

namespace stdfs = std::filesystem;
using crio::testing::FakeHttp;
using crio::testing::Respond;
using ::testing::HasSubstr;

constexpr char kProfile[] =
    R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],)"
    R"("action":"SCMP_ACT_ERRNO","errnoRet":1}]})";
constexpr char kSecondProfile[] =
    R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["rmdir"],)"
    R"("action":"SCMP_ACT_ERRNO","errnoRet":1}]})";

// A registry at https://reg.example serving artifacts of any repository.
class FakeArtifactRegistry {
 public:
  // Publishes a manifest with `config_media_type` and `layers` under repo:tag; returns
  // the manifest digest.
  std::string Add(
      const std::string& repo, const std::string& tag, const std::vector<std::string>& layers,
      const std::string& config_media_type = std::string(kSeccompProfileConfigMediaType),
      std::int64_t declared_size_override = -1) {
    const std::string config = "{}";
    blobs[Digest::Of(config).str()] = config;
    nlohmann::json layer_descs = nlohmann::json::array();
    for (const auto& layer : layers) {
      const std::string digest = Digest::Of(layer).str();
      blobs[digest] = layer;
      layer_descs.push_back(
          {{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
           {"digest", digest},
           {"size", declared_size_override >= 0 ? declared_size_override
                                                : static_cast<std::int64_t>(layer.size())},
           {"annotations", {{"org.opencontainers.image.title", "seccomp.json"}}}});
    }
    const nlohmann::json manifest = {
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config",
         {{"mediaType", config_media_type}, {"digest", Digest::Of(config).str()}, {"size", 2}}},
        {"layers", layer_descs}};
    const std::string body = manifest.dump();
    const std::string digest = Digest::Of(body).str();
    manifests[repo + ":" + tag] = body;
    manifests[repo + ":" + digest] = body;
    return digest;
  }

  absl::StatusOr<registry::HttpResponse> Serve(const registry::HttpRequest& request) {
    if (unreachable) return absl::UnavailableError("connect to reg.example: refused");
    const std::string prefix = "https://reg.example/v2/";
    if (request.url.rfind(prefix, 0) != 0) return Respond(404, "");
    const std::string rest = request.url.substr(prefix.size());
    if (const auto pos = rest.find("/manifests/"); pos != std::string::npos) {
      ++manifest_fetches;
      const auto it = manifests.find(rest.substr(0, pos) + ":" + rest.substr(pos + 11));
      if (it == manifests.end()) return Respond(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})");
      return Respond(200, it->second,
                     {{"content-type", content_type_override.empty()
                                           ? "application/vnd.oci.image.manifest.v1+json"
                                           : content_type_override}});
    }
    if (const auto pos = rest.find("/blobs/"); pos != std::string::npos) {
      ++blob_fetches;
      const auto it = blobs.find(rest.substr(pos + 7));
      if (it == blobs.end()) return Respond(404, "");
      std::string body = it->second;
      if (corrupt_blobs && !body.empty()) body[0] = body[0] == 'x' ? 'y' : 'x';
      return Respond(200, body);
    }
    return Respond(404, "");
  }

  std::map<std::string, std::string> manifests;  // "repo:tag" and "repo:digest"
  std::map<std::string, std::string> blobs;
  std::string content_type_override;
  int manifest_fetches = 0;
  int blob_fetches = 0;
  bool corrupt_blobs = false;
  bool unreachable = false;
};

class ArtifactStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (stdfs::temp_directory_path() / "artifact-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    root_ = dir;
    log_sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    previous_logger_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("artifact-test", log_sink_);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::info);
  }
  void TearDown() override {
    spdlog::set_default_logger(previous_logger_);
    std::error_code ec;
    stdfs::remove_all(root_, ec);
  }

  static registry::ClientOptions ClientOptions() {
    registry::ClientOptions options;
    options.certs_dir = "/nonexistent-certs.d";
    options.initial_backoff = std::chrono::milliseconds(1);
    return options;
  }

  StoreOptions Options() const {
    StoreOptions options;
    options.root = root_;
    return options;
  }

  std::unique_ptr<ArtifactStore> OpenStore() {
    auto store = ArtifactStore::Open(Options(), client_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  absl::StatusOr<SeccompArtifact> Pull(ArtifactStore& store, const std::string& reference) {
    return store.PullSeccompProfile(ctx_, reference, std::nullopt);
  }

  std::vector<std::string> FilesUnder(const std::string& sub) const {
    std::vector<std::string> names;
    for (const auto& entry : stdfs::directory_iterator(root_ + "/" + sub)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string root_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
  std::shared_ptr<spdlog::logger> previous_logger_;
  FakeArtifactRegistry registry_;
  FakeHttp http_{[this](const registry::HttpRequest& r) { return registry_.Serve(r); }};
  registry::RegistryClient client_{http_, ClientOptions()};
  RequestContext ctx_{"req1", "/runtime.v1.RuntimeService/CreateContainer"};
};

TEST_F(ArtifactStoreTest, PullsTheProfileAndLogsLikeCrio) {
  const std::string digest = registry_.Add("seccomp", "v1", {kProfile});
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:v1");
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  EXPECT_EQ(artifact->manifest_digest.str(), digest);
  EXPECT_EQ(artifact->reference, "reg.example/seccomp:v1");
  ASSERT_EQ(artifact->layers.size(), 1u);
  EXPECT_EQ(artifact->layers[0], kProfile);
  // The config blob is not needed: one manifest and one layer request.
  EXPECT_EQ(registry_.manifest_fetches, 1);
  EXPECT_EQ(registry_.blob_fetches, 1);
  const std::string log = log_.str();
  EXPECT_THAT(log, HasSubstr("[req1] /runtime.v1.RuntimeService/CreateContainer: Pulling OCI "
                             "artifact from ref: reg.example/seccomp:v1"));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("Retrieved OCI artifact seccomp profile of len: ",
                                          std::string(kProfile).size())));
  EXPECT_LT(log.find("Pulling OCI artifact"), log.find("Retrieved OCI artifact"));
}

TEST_F(ArtifactStoreTest, KeepsEveryLayerInOrder) {
  registry_.Add("seccomp", "stacked", {kProfile, kSecondProfile});
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:stacked");
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  ASSERT_EQ(artifact->layers.size(), 2u);
  EXPECT_EQ(artifact->layers[0], kProfile);
  EXPECT_EQ(artifact->layers[1], kSecondProfile);
  // The log gives the first layer's length: that is the profile CRI-O applies.
  EXPECT_THAT(log_.str(), HasSubstr(absl::StrCat(
                              "seccomp profile of len: ", std::string(kProfile).size(), "\n")));
}

TEST_F(ArtifactStoreTest, RefusesAnotherConfigMediaType) {
  registry_.Add("seccomp", "wrong-media-type", {kProfile}, "application/vnd.oci.empty.v1+json");
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:wrong-media-type");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/seccomp:wrong-media-type"));
  EXPECT_THAT(artifact.status().message(), HasSubstr("application/vnd.oci.empty.v1+json"));
  EXPECT_EQ(registry_.blob_fetches, 0);
  EXPECT_TRUE(store->List().empty());
  EXPECT_THAT(log_.str(), Not(HasSubstr("Retrieved OCI artifact")));
}

TEST_F(ArtifactStoreTest, RefusesAnArtifactWithoutLayers) {
  registry_.Add("seccomp", "no-layers", {});
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:no-layers");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/seccomp:no-layers"));
  EXPECT_THAT(artifact.status().message(), HasSubstr("no layers"));
}

TEST_F(ArtifactStoreTest, RefusesAnIndex) {
  registry_.manifests["seccomp:index"] =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  registry_.content_type_override = "application/vnd.oci.image.index.v1+json";
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:index");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/seccomp:index"));
  EXPECT_THAT(artifact.status().message(), HasSubstr("image index"));
}

TEST_F(ArtifactStoreTest, RefusesADeclaredSizeOverTheLimitBeforeDownloading) {
  registry_.Add("seccomp", "big", {kProfile}, std::string(kSeccompProfileConfigMediaType),
                (1 << 20) + 1);
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:big");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/seccomp:big"));
  EXPECT_THAT(artifact.status().message(), HasSubstr("1048577 bytes"));
  EXPECT_EQ(registry_.blob_fetches, 0);
}

TEST_F(ArtifactStoreTest, AcceptsAProfileOfExactlyTheLimit) {
  std::string profile = R"({"defaultAction":"SCMP_ACT_ALLOW","pad":")";
  profile += std::string((1 << 20) - profile.size() - 2, 'a');
  profile += "\"}";
  ASSERT_EQ(profile.size(), 1u << 20);
  registry_.Add("seccomp", "max", {profile});
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:max");
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  EXPECT_EQ(artifact->layers[0].size(), 1u << 20);
}

TEST_F(ArtifactStoreTest, RefusesALayerThatIsNotJson) {
  registry_.Add("seccomp", "invalid-json", {"this is not a seccomp profile"});
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:invalid-json");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/seccomp:invalid-json"));
  EXPECT_THAT(artifact.status().message(), HasSubstr("not valid JSON"));
  EXPECT_TRUE(store->List().empty());
  EXPECT_TRUE(FilesUnder("blobs/sha256").empty());
}

TEST_F(ArtifactStoreTest, RefusesASecondLayerThatIsNotAnObject) {
  registry_.Add("seccomp", "array", {kProfile, "[1,2]"});
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:array");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(artifact.status().message(), HasSubstr("not an object"));
}

TEST_F(ArtifactStoreTest, RefusesALayerWhoseBytesDoNotMatchItsDigest) {
  registry_.Add("seccomp", "v1", {kProfile});
  registry_.corrupt_blobs = true;
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:v1");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/seccomp:v1"));
  EXPECT_TRUE(store->List().empty());
  EXPECT_TRUE(FilesUnder("blobs/sha256").empty());
}

TEST_F(ArtifactStoreTest, UnreachableRegistryIsUnavailable) {
  registry_.unreachable = true;
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:v1");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/seccomp:v1"));
}

TEST_F(ArtifactStoreTest, UnknownTagIsNotFound) {
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/seccomp:nope");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/seccomp:nope"));
}

TEST_F(ArtifactStoreTest, BadReferenceIsInvalidArgument) {
  auto store = OpenStore();
  auto artifact = Pull(*store, "reg.example/Seccomp::v1");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(artifact.status().message(), HasSubstr("reg.example/Seccomp::v1"));
  EXPECT_TRUE(http_.requests.empty());
}

TEST_F(ArtifactStoreTest, DigestReferenceIsServedFromDiskTheSecondTime) {
  const std::string digest = registry_.Add("seccomp", "v1", {kProfile});
  const std::string by_digest = "reg.example/seccomp@" + digest;
  auto store = OpenStore();
  ASSERT_TRUE(Pull(*store, by_digest).ok());
  const std::size_t requests = http_.requests.size();
  EXPECT_EQ(requests, 2u);
  registry_.unreachable = true;  // proves nothing is asked
  auto again = Pull(*store, by_digest);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(http_.requests.size(), requests);
  EXPECT_EQ(again->manifest_digest.str(), digest);
  EXPECT_EQ(again->reference, by_digest);
  EXPECT_EQ(again->layers, std::vector<std::string>{kProfile});
  // Both pulls log the two lines.
  const std::string log = log_.str();
  const auto second = log.rfind("Pulling OCI artifact from ref: " + by_digest);
  ASSERT_NE(second, std::string::npos);
  EXPECT_NE(log.find("Retrieved OCI artifact seccomp profile of len: ", second), std::string::npos);
}

TEST_F(ArtifactStoreTest, DigestOfATagPulledBeforeNeedsNoRequest) {
  const std::string digest = registry_.Add("seccomp", "v1", {kProfile});
  auto store = OpenStore();
  ASSERT_TRUE(Pull(*store, "reg.example/seccomp:v1").ok());
  registry_.unreachable = true;
  const std::size_t requests = http_.requests.size();
  auto pinned = Pull(*store, "reg.example/seccomp@" + digest);
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(http_.requests.size(), requests);
  const auto listed = store->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].references,
            (std::vector<std::string>{"reg.example/seccomp:v1", "reg.example/seccomp@" + digest}));
}

TEST_F(ArtifactStoreTest, TagReferenceAsksTheRegistryEveryTimeButReusesLayers) {
  registry_.Add("seccomp", "v1", {kProfile});
  auto store = OpenStore();
  ASSERT_TRUE(Pull(*store, "reg.example/seccomp:v1").ok());
  ASSERT_TRUE(Pull(*store, "reg.example/seccomp:v1").ok());
  EXPECT_EQ(registry_.manifest_fetches, 2);
  EXPECT_EQ(registry_.blob_fetches, 1);

  // The tag moves to a stack that starts with the same layer: only the new one is fetched.
  const std::string moved = registry_.Add("seccomp", "v1", {kProfile, kSecondProfile});
  auto after_move = Pull(*store, "reg.example/seccomp:v1");
  ASSERT_TRUE(after_move.ok()) << after_move.status();
  EXPECT_EQ(after_move->manifest_digest.str(), moved);
  EXPECT_EQ(after_move->layers.size(), 2u);
  EXPECT_EQ(registry_.manifest_fetches, 3);
  EXPECT_EQ(registry_.blob_fetches, 2);
  EXPECT_EQ(store->List().size(), 2u);

  // An unreachable registry fails a tag pull even though an artifact is stored for it.
  registry_.unreachable = true;
  auto offline = Pull(*store, "reg.example/seccomp:v1");
  EXPECT_EQ(offline.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ArtifactStoreTest, StoresManifestAndLayersByDigest) {
  const std::string digest = registry_.Add("seccomp", "v1", {kProfile});
  auto store = OpenStore();
  ASSERT_TRUE(Pull(*store, "reg.example/seccomp:v1").ok());
  const std::string layer_hex(Digest::Of(kProfile).hex());
  const std::string manifest_hex = digest.substr(7);
  std::vector<std::string> expected_blobs{layer_hex, manifest_hex};
  std::sort(expected_blobs.begin(), expected_blobs.end());
  EXPECT_EQ(FilesUnder("blobs/sha256"), expected_blobs);
  EXPECT_EQ(FilesUnder("artifacts"), std::vector<std::string>{manifest_hex + ".json"});

  const auto listed = store->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].manifest_digest.str(), digest);
  EXPECT_EQ(listed[0].references, std::vector<std::string>{"reg.example/seccomp:v1"});
  EXPECT_EQ(listed[0].layers, std::vector<Digest>{Digest::Of(kProfile)});
  EXPECT_EQ(listed[0].size, static_cast<std::int64_t>(registry_.manifests["seccomp:v1"].size() +
                                                      std::string(kProfile).size()));
  EXPECT_GT(listed[0].last_used_unix_nanos, 0);
  EXPECT_GE(listed[0].last_used_unix_nanos, listed[0].pulled_unix_nanos);
}

TEST_F(ArtifactStoreTest, ACorruptStoredLayerIsPulledAgain) {
  const std::string digest = registry_.Add("seccomp", "v1", {kProfile});
  const std::string by_digest = "reg.example/seccomp@" + digest;
  auto store = OpenStore();
  ASSERT_TRUE(Pull(*store, by_digest).ok());
  {
    std::ofstream damage(root_ + "/blobs/sha256/" + std::string(Digest::Of(kProfile).hex()),
                         std::ios::trunc);
    damage << R"({"defaultAction":"SCMP_ACT_ALLOW"})";
  }
  auto again = Pull(*store, by_digest);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->layers[0], kProfile);
  EXPECT_EQ(registry_.blob_fetches, 2);
  EXPECT_THAT(log_.str(), HasSubstr("is unusable"));
  // The good copy replaced the damaged one: a third pull needs no request.
  registry_.unreachable = true;
  EXPECT_TRUE(Pull(*store, by_digest).ok());
}

TEST_F(ArtifactStoreTest, ATagPullReplacesADamagedStoredLayer) {
  const std::string digest = registry_.Add("seccomp", "v1", {kProfile});
  auto store = OpenStore();
  ASSERT_TRUE(Pull(*store, "reg.example/seccomp:v1").ok());
  const std::string layer_path = root_ + "/blobs/sha256/" + std::string(Digest::Of(kProfile).hex());
  std::ofstream(layer_path, std::ios::trunc) << "{}";
  auto again = Pull(*store, "reg.example/seccomp:v1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->layers[0], kProfile);
  EXPECT_EQ(registry_.blob_fetches, 2);
  registry_.unreachable = true;
  auto pinned = Pull(*store, "reg.example/seccomp@" + digest);
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(pinned->layers[0], kProfile);
}

TEST_F(ArtifactStoreTest, RemoveDeletesTheArtifactAndBlobsOnlyItUsed) {
  const std::string v1 = registry_.Add("seccomp", "v1", {kProfile});
  const std::string stacked = registry_.Add("seccomp", "stacked", {kProfile, kSecondProfile});
  auto store = OpenStore();
  ASSERT_TRUE(Pull(*store, "reg.example/seccomp:v1").ok());
  ASSERT_TRUE(Pull(*store, "reg.example/seccomp:stacked").ok());
  EXPECT_EQ(FilesUnder("blobs/sha256").size(), 4u);

  ASSERT_TRUE(store->Remove(stacked).ok());
  ASSERT_EQ(store->List().size(), 1u);
  EXPECT_EQ(store->List()[0].manifest_digest.str(), v1);
  // kProfile is still used by v1; kSecondProfile and the stacked manifest are gone.
  EXPECT_EQ(FilesUnder("blobs/sha256").size(), 2u);
  EXPECT_EQ(store->Remove(stacked).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->Remove("sha256:nope").code(), absl::StatusCode::kInvalidArgument);

  ASSERT_TRUE(store->Remove(v1).ok());
  EXPECT_TRUE(store->List().empty());
  EXPECT_TRUE(FilesUnder("blobs/sha256").empty());
  EXPECT_TRUE(FilesUnder("artifacts").empty());
}

TEST_F(ArtifactStoreTest, PruneKeepsOnlyWhatIsInUse) {
  const std::string v1 = registry_.Add("seccomp", "v1", {kProfile});
  const std::string stacked = registry_.Add("seccomp", "stacked", {kProfile, kSecondProfile});
  const std::string other = registry_.Add("other", "v1", {kSecondProfile});
  auto store = OpenStore();
  for (const auto* ref :
       {"reg.example/seccomp:v1", "reg.example/seccomp:stacked", "reg.example/other:v1"}) {
    ASSERT_TRUE(Pull(*store, ref).ok()) << ref;
  }
  auto removed = store->Prune({v1});
  ASSERT_TRUE(removed.ok()) << removed.status();
  std::vector<std::string> removed_text;
  for (const auto& digest : *removed) removed_text.push_back(digest.str());
  std::sort(removed_text.begin(), removed_text.end());
  std::vector<std::string> expected{stacked, other};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(removed_text, expected);
  ASSERT_EQ(store->List().size(), 1u);
  EXPECT_EQ(store->List()[0].manifest_digest.str(), v1);
  EXPECT_EQ(FilesUnder("blobs/sha256").size(), 2u);

  auto everything = store->Prune({});
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->size(), 1u);
  EXPECT_TRUE(FilesUnder("blobs/sha256").empty());
}

TEST_F(ArtifactStoreTest, ARestartKeepsTheStore) {
  const std::string digest = registry_.Add("seccomp", "v1", {kProfile});
  {
    auto store = OpenStore();
    ASSERT_TRUE(Pull(*store, "reg.example/seccomp:v1").ok());
  }
  registry_.unreachable = true;
  auto reopened = OpenStore();
  const auto listed = reopened->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].manifest_digest.str(), digest);
  EXPECT_EQ(listed[0].references, std::vector<std::string>{"reg.example/seccomp:v1"});
  auto pinned = Pull(*reopened, "reg.example/seccomp@" + digest);
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(pinned->layers[0], kProfile);
}

TEST_F(ArtifactStoreTest, OpeningDeletesLeftoversOfACrash) {
  const std::string digest = registry_.Add("seccomp", "v1", {kProfile});
  {
    auto store = OpenStore();
    ASSERT_TRUE(Pull(*store, "reg.example/seccomp:v1").ok());
  }
  const std::string orphan_hex(Digest::Of("orphan").hex());
  for (const std::string& path :
       {root_ + "/blobs/sha256/.abc.json.XyZ123", root_ + "/artifacts/." + orphan_hex + ".Q1w2E3",
        root_ + "/blobs/sha256/" + orphan_hex, root_ + "/artifacts/stray.txt"}) {
    std::ofstream(path) << "half";
  }
  // A record under another digest's name is not trusted.
  stdfs::copy_file(root_ + "/artifacts/" + digest.substr(7) + ".json",
                   root_ + "/artifacts/" + orphan_hex + ".json");
  // A record whose layer blob is gone cannot be served: it is dropped.
  const std::string broken = registry_.Add("seccomp", "broken", {kSecondProfile});
  {
    auto store = OpenStore();
    ASSERT_TRUE(Pull(*store, "reg.example/seccomp:broken").ok());
  }
  stdfs::remove(root_ + "/blobs/sha256/" + std::string(Digest::Of(kSecondProfile).hex()));

  auto store = OpenStore();
  ASSERT_EQ(store->List().size(), 1u);
  EXPECT_EQ(store->List()[0].manifest_digest.str(), digest);
  std::vector<std::string> expected_blobs{std::string(Digest::Of(kProfile).hex()),
                                          digest.substr(7)};
  std::sort(expected_blobs.begin(), expected_blobs.end());
  EXPECT_EQ(FilesUnder("blobs/sha256"), expected_blobs);
  EXPECT_EQ(FilesUnder("artifacts"), std::vector<std::string>{digest.substr(7) + ".json"});
}

TEST_F(ArtifactStoreTest, ConcurrentPullsOfOneReferenceAgree) {
  const std::string digest = registry_.Add("seccomp", "stacked", {kProfile, kSecondProfile});
  auto store = OpenStore();
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<SeccompArtifact>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      RequestContext ctx{absl::StrCat("req", i), "CreateContainer"};
      results[static_cast<std::size_t>(i)] = store->PullSeccompProfile(
          ctx, i % 2 == 0 ? "reg.example/seccomp:stacked" : "reg.example/seccomp@" + digest,
          std::nullopt);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->manifest_digest.str(), digest);
    EXPECT_EQ(result->layers, (std::vector<std::string>{kProfile, kSecondProfile}));
  }
  ASSERT_EQ(store->List().size(), 1u);
  EXPECT_EQ(FilesUnder("blobs/sha256").size(), 3u);  // no temporary file left behind
  EXPECT_EQ(FilesUnder("artifacts").size(), 1u);
  auto reopened = OpenStore();
  EXPECT_EQ(reopened->List().size(), 1u);
}

TEST_F(ArtifactStoreTest, CredentialsFromTheAuthFileAreUsed) {
  registry_.Add("seccomp", "v1", {kProfile});
  const std::string auth_file = root_ + "-auth.json";
  std::ofstream(auth_file) << R"({"auths":{"reg.example":{"auth":"dXNlcjpwYXNz"}}})";
  StoreOptions options = Options();
  options.global_auth_file = auth_file;
  // The registry asks for Basic auth on its first answer.
  FakeHttp http(
      [&](const registry::HttpRequest& request) -> absl::StatusOr<registry::HttpResponse> {
        for (const auto& [key, value] : request.headers) {
          if (key == "Authorization" && value == "Basic dXNlcjpwYXNz")
            return registry_.Serve(request);
        }
        return Respond(401, "", {{"www-authenticate", R"(Basic realm="reg")"}});
      });
  registry::RegistryClient client(http, ClientOptions());
  auto store = ArtifactStore::Open(options, client);
  ASSERT_TRUE(store.ok()) << store.status();
  auto artifact = (*store)->PullSeccompProfile(ctx_, "reg.example/seccomp:v1", std::nullopt);
  std::filesystem::remove(auth_file);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  EXPECT_EQ(artifact->layers[0], kProfile);
}

TEST_F(ArtifactStoreTest, InsecureRegistriesSkipTlsVerification) {
  registry_.Add("seccomp", "v1", {kProfile});
  StoreOptions options = Options();
  options.insecure_registries = {"reg.example"};
  auto store = ArtifactStore::Open(options, client_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto artifact = (*store)->PullSeccompProfile(ctx_, "reg.example/seccomp:v1", std::nullopt);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  ASSERT_FALSE(http_.requests.empty());
  for (const auto& request : http_.requests) EXPECT_FALSE(request.tls.verify) << request.url;
}

TEST_F(ArtifactStoreTest, MirrorsComeFromRegistriesConf) {
  registry_.Add("seccomp", "v1", {kProfile});
  StoreOptions options = Options();
  auto conf = registry::ParseRegistriesConf(R"(
[[registry]]
location = "primary.example"
[[registry.mirror]]
location = "reg.example"
)",
                                            "test.conf");
  ASSERT_TRUE(conf.ok()) << conf.status();
  options.registries = *conf;
  auto store = ArtifactStore::Open(options, client_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto artifact = (*store)->PullSeccompProfile(ctx_, "primary.example/seccomp:v1", std::nullopt);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  EXPECT_EQ(artifact->reference, "primary.example/seccomp:v1");
  ASSERT_FALSE(http_.requests.empty());
  EXPECT_EQ(http_.requests[0].url, "https://reg.example/v2/seccomp/manifests/v1");
}

}  // namespace
}  // namespace crio::artifact
