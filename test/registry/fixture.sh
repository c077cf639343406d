#!/usr/bin/env bash
# Registry test fixture for crio: local registries on 127.0.0.1 with test images.
#
#   fixture.sh start <state-dir>          start the registries, build + push images
#   fixture.sh build-images <state-dir>   (re)build and push the images (registries running)
#   fixture.sh verify <state-dir>         check every image against fixture.json
#   fixture.sh stop <state-dir> [--clean] stop everything by PID (--clean: remove state dir)
#
# Environment: FIXTURE_BIG=1 also builds big:latest (~100 MB, for bench/).
# See README.md next to this script for the images and the files written.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REGISTRY_BIN=${FIXTURE_REGISTRY_BIN:-/usr/bin/docker-registry}
BUSYBOX_BIN=${FIXTURE_BUSYBOX_BIN:-/bin/busybox}
FIXTURE_BIG=${FIXTURE_BIG:-0}
USERNAME=testuser
PASSWORD=testpassword
TOKEN_SERVICE=crio-fixture-registry
TOKEN_ISSUER=crio-fixture-token-issuer
REFRESH_TOKEN=crio-fixture-refresh-token # token_server.py accepts it as an identity token
MARKER=.crio-registry-fixture
# Applets linked in the busybox image (the first 15 are the ones tests rely on).
APPLETS="sh ls cat echo sleep id whoami env true false mkdir rm wc head rmdir
         grep touch ps kill hostname printf stat uname tee pwd date cut readlink
         chmod ln sed seq test [ mount umount find xargs sort uniq du df free
         nc wget ip top tail dd cp mv basename dirname expr which nproc"

MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_OCI_INDEX=application/vnd.oci.image.index.v1+json
MT_OCI_CONFIG=application/vnd.oci.image.config.v1+json
MT_OCI_LAYER_TAR=application/vnd.oci.image.layer.v1.tar
MT_OCI_LAYER_GZIP=application/vnd.oci.image.layer.v1.tar+gzip
MT_OCI_LAYER_ZSTD=application/vnd.oci.image.layer.v1.tar+zstd
MT_DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
MT_DOCKER_LIST=application/vnd.docker.distribution.manifest.list.v2+json
MT_SCHEMA1_SIGNED=application/vnd.docker.distribution.manifest.v1+prettyjws
MT_SCHEMA1=application/vnd.docker.distribution.manifest.v1+json
MT_SECCOMP_CONFIG=application/vnd.cncf.seccomp-profile.config.v1+json
MT_OCI_EMPTY=application/vnd.oci.empty.v1+json
ACCEPT_ALL="$MT_OCI_MANIFEST,$MT_OCI_INDEX,$MT_DOCKER_MANIFEST,$MT_DOCKER_LIST,$MT_SCHEMA1_SIGNED,$MT_SCHEMA1"

log() { printf '[fixture %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need_tools() {
  local t missing=()
  for t in "$REGISTRY_BIN" "$BUSYBOX_BIN" umoci skopeo openssl htpasswd jq zstd gzip \
           python3 curl sha256sum tar; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  ((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (see test/registry/README.md)"
}

sha256_of() { local h; h=$(sha256sum "$1"); echo "sha256:${h%% *}"; }
size_of() { stat -c %s "$1"; }

free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

host_arch() {
  case "$(uname -m)" in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    armv7l) echo arm ;;
    ppc64le) echo ppc64le ;;
    s390x) echo s390x ;;
    riscv64) echo riscv64 ;;
    *) uname -m ;;
  esac
}

abspath() { mkdir -p "$1" && cd "$1" && pwd; }

# ---------------------------------------------------------------- processes --

# pid_is_ours <pid> <state-dir>: the pid is alive and its command line names the state dir.
pid_is_ours() {
  local pid=$1 st=$2
  local cmd
  cmd=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
  [[ $cmd == *"$st"* ]]
}

stop_pid() {
  local name=$1 st=$2 pidfile="$2/pids/$1.pid" pid i
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  if [[ -n $pid ]] && pid_is_ours "$pid" "$st"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      pid_is_ours "$pid" "$st" || break
      sleep 0.1
    done
    if pid_is_ours "$pid" "$st"; then
      log "$name ($pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

do_stop() {
  local st=$1 n
  [[ -d $st/pids ]] || return 0
  for n in evil token tokensrv tls plain; do stop_pid "$n" "$st"; done
}

# wait_http <url> <pid> <timeout-s> [curl args...]: 0 once the URL answers 200 or 401.
wait_http() {
  local url=$1 pid=$2 timeout=$3 code i
  shift 3
  for ((i = 0; i < timeout * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || return 2
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" || true)
    [[ $code == 200 || $code == 401 ]] && return 0
    sleep 0.05
  done
  return 1
}

write_registry_config() {
  local dir=$1 port=$2 kind=$3
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "  formatter: text"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $dir/storage"
    echo "  delete:"
    echo "    enabled: true"
    echo "  maintenance:"
    echo "    uploadpurging:"
    echo "      enabled: false"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    echo "  secret: crio-fixture-$kind-$RANDOM$RANDOM"
    echo "  headers:"
    echo "    X-Content-Type-Options: [nosniff]"
    if [[ $kind == tls ]]; then
      echo "  tls:"
      echo "    certificate: $dir/server.crt"
      echo "    key: $dir/server.key"
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: crio-fixture"
      echo "    path: $dir/htpasswd"
    elif [[ $kind == token ]]; then
      echo "auth:"
      echo "  token:"
      echo "    realm: http://$TOKENSRV/token"
      echo "    service: $TOKEN_SERVICE"
      echo "    issuer: $TOKEN_ISSUER"
      echo "    rootcertbundle: $dir/signing.crt"
    fi
  } >"$dir/config.yml"
}

# start_registry <plain|tls|token> <state-dir>: start docker-registry on a free port, retrying.
start_registry() {
  local kind=$1 st=$2 dir="$2/$1" attempt port pid url rc
  local curl_args=()
  mkdir -p "$dir/storage"
  [[ $kind == tls ]] && curl_args=(--cacert "$st/ca.crt")
  for ((attempt = 1; attempt <= 8; attempt++)); do
    port=$(free_port)
    write_registry_config "$dir" "$port" "$kind"
    # stdin/stdout/stderr detached from the caller, so that a harness reading our
    # output through a pipe is not kept waiting by the daemon.
    "$REGISTRY_BIN" serve "$dir/config.yml" </dev/null >>"$dir/registry.log" 2>&1 &
    pid=$!
    echo "$pid" >"$st/pids/$kind.pid"
    if [[ $kind == tls ]]; then url="https://127.0.0.1:$port/v2/"; else url="http://127.0.0.1:$port/v2/"; fi
    rc=0
    wait_http "$url" "$pid" 15 "${curl_args[@]}" || rc=$?
    if ((rc == 0)); then
      echo "$port" >"$dir/port"
      log "$kind registry up on 127.0.0.1:$port (pid $pid)"
      return 0
    fi
    stop_pid "$kind" "$st"
    wait "$pid" 2>/dev/null || true
    if ((rc == 2)) && grep -q 'address already in use' "$dir/registry.log"; then
      log "$kind registry: port $port taken, retrying"
      continue
    fi
    tail -n 20 "$dir/registry.log" >&2 || true
    die "$kind registry did not come up (see $dir/registry.log)"
  done
  die "$kind registry: no free port after $attempt attempts"
}

# start_token_server <state-dir>: the Bearer token issuer the "token" registry points at.
start_token_server() {
  local st=$1 dir="$1/token" pid i
  mkdir -p "$dir"
  rm -f "$dir/tokensrv.port"
  python3 "$HERE/token_server.py" "$dir/signing.key" "$dir/signing.crt" "$dir/tokensrv.port" \
    "$dir/token.log" --service "$TOKEN_SERVICE" --issuer "$TOKEN_ISSUER" \
    --user "$USERNAME" --password "$PASSWORD" --expires-in "${FIXTURE_TOKEN_EXPIRES_IN:-300}" \
    </dev/null >>"$dir/tokensrv.stderr.log" 2>&1 &
  pid=$!
  echo "$pid" >"$st/pids/tokensrv.pid"
  for ((i = 0; i < 200; i++)); do
    [[ -s $dir/tokensrv.port ]] && break
    kill -0 "$pid" 2>/dev/null || die "token server exited (see $dir/tokensrv.stderr.log)"
    sleep 0.05
  done
  [[ -s $dir/tokensrv.port ]] || die "token server did not write its port"
  TOKENSRV="127.0.0.1:$(<"$dir/tokensrv.port")"
  curl -sf -o /dev/null "http://$TOKENSRV/token?service=$TOKEN_SERVICE" || die "token server not answering"
  log "token server up on $TOKENSRV (pid $pid)"
}

start_evil() {
  local st=$1 dir="$1/evil" pid i
  mkdir -p "$dir/root"
  rm -f "$dir/port"
  python3 "$HERE/evil_registry.py" "$dir/root" "$dir/port" "$dir/evil.log" \
    </dev/null >>"$dir/stderr.log" 2>&1 &
  pid=$!
  echo "$pid" >"$st/pids/evil.pid"
  for ((i = 0; i < 200; i++)); do
    [[ -s $dir/port ]] && break
    kill -0 "$pid" 2>/dev/null || die "evil registry exited (see $dir/stderr.log)"
    sleep 0.05
  done
  [[ -s $dir/port ]] || die "evil registry did not write its port"
  wait_http "http://127.0.0.1:$(<"$dir/port")/v2/" "$pid" 10 || die "evil registry not answering"
  log "evil registry up on 127.0.0.1:$(<"$dir/port") (pid $pid)"
}

make_certs() {
  local st=$1 d="$1/tls"
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/ca.key" -out "$d/ca.crt" -days 7 -subj "/CN=crio test registry CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
    -CAcreateserial -days 7 -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
  openssl verify -CAfile "$d/ca.crt" "$d/server.crt" >/dev/null
  cp "$d/ca.crt" "$st/ca.crt"
  htpasswd -Bbn "$USERNAME" "$PASSWORD" >"$d/htpasswd" 2>/dev/null
  # token signing key + self-signed cert (the registry's rootcertbundle; sent as x5c)
  mkdir -p "$st/token"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$st/token/signing.key" -out "$st/token/signing.crt" \
    -days 7 -subj "/CN=crio fixture token signer" 2>/dev/null
}

# ------------------------------------------------------------------ helpers --

# Globals set by load_ports.
PLAIN='' TLS='' EVIL='' TOKEN='' TOKENSRV='' BEARER='' UNREACH='' STATE='' ARCH='' OTHER_ARCH='' BUILD=''

load_ports() {
  local st=$1
  [[ -s $st/plain/port && -s $st/tls/port && -s $st/evil/port && -s $st/token/port && -s $st/token/tokensrv.port ]] ||
    die "registries not started in $st (run: fixture.sh start $st)"
  PLAIN="127.0.0.1:$(<"$st/plain/port")"
  TLS="127.0.0.1:$(<"$st/tls/port")"
  EVIL="127.0.0.1:$(<"$st/evil/port")"
  TOKEN="127.0.0.1:$(<"$st/token/port")"
  TOKENSRV="127.0.0.1:$(<"$st/token/tokensrv.port")"
  if [[ ! -s $st/unreachable.port ]]; then free_port >"$st/unreachable.port"; fi
  UNREACH="127.0.0.1:$(<"$st/unreachable.port")"
}

# base_url <plain|tls|evil>
base_url() {
  case $1 in
    plain) echo "http://$PLAIN" ;;
    tls) echo "https://$TLS" ;;
    evil) echo "http://$EVIL" ;;
    token) echo "http://$TOKEN" ;;
    *) die "unknown registry $1" ;;
  esac
}
host_of() {
  case $1 in plain) echo "$PLAIN" ;; tls) echo "$TLS" ;; evil) echo "$EVIL" ;; token) echo "$TOKEN" ;; esac
}

# rcurl <registry> curl-args...: curl with the registry's CA and credentials.
rcurl() {
  local kind=$1
  shift
  if [[ $kind == tls ]]; then
    curl -sS --fail-with-body --max-time 120 --cacert "$STATE/ca.crt" -u "$USERNAME:$PASSWORD" "$@"
  elif [[ $kind == token ]]; then
    if [[ -z $BEARER ]]; then
      BEARER=$(curl -sS --fail-with-body -u "$USERNAME:$PASSWORD" \
        "http://$TOKENSRV/token?service=$TOKEN_SERVICE&scope=repository:public/busybox:pull,push&scope=repository:private/busybox:pull,push" |
        jq -r .token)
    fi
    curl -sS --fail-with-body --max-time 120 -H "Authorization: Bearer $BEARER" "$@"
  else
    curl -sS --fail-with-body --max-time 120 "$@"
  fi
}

# push_blob <registry> <repo> <file>: upload (POST + PUT) unless present; prints digest.
push_blob() {
  local kind=$1 repo=$2 file=$3 digest base loc code
  digest=$(sha256_of "$file")
  base=$(base_url "$kind")
  code=$(rcurl "$kind" -o /dev/null -w '%{http_code}' -I "$base/v2/$repo/blobs/$digest" 2>/dev/null || true)
  if [[ $code != 200 ]]; then
    loc=$(rcurl "$kind" -X POST -D - -o /dev/null "$base/v2/$repo/blobs/uploads/" |
      tr -d '\r' | sed -n 's/^[Ll]ocation: *//p')
    [[ -n $loc ]] || die "push_blob: no upload location for $repo"
    [[ $loc == /* ]] && loc="$base$loc"
    if [[ $loc == *\?* ]]; then loc="$loc&digest=$digest"; else loc="$loc?digest=$digest"; fi
    rcurl "$kind" -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' -T "$file" "$loc" ||
      die "push_blob: upload of $file to $repo failed"
  fi
  echo "$digest"
}

# push_manifest <registry> <repo> <tag-or-digest> <file> <media-type>: prints digest.
push_manifest() {
  local kind=$1 repo=$2 ref=$3 file=$4 mt=$5 digest got base
  digest=$(sha256_of "$file")
  base=$(base_url "$kind")
  got=$(rcurl "$kind" -X PUT -H "Content-Type: $mt" --data-binary "@$file" -D - -o /dev/null \
    "$base/v2/$repo/manifests/$ref" | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p') ||
    die "push_manifest: PUT $repo:$ref failed"
  [[ $got == "$digest" ]] || die "push_manifest: registry says $got for $repo:$ref, expected $digest"
  echo "$digest"
}

# fetch_manifest <registry> <repo> <ref> <out-file>
fetch_manifest() {
  rcurl "$1" -H "Accept: $ACCEPT_ALL" -o "$4" "$(base_url "$1")/v2/$2/manifests/$3"
}

# skopeo_push <oci-tag> <registry> <repo:tag> [extra skopeo copy args]: prints digest.
skopeo_push() {
  local src=$1 kind=$2 dst=$3 df
  shift 3
  df=$(mktemp "$STATE/tmp/digest.XXXXXX")
  local args=(--policy "$STATE/policy.json" --registries-conf "$STATE/registries-empty.conf"
    copy -q --digestfile "$df")
  if [[ $kind == tls ]]; then
    args+=(--dest-cert-dir "$STATE/certs.d/$TLS" --dest-creds "$USERNAME:$PASSWORD")
  elif [[ $kind == token ]]; then
    args+=(--dest-tls-verify=false --dest-creds "$USERNAME:$PASSWORD")
  else
    args+=(--dest-tls-verify=false)
  fi
  TMPDIR="$STATE/tmp" skopeo "${args[@]}" "$@" "oci:$BUILD/oci:$src" "docker://$(host_of "$kind")/$dst" >&2 ||
    die "skopeo copy $src -> $dst failed"
  cat "$df"
  rm -f "$df"
}

# bg_run <name> <cmd...>: run a function/command as a background job, stdout to a file.
BG_PIDS=()
bg_run() {
  local name=$1
  shift
  "$@" >"$BUILD/bg.$name" &
  BG_PIDS+=($!)
}
bg_wait() {
  local p failed=0
  for p in "${BG_PIDS[@]}"; do wait "$p" || failed=1; done
  BG_PIDS=()
  ((failed == 0)) || die "a background step failed (see messages above)"
}
bg_out() { cat "$BUILD/bg.$1"; }

# layout_blob <digest>: path of a blob in the build OCI layout.
layout_blob() { echo "$BUILD/oci/blobs/sha256/${1#sha256:}"; }
# layout_manifest <tag>: path of the manifest blob of an OCI layout tag.
layout_manifest() {
  local d
  d=$(jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
    "$BUILD/oci/index.json")
  [[ -n $d ]] || die "no tag $1 in the layout"
  layout_blob "$d"
}

# ---------------------------------------------------------------- recording --

# record <id> <registry> <repo> <tag> <digest-ref> <expect> <description> [extra-json]
# Fetches the manifest back from the registry, checks its digest, writes images.d/<id>.json.
record() {
  local id=$1 kind=$2 repo=$3 tag=$4 digest=$5 expect=$6 desc=$7 extra=${8:-"{}"}
  local m="$STATE/tmp/rec-$id.manifest" got mt cfg host cfgfile platform="null" children="[]"
  host=$(host_of "$kind")
  fetch_manifest "$kind" "$repo" "${tag:-$digest}" "$m" || die "record: cannot fetch $repo:${tag:-$digest}"
  got=$(sha256_of "$m")
  if [[ $got != "$digest" ]] && [[ $(jq -r '.error_kind // ""' <<<"$extra") != manifest-digest-mismatch ]]; then
    die "record $id: registry serves $got, pushed $digest"
  fi
  mt=$(jq -r '.mediaType // empty' "$m")
  if [[ -z $mt ]]; then
    if [[ $(jq -r '.schemaVersion' "$m") == 1 ]]; then mt=$MT_SCHEMA1_SIGNED; else mt=$MT_OCI_MANIFEST; fi
  fi
  cfg=$(jq -r '.config.digest // empty' "$m")
  cfgfile="$STATE/tmp/rec-$id.config"
  echo '{}' >"$cfgfile"
  if [[ -n $cfg ]]; then
    rcurl "$kind" -o "$cfgfile" "$(base_url "$kind")/v2/$repo/blobs/$cfg" || echo '{}' >"$cfgfile"
    platform=$(jq -c 'if .os then ([.os, .architecture] + (if .variant then [.variant] else [] end) | join("/")) else null end' "$cfgfile")
  fi
  if [[ $mt == "$MT_OCI_INDEX" || $mt == "$MT_DOCKER_LIST" ]]; then
    children=$(jq -c '[.manifests[] | {digest, media_type: .mediaType, size,
      platform: ([.platform.os, .platform.architecture] + (if .platform.variant then [.platform.variant] else [] end) | join("/"))}]' "$m")
  fi
  local ref="$host/$repo:$tag"
  [[ -z $tag ]] && ref="$host/$repo@$digest"
  jq -n --arg id "$id" --arg registry "$kind" --arg host "$host" --arg repo "$repo" --arg tag "$tag" \
    --arg ref "$ref" --arg digest "$digest" --arg mt "$mt" --arg expect "$expect" --arg desc "$desc" \
    --argjson size "$(size_of "$m")" --argjson platform "$platform" --argjson children "$children" \
    --slurpfile man "$m" --slurpfile conf "$cfgfile" --argjson extra "$extra" '
    ($man[0]) as $M | ($conf[0]) as $C |
    {
      id: $id, registry: $registry, host: $host, repository: $repo,
      tag: (if $tag == "" then null else $tag end),
      reference: $ref,
      digest_reference: ($host + "/" + $repo + "@" + $digest),
      additional_references: [],
      manifest_digest: $digest, manifest_media_type: $mt, manifest_size: $size,
      config_digest: ($M.config.digest // null),
      image_id: ($M.config.digest // null),
      config_media_type: ($M.config.mediaType // null),
      layers: [($M.layers // [])[] | {digest, media_type: .mediaType, size}],
      layer_count: (($M.layers // []) | length),
      platform: $platform,
      user: ($C.config.User // null),
      annotations: ($M.annotations // {}),
      index_manifests: $children,
      expect: $expect,
      error_kind: null,
      description: $desc
    } + $extra' >"$STATE/images.d/$id.json"
}

# ------------------------------------------------------------------- images --

populate_busybox_rootfs() {
  local r=$1 a
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/home/app" "$r/proc" "$r/sys" "$r/dev" "$r/var/tmp"
  cp "$BUSYBOX_BIN" "$r/bin/busybox"
  chmod 0755 "$r/bin/busybox"
  for a in $APPLETS; do ln -sf busybox "$r/bin/$a"; done
  printf '%s\n' "root:x:0:0:root:/root:/bin/sh" \
    "app:x:1000:1000:app:/home/app:/bin/sh" \
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >"$r/etc/passwd"
  printf '%s\n' "root:x:0:" "app:x:1000:" "nogroup:x:65534:" >"$r/etc/group"
  chmod 1777 "$r/tmp" "$r/var/tmp"
  chmod 0700 "$r/root"
  if ((EUID == 0)); then chown 1000:1000 "$r/home/app"; fi
}

# tar_dir <dir> <out.tar>: deterministic tar of a directory's content (root-owned,
# entries named "data/a" rather than "./data/a", as docker and buildkit write them).
tar_dir() {
  local entries=()
  mapfile -t entries < <(find "$1" -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 \
    --format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$1" -cf "$2" -- "${entries[@]}"
}

# craft_image <registry> <repo> <tag> <config.json> <manifest-annotations-json> <layer-file:media-type>...
# Pushes blobs + an OCI manifest; prints the manifest digest. Layer sizes/digests come from the files.
craft_image() {
  local kind=$1 repo=$2 tag=$3 cfg=$4 ann=$5 cfgmt=${CRAFT_CONFIG_MT:-$MT_OCI_CONFIG}
  shift 5
  local layers="[]" spec f lmt d m
  for spec in "$@"; do
    f=${spec%%:application/*}
    lmt=${spec#"$f":}
    d=$(push_blob "$kind" "$repo" "$f")
    layers=$(jq -c --arg d "$d" --arg mt "$lmt" --argjson s "$(size_of "$f")" \
      '. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$layers")
  done
  d=$(push_blob "$kind" "$repo" "$cfg")
  m=$(mktemp "$STATE/tmp/manifest.XXXXXX")
  jq -n --arg cmt "$cfgmt" --arg cd "$d" --argjson cs "$(size_of "$cfg")" --argjson layers "$layers" \
    --argjson ann "$ann" --arg mt "$MT_OCI_MANIFEST" '
    {schemaVersion: 2, mediaType: $mt, config: {mediaType: $cmt, digest: $cd, size: $cs},
     layers: $layers} + (if ($ann | length) > 0 then {annotations: $ann} else {} end)' >"$m"
  if [[ -n ${CRAFT_MANIFEST_FILTER:-} ]]; then
    jq "$CRAFT_MANIFEST_FILTER" "$m" >"$m.f" && mv "$m.f" "$m"
  fi
  cp "$m" "$BUILD/crafted-$repo-$tag.json"
  push_manifest "$kind" "$repo" "$tag" "$m" "$MT_OCI_MANIFEST"
  rm -f "$m"
}

# make_config <from-config.json> <out.json> <jq-filter>
make_config() { jq -c "$3" "$1" >"$2"; }

build_images() {
  local st=$1 t0
  t0=$(date +%s.%N)
  STATE=$st
  load_ports "$st"
  ARCH=$(host_arch)
  if [[ $ARCH == arm64 ]]; then OTHER_ARCH=amd64; else OTHER_ARCH=arm64; fi
  BUILD="$st/build"
  local umoci_opts=()
  ((EUID == 0)) || umoci_opts=(--rootless)
  rm -rf "$BUILD" "$st/images.d" "$st/tmp" "$st/evil/root"
  mkdir -p "$BUILD" "$st/images.d" "$st/tmp" "$st/evil/root"
  write_client_files "$st"

  local L="$BUILD/oci"
  umoci init --layout "$L"
  umoci new --image "$L:empty"

  # -- 1. busybox ----------------------------------------------------------
  log "building busybox"
  umoci unpack "${umoci_opts[@]}" --image "$L:empty" "$BUILD/bb" >/dev/null
  populate_busybox_rootfs "$BUILD/bb/rootfs"
  umoci repack --image "$L:busybox-layer" --history.created_by "fixture: busybox-static + applets + passwd" "$BUILD/bb"
  local common=(--os linux --architecture "$ARCH" --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    --config.workingdir / --no-history)
  umoci config --image "$L:busybox-layer" --tag busybox "${common[@]}" --config.cmd sh \
    --config.label fixture.image=busybox
  umoci config --image "$L:busybox" --tag user --no-history --config.user 1000 --config.label fixture.image=user
  umoci config --image "$L:busybox" --tag user-named --no-history --config.user app --config.label fixture.image=user-named
  umoci config --image "$L:busybox" --tag annotated --no-history --config.label fixture.image=annotated \
    --manifest.annotation "org.opencontainers.image.title=crio-fixture-annotated" \
    --manifest.annotation "seccomp-profile.kubernetes.cri-o.io/POD=$PLAIN/seccomp:v1" \
    --manifest.annotation "io.crio.fixture/note=manifest annotation for tests"
  # The same profile named from an image, for one container (c1) and for the whole pod
  # (the bare key, which CRI-O reads as /POD on images).
  umoci config --image "$L:busybox" --tag annotated-container --no-history \
    --config.label fixture.image=annotated-container \
    --manifest.annotation "seccomp-profile.kubernetes.cri-o.io/c1=$PLAIN/seccomp:v1"
  umoci config --image "$L:busybox" --tag annotated-bare --no-history \
    --config.label fixture.image=annotated-bare \
    --manifest.annotation "seccomp-profile.kubernetes.cri-o.io=$PLAIN/seccomp:v1"
  umoci config --image "$L:busybox" --tag pause --no-history --config.label fixture.image=pause \
    --clear config.cmd --config.entrypoint /bin/sleep --config.cmd infinity
  umoci config --image "$L:busybox" --tag dockerv2 --no-history --config.label fixture.image=dockerv2
  umoci config --image "$L:busybox" --tag multiarch-host --no-history --config.label fixture.image=multiarch

  # -- 2. multilayer: layer 2 via umoci repack, layer 3 crafted (whiteout + opaque) --
  log "building multilayer"
  umoci unpack "${umoci_opts[@]}" --image "$L:busybox" "$BUILD/ml" >/dev/null
  local r="$BUILD/ml/rootfs"
  mkdir -p "$r/data/keep" "$r/opt/dir"
  echo a >"$r/data/a"
  echo b >"$r/data/b"
  echo x >"$r/data/keep/x"
  echo f >"$r/opt/dir/f"
  ln "$r/data/b" "$r/data/b.hardlink"
  ln -s b "$r/data/b.symlink"
  umoci repack --image "$L:ml2" --history.created_by "fixture: add /data and /opt/dir" "$BUILD/ml"
  local l3="$BUILD/ml-layer3"
  mkdir -p "$l3/data" "$l3/opt/dir"
  : >"$l3/data/.wh.a"
  : >"$l3/opt/dir/.wh..wh..opq"
  echo new >"$l3/opt/dir/new"
  tar_dir "$l3" "$BUILD/ml-layer3.tar"
  umoci raw add-layer --image "$L:ml2" --tag multilayer --history.created_by "fixture: whiteout /data/a, opaque /opt/dir" \
    "$BUILD/ml-layer3.tar"
  umoci config --image "$L:multilayer" --no-history --config.label fixture.image=multilayer

  # -- other-arch images for the index (never run): one small crafted layer each --
  local oa="$BUILD/otherarch"
  mkdir -p "$oa/etc"
  echo "not runnable here: $OTHER_ARCH" >"$oa/etc/fixture-arch"
  tar_dir "$oa" "$BUILD/otherarch.tar"
  umoci raw add-layer --image "$L:empty" --tag other-arch --history.created_by "fixture: other-arch file" "$BUILD/otherarch.tar"
  umoci config --image "$L:other-arch" --no-history --os linux --architecture "$OTHER_ARCH" \
    --config.cmd /bin/sh --config.label fixture.image=multiarch-$OTHER_ARCH
  echo "not runnable here: arm/v7" >"$oa/etc/fixture-arch"
  tar_dir "$oa" "$BUILD/armv7.tar"
  umoci raw add-layer --image "$L:empty" --tag armv7 --history.created_by "fixture: arm/v7 file" "$BUILD/armv7.tar"
  umoci config --image "$L:armv7" --no-history --os linux --architecture arm \
    --config.cmd /bin/sh --config.label fixture.image=multiarch-armv7

  # -- push the umoci images with skopeo --
  log "pushing with skopeo"
  # Independent pushes run as parallel jobs (each writes its digest to $BUILD/digest.<name>).
  bg_run bb skopeo_push busybox plain busybox:latest
  bg_run priv skopeo_push busybox tls private/busybox:latest
  bg_run tpub skopeo_push busybox token public/busybox:latest
  bg_run tpriv skopeo_push busybox token private/busybox:latest
  bg_run mh skopeo_push multiarch-host plain "multiarch:$ARCH"
  bg_run dv2 skopeo_push dockerv2 plain dockerv2:latest --format v2s2
  bg_wait
  bg_run bb136 skopeo_push busybox plain busybox:1.36
  bg_run user skopeo_push user plain user:latest
  bg_run named skopeo_push user-named plain user:named
  bg_run ann skopeo_push annotated plain annotated:latest
  bg_run annc skopeo_push annotated-container plain annotated-container:latest
  bg_run annb skopeo_push annotated-bare plain annotated-bare:latest
  bg_run pause skopeo_push pause plain pause:latest
  bg_run ml skopeo_push multilayer plain multilayer:latest
  bg_run mirror skopeo_push busybox plain mirror/library/busybox:latest
  bg_run oa skopeo_push other-arch plain "multiarch:$OTHER_ARCH"
  bg_run v7 skopeo_push armv7 plain multiarch:armv7
  bg_run dl skopeo_push dockerv2 plain "dockerlist:$ARCH" --format v2s2
  bg_wait
  local d_bb d_user d_named d_ann d_pause d_ml d_dv2 d_mh d_oa d_v7 d_priv d_mirror d_tpub d_tpriv
  d_bb=$(bg_out bb) d_user=$(bg_out user) d_named=$(bg_out named) d_ann=$(bg_out ann)
  d_pause=$(bg_out pause) d_ml=$(bg_out ml) d_dv2=$(bg_out dv2) d_mh=$(bg_out mh) d_oa=$(bg_out oa)
  d_v7=$(bg_out v7) d_priv=$(bg_out priv) d_mirror=$(bg_out mirror) d_tpub=$(bg_out tpub)
  d_tpriv=$(bg_out tpriv)
  local d_annc d_annb
  d_annc=$(bg_out annc) d_annb=$(bg_out annb)
  [[ $(bg_out bb136) == "$d_bb" ]] || die "busybox:1.36 and busybox:latest differ"

  # -- 5. multi-arch OCI index and a Docker manifest list (crafted, pushed with curl) --
  log "crafting index, zstd, uncompressed, corrupt images"
  local tmpm="$st/tmp/child.json" idx="$BUILD/multiarch-index.json" sz_mh sz_oa sz_v7 sz_dv2
  fetch_manifest plain multiarch "$d_mh" "$tmpm"; sz_mh=$(size_of "$tmpm")
  fetch_manifest plain multiarch "$d_oa" "$tmpm"; sz_oa=$(size_of "$tmpm")
  fetch_manifest plain multiarch "$d_v7" "$tmpm"; sz_v7=$(size_of "$tmpm")
  jq -n --arg mt "$MT_OCI_INDEX" --arg cmt "$MT_OCI_MANIFEST" \
    --arg d1 "$d_v7" --argjson s1 "$sz_v7" --arg d2 "$d_oa" --argjson s2 "$sz_oa" --arg a2 "$OTHER_ARCH" \
    --arg d3 "$d_mh" --argjson s3 "$sz_mh" --arg a3 "$ARCH" '
    {schemaVersion: 2, mediaType: $mt, manifests: [
      {mediaType: $cmt, digest: $d1, size: $s1, platform: {os: "linux", architecture: "arm", variant: "v7"}},
      {mediaType: $cmt, digest: $d2, size: $s2, platform: ({os: "linux", architecture: $a2} + (if $a2 == "arm64" then {variant: "v8"} else {} end))},
      {mediaType: $cmt, digest: $d3, size: $s3, platform: {os: "linux", architecture: $a3}}
    ], annotations: {"org.opencontainers.image.title": "crio-fixture-multiarch"}}' >"$idx"
  local d_idx d_list
  d_idx=$(push_manifest plain multiarch latest "$idx" "$MT_OCI_INDEX")
  fetch_manifest plain dockerlist "$ARCH" "$tmpm"
  sz_dv2=$(size_of "$tmpm")
  local d_dl_child c_dl_child
  d_dl_child=$(sha256_of "$tmpm")
  c_dl_child=$(jq -r .config.digest "$tmpm")
  jq -n --arg mt "$MT_DOCKER_LIST" --arg cmt "$MT_DOCKER_MANIFEST" --arg d "$d_dl_child" --argjson s "$sz_dv2" \
    --arg a "$ARCH" '{schemaVersion: 2, mediaType: $mt, manifests: [
      {mediaType: $cmt, digest: $d, size: $s, platform: {os: "linux", architecture: $a}}]}' >"$BUILD/dockerlist.json"
  d_list=$(push_manifest plain dockerlist latest "$BUILD/dockerlist.json" "$MT_DOCKER_LIST")

  # -- 6. zstd and uncompressed variants of the busybox layer (crafted) --
  local bbm bbcfg bblayer
  bbm=$(layout_manifest busybox)
  bbcfg=$(layout_blob "$(jq -r .config.digest "$bbm")")
  bblayer=$(layout_blob "$(jq -r '.layers[0].digest' "$bbm")")
  gzip -dc "$bblayer" >"$BUILD/busybox-layer.tar"
  zstd -q -3 -f "$BUILD/busybox-layer.tar" -o "$BUILD/busybox-layer.tar.zst"
  make_config "$bbcfg" "$BUILD/zstd-config.json" '.config.Labels["fixture.image"] = "zstd"'
  make_config "$bbcfg" "$BUILD/uncompressed-config.json" '.config.Labels["fixture.image"] = "uncompressed"'
  local d_zstd d_unc
  d_zstd=$(craft_image plain zstd latest "$BUILD/zstd-config.json" '{}' "$BUILD/busybox-layer.tar.zst:$MT_OCI_LAYER_ZSTD")
  d_unc=$(craft_image plain uncompressed latest "$BUILD/uncompressed-config.json" '{}' "$BUILD/busybox-layer.tar:$MT_OCI_LAYER_TAR")

  # -- 8a. corrupt: layer descriptors with a wrong size (the real registry accepts these) --
  make_config "$bbcfg" "$BUILD/corrupt-config.json" '.config.Labels["fixture.image"] = "corrupt"'
  local d_corrupt d_corrupt_big
  d_corrupt=$(CRAFT_MANIFEST_FILTER='.layers[0].size -= 100' \
    craft_image plain corrupt latest "$BUILD/corrupt-config.json" '{}' "$bblayer:$MT_OCI_LAYER_GZIP")
  d_corrupt_big=$(CRAFT_MANIFEST_FILTER='.layers[0].size += 100' \
    craft_image plain corrupt size-too-large "$BUILD/corrupt-config.json" '{}' "$bblayer:$MT_OCI_LAYER_GZIP")

  # -- seccomp OCI artifact the annotated image points at (placeholder profile) --
  printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdirat","mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' \
    >"$BUILD/seccomp-profile.json"
  echo '{}' >"$BUILD/seccomp-config.json"
  local d_seccomp
  d_seccomp=$(CRAFT_CONFIG_MT=$MT_SECCOMP_CONFIG \
    CRAFT_MANIFEST_FILTER='.layers[0].annotations = {"org.opencontainers.image.title": "profile.json"}' \
    craft_image plain seccomp v1 "$BUILD/seccomp-config.json" '{}' "$BUILD/seccomp-profile.json:$MT_OCI_LAYER_TAR")
  # Artifacts CRI-O must refuse, and a two-layer one for profile stacking. The registry
  # stores them all: only the runtime's checks catch them.
  printf '{}' >"$BUILD/empty-config.json" # the OCI empty descriptor's content
  printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["rmdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' \
    >"$BUILD/seccomp-profile-rmdir.json"
  printf '%s\n' 'defaultAction: SCMP_ACT_ALLOW # YAML, not JSON' >"$BUILD/seccomp-not-json.txt"
  local d_seccomp_wrong d_seccomp_nolayers d_seccomp_badjson d_seccomp_stacked
  d_seccomp_wrong=$(CRAFT_CONFIG_MT=$MT_OCI_EMPTY \
    craft_image plain seccomp wrong-media-type "$BUILD/empty-config.json" '{}' "$BUILD/seccomp-profile.json:$MT_OCI_LAYER_TAR")
  d_seccomp_nolayers=$(CRAFT_CONFIG_MT=$MT_SECCOMP_CONFIG \
    craft_image plain seccomp no-layers "$BUILD/seccomp-config.json" '{}')
  d_seccomp_badjson=$(CRAFT_CONFIG_MT=$MT_SECCOMP_CONFIG \
    craft_image plain seccomp invalid-json "$BUILD/seccomp-config.json" '{}' "$BUILD/seccomp-not-json.txt:$MT_OCI_LAYER_TAR")
  d_seccomp_stacked=$(CRAFT_CONFIG_MT=$MT_SECCOMP_CONFIG \
    CRAFT_MANIFEST_FILTER='.layers[0].annotations = {"org.opencontainers.image.title": "profile.json"} | .layers[1].annotations = {"org.opencontainers.image.title": "rmdir.json"}' \
    craft_image plain seccomp stacked "$BUILD/seccomp-config.json" '{}' \
    "$BUILD/seccomp-profile.json:$MT_OCI_LAYER_TAR" "$BUILD/seccomp-profile-rmdir.json:$MT_OCI_LAYER_TAR")

  # -- 8b/9. the evil registry's content --
  build_evil_content

  # -- 7. big (FIXTURE_BIG=1) --
  local d_big=""
  if [[ $FIXTURE_BIG == 1 ]]; then
    log "building big (~100 MB)"
    local i specs=("$bblayer:$MT_OCI_LAYER_GZIP") diffs
    diffs=$(jq -c '.rootfs.diff_ids' "$bbcfg")
    for i in 1 2 3 4 5; do
      rm -rf "$BUILD/big$i" && mkdir -p "$BUILD/big$i/big"
      head -c $((20 * 1024 * 1024)) /dev/urandom >"$BUILD/big$i/big/layer$i.bin"
      tar_dir "$BUILD/big$i" "$BUILD/big$i.tar"
      diffs=$(jq -c --arg d "$(sha256_of "$BUILD/big$i.tar")" '. + [$d]' <<<"$diffs")
      gzip -1 -n -c "$BUILD/big$i.tar" >"$BUILD/big$i.tar.gz"
      rm -rf "$BUILD/big$i" "$BUILD/big$i.tar"
      specs+=("$BUILD/big$i.tar.gz:$MT_OCI_LAYER_GZIP")
    done
    make_config "$bbcfg" "$BUILD/big-config.json" \
      ".config.Labels[\"fixture.image\"] = \"big\" | .rootfs.diff_ids = $diffs"
    d_big=$(craft_image plain big latest "$BUILD/big-config.json" '{}' "${specs[@]}")
  fi

  # -- record everything (fetches every manifest back and checks its digest) --
  log "recording"
  local plain_ml_expect
  plain_ml_expect='{"expect_files": {"present": ["/bin/busybox", "/data/b", "/data/b.hardlink", "/data/b.symlink", "/data/keep/x", "/opt/dir/new"], "absent": ["/data/a", "/opt/dir/f"]}, "layer_whiteouts": {"3": ["data/.wh.a", "opt/dir/.wh..wh..opq"]}}'
  bg_run rec-busybox record busybox plain busybox latest "$d_bb" ok "busybox-static, applets as symlinks, /etc/passwd with root and app (1000:1000), Cmd [sh]" \
    "$(jq -nc --arg r "$PLAIN/busybox:1.36" '{additional_references: [$r]}')"
  bg_run rec-busybox-1.36 record busybox-1.36 plain busybox 1.36 "$d_bb" ok "second tag of busybox:latest (same manifest, same image id)"
  bg_run rec-user record user plain user latest "$d_user" ok "busybox with User 1000"
  bg_run rec-user-named record user-named plain user named "$d_named" ok "busybox with User app (uid 1000 via /etc/passwd)"
  bg_run rec-annotated record annotated plain annotated latest "$d_ann" ok "busybox with manifest annotations (title, seccomp-profile.kubernetes.cri-o.io/POD)"
  bg_run rec-pause record pause plain pause latest "$d_pause" ok "pause image: Entrypoint [/bin/sleep], Cmd [infinity]"
  bg_run rec-multilayer record multilayer plain multilayer latest "$d_ml" ok "busybox + /data,/opt/dir (layer 2) + whiteout of /data/a and opaque /opt/dir with /opt/dir/new (layer 3)" \
    "$plain_ml_expect"
  bg_run rec-dockerv2 record dockerv2 plain dockerv2 latest "$d_dv2" ok "busybox as a Docker schema2 manifest"
  bg_run rec-dockerlist record dockerlist plain dockerlist latest "$d_list" ok "Docker manifest list with one linux/$ARCH schema2 entry" \
    "$(jq -nc --arg d "$d_dl_child" --arg c "$c_dl_child" '{host_manifest_digest: $d, host_config_digest: $c, image_id: $c}')"
  bg_run rec-multiarch record multiarch plain multiarch latest "$d_idx" ok "OCI index: linux/arm/v7, linux/$OTHER_ARCH, linux/$ARCH (host, runnable busybox)" \
    "$(jq -nc --arg d "$d_mh" --arg c "$(jq -r .config.digest "$(layout_manifest multiarch-host)")" \
      '{host_manifest_digest: $d, host_config_digest: $c, image_id: $c}')"
  bg_run rec-zstd record zstd plain zstd latest "$d_zstd" ok "busybox layer recompressed with zstd (same diff_id as busybox)"
  bg_run rec-uncompressed record uncompressed plain uncompressed latest "$d_unc" ok "busybox layer as plain tar (application/vnd.oci.image.layer.v1.tar)"
  bg_run rec-mirror-busybox record mirror-busybox plain mirror/library/busybox latest "$d_mirror" ok "busybox under the mirror path; docker.io/library/busybox:latest resolves to it via registries.conf" \
    "$(jq -nc '{pull_reference: "docker.io/library/busybox:latest", short_name: "busybox"}')"
  bg_run rec-private-busybox record private-busybox tls private/busybox latest "$d_priv" ok "busybox on the TLS + htpasswd registry (needs ca + testuser/testpassword)"
  bg_run rec-token-public-busybox record token-public-busybox token public/busybox latest "$d_tpub" ok "busybox on the Bearer-token registry; anonymous pull allowed (public/)"
  bg_run rec-token-private-busybox record token-private-busybox token private/busybox latest "$d_tpriv" ok "busybox on the Bearer-token registry; pull needs testuser/testpassword (or the identity token)"
  bg_run rec-seccomp record seccomp plain seccomp v1 "$d_seccomp" ok "OCI artifact: config $MT_SECCOMP_CONFIG, one layer = a seccomp profile JSON (placeholder)" \
    '{"kind": "artifact", "denied_syscalls": {"mkdir": 1, "mkdirat": 1}}'
  bg_run rec-seccomp-wrong-media-type record seccomp-wrong-media-type plain seccomp wrong-media-type "$d_seccomp_wrong" error \
    "OCI artifact with config media type $MT_OCI_EMPTY (oras push's default): not a seccomp profile" \
    '{"kind": "artifact", "error_kind": "artifact-config-media-type"}'
  bg_run rec-seccomp-no-layers record seccomp-no-layers plain seccomp no-layers "$d_seccomp_nolayers" error \
    "OCI artifact with the seccomp config media type and no layer: no profile" \
    '{"kind": "artifact", "error_kind": "artifact-no-layers"}'
  bg_run rec-seccomp-invalid-json record seccomp-invalid-json plain seccomp invalid-json "$d_seccomp_badjson" error \
    "OCI artifact whose only layer is not JSON" \
    '{"kind": "artifact", "error_kind": "artifact-invalid-json"}'
  bg_run rec-seccomp-stacked record seccomp-stacked plain seccomp stacked "$d_seccomp_stacked" ok \
    "OCI artifact, two layers: layer 1 = the seccomp:v1 profile, layer 2 = same defaultAction + rmdir -> EPERM" \
    '{"kind": "artifact", "denied_syscalls": {"mkdir": 1, "mkdirat": 1, "rmdir": 1}, "first_layer_denied_syscalls": {"mkdir": 1, "mkdirat": 1}}'
  bg_run rec-annotated-container record annotated-container plain annotated-container latest "$d_annc" ok \
    "busybox with the container-specific image annotation seccomp-profile.kubernetes.cri-o.io/c1" \
    "$(jq -nc --arg r "$PLAIN/seccomp:v1" '{seccomp_container: "c1", seccomp_profile_reference: $r}')"
  bg_run rec-annotated-bare record annotated-bare plain annotated-bare latest "$d_annb" ok \
    "busybox with the bare image annotation seccomp-profile.kubernetes.cri-o.io (whole pod)" \
    "$(jq -nc --arg r "$PLAIN/seccomp:v1" '{seccomp_profile_reference: $r}')"
  bg_run rec-corrupt record corrupt plain corrupt latest "$d_corrupt" error "layer descriptor size 100 bytes SMALLER than the blob: client must refuse the blob as larger than declared" \
    '{"error_kind": "size-mismatch"}'
  bg_run rec-corrupt-size-too-large record corrupt-size-too-large plain corrupt size-too-large "$d_corrupt_big" error "layer descriptor size 100 bytes LARGER than the blob: short read / size mismatch must fail" \
    '{"error_kind": "size-mismatch"}'
  bg_run rec-corruptdigest record corruptdigest evil corruptdigest latest "$D_CORRUPTDIGEST" error "evil registry: layer blob bytes (same size, valid tar) do not hash to the layer digest" \
    '{"error_kind": "blob-digest-mismatch"}'
  bg_run rec-corruptmanifest record corruptmanifest evil corruptmanifest "" "$D_CORRUPTMANIFEST" error "evil registry: pull by digest; the manifest bytes served hash to something else" \
    '{"error_kind": "manifest-digest-mismatch"}'
  bg_run rec-schema1 record schema1 evil schema1 latest "$D_SCHEMA1" error "evil registry: Docker schema1 signed manifest (prettyjws), must be refused" \
    '{"error_kind": "schema1"}'
  bg_run rec-schema1-unsigned record schema1-unsigned evil schema1 unsigned "$D_SCHEMA1U" error "evil registry: Docker schema1 unsigned manifest (v1+json), must be refused" \
    '{"error_kind": "schema1"}'
  if [[ -n $d_big ]]; then
    bg_run rec-big record big plain big latest "$d_big" ok "busybox layer + 5 layers of 20 MiB random data (gzip -1), for bench/"
  fi
  bg_wait

  # check the whiteouts really are in layer 3 of multilayer
  local l3d
  l3d=$(jq -r '.layers[2].digest' "$st/images.d/multilayer.json")
  tar tzvf "$(layout_blob "$l3d")" >"$BUILD/multilayer-layer3.list"
  grep -q 'data/\.wh\.a$' "$BUILD/multilayer-layer3.list" || die "multilayer layer 3 lacks data/.wh.a"
  grep -q 'opt/dir/\.wh\.\.wh\.\.opq$' "$BUILD/multilayer-layer3.list" || die "multilayer layer 3 lacks the opaque marker"

  write_outputs "$st"
  rm -rf "$BUILD/bb" "$BUILD/ml" "$st/tmp"
  mkdir -p "$st/tmp"
  log "images built and pushed in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
}

# The evil registry serves files; corruption is in the data.
build_evil_content() {
  local root="$STATE/evil/root" b="$BUILD/evil"
  mkdir -p "$b/good/fixture" "$b/bad/fixture"
  # Two plain tars of identical size and structure, differing in one byte of content.
  printf 'good payload %064d\n' 0 >"$b/good/fixture/payload"
  printf 'evil payload %064d\n' 0 >"$b/bad/fixture/payload"
  tar_dir "$b/good" "$b/good.tar"
  tar_dir "$b/bad" "$b/bad.tar"
  [[ $(size_of "$b/good.tar") == $(size_of "$b/bad.tar") ]] || die "evil tars differ in size"
  local dgood cfg cfgd man
  dgood=$(sha256_of "$b/good.tar")
  cfg="$b/config.json"
  jq -nc --arg a "$ARCH" --arg d "$dgood" '{architecture: $a, os: "linux",
    config: {Cmd: ["/bin/sh"], Labels: {"fixture.image": "corruptdigest"}},
    rootfs: {type: "layers", diff_ids: [$d]}}' >"$cfg"
  cfgd=$(sha256_of "$cfg")
  mkdir -p "$root/corruptdigest/manifests" "$root/corruptdigest/blobs"
  cp "$cfg" "$root/corruptdigest/blobs/$cfgd"
  cp "$b/bad.tar" "$root/corruptdigest/blobs/$dgood" # the lie
  man="$root/corruptdigest/manifests/latest"
  jq -nc --arg mt "$MT_OCI_MANIFEST" --arg cmt "$MT_OCI_CONFIG" --arg cd "$cfgd" --argjson cs "$(size_of "$cfg")" \
    --arg lmt "$MT_OCI_LAYER_TAR" --arg ld "$dgood" --argjson ls "$(size_of "$b/good.tar")" \
    '{schemaVersion: 2, mediaType: $mt, config: {mediaType: $cmt, digest: $cd, size: $cs},
      layers: [{mediaType: $lmt, digest: $ld, size: $ls}]}' >"$man"
  echo "$MT_OCI_MANIFEST" >"$man.type"
  D_CORRUPTDIGEST=$(sha256_of "$man")
  cp "$man" "$root/corruptdigest/manifests/$D_CORRUPTDIGEST"
  cp "$man.type" "$root/corruptdigest/manifests/$D_CORRUPTDIGEST.type"

  # corruptmanifest: asked for digest X, serves a valid manifest that hashes to Y.
  mkdir -p "$root/corruptmanifest/manifests" "$root/corruptmanifest/blobs"
  cp "$root/corruptdigest/blobs/$cfgd" "$root/corruptmanifest/blobs/$cfgd"
  cp "$b/good.tar" "$root/corruptmanifest/blobs/$dgood"
  jq -c '.annotations = {"fixture": "the digest you asked for"}' "$man" >"$b/asked.json"
  D_CORRUPTMANIFEST=$(sha256_of "$b/asked.json")
  cp "$man" "$root/corruptmanifest/manifests/$D_CORRUPTMANIFEST"
  echo "$MT_OCI_MANIFEST" >"$root/corruptmanifest/manifests/$D_CORRUPTMANIFEST.type"

  # schema1 (signed and unsigned)
  mkdir -p "$root/schema1/manifests" "$root/schema1/blobs"
  local v1c
  v1c=$(jq -nc --arg a "$ARCH" '{id: "0000000000000000000000000000000000000000000000000000000000000001", architecture: $a, os: "linux", config: {Cmd: ["/bin/sh"]}}' | jq -Rs 'rtrimstr("\n")')
  jq -n --arg a "$ARCH" --argjson v1c "$v1c" --arg d "$dgood" '{schemaVersion: 1, name: "schema1", tag: "latest",
    architecture: $a, fsLayers: [{blobSum: $d}], history: [{v1Compatibility: $v1c}],
    signatures: [{header: {jwk: {crv: "P-256", kid: "FAKE:KEY", kty: "EC", x: "AA", y: "AA"}, alg: "ES256"},
      signature: "AAAA", protected: "eyJmb3JtYXRMZW5ndGgiOjEsImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAyNC0wMS0wMVQwMDowMDowMFoifQ"}]}' \
    >"$root/schema1/manifests/latest"
  echo "$MT_SCHEMA1_SIGNED" >"$root/schema1/manifests/latest.type"
  jq 'del(.signatures) | .tag = "unsigned"' "$root/schema1/manifests/latest" >"$root/schema1/manifests/unsigned"
  echo "$MT_SCHEMA1" >"$root/schema1/manifests/unsigned.type"
  cp "$b/good.tar" "$root/schema1/blobs/$dgood"
  D_SCHEMA1=$(sha256_of "$root/schema1/manifests/latest")
  D_SCHEMA1U=$(sha256_of "$root/schema1/manifests/unsigned")
}

# ------------------------------------------------------------- client files --

write_client_files() {
  local st=$1 h
  mkdir -p "$st/certs.d"
  for h in "$TLS" "localhost:${TLS#127.0.0.1:}"; do
    mkdir -p "$st/certs.d/$h"
    cp "$st/ca.crt" "$st/certs.d/$h/ca.crt"
  done
  printf '%s\n' '{"default": [{"type": "insecureAcceptAnything"}]}' >"$st/policy.json"
  : >"$st/registries-empty.conf"
  local auth
  auth=$(printf '%s:%s' "$USERNAME" "$PASSWORD" | base64 -w0)
  jq -n --arg h1 "$TLS" --arg h2 "localhost:${TLS#127.0.0.1:}" --arg h3 "$TOKEN" --arg a "$auth" \
    '{auths: {($h1): {auth: $a}, ($h2): {auth: $a}, ($h3): {auth: $a}}}' >"$st/auth.json"
  cat >"$st/registries.conf" <<EOF
# Written by test/registry/fixture.sh for this fixture run only.
unqualified-search-registries = ["docker.io"]

# docker.io resolves ONLY through the mirror: the location is a closed local port.
[[registry]]
prefix = "docker.io"
location = "$UNREACH"
insecure = true

[[registry.mirror]]
location = "$PLAIN/mirror"
insecure = true

# The plain fixture registry (http).
[[registry]]
location = "$PLAIN"
insecure = true

# The Bearer-token registry (http).
[[registry]]
location = "$TOKEN"
insecure = true

# The evil registry (http).
[[registry]]
location = "$EVIL"
insecure = true

# A blocked prefix that would otherwise resolve to the plain registry (spelled
# localhost: so it does not clash with the entry above).
[[registry]]
prefix = "blocked.fixture.test"
location = "localhost:${PLAIN#127.0.0.1:}"
insecure = true
blocked = true
EOF
}

write_outputs() {
  local st=$1
  local plain_pid tls_pid evil_pid token_pid tokensrv_pid
  token_pid=$(<"$st/pids/token.pid")
  tokensrv_pid=$(<"$st/pids/tokensrv.pid")
  plain_pid=$(<"$st/pids/plain.pid")
  tls_pid=$(<"$st/pids/tls.pid")
  evil_pid=$(<"$st/pids/evil.pid")
  jq -n --arg st "$st" --arg plain "$PLAIN" --arg tls "$TLS" --arg evil "$EVIL" --arg unreach "$UNREACH" \
    --argjson ppid "$plain_pid" --argjson tpid "$tls_pid" --argjson epid "$evil_pid" \
    --arg token "$TOKEN" --arg tokensrv "$TOKENSRV" --argjson kpid "$token_pid" --argjson kspid "$tokensrv_pid" \
    --arg service "$TOKEN_SERVICE" --arg issuer "$TOKEN_ISSUER" --arg refresh "$REFRESH_TOKEN" \
    --arg user "$USERNAME" --arg pass "$PASSWORD" --arg arch "$ARCH" --arg other "$OTHER_ARCH" \
    --slurpfile imgs <(cat "$st"/images.d/*.json) '
    {
      version: 1,
      state_dir: $st,
      host_platform: ("linux/" + $arch),
      registries: {
        plain: {host: $plain, url: ("http://" + $plain), pid: $ppid, tls: false, auth: null,
                config: ($st + "/plain/config.yml"), log: ($st + "/plain/registry.log")},
        tls: {host: $tls, url: ("https://" + $tls), pid: $tpid, tls: true, auth: "basic",
              ca_cert: ($st + "/ca.crt"), certs_d: ($st + "/certs.d"),
              certs_d_host_dir: ($st + "/certs.d/" + $tls),
              username: $user, password: $pass,
              config: ($st + "/tls/config.yml"), log: ($st + "/tls/registry.log")},
        token: {host: $token, url: ("http://" + $token), pid: $kpid, tls: false, auth: "bearer",
                username: $user, password: $pass, identity_token: $refresh,
                token_realm: ("http://" + $tokensrv + "/token"), token_service: $service,
                token_issuer: $issuer, token_server_pid: $kspid,
                token_log: ($st + "/token/token.log"), anonymous_pull_prefix: "public/",
                config: ($st + "/token/config.yml"), log: ($st + "/token/registry.log")},
        evil: {host: $evil, url: ("http://" + $evil), pid: $epid, tls: false, auth: null,
               log: ($st + "/evil/evil.log")}
      },
      unreachable_host: $unreach,
      ca_cert: ($st + "/ca.crt"),
      certs_d: ($st + "/certs.d"),
      username: $user,
      password: $pass,
      auth_json: ($st + "/auth.json"),
      registries_conf: ($st + "/registries.conf"),
      policy_json: ($st + "/policy.json"),
      blocked_prefix: "blocked.fixture.test",
      images: ($imgs | map({(.id): .}) | add)
    }' >"$st/fixture.json.tmp"
  mv "$st/fixture.json.tmp" "$st/fixture.json"

  {
    echo "# Written by test/registry/fixture.sh; source it."
    printf 'FIXTURE_STATE_DIR=%q\n' "$st"
    printf 'FIXTURE_JSON=%q\n' "$st/fixture.json"
    printf 'FIXTURE_PLAIN_HOST=%q\nFIXTURE_PLAIN_PID=%q\n' "$PLAIN" "$plain_pid"
    printf 'FIXTURE_TLS_HOST=%q\nFIXTURE_TLS_PID=%q\n' "$TLS" "$tls_pid"
    printf 'FIXTURE_EVIL_HOST=%q\nFIXTURE_EVIL_PID=%q\n' "$EVIL" "$evil_pid"
    printf 'FIXTURE_TOKEN_HOST=%q\nFIXTURE_TOKEN_PID=%q\n' "$TOKEN" "$token_pid"
    printf 'FIXTURE_TOKEN_REALM=%q\nFIXTURE_TOKEN_SERVER_PID=%q\n' "http://$TOKENSRV/token" "$tokensrv_pid"
    printf 'FIXTURE_TOKEN_LOG=%q\nFIXTURE_IDENTITY_TOKEN=%q\n' "$st/token/token.log" "$REFRESH_TOKEN"
    printf 'FIXTURE_UNREACHABLE_HOST=%q\n' "$UNREACH"
    printf 'FIXTURE_CA_CERT=%q\nFIXTURE_CERTS_D=%q\n' "$st/ca.crt" "$st/certs.d"
    printf 'FIXTURE_USERNAME=%q\nFIXTURE_PASSWORD=%q\n' "$USERNAME" "$PASSWORD"
    printf 'FIXTURE_AUTH_JSON=%q\nFIXTURE_REGISTRIES_CONF=%q\n' "$st/auth.json" "$st/registries.conf"
    printf 'FIXTURE_HOST_PLATFORM=%q\n' "linux/$ARCH"
    jq -r '.images[] | (.id | ascii_upcase | gsub("[^A-Z0-9]"; "_")) as $v |
      "FIXTURE_IMAGE_\($v)=\(.reference | @sh)",
      "FIXTURE_IMAGE_\($v)_DIGEST=\(.manifest_digest | @sh)",
      "FIXTURE_IMAGE_\($v)_BY_DIGEST=\(.digest_reference | @sh)",
      "FIXTURE_IMAGE_\($v)_ID=\((.image_id // "") | @sh)"' "$st/fixture.json"
  } >"$st/fixture.env.tmp"
  sed -i '/^FIXTURE_/ s/^/export /' "$st/fixture.env.tmp"
  mv "$st/fixture.env.tmp" "$st/fixture.env"
}

# ------------------------------------------------------------------- verify --

# verify_artifact <fixture.json> <tmp-dir> <id> <config media type> <layer count> <json|not-json>:
# the artifact's manifest and first layer are what the e2e tests expect of it.
verify_artifact() {
  local f=$1 tmp=$2 id=$3 want_mt=$4 want_layers=$5 want_json=$6 repo ldig
  repo=$(jq -r --arg i "$id" '.images[$i].repository' "$f")
  [[ $(jq -r --arg i "$id" '.images[$i].config_media_type' "$f") == "$want_mt" ]] ||
    { log "FAIL $id: config media type is not $want_mt"; return 1; }
  [[ $(jq -r --arg i "$id" '.images[$i].layer_count' "$f") == "$want_layers" ]] ||
    { log "FAIL $id: not $want_layers layer(s)"; return 1; }
  if ((want_layers > 0)); then
    ldig=$(jq -r --arg i "$id" '.images[$i].layers[0].digest' "$f")
    rcurl plain -o "$tmp/layer" "$(base_url plain)/v2/$repo/blobs/$ldig" ||
      { log "FAIL $id: fetch layer $ldig"; return 1; }
    if jq -e 'type == "object"' "$tmp/layer" >/dev/null 2>&1; then
      [[ $want_json == json ]] || { log "FAIL $id: first layer is JSON"; return 1; }
    else
      [[ $want_json == not-json ]] || { log "FAIL $id: first layer is not a JSON object"; return 1; }
    fi
  fi
  log "ok   $id: artifact content"
}

do_verify() {
  local st=$1 f="$1/fixture.json" id kind repo ref digest expect got fails=0 tmp
  [[ -f $f ]] || die "no $f"
  STATE=$st
  load_ports "$st"
  tmp=$(mktemp -d "$st/verify.XXXXXX")
  local sk=(skopeo --policy "$st/policy.json" --registries-conf "$st/registries-empty.conf")
  while IFS=$'\t' read -r id kind repo ref digest expect kind_of; do
    local creds=() ok=1
    if [[ $kind == tls ]]; then
      creds=(--cert-dir "$st/certs.d/$TLS" --creds "$USERNAME:$PASSWORD")
    elif [[ $kind == token ]]; then
      creds=(--tls-verify=false --creds "$USERNAME:$PASSWORD")
    else
      creds=(--tls-verify=false)
    fi
    # 1. curl: the bytes served hash to the recorded digest (by tag or by digest)
    fetch_manifest "$kind" "$repo" "$ref" "$tmp/m" || { log "FAIL $id: fetch"; fails=$((fails + 1)); continue; }
    got=$(sha256_of "$tmp/m")
    if [[ $id == corruptmanifest ]]; then
      [[ $got != "$digest" ]] || { log "FAIL $id: manifest is not corrupt"; ok=0; }
    elif [[ $got != "$digest" ]]; then
      log "FAIL $id: curl got $got, want $digest"
      ok=0
    fi
    # 2. skopeo inspect --raw (plain and tls registries)
    if [[ $kind != evil ]]; then
      local sref
      sref="docker://$(host_of "$kind")/$repo:$ref"
      [[ $ref == sha256:* ]] && sref="docker://$(host_of "$kind")/$repo@$ref"
      "${sk[@]}" inspect --raw "${creds[@]}" "$sref" >"$tmp/s" 2>"$tmp/err" || { log "FAIL $id: skopeo inspect: $(cat "$tmp/err")"; ok=0; }
      got=$(sha256_of "$tmp/s")
      [[ $got == "$digest" ]] || { log "FAIL $id: skopeo got $got, want $digest"; ok=0; }
    fi
    # 3. a full copy succeeds for good images (blobs verified by skopeo), fails for bad ones.
    #    skopeo does not check descriptor sizes, so the size-mismatch cases are checked with curl.
    if [[ $(jq -r --arg i "$id" '.images[$i].error_kind' "$f") == size-mismatch ]]; then
      local ldig lsize real
      ldig=$(jq -r --arg i "$id" '.images[$i].layers[0].digest' "$f")
      lsize=$(jq -r --arg i "$id" '.images[$i].layers[0].size' "$f")
      real=$(rcurl "$kind" -I "$(base_url "$kind")/v2/$repo/blobs/$ldig" | tr -d '\r' |
        sed -n 's/^[Cc]ontent-[Ll]ength: *//p')
      [[ -n $real && $real != "$lsize" ]] || { log "FAIL $id: blob size $real == descriptor size $lsize"; ok=0; }
    elif [[ $kind != evil && $id != big ]] || [[ $id == corruptdigest ]]; then
      local src rc=0
      src="docker://$(host_of "$kind")/$repo:$ref"
      [[ $kind == evil ]] && creds=(--src-tls-verify=false)
      [[ $kind == tls ]] && creds=(--src-cert-dir "$st/certs.d/$TLS" --src-creds "$USERNAME:$PASSWORD")
      [[ $kind == plain ]] && creds=(--src-tls-verify=false)
      [[ $kind == token ]] && creds=(--src-tls-verify=false --src-creds "$USERNAME:$PASSWORD")
      rm -rf "$tmp/copy"
      TMPDIR="$tmp" "${sk[@]}" copy -q "${creds[@]}" "$src" "oci:$tmp/copy:x" >/dev/null 2>"$tmp/err" || rc=$?
      # An artifact crio must refuse is still one the registry serves and skopeo copies.
      local copy_expect=$expect
      [[ $kind_of == artifact ]] && copy_expect=ok
      if [[ $copy_expect == ok && $rc != 0 ]]; then
        log "FAIL $id: skopeo copy failed: $(tail -n 2 "$tmp/err")"
        ok=0
      elif [[ $copy_expect == error && $rc == 0 ]]; then
        log "FAIL $id: skopeo copy of a corrupt image succeeded"
        ok=0
      fi
    fi
    if ((ok)); then log "ok   $id ($expect)"; else fails=$((fails + 1)); fi
  done < <(jq -r '.images[] | [.id, .registry, .repository, (.tag // .manifest_digest), .manifest_digest, .expect, (.kind // "image")] | @tsv' "$f")

  # the seccomp artifacts are what their names say
  verify_artifact "$f" "$tmp" seccomp "$MT_SECCOMP_CONFIG" 1 json || fails=$((fails + 1))
  verify_artifact "$f" "$tmp" seccomp-wrong-media-type "$MT_OCI_EMPTY" 1 json || fails=$((fails + 1))
  verify_artifact "$f" "$tmp" seccomp-no-layers "$MT_SECCOMP_CONFIG" 0 json || fails=$((fails + 1))
  verify_artifact "$f" "$tmp" seccomp-invalid-json "$MT_SECCOMP_CONFIG" 1 not-json || fails=$((fails + 1))
  verify_artifact "$f" "$tmp" seccomp-stacked "$MT_SECCOMP_CONFIG" 2 json || fails=$((fails + 1))
  local stacked_first v1_layer
  stacked_first=$(jq -r '.images["seccomp-stacked"].layers[0].digest' "$f")
  v1_layer=$(jq -r '.images.seccomp.layers[0].digest' "$f")
  if [[ $stacked_first == "$v1_layer" ]]; then
    log "ok   seccomp-stacked: layer 1 is the seccomp:v1 profile"
  else
    log "FAIL seccomp-stacked: layer 1 is not the seccomp:v1 profile"; fails=$((fails + 1))
  fi
  local ann_id ann_key
  for ann_id in annotated-container annotated-bare; do
    ann_key=seccomp-profile.kubernetes.cri-o.io
    [[ $ann_id == annotated-container ]] && ann_key=$ann_key/c1
    if [[ $(jq -r --arg i "$ann_id" --arg k "$ann_key" '.images[$i].annotations[$k]' "$f") == "$PLAIN/seccomp:v1" ]]; then
      log "ok   $ann_id: $ann_key=$PLAIN/seccomp:v1"
    else
      log "FAIL $ann_id: no $ann_key annotation"; fails=$((fails + 1))
    fi
  done

  # the corrupt blob really is corrupt
  local cd
  cd=$(jq -r '.images.corruptdigest.layers[0].digest' "$f")
  curl -sS -o "$tmp/blob" "http://$EVIL/v2/corruptdigest/blobs/$cd"
  if [[ $(sha256_of "$tmp/blob") == "$cd" ]]; then log "FAIL corruptdigest: blob matches its digest"; fails=$((fails + 1)); fi

  # docker.io/library/busybox:latest through the mirror (primary location is closed)
  got=$(skopeo --policy "$st/policy.json" --registries-conf "$st/registries.conf" inspect --raw \
    docker://docker.io/library/busybox:latest 2>"$tmp/err" | sha256sum | cut -d' ' -f1) || true
  if [[ sha256:$got == "$(jq -r '.images["mirror-busybox"].manifest_digest' "$f")" ]]; then
    log "ok   mirror: docker.io/library/busybox:latest -> $PLAIN/mirror"
  else
    log "FAIL mirror resolution: $(cat "$tmp/err")"
    fails=$((fails + 1))
  fi
  # the TLS registry refuses a wrong password
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$st/ca.crt" -u "$USERNAME:wrong" "https://$TLS/v2/") || true
  if [[ $code == 401 ]]; then log "ok   tls: wrong password -> 401"; else log "FAIL tls wrong password: $code"; fails=$((fails + 1)); fi
  # the token registry: anonymous pull of public/ works, of private/ does not, wrong password refused
  if "${sk[@]}" inspect --raw --tls-verify=false --no-creds "docker://$TOKEN/public/busybox:latest" >/dev/null 2>"$tmp/err"; then
    log "ok   token: anonymous pull of public/busybox"
  else
    log "FAIL token anonymous public: $(cat "$tmp/err")"; fails=$((fails + 1))
  fi
  if "${sk[@]}" inspect --raw --tls-verify=false --no-creds "docker://$TOKEN/private/busybox:latest" >/dev/null 2>&1; then
    log "FAIL token: anonymous pull of private/busybox succeeded"; fails=$((fails + 1))
  else
    log "ok   token: anonymous pull of private/busybox refused"
  fi
  if "${sk[@]}" inspect --raw --tls-verify=false --creds "$USERNAME:wrong" "docker://$TOKEN/private/busybox:latest" >/dev/null 2>&1; then
    log "FAIL token: wrong password accepted"; fails=$((fails + 1))
  else
    log "ok   token: wrong password refused"
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    --data "grant_type=refresh_token&refresh_token=$REFRESH_TOKEN&service=$TOKEN_SERVICE&client_id=crio&scope=repository:private/busybox:pull" \
    "http://$TOKENSRV/token") || true
  if [[ $code == 200 ]]; then log "ok   token: identity token (refresh_token grant)"; else log "FAIL token refresh grant: $code"; fails=$((fails + 1)); fi
  rm -rf "$tmp"
  ((fails == 0)) || die "verify: $fails failure(s)"
  log "verify: all good"
}

# -------------------------------------------------------------------- start --

STARTING_STATE=''
on_start_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -n $STARTING_STATE ]]; then
    log "start failed (exit $rc); stopping what was started"
    do_stop "$STARTING_STATE"
  fi
}

do_start() {
  local st=$1 t0 n
  t0=$(date +%s.%N)
  need_tools
  mkdir -p "$st"
  st=$(abspath "$st")
  if [[ -d $st/pids ]]; then
    for n in plain tls tokensrv token evil; do
      if [[ -f $st/pids/$n.pid ]] && pid_is_ours "$(<"$st/pids/$n.pid")" "$st"; then
        die "fixture already running in $st (stop it first)"
      fi
    done
  fi
  touch "$st/$MARKER"
  mkdir -p "$st/pids"
  rm -f "$st/fixture.env" "$st/fixture.json" "$st/plain/port" "$st/tls/port" "$st/evil/port" "$st/token/port" \
    "$st/token/tokensrv.port" "$st/unreachable.port"
  STARTING_STATE=$st
  trap on_start_exit EXIT
  make_certs "$st"
  start_registry plain "$st"
  start_registry tls "$st"
  start_token_server "$st"
  start_registry token "$st"
  start_evil "$st"
  build_images "$st"
  trap - EXIT
  log "fixture ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s: source $st/fixture.env or read $st/fixture.json"
}

main() {
  (($# >= 2)) || usage
  local cmd=$1 st=$2
  case $cmd in
    start) do_start "$st" ;;
    stop)
      [[ -d $st ]] || exit 0
      st=$(abspath "$st")
      do_stop "$st"
      if [[ ${3:-} == --clean ]]; then
        [[ -f $st/$MARKER ]] || die "$st is not a fixture state dir; not removing"
        rm -rf "$st"
      fi
      ;;
    build-images)
      need_tools
      st=$(abspath "$st")
      build_images "$st"
      ;;
    verify) do_verify "$(abspath "$st")" ;;
    *) usage ;;
  esac
}

main "$@"
