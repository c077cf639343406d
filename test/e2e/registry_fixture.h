// The registry fixture (test/registry/fixture.sh) for e2e suites: one per test program,
// shared by its suites (starting it builds and pushes every test image, ~15 s), or one
// of a suite's own; stopped by its PIDs at the end.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace crio::e2e {

class RegistryFixture {
 public:
  /// Starts the fixture in a temp dir; nullptr (with the reason on stderr) if it failed.
  static std::unique_ptr<RegistryFixture> Start();
  /// The program's shared fixture, started on first use and stopped after the last
  /// test; nullptr if it failed to start (then every later call fails at once too).
  /// Only for suites whose tests run in the program's network namespace.
  static RegistryFixture* Shared();
  ~RegistryFixture();
  RegistryFixture(const RegistryFixture&) = delete;
  RegistryFixture& operator=(const RegistryFixture&) = delete;

  const nlohmann::json& json() const { return json_; }
  /// images.<key>.<field> of fixture.json ("reference", "image_id", ...).
  std::string Image(const std::string& key, const std::string& field = "reference") const;
  std::string registries_conf() const { return json_["registries_conf"].get<std::string>(); }

 private:
  explicit RegistryFixture(std::string state) : state_(std::move(state)) {}
  std::string state_;
  nlohmann::json json_;
};

}  // namespace crio::e2e
