// Which seccomp profile a container gets (SeccompChooser), without a registry: the
// annotation path is seen reaching the artifact store, which is absent here.
#include "seccomp_choice.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace crio::container {
namespace {

namespace stdfs = std::filesystem;

const RequestContext kCtx{"test", "CreateContainer"};
const std::string kAnnotation = "seccomp-profile.kubernetes.cri-o.io/POD";

class SeccompChoiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::temp_directory_path() /
           ("seccomp-choice-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::create_directories(dir_);
    request_.container_name = "c1";
    request_.pod_annotations = &pod_annotations_;
    request_.image_annotations = &image_annotations_;
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  std::string WriteProfile(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  absl::StatusOr<SeccompChoice> Choose() { return chooser_.Choose(kCtx, settings_, request_); }

  stdfs::path dir_;
  SeccompChooser chooser_{nullptr};
  SeccompSettings settings_;
  SeccompRequest request_;
  std::map<std::string, std::string> pod_annotations_;
  std::map<std::string, std::string> image_annotations_;
};

TEST_F(SeccompChoiceTest, UnsetMeansRuntimeDefaultUnlessTheDeprecatedKeySaysOtherwise) {
  auto choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  ASSERT_TRUE(choice->profile.has_value());
  EXPECT_EQ(choice->profile->default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(choice->source, "runtime/default");

  settings_.use_default_when_empty = false;
  choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_FALSE(choice->profile.has_value());
}

TEST_F(SeccompChoiceTest, UnconfinedAndPrivilegedGetNone) {
  request_.requested.type = spec::SeccompProfileType::kUnconfined;
  auto choice = Choose();
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(choice->profile.has_value());

  request_.requested.type = spec::SeccompProfileType::kRuntimeDefault;
  request_.privileged = true;
  choice = Choose();
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(choice->profile.has_value());
}

TEST_F(SeccompChoiceTest, PrivilegedSeccompProfileAppliesToPrivilegedContainers) {
  settings_.privileged_profile_path =
      WriteProfile("privileged.json", R"({"defaultAction": "SCMP_ACT_LOG"})");
  request_.privileged = true;
  auto choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  ASSERT_TRUE(choice->profile.has_value());
  EXPECT_EQ(choice->profile->default_action, "SCMP_ACT_LOG");
  EXPECT_TRUE(choice->when_privileged);
}

TEST_F(SeccompChoiceTest, ConfiguredDefaultProfileReplacesTheBuiltInOneUnlessMissing) {
  settings_.default_profile_path =
      WriteProfile("default.json", R"({"defaultAction": "SCMP_ACT_KILL_PROCESS"})");
  auto choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->profile->default_action, "SCMP_ACT_KILL_PROCESS");

  // Changed on disk: read again (the cache is keyed by size and mtime).
  std::ofstream(settings_.default_profile_path) << R"({"defaultAction":    "SCMP_ACT_TRAP"})";
  choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->profile->default_action, "SCMP_ACT_TRAP");

  settings_.default_profile_path = (dir_ / "missing.json").string();
  choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->profile->default_action, "SCMP_ACT_ERRNO");  // the built-in one
}

TEST_F(SeccompChoiceTest, LocalhostMissingFileGivesCriOsMessage) {
  request_.requested.type = spec::SeccompProfileType::kLocalhost;
  request_.requested.localhost_ref = "/var/lib/kubelet/seccomp/nginx-1.25.3.json";
  auto choice = Choose();
  ASSERT_FALSE(choice.ok());
  EXPECT_EQ(choice.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(choice.status().message(),
            "setup seccomp: unable to load local profile "
            "\"/var/lib/kubelet/seccomp/nginx-1.25.3.json\": open "
            "/var/lib/kubelet/seccomp/nginx-1.25.3.json: no such file or directory");
}

TEST_F(SeccompChoiceTest, LocalhostProfileIsParsedAndBadOnesNameTheFile) {
  request_.requested.type = spec::SeccompProfileType::kLocalhost;
  request_.requested.localhost_ref =
      WriteProfile("good.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})");
  auto choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->profile->syscalls.size(), 1u);

  request_.requested.localhost_ref =
      WriteProfile("bad.json", R"({"defaultAction": "SCMP_ACT_NOPE"})");
  choice = Choose();
  ASSERT_FALSE(choice.ok());
  EXPECT_EQ(choice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(choice.status().message().find("bad.json"), absl::string_view::npos) << choice.status();
}

TEST_F(SeccompChoiceTest, AnAllowedAnnotationReplacesUnconfined) {
  pod_annotations_[kAnnotation] = "127.0.0.1:5000/seccomp:v1";
  request_.requested.type = spec::SeccompProfileType::kUnconfined;
  // Not allowed: ignored.
  auto choice = Choose();
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(choice->profile.has_value());
  // Allowed: the artifact is asked for (no store here, so a clean error naming it).
  request_.allowed_annotations = {"seccomp-profile.kubernetes.cri-o.io"};
  choice = Choose();
  ASSERT_FALSE(choice.ok());
  EXPECT_EQ(choice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(choice.status().message().find("127.0.0.1:5000/seccomp:v1"), absl::string_view::npos);
}

TEST_F(SeccompChoiceTest, ASecurityContextProfileWinsOverAnnotations) {
  pod_annotations_[kAnnotation] = "127.0.0.1:5000/seccomp:v1";
  request_.allowed_annotations = {"seccomp-profile.kubernetes.cri-o.io"};
  request_.requested.type = spec::SeccompProfileType::kRuntimeDefault;
  auto choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->source, "runtime/default");

  request_.requested.type = spec::SeccompProfileType::kLocalhost;
  request_.requested.localhost_ref =
      WriteProfile("local.json", R"({"defaultAction": "SCMP_ACT_ALLOW"})");
  settings_.annotations_override_default = true;
  choice = Choose();
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->source, request_.requested.localhost_ref);

  // The config switch lets annotations replace RuntimeDefault too.
  request_.requested.type = spec::SeccompProfileType::kRuntimeDefault;
  choice = Choose();
  ASSERT_FALSE(choice.ok());
  EXPECT_EQ(choice.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace crio::container
