"""Engine speed against peers, in one run; prints median times and ratios.

(a) S1: micrograd's demo MLP (2-16-16-1 on 100 make_moons points, scalar nodes), one
    forward + backward + SGD step, graphgrad vs micrograd (if installed).
(b) T1: a 3072-512-10 ReLU MLP training step, batch 256, softmax cross-entropy + L2,
    graphgrad vs hand-written numpy and PyTorch CPU (if installed).
(c) S2: a 100,000-deep scalar chain x <- x*1.0001 + 0.0001, forward + backward.

Usage: python bench/bench_engine.py [--quick]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import graphgrad as gg


def timeit(step, min_time=1.0, min_runs=5, max_runs=200):
    step()                                     # warm-up (lazy imports, allocator)
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - start < min_time and len(times) < max_runs):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# ------------------------------------------------------------------ S1: scalar MLP
def moons_weights(seed=1337):
    from sklearn.datasets import make_moons
    X, y = make_moons(n_samples=100, noise=0.1, random_state=seed)
    y = y * 2 - 1.0
    rng = np.random.default_rng(seed)
    sizes = [2, 16, 16, 1]
    layers = [(rng.uniform(-1, 1, (a, b)), np.zeros(b)) for a, b in zip(sizes[:-1], sizes[1:])]
    return X, y, layers


def _scalar_mlp_step(X, y, layers, leaf, run_backward, lr=0.05, alpha=1e-4):
    """The same demo step for any scalar engine: ``leaf(x)`` makes a parameter and
    ``run_backward(total, params)`` fills every ``p.grad`` (each engine's own way)."""
    net = [[([leaf(float(W[j, i])) for j in range(W.shape[0])], leaf(float(b[i])))
            for i in range(W.shape[1])] for W, b in layers]
    params = [p for layer in net for ws, b in layer for p in (*ws, b)]
    xs, ys, last = X.tolist(), y.tolist(), len(net) - 1

    def model(x):
        for li, layer in enumerate(net):
            acts = [sum((w * xi for w, xi in zip(ws, x)), b) for ws, b in layer]
            x = [a.relu() for a in acts] if li < last else acts
        return x[0]

    def step():
        losses = [(1 + -yi * model(row)).relu() for row, yi in zip(xs, ys)]
        total = sum(losses) * (1.0 / len(losses)) + alpha * sum(p * p for p in params)
        run_backward(total, params)
        for p in params:
            p.data -= lr * p.grad
        return float(total.data)
    return step


def s1_graphgrad(X, y, layers):
    def run_backward(total, params):
        for p in params:
            p.grad = None
        total.backward()
    return _scalar_mlp_step(X, y, layers, lambda v: gg.Value(v, requires_grad=True), run_backward)


def s1_micrograd(X, y, layers):
    from micrograd.engine import Value

    def run_backward(total, params):
        for p in params:
            p.grad = 0.0
        total.backward()
    return _scalar_mlp_step(X, y, layers, Value, run_backward)


# ------------------------------------------------------------------ T1: tensor MLP
def t1_data(dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((256, 3072)).astype(dtype)
    y = rng.integers(0, 10, 256)
    W1 = (rng.standard_normal((3072, 512)) * np.sqrt(2 / 3072)).astype(dtype)
    W2 = (rng.standard_normal((512, 10)) * np.sqrt(2 / 512)).astype(dtype)
    return X, y, W1, np.zeros(512, dtype), W2, np.zeros(10, dtype)


def t1_graphgrad(X, y, W1, b1, W2, b2, lr=1e-3, reg=1e-4):
    from graphgrad.nn import functional as F
    params = [gg.Value(a, requires_grad=True) for a in (W1, b1, W2, b2)]
    W1, b1, W2, b2 = params
    Xv = gg.Value(X)
    half_reg = X.dtype.type(0.5 * reg)

    def step():
        scores = (Xv @ W1 + b1).relu() @ W2 + b2
        loss = F.cross_entropy(scores, y) + half_reg * ((W1 * W1).sum() + (W2 * W2).sum())
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
            p.grad = None
        return loss.item()
    return step


def t1_numpy(X, y, W1, b1, W2, b2, lr=1e-3, reg=1e-4):
    W1, b1, W2, b2 = (a.copy() for a in (W1, b1, W2, b2))
    n = X.shape[0]
    rows = np.arange(n)

    def step():
        nonlocal W1, b1, W2, b2           # updated in place below
        h = X @ W1 + b1
        np.maximum(h, 0, out=h)
        s = h @ W2 + b2
        s -= s.max(axis=1, keepdims=True)
        e = np.exp(s)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[rows, y]).mean() + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())
        p[rows, y] -= 1
        p /= n
        dW2 = h.T @ p + reg * W2
        db2 = p.sum(0)
        dh = p @ W2.T
        dh[h <= 0] = 0
        dW1 = X.T @ dh + reg * W1
        db1 = dh.sum(0)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        return float(loss)
    return step


def t1_torch(X, y, W1, b1, W2, b2, lr=1e-3, reg=1e-4):
    import torch
    params = [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2)]
    W1, b1, W2, b2 = params
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        scores = torch.relu(Xt @ W1 + b1) @ W2 + b2
        loss = torch.nn.functional.cross_entropy(scores, yt) + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return loss.item()
    return step


def s2_graphgrad(depth=100_000):
    def step():
        x0 = gg.Value(1.0, requires_grad=True)
        x = x0
        for _ in range(depth):
            x = x * 1.0001 + 0.0001
        x.backward()
        return float(x0.grad)
    return step


def _try(name, make):
    try:
        return make()
    except ImportError as e:
        print(f"  ({name} not installed: {e.name}; skipped)")
        return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    min_time = 0.3 if args.quick else 2.0
    rows = []

    X, y, layers = moons_weights()
    g = timeit(s1_graphgrad(X, y, layers), min_time)
    m_step = _try("micrograd", lambda: s1_micrograd(X, y, layers))
    m = None
    if m_step:
        # time micrograd as its users get it: with Python's GC thresholds, not graphgrad's
        gg.restore_gc_thresholds()
        try:
            m = timeit(m_step, min_time, min_runs=3)
        finally:
            gg.tune_gc_thresholds()
    rows.append(("S1 scalar MLP 2-16-16-1, moons n=100", "micrograd", g, m))

    rows.append(("S2 scalar chain, depth 100,000", "(target 0.5 s)", timeit(s2_graphgrad(), min_time, 3), 0.5))

    for dtype in (np.float32, np.float64):
        data = t1_data(dtype)
        g = timeit(t1_graphgrad(*data), min_time)
        ref = timeit(t1_numpy(*data), min_time)
        rows.append((f"T1 MLP step 256x3072-512-10 {np.dtype(dtype).name}", "numpy", g, ref))
        t_step = _try("torch", lambda: t1_torch(*data))
        if t_step:
            rows.append((f"T1 MLP step 256x3072-512-10 {np.dtype(dtype).name}", "torch", g, timeit(t_step, min_time)))

    print(f"\n{'workload':<42} {'graphgrad':>11} {'peer':>16} {'peer time':>11} {'ratio':>8}")
    for name, peer, t, tp in rows:
        ratio = "" if tp is None else f"{t / tp:7.2f}x"
        ptime = "n/a" if tp is None else f"{tp * 1e3:9.1f}ms"
        print(f"{name:<42} {t * 1e3:9.1f}ms {peer:>16} {ptime:>11} {ratio:>8}")
    print("ratio = graphgrad time / peer time (lower is better; < 1 means graphgrad is faster)")


if __name__ == "__main__":
    main()
