#include "crio/network/cni_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace crio::network {
namespace {

class CniConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-cni-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ + "/net.d");
    std::filesystem::create_directories(root_ + "/bin");
    search_ = CniSearch{root_ + "/net.d", {root_ + "/missing-dir", root_ + "/bin"}, ""};
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void WriteConfig(const std::string& name, const std::string& text) {
    std::ofstream(root_ + "/net.d/" + name) << text;
  }
  void InstallPlugin(const std::string& type) {
    const std::string path = root_ + "/bin/" + type;
    std::ofstream(path) << "#!/bin/sh\n";
    ::chmod(path.c_str(), 0755);
  }

  std::string root_;
  CniSearch search_;
};

constexpr char kBridgeList[] = R"({"cniVersion": "1.0.0", "name": "crio",
  "plugins": [{"type": "bridge"}, {"type": "portmap", "capabilities": {"portMappings": true}}]})";

TEST_F(CniConfigTest, EmptyDirIsNotReady) {
  auto network = FindDefaultNetwork(search_);
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(network.status().message().find("No CNI configuration file in"), std::string::npos);
}

TEST_F(CniConfigTest, MissingDirIsNotReady) {
  search_.network_dir = root_ + "/nope";
  EXPECT_FALSE(FindDefaultNetwork(search_).ok());
}

TEST_F(CniConfigTest, ConflistWithPluginsIsChosen) {
  InstallPlugin("bridge");
  InstallPlugin("portmap");
  WriteConfig("10-crio.conflist", kBridgeList);
  auto network = FindDefaultNetwork(search_);
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->name, "crio");
  EXPECT_EQ(network->cni_version, "1.0.0");
  ASSERT_EQ(network->plugins.size(), 2u);
  EXPECT_EQ(network->plugins[0].path, root_ + "/bin/bridge");
}

TEST_F(CniConfigTest, MissingPluginBinaryIsNotReadyAndNamed) {
  InstallPlugin("bridge");
  WriteConfig("10-crio.conflist", kBridgeList);
  auto network = FindDefaultNetwork(search_);
  ASSERT_FALSE(network.ok());
  EXPECT_NE(network.status().message().find("plugin \"portmap\" not found"), std::string::npos);
}

TEST_F(CniConfigTest, FirstValidFileInLexicalOrderWins) {
  InstallPlugin("bridge");
  InstallPlugin("portmap");
  InstallPlugin("loopback");
  WriteConfig("05-broken.conflist", "{not json");
  WriteConfig("20-lo.conf", R"({"cniVersion": "0.4.0", "name": "lo", "type": "loopback"})");
  WriteConfig("10-crio.conflist", kBridgeList);
  WriteConfig("00-readme.txt", "ignored");
  auto network = FindDefaultNetwork(search_);
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->name, "crio");
}

TEST_F(CniConfigTest, DefaultNetworkByName) {
  InstallPlugin("loopback");
  InstallPlugin("bridge");
  InstallPlugin("portmap");
  WriteConfig("10-crio.conflist", kBridgeList);
  WriteConfig("20-lo.conf", R"({"cniVersion": "0.4.0", "name": "lo", "type": "loopback"})");
  search_.default_network = "lo";
  auto network = FindDefaultNetwork(search_);
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->name, "lo");
  EXPECT_NE(network->conflist_json.find("\"plugins\""), std::string::npos);

  search_.default_network = "other";
  auto missing = FindDefaultNetwork(search_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("\"other\""), std::string::npos);
}

TEST_F(CniConfigTest, PluginTypesAreFileNamesOnly) {
  InstallPlugin("bridge");
  EXPECT_EQ(FindPluginBinary("bridge", search_.plugin_dirs), root_ + "/bin/bridge");
  EXPECT_EQ(FindPluginBinary("../bin/bridge", {root_ + "/net.d"}), "");
  EXPECT_EQ(FindPluginBinary("", search_.plugin_dirs), "");
}

TEST(ParseNetworkConfigTest, ListKeepsItsOtherKeys) {
  auto network = ParseNetworkConfig(
      R"({"cniVersion": "1.0.0", "name": "n", "disableCheck": true, "plugins": [{"type": "x"}]})",
      "n.conflist", false);
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_NE(network->conflist_json.find("\"disableCheck\":true"), std::string::npos);
}

TEST(ParseNetworkConfigTest, RejectsMalformedConfigsNamingTheField) {
  EXPECT_NE(ParseNetworkConfig("[]", "a.conf", true).status().message().find("a.conf"),
            std::string::npos);
  EXPECT_NE(ParseNetworkConfig(R"({"type": "bridge"})", "a.conf", true)
                .status()
                .message()
                .find("\"name\""),
            std::string::npos);
  EXPECT_NE(ParseNetworkConfig(R"({"name": "x", "plugins": []})", "b.conflist", false)
                .status()
                .message()
                .find("\"plugins\""),
            std::string::npos);
  EXPECT_NE(ParseNetworkConfig(R"({"name": "x", "plugins": [{"type": 3}]})", "b.conflist", false)
                .status()
                .message()
                .find("plugins[0]"),
            std::string::npos);
}

}  // namespace
}  // namespace crio::network
