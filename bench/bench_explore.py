"""What the interactive page (viz.explore) costs on the issue's graphs, and how it opens.

Workloads: micrograd's demo MLP 2-16-16-1 over 8 samples (about 6,200 Values) and over the
full batch of 100 (about 65,000), a 40 x (Linear, BatchNorm1d, ReLU) PyTorch net, a
nanoGPT-style block recorded from PyTorch, a 1,000-node graphgrad chain and the lecture's
sigmoid neuron. For each: the time to build the page in Python, its size, the peak Python
memory (tracemalloc) and, in headless Chromium, the time from navigation until the first
view is drawn (``body[data-ready]``), with the number of items in that view.

Usage: python bench/bench_explore.py [--only NAME] [--no-browser] [--out DIR]
(--out keeps the pages and a screenshot of each first view there.)
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time

sys.setrecursionlimit(10000)


def neuron():
    import graphgrad as gg
    x0 = gg.Value(-1.0, requires_grad=True, name="x0"); w0 = gg.Value(2.0, requires_grad=True, name="w0")
    x1 = gg.Value(-2.0, requires_grad=True, name="x1"); w1 = gg.Value(-3.0, requires_grad=True, name="w1")
    b = gg.Value(-3.0, requires_grad=True, name="b")
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + b)).exp())
    f.backward()
    return f, {}


def chain(n=1000):
    import graphgrad as gg
    x = gg.Value(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(n - 1):
        y = y * 1.0001 if _ % 2 else y + 0.001
    y.backward()
    return y, {}


def micrograd_demo(n_points=8, seed=1337):
    from micrograd.engine import Value
    from micrograd.nn import MLP
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    pts = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(n_points)]
    ys = [1.0 if i % 2 else -1.0 for i in range(n_points)]
    scores = [model(list(map(Value, row))) for row in pts]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    total = data_loss + 1e-4 * sum((p * p for p in model.parameters()))
    model.zero_grad()
    total.backward()
    return total, {"model": model}


def torch40():
    import torch
    from graphgrad import viz
    torch.manual_seed(0)
    layers = []
    for _ in range(40):
        layers += [torch.nn.Linear(16, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers).float()       # float32 whatever the default dtype is
    x = torch.randn(8, 16, dtype=torch.float32)
    with viz.record_torch(net) as rec:
        loss = net(x).pow(2).mean()
        loss.backward()
    return rec, {}


def gpt_block():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from graphgrad import viz

    class CausalSelfAttention(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.c_attn = nn.Linear(d, 3 * d); self.c_proj = nn.Linear(d, d); self.h = h

        def forward(self, x):
            B, T, C = x.size()
            qkv = self.c_attn(x)     # nanoGPT splits; the recorder maps one-output ops only (#21)
            q, k, v = qkv[..., :C], qkv[..., C:2 * C], qkv[..., 2 * C:]
            q = q.view(B, T, self.h, C // self.h).transpose(1, 2)
            k = k.view(B, T, self.h, C // self.h).transpose(1, 2)
            v = v.view(B, T, self.h, C // self.h).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / (k.size(-1) ** 0.5))
            mask = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
            att = att.masked_fill(mask == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class MLPb(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.c_fc = nn.Linear(d, 4 * d); self.gelu = nn.GELU(); self.c_proj = nn.Linear(4 * d, d)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.ln_1 = nn.LayerNorm(d); self.attn = CausalSelfAttention(d, h)
            self.ln_2 = nn.LayerNorm(d); self.mlp = MLPb(d)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    torch.manual_seed(0)
    blk = Block(16, 2)
    x = torch.randn(2, 5, 16)
    with viz.record_torch(blk) as rec:
        loss = blk(x).pow(2).mean()
        loss.backward()
    return rec, {}


WORKLOADS = {"neuron": neuron, "chain1000": chain, "micrograd8": micrograd_demo,
             "micrograd100": lambda: micrograd_demo(100), "torch40": torch40, "gpt_block": gpt_block}


def build(name, directory):
    """Write the page of workload ``name``; (path, seconds, bytes, peak RSS MB, nodes).

    Runs in a fresh process per workload, so the peak resident memory (ru_maxrss) is this
    graph's: the framework objects, the trace and the page together."""
    import json
    import subprocess
    r = subprocess.run([sys.executable, __file__, "--child", name, directory], capture_output=True,
                       text=True, check=True)
    d = json.loads(r.stdout.strip().splitlines()[-1])
    return d["path"], (d["secs"], d["cpu"]), d["size"], d["rss"], d["nodes"]


def _child(name, directory):
    import json
    import resource
    from graphgrad.viz.page import explore
    obj, opts = WORKLOADS[name]()
    t0, c0 = time.perf_counter(), time.process_time()
    ex = explore(obj, title=name, **opts)
    path = os.path.join(directory, f"{name}.html")
    ex.to_html(path)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"path": path, "secs": secs, "cpu": cpu, "size": os.path.getsize(path), "rss": rss,
                      "nodes": len(ex.data["nodes"])}))


def open_times(paths, shots=None):
    """First-view time in headless Chromium per page: (ms from goto to ready, items)."""
    from playwright.sync_api import sync_playwright
    out = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for name, path in paths.items():
            page = b.new_page(viewport={"width": 1400, "height": 850})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            t0 = time.perf_counter()
            page.goto("file://" + os.path.abspath(path), timeout=120000)
            page.wait_for_selector("body[data-ready]", state="attached", timeout=120000)
            ms = (time.perf_counter() - t0) * 1000
            if shots:
                page.screenshot(path=os.path.join(shots, f"{name}.png"))
            out[name] = (ms, page.get_attribute("body", "data-items"), errors)
            page.close()
        b.close()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--out", default=None, help="keep pages and screenshots here")
    a = ap.parse_args(argv)
    directory = a.out or tempfile.mkdtemp()
    os.makedirs(directory, exist_ok=True)
    names = a.only or list(WORKLOADS)
    paths = {}
    print(f"{'graph':14} {'nodes':>7} {'build s':>8} {'cpu s':>6} {'page MB':>8} {'RSS MB':>8}")
    for name in names:
        path, secs, size, peak, n = build(name, directory)
        paths[name] = path
        print(f"{name:14} {n:7d} {secs[0]:8.2f} {secs[1]:6.2f} {size / 2**20:8.2f} {peak:8.1f}", flush=True)
    if not a.no_browser:
        print(f"{'graph':14} {'open s':>8} {'items':>6}")
        for name, (ms, items, errors) in open_times(paths, a.out).items():
            print(f"{name:14} {ms / 1000:8.2f} {items:>6} {'ERRORS ' + str(errors) if errors else ''}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        main()
