#include "crio/registry/pull_sources.h"

#include <utility>

#include "crio/common/status.h"

namespace crio::registry {

absl::Status TryPullSources(const Reference& ref, const PullSourceOptions& options,
                            const std::optional<Credentials>& credentials, absl::Status no_source,
                            const PullAttempt& attempt) {
  ASSIGN_OR_RETURN(const std::vector<Reference> candidates,
                   ResolveShortName(ref, *options.registries));
  absl::Status last = std::move(no_source);
  for (const Reference& candidate : candidates) {
    ASSIGN_OR_RETURN(const std::vector<PullSource> sources,
                     PullSources(candidate, *options.registries, *options.insecure_registries));
    for (const PullSource& source : sources) {
      std::optional<Credentials> source_credentials = credentials;
      if (!source_credentials.has_value() && !options.global_auth_file.empty()) {
        ASSIGN_OR_RETURN(source_credentials,
                         LoadAuthFile(options.global_auth_file, source.reference));
      }
      last = attempt(candidate, source, source_credentials);
      if (last.ok()) return last;
    }
  }
  return last;
}

}  // namespace crio::registry
