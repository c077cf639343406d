#!/usr/bin/env bash
# Installs every Debian 12 (bookworm) package needed to build, run and test crio.
# Run as root. Idempotent.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates python3 clang-format clang-tidy
  # libraries (docs/dependencies.md says what each is for)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libtoml11-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libseccomp-dev libselinux1-dev libcurl4-openssl-dev libssl-dev libarchive-dev libyaml-cpp-dev
  zlib1g-dev libboost-dev
  # tests
  libgtest-dev libgmock-dev
  # the OCI runtimes the daemon drives (crun refuses hybrid cgroup hosts, runc is the default)
  runc crun
  # pod namespaces and mounts in tests: ip, nsenter, findmnt
  iproute2 util-linux
  # pod networking: the CNI plugins (in /usr/lib/cni) and the iptables that portmap drives
  containernetworking-plugins iptables
  # the registry test fixture (test/registry/fixture.sh) and the pull benchmark's peer
  docker-registry busybox-static umoci skopeo openssl apache2-utils jq zstd curl gzip tar
  shellcheck
)

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
