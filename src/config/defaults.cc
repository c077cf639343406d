#include "crio/config/config.h"

namespace crio::config {
namespace {

RuntimeHandler DefaultOciHandler(std::string runtime_root, std::string min_memory) {
  RuntimeHandler h;
  h.runtime_type = "oci";
  h.runtime_root = std::move(runtime_root);
  // CRI-O's default handler, which assumes the systemd cgroup manager.
  h.monitor_cgroup = "system.slice";
  h.monitor_env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  h.allowed_annotations = {"io.containers.trace-syscall", "io.kubernetes.cri-o.Devices"};
  h.container_min_memory = std::move(min_memory);
  return h;
}

}  // namespace

Config Config::Defaults() {
  Config c;
  // runc is the default because crun 1.8 refuses hybrid cgroup hosts; crun is kept so
  // that a RuntimeClass can still pick it. The minimum memories are CRI-O's per runtime.
  c.runtime.runtimes.emplace("runc", DefaultOciHandler("/run/runc", "12MiB"));
  c.runtime.runtimes.emplace("crun", DefaultOciHandler("/run/crun", "500KiB"));
  return c;
}

}  // namespace crio::config
