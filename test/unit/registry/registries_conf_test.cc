#include "crio/registry/registries_conf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace crio::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kConfDigest = "sha256:" + std::string(64, 'b');

RegistriesConf MustParseConf(const std::string& text) {
  auto conf = ParseRegistriesConf(text, "test.conf");
  EXPECT_TRUE(conf.ok()) << conf.status();
  return conf.ok() ? *conf : RegistriesConf{};
}

Reference ConfRef(const std::string& text) {
  auto ref = ParseReference(text);
  EXPECT_TRUE(ref.ok()) << ref.status();
  return *ref;
}

// "string insecure mirror" for each source, to compare in one line.
std::vector<std::string> Sources(const std::string& ref, const RegistriesConf& conf,
                                 const std::vector<std::string>& insecure = {}) {
  auto sources = PullSources(ConfRef(ref), conf, insecure);
  EXPECT_TRUE(sources.ok()) << sources.status();
  std::vector<std::string> out;
  if (!sources.ok()) return out;
  for (const PullSource& s : *sources) {
    out.push_back(s.reference.String() + (s.insecure ? " insecure" : "") +
                  (s.mirror ? " mirror" : ""));
  }
  return out;
}

constexpr char kMirrors[] = R"(
unqualified-search-registries = ["quay.io", "docker.io"]
short-name-mode = "permissive"

[[registry]]
prefix = "docker.io"
location = "docker.io"

[[registry.mirror]]
location = "mirror.example.com/dockerhub"

[[registry.mirror]]
location = "digest-mirror.example.com"
pull-from-mirror = "digest-only"

[[registry.mirror]]
location = "tag-mirror.example.com:5000"
insecure = true
pull-from-mirror = "tag-only"

[[registry]]
prefix = "docker.io/library/busybox"
location = "busybox.example.com/bb"
insecure = true

[[registry]]
prefix = "*.example.org"
[[registry.mirror]]
location = "wild-mirror.example.net"

[[registry]]
prefix = "blocked.example.com"
blocked = true

[[registry]]
location = "plain.example.com"
)";

TEST(RegistriesConfTest, ParsesV2) {
  const RegistriesConf conf = MustParseConf(kMirrors);
  EXPECT_THAT(conf.unqualified_search_registries, ElementsAre("quay.io", "docker.io"));
  EXPECT_EQ(conf.short_name_mode, ShortNameMode::kPermissive);
  ASSERT_EQ(conf.registries.size(), 5u);
  const RegistryEntry& docker = conf.registries[0];
  EXPECT_EQ(docker.prefix, "docker.io");
  ASSERT_EQ(docker.mirrors.size(), 3u);
  EXPECT_EQ(docker.mirrors[1].pull_from_mirror, PullFromMirror::kDigestOnly);
  EXPECT_EQ(docker.mirrors[2].pull_from_mirror, PullFromMirror::kTagOnly);
  EXPECT_TRUE(docker.mirrors[2].insecure);
  EXPECT_EQ(conf.registries[2].location, "");  // wildcard: pulled as is
  EXPECT_TRUE(conf.registries[3].blocked);
  EXPECT_EQ(conf.registries[3].location, "blocked.example.com");  // defaults to the prefix
  EXPECT_EQ(conf.registries[4].prefix, "plain.example.com");      // defaults to the location
  EXPECT_TRUE(conf.warnings.empty());
}

TEST(RegistriesConfTest, MirrorOrderAndPullFromMirror) {
  const RegistriesConf conf = MustParseConf(kMirrors);
  EXPECT_THAT(Sources("docker.io/user/app:1", conf),
              ElementsAre("mirror.example.com/dockerhub/user/app:1 mirror",
                          "tag-mirror.example.com:5000/user/app:1 insecure mirror",
                          "docker.io/user/app:1"));
  EXPECT_THAT(Sources("docker.io/user/app@" + kConfDigest, conf),
              ElementsAre("mirror.example.com/dockerhub/user/app@" + kConfDigest + " mirror",
                          "digest-mirror.example.com/user/app@" + kConfDigest + " mirror",
                          "docker.io/user/app@" + kConfDigest));
  // Tag and digest: a digest pull.
  EXPECT_THAT(Sources("docker.io/user/app:1@" + kConfDigest, conf),
              ElementsAre("mirror.example.com/dockerhub/user/app:1@" + kConfDigest + " mirror",
                          "digest-mirror.example.com/user/app:1@" + kConfDigest + " mirror",
                          "docker.io/user/app:1@" + kConfDigest));
}

TEST(RegistriesConfTest, LongestPrefixWins) {
  const RegistriesConf conf = MustParseConf(kMirrors);
  EXPECT_THAT(Sources("busybox", conf), ElementsAre("busybox.example.com/bb:latest insecure"));
  // Component boundary: busyboxes does not match the busybox prefix.
  EXPECT_EQ(FindRegistry(ConfRef("docker.io/library/busyboxes"), conf)->prefix, "docker.io");
  EXPECT_EQ(FindRegistry(ConfRef("docker.io/library/busybox:1"), conf)->prefix,
            "docker.io/library/busybox");
  EXPECT_EQ(FindRegistry(ConfRef("docker.io/library/busybox/sub"), conf)->prefix,
            "docker.io/library/busybox");
  EXPECT_EQ(FindRegistry(ConfRef("quay.io/a"), conf), nullptr);
}

TEST(RegistriesConfTest, WildcardPrefix) {
  const RegistriesConf conf = MustParseConf(kMirrors);
  EXPECT_THAT(Sources("a.example.org/x/y:1", conf),
              ElementsAre("wild-mirror.example.net/x/y:1 mirror", "a.example.org/x/y:1"));
  EXPECT_THAT(Sources("deep.sub.example.org:5000/x", conf),
              ElementsAre("wild-mirror.example.net:5000/x:latest mirror",
                          "deep.sub.example.org:5000/x:latest"));
  // The bare domain and look-alikes do not match "*.example.org".
  EXPECT_EQ(FindRegistry(ConfRef("example.org/x"), conf), nullptr);
  EXPECT_EQ(FindRegistry(ConfRef("a.example.org.evil.com/x"), conf), nullptr);
  EXPECT_EQ(FindRegistry(ConfRef("quay.io/a.example.org/x"), conf), nullptr);
}

TEST(RegistriesConfTest, BlockedFailsNamingTheRegistry) {
  const RegistriesConf conf = MustParseConf(kMirrors);
  auto sources = PullSources(ConfRef("blocked.example.com/x:1"), conf, {});
  ASSERT_FALSE(sources.ok());
  EXPECT_EQ(sources.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(sources.status().message()), HasSubstr("blocked.example.com"));
  EXPECT_THAT(std::string(sources.status().message()), HasSubstr("blocked"));
}

TEST(RegistriesConfTest, InsecureHosts) {
  const RegistriesConf empty;
  EXPECT_THAT(Sources("quay.io/a", empty), ElementsAre("quay.io/a:latest"));
  EXPECT_THAT(Sources("localhost:5000/a", empty), ElementsAre("localhost:5000/a:latest insecure"));
  EXPECT_THAT(Sources("127.0.0.1:5000/a", empty), ElementsAre("127.0.0.1:5000/a:latest insecure"));
  EXPECT_THAT(Sources("[::1]:5000/a", empty), ElementsAre("[::1]:5000/a:latest insecure"));
  EXPECT_THAT(Sources("my.reg:5000/a", empty, {"my.reg"}),
              ElementsAre("my.reg:5000/a:latest insecure"));
  EXPECT_THAT(Sources("my.reg:5000/a", empty, {"my.reg:5000"}),
              ElementsAre("my.reg:5000/a:latest insecure"));
  EXPECT_THAT(Sources("my.reg:5000/a", empty, {"other.reg"}), ElementsAre("my.reg:5000/a:latest"));
}

TEST(RegistriesConfTest, MirrorByDigestOnly) {
  const RegistriesConf conf = MustParseConf(R"(
[[registry]]
prefix = "quay.io"
location = "quay.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "m.example.com"
)");
  EXPECT_THAT(Sources("quay.io/a:1", conf), ElementsAre("quay.io/a:1"));
  EXPECT_THAT(
      Sources("quay.io/a@" + kConfDigest, conf),
      ElementsAre("m.example.com/a@" + kConfDigest + " mirror", "quay.io/a@" + kConfDigest));

  auto both = ParseRegistriesConf(R"(
[[registry]]
location = "quay.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "m.example.com"
pull-from-mirror = "all"
)",
                                  "both.conf");
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(std::string(both.status().message()), HasSubstr("mirror-by-digest-only"));
}

TEST(RegistriesConfTest, V1Tables) {
  const RegistriesConf conf = MustParseConf(R"(
[registries.search]
registries = ["quay.io", "docker.io"]
[registries.insecure]
registries = ["insecure.example.com"]
[registries.block]
registries = ["blocked.example.com", "insecure.example.com"]
)");
  EXPECT_THAT(conf.unqualified_search_registries, ElementsAre("quay.io", "docker.io"));
  ASSERT_EQ(conf.registries.size(), 2u);
  EXPECT_EQ(conf.registries[0].prefix, "insecure.example.com");
  EXPECT_TRUE(conf.registries[0].insecure);
  EXPECT_TRUE(conf.registries[0].blocked);
  EXPECT_TRUE(conf.registries[1].blocked);
  EXPECT_FALSE(conf.warnings.empty());  // v1 is deprecated
}

TEST(RegistriesConfTest, MixingV1AndV2IsAnError) {
  for (const char* text : {R"(
unqualified-search-registries = ["quay.io"]
[registries.search]
registries = ["docker.io"]
)",
                           R"(
[registries.insecure]
registries = ["a.example.com"]
[[registry]]
location = "b.example.com"
)"}) {
    auto conf = ParseRegistriesConf(text, "mixed.conf");
    ASSERT_FALSE(conf.ok()) << text;
    EXPECT_EQ(conf.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(conf.status().message()), HasSubstr("mixing"));
    EXPECT_THAT(std::string(conf.status().message()), HasSubstr("mixed.conf"));
  }
}

TEST(RegistriesConfTest, Errors) {
  struct Case {
    const char* text;
    const char* reason;
  };
  for (const Case& c : std::vector<Case>{
           {"unqualified-search-registries = \"quay.io\"", "must be an array"},
           {"short-name-mode = \"sometimes\"", "short-name-mode"},
           {"[[registry]]\ninsecure = true", "neither prefix nor location"},
           {"[[registry]]\nprefix = \"a.com\"\n[[registry]]\nprefix = \"a.com\"", "more than once"},
           {"[[registry]]\nprefix = \"foo.*.com\"", "wildcard"},
           {"[[registry]]\nprefix = \"*.a.com/x\"", "wildcard"},
           {"[[registry]]\nlocation = \"https://a.com\"", "scheme"},
           {"[[registry]]\nlocation = \"a.com\"\ninsecure = \"yes\"", "boolean"},
           {"[[registry]]\nlocation = \"a.com\"\n[[registry.mirror]]\ninsecure = true",
            "location is required"},
           {"[[registry]]\nlocation = \"a.com\"\n[[registry.mirror]]\nlocation = \"m.com\"\n"
            "pull-from-mirror = \"sometimes\"",
            "pull-from-mirror"},
           {"this is not toml", "invalid TOML"},
       }) {
    auto conf = ParseRegistriesConf(c.text, "bad.conf");
    ASSERT_FALSE(conf.ok()) << c.text;
    EXPECT_EQ(conf.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(conf.status().message()), HasSubstr(c.reason)) << c.text;
  }
}

TEST(RegistriesConfTest, UnknownKeysWarn) {
  const RegistriesConf conf = MustParseConf("foo = 1\n[aliases]\n\"x\" = \"quay.io/x\"\n");
  EXPECT_EQ(conf.warnings.size(), 2u);
}

TEST(RegistriesConfTest, BadMirrorLocationFailsTheRewrite) {
  const RegistriesConf conf = MustParseConf(R"(
[[registry]]
location = "quay.io"
[[registry.mirror]]
location = "nohost"
)");
  auto sources = PullSources(ConfRef("quay.io/a"), conf, {});
  ASSERT_FALSE(sources.ok());
  EXPECT_THAT(std::string(sources.status().message()), HasSubstr("nohost"));
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "regconf-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(path_ + "/" + name).parent_path());
    std::ofstream(path_ + "/" + name) << text;
  }

 private:
  std::string path_;
};

TEST(RegistriesConfTest, DropIns) {
  TempDir dir;
  dir.Write("registries.conf", R"(
unqualified-search-registries = ["docker.io"]
[[registry]]
prefix = "quay.io"
location = "quay.io"
blocked = true
[[registry]]
location = "keep.example.com"
)");
  dir.Write("registries.conf.d/10-a.conf", R"(
[[registry]]
prefix = "quay.io"
location = "quay-mirror.example.com"
)");
  dir.Write("registries.conf.d/20-b.conf", R"(
unqualified-search-registries = ["registry.example.com", "docker.io"]
[[registry]]
location = "new.example.com"
)");
  dir.Write("registries.conf.d/30-ignored.txt", "not toml at all");
  dir.Write("registries.conf.d/05-first.conf", R"(
[[registry]]
prefix = "quay.io"
location = "overridden-later.example.com"
)");
  auto conf = LoadRegistriesConf(dir.path() + "/registries.conf");
  ASSERT_TRUE(conf.ok()) << conf.status();
  EXPECT_THAT(conf->unqualified_search_registries,
              ElementsAre("registry.example.com", "docker.io"));
  ASSERT_EQ(conf->registries.size(), 3u);
  EXPECT_EQ(conf->registries[0].prefix, "quay.io");
  EXPECT_EQ(conf->registries[0].location, "quay-mirror.example.com");  // 10-a won
  EXPECT_FALSE(conf->registries[0].blocked);  // a drop-in replaces the whole entry
  EXPECT_EQ(conf->registries[1].prefix, "keep.example.com");
  EXPECT_EQ(conf->registries[2].prefix, "new.example.com");
}

TEST(RegistriesConfTest, MissingMainFileIsEmpty) {
  TempDir dir;
  auto conf = LoadRegistriesConf(dir.path() + "/registries.conf");
  ASSERT_TRUE(conf.ok()) << conf.status();
  EXPECT_TRUE(conf->registries.empty());

  dir.Write("registries.conf.d/bad.conf", "[[registry]]\n");
  auto bad = LoadRegistriesConf(dir.path() + "/registries.conf");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("bad.conf"));
}

TEST(ResolveShortNameTest, Candidates) {
  auto names = [](const std::string& ref, const RegistriesConf& conf) {
    std::vector<std::string> out;
    auto candidates = ResolveShortName(ConfRef(ref), conf);
    EXPECT_TRUE(candidates.ok()) << candidates.status();
    if (candidates.ok()) {
      for (const Reference& r : *candidates) out.push_back(r.String());
    }
    return out;
  };
  const RegistriesConf empty;
  EXPECT_THAT(names("busybox", empty), ElementsAre("docker.io/library/busybox:latest"));
  const RegistriesConf conf = MustParseConf(kMirrors);
  EXPECT_THAT(names("busybox:1", conf),
              ElementsAre("quay.io/busybox:1", "docker.io/library/busybox:1"));
  EXPECT_THAT(names("user/app@" + kConfDigest, conf),
              ElementsAre("quay.io/user/app@" + kConfDigest, "docker.io/user/app@" + kConfDigest));
  // A fully qualified name is its own single candidate.
  EXPECT_THAT(names("docker.io/busybox", conf), ElementsAre("docker.io/library/busybox:latest"));

  const RegistriesConf bad = MustParseConf("unqualified-search-registries = [\"bad_host\"]");
  EXPECT_FALSE(ResolveShortName(ConfRef("busybox"), bad).ok());
}

}  // namespace
}  // namespace crio::registry
