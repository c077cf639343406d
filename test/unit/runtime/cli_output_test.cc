#include "cli_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace crio::runtime::internal {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

subprocess::Result Failed(std::string stderr_data, int exit_code = 1) {
  subprocess::Result r;
  r.exit_code = exit_code;
  r.stderr_data = std::move(stderr_data);
  return r;
}

// --- what runc and crun print ----------------------------------------------------

TEST(ExtractErrorMessageTest, RuncLogrusText) {
  EXPECT_EQ(ExtractErrorMessage(
                "time=\"2024-05-01T10:00:00Z\" level=error msg=\"container does not exist\"\n"),
            "container does not exist");
}

TEST(ExtractErrorMessageTest, RuncQuotedEscapes) {
  EXPECT_EQ(
      ExtractErrorMessage(
          R"(time="2024-05-01T10:00:00Z" level=error msg="exec failed: unable to start container process: exec: \"nosuchcmd\": executable file not found in $PATH")"),
      "exec failed: unable to start container process: exec: \"nosuchcmd\": executable "
      "file not found in $PATH");
  EXPECT_EQ(ExtractErrorMessage(R"(level=error msg="a\tb\\c\u00e9\x41")"),
            "a\tb\\c\xC3\xA9"
            "A");
}

TEST(ExtractErrorMessageTest, BareLogfmtValueAndErrorField) {
  EXPECT_EQ(ExtractErrorMessage("level=fatal msg=boom error=\"no space left on device\""),
            "boom: no space left on device");
}

TEST(ExtractErrorMessageTest, LastErrorWinsOverWarningsAndPlainLines) {
  const std::string text =
      "time=\"t\" level=warning msg=\"deprecated option\"\n"
      "some plain noise\n"
      "time=\"t\" level=error msg=\"first\"\n"
      "time=\"t\" level=error msg=\"container not running\"\n";
  EXPECT_EQ(ExtractErrorMessage(text), "container not running");
}

TEST(ExtractErrorMessageTest, JsonLogLines) {
  EXPECT_EQ(
      ExtractErrorMessage(
          R"({"level":"error","msg":"container does not exist","time":"2024-05-01T10:00:00Z"})"),
      "container does not exist");
  // crun --log-format json
  EXPECT_EQ(
      ExtractErrorMessage(
          R"({"msg":"error opening file `/run/crun/x/status`: No such file or directory","level":"error","time":"2024-05-01T10:00:00.1Z"})"),
      "error opening file `/run/crun/x/status`: No such file or directory");
}

TEST(ExtractErrorMessageTest, LogrusTerminalForm) {
  EXPECT_EQ(ExtractErrorMessage("ERRO[0000] container does not exist  \n"),
            "container does not exist");
  EXPECT_EQ(ExtractErrorMessage("WARN[0000] careful\n"), "careful");
}

TEST(ExtractErrorMessageTest, CrunPlainLines) {
  EXPECT_EQ(
      ExtractErrorMessage("error opening file `/run/crun/abc/status`: No such file or directory\n"),
      "error opening file `/run/crun/abc/status`: No such file or directory");
  EXPECT_EQ(ExtractErrorMessage("first line\n\n  second line  \n"), "first line; second line");
  // runc with --log prints the bare message on stderr.
  EXPECT_EQ(ExtractErrorMessage("container does not exist\n"), "container does not exist");
}

TEST(ExtractErrorMessageTest, OnlyWarnings) {
  EXPECT_EQ(ExtractErrorMessage("level=warning msg=\"only this\""), "only this");
}

TEST(ExtractErrorMessageTest, EmptyAndBounded) {
  EXPECT_EQ(ExtractErrorMessage(""), "");
  EXPECT_EQ(ExtractErrorMessage("\n  \n"), "");
  const std::string huge = "level=error msg=\"" + std::string(10000, 'x') + "\"";
  const std::string message = ExtractErrorMessage(huge);
  EXPECT_EQ(message.size(), kMaxMessageBytes);
  EXPECT_EQ(message.substr(message.size() - 3), "...");
}

TEST(ExtractErrorMessageTest, BrokenStructuredLinesAreKeptAsText) {
  EXPECT_EQ(ExtractErrorMessage("level=error msg=\"unterminated"),
            "level=error msg=\"unterminated");
  EXPECT_EQ(ExtractErrorMessage("{not json"), "{not json");
}

// --- sorting errors ------------------------------------------------------------------

TEST(ClassifyErrorTest, NotFound) {
  EXPECT_EQ(ClassifyError("container does not exist", "abc", "/run/runc"), ErrorKind::kNotFound);
  EXPECT_EQ(ClassifyError("container \"abc\" does not exist", "abc", "/run/runc"),
            ErrorKind::kNotFound);
  EXPECT_EQ(ClassifyError("error opening file `/run/crun/abc/status`: No such file or directory",
                          "abc", "/run/crun"),
            ErrorKind::kNotFound);
  EXPECT_EQ(ClassifyError("cannot open directory '/run/crun/abc': No such file or directory", "abc",
                          "/run/crun/"),
            ErrorKind::kNotFound);
}

TEST(ClassifyErrorTest, MissingFilesElsewhereAreNotNotFound) {
  // ENOENT about another path (a missing bundle file, another container whose id
  // starts like this one) says nothing about the container.
  EXPECT_EQ(
      ClassifyError("open /bundle/config.json: No such file or directory", "abc", "/run/crun"),
      ErrorKind::kOther);
  EXPECT_EQ(ClassifyError("error opening file `/run/crun/abcdef/status`: No such file or directory",
                          "abc", "/run/crun"),
            ErrorKind::kOther);
}

TEST(ClassifyErrorTest, WrongState) {
  for (const char* message :
       {"container not running", "container not paused",
        "exec failed: cannot exec in a stopped container",
        "exec failed: cannot exec in a paused container (use "
        "--ignore-paused to override)",
        "cannot delete container abc that is not stopped: running",
        "cannot start an already running container", "cannot start a container that has stopped"}) {
    EXPECT_EQ(ClassifyError(message, "abc", "/run/runc"), ErrorKind::kWrongState) << message;
  }
}

TEST(ClassifyErrorTest, AlreadyExistsAndOther) {
  EXPECT_EQ(ClassifyError("container with given ID already exists", "abc", "/run/runc"),
            ErrorKind::kAlreadyExists);
  EXPECT_EQ(ClassifyError("permission denied", "abc", "/run/runc"), ErrorKind::kOther);
  EXPECT_EQ(ClassifyError("", "abc", "/run/runc"), ErrorKind::kOther);
}

TEST(RuntimeErrorTest, CodesAndMessages) {
  absl::Status s = RuntimeError("runc state abc",
                                Failed("time=\"t\" level=error msg=\"container does not exist\"\n"),
                                "abc", "/run/runc");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "runc state abc: container does not exist (exit status 1)");

  s = RuntimeError("runc pause abc", Failed("level=error msg=\"container not running\""), "abc",
                   "/run/runc");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);

  s = RuntimeError("crun start abc", Failed("something broke\n", 2), "abc", "/run/crun");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(), "crun start abc: something broke (exit status 2)");

  // Silent failures still say how the runtime ended.
  s = RuntimeError("runc start abc", Failed("", 3), "abc", "/run/runc");
  EXPECT_EQ(s.message(), "runc start abc: failed with exit status 3");

  subprocess::Result timed_out;
  timed_out.timed_out = true;
  timed_out.signal = 9;
  timed_out.duration = std::chrono::milliseconds(1500);
  s = RuntimeError("runc state abc", timed_out, "abc", "/run/runc");
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(s.message()), HasSubstr("runc state abc: timed out after 1500ms"));
}

// --- state ---------------------------------------------------------------------------

TEST(ParseStateTest, Runc) {
  auto state = ParseState(R"({
    "ociVersion": "1.0.2-dev", "id": "c1", "pid": 7475, "status": "running",
    "bundle": "/tmp/b", "rootfs": "/tmp/b/rootfs",
    "created": "2024-05-01T10:00:00.123456789Z", "owner": "",
    "annotations": {"io.kubernetes.cri-o.ContainerType": "container"}})");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->id, "c1");
  EXPECT_EQ(state->status, ContainerStatus::kRunning);
  EXPECT_EQ(state->pid, 7475);
  EXPECT_EQ(state->bundle, "/tmp/b");
  EXPECT_EQ(state->rootfs, "/tmp/b/rootfs");
  EXPECT_EQ(state->oci_version, "1.0.2-dev");
  EXPECT_EQ(state->created, "2024-05-01T10:00:00.123456789Z");
  EXPECT_EQ(state->created_unix_nanos, 1714557600123456789LL);
  EXPECT_EQ(state->annotations.at("io.kubernetes.cri-o.ContainerType"), "container");
}

TEST(ParseStateTest, CrunStoppedWithoutOptionalFields) {
  auto state = ParseState(
      R"({"ociVersion":"1.0.0","id":"c2","pid":0,"status":"stopped","bundle":"/b","created":"2024-05-01T10:00:00+02:00"})");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->status, ContainerStatus::kStopped);
  EXPECT_EQ(state->pid, 0);
  EXPECT_EQ(state->created_unix_nanos, 1714550400LL * 1000000000LL);
  EXPECT_TRUE(state->annotations.empty());
}

TEST(ParseStateTest, EveryStatus) {
  for (auto status :
       {ContainerStatus::kCreating, ContainerStatus::kCreated, ContainerStatus::kRunning,
        ContainerStatus::kPaused, ContainerStatus::kStopped}) {
    auto parsed = ParseStatus(std::string(StatusName(status)));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, status);
  }
  EXPECT_EQ(ParseStatus("exploded").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseStateTest, Rejects) {
  EXPECT_EQ(ParseState("not json").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseState("[]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseState(R"({"status":"running"})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseState(R"({"id":"x","status":"weird"})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseState(R"({"id":"x","status":"running","pid":"12"})").status().code(),
            absl::StatusCode::kInvalidArgument);
  // An unparsable creation time is kept as text.
  auto odd = ParseState(R"({"id":"x","status":"running","created":"yesterday"})");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->created_unix_nanos, 0);
}

TEST(ParseStateListTest, NullEmptyAndEntries) {
  auto none = ParseStateList("null\n");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto empty = ParseStateList("[\n\n]\n");  // crun
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto two = ParseStateList(
      R"([{"id":"a","pid":1,"status":"running","bundle":"/a","created":"2024-05-01T10:00:00Z"},
          {"id":"b","pid":0,"status":"stopped","bundle":"/b","created":"2024-05-01T10:00:00Z"}])");
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].id, "b");
  EXPECT_EQ((*two)[1].status, ContainerStatus::kStopped);
  EXPECT_FALSE(ParseStateList("{}").ok());
  EXPECT_FALSE(ParseStateList("[{\"id\":1}]").ok());
}

// --- exec process ----------------------------------------------------------------------

TEST(BuildExecProcessTest, StartsFromTheContainersProcess) {
  ExecRequest request;
  request.args = {"sh", "-c", "echo hi"};
  request.base_process_json = R"({
    "terminal": true, "consoleSize": {"height": 10, "width": 20},
    "user": {"uid": 1000, "gid": 1000, "additionalGids": [5]},
    "args": ["/pause"], "env": ["PATH=/bin", "HOME=/home/u"], "cwd": "/work",
    "capabilities": {"bounding": ["CAP_KILL"]}, "noNewPrivileges": true,
    "apparmorProfile": "crio-default", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "oomScoreAdj": 100})";
  auto built = BuildExecProcess(request);
  ASSERT_TRUE(built.ok()) << built.status();
  const Json p = Json::parse(*built);
  EXPECT_EQ(p["args"], Json({"sh", "-c", "echo hi"}));
  EXPECT_EQ(p["terminal"], false);
  EXPECT_FALSE(p.contains("consoleSize"));
  EXPECT_EQ(p["user"]["uid"], 1000);
  EXPECT_EQ(p["user"]["additionalGids"], Json({5}));
  EXPECT_EQ(p["env"], Json({"PATH=/bin", "HOME=/home/u"}));
  EXPECT_EQ(p["cwd"], "/work");
  EXPECT_EQ(p["capabilities"]["bounding"], Json({"CAP_KILL"}));
  EXPECT_EQ(p["noNewPrivileges"], true);
  EXPECT_EQ(p["apparmorProfile"], "crio-default");
  EXPECT_EQ(p["rlimits"][0]["type"], "RLIMIT_NOFILE");
  EXPECT_EQ(p["oomScoreAdj"], 100);
  EXPECT_FALSE(p.contains("selinuxLabel"));
}

TEST(BuildExecProcessTest, RequestFieldsOverride) {
  ExecRequest request;
  request.args = {"id"};
  request.base_process_json = R"({"user":{"uid":1,"gid":1,"additionalGids":[2],"umask":18},
                                  "env":["A=1"],"cwd":"/x","noNewPrivileges":false})";
  request.env = std::vector<std::string>{"B=2"};
  request.cwd = "/y";
  request.user = ProcessUser{.uid = 7, .gid = 8, .additional_gids = {9, 10}, .umask = {}};
  request.capabilities = ProcessCapabilities{.bounding = {"CAP_CHOWN"},
                                             .effective = {"CAP_CHOWN"},
                                             .inheritable = {},
                                             .permitted = {"CAP_CHOWN"},
                                             .ambient = {}};
  request.no_new_privileges = true;
  request.apparmor_profile = "unconfined";
  request.selinux_label = "system_u:system_r:container_t:s0:c1,c2";
  auto built = BuildExecProcess(request);
  ASSERT_TRUE(built.ok()) << built.status();
  const Json p = Json::parse(*built);
  EXPECT_EQ(p["env"], Json({"B=2"}));
  EXPECT_EQ(p["cwd"], "/y");
  EXPECT_EQ(p["user"], Json({{"uid", 7}, {"gid", 8}, {"additionalGids", {9, 10}}}));
  EXPECT_EQ(p["capabilities"]["effective"], Json({"CAP_CHOWN"}));
  EXPECT_EQ(p["capabilities"]["ambient"], Json::array());
  EXPECT_EQ(p["noNewPrivileges"], true);
  EXPECT_EQ(p["apparmorProfile"], "unconfined");
  EXPECT_EQ(p["selinuxLabel"], "system_u:system_r:container_t:s0:c1,c2");
}

TEST(BuildExecProcessTest, EmptyBaseGetsSaneDefaults) {
  ExecRequest request;
  request.args = {"true"};
  auto built = BuildExecProcess(request);
  ASSERT_TRUE(built.ok());
  const Json p = Json::parse(*built);
  EXPECT_EQ(p["cwd"], "/");
  EXPECT_EQ(p["user"], Json({{"uid", 0}, {"gid", 0}}));
  EXPECT_EQ(p["terminal"], false);
  EXPECT_FALSE(p.contains("apparmorProfile"));
  EXPECT_FALSE(p.contains("selinuxLabel"));
  EXPECT_FALSE(p.contains("capabilities"));
}

TEST(BuildExecProcessTest, Rejects) {
  ExecRequest request;
  EXPECT_EQ(BuildExecProcess(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.args = {"true"};
  request.base_process_json = "[1]";
  EXPECT_EQ(BuildExecProcess(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.base_process_json = "{broken";
  EXPECT_EQ(BuildExecProcess(request).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio::runtime::internal
