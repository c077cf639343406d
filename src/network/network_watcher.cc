#include "crio/network/network_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crio/common/fs.h"
#include "crio/common/owned_fd.h"

namespace crio::network {
namespace {

using Clock = std::chrono::steady_clock;

// What changes a lookup: files appearing, going, being rewritten or made executable,
// and the dir itself going away.
constexpr std::uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                     IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF |
                                     IN_MOVE_SELF | IN_ONLYDIR;

int MillisUntil(Clock::time_point when, Clock::time_point now) {
  if (when <= now) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
  return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

class NetworkWatcherImpl final : public NetworkWatcher {
 public:
  NetworkWatcherImpl(CniSearch search, NetworkWatcherOptions options, OwnedFd inotify, OwnedFd wake)
      : search_(std::move(search)),
        options_(options),
        inotify_(std::move(inotify)),
        wake_(std::move(wake)),
        current_(absl::UnavailableError("CNI network not looked up yet")) {
    std::vector<std::string> dirs = {search_.network_dir};
    dirs.insert(dirs.end(), search_.plugin_dirs.begin(), search_.plugin_dirs.end());
    for (std::string& dir : dirs) {
      if (dir.empty()) continue;
      if (std::find(dirs_.begin(), dirs_.end(), dir) == dirs_.end()) dirs_.push_back(dir);
    }
    wds_.assign(dirs_.size(), -1);
  }

  ~NetworkWatcherImpl() override {
    if (thread_.joinable()) {
      const std::uint64_t one = 1;
      // An eventfd write of 8 bytes cannot be short; it fails only on overflow.
      [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &one, sizeof(one));
      thread_.join();
    }
  }

  NetworkWatcherImpl(const NetworkWatcherImpl&) = delete;
  NetworkWatcherImpl& operator=(const NetworkWatcherImpl&) = delete;

  absl::Status Start() {
    // Watch first, then look: a change in between is then seen, not lost.
    TryWatch();
    Refresh();
    try {
      thread_ = std::thread([this] { Loop(); });
    } catch (const std::system_error& e) {
      return absl::InternalError(absl::StrCat("start the CNI config watcher: ", e.what()));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<CniNetwork> Current() const override {
    absl::MutexLock lock(&mu_);
    return current_;
  }

  std::uint64_t Generation() const override {
    absl::MutexLock lock(&mu_);
    return generation_;
  }

  void Refresh() override {
    // Looked up outside the lock: it reads files, and readers must not wait for that.
    absl::StatusOr<CniNetwork> found = FindDefaultNetwork(search_);
    absl::MutexLock lock(&mu_);
    current_ = std::move(found);
    ++generation_;
  }

 private:
  bool AnyUnwatched() const {
    return std::any_of(wds_.begin(), wds_.end(), [](int wd) { return wd < 0; });
  }

  // Adds the watches that are missing. Returns whether one was added.
  bool TryWatch() {
    bool added = false;
    for (std::size_t i = 0; i < dirs_.size(); ++i) {
      if (wds_[i] >= 0) continue;
      const int wd = ::inotify_add_watch(inotify_.get(), dirs_[i].c_str(), kWatchMask);
      if (wd < 0) continue;  // missing for now: tried again every retry interval
      wds_[i] = wd;
      added = true;
    }
    return added;
  }

  // Reads the queued events. Returns whether any of them may change the lookup.
  bool DrainEvents() {
    bool changed = false;
    alignas(inotify_event) std::array<char, 16 * 1024> buf{};
    for (;;) {
      const ssize_t n = ::read(inotify_.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return changed;  // EAGAIN: nothing more queued
      for (ssize_t off = 0; off < n;) {
        inotify_event event{};
        std::memcpy(&event, buf.data() + off, sizeof(event));
        off += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
        changed = true;
        if ((event.mask & IN_MOVE_SELF) != 0) {
          // The watch would follow the dir to its new name; the path is what counts.
          ::inotify_rm_watch(inotify_.get(), event.wd);
        }
        if ((event.mask & IN_IGNORED) != 0) {
          // The dir went away (or was renamed): watch it again once it is back.
          std::replace(wds_.begin(), wds_.end(), event.wd, -1);
        }
      }
    }
  }

  void Loop() {
    bool pending = false;
    Clock::time_point settle_at{};
    Clock::time_point retry_at = Clock::now() + options_.retry;
    for (;;) {
      const Clock::time_point now = Clock::now();
      int wait_ms = -1;
      if (pending) wait_ms = MillisUntil(settle_at, now);
      if (AnyUnwatched()) {
        const int retry_ms = MillisUntil(retry_at, now);
        wait_ms = wait_ms < 0 ? retry_ms : std::min(wait_ms, retry_ms);
      }
      std::array<pollfd, 2> fds{};
      fds[0] = {.fd = wake_.get(), .events = POLLIN, .revents = 0};
      fds[1] = {.fd = inotify_.get(), .events = POLLIN, .revents = 0};
      const int ready = ::poll(fds.data(), fds.size(), wait_ms);
      if (ready < 0 && errno != EINTR) return;
      if (fds[0].revents != 0) return;
      if (fds[1].revents != 0 && DrainEvents()) {
        pending = true;
        settle_at = Clock::now() + options_.settle;
      }
      const Clock::time_point after = Clock::now();
      if (AnyUnwatched() && after >= retry_at) {
        retry_at = after + options_.retry;
        if (TryWatch()) pending = true;
      }
      if (pending && after >= settle_at) {
        pending = false;
        Refresh();
      }
    }
  }

  const CniSearch search_;
  const NetworkWatcherOptions options_;
  OwnedFd inotify_;
  OwnedFd wake_;
  std::vector<std::string> dirs_;  // network_dir and plugin_dirs, each once
  std::vector<int> wds_;           // per dirs_ entry; -1 = not watched now
  std::thread thread_;

  mutable absl::Mutex mu_;
  absl::StatusOr<CniNetwork> current_ ABSL_GUARDED_BY(mu_);
  std::uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<NetworkWatcher>> StartNetworkWatcher(CniSearch search,
                                                                    NetworkWatcherOptions options) {
  OwnedFd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (inotify.get() < 0) return fs::ErrnoStatus(errno, "inotify_init1");
  OwnedFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake.get() < 0) return fs::ErrnoStatus(errno, "eventfd");
  auto watcher = std::make_unique<NetworkWatcherImpl>(std::move(search), options,
                                                      std::move(inotify), std::move(wake));
  if (auto started = watcher->Start(); !started.ok()) return started;
  return std::unique_ptr<NetworkWatcher>(std::move(watcher));
}

}  // namespace crio::network
