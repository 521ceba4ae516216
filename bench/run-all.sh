#!/usr/bin/env bash
# Runs every side-by-side benchmark in one invocation and rewrites the results table in bench/README.md.
#   bash bench/run-all.sh [--rounds 3] [--steps 5] [--only tokenizer,prep,train,fillmask] [--no-readme]
# Needs ../shared/data beside the repository; installs the peers (bench/install-peers.sh) if missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
bash "$here/install-peers.sh"
dotnet build "$repo/src/MlNetMlm.Cli" -c Release -nologo -v q >&2
exec /usr/bin/python3 "$here/run_all.py" "$@"
