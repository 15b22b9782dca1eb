"""A/B of the default conv2d step (groups=1, dilation=1) between two graphgrad trees, in one
process: chunks of steps alternate between them (in alternating order), so a loaded
machine's drift lands on both. Each tree is a copy of a ``graphgrad/`` package under a
new name (the package uses relative imports only).

Usage:
    mkdir -p /tmp/ab && git archive main graphgrad | tar -x -C /tmp/ab && mv /tmp/ab/graphgrad /tmp/ab/gg_main
    cp -r graphgrad /tmp/ab/gg_new
    OMP_NUM_THREADS=1 python bench/bench_conv_ab.py 60 /tmp/ab
"""
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else "/tmp/ab")
import gg_main  # noqa: E402
import gg_new  # noqa: E402
from gg_main.nn import functional as Fm  # noqa: E402
from gg_new.nn import functional as Fn  # noqa: E402


def make(gg, F, shape, wshape, dtype, pool=False):
    r = np.random.default_rng(0)
    x = gg.Value(r.standard_normal(shape).astype(dtype), requires_grad=True)
    w = gg.Value(r.standard_normal(wshape).astype(dtype), requires_grad=True)
    b = gg.Value(r.standard_normal(wshape[0]).astype(dtype), requires_grad=True)
    out_shape = (shape[0], wshape[0]) + tuple(n // 2 if pool else n for n in shape[2:])
    G = gg.Value(r.standard_normal(out_shape).astype(dtype))
    k = wshape[2]

    def step():
        for p in (x, w, b):
            p.zero_grad()
        out = F.conv2d(x, w, b, stride=1, padding=k // 2)
        if pool:                                  # the whole T2 step: conv, ReLU, 2×2 max-pool
            out = F.max_pool2d(out.relu(), 2, 2)
        (out * G).sum().backward()
    return step


cases = [((1, 2, 4, 4), (2, 2, 3, 3), np.float64, 200, False, "tiny conv (per-call overhead)"),
         ((64, 3, 32, 32), (32, 3, 3, 3), np.float32, 3, False, "conv 64x3x32x32 -> 32 3x3 f32"),
         ((64, 3, 32, 32), (32, 3, 3, 3), np.float32, 3, True, "T2: conv+relu+maxpool, same shapes"),
         ((32, 16, 16, 16), (32, 16, 3, 3), np.float32, 5, False, "conv 32x16x16x16 -> 32 3x3 f32")]
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
for shape, wshape, dt, reps, pool, name in cases:
    sa, sb = make(gg_main, Fm, shape, wshape, dt, pool), make(gg_new, Fn, shape, wshape, dt, pool)
    for _ in range(3):
        sa()
        sb()
    ta, tb = [], []
    for i in range(rounds):
        for step, times in (((sa, ta), (sb, tb)) if i % 2 else ((sb, tb), (sa, ta))):
            t0 = time.perf_counter()
            for _ in range(reps):
                step()
            times.append((time.perf_counter() - t0) / reps)
    ma, mb = statistics.median(ta), statistics.median(tb)
    print(f"{name}: main median {ma * 1e3:.3f} ms (best {min(ta) * 1e3:.3f}) | h-conv median {mb * 1e3:.3f} ms "
          f"(best {min(tb) * 1e3:.3f}) | ratio median {mb / ma:.3f}, best {min(tb) / min(ta):.3f}")
