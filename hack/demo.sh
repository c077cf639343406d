#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, installs crio and
# crioctl to /usr/local/bin, starts the daemon on /var/run/crio/crio.sock and talks to
# it with crioctl. The daemon keeps running afterwards; the last line says how to stop it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash hack/install-deps.sh
BUILD_DIR=build bash hack/build.sh
install -m 0755 build/bin/crio build/bin/crioctl build/bin/crio-monitor /usr/local/bin/
install -d /etc/crio/crio.conf.d
[ -f /etc/crio/crio.conf ] || install -m 0644 conf/crio.conf /etc/crio/crio.conf

args=()
if [ ! -d /run/systemd/system ]; then
  # No systemd on this machine: the systemd cgroup driver cannot work here.
  args+=(--cgroup-manager cgroupfs)
fi

socket=/var/run/crio/crio.sock
if crioctl -r "unix://$socket" version >/dev/null 2>&1; then
  echo "A crio daemon already answers on $socket; using it."
else
  install -d /var/log/crio
  nohup crio "${args[@]}" >>/var/log/crio/crio.log 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    crioctl -r "unix://$socket" version >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat /var/log/crio/crio.log; exit 1; }
    sleep 0.1
  done
  echo "crio is running as PID $pid (log: /var/log/crio/crio.log)"
fi

echo
echo "\$ crioctl version"
crioctl version
echo
echo "\$ crioctl info"
crioctl info
echo
echo "Stop the daemon with: kill \$(pgrep -x crio)   (it removes its socket on SIGTERM)"
