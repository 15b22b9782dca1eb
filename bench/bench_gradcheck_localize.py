"""Cost of localising a failing gradcheck on the T1 MLP (256x3072-512-10, float64).

A ReLU with a wrong backward (it lets half the gradient through where x <= 0) sits in the
net; gradcheck in sparse mode (num_checks per input; every entry of W1 would be 1.5M
forwards) fails. Times: the failing check with localize=False (the table only) and with
localisation (the default), in one process. Run: python bench/bench_gradcheck_localize.py
"""
import sys
import time

import numpy as np

sys.path.insert(0, "/work/shared/peer-bench")
import graphgrad as gg                                      # noqa: E402
from workloads import make_t1                                # noqa: E402


class LeakyWrongReLU(gg.Op):
    name, symbol = "relu?", "relu?"

    def forward(self, a):
        return np.maximum(a, 0), None

    def backward(self, ctx, g):
        (a,) = ctx.inputs
        return (np.where(a > 0, g, 0.5 * g),)


def main(num_checks=10, repeats=3):
    d = make_t1("float64")()
    X = gg.Value(d["X"])
    y = d["y"]
    params = [gg.Value(d[k], requires_grad=True, name=k) for k in ("W1", "b1", "W2", "b2")]

    def net(W1, b1, W2, b2):
        h = gg.apply(LeakyWrongReLU(), X @ W1 + b1)
        scores = h @ W2 + b2
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return -logp[np.arange(len(y)), y].mean() + 0.5e-3 * ((W1 ** 2).sum() + (W2 ** 2).sum())

    times = {}
    for localize in (False, None):
        best = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            try:
                gg.gradcheck(net, *params, num_checks=num_checks, localize=localize)
            except gg.GradcheckError as e:
                err = e
            best.append(time.perf_counter() - t0)
        times[localize] = min(best)
    print(str(err).splitlines()[-2])
    print(f"T1 failing gradcheck (num_checks={num_checks}): table only {times[False]:.2f} s, "
          f"with localisation {times[None]:.2f} s, ratio {times[None] / times[False]:.2f}x")


if __name__ == "__main__":
    main()
