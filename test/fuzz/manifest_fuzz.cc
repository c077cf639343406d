// Fuzz target: manifest, index and image config JSON from registries. Whatever the
// body, every parser must return a status (never crash or throw), and platform
// selection over any index that parses must not crash either.

#include <cstddef>
#include <cstdint>
#include <variant>

#include "absl/strings/string_view.h"
#include "crio/registry/manifest.h"

namespace reg = crio::registry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  for (const reg::ManifestKind kind :
       {reg::ManifestKind::kOciManifest, reg::ManifestKind::kDockerManifest}) {
    auto manifest = reg::ParseImageManifest(body, kind);
    if (manifest.ok()) (void)reg::ValidateImageLayers(*manifest);
  }
  for (const reg::ManifestKind kind :
       {reg::ManifestKind::kOciIndex, reg::ManifestKind::kDockerManifestList}) {
    auto index = reg::ParseImageIndex(body, kind);
    if (index.ok()) {
      (void)reg::PickPlatform(*index, {"linux", "amd64", "", "", {}, {}});
      (void)reg::PickPlatform(*index, {"linux", "arm", "v7", "", {}, {}});
    }
  }
  (void)reg::ParseManifest("", body);
  (void)reg::ParseManifest("application/vnd.oci.image.manifest.v1+json", body);
  auto config = reg::ParseImageConfig(body);
  if (config.ok()) (void)reg::ChainIds(config->diff_ids);
  return 0;
}
