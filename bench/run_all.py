"""Runs every side-by-side comparison of bench/README.md and rewrites its results table.

Each comparison runs ours and the peer one after the other (never at once: two OpenMP processes on
2 cores slow each other down many times), on the same input, in this one invocation; ratios are taken
within each round and the median over rounds is reported. Called by bench/run-all.sh, which installs
the peers and builds the CLI first.
"""
import argparse
import re
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(REPO, '..', 'shared', 'data'))
# MLNETMLM_BENCH_CLI: a copy of the built CLI, so that a rebuild during a long run does not change what is measured.
CLI = os.environ.get('MLNETMLM_BENCH_CLI') or os.path.join(REPO, 'src', 'MlNetMlm.Cli', 'bin', 'Release', 'net10.0', 'mlnet-mlm')
WORK = os.path.join(HERE, '.peers', 'work')  # git-ignored scratch: ids files, the repeated corpus
TORCH_PY = '/usr/bin/python3'  # Debian's python, where python3-torch lives
RAW = []
REPLAY = []  # with --replay: saved runs answered in order instead of running the commands again
DEFAULT_ONLY = 'tokenizer,prep,train,fillmask,parquet,trainmem,bf16,product,converge'


def run(cmd, env=None):
    if REPLAY:
        saved = REPLAY.pop(0)
        # Same program and subcommand as saved (paths may differ: another checkout).
        if [os.path.basename(x) for x in saved['command'][:3]] != [os.path.basename(x) for x in cmd[:3]]:
            sys.exit(f"--replay: the saved run {' '.join(saved['command'][:3])} does not match {' '.join(cmd[:3])}")
        RAW.append(saved)
        return saved['result']
    e = dict(os.environ)
    e.update(env or {})
    print('  $ ' + ' '.join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=e, cwd=REPO)
    line = [l for l in out.stdout.splitlines() if l.startswith('{')][-1]
    result = json.loads(line)
    RAW.append({'command': cmd, 'result': result})
    return result


def rel(path):
    return os.path.relpath(path, REPO)


def med(xs):
    return statistics.median(xs)


def mib(b):
    return f'{b / 1048576:.0f} MiB'


def tokenizer_bench(a):
    rows = []
    tok_dir = os.path.join(SHARED, 'roberta-base')
    for name, corpus, field in [('SOTU (answers.text, 10.8 M chars)', 'sotu-eli5-shaped.jsonl', 'answers.text'),
                                ('Moby-Dick (text, 1.2 M chars)', 'moby-dick.jsonl', 'text')]:
        path = os.path.join(SHARED, 'corpora', corpus)
        ids_file = os.path.join(WORK, corpus + '.ours.ids.jsonl')
        r1, rb, mism, ours_all, peer_all = [], [], [], [], []
        for _ in range(a.rounds):
            ours = run([CLI, 'bench', 'tokenizer', '--corpus', rel(path), '--field', field, '--tokenizer', rel(tok_dir),
                        '--threads', str(a.threads), '--ids-out', ids_file, '--json'])
            peer = run(['node', os.path.join(HERE, 'peers', 'tokenizers_bench.js'), '--tokenizer', rel(os.path.join(tok_dir, 'tokenizer.json')),
                        '--corpus', rel(path), '--field', field, '--compare-ids', ids_file], env={'RAYON_NUM_THREADS': str(a.threads)})
            r1.append(ours['single_tokens_per_second'] / peer['single_tokens_per_second'])
            rb.append(ours['parallel_tokens_per_second'] / peer['batch_tokens_per_second'])
            mism.append(peer['mismatching_records'])
            ours_all.append(ours)
            peer_all.append(peer)
        rows.append(dict(name=name, records=ours_all[0]['records'], tokens=ours_all[0]['tokens'],
                         ours_single=med([o['single_tokens_per_second'] for o in ours_all]),
                         peer_single=med([p['single_tokens_per_second'] for p in peer_all]),
                         ours_par=med([o['parallel_tokens_per_second'] for o in ours_all]),
                         peer_batch=med([p['batch_tokens_per_second'] for p in peer_all]),
                         ratio_single=med(r1), ratio_batch=med(rb), mismatches=max(mism)))
    return rows


def prep_side_by_side(a, first, second):
    """`bench prep` on two data files, one after the other in each round: the two lists of results."""
    tok_dir = os.path.join(SHARED, 'roberta-base')
    firsts, seconds = [], []
    for _ in range(a.rounds):
        firsts.append(run([CLI, 'bench', 'prep', '--data', rel(first), '--tokenizer', rel(tok_dir), '--json']))
        seconds.append(run([CLI, 'bench', 'prep', '--data', rel(second), '--tokenizer', rel(tok_dir), '--json']))
    return firsts, seconds


def prep_bench(a):
    src = os.path.join(SHARED, 'corpora', 'sotu-eli5-shaped.jsonl')
    x10 = os.path.join(WORK, 'sotu-eli5-shaped.x10.jsonl')
    prep_bench_corpus(src, x10)
    ones, tens = prep_side_by_side(a, src, x10)
    return dict(one=ones, ten=tens,
                time_ratio=med([t['seconds'] / o['seconds'] for o, t in zip(ones, tens)]),
                rss_ratio=med([t['peak_rss_bytes'] / o['peak_rss_bytes'] for o, t in zip(ones, tens)]))


def parquet_bench(a):
    """The same SOTU rows from JSON Lines and from Parquet (zstd pages), side by side in each round."""
    src = os.path.join(SHARED, 'corpora', 'sotu-eli5-shaped.jsonl')
    parquet = os.path.join(SHARED, 'eli5-formats', 'sotu-eli5-shaped.parquet')
    ones, pqs = prep_side_by_side(a, src, parquet)
    return dict(one=ones, parquet=pqs,
                read_ratio=med([q['read_text_chars_per_second'] / o['read_text_chars_per_second'] for o, q in zip(ones, pqs)]),
                prep_ratio=med([o['seconds'] / q['seconds'] for o, q in zip(ones, pqs)]))


def peak_rss_of(cmd):
    """Runs a command to the end; its own peak RSS in bytes (wait4's rusage of that one child)."""
    if REPLAY:
        saved = REPLAY.pop(0)
        RAW.append(saved)
        return saved['result']['peak_rss_bytes']
    print('  $ ' + ' '.join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f'failed: {" ".join(cmd)}: {proc.stderr.read().decode()[-2000:]}')
    RAW.append({'command': cmd, 'result': {'peak_rss_bytes': usage.ru_maxrss * 1024}})
    return usage.ru_maxrss * 1024


def trainmem_bench(a):
    """Peak RSS of `train` (tiny model, a few steps, no held-out split) on SOTU 1x and 10x: the pass over the data is the part that grows."""
    src = os.path.join(SHARED, 'corpora', 'sotu-eli5-shaped.jsonl')
    x10 = os.path.join(WORK, 'sotu-eli5-shaped.x10.jsonl')
    if not os.path.exists(x10):
        prep_bench_corpus(src, x10)
    out = os.path.join(WORK, 'trainmem')
    def train(data):
        return peak_rss_of([CLI, 'train', '--data', rel(data), '--text-column', 'answers.text', '--size', 'tiny', '--max-steps', '4',
                            '--eval-fraction', '0', '--save-steps', '0', '--output', rel(out), '--overwrite'])
    ones, tens = [], []
    for _ in range(a.rounds):
        ones.append(train(src))
        tens.append(train(x10))
    shutil.rmtree(out, ignore_errors=True)
    return dict(one=med(ones), ten=med(tens), ratio=med([t / o for o, t in zip(ones, tens)]))


def prep_bench_corpus(src, x10):
    with open(src, 'rb') as f:
        data = f.read()
    with open(x10, 'wb') as f:
        for _ in range(10):
            f.write(data if data.endswith(b'\n') else data + b'\n')


def train_args(a):
    return ['--batch-size', '8', '--seq-len', '128', '--steps', str(a.steps), '--warmup-steps', str(a.warmup_steps), '--threads', str(a.threads)]


def train_bench(a):
    rounds = []
    for i in range(a.rounds):
        peak = 'on'
        r = {}
        r['ours_sparse'] = run([CLI, 'bench', 'train', '--shape', 'distilroberta', '--sparse-head', 'on', '--matmul-peak', peak, '--json'] + train_args(a))
        r['torch_dense'] = run([TORCH_PY, os.path.join(HERE, 'peers', 'torch_bench.py'), 'train', '--sparse-head', 'off', '--matmul-peak', peak] + train_args(a))
        r['ours_dense'] = run([CLI, 'bench', 'train', '--shape', 'distilroberta', '--sparse-head', 'off', '--matmul-peak', peak, '--json'] + train_args(a))
        r['torch_sparse'] = run([TORCH_PY, os.path.join(HERE, 'peers', 'torch_bench.py'), 'train', '--sparse-head', 'on', '--matmul-peak', peak] + train_args(a))
        # PyTorch with the OpenMP wait policy MlNetMlm sets for itself: how much of the gap is that setting.
        r['torch_dense_passive'] = run([TORCH_PY, os.path.join(HERE, 'peers', 'torch_bench.py'), 'train', '--sparse-head', 'off', '--matmul-peak', 'off'] + train_args(a),
                                       env={'OMP_WAIT_POLICY': 'PASSIVE'})
        rounds.append(r)
    tps = lambda k: med([r[k]['tokens_per_second'] for r in rounds])
    ratio = lambda k1, k2: med([r[k1]['tokens_per_second'] / r[k2]['tokens_per_second'] for r in rounds])
    out = dict(rounds=rounds)
    for k in ['ours_sparse', 'ours_dense', 'torch_dense', 'torch_sparse', 'torch_dense_passive']:
        out[k] = dict(tps=tps(k), step=med([r[k]['step_seconds_median'] for r in rounds]),
                      gflops=med([r[k]['gflops_per_second'] for r in rounds]), flops=rounds[0][k]['flops_per_step'],
                      rss=med([r[k]['peak_rss_bytes'] for r in rounds]),
                      growth=max(r[k]['rss_growth_over_measured_steps_bytes'] for r in rounds),
                      # FLOP utilisation: each run's GFLOP/s over the matmul peak measured in that same process, median
                      # over rounds; None when that process measured no peak (runs saved before every run measured one).
                      util=in_process_utilisation([r[k] for r in rounds]),
                      peak=med([r[k]['matmul_peak_gflops'] for r in rounds]) if all('matmul_peak_gflops' in r[k] for r in rounds) else None)
    out['ratio_sparse_vs_torch'] = ratio('ours_sparse', 'torch_dense')
    out['ratio_dense_vs_torch'] = ratio('ours_dense', 'torch_dense')
    out['ratio_sparse_vs_torch_sparse'] = ratio('ours_sparse', 'torch_sparse')
    out['ratio_sparse_vs_torch_passive'] = ratio('ours_sparse', 'torch_dense_passive')
    out['rss_ratio'] = med([r['ours_sparse']['peak_rss_bytes'] / r['torch_dense']['peak_rss_bytes'] for r in rounds])
    return out


def in_process_utilisation(runs):
    if not all('matmul_peak_gflops' in x for x in runs):
        return None
    return med([x['gflops_per_second'] / x['matmul_peak_gflops'] for x in runs])


def fillmask_bench(a):
    ids_file = os.path.join(WORK, 'fillmask.ids.json')
    rounds, passives = [], []
    for _ in range(a.rounds):
        ours = run([CLI, 'bench', 'fillmask', '--shape', 'distilroberta', '--tokenizer', rel(os.path.join(SHARED, 'roberta-base')),
                    '--corpus', rel(os.path.join(SHARED, 'corpora', 'moby-dick.jsonl')), '--batch', '64', '--threads', str(a.threads),
                    '--ids-out', ids_file, '--json'])
        peer = run([TORCH_PY, os.path.join(HERE, 'peers', 'torch_bench.py'), 'fillmask', '--ids', ids_file, '--threads', str(a.threads)])
        passive = run([TORCH_PY, os.path.join(HERE, 'peers', 'torch_bench.py'), 'fillmask', '--ids', ids_file, '--threads', str(a.threads)],
                      env={'OMP_WAIT_POLICY': 'PASSIVE'})
        rounds.append((ours, peer))
        passives.append(passive)
    return dict(rounds=rounds,
                passive_latency_ratio=med([p['single_latency_ms_median'] / o['single_latency_ms_median'] for (o, _), p in zip(rounds, passives)]),
                passive_batch_ratio=med([o['batch_sentences_per_second'] / p['batch_sentences_per_second'] for (o, _), p in zip(rounds, passives)]),
                ours_ms=med([o['single_latency_ms_median'] for o, _ in rounds]), peer_ms=med([p['single_latency_ms_median'] for _, p in rounds]),
                ours_sps=med([o['batch_sentences_per_second'] for o, _ in rounds]), peer_sps=med([p['batch_sentences_per_second'] for _, p in rounds]),
                latency_ratio=med([p['single_latency_ms_median'] / o['single_latency_ms_median'] for o, p in rounds]),
                batch_ratio=med([o['batch_sentences_per_second'] / p['batch_sentences_per_second'] for o, p in rounds]),
                passive_ms=med([p['single_latency_ms_median'] for p in passives]),
                passive_sps=med([p['batch_sentences_per_second'] for p in passives]),
                single_tokens=rounds[0][0]['single_tokens'], padded=rounds[0][0]['batch_padded_length'])


def bf16_bench(a):
    """bf16 training and fill-mask: ours and PyTorch's by-hand bf16 recipe against the fp32 runs, inside each round."""
    torch_py = [TORCH_PY, os.path.join(HERE, 'peers', 'torch_bench.py')]
    ours = [CLI, 'bench', 'train', '--shape', 'distilroberta', '--sparse-head', 'on', '--json']
    ids_file = os.path.join(WORK, 'fillmask.ids.json')
    fill = [CLI, 'bench', 'fillmask', '--shape', 'distilroberta', '--tokenizer', rel(os.path.join(SHARED, 'roberta-base')),
            '--corpus', rel(os.path.join(SHARED, 'corpora', 'moby-dick.jsonl')), '--batch', '64', '--threads', str(a.threads), '--json']
    rounds = []
    for _ in range(a.rounds):
        r = {}
        r['ours_bf16'] = run(ours + ['--precision', 'bf16', '--matmul-peak', 'on'] + train_args(a))
        r['torch_dense'] = run(torch_py + ['train', '--sparse-head', 'off', '--matmul-peak', 'off'] + train_args(a))
        r['ours_fp32'] = run(ours + ['--precision', 'fp32', '--matmul-peak', 'off'] + train_args(a))
        # The same recipe with the OpenMP setting MlNetMlm makes for itself, so that the row compares the work, not the spinning.
        r['torch_bf16'] = run(torch_py + ['train', '--sparse-head', 'on', '--precision', 'bf16', '--matmul-peak', 'on'] + train_args(a),
                              env={'OMP_WAIT_POLICY': 'PASSIVE'})
        r['fill_bf16'] = run(fill + ['--precision', 'bf16', '--ids-out', ids_file])
        r['fill_fp32'] = run(fill + ['--precision', 'fp32'])
        r['fill_torch'] = run(torch_py + ['fillmask', '--ids', ids_file, '--threads', str(a.threads)], env={'OMP_WAIT_POLICY': 'PASSIVE'})
        rounds.append(r)
    ratio = lambda k1, k2, key='tokens_per_second': med([r[k1][key] / r[k2][key] for r in rounds])
    out = dict(rounds=rounds)
    for k in ['ours_bf16', 'ours_fp32', 'torch_dense', 'torch_bf16']:
        out[k] = dict(tps=med([r[k]['tokens_per_second'] for r in rounds]), step=med([r[k]['step_seconds_median'] for r in rounds]),
                      gflops=med([r[k]['gflops_per_second'] for r in rounds]), flops=rounds[0][k]['flops_per_step'],
                      rss=med([r[k]['peak_rss_bytes'] for r in rounds]),
                      phases=[med([r[k][p + '_seconds_median'] for r in rounds]) for p in ('forward', 'backward', 'optimizer')])
    out['peak_ours'] = max(r['ours_bf16']['matmul_peak_gflops'] for r in rounds)
    out['peak_torch'] = max(r['torch_bf16']['matmul_peak_gflops'] for r in rounds)
    out['vs_torch_fp32_dense'] = ratio('ours_bf16', 'torch_dense')
    out['vs_torch_bf16'] = ratio('ours_bf16', 'torch_bf16')
    out['vs_ours_fp32'] = ratio('ours_bf16', 'ours_fp32')
    out['rss_vs_fp32'] = med([r['ours_bf16']['peak_rss_bytes'] / r['ours_fp32']['peak_rss_bytes'] for r in rounds])
    for k in ['fill_bf16', 'fill_fp32', 'fill_torch']:
        out[k] = med([r[k]['batch_sentences_per_second'] for r in rounds])
    out['fill_vs_fp32'] = ratio('fill_bf16', 'fill_fp32', 'batch_sentences_per_second')
    out['fill_vs_torch'] = ratio('fill_bf16', 'fill_torch', 'batch_sentences_per_second')
    return out


def distilroberta_checkpoint():
    """A distilroberta-shaped random checkpoint with roberta-base's tokenizer files (written once; nothing downloaded)."""
    ckpt = os.path.join(WORK, 'distilroberta-random')
    if REPLAY:
        if 'save-checkpoint' in REPLAY[0]['command']:
            RAW.append(REPLAY.pop(0))
    else:
        if not os.path.isfile(os.path.join(ckpt, 'pytorch_model.bin')):
            run([TORCH_PY, os.path.join(HERE, 'peers', 'torch_bench.py'), 'save-checkpoint', '--dir', ckpt])  # random init, nothing downloaded
        for name in ('vocab.json', 'merges.txt'):
            shutil.copyfile(os.path.join(SHARED, 'roberta-base', name), os.path.join(ckpt, name))
    return ckpt


def train_cli(ckpt, name, steps, flags):
    """`mlnet-mlm train` on the SOTU corpus from ckpt, as a user runs it: its final summary, metrics.json and peak RSS."""
    if REPLAY:  # --replay answers this run from the saved ones, like run()
        saved = REPLAY.pop(0)
        RAW.append(saved)
        return saved['result']
    corpus = os.path.join(SHARED, 'corpora', 'sotu-eli5-shaped.jsonl')
    out_dir = os.path.join(WORK, name)
    cmd = [CLI, 'train', '--data', rel(corpus), '--text-column', 'answers.text', '--model', rel(ckpt), '--output', rel(out_dir),
           '--overwrite', '--max-steps', str(steps), '--batch-size', '8', '--block-size', '128',
           '--save-steps', '0', '--logging-steps', str(steps)] + flags
    print('  $ ' + ' '.join(cmd), file=sys.stderr, flush=True)
    res = subprocess.run(['/usr/bin/time', '-f', 'maxrss_kib=%M'] + cmd, check=True, capture_output=True, text=True, cwd=REPO)
    summary = [l for l in res.stdout.splitlines() if l.startswith('Trained ')][-1]
    with open(os.path.join(out_dir, 'metrics.json')) as f:
        m = json.load(f)
    rss = int([l for l in res.stderr.splitlines() if l.startswith('maxrss_kib=')][-1].split('=')[1]) * 1024
    result = dict(summary=summary, tokens_per_second=m['tokens_per_second'], train_seconds=m['train_seconds'], peak_rss_bytes=rss,
                  evaluations=m.get('evaluations', []))
    RAW.append({'command': cmd, 'result': result})
    return result


def product_bench(a):
    """`mlnet-mlm train` as a user runs it (SOTU corpus, a distilroberta-shaped checkpoint) against PyTorch eager doing as many steps."""
    ckpt = distilroberta_checkpoint()
    steps = a.product_steps

    def ours(flag):
        return train_cli(ckpt, 'product-' + (flag or 'fp32').strip('-'), steps, ['--eval-fraction', '0'] + ([flag] if flag else []))

    rounds = []
    for _ in range(a.rounds):
        r = dict(ours_bf16=ours('--bf16'), ours_fp32=ours(None))
        r['torch_dense'] = run([TORCH_PY, os.path.join(HERE, 'peers', 'torch_bench.py'), 'train', '--sparse-head', 'off', '--matmul-peak', 'off',
                                '--batch-size', '8', '--seq-len', '128', '--steps', str(steps), '--warmup-steps', '0', '--threads', str(a.threads)])
        rounds.append(r)
    ratio = lambda k1, k2: med([r[k1]['tokens_per_second'] / r[k2]['tokens_per_second'] for r in rounds])
    return dict(rounds=rounds, steps=steps, tps={k: med([r[k]['tokens_per_second'] for r in rounds]) for k in ('ours_bf16', 'ours_fp32', 'torch_dense')},
                rss={k: med([r[k]['peak_rss_bytes'] for r in rounds]) for k in ('ours_bf16', 'ours_fp32')},
                bf16_vs_torch=ratio('ours_bf16', 'torch_dense'), fp32_vs_torch=ratio('ours_fp32', 'torch_dense'))


def converge_bench(a):
    """bf16 against fp32 fine-tuning of the same checkpoint on the same blocks: evaluation perplexity after the same steps."""
    ckpt = distilroberta_checkpoint()
    steps = a.converge_steps
    flags = ['--eval-fraction', '0.05', '--max-eval-samples', '64', '--seed', '7']
    r = dict(bf16=train_cli(ckpt, 'converge-bf16', steps, flags + ['--bf16']), fp32=train_cli(ckpt, 'converge-fp32', steps, flags))
    ppl = {k: v['evaluations'][-1]['perplexity'] for k, v in r.items()}
    first = r['fp32']['evaluations'][0]['perplexity']
    return dict(steps=steps, ppl=ppl, initial=first, ratio=ppl['bf16'] / ppl['fp32'])


def machine():
    cpu = 'unknown'
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(l.split(':', 1)[1].strip() for l in f if l.startswith('model name'))
    except (OSError, StopIteration):
        pass
    nproc = subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    return cpu, nproc, load


def table(a, results):
    cpu, nproc, load = machine()
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    header = (f'Measured {now} on `nproc` = {nproc}, CPU "{cpu}", {platform.system()} {platform.release()}; '
              f'load average at the end {load:.1f} (shared machine); {a.rounds} round(s), each ratio taken inside a round, median over rounds. '
              f'Command: `bash bench/run-all.sh --rounds {a.rounds} --steps {a.steps}' + (f' --warmup-steps {a.warmup_steps}' if a.warmup_steps != 2 else '')
              + (f' --product-steps {a.product_steps}' if 'product' in a.only.split(',') else '')
              + (f' --converge-steps {a.converge_steps}' if 'converge' in a.only.split(',') and a.converge_steps != 64 else '') + (f' --only {a.only}' if a.only != DEFAULT_ONLY else '') + '`.')
    if a.replay:
        header = f'{a.measured} Table recomputed on {now} from the saved runs: `python3 bench/run_all.py --replay bench/results/latest.json`.'
    a.header = header
    L = [header, '']
    L += ['| # | comparison | ours | peer | ratio (ours ÷ peer, higher = ours faster) | target |', '|---|---|---|---|---|---|']
    if 'tokenizer' in results:
        for t in results['tokenizer']:
            L.append(f"| 1 | tokenizer, one thread, {t['name']}, {t['records']} records, {t['tokens']:,} ids | {t['ours_single']:,.0f} ids/s | {t['peer_single']:,.0f} ids/s (Rust `encode`) | **{t['ratio_single']:.2f}×**; mismatching records: {t['mismatches']} | ≥ 1.0×, 0 |")
            L.append(f"| 1 | tokenizer, batched, {a.threads} threads, {t['name']} | {t['ours_par']:,.0f} ids/s | {t['peer_batch']:,.0f} ids/s (Rust `encodeBatch`) | **{t['ratio_batch']:.2f}×** | ≥ 1.0× |")
    if 'prep' in results:
        p = results['prep']
        o, t = p['one'][0], p['ten'][0]
        L.append(f"| 2 | data prep (load→flatten→join→tokenize→group 128), SOTU 1× ({o['file_bytes'] / 1e6:.1f} MB) | warm pass {med([x['seconds'] for x in p['one']]):.2f} s ({med([x['chars_per_second'] for x in p['one']]) / 1e6:.1f} MB/s; first pass with JIT {med([x['cold_seconds'] for x in p['one']]):.2f} s), {o['blocks']:,} blocks, peak RSS {mib(med([x['peak_rss_bytes'] for x in p['one']]))} | — | — | — |")
        L.append(f"| 2 | same, SOTU repeated 10× | warm pass {med([x['seconds'] for x in p['ten']]):.2f} s ({med([x['chars_per_second'] for x in p['ten']]) / 1e6:.1f} MB/s), {t['blocks']:,} blocks, peak RSS {mib(med([x['peak_rss_bytes'] for x in p['ten']]))} | — | time 10×/1×: **{p['time_ratio']:.2f}** (linear = 10); peak RSS 10×/1×: **{p['rss_ratio']:.2f}** (flat = 1) | linear, flat |")
    if 'train' in results:
        r = results['train']
        f = lambda k: f"{r[k]['tps']:.0f} tokens/s ({r[k]['step']:.2f} s/step, {r[k]['flops'] / 1e9:.0f} GFLOP/step, {r[k]['gflops']:.0f} GFLOP/s)"
        L.append(f"| 3 | training step, distilroberta, 8×128, fp32, {a.threads} threads: ours sparse head vs PyTorch eager (HF-style dense head) | {f('ours_sparse')} | {f('torch_dense')} | **{r['ratio_sparse_vs_torch']:.2f}×** | ≥ 1.3× |")
        L.append(f"| 3 | same, ours dense head vs PyTorch dense head (same work) | {f('ours_dense')} | {f('torch_dense')} | **{r['ratio_dense_vs_torch']:.2f}×** | — |")
        L.append(f"| 3 | same, both sparse head (same work) | {f('ours_sparse')} | {f('torch_sparse')} | **{r['ratio_sparse_vs_torch_sparse']:.2f}×** | — |")
        L.append(f"| 3 | same, ours sparse head vs PyTorch dense head run with OMP_WAIT_POLICY=PASSIVE (the setting MlNetMlm makes for itself) | {f('ours_sparse')} | {f('torch_dense_passive')} | **{r['ratio_sparse_vs_torch_passive']:.2f}×** | — |")
        u = lambda k: 'n/a (no peak measured in that process)' if r[k]['util'] is None else f"{r[k]['util']:.0%} (peak {r[k]['peak']:.0f} GFLOP/s)"
        L.append(f"| 3 | FLOP utilisation: each run's GFLOP/s ÷ the fp32 matmul peak measured in the same process, median over rounds | ours sparse {u('ours_sparse')}, dense {u('ours_dense')} | PyTorch dense {u('torch_dense')}, sparse {u('torch_sparse')} | — | ≥ 80 % |")
    if 'fillmask' in results:
        m = results['fillmask']
        L.append(f"| 4 | fill-mask, one sentence ({m['single_tokens']} tokens), latency | {m['ours_ms']:.1f} ms | {m['peer_ms']:.1f} ms | **{m['latency_ratio']:.2f}×** | — |")
        L.append(f"| 4 | fill-mask, batch of 64 (padded to {m['padded']}) | {m['ours_sps']:.1f} sentences/s | {m['peer_sps']:.1f} sentences/s | **{m['batch_ratio']:.2f}×** | — |")
        L.append(f"| 4 | fill-mask, PyTorch run with OMP_WAIT_POLICY=PASSIVE | {m['ours_ms']:.1f} ms; {m['ours_sps']:.1f} sentences/s | {m['passive_ms']:.1f} ms; {m['passive_sps']:.1f} sentences/s | **{m['passive_latency_ratio']:.2f}×**; **{m['passive_batch_ratio']:.2f}×** | — |")
    if 'parquet' in results:
        p = results['parquet']
        q = p['parquet']
        L.append(f"| 2 | reading the text (load→flatten, every answers.text), SOTU: Parquet (zstd) vs JSON Lines | Parquet {med([x['read_text_chars_per_second'] for x in q]) / 1e6:.1f} M chars/s ({med([x['read_seconds'] for x in q]):.2f} s) | JSONL {med([x['read_text_chars_per_second'] for x in p['one']]) / 1e6:.1f} M chars/s ({med([x['read_seconds'] for x in p['one']]):.2f} s) | **{p['read_ratio']:.2f}×**; whole prep from Parquet {p['prep_ratio']:.2f}× the JSONL path's speed | ≥ 1.0× |")
    if 'trainmem' in results:
        t = results['trainmem']
        L.append(f"| 5 | peak RSS of `train` (tiny model, 4 steps) on SOTU 1× vs 10× | 1×: {mib(t['one'])}, 10×: {mib(t['ten'])} | — | 10×/1×: **{t['ratio']:.2f}** (flat = 1) | flat |")
    if 'bf16' in results:
        b = results['bf16']
        g = lambda k: f"{b[k]['tps']:.0f} tokens/s ({b[k]['step']:.2f} s/step: forward {b[k]['phases'][0]:.2f}, backward {b[k]['phases'][1]:.2f}, optimizer {b[k]['phases'][2]:.2f}; {b[k]['gflops']:.0f} GFLOP/s)"
        L.append(f"| 6 | training step, distilroberta, 8×128, {a.threads} threads: ours bf16 (sparse head) vs PyTorch fp32 eager with HF's dense head | {g('ours_bf16')} | {g('torch_dense')} | **{b['vs_torch_fp32_dense']:.2f}×** | ≥ 3.0× |")
        L.append(f"| 6 | same, ours bf16 vs PyTorch with the same bf16 recipe by hand (bf16 products, fp32 master weights, sparse head: same work; OMP_WAIT_POLICY=PASSIVE as ours) | {g('ours_bf16')} | {g('torch_bf16')} | **{b['vs_torch_bf16']:.2f}×** | ≥ 1.3× |")
        L.append(f"| 6 | same, ours bf16 vs ours fp32 | {g('ours_bf16')} | {g('ours_fp32')} (ours) | **{b['vs_ours_fp32']:.2f}×** | — |")
        L.append(f"| 6 | bf16 FLOP utilisation vs the bf16 matmul peak measured in the same process | ours {b['ours_bf16']['gflops'] / b['peak_ours']:.0%} of TorchSharp's best {b['peak_ours']:.0f} GFLOP/s | {b['torch_bf16']['gflops'] / b['peak_torch']:.0%} of torch 1.13's best {b['peak_torch']:.0f} GFLOP/s | — | ≥ 70 % |")
        L.append(f"| 6 | peak RSS while training, bf16 vs fp32 (ours) | bf16 {mib(b['ours_bf16']['rss'])} | fp32 {mib(b['ours_fp32']['rss'])} (ours) | bf16 ÷ fp32: **{b['rss_vs_fp32']:.2f}** (lower = bf16 smaller) | ≤ 1.0 |")
        L.append(f"| 6 | fill-mask, batch of 64, ours bf16 vs ours fp32 | {b['fill_bf16']:.1f} sentences/s | {b['fill_fp32']:.1f} sentences/s (ours fp32) | **{b['fill_vs_fp32']:.2f}×** | ≥ 2.0× |")
        L.append(f"| 6 | same, ours bf16 vs PyTorch fp32 (HF pipeline's work, OMP_WAIT_POLICY=PASSIVE) | {b['fill_bf16']:.1f} sentences/s | {b['fill_torch']:.1f} sentences/s | **{b['fill_vs_torch']:.2f}×** | — |")
    if 'product' in results:
        p = results['product']
        L.append(f"| 7 | `mlnet-mlm train --bf16` on SOTU (answers.text), distilroberta-shaped random checkpoint, 8×128, {p['steps']} steps, vs PyTorch fp32 eager (HF dense head) doing {p['steps']} steps of the same shape | {p['tps']['ours_bf16']:.0f} tokens/s (final summary line; peak RSS {mib(p['rss']['ours_bf16'])}) | {p['tps']['torch_dense']:.0f} tokens/s | **{p['bf16_vs_torch']:.2f}×** | ≥ 3.0× |")
        L.append(f"| 7 | same, `mlnet-mlm train` fp32 | {p['tps']['ours_fp32']:.0f} tokens/s (peak RSS {mib(p['rss']['ours_fp32'])}) | {p['tps']['torch_dense']:.0f} tokens/s | **{p['fp32_vs_torch']:.2f}×** | — |")
    if 'converge' in results:
        c = results['converge']
        L.append(f"| 8 | convergence: `mlnet-mlm train --bf16` vs fp32, the distilroberta-shaped checkpoint of row 7, {c['steps']} steps on SOTU, evaluation perplexity on 64 held-out blocks (one run each, seed 7) | bf16 {c['ppl']['bf16']:.1f} | fp32 {c['ppl']['fp32']:.1f} (ours; {c['initial']:.0f} before training) | bf16 ÷ fp32: **{c['ratio']:.3f}** | within 3 % |")
    if 'train' in results:
        r = results['train']
        L.append(f"| 5 | peak RSS while training (row 3) | sparse {mib(r['ours_sparse']['rss'])}, dense {mib(r['ours_dense']['rss'])}; growth over measured steps ≤ {mib(max(r['ours_sparse']['growth'], r['ours_dense']['growth']))} | dense {mib(r['torch_dense']['rss'])}, sparse {mib(r['torch_sparse']['rss'])} | ours sparse ÷ PyTorch dense: **{r['rss_ratio']:.2f}** (lower = ours smaller) | — |")
    return '\n'.join(L)


BEGIN, END = '<!-- results:begin -->', '<!-- results:end -->'


def previous_header():
    """The "Measured ..." line of the table in bench/README.md (for results saved without one)."""
    with open(os.path.join(HERE, 'README.md')) as f:
        s = f.read()
    block = s[s.index(BEGIN) + len(BEGIN):s.index(END)].strip().splitlines()
    return block[0].split(' Table recomputed on ')[0]


STATUS_ROW = re.compile(r'(\| Benchmarks against HF tokenizers and PyTorch [^|]*\| )[^\n]*')


def status_text(results):
    """The README's status cell for the benchmarks, from the same figure as the table's utilisation row."""
    util = results['train']['ours_sparse']['util']
    return f"done; FLOP utilisation {util:.0%} of the fp32 matmul peak measured in the same process (bench/README.md; target 80 %) |"


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--only', default=DEFAULT_ONLY)
    p.add_argument('--product-steps', type=int, default=10)
    p.add_argument('--converge-steps', type=int, default=64)
    p.add_argument('--warmup-steps', type=int, default=2)
    p.add_argument('--no-readme', action='store_true')
    p.add_argument('--replay', help='rebuild the table from a saved results file (bench/results/latest.json) instead of running')
    a = p.parse_args()
    if a.replay:
        with open(a.replay) as f:
            saved = json.load(f)
        REPLAY.extend(saved['runs'])
        a.measured = saved.get('header') or previous_header()
    os.makedirs(WORK, exist_ok=True)
    if not os.path.isdir(SHARED):
        sys.exit(f'{SHARED} not found: the corpora and tokenizer files are read from ../shared/data beside the repository.')
    results = {}
    for name, fn in [('tokenizer', tokenizer_bench), ('prep', prep_bench), ('train', train_bench), ('fillmask', fillmask_bench),
                     ('parquet', parquet_bench), ('trainmem', trainmem_bench), ('bf16', bf16_bench), ('product', product_bench), ('converge', converge_bench)]:
        if a.replay and not REPLAY:
            break  # a saved file from before the later comparisons existed
        if name in a.only.split(','):
            print(f'== {name}', file=sys.stderr, flush=True)
            results[name] = fn(a)
    text = table(a, results)
    print(text)
    if not a.replay:
        os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
        with open(os.path.join(HERE, 'results', 'latest.json'), 'w') as f:
            json.dump({'header': a.header, 'runs': RAW}, f, indent=1)
    if not a.no_readme:
        readme = os.path.join(HERE, 'README.md')
        with open(readme) as f:
            s = f.read()
        i, j = s.index(BEGIN) + len(BEGIN), s.index(END)
        with open(readme, 'w') as f:
            f.write(s[:i] + '\n' + text + '\n' + s[j:])
        if 'train' in results:
            top = os.path.join(REPO, 'README.md')
            with open(top) as f:
                s = f.read()
            s, n = STATUS_ROW.subn(lambda m: m.group(1) + status_text(results), s)
            if n != 1:
                sys.exit('README.md: the status row "Benchmarks against HF tokenizers and PyTorch" was not found')
            with open(top, 'w') as f:
                f.write(s)


if __name__ == '__main__':
    main()
