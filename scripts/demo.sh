#!/usr/bin/env bash
# The README's main command. Until the network-namespace lab lands (e2e issue), it builds the
# workspace and shows the advertiser's command line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh >/dev/null
source scripts/env.sh
pnpm build >/dev/null
node apps/advertiser/dist/cli.js --help
