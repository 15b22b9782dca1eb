"""What recording a PyTorch training step for viz costs: record_torch() vs the plain step.

Workload (= peer-bench T1): X (256, 3072), y (256,) in [0, 10), W1 (3072, 512), b1, W2
(512, 10), b2; scores = relu(X @ W1 + b1) @ W2 + b2; loss = cross-entropy + 0.5·reg·(ΣW1² +
ΣW2²); backward; SGD. Three variants run in interleaved rounds (machine drift lands on all):

* plain     — the step as the peer bench's torch adapter writes it
* record    — the same step inside ``with record_torch() as rec:`` (forward values, module-free
              hooks, per-edge gradients cloned); the issue's goal: under 2× plain
* +graph    — record, then ``rec.trace()`` (the conversion to numpy GraphData/TraceData a
              view does once when it draws)

``--models`` instead times one training step of each model of the issue's set, written as
their authors write them: pytorch/examples' MNIST net, a resnet18-style stack of BasicBlocks
(in-place ReLU, ``out += identity``), two nanoGPT blocks (``split``, ``masked_fill``),
two nn.TransformerEncoderLayer and word_language_model's 2-layer LSTM; each printed as
record / plain and record+trace / plain (paired medians over interleaved rounds).

Usage: python bench/bench_torch_record.py [--rounds 15] [--dtype float32|float64] [--threads N]
       python bench/bench_torch_record.py --models [--rounds 7] [--only gpt,lstm]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from graphgrad.viz.sources.torch import record_torch

N, D, H, C = 256, 3072, 512, 10
LR, REG = 0.05, 1e-3


def data(dtype):
    rng = np.random.default_rng(1234 + 2)          # the peer bench's T1 seed
    X = rng.standard_normal((N, D)).astype(dtype)
    y = rng.integers(0, C, N).astype(np.int64)
    W1 = (rng.standard_normal((D, H)) * np.sqrt(2.0 / D)).astype(dtype)
    W2 = (rng.standard_normal((H, C)) * np.sqrt(2.0 / H)).astype(dtype)
    return X, y, W1, np.zeros(H, dtype), W2, np.zeros(C, dtype)


def make_step(arrays, mode):
    X, y, *ps = arrays
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    W1, b1, W2, b2 = params = [torch.tensor(p, requires_grad=True) for p in ps]

    def forward_backward():
        h = torch.relu(X @ W1 + b1)
        scores = h @ W2 + b2
        loss = F.cross_entropy(scores, y) + 0.5 * REG * ((W1 * W1).sum() + (W2 * W2).sum())
        loss.backward()
        return loss

    def sgd():
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None

    def step():
        if mode == "plain":
            loss = forward_backward()
        else:
            with record_torch(names=dict(X=X, W1=W1, b1=b1, W2=W2, b2=b2)) as rec:
                loss = forward_backward()
            if mode == "+graph":
                rec.trace()
        sgd()
        return loss.item()
    return step


# ------------------------------------------------------------------ the model set (--models)
class MnistNet(torch.nn.Module):
    """pytorch/examples mnist/main.py's Net."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.conv1, self.conv2 = nn.Conv2d(1, 32, 3, 1), nn.Conv2d(32, 64, 3, 1)
        self.dropout1, self.dropout2 = nn.Dropout(0.25), nn.Dropout(0.5)
        self.fc1, self.fc2 = nn.Linear(9216, 128), nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


class BasicBlock(torch.nn.Module):
    """torchvision's resnet BasicBlock as written (in-place ReLU, ``out += identity``)."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet18ish(torch.nn.Module):
    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
        blocks, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout)]
            cin = cout
        self.layers = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class CausalSelfAttention(torch.nn.Module):
    """nanoGPT's attention, the path without flash attention (as on a CPU without SDPA)."""

    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.c_attn, self.c_proj = torch.nn.Linear(n_embd, 3 * n_embd), torch.nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd = n_head, n_embd
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / k.size(-1) ** 0.5)
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class GPTBlock(torch.nn.Module):
    def __init__(self, n_embd=128, n_head=4, block_size=64):
        super().__init__()
        nn = torch.nn
        self.ln_1, self.ln_2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.c_fc, self.gelu, self.c_proj = nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(self.gelu(self.c_fc(self.ln_2(x))))


class TinyGPT(torch.nn.Module):
    def __init__(self, vocab=256, n_embd=128, block_size=64, n_layer=2):
        super().__init__()
        nn = torch.nn
        self.wte, self.wpe = nn.Embedding(vocab, n_embd), nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList([GPTBlock(n_embd, 4, block_size) for _ in range(n_layer)])
        self.ln_f, self.lm_head = nn.LayerNorm(n_embd), nn.Linear(n_embd, vocab, bias=False)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class Encoder(torch.nn.Module):
    def __init__(self, d=128, n_layer=2):
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.TransformerEncoderLayer(d, 4, 512, batch_first=True)
                                           for _ in range(n_layer)])
        self.out = torch.nn.Linear(d, 10)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.out(x.mean(1))


class LSTMModel(torch.nn.Module):
    """word_language_model's RNNModel (LSTM, 2 layers)."""

    def __init__(self, ntoken=1000, ninp=128, nhid=128, nlayers=2):
        super().__init__()
        nn = torch.nn
        self.encoder, self.rnn = nn.Embedding(ntoken, ninp), nn.LSTM(ninp, nhid, nlayers, dropout=0.2)
        self.drop, self.decoder = nn.Dropout(0.2), nn.Linear(nhid, ntoken)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        return self.decoder(self.drop(output)), hidden


def model_set():
    """name -> (model, forward-and-loss closure)."""
    g = torch.Generator().manual_seed(0)
    mn = MnistNet()
    xm, ym = torch.randn(64, 1, 28, 28, generator=g), torch.randint(0, 10, (64,), generator=g)
    rn = ResNet18ish()
    xr, yr = torch.randn(16, 3, 32, 32, generator=g), torch.randint(0, 10, (16,), generator=g)
    gpt = TinyGPT()
    idx, tgt = torch.randint(0, 256, (8, 64), generator=g), torch.randint(0, 256, (8, 64), generator=g)
    enc = Encoder()
    xe, ye = torch.randn(8, 64, 128, generator=g), torch.randint(0, 10, (8,), generator=g)
    lm = LSTMModel()
    xl, yl = torch.randint(0, 1000, (35, 20), generator=g), torch.randint(0, 1000, (35 * 20,), generator=g)
    h0 = (torch.zeros(2, 20, 128), torch.zeros(2, 20, 128))
    return {
        "mnist": (mn, lambda: F.nll_loss(mn(xm), ym)),
        "resnet18": (rn, lambda: F.cross_entropy(rn(xr), yr)),
        "gpt": (gpt, lambda: F.cross_entropy(gpt(idx).view(-1, 256), tgt.view(-1))),
        "transformer": (enc, lambda: F.cross_entropy(enc(xe), ye)),
        "lstm": (lm, lambda: F.cross_entropy(lm(xl, h0)[0].view(-1, 1000), yl)),
    }


def model_step(model, loss_of, mode):
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        if mode == "plain":
            loss = loss_of()
            loss.backward()
        else:
            with record_torch() as rec:
                loss = loss_of()
                loss.backward()
            if mode == "+trace":
                rec.trace()
        opt.step()
    return step


def bench_models(rounds, only=None):
    modes = ["plain", "record", "+trace"]
    print(f"one training step per model, float32, torch {torch.__version__}, {torch.get_num_threads()} "
          f"threads, {rounds} rounds; ratios are paired medians (this step / the plain step of the same round)")
    print(f"{'model':<12} {'plain ms':>9} {'record':>8} {'+trace':>8} {'gates':>6}")
    for name, (model, loss_of) in model_set().items():
        if only and name not in only:
            continue
        steps = {m: model_step(model, loss_of, m) for m in modes}
        for m in modes:
            steps[m]()                          # warm-up
        times = {m: [] for m in modes}
        for _ in range(rounds):
            for m in modes:
                t0 = time.perf_counter()
                steps[m]()
                times[m].append(time.perf_counter() - t0)
        with record_torch() as rec:
            loss_of().backward()
        gates = len(rec.trace())
        ratio = {m: statistics.median(a / b for a, b in zip(times[m], times["plain"])) for m in modes}
        print(f"{name:<12} {statistics.median(times['plain']) * 1e3:>9.1f} {ratio['record']:>7.2f}x "
              f"{ratio['+trace']:>7.2f}x {gates:>6}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", action="store_true", help="time the model set instead of T1")
    ap.add_argument("--only", default="", help="with --models: a comma-separated subset")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.models:
        bench_models(args.rounds, [x for x in args.only.split(",") if x])
        return
    arrays = data(np.dtype(args.dtype))
    modes = ["plain", "record", "+graph"]
    steps = {m: make_step(arrays, m) for m in modes}
    losses = {m: [steps[m]() for _ in range(2)] for m in modes}      # warm-up, and same numbers
    assert all(np.allclose(losses[m], losses["plain"], rtol=1e-5) for m in modes), losses
    times = {m: [] for m in modes}
    cpu = {m: [] for m in modes}      # process CPU time: what a loaded machine disturbs least
    for _ in range(args.rounds):
        for m in modes:
            c0, t0 = time.process_time(), time.perf_counter()
            steps[m]()
            times[m].append(time.perf_counter() - t0)
            cpu[m].append(time.process_time() - c0)
    base = statistics.median(times["plain"])
    print(f"T1 MLP step, {args.dtype}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{args.rounds} rounds")
    # ratio: of the medians; paired: median over rounds of (this step / the plain step of the
    # same round), which a loaded machine's drift disturbs least
    print(f"{'variant':<8} {'median ms':>10} {'best ms':>9} {'ratio':>7} {'paired':>7} {'best/best':>9}"
          f" {'cpu ms':>8} {'cpu ratio':>9}")
    best = min(times["plain"])
    cbase = statistics.median(cpu["plain"])
    for m in modes:
        med = statistics.median(times[m])
        paired = statistics.median(a / b for a, b in zip(times[m], times["plain"]))
        print(f"{m:<8} {med * 1e3:>10.2f} {min(times[m]) * 1e3:>9.2f} {med / base:>6.2f}x "
              f"{paired:>6.2f}x {min(times[m]) / best:>8.2f}x {statistics.median(cpu[m]) * 1e3:>8.1f}"
              f" {statistics.median(cpu[m]) / cbase:>8.2f}x")


if __name__ == "__main__":
    main()
