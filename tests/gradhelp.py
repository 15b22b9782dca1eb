"""Shared helper for gradient tests: graphgrad's gradcheck plus cs231n's rel_error < 1e-6."""
import numpy as np

import graphgrad as gg
from graphgrad.value import data_replaced


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
            base, e = v.item(), 1e-6
            with data_replaced(v, base + e):
                fp = f(None)
            with data_replaced(v, base - e):
                fm = f(None)
            num = np.array((fp - fm) / (2 * e))
        else:
            num = gg.numeric_grad(f, v.numpy())     # v's own array, perturbed in place
        err = gg.rel_error(np.asarray(v.grad, dtype=np.float64), num)
        assert err < tol, f"input {i}: rel_error {err:.2e} >= {tol:g}"


def assert_double_backward(gg_fn, torch_fn, *arrays, tol=1e-7, seed=0, gradgrad=True):
    """Second derivatives of ``gg_fn`` against PyTorch float64, through the upstream too.

    For random upstream ``u`` and directions ``v``: first the gradients
    ``g = d<f(x), u>/dx`` (create_graph=True), then ``d(sum_i <g_i, v_i>)/d(x, u)`` in
    both engines; both must agree to ``tol`` (relative). Float arrays are differentiated,
    anything else is passed as it is. With ``gradgrad`` also runs ``gg.gradgradcheck``.
    """
    import torch

    rng = np.random.default_rng(seed)
    diff = [isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    gx = [gg.Value(np.array(a, dtype=np.float64), requires_grad=True) if d else a
          for a, d in zip(arrays, diff)]
    tx = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) if d else a
          for a, d in zip(arrays, diff)]
    out = gg_fn(*gx)
    tout = torch_fn(*tx)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    u0 = rng.standard_normal(out.shape)
    gu = gg.Value(u0, requires_grad=True)
    tu = torch.tensor(u0, requires_grad=True)
    gin = [x for x, d in zip(gx, diff) if d]
    tin = [x for x, d in zip(tx, diff) if d]
    g1 = gg.grad(out, gin, grad_outputs=gu, create_graph=True, allow_unused=True)
    t1 = torch.autograd.grad(tout, tin, grad_outputs=tu, create_graph=True, allow_unused=True,
                             materialize_grads=True)
    for i, (a, b) in enumerate(zip(g1, t1)):
        a = np.zeros(b.shape) if a is None else a.numpy()
        err = gg.rel_error(a, b.detach().numpy())
        assert err < tol, f"first derivative of input {i}: rel_error {err:.2e} vs torch"
    vs = [rng.standard_normal(x.shape) for x in gin]
    s = None
    ts = 0
    for g, t, v in zip(g1, t1, vs):
        if g is not None:
            term = (g * v).sum()
            s = term if s is None else s + term
        ts = ts + (t * torch.tensor(v)).sum()
    targets = gin + [gu]
    if s is None or not s.requires_grad:
        g2 = [None] * len(targets)
    else:
        g2 = gg.grad(s, targets, allow_unused=True)
    if not ts.requires_grad:
        t2 = [torch.zeros(x.shape, dtype=torch.float64) for x in tin + [tu]]
    else:
        t2 = torch.autograd.grad(ts, tin + [tu], allow_unused=True, materialize_grads=True)
    for i, (a, b) in enumerate(zip(g2, t2)):
        a = np.zeros(b.shape) if a is None else np.asarray(a, dtype=np.float64)
        err = gg.rel_error(a, b.detach().numpy())
        what = "upstream" if i == len(gin) else f"input {i}"
        assert err < tol, f"second derivative w.r.t. {what}: rel_error {err:.2e} vs torch"
    if gradgrad:
        def only_diff(*xs):
            it = iter(xs)
            return gg_fn(*[next(it) if d else a for a, d in zip(arrays, diff)])
        assert gg.gradgradcheck(only_diff, *gin)
