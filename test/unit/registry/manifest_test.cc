#include "crio/registry/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace crio::registry {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string D(char c) { return "sha256:" + std::string(64, c); }

json Desc(const std::string& media_type, char digest, std::int64_t size) {
  return json{{"mediaType", media_type}, {"digest", D(digest)}, {"size", size}};
}

json OciManifest() {
  return json{{"schemaVersion", 2},
              {"mediaType", std::string(media_type::kOciManifest)},
              {"config", Desc(std::string(media_type::kOciConfig), 'c', 100)},
              {"layers", json::array({Desc(std::string(media_type::kOciLayerGzip), '1', 10),
                                      Desc(std::string(media_type::kOciLayerZstd), '2', 20)})},
              {"annotations", {{"org.opencontainers.image.title", "x"}}}};
}

json Platformed(char digest, const std::string& os, const std::string& arch,
                const std::string& variant = "") {
  json d = Desc(std::string(media_type::kOciManifest), digest, 500);
  d["platform"] = {{"os", os}, {"architecture", arch}};
  if (!variant.empty()) d["platform"]["variant"] = variant;
  return d;
}

json OciIndex(json manifests) {
  return json{{"schemaVersion", 2},
              {"mediaType", std::string(media_type::kOciIndex)},
              {"manifests", std::move(manifests)}};
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(ManifestTest, DetectKind) {
  struct Case {
    std::string content_type;
    json body;
    ManifestKind want;
  };
  json bare_manifest = OciManifest();
  bare_manifest.erase("mediaType");
  json bare_index = OciIndex(json::array());
  bare_index.erase("mediaType");
  json docker = OciManifest();
  docker["mediaType"] = std::string(media_type::kDockerManifest);
  json list = OciIndex(json::array());
  list["mediaType"] = std::string(media_type::kDockerManifestList);
  for (const Case& c : std::vector<Case>{
           {std::string(media_type::kOciManifest), OciManifest(), ManifestKind::kOciManifest},
           {std::string(media_type::kOciManifest) + "; charset=utf-8", OciManifest(),
            ManifestKind::kOciManifest},
           {"", OciManifest(), ManifestKind::kOciManifest},
           {"application/json", OciIndex(json::array()), ManifestKind::kOciIndex},
           {"text/plain", docker, ManifestKind::kDockerManifest},
           {"application/octet-stream", list, ManifestKind::kDockerManifestList},
           {std::string(media_type::kDockerManifestList), list, ManifestKind::kDockerManifestList},
           {"", bare_manifest, ManifestKind::kOciManifest},
           {"", bare_index, ManifestKind::kOciIndex},
           {std::string(media_type::kOciIndex), bare_index, ManifestKind::kOciIndex},
       }) {
    auto kind = DetectManifestKind(c.content_type, c.body.dump());
    ASSERT_TRUE(kind.ok()) << c.content_type << " " << c.body.dump() << ": " << kind.status();
    EXPECT_EQ(*kind, c.want) << c.content_type << " " << c.body.dump();
  }
}

TEST(ManifestTest, Schema1IsRefused) {
  const json v1 = {
      {"schemaVersion", 1}, {"name", "x"}, {"tag", "latest"}, {"fsLayers", json::array()}};
  for (const std::string& type :
       {std::string(media_type::kDockerSchema1), std::string(media_type::kDockerSchema1Signed),
        std::string("application/json"), std::string()}) {
    auto kind = DetectManifestKind(type, v1.dump());
    ASSERT_FALSE(kind.ok()) << type;
    EXPECT_EQ(kind.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(kind.status()), HasSubstr("schema1 manifests are not supported"));
  }
  json typed = v1;
  typed["mediaType"] = std::string(media_type::kDockerSchema1Signed);
  EXPECT_THAT(Message(ParseManifest("", typed.dump()).status()), HasSubstr("schema1"));
  EXPECT_THAT(Message(ParseImageManifest(v1.dump(), ManifestKind::kDockerManifest).status()),
              HasSubstr("schema1"));
}

TEST(ManifestTest, DetectErrors) {
  EXPECT_THAT(
      Message(
          DetectManifestKind(std::string(media_type::kOciIndex), OciManifest().dump()).status()),
      HasSubstr("does not match"));
  EXPECT_THAT(Message(DetectManifestKind("application/vnd.foo", OciManifest().dump()).status()),
              HasSubstr("unsupported manifest content type"));
  json odd = OciManifest();
  odd["mediaType"] = "application/vnd.foo";
  EXPECT_THAT(Message(DetectManifestKind("", odd.dump()).status()),
              HasSubstr("unsupported manifest media type"));
  EXPECT_THAT(Message(DetectManifestKind("", "{}").status()), HasSubstr("cannot tell"));
  EXPECT_THAT(Message(DetectManifestKind("", "nope").status()), HasSubstr("not JSON"));
  EXPECT_THAT(Message(DetectManifestKind("", "[1]").status()), HasSubstr("not a JSON object"));
}

TEST(ManifestTest, SizeLimit) {
  json big = OciManifest();
  big["annotations"]["pad"] = std::string(kMaxManifestBytes, 'x');
  const std::string body = big.dump();
  ASSERT_GT(body.size(), kMaxManifestBytes);
  for (const absl::Status& s : {DetectManifestKind("", body).status(),
                                ParseImageManifest(body, ManifestKind::kOciManifest).status(),
                                ParseImageIndex(body, ManifestKind::kOciIndex).status(),
                                ParseManifest("", body).status()}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(s), HasSubstr("larger than the limit"));
  }
  // Just under the limit is fine.
  json fits = OciManifest();
  const std::size_t base = fits.dump().size() + std::string(R"(,"pad":"")").size();
  fits["annotations"]["pad"] = std::string(kMaxManifestBytes - base, 'x');
  ASSERT_EQ(fits.dump().size(), kMaxManifestBytes);
  EXPECT_TRUE(ParseManifest("", fits.dump()).ok());
}

TEST(ManifestTest, ParsesOciManifest) {
  json body = OciManifest();
  body["artifactType"] = "application/vnd.example";
  body["subject"] = Desc(std::string(media_type::kOciManifest), 'e', 7);
  body["layers"][0]["urls"] = {"https://example.com/l"};
  body["layers"][0]["annotations"] = {{"a", "b"}};
  auto parsed = ParseManifest(std::string(media_type::kOciManifest), body.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(std::holds_alternative<ImageManifest>(*parsed));
  const ImageManifest& m = std::get<ImageManifest>(*parsed);
  EXPECT_EQ(m.kind, ManifestKind::kOciManifest);
  EXPECT_EQ(m.config.digest.str(), D('c'));
  EXPECT_EQ(m.config.size, 100);
  ASSERT_EQ(m.layers.size(), 2u);
  EXPECT_EQ(m.layers[0].media_type, media_type::kOciLayerGzip);
  EXPECT_THAT(m.layers[0].urls, ElementsAre("https://example.com/l"));
  EXPECT_EQ(m.layers[0].annotations.at("a"), "b");
  EXPECT_EQ(m.layers[1].size, 20);
  EXPECT_EQ(m.annotations.at("org.opencontainers.image.title"), "x");
  EXPECT_EQ(m.artifact_type, "application/vnd.example");
  ASSERT_TRUE(m.subject.has_value());
  EXPECT_EQ(m.subject->digest.str(), D('e'));
  EXPECT_TRUE(ValidateImageLayers(m).ok());
}

TEST(ManifestTest, ParsesDockerSchema2) {
  json body = {{"schemaVersion", 2},
               {"mediaType", std::string(media_type::kDockerManifest)},
               {"config", Desc(std::string(media_type::kDockerConfig), 'c', 1)},
               {"layers", json::array({Desc(std::string(media_type::kDockerLayerGzip), '1', 2)})}};
  auto m = ParseImageManifest(body.dump(), ManifestKind::kDockerManifest);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kind, ManifestKind::kDockerManifest);
  EXPECT_TRUE(ValidateImageLayers(*m).ok());
  body.erase("mediaType");
  EXPECT_THAT(Message(ParseImageManifest(body.dump(), ManifestKind::kDockerManifest).status()),
              HasSubstr("mediaType is required"));
}

TEST(ManifestTest, FieldErrors) {
  struct Case {
    std::function<void(json&)> edit;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {[](json& j) { j["config"]["digest"] = "sha256:abc"; }, "config.digest"},
           {[](json& j) { j["layers"][1]["digest"] = "md5:" + std::string(32, 'a'); },
            "layers[1].digest"},
           {[](json& j) { j["layers"][0]["size"] = -1; }, "layers[0].size -1 is negative"},
           {[](json& j) { j["layers"][0]["size"] = 1.5; }, "layers[0].size is not an integer"},
           {[](json& j) { j["layers"][0]["size"] = "10"; }, "is not an integer"},
           {[](json& j) { j["layers"][0]["size"] = 18446744073709551615ull; }, "too large"},
           {[](json& j) { j["layers"][0].erase("size"); }, "layers[0].size is required"},
           {[](json& j) { j["layers"][0].erase("mediaType"); }, "layers[0].mediaType is required"},
           {[](json& j) { j["layers"][0]["urls"] = {1}; }, "urls"},
           {[](json& j) {
              j["annotations"] = {{"a", 1}};
            },
            "annotations.a is not a string"},
           {[](json& j) { j.erase("config"); }, "config is required"},
           {[](json& j) { j.erase("layers"); }, "layers is required"},
           {[](json& j) { j["layers"] = json::object(); }, "layers is not an array"},
           {[](json& j) { j["schemaVersion"] = 3; }, "schemaVersion must be 2"},
           {[](json& j) { j.erase("schemaVersion"); }, "schemaVersion is required"},
           {[](json& j) { j["mediaType"] = std::string(media_type::kOciIndex); }, "does not match"},
           {[](json& j) { j["subject"] = "x"; }, "subject is not an object"},
       }) {
    json body = OciManifest();
    c.edit(body);
    auto m = ParseImageManifest(body.dump(), ManifestKind::kOciManifest);
    ASSERT_FALSE(m.ok()) << body.dump();
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(m.status()), HasSubstr(c.reason)) << body.dump();
  }
  EXPECT_FALSE(ParseImageManifest(OciManifest().dump(), ManifestKind::kOciIndex).ok());
  EXPECT_FALSE(ParseImageIndex(OciIndex(json::array()).dump(), ManifestKind::kOciManifest).ok());
}

TEST(ManifestTest, LayerMediaTypes) {
  auto with_layer = [](const std::string& type) {
    json body = OciManifest();
    body["layers"][0]["mediaType"] = type;
    return *ParseImageManifest(body.dump(), ManifestKind::kOciManifest);
  };
  EXPECT_TRUE(ValidateImageLayers(with_layer(std::string(media_type::kOciLayer))).ok());
  for (const std::string& type :
       {std::string(media_type::kDockerForeignLayerGzip),
        std::string("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")}) {
    const absl::Status s = ValidateImageLayers(with_layer(type));
    EXPECT_THAT(Message(s), HasSubstr("foreign (non-distributable) layers are not supported"));
    EXPECT_THAT(Message(s), HasSubstr(D('1')));
  }
  EXPECT_THAT(Message(ValidateImageLayers(with_layer("application/json"))),
              HasSubstr("unsupported media type"));
  json artifact = OciManifest();
  artifact["config"]["mediaType"] = "application/vnd.cncf.seccomp-profile.config.v1+json";
  auto m = ParseImageManifest(artifact.dump(), ManifestKind::kOciManifest);
  ASSERT_TRUE(m.ok());  // artifacts parse; only images need tar layers
  EXPECT_THAT(Message(ValidateImageLayers(*m)), HasSubstr("not a container image"));
}

TEST(IndexTest, ParsesAndPicksPlatform) {
  json manifests = json::array(
      {Platformed('1', "linux", "arm64", "v8"), Platformed('2', "linux", "amd64"),
       Platformed('3', "linux", "arm", "v6"), Platformed('4', "linux", "arm", "v7"),
       Platformed('5', "windows", "amd64"), Desc(std::string(media_type::kOciManifest), '6', 1)});
  manifests[4]["platform"]["os.version"] = "10.0.17763.1";
  manifests[4]["platform"]["os.features"] = {"win32k"};
  auto parsed = ParseManifest("", OciIndex(manifests).dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(std::holds_alternative<ImageIndex>(*parsed));
  const ImageIndex& index = std::get<ImageIndex>(*parsed);
  ASSERT_EQ(index.manifests.size(), 6u);
  EXPECT_EQ(index.manifests[4].platform->os_version, "10.0.17763.1");
  EXPECT_THAT(index.manifests[4].platform->os_features, ElementsAre("win32k"));
  EXPECT_FALSE(index.manifests[5].platform.has_value());

  struct Case {
    Platform want;
    char digest;
  };
  for (const Case& c : std::vector<Case>{
           {{"linux", "amd64", "", "", {}, {}}, '2'},
           {{"linux", "x86_64", "", "", {}, {}}, '2'},
           {{"linux", "arm64", "", "", {}, {}}, '1'},  // v8 is arm64's default
           {{"linux", "aarch64", "v8", "", {}, {}}, '1'},
           {{"linux", "arm", "v7", "", {}, {}}, '4'},
           {{"linux", "arm", "", "", {}, {}}, '4'},  // arm defaults to v7
           {{"linux", "arm", "v6", "", {}, {}}, '3'},
           {{"windows", "amd64", "", "", {}, {}}, '5'},
       }) {
    auto picked = PickPlatform(index, c.want);
    ASSERT_TRUE(picked.ok()) << c.want.String() << ": " << picked.status();
    EXPECT_EQ(picked->digest.str(), D(c.digest)) << c.want.String();
  }
  auto missing = PickPlatform(index, {"linux", "s390x", "", "", {}, {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(missing.status()), HasSubstr("linux/s390x"));
  EXPECT_THAT(Message(missing.status()),
              HasSubstr("linux/arm64/v8, linux/amd64, linux/arm/v6, linux/arm/v7, windows/amd64"));
  // arm v5 runs on no v6/v7-only index; the v6 image does not run on v5.
  EXPECT_FALSE(PickPlatform(index, {"linux", "arm", "v5", "", {}, {}}).ok());
}

TEST(IndexTest, ArmFallsBackToOlderVariantsAndPrefersFirstExact) {
  const json manifests =
      json::array({Platformed('5', "linux", "arm", "v5"), Platformed('6', "linux", "arm", "v6"),
                   Platformed('a', "linux", "amd64"), Platformed('b', "linux", "amd64"),
                   Platformed('3', "linux", "amd64", "v3")});
  auto index = ParseImageIndex(OciIndex(manifests).dump(), ManifestKind::kOciIndex);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(PickPlatform(*index, {"linux", "arm", "v7", "", {}, {}})->digest.str(), D('6'));
  EXPECT_EQ(PickPlatform(*index, {"linux", "amd64", "", "", {}, {}})->digest.str(), D('a'));
  EXPECT_EQ(PickPlatform(*index, {"linux", "amd64", "v3", "", {}, {}})->digest.str(), D('3'));
}

TEST(IndexTest, Errors) {
  json no_os = OciIndex(json::array({Platformed('1', "linux", "amd64")}));
  no_os["manifests"][0]["platform"].erase("os");
  EXPECT_THAT(Message(ParseImageIndex(no_os.dump(), ManifestKind::kOciIndex).status()),
              HasSubstr("manifests[0].platform.os is required"));
  json bad = OciIndex(json::array({Platformed('1', "linux", "amd64")}));
  bad["manifests"][0]["size"] = -5;
  EXPECT_THAT(Message(ParseManifest("", bad.dump()).status()), HasSubstr("negative"));
  json none = OciIndex(json::array());
  none.erase("manifests");
  EXPECT_THAT(Message(ParseImageIndex(none.dump(), ManifestKind::kOciIndex).status()),
              HasSubstr("manifests is required"));
}

constexpr char kConfig[] = R"({
  "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
  "config": {
    "User": "1000:1000", "Env": ["PATH=/bin", "A=b"], "Entrypoint": ["/bin/sh", "-c"],
    "Cmd": null, "WorkingDir": "/work", "Labels": {"k": "v"}, "StopSignal": "SIGINT",
    "Volumes": {"/data": {}, "/cache": {}}, "ExposedPorts": {"80/tcp": {}, "53/udp": {}}
  },
  "rootfs": {"type": "layers", "diff_ids": [
    "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    "sha256:2222222222222222222222222222222222222222222222222222222222222222"]},
  "history": [{"created_by": "ADD x", "created": "2024-01-01T00:00:00Z"},
              {"created_by": "ENV A=b", "empty_layer": true}, {"comment": "c"}]
})";

TEST(ImageConfigTest, Parses) {
  auto config = ParseImageConfig(kConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->architecture, "amd64");
  EXPECT_EQ(config->os, "linux");
  EXPECT_EQ(config->config.user, "1000:1000");
  EXPECT_THAT(config->config.env, ElementsAre("PATH=/bin", "A=b"));
  EXPECT_THAT(config->config.entrypoint, ElementsAre("/bin/sh", "-c"));
  EXPECT_TRUE(config->config.cmd.empty());
  EXPECT_EQ(config->config.working_dir, "/work");
  EXPECT_EQ(config->config.labels.at("k"), "v");
  EXPECT_EQ(config->config.stop_signal, "SIGINT");
  EXPECT_THAT(config->config.volumes, ElementsAre("/cache", "/data"));
  EXPECT_THAT(config->config.exposed_ports, ElementsAre("53/udp", "80/tcp"));
  ASSERT_EQ(config->diff_ids.size(), 2u);
  EXPECT_EQ(config->diff_ids[1].str(), D('2'));
  ASSERT_EQ(config->history.size(), 3u);
  EXPECT_TRUE(config->history[1].empty_layer);
  EXPECT_EQ(config->history[0].created_by, "ADD x");

  auto minimal =
      ParseImageConfig(R"({"rootfs": {"type": "layers", "diff_ids": []}, "config": null})");
  ASSERT_TRUE(minimal.ok()) << minimal.status();
  EXPECT_TRUE(minimal->diff_ids.empty());
}

TEST(ImageConfigTest, Errors) {
  struct Case {
    std::string body;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"{}", "rootfs is required"},
           {R"({"rootfs": {"type": "other"}})", "rootfs.type"},
           {R"({"rootfs": {"diff_ids": []}})", "rootfs.type is required"},
           {R"({"rootfs": {"type": "layers", "diff_ids": ["sha256:12"]}})", "rootfs.diff_ids[0]"},
           {R"({"rootfs": {"type": "layers", "diff_ids": [1]}})",
            "rootfs.diff_ids[0] is not a string"},
           {R"({"rootfs": {"type": "layers"}, "config": {"Env": "A=b"}})", "config.Env"},
           {R"({"rootfs": {"type": "layers"}, "config": {"Labels": {"a": 1}}})", "config.Labels.a"},
           {R"({"rootfs": {"type": "layers"}, "config": {"Volumes": []}})", "config.Volumes"},
           {R"({"rootfs": {"type": "layers"}, "history": [{"empty_layer": "yes"}]})",
            "history[0].empty_layer"},
           {"nope", "not JSON"},
       }) {
    auto config = ParseImageConfig(c.body);
    ASSERT_FALSE(config.ok()) << c.body;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(config.status()), HasSubstr(c.reason)) << c.body;
  }
}

TEST(ImageConfigTest, LayerCountMustMatch) {
  auto config = ParseImageConfig(kConfig);
  ASSERT_TRUE(config.ok());
  auto manifest = ParseImageManifest(OciManifest().dump(), ManifestKind::kOciManifest);
  ASSERT_TRUE(manifest.ok());
  EXPECT_TRUE(CheckLayerCount(*config, *manifest).ok());
  manifest->layers.pop_back();
  const absl::Status s = CheckLayerCount(*config, *manifest);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(s), HasSubstr("2 rootfs.diff_ids but the manifest has 1 layers"));
}

TEST(ChainIdTest, MatchesTheDefinition) {
  const std::vector<Digest> diff_ids = {*Digest::Parse(D('1')), *Digest::Parse(D('2')),
                                        *Digest::Parse(D('3'))};
  const std::vector<Digest> chain = ChainIds(diff_ids);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0], diff_ids[0]);
  const Digest second = Digest::Of(D('1') + " " + D('2'));
  EXPECT_EQ(chain[1], second);
  EXPECT_EQ(chain[2], Digest::Of(second.str() + " " + D('3')));
  EXPECT_TRUE(ChainIds({}).empty());
}

}  // namespace
}  // namespace crio::registry
