#include "registry_fixture.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <gtest/gtest.h>

#include "daemon_process.h"

namespace crio::e2e {

std::unique_ptr<RegistryFixture> RegistryFixture::Start() {
  char tmpl[] = "/tmp/crio-fixture-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return nullptr;
  std::unique_ptr<RegistryFixture> fixture(new RegistryFixture(tmpl));
  const CommandOutput started = RunCommand(
      {"/bin/bash", CRIO_SOURCE_DIR "/test/registry/fixture.sh", "start", fixture->state_}, {},
      std::chrono::seconds(300));
  if (started.exit_code != 0) {
    std::cerr << "registry fixture failed: " << started.out << started.err << "\n";
    return nullptr;
  }
  std::ifstream in(fixture->state_ + "/fixture.json");
  fixture->json_ = nlohmann::json::parse(in);
  return fixture;
}

namespace {

std::optional<std::unique_ptr<RegistryFixture>>& SharedSlot() {
  static std::optional<std::unique_ptr<RegistryFixture>> slot;
  return slot;
}

// Stops the shared fixture after the last suite, while gtest still reports failures.
class SharedFixtureStopper : public ::testing::Environment {
 public:
  void TearDown() override { SharedSlot().reset(); }
};

[[maybe_unused]] ::testing::Environment* const kStopper =
    ::testing::AddGlobalTestEnvironment(new SharedFixtureStopper);

}  // namespace

RegistryFixture* RegistryFixture::Shared() {
  auto& slot = SharedSlot();
  if (!slot.has_value()) slot = Start();
  return slot->get();
}

RegistryFixture::~RegistryFixture() {
  RunCommand({"/bin/bash", CRIO_SOURCE_DIR "/test/registry/fixture.sh", "stop", state_, "--clean"});
  std::error_code ec;
  std::filesystem::remove_all(state_, ec);
}

std::string RegistryFixture::Image(const std::string& key, const std::string& field) const {
  return json_["images"][key][field].get<std::string>();
}

}  // namespace crio::e2e
