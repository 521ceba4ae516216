#!/usr/bin/env bash
# Whole-process time of `mlnet-mlm tokenize` on the SOTU corpus (start-up included), side by side with the same
# job done by Hugging Face's Rust tokenizers through npm (bench/peers/tokenize_cli.js), with hyperfine (apt).
# Usage: bench/startup.sh [--runs N] [OTHER_MLNET_MLM_DLL ...]   (e.g. a build of an older commit, to compare)
# Needs: dotnet build src/MlNetMlm.Cli -c Release; bench/install-peers.sh; ../shared/data beside the repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data="${MLNETMLM_SHARED_DATA:-$root/../shared/data}"
runs=10
if [ "${1:-}" = "--runs" ]; then runs="$2"; shift 2; fi
corpus="$data/corpora/sotu-eli5-shaped.jsonl"
[ -f "$corpus" ] || { echo "missing: $corpus" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
cli="$root/src/MlNetMlm.Cli/bin/Release/net10.0/mlnet-mlm.dll"
tok="--tokenizer $data/roberta-base --field answers.text"
args=(-n "mlnet-mlm tokenize" "dotnet $cli tokenize $tok < $corpus > /dev/null")
for other in "$@"; do args+=(-n "$other" "dotnet $other tokenize $tok < $corpus > /dev/null"); done
args+=(-n "npm tokenizers" "node $here/peers/tokenize_cli.js --tokenizer $data/roberta-base/tokenizer.json --field answers.text < $corpus > /dev/null")
hyperfine --warmup 1 --runs "$runs" "${args[@]}"
