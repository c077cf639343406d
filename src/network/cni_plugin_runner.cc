#include "crio/network/cni_plugin_runner.h"

#include <utility>

namespace crio::network {
namespace {

// A result is a few KiB; more means a broken plugin, and the cap keeps it bounded.
constexpr std::size_t kMaxStdout = std::size_t{4} * 1024 * 1024;
// Only read when the plugin failed without a JSON error; plugins log there freely.
constexpr std::size_t kMaxStderr = std::size_t{64} * 1024;

class SubprocessPluginRunner final : public PluginRunner {
 public:
  explicit SubprocessPluginRunner(subprocess::Runner& runner) : runner_(runner) {}

  absl::StatusOr<subprocess::Result> Run(const PluginInvocation& invocation) override {
    subprocess::Options options;
    options.argv = {invocation.path};
    options.env = invocation.env;
    options.stdin_data = invocation.stdin_data;
    options.max_stdout_bytes = kMaxStdout;
    options.max_stderr_bytes = kMaxStderr;
    options.timeout = invocation.timeout;
    // A plugin execs helpers (IPAM plugins, iptables); a hung one is killed together
    // with them, at once: a plugin gets no SIGTERM grace because none traps it.
    options.new_process_group = true;
    return runner_.Run(options);
  }

 private:
  subprocess::Runner& runner_;
};

}  // namespace

std::unique_ptr<PluginRunner> NewPluginRunner(subprocess::Runner& runner) {
  return std::make_unique<SubprocessPluginRunner>(runner);
}

}  // namespace crio::network
