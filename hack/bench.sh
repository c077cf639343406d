#!/usr/bin/env bash
# Benchmarks crio side by side with containerd (the peer, Debian's package) in the same run:
# installs containerd if missing, builds crio and the benchmark, and runs it.
#   hack/bench.sh [daemon] ARGS   start-up, memory, Version/Status latency (daemon_bench:
#                                 --calls N, --rounds R, --crio PATH, --containerd PATH)
#   hack/bench.sh pull ARGS       cold-store PullImage of the fixture's ~100 MB image
#                                 (pull_bench: --rounds N, --fixture DIR, --crio, --containerd)
#   hack/bench.sh lifecycle ARGS  pod/container CRI latencies, ListContainers at 1,000, idle RSS,
#                                 monitor memory vs conmon, the runc create+start floor
#                                 (lifecycle_bench: --rounds N, --warmup W, --list-containers C,
#                                 --fixture DIR, --crio, --containerd, --conmon, --runc)
# The report goes to stdout; install and build output go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs Debian's containerd without leaving a host-wide containerd running: daemon_bench
# starts its own, on a socket in a temp dir. Maintainer scripts may try to start the service,
# so a policy-rc.d that forbids it is put in place for the install (if there is none), and a
# containerd that shows up anyway during the install is stopped by its PID.
install_containerd() {
  if [[ -x /usr/bin/containerd ]]; then return; fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench.sh: containerd missing and not root; its column will be skipped" >&2
    return
  fi
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=$policy
  fi
  local before
  before=$(pgrep -x containerd || true)
  echo "== installing containerd (Debian)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd >&2
  if [[ -n $added_policy ]]; then rm -f "$added_policy"; fi
  local pid
  for pid in $(pgrep -x containerd || true); do
    if ! grep -qx "$pid" <<<"$before"; then
      echo "bench.sh: stopping containerd $pid started by the install" >&2
      kill -TERM "$pid" || true
    fi
  done
}

# conmon is lifecycle_bench's reference monitor; same care as above (it ships no service).
install_conmon() {
  if [[ -x /usr/bin/conmon ]]; then return; fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench.sh: conmon missing and not root; its figure will be skipped" >&2
    return
  fi
  echo "== installing conmon (Debian)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq conmon >&2
}

bench=daemon_bench
targets=(crio)
case ${1:-} in
  daemon) shift ;;
  pull) bench=pull_bench; shift ;;
  lifecycle) bench=lifecycle_bench; targets+=(crio-monitor); shift ;;
esac

install_containerd
if [[ $bench == lifecycle_bench ]]; then install_conmon; fi

echo "== building crio and $bench" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build build -j"$(nproc)" --target "${targets[@]}" "$bench" >&2

echo "== load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec "build/bench/$bench" "$@"
