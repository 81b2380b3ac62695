#!/usr/bin/env bash
# The test command of the README: bootstrap, lint, typecheck, build, then every test
# (unit, property, fuzz smoke, and, as root with FRR, the interop and network-namespace e2e suites).
# Ends with one summary line: "check: N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NO_COLOR=1 FORCE_COLOR=0 TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/bootstrap.sh
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }
step "lint";      pnpm lint
step "typecheck"; pnpm typecheck
step "build";     pnpm build
step "test"
mkdir -p coverage
status=0
pnpm exec vitest run --coverage --reporter=default --reporter=json --outputFile.json=coverage/test-results.json || status=$?
node scripts/test-summary.mjs coverage/test-results.json coverage/coverage-summary.json
exit "$status"
