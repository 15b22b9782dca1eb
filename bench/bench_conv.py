"""Conv layer speed against PyTorch CPU and hand-written numpy, in one run.

Workload (issue #5, = peer-bench T2): x (64, 3, 32, 32) float32, 32 filters 3×3,
stride 1, pad 1, + bias, ReLU, 2×2 max-pool, loss = Σ(out·G), forward + backward to
x, w and b. Each engine's step runs in turn (interleaved rounds), so machine drift
lands on all of them; the table gives the median and the best step time and the
ratios to PyTorch (the issue's goal: within 2×) and to the numpy floor.
A second table times BatchNorm (256, 1024) float32 train-mode fwd+bwd (= peer-bench T3).

Usage: python bench/bench_conv.py [--rounds 15]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from numpy.lib.stride_tricks import as_strided

import graphgrad as gg
from graphgrad.nn import functional as F

N, C, HW, NF, K = 64, 3, 32, 32, 3


def conv_data(seed=3):
    rng = np.random.default_rng(seed)
    f = np.float32
    x = rng.standard_normal((N, C, HW, HW)).astype(f)
    w = (rng.standard_normal((NF, C, K, K)) * np.sqrt(2.0 / (C * K * K))).astype(f)
    b = (0.1 * rng.standard_normal(NF)).astype(f)
    G = rng.standard_normal((N, NF, HW // 2, HW // 2)).astype(f)
    return x, w, b, G


# ------------------------------------------------------------------ engines: conv
def graphgrad_conv(x, w, b, G):
    xv, wv, bv = (gg.Value(a.copy(), requires_grad=True) for a in (x, w, b))
    Gv = gg.Value(G)

    def step():
        for p in (xv, wv, bv):
            p.zero_grad()
        out = F.max_pool2d(F.conv2d(xv, wv, bv, stride=1, padding=1).relu(), 2, 2)
        loss = (out * Gv).sum()
        loss.backward()
        return float(loss.item()), wv.grad
    return step


def torch_conv(x, w, b, G):
    import torch
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    Gt = torch.tensor(G)

    def step():
        for p in (xt, wt, bt):
            p.grad = None
        out = torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(xt, wt, bt, padding=1).relu(), 2, 2)
        loss = (out * Gt).sum()
        loss.backward()
        return float(loss.detach()), wt.grad.numpy()
    return step


def numpy_conv(x, w, b, G):
    """cs231n-style hand-written forward/backward (im2col, channel-major layout)."""
    Gt = np.ascontiguousarray(G.transpose(1, 0, 2, 3))

    def step():
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        s = xp.strides
        cols = as_strided(xp, (C, K, K, N, HW, HW), (s[1], s[2], s[3], s[0], s[2], s[3])).reshape(C * K * K, -1)
        conv = (w.reshape(NF, -1) @ cols + b[:, None]).reshape(NF, N, HW, HW)
        r = np.maximum(conv, 0, out=conv)
        q = [r[:, :, i::2, j::2] for i in (0, 1) for j in (0, 1)]
        pooled = np.maximum(np.maximum(q[0], q[1]), np.maximum(q[2], q[3]))
        loss = float(np.vdot(pooled, Gt))
        g = Gt * (pooled > 0)
        dconv = np.zeros_like(r)
        taken = np.zeros(pooled.shape, bool)
        for (i, j), qk in zip(((0, 0), (0, 1), (1, 0), (1, 1)), q):
            hit = (qk == pooled) & ~taken
            taken |= hit
            np.multiply(g, hit, out=dconv[:, :, i::2, j::2])
        d = dconv.reshape(NF, -1)
        dw = (d @ cols.T).reshape(w.shape)
        d.sum(axis=1)
        dcols = (w.reshape(NF, -1).T @ d).reshape(C, K, K, N, HW, HW)
        dxp = np.zeros((C, N, HW + 2, HW + 2), np.float32)
        for i in range(K):
            for j in range(K):
                dxp[:, :, i:i + HW, j:j + HW] += dcols[:, i, j]
        return loss, dw
    return step


# ------------------------------------------------------------------ engines: batchnorm
def bn_data(seed=4):
    rng = np.random.default_rng(seed)
    f = np.float32
    return ((2.0 * rng.standard_normal((256, 1024)) + 0.5).astype(f), (1.0 + 0.1 * rng.standard_normal(1024)).astype(f),
            (0.1 * rng.standard_normal(1024)).astype(f), rng.standard_normal((256, 1024)).astype(f))


def graphgrad_bn(x, g, b, G):
    xv, gv, bv = (gg.Value(a.copy(), requires_grad=True) for a in (x, g, b))
    Gv = gg.Value(G)

    def step():
        for p in (xv, gv, bv):
            p.zero_grad()
        loss = (F.batch_norm(xv, None, None, gv, bv, training=True, eps=1e-5) * Gv).sum()
        loss.backward()
        return float(loss.item()), gv.grad
    return step


def torch_bn(x, g, b, G):
    import torch
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, g, b))
    Gt = torch.tensor(G)

    def step():
        for p in (xt, gt, bt):
            p.grad = None
        loss = (torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5) * Gt).sum()
        loss.backward()
        return float(loss.detach()), gt.grad.numpy()
    return step


def numpy_bn(x, gamma, beta, G):
    n = x.shape[0]

    def step():
        mu = x.mean(axis=0)
        xhat = x - mu
        var = np.einsum("ij,ij->j", xhat, xhat) / n
        inv = 1.0 / np.sqrt(var + 1e-5)
        xhat *= inv
        out = gamma * xhat + beta
        loss = float(np.vdot(out, G))
        dbeta = G.sum(axis=0)
        dgamma = np.einsum("ij,ij->j", G, xhat)
        dx = G * gamma
        dx -= dx.mean(axis=0)
        dx -= xhat * (dgamma * gamma / n)
        dx *= inv
        return loss, dgamma
    return step


# ------------------------------------------------------------------ timing
def run(title, makers, data, rounds, per_round):
    steps = {}
    for name, make in makers.items():
        try:
            steps[name] = make(*data)
            steps[name]()                                   # warm-up
        except ImportError:
            print(f"  ({name} not installed: skipped)")
    ref_loss, ref_g = steps["graphgrad"]()
    for name, s in steps.items():                           # same numbers from every engine
        loss, g = s()
        assert abs(loss - ref_loss) <= 1e-3 * abs(ref_loss), (name, loss, ref_loss)
        np.testing.assert_allclose(g, ref_g, rtol=1e-2, atol=1e-2)
    times = {n: [] for n in steps}
    for _ in range(rounds):
        for name, s in steps.items():
            t = time.perf_counter()
            for _ in range(per_round):
                s()
            times[name].append((time.perf_counter() - t) / per_round)
    med = {n: statistics.median(v) for n, v in times.items()}
    best = {n: min(v) for n, v in times.items()}
    print(f"\n{title}")
    print(f"  {'engine':10s} {'median':>10s} {'best':>10s} {'× torch':>9s} {'× numpy':>9s}")
    for n in steps:
        rt = f"{med[n] / med['torch']:.2f}" if "torch" in med else "-"
        rn = f"{med[n] / med['numpy']:.2f}"
        print(f"  {n:10s} {med[n] * 1e3:8.2f}ms {best[n] * 1e3:8.2f}ms {rt:>9s} {rn:>9s}")
    return med


def main(argv=None):
    ap = argparse.ArgumentParser(description="conv/batchnorm layer speed vs PyTorch CPU and numpy")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args(argv)
    med = run("conv3x3(64×3×32×32 → 32) + ReLU + maxpool 2×2, fwd+bwd, float32",
              {"graphgrad": graphgrad_conv, "torch": torch_conv, "numpy": numpy_conv}, conv_data(),
              args.rounds, 3)
    run("batchnorm (256, 1024) float32, train mode, fwd+bwd",
        {"graphgrad": graphgrad_bn, "torch": torch_bn, "numpy": numpy_bn}, bn_data(), args.rounds, 20)
    if "torch" in med:
        r = med["graphgrad"] / med["torch"]
        print(f"\nconv goal (issue #5): within 2× of PyTorch CPU -> {r:.2f}× {'MET' if r <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
