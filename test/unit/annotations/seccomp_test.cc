#include "crio/annotations/seccomp.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crio::annotations {
namespace {

using Annotations = std::map<std::string, std::string>;

const std::vector<std::string> kAllowOld = {"seccomp-profile.kubernetes.cri-o.io"};
const std::string kOld = "seccomp-profile.kubernetes.cri-o.io";
const std::string kNew = "seccomp-profile.crio.io";

TEST(IsAllowed, ComparesWholeKeys) {
  const std::vector<std::string> allowed = {"seccomp-profile.kubernetes.cri-o.io",
                                            "io.kubernetes.cri-o.Devices"};
  EXPECT_TRUE(IsAllowed("seccomp-profile.kubernetes.cri-o.io", allowed));
  EXPECT_TRUE(IsAllowed("seccomp-profile.kubernetes.cri-o.io/POD", allowed));
  EXPECT_TRUE(IsAllowed("seccomp-profile.kubernetes.cri-o.io/web", allowed));
  EXPECT_TRUE(IsAllowed("io.kubernetes.cri-o.Devices", allowed));
  // Look-alikes: a longer key sharing the prefix, another case, a shorter key.
  EXPECT_FALSE(IsAllowed("seccomp-profile.kubernetes.cri-o.io.x/POD", allowed));
  EXPECT_FALSE(IsAllowed("seccomp-profile.kubernetes.cri-o.iox", allowed));
  EXPECT_FALSE(IsAllowed("Seccomp-Profile.kubernetes.cri-o.io/POD", allowed));
  EXPECT_FALSE(IsAllowed("seccomp-profile.kubernetes.cri-o", allowed));
  EXPECT_FALSE(IsAllowed("io.kubernetes.cri-o.DevicesX", allowed));
  EXPECT_FALSE(IsAllowed("", allowed));
  EXPECT_FALSE(IsAllowed("anything", {""}));
  EXPECT_FALSE(IsAllowed("/x", {""}));
}

TEST(AllowedFor, HandlerThenActiveWorkloadsWithoutRepeats) {
  config::RuntimeHandler handler;
  handler.allowed_annotations = {"a", "b"};
  std::map<std::string, config::Workload> workloads;
  workloads["on"].activation_annotation = "io.crio/secure";
  workloads["on"].allowed_annotations = {"b", "seccomp-profile.kubernetes.cri-o.io"};
  workloads["off"].activation_annotation = "io.crio/other";
  workloads["off"].allowed_annotations = {"c"};

  EXPECT_EQ(AllowedFor(handler, workloads, {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(AllowedFor(handler, workloads, {{"io.crio/secure", ""}}),
            (std::vector<std::string>{"a", "b", "seccomp-profile.kubernetes.cri-o.io"}));
  // The activation annotation is a key, not a prefix.
  EXPECT_EQ(AllowedFor(handler, workloads, {{"io.crio/secure-ish", "x"}}),
            (std::vector<std::string>{"a", "b"}));
}

TEST(AllowsSeccompProfile, EitherSpellingOrASuffixedEntry) {
  EXPECT_TRUE(AllowsSeccompProfile(kAllowOld));
  EXPECT_TRUE(AllowsSeccompProfile({"seccomp-profile.crio.io"}));
  EXPECT_TRUE(AllowsSeccompProfile({"seccomp-profile.crio.io/POD"}));
  EXPECT_FALSE(AllowsSeccompProfile({"io.kubernetes.cri-o.Devices"}));
  EXPECT_FALSE(AllowsSeccompProfile({"seccomp-profile.kubernetes.cri-o.io.x"}));
  EXPECT_FALSE(AllowsSeccompProfile({}));
}

struct PrecedenceCase {
  std::string name;
  Annotations pod;
  Annotations image;
  std::optional<SeccompSource> source;  ///< nullopt: nothing applies
  std::string key;
  std::string reference;
};

// Every combination of the five places, each set to a reference naming it: the first
// place in precedence order that is set must win.
TEST(FindSeccompAnnotation, PrecedenceOverEveryCombination) {
  struct Place {
    bool on_pod;
    std::string key;
    SeccompSource source;
  };
  const std::vector<Place> places = {
      {true, kOld + "/c1", SeccompSource::kPodContainer},
      {true, kOld + "/POD", SeccompSource::kPod},
      {false, kOld, SeccompSource::kImage},
      {false, kOld + "/c1", SeccompSource::kImageContainer},
      {false, kOld + "/POD", SeccompSource::kImagePod},
  };
  for (unsigned mask = 0; mask < (1u << places.size()); ++mask) {
    Annotations pod = {{"unrelated", "x"}, {kOld + "/other", "reg/other:1"}};
    Annotations image = {{"org.opencontainers.image.title", "t"}, {kOld + "/other", "reg/o:1"}};
    std::optional<std::size_t> expected;
    for (std::size_t i = 0; i < places.size(); ++i) {
      if ((mask & (1u << i)) == 0) continue;
      (places[i].on_pod ? pod : image)[places[i].key] = "reg/profile:" + std::to_string(i);
      if (!expected) expected = i;
    }
    const auto found = FindSeccompAnnotation(pod, image, "c1", kAllowOld);
    if (!expected) {
      EXPECT_FALSE(found.has_value()) << "mask " << mask;
      continue;
    }
    ASSERT_TRUE(found.has_value()) << "mask " << mask;
    EXPECT_EQ(found->source, places[*expected].source) << "mask " << mask;
    EXPECT_EQ(found->key, places[*expected].key) << "mask " << mask;
    EXPECT_EQ(found->reference, "reg/profile:" + std::to_string(*expected)) << "mask " << mask;
  }
}

TEST(FindSeccompAnnotation, Cases) {
  const std::vector<PrecedenceCase> cases = {
      {"another container's annotation does nothing",
       {{kOld + "/c2", "reg/p:1"}},
       {{kOld + "/c2", "reg/p:2"}},
       std::nullopt,
       "",
       ""},
      {"newer spelling wins on the same object",
       {{kOld + "/POD", "reg/old:1"}, {kNew + "/POD", "reg/new:1"}},
       {},
       SeccompSource::kPod,
       kNew + "/POD",
       "reg/new:1"},
      {"newer spelling on the image, bare",
       {},
       {{kNew, "reg/new:2"}, {kOld, "reg/old:2"}},
       SeccompSource::kImage,
       kNew,
       "reg/new:2"},
      {"a pod-wide old key beats an image container key of the new spelling",
       {{kOld + "/POD", "reg/pod:1"}},
       {{kNew + "/c1", "reg/img:1"}},
       SeccompSource::kPod,
       kOld + "/POD",
       "reg/pod:1"},
      {"an empty value is absent",
       {{kOld + "/c1", ""}},
       {{kOld + "/POD", "reg/img:1"}},
       SeccompSource::kImagePod,
       kOld + "/POD",
       "reg/img:1"},
      {"look-alike keys are not seccomp annotations",
       {{kOld + ".x/POD", "reg/evil:1"}, {"Seccomp-Profile.kubernetes.cri-o.io/POD", "reg/e:2"}},
       {{kOld + "x", "reg/evil:3"}},
       std::nullopt,
       "",
       ""},
  };
  for (const PrecedenceCase& c : cases) {
    const auto found = FindSeccompAnnotation(c.pod, c.image, "c1", kAllowOld);
    if (!c.source) {
      EXPECT_FALSE(found.has_value()) << c.name;
      continue;
    }
    ASSERT_TRUE(found.has_value()) << c.name;
    EXPECT_EQ(found->source, *c.source) << c.name;
    EXPECT_EQ(found->key, c.key) << c.name;
    EXPECT_EQ(found->reference, c.reference) << c.name;
  }
}

TEST(FindSeccompAnnotation, NothingWithoutAllowedAnnotations) {
  const Annotations pod = {{kOld + "/POD", "reg/p:1"}, {kNew + "/c1", "reg/p:2"}};
  const Annotations image = {{kOld, "reg/p:3"}};
  EXPECT_FALSE(FindSeccompAnnotation(pod, image, "c1", {}).has_value());
  EXPECT_FALSE(FindSeccompAnnotation(pod, image, "c1", {"io.kubernetes.cri-o.Devices"}));
  EXPECT_FALSE(FindSeccompAnnotation(pod, image, "c1", {"seccomp-profile.kubernetes.cri-o.io.x"}));
  EXPECT_FALSE(FindSeccompAnnotation(pod, image, "c1", {"SECCOMP-PROFILE.kubernetes.cri-o.io"}));
}

TEST(FindSeccompAnnotation, EitherSpellingAllowsBoth) {
  const Annotations pod = {{kOld + "/POD", "reg/p:1"}};
  const auto by_new = FindSeccompAnnotation(pod, {}, "c1", {kNew});
  ASSERT_TRUE(by_new.has_value());
  EXPECT_EQ(by_new->reference, "reg/p:1");
  const auto old_allows_new = FindSeccompAnnotation({{kNew + "/c1", "reg/p:2"}}, {}, "c1", {kOld});
  ASSERT_TRUE(old_allows_new.has_value());
  EXPECT_EQ(old_allows_new->source, SeccompSource::kPodContainer);
}

TEST(FindSeccompAnnotation, AnEntryWithASuffixAllowsOnlyThatKey) {
  const std::vector<std::string> only_pod = {kOld + "/POD"};
  const Annotations pod = {{kOld + "/c1", "reg/container:1"}, {kOld + "/POD", "reg/pod:1"}};
  const auto found = FindSeccompAnnotation(pod, {}, "c1", only_pod);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->source, SeccompSource::kPod);
  // The bare image key is not under /POD.
  EXPECT_FALSE(FindSeccompAnnotation({}, {{kOld, "reg/img:1"}}, "c1", only_pod).has_value());
}

TEST(FindSeccompAnnotation, AContainerNamedPodOrWithASlashIsNotContainerSpecific) {
  const Annotations pod = {{kOld + "/POD", "reg/pod:1"}};
  const auto found = FindSeccompAnnotation(pod, {}, "POD", kAllowOld);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->source, SeccompSource::kPod);
  EXPECT_FALSE(FindSeccompAnnotation({{kOld + "/a/b", "reg/x:1"}}, {}, "a/b", kAllowOld));
}

TEST(FoundLogLine, WordForWordAsCriO) {
  SeccompAnnotation container;
  container.source = SeccompSource::kPodContainer;
  container.key = "seccomp-profile.kubernetes.cri-o.io/container";
  container.reference = "quay.io/crio/seccomp:v2";
  EXPECT_EQ(FoundLogLine(container),
            "Found container specific seccomp profile annotation: "
            "seccomp-profile.kubernetes.cri-o.io/container=quay.io/crio/seccomp:v2");

  SeccompAnnotation pod = container;
  pod.source = SeccompSource::kPod;
  pod.key = "seccomp-profile.kubernetes.cri-o.io/POD";
  EXPECT_EQ(FoundLogLine(pod),
            "Found pod specific seccomp profile annotation: "
            "seccomp-profile.kubernetes.cri-o.io=quay.io/crio/seccomp:v2");

  SeccompAnnotation image = container;
  image.source = SeccompSource::kImage;
  image.key = "seccomp-profile.kubernetes.cri-o.io";
  EXPECT_EQ(FoundLogLine(image),
            "Found image specific seccomp profile annotation: "
            "seccomp-profile.kubernetes.cri-o.io=quay.io/crio/seccomp:v2");
}

}  // namespace
}  // namespace crio::annotations
