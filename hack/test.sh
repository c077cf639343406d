#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test:
# lint, unit + e2e (ctest), then unit + e2e again with the ASan+UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo "== [$(( $(date +%s) - start ))s] $*"; }

bash hack/install-deps.sh
stage "lint"
bash hack/lint.sh

# No debug info in the test builds but line tables for ASan's reports: -g is a third
# of the compile time, and CI must stay under 40 minutes on 2 cores.
stage "build (optimised, no debug info)"
BUILD_DIR=build bash hack/build.sh -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG"
stage "ctest"
ctest --test-dir build --output-on-failure -j 2 --timeout 300

# The sanitized build has the daemon, crioctl, crio-monitor and the unit tests; the e2e
# programs are the first build's, pointed at its binaries (CRIO_E2E_BIN_DIR): what runs
# under the sanitizers is the same, and the e2e tests are not compiled twice.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "build (ASan+UBSan)"
BUILD_DIR=build-asan BUILD_TYPE=Debug bash hack/build.sh -DCRIO_SANITIZE=address,undefined \
  -DCMAKE_CXX_FLAGS_DEBUG="-g1" -DCRIO_BUILD_BENCH=OFF -DCRIO_BUILD_E2E=OFF
stage "ctest (ASan+UBSan): unit tests"
ctest --test-dir build-asan --output-on-failure -j 2 --timeout 600
stage "ctest (ASan+UBSan): e2e tests against the sanitized binaries"
CRIO_E2E_BIN_DIR="$PWD/build-asan/bin" CRIO_E2E_SANITIZED=1 \
  ctest --test-dir build -L e2e --output-on-failure -j 2 --timeout 600

stage "all tests passed"
