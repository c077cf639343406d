#include "seccomp_choice.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crio/annotations/seccomp.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"

namespace crio::container {
namespace {

// strerror as Go prints it ("no such file or directory"): CRI-O's messages, which
// users and tests match, come from Go's os package.
std::string GoErrno(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

const seccomp::Profile& BuiltInDefault() {
  // Parsed once: it is compiled in, and a parse error is a bug the unit tests catch.
  static const seccomp::Profile profile = [] {
    auto parsed = seccomp::ParseProfile(seccomp::DefaultProfileJson(), "built-in default");
    if (!parsed.ok()) {
      spdlog::critical("The built-in seccomp profile does not parse: {}", parsed.status());
      std::abort();
    }
    return *std::move(parsed);
  }();
  return profile;
}

}  // namespace

absl::StatusOr<seccomp::Profile> LoadLocalhostProfile(const std::string& path) {
  const std::string context =
      absl::StrCat("setup seccomp: unable to load local profile \"", path, "\"");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    const std::string message = absl::StrCat(context, ": open ", path, ": ", GoErrno(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::FailedPreconditionError(message);
  }
  ::close(fd);
  auto text = fs::ReadFile(path, seccomp::kMaxProfileBytes);
  if (!text.ok()) return Annotate(text.status(), context);
  auto profile = seccomp::ParseProfile(*text, path);
  if (!profile.ok()) return Annotate(profile.status(), "setup seccomp");
  return profile;
}

absl::StatusOr<SeccompChoice> SeccompChooser::Choose(const RequestContext& ctx,
                                                     const SeccompSettings& settings,
                                                     const SeccompRequest& request) {
  SeccompChoice choice;
  if (request.privileged) {
    // Privileged containers run unconfined unless crio.conf names a profile for them.
    if (settings.privileged_profile_path.empty()) return choice;
    ASSIGN_OR_RETURN(choice.profile, ConfiguredProfile(settings.privileged_profile_path));
    choice.when_privileged = true;
    choice.source = settings.privileged_profile_path;
    return choice;
  }

  spec::SeccompProfileType type = request.requested.type;
  if (type == spec::SeccompProfileType::kUnset) {
    // The CRI says empty means unconfined; CRI-O (and we) default to RuntimeDefault,
    // unless the deprecated seccomp_use_default_when_empty = false restores the CRI's.
    type = settings.use_default_when_empty ? spec::SeccompProfileType::kRuntimeDefault
                                           : spec::SeccompProfileType::kUnconfined;
  }

  // Annotations only replace Unconfined (CRI-O 1.30), or RuntimeDefault when the
  // config says so; a Localhost profile the user asked for always wins.
  const bool annotation_may_apply =
      type == spec::SeccompProfileType::kUnconfined ||
      (type == spec::SeccompProfileType::kRuntimeDefault && settings.annotations_override_default);
  if (annotation_may_apply && annotations::AllowsSeccompProfile(request.allowed_annotations)) {
    log::Warn(ctx, "Allowed annotations are specified for workload [{}]",
              absl::StrJoin(request.allowed_annotations, " "));
    static const std::map<std::string, std::string> kNone;
    const auto found = annotations::FindSeccompAnnotation(
        request.pod_annotations ? *request.pod_annotations : kNone,
        request.image_annotations ? *request.image_annotations : kNone, request.container_name,
        request.allowed_annotations);
    if (found) {
      log::Info(ctx, "{}", annotations::FoundLogLine(*found));
      return FromArtifact(ctx, found->reference);
    }
  }

  switch (type) {
    case spec::SeccompProfileType::kUnconfined:
    case spec::SeccompProfileType::kUnset:
      return choice;
    case spec::SeccompProfileType::kLocalhost: {
      ASSIGN_OR_RETURN(choice.profile, LoadLocalhostProfile(request.requested.localhost_ref));
      choice.source = request.requested.localhost_ref;
      return choice;
    }
    case spec::SeccompProfileType::kRuntimeDefault:
      break;
  }
  ASSIGN_OR_RETURN(choice.profile, RuntimeDefault(ctx, settings.default_profile_path));
  choice.source = "runtime/default";
  return choice;
}

absl::StatusOr<seccomp::Profile> SeccompChooser::RuntimeDefault(
    const RequestContext& ctx, const std::string& configured_path) {
  if (configured_path.empty()) return BuiltInDefault();
  auto configured = ConfiguredProfile(configured_path);
  if (absl::IsNotFound(configured.status())) {
    // As crio.conf documents: a configured profile missing on disk means the built-in one.
    log::Debug(ctx, "Seccomp profile {} is missing, using the built-in default", configured_path);
    return BuiltInDefault();
  }
  return configured;
}

absl::StatusOr<SeccompChoice> SeccompChooser::FromArtifact(const RequestContext& ctx,
                                                           const std::string& reference) {
  if (artifacts_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("seccomp profile annotation \"", reference,
                                                      "\": no OCI artifact store is configured"));
  }
  ASSIGN_OR_RETURN(const artifact::SeccompArtifact pulled,
                   artifacts_->PullSeccompProfile(ctx, reference, std::nullopt));
  std::vector<seccomp::Profile> layers;
  for (std::size_t i = 0; i < pulled.layers.size(); ++i) {
    const std::string source =
        pulled.layers.size() == 1 ? reference : absl::StrCat(reference, " layer ", i);
    ASSIGN_OR_RETURN(seccomp::Profile layer, seccomp::ParseProfile(pulled.layers[i], source));
    layers.push_back(std::move(layer));
  }
  SeccompChoice choice;
  if (layers.size() == 1) {
    choice.profile = std::move(layers.front());
  } else {
    auto stacked = seccomp::Stack(layers);
    if (!stacked.ok()) {
      return Annotate(stacked.status(), absl::StrCat("seccomp profile artifact ", reference));
    }
    choice.profile = *std::move(stacked);
  }
  choice.artifact_digest = pulled.manifest_digest.str();
  choice.source = reference;
  return choice;
}

absl::StatusOr<seccomp::Profile> SeccompChooser::ConfiguredProfile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    const std::string message =
        absl::StrCat("seccomp profile ", path, ": stat ", path, ": ", GoErrno(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::FailedPreconditionError(message);
  }
  const std::string stamp =
      absl::StrCat(st.st_size, ":", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ":", st.st_ino);
  {
    absl::MutexLock lock(&mu_);
    const auto cached = configured_.find(path);
    if (cached != configured_.end() && cached->second.stamp == stamp) return cached->second.profile;
  }
  ASSIGN_OR_RETURN(const std::string text, fs::ReadFile(path, seccomp::kMaxProfileBytes));
  ASSIGN_OR_RETURN(seccomp::Profile profile, seccomp::ParseProfile(text, path));
  absl::MutexLock lock(&mu_);
  configured_[path] = Cached{stamp, profile};
  return profile;
}

}  // namespace crio::container
