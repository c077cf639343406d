// The real crio daemon over its socket: the foundation's contract with kubelet.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "daemon_process.h"

namespace crio::e2e {
namespace {

namespace v1 = ::runtime::v1;

const v1::RuntimeCondition* FindCondition(const v1::StatusResponse& response,
                                          const std::string& type) {
  for (const auto& condition : response.status().conditions()) {
    if (condition.type() == type) return &condition;
  }
  return nullptr;
}

nlohmann::json VerboseConfig(DaemonProcess& daemon) {
  v1::StatusRequest request;
  request.set_verbose(true);
  v1::StatusResponse response;
  const grpc::Status status =
      daemon.runtime().Status(DaemonProcess::Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  if (response.info().count("config") == 0) return nlohmann::json::object();
  return nlohmann::json::parse(response.info().at("config"));
}

class DaemonTest : public ::testing::Test {
 protected:
  TestDirs dirs_;
};

TEST_F(DaemonTest, AnswersVersionStatusAndRuntimeConfigOverTheSocket) {
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();

  struct stat st {};
  ASSERT_EQ(::stat(dirs_.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  v1::VersionRequest version_request;
  version_request.set_version("0.1.0");
  v1::VersionResponse version;
  ASSERT_TRUE(
      daemon.runtime().Version(DaemonProcess::Context().get(), version_request, &version).ok());
  EXPECT_EQ(version.runtime_name(), "crio");
  EXPECT_EQ(version.runtime_api_version(), "v1");
  EXPECT_FALSE(version.runtime_version().empty());

  v1::StatusRequest status_request;
  v1::StatusResponse status;
  ASSERT_TRUE(
      daemon.runtime().Status(DaemonProcess::Context().get(), status_request, &status).ok());
  const auto* runtime_ready = FindCondition(status, "RuntimeReady");
  const auto* network_ready = FindCondition(status, "NetworkReady");
  ASSERT_NE(runtime_ready, nullptr);
  ASSERT_NE(network_ready, nullptr);
  EXPECT_TRUE(runtime_ready->status()) << runtime_ready->message();
  EXPECT_FALSE(network_ready->status());
  EXPECT_EQ(network_ready->reason(), "NetworkPluginNotReady");
  EXPECT_NE(network_ready->message().find("No CNI configuration file"), std::string::npos);
  EXPECT_TRUE(status.info().empty());

  const nlohmann::json config = VerboseConfig(daemon);
  EXPECT_EQ(config["crio"]["api"]["listen"], dirs_.socket());
  EXPECT_EQ(config["crio"]["runtime"]["cgroup_manager"], "cgroupfs");

  v1::RuntimeConfigRequest runtime_config_request;
  v1::RuntimeConfigResponse runtime_config;
  ASSERT_TRUE(
      daemon.runtime()
          .RuntimeConfig(DaemonProcess::Context().get(), runtime_config_request, &runtime_config)
          .ok());
  EXPECT_EQ(runtime_config.linux().cgroup_driver(), v1::CgroupDriver::CGROUPFS);
}

TEST_F(DaemonTest, NetworkBecomesReadyWhenACniConfigAppears) {
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  dirs_.Write("cni-bin/loopback", "#!/bin/sh\n");
  ::chmod((dirs_.root() + "/cni-bin/loopback").c_str(), 0755);
  dirs_.Write("net.d/99-loopback.conf",
              R"({"cniVersion": "1.0.0", "name": "lo", "type": "loopback"})");
  // The daemon's watcher sees the files once they settle (about 100 ms after the write).
  v1::StatusResponse status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(
        daemon.runtime().Status(DaemonProcess::Context().get(), v1::StatusRequest(), &status).ok());
  } while (!FindCondition(status, "NetworkReady")->status() &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(FindCondition(status, "NetworkReady")->status());
}

TEST_F(DaemonTest, LaterRpcsAnswerUnimplementedWithTheirName) {
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  v1::CheckpointContainerResponse checkpoint;
  const grpc::Status status = daemon.runtime().CheckpointContainer(
      DaemonProcess::Context().get(), v1::CheckpointContainerRequest(), &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(status.error_message().find("CheckpointContainer"), std::string::npos);
  EXPECT_TRUE(daemon.WaitForLog("CheckpointContainer: Request failed: UNIMPLEMENTED"));
}

// The streaming calls check their request before any URL is made.
TEST_F(DaemonTest, StreamingCallsRefuseIncompleteRequests) {
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  v1::AttachResponse attach;
  grpc::Status status =
      daemon.runtime().Attach(DaemonProcess::Context().get(), v1::AttachRequest(), &attach);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  v1::PortForwardResponse port_forward;
  status = daemon.runtime().PortForward(DaemonProcess::Context().get(), v1::PortForwardRequest(),
                                        &port_forward);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("pod_sandbox_id"), std::string::npos);
}

TEST_F(DaemonTest, PullImageWithoutAnImageIsInvalidArgument) {
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  v1::PullImageResponse pulled;
  const grpc::Status status =
      daemon.image().PullImage(DaemonProcess::Context().get(), v1::PullImageRequest(), &pulled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("image.image"), std::string::npos);
}

TEST_F(DaemonTest, SighupReloadsLogLevelAndKeepsOldConfigWhenNewIsInvalid) {
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  // At info level the per-RPC debug line is not written.
  EXPECT_EQ(daemon.Log().find("Version: Request done"), std::string::npos);

  dirs_.Write("crio.conf.d/50-debug.conf",
              "[crio.runtime]\nlog_level = \"debug\"\n"
              "[crio.runtime.runtimes.runc]\n"
              "allowed_annotations = [\"seccomp-profile.kubernetes.cri-o.io\"]\n");
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForLog("Reloaded crio.runtime.log_level: info -> debug")) << daemon.Log();
  const nlohmann::json reloaded = VerboseConfig(daemon);
  EXPECT_EQ(reloaded["crio"]["runtime"]["log_level"], "debug");
  EXPECT_EQ(reloaded["crio"]["runtime"]["runtimes"]["runc"]["allowed_annotations"],
            nlohmann::json::array({"seccomp-profile.kubernetes.cri-o.io"}));
  v1::VersionResponse version;
  ASSERT_TRUE(daemon.runtime()
                  .Version(DaemonProcess::Context().get(), v1::VersionRequest(), &version)
                  .ok());
  EXPECT_TRUE(daemon.WaitForLog("Version: Request done")) << daemon.Log();

  const std::size_t mark = daemon.Log().size();
  dirs_.Write("crio.conf.d/60-broken.conf", "[crio.runtime]\nlog_level = \"loud\"\n");
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForLog("Keeping the running configuration", mark)) << daemon.Log();
  EXPECT_NE(daemon.Log().find("60-broken.conf:2", mark), std::string::npos) << daemon.Log();
  EXPECT_EQ(VerboseConfig(daemon)["crio"]["runtime"]["log_level"], "debug");
  EXPECT_TRUE(daemon.running());
}

TEST_F(DaemonTest, SigtermStopsGracefullyAndRemovesTheSocket) {
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  ASSERT_TRUE(std::filesystem::exists(dirs_.socket()));
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitExit(), 0) << daemon.Log();
  EXPECT_FALSE(std::filesystem::exists(dirs_.socket()));
  EXPECT_NE(daemon.Log().find("Received SIGTERM, shutting down"), std::string::npos);
}

TEST_F(DaemonTest, SigintStopsToo) {
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  daemon.Signal(SIGINT);
  EXPECT_EQ(daemon.WaitExit(), 0) << daemon.Log();
  EXPECT_FALSE(std::filesystem::exists(dirs_.socket()));
}

TEST_F(DaemonTest, SecondDaemonOnTheSameSocketRefusesToStart) {
  DaemonProcess first(dirs_);
  first.Spawn();
  ASSERT_TRUE(first.WaitReady()) << first.Log();

  const CommandOutput second =
      RunCommand({CrioBinary(), "--config", dirs_.config_file(), "--config-dir", dirs_.config_dir(),
                  "--listen", dirs_.socket(), "--root", dirs_.root() + "/lib2", "--runroot",
                  dirs_.root() + "/run2"});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("refusing to start"), std::string::npos) << second.err;
  // The first one is untouched and still answers.
  v1::VersionResponse version;
  EXPECT_TRUE(
      first.runtime().Version(DaemonProcess::Context().get(), v1::VersionRequest(), &version).ok());
}

TEST_F(DaemonTest, StaleSocketFileIsReplaced) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, dirs_.socket().c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);  // bound, never listening: what a crashed daemon leaves behind

  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  EXPECT_NE(daemon.Log().find("Removed stale socket " + dirs_.socket()), std::string::npos);
}

TEST_F(DaemonTest, NotifiesSystemdWhenReadyReloadingAndStopping) {
  const std::string notify_path = dirs_.root() + "/notify.sock";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, notify_path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const auto receive = [fd] {
    char buf[256] = {};
    const ssize_t n = ::recv(fd, buf, sizeof(buf) - 1, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("<nothing>");
  };

  DaemonProcess daemon(dirs_);
  daemon.Spawn({}, {"NOTIFY_SOCKET=" + notify_path});
  EXPECT_EQ(receive(), "READY=1") << daemon.Log();
  // READY comes only once the socket serves.
  v1::VersionResponse version;
  EXPECT_TRUE(daemon.runtime()
                  .Version(DaemonProcess::Context().get(), v1::VersionRequest(), &version)
                  .ok());
  daemon.Signal(SIGHUP);
  EXPECT_EQ(receive(), "RELOADING=1") << daemon.Log();
  EXPECT_EQ(receive(), "READY=1") << daemon.Log();
  daemon.Signal(SIGTERM);
  EXPECT_EQ(receive(), "STOPPING=1") << daemon.Log();
  EXPECT_EQ(daemon.WaitExit(), 0) << daemon.Log();
  ::close(fd);
}

TEST_F(DaemonTest, InvalidConfigRefusesToStartNamingFileLineAndKey) {
  dirs_.Write("crio.conf.d/10-bad.conf", "[crio.runtime]\n\ncgroup_manager = \"upstart\"\n");
  const CommandOutput run =
      RunCommand({CrioBinary(), "--config", dirs_.config_file(), "--config-dir", dirs_.config_dir(),
                  "--listen", dirs_.socket()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("10-bad.conf:3"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("crio.runtime.cgroup_manager"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dirs_.socket()));
}

TEST_F(DaemonTest, FlagsOverrideFiles) {
  dirs_.Write("crio.conf.d/10-systemd.conf", "[crio.runtime]\ncgroup_manager = \"systemd\"\n");
  DaemonProcess daemon(dirs_);
  daemon.Spawn({"--cgroup-manager", "cgroupfs", "--log-level", "debug"});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  const nlohmann::json config = VerboseConfig(daemon);
  EXPECT_EQ(config["crio"]["runtime"]["cgroup_manager"], "cgroupfs");
  EXPECT_EQ(config["crio"]["runtime"]["log_level"], "debug");
}

TEST_F(DaemonTest, ConfigSubcommandRoundTrips) {
  dirs_.Write("crio.conf.d/20-seed.conf",
              "[crio.runtime.runtimes.runc]\n"
              "allowed_annotations = [\"seccomp-profile.kubernetes.cri-o.io\"]\n");
  const CommandOutput first = RunCommand({CrioBinary(), "--config", dirs_.config_file(),
                                          "--config-dir", dirs_.config_dir(), "config"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("seccomp-profile.kubernetes.cri-o.io"), std::string::npos);
  dirs_.Write("printed.conf", first.out);
  const CommandOutput second = RunCommand({CrioBinary(), "--config", dirs_.root() + "/printed.conf",
                                           "--config-dir", dirs_.root() + "/empty.d", "config"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(first.out, second.out);
}

TEST_F(DaemonTest, HandlerWithoutBinaryIsDroppedWithAWarning) {
  dirs_.Write("crio.conf.d/30-ghost.conf",
              "[crio.runtime.runtimes.ghost]\nruntime_path = \"/nonexistent/ghost-runtime\"\n");
  DaemonProcess daemon(dirs_);
  daemon.Spawn();
  ASSERT_TRUE(daemon.WaitReady()) << daemon.Log();
  EXPECT_NE(daemon.Log().find("ghost"), std::string::npos) << daemon.Log();
  v1::StatusResponse status;
  ASSERT_TRUE(
      daemon.runtime().Status(DaemonProcess::Context().get(), v1::StatusRequest(), &status).ok());
  for (const auto& handler : status.runtime_handlers()) EXPECT_NE(handler.name(), "ghost");
}

TEST_F(DaemonTest, MissingDefaultRuntimeRefusesToStart) {
  dirs_.Write("crio.conf.d/30-ghost.conf",
              "[crio.runtime]\ndefault_runtime = \"ghost\"\n"
              "[crio.runtime.runtimes.ghost]\nruntime_path = \"/nonexistent/ghost-runtime\"\n");
  const CommandOutput run =
      RunCommand({CrioBinary(), "--config", dirs_.config_file(), "--config-dir", dirs_.config_dir(),
                  "--listen", dirs_.socket(), "--root", dirs_.root() + "/lib", "--runroot",
                  dirs_.root() + "/run"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("/nonexistent/ghost-runtime"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dirs_.socket()));
}

TEST_F(DaemonTest, VersionSubcommand) {
  const CommandOutput text = RunCommand({CrioBinary(), "version"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Version:"), std::string::npos);
  const CommandOutput json = RunCommand({CrioBinary(), "version", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(nlohmann::json::parse(json.out).contains("version"));
}

}  // namespace
}  // namespace crio::e2e
