// Hugging Face's Rust tokenizers (npm package `tokenizers`, installed by bench/install-peers.sh into
// bench/.peers/node) over a JSON Lines corpus: one record at a time (`encode`) and batched (`encodeBatch`,
// Rust-side threads; RAYON_NUM_THREADS sets how many). Texts are read into memory first, outside the timing.
// Usage: node tokenizers_bench.js --tokenizer tokenizer.json --corpus FILE --field a.b [--passes 3]
//        [--compare-ids OURS.jsonl]   (counts records whose ids differ from another implementation's)
//        [--ids-out HF.jsonl]         (writes each record's ids, a JSON array per line: the tests' independent reference)
'use strict';
const fs = require('fs');
const path = require('path');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const peers = path.join(__dirname, '..', '.peers', 'node', 'node_modules', 'tokenizers');
const { Tokenizer } = require(peers);
const tokenizerPath = arg('--tokenizer');
const corpus = arg('--corpus');
const field = arg('--field', 'text').split('.');
const passes = Number(arg('--passes', '3'));
const compare = arg('--compare-ids');
const idsOut = arg('--ids-out');

const texts = fs.readFileSync(corpus, 'utf8').split('\n').filter((l) => l.length > 0).map((line) => {
  let v = JSON.parse(line);
  for (const k of field) v = v[k];
  return Array.isArray(v) ? v.join(' ') : v;
});
const chars = texts.reduce((n, t) => n + t.length, 0);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const now = () => Number(process.hrtime.bigint()) / 1e9;

async function main() {
  const tokenizer = Tokenizer.fromFile(tokenizerPath);
  // Warm-up pass; also the ids compared below.
  let ids = [];
  for (const t of texts) ids.push((await tokenizer.encode(t)).getIds());
  const tokens = ids.reduce((n, x) => n + x.length, 0);

  const single = [];
  for (let p = 0; p < passes; p++) {
    const t0 = now();
    for (const t of texts) await tokenizer.encode(t);
    single.push(now() - t0);
  }
  const batch = [];
  for (let p = 0; p < passes; p++) {
    const t0 = now();
    const out = await tokenizer.encodeBatch(texts);
    batch.push(now() - t0);
    if (p === 0) ids = out.map((e) => e.getIds());
  }

  if (idsOut) fs.writeFileSync(idsOut, ids.map((x) => JSON.stringify(x)).join('\n') + '\n');
  let mismatches = null;
  if (compare) {
    const ours = fs.readFileSync(compare, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
    mismatches = Math.abs(ours.length - ids.length);
    for (let i = 0; i < Math.min(ours.length, ids.length); i++) {
      const a = ours[i], b = ids[i];
      if (a.length !== b.length || a.some((x, j) => x !== b[j])) mismatches++;
    }
  }
  const s1 = median(single), sb = median(batch);
  console.log(JSON.stringify({
    impl: 'hf-tokenizers-rust (npm tokenizers)',
    corpus: path.basename(corpus), records: texts.length, chars, utf8_bytes: bytes, tokens, passes,
    single_seconds_median: +s1.toFixed(4), single_tokens_per_second: Math.round(tokens / s1),
    batch_threads: process.env.RAYON_NUM_THREADS ? Number(process.env.RAYON_NUM_THREADS) : null,
    batch_seconds_median: +sb.toFixed(4), batch_tokens_per_second: Math.round(tokens / sb),
    mismatching_records: mismatches,
  }));
}
main().catch((e) => { console.error(e); process.exit(1); });
