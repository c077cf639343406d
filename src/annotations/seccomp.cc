#include "crio/annotations/seccomp.h"

#include <algorithm>
#include <array>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace crio::annotations {
namespace {

// The newer spelling first: where an object carries both, it wins.
constexpr std::array<absl::string_view, 2> kSeccompKeys = {kSeccompProfileV2, kSeccompProfile};

// `key` with its base spelling swapped for the other one ("" when it has neither base).
std::string Alias(absl::string_view key) {
  for (std::size_t i = 0; i < kSeccompKeys.size(); ++i) {
    const absl::string_view base = kSeccompKeys[i];
    const absl::string_view other = kSeccompKeys[1 - i];
    if (key == base) return std::string(other);
    if (absl::StartsWith(key, base) && key.size() > base.size() && key[base.size()] == '/') {
      return absl::StrCat(other, key.substr(base.size()));
    }
  }
  return "";
}

bool SeccompKeyAllowed(absl::string_view key, const std::vector<std::string>& allowed) {
  if (IsAllowed(key, allowed)) return true;
  const std::string alias = Alias(key);
  return !alias.empty() && IsAllowed(alias, allowed);
}

// The value of `suffix` ("" = the bare key) under either spelling, the newer first.
std::optional<SeccompAnnotation> Lookup(const std::map<std::string, std::string>& annotations,
                                        absl::string_view suffix, SeccompSource source,
                                        const std::vector<std::string>& allowed) {
  for (const absl::string_view base : kSeccompKeys) {
    std::string key = suffix.empty() ? std::string(base) : absl::StrCat(base, "/", suffix);
    const auto found = annotations.find(key);
    if (found == annotations.end() || found->second.empty()) continue;
    if (!SeccompKeyAllowed(key, allowed)) continue;
    SeccompAnnotation annotation;
    annotation.source = source;
    annotation.key = std::move(key);
    annotation.reference = found->second;
    return annotation;
  }
  return std::nullopt;
}

}  // namespace

bool IsAllowed(absl::string_view key, const std::vector<std::string>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [key](const std::string& entry) {
    if (entry.empty() || !absl::StartsWith(key, entry)) return false;
    return key.size() == entry.size() || key[entry.size()] == '/';
  });
}

std::vector<std::string> AllowedFor(const config::RuntimeHandler& handler,
                                    const std::map<std::string, config::Workload>& workloads,
                                    const std::map<std::string, std::string>& pod_annotations) {
  std::vector<std::string> allowed;
  const auto add = [&allowed](const std::vector<std::string>& entries) {
    for (const std::string& entry : entries) {
      if (std::find(allowed.begin(), allowed.end(), entry) == allowed.end()) {
        allowed.push_back(entry);
      }
    }
  };
  add(handler.allowed_annotations);
  for (const auto& [name, workload] : workloads) {
    if (!workload.activation_annotation.empty() &&
        pod_annotations.count(workload.activation_annotation) > 0) {
      add(workload.allowed_annotations);
    }
  }
  return allowed;
}

bool AllowsSeccompProfile(const std::vector<std::string>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [](const std::string& entry) {
    return std::any_of(kSeccompKeys.begin(), kSeccompKeys.end(), [&entry](absl::string_view base) {
      return entry == base || absl::StartsWith(entry, absl::StrCat(base, "/"));
    });
  });
}

std::optional<SeccompAnnotation> FindSeccompAnnotation(
    const std::map<std::string, std::string>& pod_annotations,
    const std::map<std::string, std::string>& image_annotations, absl::string_view container_name,
    const std::vector<std::string>& allowed) {
  // A container named "POD" (or with a '/') would alias the pod-wide key: not a
  // container-specific lookup then.
  const bool named = !container_name.empty() && container_name != kPodMarker &&
                     !absl::StrContains(container_name, '/');
  if (named) {
    if (auto found =
            Lookup(pod_annotations, container_name, SeccompSource::kPodContainer, allowed)) {
      return found;
    }
  }
  if (auto found = Lookup(pod_annotations, kPodMarker, SeccompSource::kPod, allowed)) return found;
  if (auto found = Lookup(image_annotations, "", SeccompSource::kImage, allowed)) return found;
  if (named) {
    if (auto found =
            Lookup(image_annotations, container_name, SeccompSource::kImageContainer, allowed)) {
      return found;
    }
  }
  return Lookup(image_annotations, kPodMarker, SeccompSource::kImagePod, allowed);
}

std::string FoundLogLine(const SeccompAnnotation& found) {
  switch (found.source) {
    case SeccompSource::kPodContainer:
      return absl::StrCat("Found container specific seccomp profile annotation: ", found.key, "=",
                          found.reference);
    case SeccompSource::kPod: {
      // CRI-O names the base key here, without the /POD suffix.
      const std::size_t slash = found.key.find('/');
      return absl::StrCat("Found pod specific seccomp profile annotation: ",
                          found.key.substr(0, slash), "=", found.reference);
    }
    case SeccompSource::kImage:
    case SeccompSource::kImageContainer:
    case SeccompSource::kImagePod:
      break;
  }
  return absl::StrCat("Found image specific seccomp profile annotation: ", found.key, "=",
                      found.reference);
}

}  // namespace crio::annotations
