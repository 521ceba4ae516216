"""PyTorch eager peer of `mlnet-mlm bench train` / `bench fillmask` / `bench matmul`.

A RoBERTa masked LM written with plain torch.nn modules, laid out like Hugging Face's RobertaForMaskedLM
(post-LayerNorm blocks, erf GELU, eager attention as HF runs it on torch 1.13, tied decoder, HF's init),
trained with the same AdamW parameter groups, clipping and defaults as MlNetMlm's trainer, on the same
batch (the integer formula of BenchSupport.Batch). Run with Debian's python3-torch: /usr/bin/python3.
Prints one JSON object.

`--precision bf16` is MlNetMlm's bf16 recipe written out by hand (torch 1.13's CPU autocast fails in
layer_norm): every matrix product (Q/K/V/output projections, attention scores and context, FFN, LM-head dense
and decoder) on bfloat16 casts of the float32 master weights, which stay float32 with their gradients and
AdamW state; embeddings, LayerNorm, the LM head's GELU, softmax and the loss in float32.
`save-checkpoint DIR` writes the randomly initialised model as a Hugging Face folder (config.json,
pytorch_model.bin with HF's key names) for the product-level row.
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

IGNORE = -100
PAD = 1
LOW = None  # the compute dtype of matrix products: None (float32) or torch.bfloat16 (--precision bf16)


def low(x):
    """x in the products' dtype (a cast that autograd sees, so gradients reach the float32 master weights)."""
    return x if LOW is None or x.dtype == LOW else x.to(LOW)


def linear(x, layer):
    return F.linear(low(x), low(layer.weight), None if layer.bias is None else low(layer.bias))


class Config:
    def __init__(self, layers=6, hidden=768, heads=12, intermediate=3072, vocab=50265, max_pos=514, eps=1e-5):
        self.layers, self.hidden, self.heads, self.intermediate, self.vocab = layers, hidden, heads, intermediate, vocab
        self.max_pos, self.eps, self.dropout, self.init_range = max_pos, eps, 0.1, 0.02


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab, c.hidden, padding_idx=PAD)
        self.position_embeddings = nn.Embedding(c.max_pos, c.hidden, padding_idx=PAD)
        self.token_type_embeddings = nn.Embedding(1, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, ids):
        not_pad = ids.ne(PAD).long()
        positions = torch.cumsum(not_pad, dim=1) * not_pad + PAD
        x = self.word_embeddings(ids) + self.token_type_embeddings(torch.zeros_like(ids)) + self.position_embeddings(positions)
        return self.dropout(self.LayerNorm(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.head_size = c.heads, c.hidden // c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)
        self.attn_dropout = nn.Dropout(c.dropout)
        self.attn_out = nn.Linear(c.hidden, c.hidden)
        self.attn_norm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.inter = nn.Linear(c.hidden, c.intermediate)
        self.out = nn.Linear(c.intermediate, c.hidden)
        self.out_norm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.dropout = nn.Dropout(c.dropout)

    def split(self, x, b, t):
        return x.view(b, t, self.heads, self.head_size).transpose(1, 2)

    def forward(self, x, additive_mask):
        b, t, h = x.shape
        xl = low(x)
        q, k, v = self.split(linear(xl, self.query), b, t), self.split(linear(xl, self.key), b, t), self.split(linear(xl, self.value), b, t)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + additive_mask
        probs = self.attn_dropout(torch.softmax(scores.float(), dim=-1))  # softmax in float32
        context = torch.matmul(low(probs), v).transpose(1, 2).reshape(b, t, h)
        attended = self.attn_norm(self.dropout(linear(context, self.attn_out)) + x)  # float32 residual: LayerNorm in float32
        widened = F.gelu(linear(attended, self.inter))
        return self.out_norm(self.dropout(linear(widened, self.out)) + attended)


class MaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embeddings = Embeddings(c)
        self.layer = nn.ModuleList([Layer(c) for _ in range(c.layers)])
        self.head_dense = nn.Linear(c.hidden, c.hidden)
        self.head_layer_norm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.head_bias = nn.Parameter(torch.zeros(c.vocab))

    def init_weights(self, seed):
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, (nn.Linear, nn.Embedding)):
                    m.weight.normal_(0.0, self.c.init_range, generator=g)
                    if isinstance(m, nn.Linear) and m.bias is not None:
                        m.bias.zero_()
                elif isinstance(m, nn.LayerNorm):
                    m.weight.fill_(1.0)
                    m.bias.zero_()
            self.embeddings.word_embeddings.weight[PAD].zero_()
            self.embeddings.position_embeddings.weight[PAD].zero_()
            self.head_bias.zero_()

    def encode(self, ids, mask):
        x = self.embeddings(ids)
        dtype = LOW or x.dtype
        additive = (1.0 - mask.to(dtype)[:, None, None, :]) * torch.finfo(dtype).min
        for block in self.layer:
            x = block(x, additive)
        return x

    def head(self, hidden):
        x = self.head_layer_norm(F.gelu(linear(hidden, self.head_dense).float()))
        return F.linear(low(x), low(self.embeddings.word_embeddings.weight), low(self.head_bias)).float()

    def hf_state_dict(self):
        """The weights under Hugging Face RobertaForMaskedLM's key names."""
        out = {}
        for name, p in self.embeddings.named_parameters():
            out['roberta.embeddings.' + name] = p.detach()
        names = {'query': 'attention.self.query', 'key': 'attention.self.key', 'value': 'attention.self.value',
                 'attn_out': 'attention.output.dense', 'attn_norm': 'attention.output.LayerNorm', 'inter': 'intermediate.dense',
                 'out': 'output.dense', 'out_norm': 'output.LayerNorm'}
        for i, block in enumerate(self.layer):
            for name, p in block.named_parameters():
                module, kind = name.rsplit('.', 1)
                out[f'roberta.encoder.layer.{i}.{names[module]}.{kind}'] = p.detach()
        for kind in ('weight', 'bias'):
            out['lm_head.dense.' + kind] = getattr(self.head_dense, kind).detach()
            out['lm_head.layer_norm.' + kind] = getattr(self.head_layer_norm, kind).detach()
        out['lm_head.bias'] = self.head_bias.detach()
        return out

    def loss(self, ids, mask, labels, sparse):
        hidden = self.encode(ids, mask).reshape(-1, self.c.hidden)
        flat = labels.reshape(-1)
        if sparse:
            picked = flat.ne(IGNORE).nonzero().squeeze(1)
            return F.cross_entropy(self.head(hidden.index_select(0, picked)), flat.index_select(0, picked))
        # What Hugging Face's RobertaForMaskedLM does: logits at every position.
        return F.cross_entropy(self.head(hidden), flat, ignore_index=IGNORE)


def batch(vocab, b, t):
    n = b * t
    ids = [3 + (i * 2654435761 + 12345) % (vocab - 3) for i in range(n)]
    labels = [ids[i] if (i * 7919 + 17) % 100 < 15 else IGNORE for i in range(n)]
    return torch.tensor(ids).view(b, t), torch.tensor(labels).view(b, t), sum(1 for x in labels if x != IGNORE)


def forward_flops(c, b, t, head_positions):
    tokens = b * t
    h, i, v = c.hidden, c.intermediate, c.vocab
    per_token_per_layer = 2 * (4 * h * h) + 2 * (2 * h * i) + 2 * (2 * t * h)
    return c.layers * tokens * per_token_per_layer + head_positions * (2 * h * h + 2 * h * v)


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


def rss_now():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def matmul_peak(dtype=None):
    g = torch.Generator().manual_seed(7)
    shapes = [("1024x768 @ 768x3072", 1024, 768, 3072), ("1024x3072 @ 3072x768", 1024, 3072, 768),
              ("1024x768 @ 768x768", 1024, 768, 768), ("2048x2048 @ 2048x2048", 2048, 2048, 2048),
              ("154x768 @ 768x50265", 154, 768, 50265)]
    out = {}
    with torch.no_grad():
        for name, m, k, n in shapes:
            a, b = torch.randn(m, k, generator=g).to(dtype or torch.float32), torch.randn(k, n, generator=g).to(dtype or torch.float32)
            for _ in range(2):
                torch.mm(a, b)
            best = min(timed(lambda: torch.mm(a, b)) for _ in range(8))
            out[name] = round(2.0 * m * k * n / best / 1e9, 1)
    return max(out.values()), out


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def config_from(a):
    return Config(a.layers, a.hidden, a.heads, a.intermediate, a.vocab_size, max(514, a.seq_len + 2))


def train(a):
    c = config_from(a)
    torch.manual_seed(42)
    model = MaskedLM(c)
    model.init_weights(42)
    model.train()
    # The trainer's defaults: lr 2e-5, betas (0.9, 0.999), eps 1e-8, weight decay 0.01 except biases and LayerNorm weights, clip 1.0.
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        exempt = name.endswith('bias') or 'norm' in name.lower() or 'LayerNorm' in name
        (no_decay if exempt else decay).append(p)
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=2e-5, betas=(0.9, 0.999), eps=1e-8)
    peak_before = matmul_peak(LOW) if a.matmul_peak == 'on' else None
    ids, labels, labelled = batch(c.vocab, a.batch_size, a.seq_len)
    mask = torch.ones_like(ids)
    params = list(model.parameters())
    tokens = a.batch_size * a.seq_len
    flops = 3 * forward_flops(c, a.batch_size, a.seq_len, labelled if a.sparse_head == 'on' else tokens)
    seconds, losses, rss_after, phases = [], [], [], []
    for step in range(a.warmup_steps + a.steps):
        t0 = time.perf_counter()
        loss = model.loss(ids, mask, labels, a.sparse_head == 'on')
        losses.append(loss.item())
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad()
        t3 = time.perf_counter()
        if step >= a.warmup_steps:
            seconds.append(t3 - t0)
            phases.append((t1 - t0, t2 - t1, t3 - t2))
        rss_after.append(rss_now())
    peak = peak_rss()
    med = statistics.median(seconds)
    r = dict(impl=f'pytorch-eager {torch.__version__}', shape=a.shape, precision=a.precision, layers=c.layers, hidden=c.hidden, heads=c.heads,
             intermediate=c.intermediate, vocab_size=c.vocab, parameters=sum(p.numel() for p in params),
             batch_size=a.batch_size, seq_len=a.seq_len, labelled_positions=labelled, sparse_head=a.sparse_head == 'on',
             threads=torch.get_num_threads(), omp_wait_policy=os.environ.get('OMP_WAIT_POLICY'), warmup_steps=a.warmup_steps, steps=a.steps,
             step_seconds=[round(s, 4) for s in seconds], step_seconds_median=round(med, 4),
             tokens_per_second=round(tokens / med, 1),
             forward_seconds_median=round(statistics.median(p[0] for p in phases), 4),
             backward_seconds_median=round(statistics.median(p[1] for p in phases), 4),
             optimizer_seconds_median=round(statistics.median(p[2] for p in phases), 4), flops_per_step=flops, gflops_per_second=round(flops / med / 1e9, 1),
             first_loss=round(losses[0], 4), last_loss=round(losses[-1], 4), peak_rss_bytes=peak,
             rss_growth_over_measured_steps_bytes=rss_after[-1] - rss_after[min(a.warmup_steps, len(rss_after) - 1)])
    if a.matmul_peak == 'on':
        _, by = matmul_peak(LOW)
        by = {k: max(v, peak_before[1][k]) for k, v in by.items()}
        p = max(by.values())
        r.update(matmul_peak_gflops=p, matmul_gflops_by_shape=by, flop_utilisation=round(flops / med / 1e9 / p, 3))
    return r


def fillmask(a):
    c = config_from(a)
    with open(a.ids) as f:
        data = json.load(f)
    torch.manual_seed(42)
    model = MaskedLM(c)
    model.init_weights(42)
    model.eval()

    def predict(rows):
        # As HF's fill-mask pipeline on torch: pad, run the model to logits at every position, softmax at the masks, top 5.
        length = max(len(r) for r in rows)
        ids = torch.full((len(rows), length), data['pad_id'], dtype=torch.long)
        mask = torch.zeros((len(rows), length), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        with torch.no_grad():
            logits = model.head(model.encode(ids, mask))
            at = ids.eq(data['mask_id'])
            probs = torch.softmax(logits[at], dim=-1)
            return probs.topk(5, dim=-1)

    single, rows = [data['single']], data['batch']
    predict(single)
    predict(rows)
    single_s = [timed(lambda: predict(single)) for _ in range(a.runs * 4)]
    batch_s = [timed(lambda: predict(rows)) for _ in range(a.runs)]
    return dict(impl=f'pytorch-eager {torch.__version__}', shape=a.shape, precision=a.precision, threads=torch.get_num_threads(),
                single_tokens=len(data['single']),
                single_latency_ms_median=round(statistics.median(single_s) * 1000, 2), batch_size=len(rows),
                batch_seconds_median=round(statistics.median(batch_s), 4),
                batch_sentences_per_second=round(len(rows) / statistics.median(batch_s), 1), peak_rss_bytes=peak_rss())


def save_checkpoint(a):
    """A distilroberta-shaped random model as a Hugging Face folder (nothing downloaded)."""
    c = config_from(a)
    torch.manual_seed(42)
    model = MaskedLM(c)
    model.init_weights(42)
    os.makedirs(a.dir, exist_ok=True)
    config = dict(architectures=['RobertaForMaskedLM'], model_type='roberta', vocab_size=c.vocab, hidden_size=c.hidden,
                  num_hidden_layers=c.layers, num_attention_heads=c.heads, intermediate_size=c.intermediate, hidden_act='gelu',
                  hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, max_position_embeddings=c.max_pos, type_vocab_size=1,
                  initializer_range=0.02, layer_norm_eps=c.eps, pad_token_id=PAD, bos_token_id=0, eos_token_id=2)
    with open(os.path.join(a.dir, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
    torch.save(model.hf_state_dict(), os.path.join(a.dir, 'pytorch_model.bin'))
    return dict(impl=f'pytorch {torch.__version__}', dir=a.dir, parameters=sum(p.numel() for p in model.parameters()))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['train', 'fillmask', 'matmul', 'save-checkpoint'])
    p.add_argument('--precision', choices=['fp32', 'bf16'], default='fp32')
    p.add_argument('--dir', help='save-checkpoint: the folder to write')
    p.add_argument('--shape', default='distilroberta')
    p.add_argument('--layers', type=int, default=6)
    p.add_argument('--hidden', type=int, default=768)
    p.add_argument('--heads', type=int, default=12)
    p.add_argument('--intermediate', type=int, default=3072)
    p.add_argument('--vocab-size', type=int, default=50265)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--seq-len', type=int, default=128)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--warmup-steps', type=int, default=2)
    p.add_argument('--sparse-head', choices=['on', 'off'], default='off')
    p.add_argument('--matmul-peak', choices=['on', 'off'], default='on')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--ids', help='fillmask: the JSON written by `mlnet-mlm bench fillmask --ids-out`')
    p.add_argument('--runs', type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    global LOW
    LOW = torch.bfloat16 if a.precision == 'bf16' else None
    if a.mode == 'save-checkpoint':
        r = save_checkpoint(a)
    elif a.mode == 'train':
        r = train(a)
    elif a.mode == 'fillmask':
        r = fillmask(a)
    else:
        peak, by = matmul_peak(LOW)
        r = dict(impl=f'pytorch {torch.__version__}', precision=a.precision, threads=torch.get_num_threads(), matmul_peak_gflops=peak, matmul_gflops_by_shape=by)
    print(json.dumps(r))


if __name__ == '__main__':
    main()
