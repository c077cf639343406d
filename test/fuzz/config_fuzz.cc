// Fuzz target: crio.conf text. Whatever the input, loading must not crash, and any
// configuration that loads must print (crio config) to TOML that loads back equal.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "crio/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = crio::config::LoadFromString(text, "fuzz.conf");
  if (!loaded.ok()) return 0;
  const std::string printed = crio::config::ToToml(loaded->config);
  auto reloaded = crio::config::LoadFromString(printed, "printed.conf");
  if (!reloaded.ok() || !(reloaded->config == loaded->config)) std::abort();
  (void)crio::config::ToJson(loaded->config).dump();
  return 0;
}
