#pragma once

// Temp dirs, fake image root filesystems and a typical SpecInput for the spec tests.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crio/spec/container_spec.h"

namespace crio::spec::testing {

/// A fresh directory under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/crio-spec-test.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << tmpl;
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Writes `content` to `path`, creating parent directories.
inline void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << "write " << path;
}

/// The users of the fake image.
inline constexpr char kPasswd[] =
    "# users of the test image\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "app:x:1000:1000:App:/home/app:/bin/sh\n"
    "nobody:x:65534:65534::/nonexistent:/bin/false\n"
    "big:x:4294967295:1::/:/bin/false\n"
    "nohome:x:1001:1001::\n";

inline constexpr char kGroup[] =
    "root:x:0:\n"
    "wheel:x:10:other,app\n"
    "video:x:44:app\n"
    "staff:x:50:\n"
    "app:x:1000:\n";

/// A rootfs directory with /etc/passwd and /etc/group.
inline void MakeRootfs(const std::string& rootfs) {
  WriteFile(rootfs + "/etc/passwd", kPasswd);
  WriteFile(rootfs + "/etc/group", kGroup);
}

/// A container of a pod with pinned namespaces, as the daemon would describe it.
inline SpecInput TypicalInput(const std::string& rootfs) {
  SpecInput in;
  in.container_id = "abc123";
  in.rootfs = rootfs;
  in.created = "2024-05-01T10:00:00.123456789Z";

  ContainerRequest& r = in.request;
  r.name = "app";
  r.attempt = 1;
  r.image = "docker.io/library/busybox:1.36";
  r.log_path = "app/1.log";
  r.labels = {{"io.kubernetes.container.name", "app"}, {"tier", "web"}};
  r.annotations = {{"io.kubernetes.container.hash", "1234"}};
  r.security.namespace_options.pid = NamespaceMode::kContainer;

  PodContext& pod = in.pod;
  pod.id = "pod123";
  pod.sandbox_name = "k8s_web_default_uid-1_0";
  pod.name = "web";
  pod.namespace_ = "default";
  pod.uid = "uid-1";
  pod.hostname = "web-0";
  pod.log_directory = "/var/log/pods/default_web_uid-1";
  pod.net_ns_path = "/run/crio/ns/net/pod123";
  pod.ipc_ns_path = "/run/crio/ns/ipc/pod123";
  pod.uts_ns_path = "/run/crio/ns/uts/pod123";
  pod.pid_ns_path = "/proc/4242/ns/pid";
  pod.cgroup_parent = "/kubepods/burstable/poduid-1";
  pod.shm_path = "/run/crio/shm/pod123";
  pod.resolv_conf_path = "/run/crio/pod123/resolv.conf";
  pod.hostname_path = "/run/crio/pod123/hostname";
  pod.hosts_path = "/var/lib/kubelet/pods/uid-1/etc-hosts";

  in.defaults.cgroup_manager = "cgroupfs";
  in.defaults.daemon_has_cap_sys_resource = true;

  in.image.name = "docker.io/library/busybox:1.36";
  in.image.id = "sha256:feed";
  in.image.config.entrypoint = {"/entry"};
  in.image.config.cmd = {"serve", "--port=80"};
  in.image.config.env = {"PATH=/image/bin:/bin", "IMAGE_VAR=1"};
  return in;
}

}  // namespace crio::spec::testing
