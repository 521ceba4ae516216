// What `mlnet-mlm tokenize --tokenizer DIR --field a.b` does, with Hugging Face's Rust tokenizers (npm
// `tokenizers`, installed by bench/install-peers.sh): JSON Lines on stdin, one JSON array of ids per line on
// stdout. For whole-process comparisons (start-up included), see bench/startup.sh.
// Usage: node tokenize_cli.js --tokenizer tokenizer.json --field a.b < corpus.jsonl > ids.jsonl
'use strict';
const fs = require('fs');
const path = require('path');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const { Tokenizer } = require(path.join(__dirname, '..', '.peers', 'node', 'node_modules', 'tokenizers'));
const field = arg('--field', 'text').split('.');

async function main() {
  const tokenizer = Tokenizer.fromFile(arg('--tokenizer'));
  const out = [];
  for (const line of fs.readFileSync(0, 'utf8').split('\n')) {
    if (line.length === 0) continue;
    let v = JSON.parse(line);
    for (const k of field) v = v[k];
    const text = Array.isArray(v) ? v.join(' ') : v;
    out.push(JSON.stringify((await tokenizer.encode(text)).getIds()));
  }
  fs.writeSync(1, out.join('\n') + '\n');
}

main();
