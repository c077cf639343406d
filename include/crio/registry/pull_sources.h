#pragma once

// The walk every pull makes, images and OCI artifacts alike: each short-name candidate,
// each of its sources (mirrors first, as registries.conf orders them), with the
// request's credentials or else the global auth file's for that source, until one
// attempt succeeds.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "crio/registry/credentials.h"
#include "crio/registry/reference.h"
#include "crio/registry/registries_conf.h"

namespace crio::registry {

struct PullSourceOptions {
  const RegistriesConf* registries = nullptr;                     ///< required
  const std::vector<std::string>* insecure_registries = nullptr;  ///< required
  std::string global_auth_file;  ///< "" = none; read per source when credentials are unset
};

/// One try at one source; its error is what the walk reports if no later try succeeds,
/// so it should name the source. The attempt logs its own failure.
using PullAttempt = std::function<absl::Status(const Reference& candidate, const PullSource& source,
                                               const std::optional<Credentials>& credentials)>;

/// Calls `attempt` for every place `ref` may be pulled from, in order, until one succeeds.
/// @param no_source returned when there is nothing to try
/// @return OK once an attempt succeeded; an error resolving the candidates or sources or
///     reading the auth file ends the walk and is returned as it is; else the last
///     attempt's error
absl::Status TryPullSources(const Reference& ref, const PullSourceOptions& options,
                            const std::optional<Credentials>& credentials, absl::Status no_source,
                            const PullAttempt& attempt);

}  // namespace crio::registry
