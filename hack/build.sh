#!/usr/bin/env bash
# Configures and builds into ./build (or $BUILD_DIR); extra args go to cmake configure.
# Ninja and a unity build (files compiled in batches of 8, so that the generated CRI
# code and gRPC headers are parsed once per batch, not once per file) unless the build
# dir was configured otherwise before; UNITY=OFF for a file-by-file build.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
configure=(-DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DCMAKE_UNITY_BUILD="${UNITY:-ON}")
if [ ! -f "$build_dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
  configure+=(-G Ninja)
fi
cmake -S . -B "$build_dir" "${configure[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
