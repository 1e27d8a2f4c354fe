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
npx nx run-many -t lint typecheck build test --parallel=2 --outputStyle=static
