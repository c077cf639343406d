// The pure parts of running a plugin list: versions, names, capability arguments and
// each plugin's execution configuration.

#include "cni_exec_config.h"

#include <gtest/gtest.h>

namespace crio::network {
namespace {

using nlohmann::json;

TEST(CniExecConfigTest, VersionAtLeast) {
  EXPECT_TRUE(VersionAtLeast("1.0.0", 0, 4, 0));
  EXPECT_TRUE(VersionAtLeast("0.4.0", 0, 4, 0));
  EXPECT_TRUE(VersionAtLeast("1.1", 0, 4, 0));
  EXPECT_FALSE(VersionAtLeast("0.3.1", 0, 4, 0));
  EXPECT_FALSE(VersionAtLeast("", 0, 4, 0)) << "no cniVersion means 0.1.0";
  EXPECT_FALSE(VersionAtLeast("x.y", 0, 4, 0));
}

TEST(CniExecConfigTest, NamesFollowLibcniRules) {
  EXPECT_TRUE(ValidateNetworkName("crio-bridge_1.0").ok());
  EXPECT_FALSE(ValidateNetworkName("-crio").ok());
  EXPECT_FALSE(ValidateNetworkName("a/b").ok());
  EXPECT_FALSE(ValidateNetworkName("").ok());
  EXPECT_TRUE(ValidateContainerId("0123abcd").ok());
  EXPECT_FALSE(ValidateContainerId("a b").ok());
  EXPECT_TRUE(ValidateInterfaceName("eth0.100").ok());
  EXPECT_TRUE(ValidateInterfaceName("fifteen-bytes-x").ok());
  EXPECT_FALSE(ValidateInterfaceName("..").ok());
  EXPECT_FALSE(ValidateInterfaceName("eth:0").ok());
}

TEST(CniExecConfigTest, CapabilityArgsLeaveOutWhatCarriesNothing) {
  EXPECT_EQ(CapabilityArgsJson({}), json::object());
  CapabilityArgs args;
  args.port_mappings = {{0, 80, "TCP", ""}};
  args.dns = DnsConfig{};
  args.bandwidth = BandwidthLimits{};
  EXPECT_EQ(CapabilityArgsJson(args), json::object());
}

TEST(CniExecConfigTest, CgroupPathAndPodAnnotationsReachThePluginsThatDeclareThem) {
  CapabilityArgs args;
  args.cgroup_path = "/kubepods/besteffort/pod1234";
  args.pod_annotations = {{"k8s.v1.cni.cncf.io/networks", "macvlan"}};
  const json offered = CapabilityArgsJson(args);
  EXPECT_EQ(offered["cgroupPath"], "/kubepods/besteffort/pod1234");
  EXPECT_EQ(offered["io.kubernetes.cri.pod-annotations"]["k8s.v1.cni.cncf.io/networks"], "macvlan");
  auto list = ParsePluginList(json::parse(R"({"cniVersion": "1.0.0", "name": "net",
    "plugins": [{"type": "a", "capabilities": {"cgroupPath": true}},
                {"type": "b", "capabilities": {"io.kubernetes.cri.pod-annotations": true,
                                               "cgroupPath": false}},
                {"type": "c"}]})"));
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(ExecConfig(*list, 0, offered, json())["runtimeConfig"],
            json({{"cgroupPath", "/kubepods/besteffort/pod1234"}}));
  EXPECT_EQ(
      ExecConfig(*list, 1, offered, json())["runtimeConfig"],
      json({{"io.kubernetes.cri.pod-annotations", {{"k8s.v1.cni.cncf.io/networks", "macvlan"}}}}));
  EXPECT_FALSE(ExecConfig(*list, 2, offered, json()).contains("runtimeConfig"));
}

TEST(CniExecConfigTest, ExecConfigReplacesWhatTheRuntimeOwns) {
  auto list = ParsePluginList(json::parse(R"({"cniVersion": "0.4.0", "name": "net",
    "plugins": [{"type": "x", "name": "stale", "cniVersion": "0.1.0",
                 "prevResult": {"stale": true}, "runtimeConfig": {"keep": 1}}]})"));
  ASSERT_TRUE(list.ok()) << list.status();
  const json config = ExecConfig(*list, 0, json::object(), json());
  EXPECT_EQ(config["name"], "net");
  EXPECT_EQ(config["cniVersion"], "0.4.0");
  EXPECT_FALSE(config.contains("prevResult"));
  EXPECT_EQ(config["runtimeConfig"]["keep"], 1) << "nothing offered: the config's own stays";
}

TEST(CniExecConfigTest, ListsNeedANameAndTypedPlugins) {
  EXPECT_FALSE(ParsePluginList(json::parse("[]")).ok());
  EXPECT_FALSE(ParsePluginList(json::parse(R"({"plugins": [{"type": "x"}]})")).ok());
  EXPECT_FALSE(ParsePluginList(json::parse(R"({"name": "n", "plugins": []})")).ok());
  EXPECT_FALSE(ParsePluginList(json::parse(R"({"name": "n", "plugins": [{}]})")).ok());
}

}  // namespace
}  // namespace crio::network
