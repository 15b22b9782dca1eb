"""Shared helper for gradient tests: graphgrad's gradcheck plus cs231n's rel_error < 1e-6."""
import numpy as np

import graphgrad as gg


def assert_grads(fn, *inputs, tol=1e-6, seed=0):
    """Check fn's gradients two ways: gg.gradcheck (raises with a table) and the project
    standard, cs231n's relative error between analytic and central-difference gradients."""
    assert gg.gradcheck(fn, *inputs, seed=seed)
    vals = [gg.Value(np.array(v.numpy() if isinstance(v, gg.Value) else v, dtype=np.float64),
                     requires_grad=isinstance(v, gg.Value) and v.requires_grad) for v in inputs]
    out = fn(*vals)
    w = np.random.default_rng(seed + 1).standard_normal(out.shape)
    (out * w).sum().backward()
    for i, v in enumerate(vals):
        if not v.requires_grad:
            continue

        def f(_, i=i):
            with gg.no_grad():
                return float(np.sum(fn(*vals).numpy() * w))
        if v.shape == ():
            base = v._data
            e = 1e-6
            v._data = base + e
            fp = f(None)
            v._data = base - e
            fm = f(None)
            v._data = base
            num = np.array((fp - fm) / (2 * e))
        else:
            num = gg.numeric_grad(f, v._data)
        err = gg.rel_error(np.asarray(v.grad, dtype=np.float64), num)
        assert err < tol, f"input {i}: rel_error {err:.2e} >= {tol:g}"
