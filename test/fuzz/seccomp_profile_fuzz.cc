// Fuzz target: seccomp profile JSON from OCI artifacts and local files. Whatever the
// body, parsing must return a status (never crash or throw); a profile that parses must
// convert, stack with itself and go through the libseccomp check without crashing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "crio/seccomp/seccomp.h"

namespace sc = crio::seccomp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  auto profile = sc::ParseProfile(body, "fuzz");
  if (!profile.ok()) return 0;
  for (const char* arch : {"amd64", "arm64", "s390x", "unknown"}) {
    sc::Target target;
    target.arch = arch;
    target.capabilities = {"CAP_SYS_ADMIN", "CAP_CHOWN"};
    target.kernel = sc::KernelVersion{5, 10};
    std::vector<std::string> warnings;
    auto oci = sc::ToOciSeccomp(*profile, target, &warnings);
    if (oci.ok()) (void)sc::CheckWithLibseccomp(*oci);
  }
  (void)sc::Stack({*profile, *profile});
  return 0;
}
