// The registry fixture (test/registry/fixture.sh) for e2e suites: started once per
// suite, stopped by its PIDs at the end.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace crio::e2e {

class RegistryFixture {
 public:
  /// Starts the fixture in a temp dir; nullptr (with the reason on stderr) if it failed.
  static std::unique_ptr<RegistryFixture> Start();
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
