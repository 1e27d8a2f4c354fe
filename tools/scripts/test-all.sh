#!/usr/bin/env bash
# Every check a change must pass, in the order a reviewer cares about:
# the contract (lint, breaking changes), then lint, types, builds and every
# Jest suite of every project (unit, loopback integration, chart, containers).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_NO_CLOUD=true NX_DAEMON=false

echo "== buf lint"
npx buf lint

# Against the base branch: BUF_AGAINST in a PR (e.g. '.git#branch=origin/main'),
# else the local main branch when there is one.
against="${BUF_AGAINST:-}"
if [ -z "$against" ] && git rev-parse --verify -q refs/heads/main >/dev/null; then
  against='.git#branch=main'
fi
if [ -n "$against" ]; then
  echo "== buf breaking --against $against"
  npx buf breaking --against "$against"
else
  echo "== buf breaking: skipped, no main branch to compare with"
fi

echo "== nx: lint typecheck build test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
npx nx run-many -t lint typecheck build test --parallel=2 --outputStyle=static 2>&1 | tee "$log" || status=$?

# One closing line over every project's Jest summary ("Tests: 2 failed, 40 passed, 42 total").
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^Tests:/ {
    for (i = 2; i <= NF; i++) {
      if ($(i + 1) ~ /^passed/) passed += $i
      if ($(i + 1) ~ /^failed/) failed += $i
    }
  }
  END { printf "\ntests: %d passed, %d failed\n", passed, failed }'
exit "$status"
