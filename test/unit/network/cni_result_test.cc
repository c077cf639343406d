// Parsing CNI results of each spec version, and the pod IPs the CRI reports.

#include "crio/network/cni_result.h"

#include <gtest/gtest.h>

#include <string>

namespace crio::network {
namespace {

// What the Debian bridge plugin (1.1.1) prints for a 0.4.0 dual-stack list.
constexpr char kBridge040[] = R"({
  "cniVersion": "0.4.0",
  "interfaces": [
    {"name": "cni0", "mac": "62:8a:0b:31:62:6c"},
    {"name": "veth8b2bd2cd", "mac": "4e:d7:2f:a5:04:4b"},
    {"name": "eth0", "mac": "d2:5b:a9:3b:10:1d", "sandbox": "/var/run/netns/pod"}],
  "ips": [
    {"version": "6", "interface": 2, "address": "FD00:10:88::7/64", "gateway": "fd00:10:88::1"},
    {"version": "4", "interface": 2, "address": "10.88.0.7/16", "gateway": "10.88.0.1"}],
  "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0", "gw": "fd00:10:88::1"}],
  "dns": {"nameservers": ["10.88.0.1"], "domain": "cluster.local",
          "search": ["default.svc.cluster.local"], "options": ["ndots:5"]}})";

constexpr char kBridge100[] = R"({
  "cniVersion": "1.0.0",
  "interfaces": [
    {"name": "cni0", "mac": "62:8a:0b:31:62:6c"},
    {"name": "veth8b2bd2cd", "mac": "4e:d7:2f:a5:04:4b"},
    {"name": "eth0", "mac": "d2:5b:a9:3b:10:1d", "sandbox": "/var/run/netns/pod"}],
  "ips": [
    {"interface": 0, "address": "10.88.0.1/16"},
    {"interface": 2, "address": "10.88.0.7/16", "gateway": "10.88.0.1"},
    {"interface": 2, "address": "fd00:10:88::7/64", "gateway": "fd00:10:88::1"}],
  "routes": [{"dst": "0.0.0.0/0", "gw": "10.88.0.1"}],
  "dns": {}})";

TEST(CniResultTest, Parses040WithVersionsInterfacesGatewaysRoutesAndDns) {
  auto result = ParseCniResult(kBridge040);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->cni_version, "0.4.0");
  ASSERT_EQ(result->interfaces.size(), 3u);
  EXPECT_EQ(result->interfaces[2].name, "eth0");
  EXPECT_EQ(result->interfaces[2].mac, "d2:5b:a9:3b:10:1d");
  EXPECT_EQ(result->interfaces[2].sandbox, "/var/run/netns/pod");
  EXPECT_EQ(result->interfaces[0].sandbox, "");
  ASSERT_EQ(result->ips.size(), 2u);
  EXPECT_EQ(result->ips[0].family, 6);
  EXPECT_EQ(result->ips[0].address, "fd00:10:88::7/64") << "canonical text";
  EXPECT_EQ(result->ips[0].ip, "fd00:10:88::7");
  EXPECT_EQ(result->ips[0].prefix_length, 64);
  EXPECT_EQ(result->ips[0].gateway, "fd00:10:88::1");
  EXPECT_EQ(result->ips[0].interface, 2);
  EXPECT_EQ(result->ips[1].family, 4);
  EXPECT_EQ(result->ips[1].gateway, "10.88.0.1");
  ASSERT_EQ(result->routes.size(), 2u);
  EXPECT_EQ(result->routes[0].dst, "0.0.0.0/0");
  EXPECT_EQ(result->routes[0].gw, "");
  EXPECT_EQ(result->routes[1].gw, "fd00:10:88::1");
  EXPECT_EQ(result->dns.nameservers, (std::vector<std::string>{"10.88.0.1"}));
  EXPECT_EQ(result->dns.domain, "cluster.local");
  EXPECT_EQ(result->dns.search, (std::vector<std::string>{"default.svc.cluster.local"}));
  EXPECT_EQ(result->dns.options, (std::vector<std::string>{"ndots:5"}));
}

TEST(CniResultTest, PodIpsAreTheSandboxsWithIpv4First) {
  auto result = ParseCniResult(kBridge040);
  ASSERT_TRUE(result.ok());
  const PodIps ips = PodIpsFromResult(*result);
  EXPECT_EQ(ips.primary, "10.88.0.7");
  EXPECT_EQ(ips.additional, (std::vector<std::string>{"fd00:10:88::7"}));
}

TEST(CniResultTest, Parses100AndLeavesHostInterfaceAddressesOut) {
  auto result = ParseCniResult(kBridge100);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->cni_version, "1.0.0");
  ASSERT_EQ(result->ips.size(), 3u);
  EXPECT_EQ(result->routes[0].gw, "10.88.0.1");
  const PodIps ips = PodIpsFromResult(*result);
  EXPECT_EQ(ips.primary, "10.88.0.7") << "10.88.0.1 is the bridge's, on the host";
  EXPECT_EQ(ips.additional, (std::vector<std::string>{"fd00:10:88::7"}));
}

TEST(CniResultTest, IpamStyleResultsWithoutInterfacesGiveEveryAddress) {
  auto result = ParseCniResult(R"({"cniVersion": "0.3.1", "ips": [
    {"version": "6", "address": "2001:db8::2/64"},
    {"version": "4", "address": "192.168.1.2/24", "gateway": "192.168.1.1"},
    {"version": "4", "address": "192.168.2.2/24"}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  const PodIps ips = PodIpsFromResult(*result);
  EXPECT_EQ(ips.primary, "192.168.1.2");
  EXPECT_EQ(ips.additional, (std::vector<std::string>{"2001:db8::2", "192.168.2.2"}));
}

TEST(CniResultTest, Ipv6OnlyAndEmptyResults) {
  auto v6 = ParseCniResult(R"({"cniVersion": "1.0.0", "ips": [{"address": "fd00::9/64"}]})");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(PodIpsFromResult(*v6).primary, "fd00::9");
  auto none = ParseCniResult(R"({"cniVersion": "1.1.0"})");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(PodIpsFromResult(*none).primary, "");
  EXPECT_TRUE(PodIpsFromResult(*none).additional.empty());
}

TEST(CniResultTest, LegacyIp4AndIp6) {
  auto result = ParseCniResult(R"({"cniVersion": "0.2.0",
    "ip4": {"ip": "10.1.0.5/16", "gateway": "10.1.0.1", "routes": [{"dst": "0.0.0.0/0"}]},
    "ip6": {"ip": "fd00::5/64"}, "dns": {"nameservers": ["10.1.0.1"]}})");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->ips.size(), 2u);
  EXPECT_EQ(result->ips[0].gateway, "10.1.0.1");
  EXPECT_EQ(result->routes.size(), 1u);
  EXPECT_EQ(PodIpsFromResult(*result).primary, "10.1.0.5");
  EXPECT_EQ(PodIpsFromResult(*result).additional, (std::vector<std::string>{"fd00::5"}));
}

// Each malformed result is an InvalidArgument whose message names the field.
TEST(CniResultTest, MalformedResultsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "document"},
      {"[]", "document"},
      {R"({"cniVersion": 1})", "cniVersion"},
      {R"({"cniVersion": "2.0.0"})", "cniVersion"},
      {R"({"cniVersion": "1.0.0", "ips": {}})", "ips"},
      {R"({"cniVersion": "1.0.0", "ips": [3]})", "ips[0]"},
      {R"({"cniVersion": "1.0.0", "ips": [{}]})", "ips[0].address"},
      {R"({"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.1"}]})", "ips[0].address"},
      {R"({"cniVersion": "1.0.0", "ips": [{"address": "10.0.0/24"}]})", "ips[0].address"},
      {R"({"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.1/33"}]})", "ips[0].address"},
      {R"({"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.1/24x"}]})", "ips[0].address"},
      {R"({"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.2/24", "gateway": "fd00::1"}]})",
       "ips[0].gateway"},
      {R"({"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.2/24", "gateway": "x"}]})",
       "ips[0].gateway"},
      {R"({"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.2/24", "interface": 0}]})",
       "ips[0].interface"},
      {R"({"cniVersion": "1.0.0", "interfaces": [{"name": "eth0"}],
           "ips": [{"address": "10.0.0.2/24", "interface": -1}]})",
       "ips[0].interface"},
      {R"({"cniVersion": "1.0.0", "interfaces": [{"name": "eth0"}],
           "ips": [{"address": "10.0.0.2/24", "interface": "0"}]})",
       "ips[0].interface"},
      {R"({"cniVersion": "0.4.0", "ips": [{"version": "6", "address": "10.0.0.2/24"}]})",
       "ips[0].version"},
      {R"({"cniVersion": "0.4.0", "ips": [{"version": "5", "address": "10.0.0.2/24"}]})",
       "ips[0].version"},
      {R"({"cniVersion": "1.0.0", "interfaces": {}})", "interfaces"},
      {R"({"cniVersion": "1.0.0", "interfaces": [{"mac": "x"}]})", "interfaces[0].name"},
      {R"({"cniVersion": "1.0.0", "interfaces": [{"name": "eth0", "sandbox": 7}]})",
       "interfaces[0].sandbox"},
      {R"({"cniVersion": "1.0.0", "routes": [{"dst": "default"}]})", "routes[0].dst"},
      {R"({"cniVersion": "1.0.0", "routes": [{"dst": "0.0.0.0/0", "gw": "fd00::1"}]})",
       "routes[0].gw"},
      {R"({"cniVersion": "1.0.0", "dns": []})", "dns"},
      {R"({"cniVersion": "1.0.0", "dns": {"nameservers": "10.0.0.1"}})", "dns.nameservers"},
      {R"({"cniVersion": "1.0.0", "dns": {"search": [1]}})", "dns.search[0]"},
      {R"({"cniVersion": "0.2.0", "ip4": {"ip": "fd00::1/64"}})", "ip4.ip"},
  };
  for (const auto& [text, field] : cases) {
    auto result = ParseCniResult(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(result.status().message().find("CNI result: " + field + ":"), std::string::npos)
        << text << " -> " << result.status();
  }
}

}  // namespace
}  // namespace crio::network
