// Seccomp end to end: the profile a container gets (RuntimeDefault, Unconfined,
// Localhost) and CRI-O's seccomp profile annotations, which name a profile stored in a
// registry as an OCI artifact (docs/seccomp.md, docs/artifacts.md). The registry fixture
// serves the artifacts (seccomp:v1 denies mkdir/mkdirat with EPERM, seccomp:stacked adds
// rmdir) and the annotated images.

#include <nlohmann/json.hpp>
#include <regex>

#include "lifecycle_fixture.h"

namespace crio::e2e {
namespace {

const std::string kKey = "seccomp-profile.kubernetes.cri-o.io";

// The probes change nothing: they name directories that exist in every root, so an
// allowed syscall fails with EEXIST or EBUSY and a denied one with the profile's EPERM
// (seccomp answers before any path lookup). Writing a file instead would also be wrong
// where the daemon runs chrooted, as in CI's fresh-Debian chroot: runc's pivot_root
// there leaves the mount namespace's root at the host's /, and `runc exec` (ExecSync)
// starts its process at that root, so an exec'd `mkdir /tmp/x` made the host's /tmp/x.
const std::vector<std::string> kMkdirProc = {"mkdir", "/proc"};
const std::vector<std::string> kRmdirRoot = {"rmdir", "/"};

class SeccompTest : public LifecycleTest {
 protected:
  void SetUp() override {
    ASSERT_NE(fixture_, nullptr) << "the registry fixture did not start";
    dirs_.Write(kAllowConf,
                "[crio.runtime.runtimes.runc]\nallowed_annotations = [\"" + kKey + "\"]\n");
    LifecycleTest::SetUp();
  }

  // Restarts the daemon after the drop-ins changed.
  void RestartDaemon() {
    daemon_.reset();
    StartDaemon();
  }

  void Pull(const std::string& image_key) {
    v1::PullImageRequest pull;
    pull.mutable_image()->set_image(fixture_->Image(image_key));
    v1::PullImageResponse pulled;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 120s);
    const grpc::Status status = daemon_->image().PullImage(&context, pull, &pulled);
    ASSERT_TRUE(status.ok()) << image_key << ": " << status.error_message() << daemon_->Log();
  }

  // The reference of an artifact, "<plain>/seccomp:v1" and so on.
  std::string Ref(const std::string& key) { return fixture_->Image(key); }

  static v1::ContainerConfig WithSeccomp(v1::ContainerConfig config,
                                         v1::SecurityProfile::ProfileType type,
                                         const std::string& localhost_ref = "") {
    auto* seccomp = config.mutable_linux()->mutable_security_context()->mutable_seccomp();
    seccomp->set_profile_type(type);
    seccomp->set_localhost_ref(localhost_ref);
    return config;
  }

  v1::ContainerConfig Unconfined(const std::string& name, const std::string& image_key = "") {
    v1::ContainerConfig config =
        WithSeccomp(ContainerConfig(name, {"sleep", "3600"}), v1::SecurityProfile::Unconfined);
    if (!image_key.empty()) config.mutable_image()->set_image(fixture_->Image(image_key));
    return config;
  }

  // Creates and starts; "" (with a test failure) when either step failed.
  std::string CreateAndStart(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                             const v1::ContainerConfig& config) {
    std::string id;
    const grpc::Status created = Create(pod, pod_config, config, &id);
    EXPECT_TRUE(created.ok()) << created.error_message() << "\n" << daemon_->Log();
    if (!created.ok()) return "";
    const grpc::Status started = Start(id);
    EXPECT_TRUE(started.ok()) << started.error_message() << "\n" << daemon_->Log();
    return started.ok() ? id : "";
  }

  // runtimeSpec.linux.seccomp of the container's verbose status (null when absent).
  nlohmann::json SpecSeccomp(const std::string& id) {
    std::string info;
    Status(id, &info);
    const auto parsed = nlohmann::json::parse(info, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << info;
    if (!parsed.is_object() || !parsed.contains("runtimeSpec")) {
      ADD_FAILURE() << "no runtimeSpec in " << info;
      return nlohmann::json();
    }
    const auto& spec = parsed["runtimeSpec"];
    if (!spec.contains("linux") || !spec["linux"].contains("seccomp")) return nlohmann::json();
    return spec["linux"]["seccomp"];
  }

  // The rule of `profile` naming `syscall`, null when none does.
  static nlohmann::json RuleFor(const nlohmann::json& profile, const std::string& syscall) {
    if (!profile.is_object() || !profile.contains("syscalls")) return nlohmann::json();
    for (const auto& rule : profile["syscalls"]) {
      for (const auto& name : rule.value("names", nlohmann::json::array())) {
        if (name == syscall) return rule;
      }
    }
    return nlohmann::json();
  }

  // The seccomp:v1 profile: allow all, mkdir and mkdirat EPERM.
  static void ExpectV1Profile(const nlohmann::json& profile) {
    ASSERT_TRUE(profile.is_object()) << "no seccomp profile in the spec: " << profile;
    EXPECT_EQ(profile.value("defaultAction", ""), "SCMP_ACT_ALLOW") << profile;
    for (const char* syscall : {"mkdir", "mkdirat"}) {
      const nlohmann::json rule = RuleFor(profile, syscall);
      ASSERT_TRUE(rule.is_object()) << syscall << " has no rule: " << profile;
      EXPECT_EQ(rule.value("action", ""), "SCMP_ACT_ERRNO") << rule;
      EXPECT_EQ(rule.value("errnoRet", 0), 1) << rule;
    }
  }

  grpc::Status ExecIn(const std::string& id, const std::vector<std::string>& cmd,
                      v1::ExecSyncResponse* response) {
    grpc::Status status;
    *response = Exec(id, cmd, &status, 20);
    return status;
  }

  // The Seccomp: line of /proc/self/status of a process exec'd in the container.
  std::string SeccompMode(const std::string& id) {
    v1::ExecSyncResponse out;
    const grpc::Status status = ExecIn(id, {"cat", "/proc/self/status"}, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    const auto at = out.stdout().find("\nSeccomp:");
    if (at == std::string::npos) return "<no Seccomp line>";
    return out.stdout().substr(at + 1, out.stdout().find('\n', at + 1) - at - 1);
  }

  // `cmd` fails inside the container with EPERM's message.
  void ExpectEperm(const std::string& id, const std::vector<std::string>& cmd) {
    v1::ExecSyncResponse out;
    const grpc::Status status = ExecIn(id, cmd, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_NE(out.exit_code(), 0) << cmd.back() << ": " << out.stdout() << out.stderr();
    EXPECT_NE(out.stderr().find("Operation not permitted"), std::string::npos)
        << cmd.back() << ": " << out.stderr();
  }

  // `cmd` reaches the kernel: it fails, but with `reason` ("exists", "busy"), not EPERM.
  void ExpectNotDenied(const std::string& id, const std::vector<std::string>& cmd,
                       const std::string& reason) {
    v1::ExecSyncResponse out;
    const grpc::Status status = ExecIn(id, cmd, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_NE(out.stderr().find(reason), std::string::npos)
        << cmd.front() << " " << cmd.back() << ": " << out.stdout() << out.stderr();
    EXPECT_EQ(out.stderr().find("Operation not permitted"), std::string::npos)
        << cmd.front() << " " << cmd.back() << ": " << out.stderr();
  }

  void ExpectSucceeds(const std::string& id, const std::vector<std::string>& cmd) {
    v1::ExecSyncResponse out;
    const grpc::Status status = ExecIn(id, cmd, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(out.exit_code(), 0) << cmd.back() << ": " << out.stdout() << out.stderr();
  }

  // The request id of the CreateContainer log line ending in `message` ("" if none).
  std::string RequestIdOf(const std::string& message) {
    const std::string log = daemon_->Log();
    const std::string tail = "] CreateContainer: " + message + "\n";
    const auto at = log.find(tail);
    if (at == std::string::npos) return "";
    const auto open = log.rfind('[', at);
    return open == std::string::npos ? "" : log.substr(open + 1, at - open - 1);
  }

  // The log has "[<id>] CreateContainer: <message>" as a whole line's end.
  void ExpectLogLine(const std::string& id, const std::string& message) {
    EXPECT_NE(daemon_->Log().find("[" + id + "] CreateContainer: " + message + "\n"),
              std::string::npos)
        << "missing: [" << id << "] CreateContainer: " << message << "\n"
        << daemon_->Log();
  }

  // The three lines of an applied annotation, under one request id.
  void ExpectAppliedLines(const std::string& found_line, const std::string& reference,
                          const std::string& artifact_key = "seccomp") {
    const std::string id = RequestIdOf(found_line);
    ASSERT_FALSE(id.empty()) << "no line \"" << found_line << "\" in\n" << daemon_->Log();
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{16}"))) << id;
    ExpectLogLine(id, "Pulling OCI artifact from ref: " + reference);
    const auto size = fixture_->json()["images"][artifact_key]["layers"][0]["size"].get<int>();
    ExpectLogLine(id, "Retrieved OCI artifact seccomp profile of len: " + std::to_string(size));
  }

  std::size_t ArtifactsStored() {
    std::size_t count = 0;
    std::error_code ec;
    for (auto it =
             std::filesystem::recursive_directory_iterator(dirs_.root() + "/lib/artifacts", ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file()) ++count;
    }
    return count;
  }

  // Right after a failed CreateContainer: no container, no root filesystem, no bundle.
  void ExpectNoContainerMade(const std::string& pod) {
    v1::ContainerFilter of_pod;
    of_pod.set_pod_sandbox_id(pod);
    EXPECT_TRUE(List(of_pod).empty());
    std::error_code ec;
    EXPECT_TRUE(std::filesystem::is_empty(dirs_.root() + "/lib/state/containers", ec) ||
                !std::filesystem::exists(dirs_.root() + "/lib/state/containers"));
    for (const auto& entry :
         std::filesystem::directory_iterator(dirs_.root() + "/lib/rootfs", ec)) {
      EXPECT_EQ(entry.path().filename(), ".trash") << entry.path() << " is left";
    }
    for (const auto& mount : MountsUnder(dirs_.root())) {
      EXPECT_EQ(mount.find("/rootfs/"), std::string::npos) << mount << " is left mounted";
    }
  }

  static constexpr const char* kAllowConf = "crio.conf.d/20-seccomp-annotations.conf";
};

// 1. The pod-wide annotation on an Unconfined container: the v1 profile, in the spec and
// in force, and CRI-O's log lines.
TEST_F(SeccompTest, PodAnnotationAppliesTheArtifactProfile) {
  v1::PodSandboxConfig pod_config = PodConfig("podwide");
  (*pod_config.mutable_annotations())[kKey + "/POD"] = Ref("seccomp");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const std::string id = CreateAndStart(pod, pod_config, Unconfined("app"));
  ASSERT_FALSE(id.empty());

  ExpectV1Profile(SpecSeccomp(id));
  EXPECT_EQ(SeccompMode(id), "Seccomp:\t2");
  ExpectEperm(id, kMkdirProc);
  ExpectNotDenied(id, kRmdirRoot, "busy");  // only mkdir is denied

  const std::string log = daemon_->Log();
  EXPECT_NE(
      log.find("CreateContainer: Allowed annotations are specified for workload [" + kKey + "]\n"),
      std::string::npos)
      << log;
  ExpectAppliedLines(
      "Found pod specific seccomp profile annotation: " + kKey + "=" + Ref("seccomp"),
      Ref("seccomp"));

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

// 2. "/c1" applies to c1 only: c2 in the same pod, Unconfined, stays unconfined.
TEST_F(SeccompTest, ContainerAnnotationAppliesToThatContainerOnly) {
  v1::PodSandboxConfig pod_config = PodConfig("percontainer");
  (*pod_config.mutable_annotations())[kKey + "/c1"] = Ref("seccomp");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const std::string c1 = CreateAndStart(pod, pod_config, Unconfined("c1"));
  const std::string c2 = CreateAndStart(pod, pod_config, Unconfined("c2"));
  ASSERT_FALSE(c1.empty());
  ASSERT_FALSE(c2.empty());

  ExpectV1Profile(SpecSeccomp(c1));
  EXPECT_EQ(SeccompMode(c1), "Seccomp:\t2");
  ExpectEperm(c1, kMkdirProc);
  ExpectAppliedLines(
      "Found container specific seccomp profile annotation: " + kKey + "/c1=" + Ref("seccomp"),
      Ref("seccomp"));

  EXPECT_TRUE(SpecSeccomp(c2).is_null()) << SpecSeccomp(c2);
  EXPECT_EQ(SeccompMode(c2), "Seccomp:\t0");
  ExpectNotDenied(c2, kMkdirProc, "exists");

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

// 3. Image annotations, without any on the pod: the bare key (whole pod), the
// container-specific key (c1 only), and /POD.
TEST_F(SeccompTest, ImageAnnotationsApplyTheArtifactProfile) {
  for (const char* image : {"annotated-bare", "annotated-container", "annotated"}) Pull(image);
  const v1::PodSandboxConfig pod_config = PodConfig("imageannotated");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();

  const std::string bare = CreateAndStart(pod, pod_config, Unconfined("bare", "annotated-bare"));
  ASSERT_FALSE(bare.empty());
  ExpectV1Profile(SpecSeccomp(bare));
  ExpectEperm(bare, kMkdirProc);
  ExpectAppliedLines("Found image specific seccomp profile annotation: " + kKey + "=" +
                         fixture_->Image("annotated-bare", "seccomp_profile_reference"),
                     Ref("seccomp"));

  const std::string container_name = fixture_->Image("annotated-container", "seccomp_container");
  ASSERT_EQ(container_name, "c1");
  const std::string c1 =
      CreateAndStart(pod, pod_config, Unconfined(container_name, "annotated-container"));
  ASSERT_FALSE(c1.empty());
  ExpectV1Profile(SpecSeccomp(c1));
  ExpectEperm(c1, kMkdirProc);
  ExpectAppliedLines("Found image specific seccomp profile annotation: " + kKey + "/c1=" +
                         fixture_->Image("annotated-container", "seccomp_profile_reference"),
                     Ref("seccomp"));
  // The same image under another container name: the key names c1, not it.
  const std::string other =
      CreateAndStart(pod, pod_config, Unconfined("c2", "annotated-container"));
  ASSERT_FALSE(other.empty());
  EXPECT_TRUE(SpecSeccomp(other).is_null()) << SpecSeccomp(other);
  ExpectNotDenied(other, kMkdirProc, "exists");

  const std::string pod_key = CreateAndStart(pod, pod_config, Unconfined("podkey", "annotated"));
  ASSERT_FALSE(pod_key.empty());
  ExpectV1Profile(SpecSeccomp(pod_key));
  ExpectEperm(pod_key, kMkdirProc);
  EXPECT_NE(daemon_->Log().find("Found image specific seccomp profile annotation: " + kKey +
                                "/POD=" + Ref("seccomp") + "\n"),
            std::string::npos)
      << daemon_->Log();

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

// 4. Without allowed_annotations the annotations are ignored: nothing pulled, the
// Unconfined container stays unconfined.
TEST_F(SeccompTest, AnnotationsAreIgnoredWhenNotAllowed) {
  std::filesystem::remove(dirs_.root() + "/" + kAllowConf);
  RestartDaemon();
  Pull("annotated-bare");
  v1::PodSandboxConfig pod_config = PodConfig("notallowed");
  (*pod_config.mutable_annotations())[kKey + "/POD"] = Ref("seccomp");
  (*pod_config.mutable_annotations())[kKey + "/app"] = Ref("seccomp");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const std::string app = CreateAndStart(pod, pod_config, Unconfined("app"));
  const std::string image = CreateAndStart(pod, pod_config, Unconfined("img", "annotated-bare"));
  ASSERT_FALSE(app.empty());
  ASSERT_FALSE(image.empty());
  for (const std::string& id : {app, image}) {
    EXPECT_TRUE(SpecSeccomp(id).is_null()) << SpecSeccomp(id);
    EXPECT_EQ(SeccompMode(id), "Seccomp:\t0");
    ExpectNotDenied(id, kMkdirProc, "exists");
  }
  const std::string log = daemon_->Log();
  for (const char* line : {"Allowed annotations are specified", "seccomp profile annotation",
                           "Pulling OCI artifact"}) {
    EXPECT_EQ(log.find(line), std::string::npos) << line << " in\n" << log;
  }
  EXPECT_EQ(ArtifactsStored(), 0u);

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

// 5. Artifacts the runtime must refuse: CreateContainer fails naming the reference (and
// for the wrong config media type, the media type), and leaves nothing behind.
TEST_F(SeccompTest, ABadArtifactFailsTheCreateAndLeavesNothing) {
  struct Case {
    const char* image_key;
    std::string expected;  ///< besides the reference
  };
  const Case cases[] = {
      {"seccomp-wrong-media-type", "application/vnd.oci.empty.v1+json"},
      {"seccomp-no-layers", "no layers"},
      {"seccomp-invalid-json", "not valid JSON"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.image_key);
    v1::PodSandboxConfig pod_config = PodConfig(std::string("bad-") + c.image_key);
    (*pod_config.mutable_annotations())[kKey + "/POD"] = Ref(c.image_key);
    std::string pod;
    ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
    std::string id;
    const grpc::Status status = Create(pod, pod_config, Unconfined("app"), &id);
    EXPECT_FALSE(status.ok());
    EXPECT_TRUE(id.empty()) << id;
    EXPECT_NE(status.error_message().find(Ref(c.image_key)), std::string::npos)
        << status.error_message();
    EXPECT_NE(status.error_message().find(c.expected), std::string::npos) << status.error_message();
    ExpectNoContainerMade(pod);
    // The name is free again (a RuntimeDefault container: the annotation does not apply).
    std::string next;
    EXPECT_TRUE(Create(pod, pod_config,
                       WithSeccomp(ContainerConfig("app", {"sleep", "3600"}),
                                   v1::SecurityProfile::RuntimeDefault),
                       &next)
                    .ok())
        << daemon_->Log();
    ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  }
  EXPECT_EQ(daemon_->Log().find("Retrieved OCI artifact"), std::string::npos) << daemon_->Log();
  EXPECT_EQ(ArtifactsStored(), 0u);
  ExpectNothingLeft();
}

// 6. RuntimeDefault, asked for and by default: the built-in profile (ENOSYS default,
// keyctl EPERM) in the spec and in force. busybox has no keyctl, so the behavioural check
// is unshare(CLONE_NEWUSER): the kernel lets anyone make a user namespace, the profile
// gives EPERM without CAP_SYS_ADMIN. An Unconfined container with the same capabilities
// succeeds, which shows the EPERM is seccomp's and not a capability check.
TEST_F(SeccompTest, RuntimeDefaultDeniesKeyctlAndUnshare) {
  const v1::PodSandboxConfig pod_config = PodConfig("runtimedefault");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const std::string unconfined = CreateAndStart(pod, pod_config, Unconfined("control"));
  ASSERT_FALSE(unconfined.empty());
  EXPECT_TRUE(SpecSeccomp(unconfined).is_null());
  EXPECT_EQ(SeccompMode(unconfined), "Seccomp:\t0");
  const std::vector<std::string> unshare_user = {"busybox", "unshare", "-U", "true"};
  ExpectSucceeds(unconfined, unshare_user);

  const std::string asked = CreateAndStart(pod, pod_config,
                                           WithSeccomp(ContainerConfig("asked", {"sleep", "3600"}),
                                                       v1::SecurityProfile::RuntimeDefault));
  const std::string unset =
      CreateAndStart(pod, pod_config, ContainerConfig("unset", {"sleep", "3600"}));
  ASSERT_FALSE(asked.empty());
  ASSERT_FALSE(unset.empty());
  for (const std::string& id : {asked, unset}) {
    const nlohmann::json profile = SpecSeccomp(id);
    ASSERT_TRUE(profile.is_object()) << profile;
    EXPECT_EQ(profile.value("defaultAction", ""), "SCMP_ACT_ERRNO");
    EXPECT_EQ(profile.value("defaultErrnoRet", 0), 38);
    const nlohmann::json keyctl = RuleFor(profile, "keyctl");
    ASSERT_TRUE(keyctl.is_object()) << "no keyctl rule";
    EXPECT_EQ(keyctl.value("action", ""), "SCMP_ACT_ERRNO") << keyctl;
    EXPECT_EQ(keyctl.value("errnoRet", 0), 1) << keyctl;
    const nlohmann::json unshare = RuleFor(profile, "unshare");
    ASSERT_TRUE(unshare.is_object()) << "no unshare rule";
    EXPECT_EQ(unshare.value("action", ""), "SCMP_ACT_ERRNO") << unshare;
    EXPECT_EQ(SeccompMode(id), "Seccomp:\t2");
    ExpectEperm(id, unshare_user);
    ExpectNotDenied(id, kMkdirProc, "exists");
  }

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

// 7. A Localhost profile that is not there: CRI-O's message, word for word.
TEST_F(SeccompTest, AMissingLocalhostProfileFailsWithCrioMessage) {
  const v1::PodSandboxConfig pod_config = PodConfig("localhost");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const std::string path = dirs_.root() + "/seccomp/nginx-1.25.3.json";
  std::string id;
  const grpc::Status status = Create(
      pod, pod_config,
      WithSeccomp(ContainerConfig("app", {"sleep", "3600"}), v1::SecurityProfile::Localhost, path),
      &id);
  EXPECT_FALSE(status.ok());
  const std::string expected = "setup seccomp: unable to load local profile \"" + path +
                               "\": open " + path + ": no such file or directory";
  EXPECT_NE(status.error_message().find(expected), std::string::npos) << status.error_message();
  ExpectNoContainerMade(pod);

  // The same profile, once there, is used.
  dirs_.Write("seccomp/nginx-1.25.3.json",
              R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[)"
              R"({"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]})");
  const std::string app = CreateAndStart(
      pod, pod_config,
      WithSeccomp(ContainerConfig("app", {"sleep", "3600"}), v1::SecurityProfile::Localhost, path));
  ASSERT_FALSE(app.empty());
  ExpectV1Profile(SpecSeccomp(app));
  ExpectEperm(app, kMkdirProc);

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

// 8. A two-layer artifact: the layers stack, mkdir (layer 1) and rmdir (layer 2) denied.
TEST_F(SeccompTest, AStackedArtifactDeniesWhatEveryLayerDenies) {
  v1::PodSandboxConfig pod_config = PodConfig("stacked");
  (*pod_config.mutable_annotations())[kKey + "/POD"] = Ref("seccomp-stacked");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const std::string id = CreateAndStart(pod, pod_config, Unconfined("app"));
  ASSERT_FALSE(id.empty());
  const nlohmann::json profile = SpecSeccomp(id);
  ExpectV1Profile(profile);
  const nlohmann::json rmdir = RuleFor(profile, "rmdir");
  ASSERT_TRUE(rmdir.is_object()) << profile;
  EXPECT_EQ(rmdir.value("action", ""), "SCMP_ACT_ERRNO");
  ExpectEperm(id, kMkdirProc);
  ExpectEperm(id, kRmdirRoot);
  ExpectAppliedLines(
      "Found pod specific seccomp profile annotation: " + kKey + "=" + Ref("seccomp-stacked"),
      Ref("seccomp-stacked"), "seccomp-stacked");

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

// 9. A digest reference is served from the local store the second time: the registry
// sees no second manifest request (its log shows each request).
TEST_F(SeccompTest, ADigestReferenceIsPulledOnce) {
  const std::string reference = fixture_->Image("seccomp", "digest_reference");
  const std::string digest = fixture_->Image("seccomp", "manifest_digest");
  const std::string registry_log =
      fixture_->json()["registries"]["plain"]["log"].get<std::string>();
  const auto manifest_requests = [&] {
    const std::string log = Slurp(registry_log);
    const std::string needle = "/v2/seccomp/manifests/" + digest;
    std::size_t count = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
      ++count;
    }
    return count;
  };
  const std::size_t before = manifest_requests();

  v1::PodSandboxConfig pod_config = PodConfig("bydigest");
  (*pod_config.mutable_annotations())[kKey + "/POD"] = reference;
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const std::string first = CreateAndStart(pod, pod_config, Unconfined("first"));
  ASSERT_FALSE(first.empty());
  // The registry logs a request when it is done with it.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (manifest_requests() == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::size_t after_first = manifest_requests();
  EXPECT_GT(after_first, before) << "the first use fetched nothing from " << registry_log;

  const std::string second = CreateAndStart(pod, pod_config, Unconfined("second"));
  ASSERT_FALSE(second.empty());
  ExpectV1Profile(SpecSeccomp(second));
  ExpectEperm(second, kMkdirProc);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(manifest_requests(), after_first) << "the second use asked the registry again";
  // Both creates logged their pull, each under its own request id.
  const std::string log = daemon_->Log();
  const std::string pulling = "CreateContainer: Pulling OCI artifact from ref: " + reference + "\n";
  const auto one = log.find(pulling);
  ASSERT_NE(one, std::string::npos) << log;
  EXPECT_NE(log.find(pulling, one + 1), std::string::npos) << log;

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ExpectNothingLeft();
  // The artifact is pruned when its last container goes.
  EXPECT_EQ(ArtifactsStored(), 0u);
}

// Workloads: a pod that activates a workload gets the workload's allowed_annotations,
// and with seccomp_annotations_override_default a RuntimeDefault container takes the
// annotation too.
TEST_F(SeccompTest, WorkloadAllowedAnnotationsAndOverridingRuntimeDefault) {
  std::filesystem::remove(dirs_.root() + "/" + kAllowConf);
  dirs_.Write("crio.conf.d/30-workload.conf",
              "[crio.runtime]\nseccomp_annotations_override_default = true\n"
              "[crio.runtime.workloads.profiled]\n"
              "activation_annotation = \"io.crio.e2e/profiled\"\n"
              "allowed_annotations = [\"" +
                  kKey + "\"]\n");
  RestartDaemon();
  v1::PodSandboxConfig pod_config = PodConfig("workload");
  (*pod_config.mutable_annotations())["io.crio.e2e/profiled"] = "";
  (*pod_config.mutable_annotations())[kKey + "/POD"] = Ref("seccomp");
  std::string pod;
  ASSERT_TRUE(RunPod(pod_config, &pod).ok()) << daemon_->Log();
  const std::string id = CreateAndStart(
      pod, pod_config,
      WithSeccomp(ContainerConfig("app", {"sleep", "3600"}), v1::SecurityProfile::RuntimeDefault));
  ASSERT_FALSE(id.empty());
  ExpectV1Profile(SpecSeccomp(id));
  ExpectEperm(id, kMkdirProc);
  // The workload's entries join the handler's own (default) ones.
  const std::string log = daemon_->Log();
  const auto allowed =
      log.find("CreateContainer: Allowed annotations are specified for workload [");
  ASSERT_NE(allowed, std::string::npos) << log;
  const std::string line = log.substr(allowed, log.find('\n', allowed) - allowed);
  EXPECT_NE(line.find(kKey), std::string::npos) << line;

  // A pod without the activation annotation: RuntimeDefault stays.
  v1::PodSandboxConfig plain_config = PodConfig("noworkload");
  (*plain_config.mutable_annotations())[kKey + "/POD"] = Ref("seccomp");
  std::string plain;
  ASSERT_TRUE(RunPod(plain_config, &plain).ok()) << daemon_->Log();
  const std::string other = CreateAndStart(
      plain, plain_config,
      WithSeccomp(ContainerConfig("app", {"sleep", "3600"}), v1::SecurityProfile::RuntimeDefault));
  ASSERT_FALSE(other.empty());
  EXPECT_EQ(SpecSeccomp(other).value("defaultAction", ""), "SCMP_ACT_ERRNO");
  ExpectNotDenied(other, kMkdirProc, "exists");

  ASSERT_TRUE(RemovePod(pod).ok()) << daemon_->Log();
  ASSERT_TRUE(RemovePod(plain).ok()) << daemon_->Log();
  ExpectNothingLeft();
}

}  // namespace
}  // namespace crio::e2e
