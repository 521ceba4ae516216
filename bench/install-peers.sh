#!/usr/bin/env bash
# Installs the peers the side-by-side benchmarks compare MlNetMlm with, outside the product:
#   - Debian's PyTorch (python3-torch 1.13.1) with OpenBLAS's OpenMP build (without libopenblas0-openmp
#     Debian's torch falls back to the slow reference BLAS);
#   - Hugging Face's Rust tokenizers through the npm package `tokenizers`, into bench/.peers/node (git-ignored).
# --tokenizers-only installs just the npm package (seconds; the tests use it as an independent reference).
set -euo pipefail
tokenizers_only=false
[ "${1:-}" = "--tokenizers-only" ] && tokenizers_only=true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOKENIZERS_NPM_VERSION="${TOKENIZERS_NPM_VERSION:-0.23.2}"

if ! $tokenizers_only && { ! /usr/bin/python3 -c 'import torch' 2>/dev/null || ! dpkg -s libopenblas0-openmp >/dev/null 2>&1; }; then
  echo "installing python3-torch and libopenblas0-openmp (apt)" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-torch libopenblas0-openmp >/dev/null
fi

node_dir="$here/.peers/node"
if [ ! -f "$node_dir/node_modules/tokenizers/package.json" ] \
   || [ "$(node -p "require('$node_dir/node_modules/tokenizers/package.json').version")" != "$TOKENIZERS_NPM_VERSION" ]; then
  echo "installing npm tokenizers@$TOKENIZERS_NPM_VERSION into $node_dir" >&2
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || (cd "$node_dir" && npm init -y >/dev/null)
  (cd "$node_dir" && npm install --no-audit --no-fund --silent "tokenizers@$TOKENIZERS_NPM_VERSION")
fi
$tokenizers_only && { echo "peers: npm tokenizers $(node -p "require('$node_dir/node_modules/tokenizers/package.json').version")" >&2; exit 0; }
echo "peers: torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), npm tokenizers $(node -p "require('$node_dir/node_modules/tokenizers/package.json').version")" >&2
