#!/usr/bin/env bash
# Formatting and forbidden patterns (docs/conventions.md). Fails on the first finding.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

mapfile -t sources < <(git ls-files -co --exclude-standard -- '*.h' '*.cc' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
if [ ${#sources[@]} -gt 0 ] && ! clang-format --dry-run --Werror "${sources[@]}" 2>/tmp/crio-format.log; then
  echo "lint: clang-format would change these files (run: clang-format -i <file>):"
  grep -oE '^[^: ]+\.(h|cc):[0-9]+:' /tmp/crio-format.log | cut -d: -f1 | sort -u
  status=1
fi

# pattern|allowed path regex|why
rules=(
  'grpc::Status\(|^src/cri/|errors become grpc::Status only in the cri wrapper'
  '\bsystem\(|^$|no shell: spawn processes explicitly'
  '\bpopen\(|^$|no shell: spawn processes explicitly'
  '#include "cri/v1/|^include/crio/cri/api\.h$|include "crio/cri/api.h" (it guards the Signal enum from <signal.h>)'
)
for rule in "${rules[@]}"; do
  IFS='|' read -r pattern allowed why <<<"$rule"
  while IFS= read -r hit; do
    file=${hit%%:*}
    if [ -n "$allowed" ] && [[ "$file" =~ $allowed ]]; then continue; fi
    echo "lint: $hit: $why"
    status=1
  done < <(git grep --untracked -nE "$pattern" -- 'src/*.cc' 'src/*.h' 'include/*.h' || true)
done

# Log lines start with a capital letter (as CRI-O's do).
while IFS= read -r hit; do
  echo "lint: $hit: log messages start with a capital letter"
  status=1
done < <(git grep --untracked -nE '(spdlog::(trace|debug|info|warn|error|critical)|log::(Trace|Debug|Info|Warn|Error))\((ctx, )?"[a-z]' -- 'src/*.cc' 'src/*.h' || true)

# Shell scripts.
if command -v shellcheck >/dev/null 2>&1; then
  mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' .ci/run)
  if [ ${#scripts[@]} -gt 0 ] && ! shellcheck "${scripts[@]}"; then
    status=1
  fi
fi

exit $status
