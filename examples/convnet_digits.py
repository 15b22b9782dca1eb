"""A small convnet on scikit-learn's 8×8 digits: (conv-BN-ReLU-pool) ×2, then linear.

Everything here is graphgrad: Conv2d (im2col, one fused node), BatchNorm2d, ReLU,
MaxPool2d, Linear, softmax cross-entropy and Adam. Trains in float32 and reaches
≥ 97% validation accuracy in well under a minute on 2 CPU cores.

    python examples/convnet_digits.py [--epochs 12] [--seed 0]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import graphgrad as gg
from graphgrad import nn, optim
from graphgrad.nn import functional as F


def load(seed: int):
    """Digits as float32 (N, 1, 8, 8) in [0, 1], split 80/20 with a seeded shuffle."""
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    idx = np.random.default_rng(seed).permutation(len(X))
    n_val = len(X) // 5
    va, tr = idx[:n_val], idx[n_val:]
    mean = X[tr].mean()                    # zero-centre with training statistics only
    return X[tr] - mean, y[tr], X[va] - mean, y[va]


def make_net(seed: int) -> nn.Module:
    rng = np.random.default_rng(seed)
    f32 = np.float32
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, rng=rng, dtype=f32), nn.BatchNorm2d(16, dtype=f32), nn.ReLU(),
        nn.MaxPool2d(2),                                            # 16 × 4 × 4
        nn.Conv2d(16, 32, 3, padding=1, rng=rng, dtype=f32), nn.BatchNorm2d(32, dtype=f32), nn.ReLU(),
        nn.MaxPool2d(2),                                            # 32 × 2 × 2
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10, init="xavier", rng=rng, dtype=f32),
    )


def accuracy(net, X, y, batch=512) -> float:
    net.eval()
    correct = 0
    with gg.no_grad():
        for i in range(0, len(X), batch):
            correct += int((net(gg.Value(X[i:i + batch])).numpy().argmax(axis=1) == y[i:i + batch]).sum())
    net.train()
    return correct / len(X)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    Xtr, ytr, Xva, yva = load(args.seed)
    net = make_net(args.seed)
    opt = optim.Adam(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = optim.StepLR(opt, step_size=max(1, args.epochs // 3), gamma=0.5)
    rng = np.random.default_rng(args.seed + 1)
    print(f"digits: {len(Xtr)} train / {len(Xva)} val, {net.num_parameters()} parameters")
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(Xtr))
        total, batches = 0.0, 0
        for i in range(0, len(order), args.batch):
            b = order[i:i + args.batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(gg.Value(Xtr[b])), ytr[b])
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        sched.step()
        print(f"epoch {epoch:2d}  loss {total / batches:.4f}  train acc {accuracy(net, Xtr, ytr):.4f}  "
              f"val acc {accuracy(net, Xva, yva):.4f}  ({time.perf_counter() - t0:.1f} s)")
    val = accuracy(net, Xva, yva)
    print(f"final validation accuracy {val:.4f} after {time.perf_counter() - t0:.1f} s")
    return val


if __name__ == "__main__":
    main()
