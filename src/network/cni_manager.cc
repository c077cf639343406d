// CniManager: runs a network's plugin chain for ADD/DEL/CHECK, caches ADD results.

#include <linux/magic.h>
#include <sys/vfs.h>

#include <cstdlib>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "cni_cache.h"
#include "cni_exec_config.h"
#include "crio/common/status.h"
#include "crio/network/cni.h"

namespace crio::network {
namespace {

using nlohmann::json;

// Where a plugin's own words are quoted in an error, this much of them is kept.
constexpr std::size_t kMaxQuotedBytes = 4096;

constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string Bounded(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.size() <= kMaxQuotedBytes) return std::string(text);
  // The end of a log says what went wrong last.
  return absl::StrCat("...", text.substr(text.size() - kMaxQuotedBytes));
}

// CNI_NETNS for DEL. A namespace that is gone has nothing left to clean inside, and the
// spec has plugins clean what they can when CNI_NETNS is not provided; a stale path
// instead makes some fail (the Debian loopback plugin errors on a file that is not a
// namespace, as an unmounted pin file is). containerd passes "" for a closed netns too.
std::string NetnsForDel(const std::string& path) {
  if (path.empty()) return "";
  struct statfs fs_info {};
  if (::statfs(path.c_str(), &fs_info) != 0) return "";
  if (static_cast<unsigned long>(fs_info.f_type) != NSFS_MAGIC) return "";
  return path;
}

// How a plugin failed, as an error naming it and the command.
absl::Status PluginFailure(const PluginInvocation& call, const subprocess::Result& result) {
  const std::string what = absl::StrCat("plugin ", call.type, " ", call.command);
  if (result.timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(what, " timed out after ", call.timeout.count(),
                                                    "ms and was killed with its process group"));
  }
  const json error = json::parse(result.stdout_data, nullptr, /*allow_exceptions=*/false);
  auto msg = error.is_object() ? error.find("msg") : error.end();
  if (error.is_object() && msg != error.end() && msg->is_string()) {
    std::string text = msg->get<std::string>();
    if (auto details = error.find("details");
        details != error.end() && details->is_string() && !details->get<std::string>().empty()) {
      absl::StrAppend(&text, ": ", details->get<std::string>());
    }
    std::int64_t code = 0;
    if (auto it = error.find("code"); it != error.end() && it->is_number_integer()) {
      code = it->get<std::int64_t>();
    }
    const std::string message =
        absl::StrCat(what, " failed: ", Bounded(text), " (CNI error code ", code, ")");
    // Well-known code 11: "try again later".
    return code == 11 ? absl::UnavailableError(message) : absl::InternalError(message);
  }
  const std::string stderr_text = Bounded(result.stderr_data);
  if (stderr_text.empty()) {
    return absl::InternalError(absl::StrCat(what, " failed: ", result.Describe()));
  }
  return absl::InternalError(
      absl::StrCat(what, " failed: ", stderr_text, " (", result.Describe(), ")"));
}

// One run of a plugin list for one attachment.
struct Attempt {
  const PluginList* list = nullptr;
  std::string container_id;
  std::string ifname;
  std::string netns;
  std::string cni_args;
  json capability_args;
};

class CniManagerImpl final : public CniManager {
 public:
  CniManagerImpl(CniOptions options, PluginRunner& runner)
      : options_(std::move(options)), runner_(runner) {
    if (options_.path_env.empty()) {
      const char* path = std::getenv("PATH");
      options_.path_env = path != nullptr && *path != '\0' ? path : kDefaultPath;
    }
  }

  absl::StatusOr<AttachResult> Add(const RequestContext& ctx, const CniNetwork& network,
                                   const PodAttachment& pod) override {
    RETURN_IF_ERROR(ValidateAttachment(pod));
    if (pod.netns_path.empty()) return absl::InvalidArgumentError("ADD needs a netns path");
    RETURN_IF_ERROR(ValidateNetworkName(network.name));
    const json list_json = json::parse(network.conflist_json, nullptr, false);
    ASSIGN_OR_RETURN(const PluginList list, ParsePluginList(list_json));
    const std::string where = Where(list.name, pod);
    PodLock lock(*this, pod.container_id);
    log::Info(ctx, "Adding pod {} to CNI network {}", PodName(pod), list.name);

    Attempt attempt{&list,          pod.container_id, pod.ifname,
                    pod.netns_path, CniArgs(pod),     CapabilityArgsJson(pod.capabilities)};
    json prev;  // null: the first plugin gets no prevResult
    for (std::size_t i = 0; i < list.plugins.size(); ++i) {
      auto out = Exec(ctx, attempt, "ADD", i, prev);
      if (out.ok() && (*out).empty()) {
        out = absl::InternalError(
            absl::StrCat("plugin ", PluginType(list.plugins[i]), " ADD printed no result"));
      }
      json result;
      if (out.ok()) {
        result = json::parse(*out, nullptr, /*allow_exceptions=*/false);
        if (result.is_discarded() || !result.is_object()) {
          out = absl::InvalidArgumentError(
              absl::StrCat("plugin ", PluginType(list.plugins[i]),
                           " ADD printed a result that is not a JSON object: ", Bounded(*out)));
        }
      }
      if (!out.ok()) return RollBack(ctx, attempt, prev, Annotate(out.status(), where));
      prev = std::move(result);
    }

    AttachResult attached;
    attached.network_name = list.name;
    attached.ifname = pod.ifname;
    attached.result_json = prev.dump();
    auto parsed = ParseCniResult(attached.result_json);
    if (!parsed.ok()) return RollBack(ctx, attempt, prev, Annotate(parsed.status(), where));
    attached.result = *std::move(parsed);
    attached.ips = PodIpsFromResult(attached.result);

    CacheEntry entry{list.name,        pod.container_id,        pod.ifname, pod.netns_path,
                     attempt.cni_args, attempt.capability_args, list_json,  attached.result_json};
    if (auto written = WriteCacheEntry(options_.cache_dir, entry); !written.ok()) {
      // Without the cache a later DEL would not know the result: undo now instead.
      return RollBack(ctx, attempt, prev,
                      Annotate(written, absl::StrCat(where, ": cache the result")));
    }
    log::Info(ctx, "Added pod {} to CNI network {}: IP {}", PodName(pod), list.name,
              attached.ips.primary);
    return attached;
  }

  absl::Status Del(const RequestContext& ctx, const CniNetwork* network,
                   const PodAttachment& pod) override {
    RETURN_IF_ERROR(ValidateAttachment(pod));
    PodLock lock(*this, pod.container_id);
    ASSIGN_OR_RETURN(CacheLookup cached,
                     FindCacheEntries(options_.cache_dir, pod.container_id, pod.ifname));
    for (const BrokenCacheFile& broken : cached.broken) {
      log::Warn(ctx, "Ignoring CNI cache of pod {}: {}", PodName(pod), broken.error.message());
    }
    for (const CacheEntry& entry : cached.entries) {
      auto list = ParsePluginList(entry.config);
      if (!list.ok()) {
        return Annotate(list.status(), absl::StrCat(Where(entry.network_name, pod), ": cache"));
      }
      log::Info(ctx, "Deleting pod {} from CNI network {}", PodName(pod), list->name);
      Attempt attempt{
          &*list,         pod.container_id,
          pod.ifname,     NetnsForDel(pod.netns_path.empty() ? entry.netns : pod.netns_path),
          entry.cni_args, entry.capability_args};
      // 0.3.x plugins get no prevResult on DEL; libcni does the same.
      json prev = json();
      if (VersionAtLeast(list->cni_version, 0, 4, 0)) {
        prev = json::parse(entry.result, nullptr, /*allow_exceptions=*/false);
      }
      RETURN_IF_ERROR(
          Annotate(RunDel(ctx, attempt, prev, /*stop_at_error=*/true), Where(list->name, pod)));
      RETURN_IF_ERROR(
          RemoveCacheEntry(options_.cache_dir, entry.network_name, pod.container_id, pod.ifname));
    }
    if (!cached.entries.empty()) return absl::OkStatus();

    if (network == nullptr) {
      if (cached.broken.empty()) {
        log::Info(ctx, "No CNI attachment cached for pod {} and no CNI network: nothing to delete",
                  PodName(pod));
        return absl::OkStatus();
      }
      // Keep the files: once a network config is back, DEL can run from it.
      return absl::FailedPreconditionError(
          absl::StrCat("delete pod ", PodName(pod), " from CNI: its cache is unusable (",
                       cached.broken.front().error.message(), ") and no CNI network is ready"));
    }
    RETURN_IF_ERROR(ValidateNetworkName(network->name));
    const json list_json = json::parse(network->conflist_json, nullptr, false);
    ASSIGN_OR_RETURN(const PluginList list, ParsePluginList(list_json));
    log::Info(ctx, "Deleting pod {} from CNI network {} (no cached result)", PodName(pod),
              list.name);
    Attempt attempt{&list,        pod.container_id,
                    pod.ifname,   NetnsForDel(pod.netns_path),
                    CniArgs(pod), CapabilityArgsJson(pod.capabilities)};
    RETURN_IF_ERROR(
        Annotate(RunDel(ctx, attempt, json(), /*stop_at_error=*/true), Where(list.name, pod)));
    for (const BrokenCacheFile& broken : cached.broken) {
      RETURN_IF_ERROR(
          RemoveCacheEntry(options_.cache_dir, broken.network_name, pod.container_id, pod.ifname));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<AttachResult> Check(const RequestContext& ctx, const PodAttachment& pod) override {
    RETURN_IF_ERROR(ValidateAttachment(pod));
    PodLock lock(*this, pod.container_id);
    ASSIGN_OR_RETURN(const CacheEntry entry, OneEntry(pod.container_id, pod.ifname));
    ASSIGN_OR_RETURN(const PluginList list, ParsePluginList(entry.config));
    ASSIGN_OR_RETURN(AttachResult attached, FromEntry(entry));
    if (!VersionAtLeast(list.cni_version, 0, 4, 0) || list.disable_check) return attached;
    Attempt attempt{&list,          pod.container_id,
                    pod.ifname,     pod.netns_path.empty() ? entry.netns : pod.netns_path,
                    entry.cni_args, entry.capability_args};
    const json prev = json::parse(entry.result, nullptr, /*allow_exceptions=*/false);
    for (std::size_t i = 0; i < list.plugins.size(); ++i) {
      auto out = Exec(ctx, attempt, "CHECK", i, prev);
      if (!out.ok()) return Annotate(out.status(), Where(list.name, pod));
    }
    return attached;
  }

  absl::StatusOr<AttachResult> Cached(const std::string& container_id,
                                      const std::string& ifname) override {
    RETURN_IF_ERROR(ValidateContainerId(container_id));
    RETURN_IF_ERROR(ValidateInterfaceName(ifname));
    ASSIGN_OR_RETURN(const CacheEntry entry, OneEntry(container_id, ifname));
    return FromEntry(entry);
  }

 private:
  // Serializes operations on one container id (the spec forbids parallel ones).
  class PodLock {
   public:
    PodLock(CniManagerImpl& owner, std::string id) : owner_(owner), id_(std::move(id)) {
      Wait wait{&owner_.busy_, &id_};
      owner_.mu_.LockWhen(absl::Condition(&Wait::Free, &wait));
      owner_.busy_.insert(id_);
      owner_.mu_.Unlock();
    }
    ~PodLock() {
      absl::MutexLock lock(&owner_.mu_);
      owner_.busy_.erase(id_);
    }
    PodLock(const PodLock&) = delete;
    PodLock& operator=(const PodLock&) = delete;

   private:
    struct Wait {
      const std::set<std::string>* busy;
      const std::string* id;
      static bool Free(Wait* wait) { return wait->busy->count(*wait->id) == 0; }
    };
    CniManagerImpl& owner_;
    std::string id_;
  };

  static absl::Status ValidateAttachment(const PodAttachment& pod) {
    RETURN_IF_ERROR(ValidateContainerId(pod.container_id));
    return ValidateInterfaceName(pod.ifname);
  }

  static std::string PodName(const PodAttachment& pod) {
    return absl::StrCat(pod.pod_namespace, "/", pod.pod_name, " (", pod.container_id, ")");
  }

  static std::string Where(const std::string& network, const PodAttachment& pod) {
    return absl::StrCat("CNI network \"", network, "\", pod ", PodName(pod));
  }

  // Runs plugin `index` of the attempt's list with `command`.
  // @return what it printed on stdout
  absl::StatusOr<std::string> Exec(const RequestContext& ctx, const Attempt& attempt,
                                   const std::string& command, std::size_t index,
                                   const json& prev) {
    const json& plugin = attempt.list->plugins[index];
    PluginInvocation call;
    call.type = PluginType(plugin);
    call.command = command;
    call.path = FindPluginBinary(call.type, options_.plugin_dirs);
    if (call.path.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("plugin ", call.type, " ", command,
                                                        ": no \"", call.type, "\" in ",
                                                        absl::StrJoin(options_.plugin_dirs, ", ")));
    }
    call.env = ExecEnv(ExecParams{command, attempt.container_id, attempt.netns, attempt.ifname,
                                  attempt.cni_args, options_.plugin_dirs, options_.path_env});
    call.stdin_data = ExecConfig(*attempt.list, index, attempt.capability_args, prev).dump();
    call.timeout = options_.plugin_timeout;
    log::Debug(ctx, "Running CNI plugin {} {} for container {}", call.type, command,
               attempt.container_id);
    auto result = runner_.Run(call);
    if (!result.ok()) {
      return Annotate(result.status(), absl::StrCat("plugin ", call.type, " ", command));
    }
    if (!result->Success()) return PluginFailure(call, *result);
    return std::move(result->stdout_data);
  }

  // DEL over the list in reverse order. `stop_at_error`: a DEL the caller can retry
  // stops at the first failure, as the spec says; the rollback of a failed ADD cannot
  // be retried, so it goes on to free what the other plugins hold, and reports the
  // first failure.
  absl::Status RunDel(const RequestContext& ctx, const Attempt& attempt, const json& prev,
                      bool stop_at_error) {
    absl::Status first;
    for (std::size_t i = attempt.list->plugins.size(); i-- > 0;) {
      auto out = Exec(ctx, attempt, "DEL", i, prev);
      if (out.ok()) continue;
      if (stop_at_error) return out.status();
      if (first.ok()) first = out.status();
    }
    return first;
  }

  // Undoes a failed ADD. The last good result goes along as prevResult: plugins such as
  // firewall only find what they set up through it.
  absl::Status RollBack(const RequestContext& ctx, const Attempt& attempt, const json& prev,
                        const absl::Status& cause) {
    Attempt undo = attempt;
    undo.netns = NetnsForDel(attempt.netns);
    const absl::Status del = RunDel(ctx, undo, prev, /*stop_at_error=*/false);
    if (del.ok()) return cause;
    return absl::Status(cause.code(), absl::StrCat(cause.message(),
                                                   "; DEL to undo it failed too: ", del.message()));
  }

  absl::StatusOr<CacheEntry> OneEntry(const std::string& container_id, const std::string& ifname) {
    ASSIGN_OR_RETURN(CacheLookup cached,
                     FindCacheEntries(options_.cache_dir, container_id, ifname));
    if (!cached.entries.empty()) return std::move(cached.entries.front());
    if (!cached.broken.empty()) return cached.broken.front().error;
    return absl::NotFoundError(absl::StrCat("no CNI attachment cached for container ", container_id,
                                            " interface ", ifname));
  }

  static absl::StatusOr<AttachResult> FromEntry(const CacheEntry& entry) {
    AttachResult attached;
    attached.network_name = entry.network_name;
    attached.ifname = entry.ifname;
    attached.result_json = entry.result;
    ASSIGN_OR_RETURN(attached.result, ParseCniResult(entry.result));
    attached.ips = PodIpsFromResult(attached.result);
    return attached;
  }

  CniOptions options_;
  PluginRunner& runner_;
  absl::Mutex mu_;
  std::set<std::string> busy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<CniManager> NewCniManager(CniOptions options, PluginRunner& runner) {
  return std::make_unique<CniManagerImpl>(std::move(options), runner);
}

}  // namespace crio::network
