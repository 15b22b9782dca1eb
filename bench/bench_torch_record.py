"""What recording a PyTorch training step for viz costs: record_torch() vs the plain step.

Workload (= peer-bench T1): X (256, 3072), y (256,) in [0, 10), W1 (3072, 512), b1, W2
(512, 10), b2; scores = relu(X @ W1 + b1) @ W2 + b2; loss = cross-entropy + 0.5·reg·(ΣW1² +
ΣW2²); backward; SGD. Three variants run in interleaved rounds (machine drift lands on all):

* plain     — the step as the peer bench's torch adapter writes it
* record    — the same step inside ``with record_torch() as rec:`` (forward values, module-free
              hooks, per-edge gradients cloned); the issue's goal: under 2× plain
* +graph    — record, then ``rec.trace()`` (the conversion to numpy GraphData/TraceData a
              view does once when it draws)

Usage: python bench/bench_torch_record.py [--rounds 15] [--dtype float32|float64] [--threads N]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from viz.sources.torch import record_torch

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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
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
