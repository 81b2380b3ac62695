#!/usr/bin/env bash
# The README's main command (`pnpm demo`, or `bash scripts/demo.sh`), as root on Linux:
# bootstraps the machine, builds the apps, brings up topology 03 (examples/03-...) in network
# namespaces with FRR ToRs, creates a LoadBalancer Service and prints the BGP sessions, the ToR's
# ECMP route for the VIP and the answers to requests sent to it. It keeps running until Ctrl+C,
# then tears everything down (also when a step fails).  --once: print, tear down and exit.
# See docs/quickstart.md for what each printed line means.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ "$(id -u)" != "0" ]; then
  echo "demo: needs root (it creates network namespaces and runs FRR): sudo bash scripts/demo.sh $*" >&2
  exit 1
fi
echo "demo: bootstrap (Node, pnpm, dependencies, FRR)..."
bash scripts/bootstrap.sh >/tmp/bgplb-demo-bootstrap.log 2>&1 || {
  cat /tmp/bgplb-demo-bootstrap.log >&2
  exit 1
}
# shellcheck source=scripts/env.sh
source scripts/env.sh
echo "demo: building the controller and the advertiser..."
pnpm turbo run build --filter @bgplb/controller... --filter @bgplb/advertiser... >/tmp/bgplb-demo-build.log 2>&1 || {
  tail -n 40 /tmp/bgplb-demo-build.log >&2
  exit 1
}
args=()
for a in "$@"; do
  [ "$a" = "--" ] || args+=("$a")
done
exec node --conditions=@bgplb/source --import tsx e2e/src/demo.ts --dist "${args[@]}"
