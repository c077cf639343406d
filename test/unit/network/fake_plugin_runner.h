#pragma once

// A PluginRunner that runs nothing: it records each invocation and answers with what
// the test's handler says, by default an empty success.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "crio/network/cni_plugin_runner.h"

namespace crio::network {

inline subprocess::Result PluginOk(std::string stdout_data = "") {
  subprocess::Result result;
  result.exit_code = 0;
  result.stdout_data = std::move(stdout_data);
  return result;
}

inline subprocess::Result PluginFails(int exit_code, std::string stdout_data,
                                      std::string stderr_data = "") {
  subprocess::Result result;
  result.exit_code = exit_code;
  result.stdout_data = std::move(stdout_data);
  result.stderr_data = std::move(stderr_data);
  return result;
}

inline subprocess::Result PluginTimedOut() {
  subprocess::Result result;
  result.signal = 9;
  result.timed_out = true;
  return result;
}

class FakePluginRunner final : public PluginRunner {
 public:
  using Handler = std::function<absl::StatusOr<subprocess::Result>(const PluginInvocation&)>;

  absl::StatusOr<subprocess::Result> Run(const PluginInvocation& invocation) override {
    calls.push_back(invocation);
    if (handler) return handler(invocation);
    return PluginOk();
  }

  /// "type COMMAND" of each call, in order.
  std::vector<std::string> Sequence() const {
    std::vector<std::string> out;
    for (const auto& call : calls) out.push_back(call.type + " " + call.command);
    return out;
  }

  std::vector<PluginInvocation> calls;
  Handler handler;
};

}  // namespace crio::network
