// crioctl against the real daemon, as an operator would use it.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon_process.h"

namespace crio::e2e {
namespace {

class CrioctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(dirs_);
    daemon_->Spawn();
    ASSERT_TRUE(daemon_->WaitReady()) << daemon_->Log();
    endpoint_ = "unix://" + dirs_.socket();
  }
  TestDirs dirs_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string endpoint_;
};

TEST_F(CrioctlTest, VersionTable) {
  const CommandOutput out = RunCommand({CrioctlBinary(), "-r", endpoint_, "version"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_NE(out.out.find("Version:  0.1.0\n"), std::string::npos) << out.out;
  EXPECT_NE(out.out.find("RuntimeName:  crio\n"), std::string::npos) << out.out;
  EXPECT_NE(out.out.find("RuntimeApiVersion:  v1\n"), std::string::npos) << out.out;
}

TEST_F(CrioctlTest, VersionJsonAndEndpointFromEnvironment) {
  const CommandOutput out = RunCommand({CrioctlBinary(), "version", "-o", "json"},
                                       {"CONTAINER_RUNTIME_ENDPOINT=" + endpoint_});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto json = nlohmann::json::parse(out.out);
  EXPECT_EQ(json["runtimeName"], "crio");
  EXPECT_EQ(json["runtimeApiVersion"], "v1");
}

TEST_F(CrioctlTest, InfoShowsConditionsAndConfig) {
  const CommandOutput out = RunCommand({CrioctlBinary(), "-r", endpoint_, "info"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto json = nlohmann::json::parse(out.out);
  ASSERT_EQ(json["status"]["conditions"].size(), 2u);
  EXPECT_EQ(json["status"]["conditions"][0]["type"], "RuntimeReady");
  EXPECT_EQ(json["status"]["conditions"][1]["type"], "NetworkReady");
  EXPECT_EQ(json["status"]["conditions"][1]["status"], false);
  EXPECT_EQ(json["config"]["crio"]["api"]["listen"], dirs_.socket());
}

TEST_F(CrioctlTest, InfoYaml) {
  const CommandOutput out = RunCommand({CrioctlBinary(), "-r", endpoint_, "info", "-o", "yaml"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out.rfind("status:\n  conditions:\n  - type: RuntimeReady\n", 0), 0u) << out.out;
}

TEST_F(CrioctlTest, UnreachableEndpointFailsWithRpcError) {
  const CommandOutput out = RunCommand(
      {CrioctlBinary(), "-r", "unix://" + dirs_.root() + "/nobody.sock", "-t", "1", "version"});
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.err.find("rpc error: code = "), std::string::npos) << out.err;
}

}  // namespace
}  // namespace crio::e2e
