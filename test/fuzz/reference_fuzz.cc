// Fuzz target: image references and image names. Whatever the input, parsing must not
// crash, and a reference that parses must print (String()) to text that parses back
// to an equal reference.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "crio/registry/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)crio::registry::ParseImageName(text);
  auto ref = crio::registry::ParseReference(text);
  if (!ref.ok()) return 0;
  const std::string printed = ref->String();
  auto again = crio::registry::ParseReference(printed);
  if (!again.ok() || !(*again == *ref) || again->String() != printed) std::abort();
  (void)ref->TagString();
  (void)ref->ManifestReference();
  (void)ref->ApiHost();
  return 0;
}
