#!/usr/bin/env bash
# The README's run command. As root on Debian 12:
#
#   bash hack/demo.sh         install what is missing, build crio, crio-monitor and
#                             crioctl, install them to /usr/local/bin, start the registry
#                             fixture (test/registry/fixture.sh) with its busybox image,
#                             install contrib/cni/10-crio-bridge.conflist in
#                             /etc/cni/net.d when that dir has no network yet (pods
#                             need one: NetworkReady),
#                             start crio on /var/run/crio/crio.sock, and with crioctl: pull
#                             busybox, run a pod, create and start a container that writes
#                             a few lines, show pods, ps and logs, then stop and remove the
#                             pod again. The daemon and the fixture keep running.
#   bash hack/demo.sh stop    stop the daemon and the fixture the demo started (by PID)
#                             and remove the demo's state in $DEMO_DIR.
#
# Environment: BUILD_DIR (default build), DEMO_DIR (default /var/lib/crio-demo).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
demo_dir=${DEMO_DIR:-/var/lib/crio-demo}
socket=/var/run/crio/crio.sock
pid_file=$demo_dir/crio.pid
fixture=$demo_dir/fixture

# The daemon the demo started, if it still runs (the PID file and the command line agree).
demo_daemon_pid() {
  local pid
  [ -f "$pid_file" ] || return 1
  pid=$(cat "$pid_file")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$demo_dir" &&
    echo "$pid"
}

stop_demo() {
  local pid
  if pid=$(demo_daemon_pid); then
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "Stopped crio (PID $pid)"
  fi
  if [ -d "$fixture" ]; then
    bash test/registry/fixture.sh stop "$fixture" --clean
    echo "Stopped the registry fixture"
  fi
  rm -rf "$demo_dir"
}

if [ "${1:-}" = stop ]; then
  stop_demo
  exit 0
fi

step() { printf '\n$ %s\n' "$*"; "$@"; }

bash hack/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target crio crio-monitor crioctl
install -m 0755 "$build_dir/bin/crio" "$build_dir/bin/crioctl" "$build_dir/bin/crio-monitor" \
  /usr/local/bin/
install -d /etc/crio/crio.conf.d
[ -f /etc/crio/crio.conf ] || install -m 0644 conf/crio.conf /etc/crio/crio.conf

# Pods need a CNI network. The shipped bridge network (10.85.0.0/16, bridge cni0) is
# installed only where no network exists, so that a node's own network stays in charge.
install -d /etc/cni/net.d
if ! compgen -G '/etc/cni/net.d/*.conf*' >/dev/null && ! compgen -G '/etc/cni/net.d/*.json' >/dev/null; then
  install -m 0644 contrib/cni/10-crio-bridge.conflist /etc/cni/net.d/
  echo "Installed the bridge network /etc/cni/net.d/10-crio-bridge.conflist (docs/network.md)"
fi

# A daemon the demo did not start would not know the fixture's registries.
if ! demo_daemon_pid >/dev/null && crioctl -r "unix://$socket" version >/dev/null 2>&1; then
  echo "Another crio daemon answers on $socket: stop it first (kill \$(pgrep -x crio))." >&2
  exit 1
fi

install -d "$demo_dir" "$demo_dir/crio.conf.d" /var/log/crio
if [ ! -f "$fixture/fixture.json" ]; then
  echo "Starting the registry fixture in $fixture (about 20 s)"
  bash test/registry/fixture.sh start "$fixture" >"$demo_dir/fixture.log" 2>&1 ||
    { cat "$demo_dir/fixture.log"; exit 1; }
fi
busybox=$(jq -r .images.busybox.reference "$fixture/fixture.json")
# The demo's drop-ins (--config-dir): /etc/crio/crio.conf, then the fixture's registries.
cat >"$demo_dir/crio.conf.d/10-demo-registries.conf" <<EOF
# Written by hack/demo.sh: the registry fixture's registries.conf (http on 127.0.0.1).
[crio.image]
registries_conf = "$(jq -r .registries_conf "$fixture/fixture.json")"
EOF
cat >"$demo_dir/crio.conf.d/20-demo-cni.conf" <<EOF
# Written by hack/demo.sh: Debian's containernetworking-plugins live in /usr/lib/cni.
[crio.network]
plugin_dirs = ["/opt/cni/bin/", "/usr/lib/cni/"]
EOF

if pid=$(demo_daemon_pid); then
  echo "The demo's crio daemon is already running as PID $pid"
else
  args=(--config-dir "$demo_dir/crio.conf.d")
  if [ ! -d /run/systemd/system ]; then
    # No systemd on this machine: the systemd cgroup driver cannot work here.
    args+=(--cgroup-manager cgroupfs)
  fi
  nohup crio "${args[@]}" >>/var/log/crio/crio.log 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"
  for _ in $(seq 100); do
    crioctl -r "unix://$socket" version >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { tail -n 20 /var/log/crio/crio.log; exit 1; }
    sleep 0.1
  done
  echo "crio is running as PID $pid (log: /var/log/crio/crio.log)"
fi

export CONTAINER_RUNTIME_ENDPOINT=unix://$socket
cat >"$demo_dir/pod.yaml" <<EOF
metadata: {name: demo-pod, namespace: default, attempt: 1}
hostname: demo-pod
log_directory: $demo_dir/logs/demo-pod
labels: {app: demo}
EOF
cat >"$demo_dir/talker.json" <<EOF
{"metadata": {"name": "talker"},
 "image": {"image": "$busybox"},
 "command": ["sh", "-c", "for i in 1 2 3; do echo \"line \$i from \$(hostname)\"; done; exec sleep 3600"],
 "log_path": "talker.log"}
EOF

# An earlier demo's pod is removed first, so the demo can run again.
for old in $(crioctl pods -q --label app=demo); do crioctl rmp -f "$old" >/dev/null; done

step crioctl version
step crioctl pull "$busybox"
printf '\n$ crioctl runp %s\n' "$demo_dir/pod.yaml"
pod=$(crioctl runp "$demo_dir/pod.yaml")
echo "$pod"
printf '\n$ crioctl create %s %s %s\n' "${pod:0:13}" "$demo_dir/talker.json" "$demo_dir/pod.yaml"
ctr=$(crioctl create "$pod" "$demo_dir/talker.json" "$demo_dir/pod.yaml")
echo "$ctr"
step crioctl start "$ctr"
# Wait for the three lines (the container writes them at once).
for _ in $(seq 50); do
  [ "$(crioctl logs "$ctr" 2>/dev/null | wc -l)" -ge 3 ] && break
  sleep 0.1
done
step crioctl pods
step crioctl inspectp "$pod"
step crioctl ps
step crioctl logs "$ctr"
step crioctl exec "$ctr" echo "hello from exec"

step crioctl stopp "$pod"
step crioctl rmp "$pod"
echo
echo "crio (PID $(cat "$pid_file")) and the registry fixture keep running."
echo "Stop both with: bash hack/demo.sh stop"
