"""Reductions, scans, sorting and einsum (graphgrad/ops/reduce.py).

Every differentiable op: gradcheck over several shapes and axes, PyTorch float64 for the
forward pass, the gradient and the second derivative (assert_double_backward, which also
runs gg.gradgradcheck), plus the hostile inputs (empty, 0-d, zeros, ties, nan, float32,
bad axes, k > size, bad subscripts).
"""
import numpy as np
import pytest
import torch

import graphgrad as gg
from gradhelp import assert_double_backward, assert_grads

R = np.random.default_rng(0)
A34 = R.standard_normal((3, 4))
A234 = R.standard_normal((2, 3, 4))
V5 = R.standard_normal(5)
POS = R.uniform(0.5, 1.5, (3, 4))
Z1 = np.array([[2.0, 0.0, 3.0, -1.5], [1.2, -0.7, 0.9, 1.1], [0.5, 2.0, -1.0, 0.8]])   # one zero
Z2 = np.array([[2.0, 0.0, 3.0, 0.0], [0.0, -0.7, 0.9, 1.1], [0.5, 2.0, 0.0, 0.8]])    # several
ZV = np.array([1.5, -2.0, 0.0, 0.7, 1.3, 0.0, -0.9])                                  # two zeros
SAME = np.array([[1.0, 1.0, 1.0, 1.0], [0.3, -1.2, 2.0, 0.4]])        # a row of zero variance
ZROW = np.array([[0.0, 0.0, 0.0, 0.0], [0.3, -1.2, 2.0, 0.4]])        # a row of zero norm
TIES = np.array([[3.0, -3.0, 1.0, 2.5], [0.5, -2.0, 2.0, 1.0]])       # ±inf norm ties
T = torch.linalg


def tv(x):
    return x


# (name, graphgrad fn, torch fn, inputs, smooth): smooth cases also get a numeric gradcheck
CASES = [
    # prod: axes, keepdims, zeros (one and several per reduction)
    ("prod axis 1", lambda a: a.prod(axis=1), lambda a: a.prod(1), (A34,), True),
    ("prod all", lambda a: gg.prod(a), lambda a: a.prod(), (POS,), True),
    ("prod axis -1 keepdims", lambda a: a.prod(axis=-1, keepdims=True),
     lambda a: a.prod(-1, keepdim=True), (A234,), True),
    ("prod axes (0, 2)", lambda a: a.prod(axis=(0, 2)), lambda a: a.prod(2).prod(0), (A234,), True),
    ("prod one zero", lambda a: a.prod(axis=1), lambda a: a.prod(1), (Z1,), True),
    ("prod zeros axis 0", lambda a: a.prod(axis=0), lambda a: a.prod(0), (Z2,), True),
    ("prod zeros rows", lambda a: a.prod(axis=1), lambda a: a.prod(1), (Z2,), True),
    ("prod two zeros all", lambda a: a.prod(), lambda a: a.prod(), (ZV,), True),
    ("prod one zero all", lambda a: (a * 1.0).prod(), lambda a: a.prod(), (Z1[:1],), True),
    # var / std: correction (and ddof), axes, keepdims
    ("var all", lambda a: a.var(), lambda a: a.var(), (A34,), True),
    ("var axis 0 correction 0", lambda a: a.var(axis=0, correction=0),
     lambda a: a.var(0, correction=0), (A34,), True),
    ("var ddof 2 keepdims", lambda a: gg.var(a, axis=-1, keepdims=True, ddof=2),
     lambda a: a.var(-1, correction=2, keepdim=True), (A234,), True),
    ("var axes (0, 2)", lambda a: a.var(axis=(0, 2)), lambda a: a.var((0, 2)), (A234,), True),
    ("std all", lambda a: a.std(), lambda a: a.std(), (A34,), True),
    ("std axis 1 correction 0", lambda a: a.std(axis=1, correction=0),
     lambda a: a.std(1, correction=0), (A34,), True),
    ("std keepdims", lambda a: gg.std(a, axis=(1, 2), keepdims=True),
     lambda a: a.std((1, 2), keepdim=True), (A234,), True),
    ("std zero variance", lambda a: a.std(axis=1), lambda a: a.std(1), (SAME,), False),
    # logsumexp
    ("logsumexp axis 1", lambda a: a.logsumexp(axis=1), lambda a: a.logsumexp(1), (A34,), True),
    ("logsumexp all", lambda a: gg.logsumexp(a), lambda a: a.logsumexp((0, 1)), (A34,), True),
    ("logsumexp keepdims", lambda a: a.logsumexp(axis=(0, 2), keepdims=True),
     lambda a: a.logsumexp((0, 2), keepdim=True), (A234,), True),
    ("logsumexp large", lambda a: (a + 100.0).logsumexp(axis=0), lambda a: (a + 100.0).logsumexp(0),
     (A34,), True),
    # norm
    ("norm all", lambda a: gg.norm(a), lambda a: T.norm(a), (A34,), True),
    ("norm 2 axis 1", lambda a: a.norm(2, axis=1), lambda a: T.norm(a, 2, dim=1), (A34,), True),
    ("norm 1 axis 0", lambda a: a.norm(1, axis=0) ** 2, lambda a: T.norm(a, 1, dim=0) ** 2, (A34,), True),
    ("norm inf axis -1", lambda a: a.norm(np.inf, axis=-1) ** 2, lambda a: T.norm(a, float("inf"), dim=-1) ** 2,
     (A34,), True),
    ("norm -inf axis 1 keepdims", lambda a: a.norm(-np.inf, axis=1, keepdims=True) * a,
     lambda a: T.norm(a, -float("inf"), dim=1, keepdim=True) * a, (A34,), True),
    ("norm fro", lambda a: a.norm("fro", axis=(1, 2)), lambda a: T.norm(a, "fro", dim=(1, 2)), (A234,), True),
    ("norm fro matrix", lambda a: gg.norm(a, "fro"), lambda a: T.norm(a, "fro"), (A34,), True),
    ("norm vector inf", lambda a: gg.norm(a, np.inf) * a, lambda a: T.norm(a, float("inf")) * a, (V5,), True),
    ("norm 2 at zero", lambda a: a.norm(axis=1), lambda a: T.norm(a, dim=1), (ZROW,), False),
    ("norm 1 at zero", lambda a: a.norm(1, axis=1), lambda a: T.norm(a, 1, dim=1), (ZROW,), False),
    ("norm all zero", lambda a: gg.norm(a * 0.0), lambda a: T.norm(a * 0.0), (A34,), False),
    ("norm inf ties", lambda a: a.norm(np.inf, axis=1), lambda a: T.norm(a, float("inf"), dim=1),
     (TIES,), False),
    ("vector_norm", lambda a: gg.norm(a, axis=(0, 2)), lambda a: T.vector_norm(a, 2, dim=(0, 2)),
     (A234,), True),
    # cumsum / cumprod
    ("cumsum axis 0", lambda a: a.cumsum(axis=0), lambda a: a.cumsum(0), (A34,), True),
    ("cumsum axis -1", lambda a: a.cumsum(axis=-1) ** 2, lambda a: a.cumsum(-1) ** 2, (A234,), True),
    ("cumsum flat", lambda a: gg.cumsum(a), lambda a: a.flatten().cumsum(0), (A34,), True),
    ("cumprod axis 1", lambda a: a.cumprod(axis=1), lambda a: a.cumprod(1), (A34,), True),
    ("cumprod axis 0", lambda a: gg.cumprod(a, axis=0), lambda a: a.cumprod(0), (A234,), True),
    ("cumprod one zero", lambda a: a.cumprod(axis=1), lambda a: a.cumprod(1), (Z1,), True),
    ("cumprod zeros", lambda a: a.cumprod(axis=1), lambda a: a.cumprod(1), (Z2,), True),
    ("cumprod zeros axis 0", lambda a: a.cumprod(axis=0), lambda a: a.cumprod(0), (Z2,), True),
    ("cumprod two zeros", lambda a: a.cumprod(axis=0), lambda a: a.cumprod(0), (ZV,), True),
    ("cumprod zero first", lambda a: a.cumprod(axis=0), lambda a: a.cumprod(0),
     (np.array([0.0, 1.5, -2.0, 0.5]),), True),
    # sort / topk
    ("sort", lambda a: a.sort() ** 2, lambda a: a.sort(-1).values ** 2, (A34,), True),
    ("sort axis 0 descending", lambda a: gg.sort(a, axis=0, descending=True) * A34,
     lambda a: a.sort(0, descending=True).values * torch.tensor(A34), (A34,), True),
    ("sort 3d axis 1", lambda a: a.sort(axis=1).cumsum(axis=1), lambda a: a.sort(1).values.cumsum(1),
     (A234,), True),
    ("topk", lambda a: a.topk(2).values ** 2, lambda a: a.topk(2).values ** 2, (A34,), True),
    ("topk smallest axis 0", lambda a: gg.topk(a, 2, axis=0, largest=False).values * a[:2],
     lambda a: a.topk(2, 0, largest=False).values * a[:2], (A34,), True),
    ("topk k=all", lambda a: a.topk(4, axis=-1).values.cumsum(axis=-1),
     lambda a: a.topk(4, -1).values.cumsum(-1), (A234,), True),
    # einsum
    ("einsum matmul", lambda a, b: gg.einsum("ij,jk->ik", a, b), lambda a, b: torch.einsum("ij,jk->ik", a, b),
     (A34, R.standard_normal((4, 2))), True),
    ("einsum implicit", lambda a, b: gg.einsum("ij,jk", a, b) ** 2,
     lambda a, b: torch.einsum("ij,jk", a, b) ** 2, (A34, R.standard_normal((4, 2))), True),
    ("einsum three", lambda a, b, c: gg.einsum("ij,jk,kl->il", a, b, c),
     lambda a, b, c: torch.einsum("ij,jk,kl->il", a, b, c),
     (A34, R.standard_normal((4, 2)), R.standard_normal((2, 5))), True),
    ("einsum batch", lambda a, b: gg.einsum("bij,bjk->bik", a, b), lambda a, b: torch.einsum("bij,bjk->bik", a, b),
     (A234, R.standard_normal((2, 4, 3))), True),
    ("einsum ellipsis", lambda a, b: gg.einsum("...ij,...jk->...ik", a, b),
     lambda a, b: torch.einsum("...ij,...jk->...ik", a, b), (A234, R.standard_normal((4, 2))), True),
    ("einsum ellipsis sum", lambda a: gg.einsum("i...->...", a) ** 2, lambda a: torch.einsum("i...->...", a) ** 2,
     (A234,), True),
    ("einsum trace", lambda a: gg.einsum("ii", a) ** 2, lambda a: torch.einsum("ii", a) ** 2,
     (R.standard_normal((3, 3)),), True),
    ("einsum diag", lambda a: gg.einsum("ii->i", a) ** 2, lambda a: torch.einsum("ii->i", a) ** 2,
     (R.standard_normal((3, 3)),), True),
    ("einsum sum", lambda a: gg.einsum("ij->", a) ** 2, lambda a: torch.einsum("ij->", a) ** 2, (A34,), True),
    ("einsum reduce one", lambda a, b: gg.einsum("ij,j->i", a, b), lambda a, b: torch.einsum("ij,j->i", a, b),
     (A34, R.standard_normal(4)), True),
    ("einsum outer", lambda a, b: gg.einsum("i,j->ij", a, b), lambda a, b: torch.einsum("i,j->ij", a, b),
     (V5, R.standard_normal(3)), True),
    ("einsum transpose", lambda a: gg.einsum("ijk->kji", a) * A234.T, lambda a: torch.einsum("ijk->kji", a)
     * torch.tensor(A234.T), (A234,), True),
    ("einsum same operand", lambda a: gg.einsum("i,i->", a, a), lambda a: torch.einsum("i,i->", a, a), (V5,), True),
    ("einsum broadcast 1", lambda a, b: gg.einsum("ij,ij->ij", a, b), lambda a, b: torch.einsum("ij,ij->ij", a, b),
     (R.standard_normal((1, 4)), A34), True),
    ("einsum diag of a slab", lambda a: gg.einsum("iij->j", a), lambda a: torch.einsum("iij->j", a),
     (R.standard_normal((3, 3, 2)),), True),
    ("einsum diag 3", lambda a: gg.einsum("iii->i", a) ** 2, lambda a: torch.einsum("iii->i", a) ** 2,
     (R.standard_normal((2, 2, 2)),), True),
    ("einsum batched diag", lambda a: gg.einsum("...ii->...i", a), lambda a: torch.einsum("...ii->...i", a),
     (A234[:, :, :3],), True),
    ("einsum diag operand", lambda a, b: gg.einsum("ij,jj->i", a, b), lambda a, b: torch.einsum("ij,jj->i", a, b),
     (A34, R.standard_normal((4, 4))), True),
    ("einsum ellipsis broadcast", lambda a, b: gg.einsum("...i,...i->...", a, b),
     lambda a, b: torch.einsum("...i,...i->...", a, b), (R.standard_normal((2, 1, 3)), R.standard_normal((4, 3))), True),
    ("einsum bilinear", lambda a, w, b: gg.einsum("bi,oij,bj->bo", a, w, b),
     lambda a, w, b: torch.einsum("bi,oij,bj->bo", a, w, b),
     (R.standard_normal((2, 3)), R.standard_normal((4, 3, 5)), R.standard_normal((2, 5))), True),
]


def assert_at_kink(f, tf, *arrays, seed=0):
    """At a point where the op is not differentiable (a zero norm or variance, ties): the
    forward pass and gradient equal torch's; the second derivative too wherever torch's is a
    number, and graphgrad's is a number everywhere (torch has nan in a few of these places,
    e.g. d/du of std's gradient at zero variance, where the gradient is 0 for every u)."""
    rng = np.random.default_rng(seed)
    xs = [gg.Value(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = f(*xs), tf(*ts)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    u0 = rng.standard_normal(y.shape)
    u, tu = gg.Value(u0, requires_grad=True), torch.tensor(u0, requires_grad=True)
    g1 = gg.grad(y, xs, grad_outputs=u, create_graph=True)
    t1 = torch.autograd.grad(ty, ts, grad_outputs=tu, create_graph=True)
    for a, b in zip(g1, t1):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    vs = [rng.standard_normal(a.shape) for a in arrays]
    s = sum((g * v).sum() for g, v in zip(g1, vs))
    g2 = gg.grad(s, xs + [u], allow_unused=True)
    t2 = torch.autograd.grad(sum((t * torch.tensor(v)).sum() for t, v in zip(t1, vs)), ts + [tu],
                             allow_unused=True, materialize_grads=True)
    for a, b in zip(g2, t2):
        a = np.zeros(b.shape) if a is None else np.asarray(a)
        b = (torch.zeros(b.shape, dtype=b.dtype) + b).numpy()      # torch may give a ZeroTensor
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a[np.isfinite(b)], b[np.isfinite(b)], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,f,tf,inputs,smooth", CASES, ids=[c[0] for c in CASES])
def test_against_torch_first_and_second_derivative(name, f, tf, inputs, smooth):
    # forward, gradient and grad-of-grad against torch float64 (and gradgradcheck)
    if smooth:
        assert_double_backward(f, tf, *inputs)
    else:
        assert_at_kink(f, tf, *inputs)


@pytest.mark.parametrize("name,f,tf,inputs,smooth", [c for c in CASES if c[4]], ids=[c[0] for c in CASES if c[4]])
def test_gradcheck(name, f, tf, inputs, smooth):
    assert_grads(f, *[gg.Value(x, requires_grad=True) for x in inputs])


def test_ops_declare_twice_differentiable():
    for op in (gg.ops.PROD, gg.ops.VAR, gg.ops.STD, gg.ops.LOGSUMEXP, gg.ops.NORM, gg.ops.CUMSUM,
               gg.ops.CUMPROD, gg.ops.SORT, gg.ops.TOPK, gg.ops.EINSUM, gg.ops.TAKE_ALONG, gg.ops.PUT_ALONG):
        assert op.twice_differentiable, op.name


def test_prod_and_cumprod_with_random_zeros_match_torch():
    # random shapes, axes and zero patterns (a third of the entries), first and second derivative
    rng = np.random.default_rng(2)
    for _ in range(12):
        shape = tuple(rng.integers(1, 4, size=rng.integers(1, 4)))
        a = rng.standard_normal(shape)
        a[rng.random(shape) < 0.3] = 0.0
        ax = int(rng.integers(-len(shape), len(shape)))
        assert_double_backward(lambda x: x.prod(axis=ax), lambda x: x.prod(ax), a, gradgrad=False)
        assert_double_backward(lambda x: x.cumprod(axis=ax), lambda x: x.cumprod(ax), a, gradgrad=False)
        assert_double_backward(lambda x: x.prod(), lambda x: x.prod(), a, gradgrad=False)


# ---------------------------------------------------------------- third order where zeros matter
def test_prod_and_cumprod_third_derivative_with_zeros():
    # d³/dx³ of sum(prod) along the zero path equals torch's (the backward is itself built of ops)
    for gfn, tfn in [(lambda a: a.prod(axis=1).sum(), lambda a: a.prod(1).sum()),
                     (lambda a: (a.cumprod(axis=1) * Z1).sum(), lambda a: (a.cumprod(1) * torch.tensor(Z1)).sum())]:
        x = gg.Value(Z2.copy(), requires_grad=True)
        t = torch.tensor(Z2, requires_grad=True)
        (g1,) = gg.grad(gfn(x), [x], create_graph=True)
        (t1,) = torch.autograd.grad(tfn(t), [t], create_graph=True)
        (g2,) = gg.grad((g1 * A34).sum(), [x], create_graph=True)
        (t2,) = torch.autograd.grad((t1 * torch.tensor(A34)).sum(), [t], create_graph=True)
        (g3,) = gg.grad((g2 * POS).sum(), [x])
        (t3,) = torch.autograd.grad((t2 * torch.tensor(POS)).sum(), [t])
        np.testing.assert_allclose(g3, t3.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- forward details and values
def test_var_std_defaults_and_numpy_alias():
    x = gg.Value(A34)
    np.testing.assert_allclose(x.var().item(), A34.var(ddof=1))
    np.testing.assert_allclose(x.var(ddof=0).item(), A34.var())
    np.testing.assert_allclose(x.std(axis=0, correction=2).numpy(), A34.std(axis=0, ddof=2))
    # numpy's own functions keep numpy's default (ddof=0) on a Value
    np.testing.assert_allclose(np.var(x).item(), A34.var())
    np.testing.assert_allclose(np.std(x, axis=1, ddof=1).numpy(), A34.std(axis=1, ddof=1))
    with pytest.raises(TypeError, match="correction= or ddof="):
        x.var(correction=1, ddof=1)


def test_var_with_too_few_entries_is_an_error():
    with pytest.raises(ValueError, match=r"var: 1 entry over axis 0 of shape \(1, 3\) with correction=1"):
        gg.Value(np.ones((1, 3))).var(axis=0)
    with pytest.raises(ValueError, match="std: 0 entries"):
        gg.std(np.zeros((0,)))
    with pytest.raises(ValueError, match="correction must be a number >= 0"):
        gg.var(A34, correction=-1)
    with pytest.raises(ValueError, match="correction must be a number >= 0"):
        gg.var(A34, correction=True)
    # correction 0 on one entry is fine: 0, gradient 0
    x = gg.Value(2.5, requires_grad=True)
    v = x.var(correction=0)
    v.backward()
    assert v.item() == 0.0 and float(x.grad) == 0.0


def test_logsumexp_is_stable_and_handles_infinities():
    x = gg.Value(np.array([[1000.0, 1000.0], [-1000.0, -1000.0]]))
    np.testing.assert_allclose(x.logsumexp(axis=1).numpy(), [1000 + np.log(2), -1000 + np.log(2)])
    t = torch.tensor([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 2.0]])
    np.testing.assert_array_equal(gg.logsumexp(t.numpy(), axis=1).numpy(), t.logsumexp(1).numpy())
    # an empty axis: log(0) = -inf, as torch
    np.testing.assert_array_equal(gg.logsumexp(np.zeros((2, 0)), axis=1).numpy(),
                                  torch.zeros((2, 0), dtype=torch.float64).logsumexp(1).numpy())


def test_norm_matches_numpy_linalg():
    for args in [(None, None), (2, 1), (1, 0), (np.inf, 1), (-np.inf, 0), ("fro", None), (None, (0, 1))]:
        np.testing.assert_allclose(gg.norm(A34, *args).numpy(), np.linalg.norm(A34, *args))
    np.testing.assert_allclose(gg.norm(A234).item(), np.linalg.norm(A234))
    np.testing.assert_allclose(np.linalg.norm(gg.Value(A34), axis=1, keepdims=True).numpy(),
                               np.linalg.norm(A34, axis=1, keepdims=True))
    x = gg.Value(-3.0, requires_grad=True)
    y = x.norm()
    y.backward()
    assert y.item() == 3.0 and float(x.grad) == -1.0


def test_cumsum_and_cumprod_match_numpy():
    np.testing.assert_array_equal(gg.cumsum(A234, axis=1).numpy(), np.cumsum(A234, axis=1))
    np.testing.assert_array_equal(gg.cumprod(A234).numpy(), np.cumprod(A234))
    np.testing.assert_array_equal(np.cumsum(gg.Value(A34), axis=-1).numpy(), np.cumsum(A34, axis=-1))
    np.testing.assert_array_equal(np.cumprod(gg.Value(A34)).numpy(), np.cumprod(A34))


def test_argmax_argmin_are_plain_integer_arrays():
    x = gg.Value(A234, requires_grad=True)
    t = torch.tensor(A234)
    for axis, keep in [(None, False), (0, False), (-1, True), (1, False)]:
        for gfn, tfn in [(gg.argmax, torch.argmax), (gg.argmin, torch.argmin)]:
            r = gfn(x, axis=axis, keepdims=keep)
            assert type(r) is np.ndarray and r.dtype == np.intp
            want = tfn(t) if axis is None else tfn(t, dim=axis, keepdim=keep)
            np.testing.assert_array_equal(r, want.numpy())
    assert x.argmax(axis=1).shape == (2, 4)
    np.testing.assert_array_equal(np.argmax(x, axis=0), np.argmax(A234, axis=0))
    # first index on ties, nan counts as largest (as numpy and torch)
    assert int(gg.argmax([1.0, 3.0, 3.0])) == 1
    assert int(gg.argmax([1.0, np.nan, 3.0])) == 1 == int(torch.argmax(torch.tensor([1.0, np.nan, 3.0])))
    assert gg.argmax(gg.Value(4.0)).shape == () and int(gg.argmax(4.0)) == 0


def test_sort_indices_and_ties_match_torch_stable():
    data = np.array([[2.0, 1.0, 2.0, np.nan, -1.0, 1.0], [0.0, 0.0, 3.0, -3.0, np.inf, 0.0]])
    t = torch.tensor(data)
    for desc in (False, True):
        v, i = gg.sort(data, axis=1, descending=desc, return_indices=True)
        tv_, ti = torch.sort(t, dim=1, descending=desc, stable=True)
        np.testing.assert_array_equal(v.numpy(), tv_.numpy())
        np.testing.assert_array_equal(i, ti.numpy())
        np.testing.assert_array_equal(gg.argsort(data, axis=1, descending=desc), ti.numpy())
        assert type(i) is np.ndarray and i.dtype == np.intp
    np.testing.assert_array_equal(np.sort(gg.Value(A34), axis=0).numpy(), np.sort(A34, axis=0))
    np.testing.assert_array_equal(np.sort(gg.Value(A34), axis=None).numpy(), np.sort(A34, axis=None))
    # gradient with ties: each tied value's gradient goes to its own position
    x = gg.Value(np.array([2.0, 1.0, 2.0]), requires_grad=True)
    (x.sort() * np.array([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [10.0, 1.0, 100.0])


def test_topk_values_and_indices_match_torch():
    for k, axis, largest in [(1, -1, True), (3, 1, False), (2, 0, True), (0, 1, True)]:
        v, i = gg.topk(A34, k, axis=axis, largest=largest)
        tv_, ti = torch.topk(torch.tensor(A34), k, dim=axis, largest=largest)
        np.testing.assert_array_equal(v.numpy(), tv_.numpy())
        np.testing.assert_array_equal(i, ti.numpy())
        assert v.shape == tuple(tv_.shape)
    r = gg.Value(V5).topk(2)
    assert r.values is r[0] and r.indices is r[1]
    # gradient zero where not selected
    x = gg.Value(np.array([1.0, 4.0, 2.0, 8.0]), requires_grad=True)
    gg.topk(x, 2)[0].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0, 1.0])


def test_einsum_matches_numpy_and_np_einsum_dispatches():
    a, b = R.standard_normal((2, 3)), R.standard_normal((3, 4))
    for subs, ops in [("ij,jk", (a, b)), ("ij,jk->ki", (a, b)), ("ij->j", (a,)), ("...j,jk->...k", (a, b)),
                      ("bA,aC", (a, R.standard_normal((5, 4)))), (",->", (2.0, 3.0)), ("i,i", (b[0], b[1]))]:
        np.testing.assert_allclose(gg.einsum(subs, *ops).numpy(), np.einsum(subs, *ops))
    y = np.einsum("ij,jk->ik", gg.Value(a), b)
    assert isinstance(y, gg.Value)
    np.testing.assert_allclose(y.numpy(), a @ b)


def test_labels_for_diagrams():
    x = gg.Value(A234, requires_grad=True)
    assert x.prod(axis=1).label == "prod(axis=1)"
    assert x.prod().label == "prod"
    assert x.var(axis=(0, 2)).label == "var(axis=(0, 2))"
    assert x.std(correction=0).label == "std(correction=0)"
    assert x.logsumexp(axis=-1).label == "logsumexp(axis=2)"
    assert x.norm(axis=1).label == "norm(axis=1)"
    assert x.norm(np.inf, axis=1).label == "norm(ord=inf, axis=1)"
    assert x.cumsum(axis=1).label == "cumsum(axis=1)"
    assert x.cumprod(axis=0).label == "cumprod(axis=0)"
    assert x.sort(descending=True).label == "sort(axis=2, descending)"
    assert x.topk(2).values.label == "topk(k=2, axis=2)"
    assert gg.einsum("bij,bjk->bik", x, x.transpose(0, 2, 1)).label == "einsum bij,bjk->bik"
    assert x.prod(axis=1).local_formulas() == ("d prod(x)/dx_i = product of the other entries",)
    a, b = gg.Value(A34, requires_grad=True), gg.Value(A34.T, requires_grad=True)
    assert gg.einsum("ij,jk", a, b).local_formulas() == ("upstream → einsum ik,jk->ij",
                                                         "upstream → einsum ik,ij->jk")


def test_einsum_with_a_constant_operand():
    x = gg.Value(A34, requires_grad=True)
    w = R.standard_normal(4)
    gg.einsum("ij,j->i", x, w).sum().backward()
    np.testing.assert_allclose(x.grad, np.broadcast_to(w, (3, 4)))


def test_backward_graph_of_cumsum_is_a_reversed_cumsum():
    x = gg.Value(V5, requires_grad=True)
    u = gg.Value(np.ones(5), requires_grad=True)
    (g,) = gg.grad(x.cumsum(axis=0), [x], grad_outputs=u, create_graph=True)
    labels = set()
    stack = [g]
    while stack:
        v = stack.pop()
        labels.add(v.label)
        stack.extend(v.inputs)
    assert "cumsum(axis=0, reverse)" in labels


# ---------------------------------------------------------------- dtypes
@pytest.mark.parametrize("fn", [
    lambda a: a.prod(axis=1), lambda a: a.var(axis=0), lambda a: a.std(), lambda a: a.logsumexp(axis=1),
    lambda a: a.norm(axis=1), lambda a: a.norm(np.inf, axis=0), lambda a: a.norm(1, axis=0),
    lambda a: a.cumsum(axis=1),
    lambda a: a.cumprod(axis=0), lambda a: a.sort(axis=0), lambda a: a.topk(2)[0],
    lambda a: gg.einsum("ij,kj->ik", a, a), lambda a: (a * np.float32(0)).prod(axis=1),
    lambda a: (a * np.float32(0)).cumprod(axis=1), lambda a: gg.einsum("ij->i", a),
    lambda a: gg.einsum("ii->i", a[:, :3]), lambda a: a.var(axis=1, correction=0.5),
])
def test_float32_kept(fn):
    x = gg.Value(A34.astype(np.float32), requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    (g,) = gg.grad(fn(x).sum(), [x], create_graph=True)
    assert g.dtype == np.float32


# ---------------------------------------------------------------- hostile inputs
def test_empty_inputs():
    e = gg.Value(np.zeros((0, 3)), requires_grad=True)
    p = e.prod(axis=0)                       # the empty product is 1, as numpy and torch
    np.testing.assert_array_equal(p.numpy(), np.ones(3))
    p.sum().backward()
    assert e.grad.shape == (0, 3)
    assert e.cumsum(axis=0).shape == (0, 3) and e.cumprod(axis=1).shape == (0, 3)
    assert e.sort(axis=0).shape == (0, 3)
    assert e.norm(axis=0).numpy().tolist() == [0.0, 0.0, 0.0]
    assert e.topk(0, axis=0).values.shape == (0, 3)
    with pytest.raises(gg.ShapeError, match=r"norm: ord=inf of an empty tensor of shape \(0, 3\)"):
        e.norm(np.inf, axis=0)
    with pytest.raises(gg.ShapeError, match=r"argmax: cannot take the max of an empty tensor of shape \(0, 3\)"):
        gg.argmax(e)
    with pytest.raises(gg.ShapeError, match="argmin: .* along axis 0"):
        gg.argmin(e, axis=0)
    assert gg.argmax(e, axis=1).shape == (0,)


def test_zero_d_inputs():
    x = gg.Value(3.0, requires_grad=True)
    for y in (x.prod(), x.logsumexp(), x.sort(), x.cumsum(axis=0), x.cumprod(axis=-1), x.norm()):
        assert y.shape == () and abs(y.item()) == 3.0
        (g,) = gg.grad(y, [x])
        assert abs(float(g)) == 1.0
    assert x.cumsum().shape == (1,)           # no axis: the flattened input, as numpy
    assert gg.einsum(",->", x, 2.0).item() == 6.0
    with pytest.raises(ValueError, match="var: 1 entry over all entries"):
        x.var()
    with pytest.raises(gg.ShapeError, match="topk: needs at least one dimension"):
        x.topk(1)
    with pytest.raises(gg.ShapeError, match="axis 1 is out of range"):
        x.prod(axis=1)


def test_bad_arguments_are_one_clear_error():
    x = gg.Value(A34)
    with pytest.raises(ValueError, match=r"topk: k=5 is out of range for 4 entries along axis 1 of shape \(3, 4\)"):
        x.topk(5)
    with pytest.raises(ValueError, match="topk: k=-1"):
        x.topk(-1)
    with pytest.raises(TypeError, match="topk: k must be an int"):
        x.topk(2.0)
    with pytest.raises(gg.ShapeError, match="prod: axis 2 is out of range"):
        x.prod(axis=2)
    with pytest.raises(gg.ShapeError, match="var: axis .* names the same axis twice"):
        x.var(axis=(0, -2))
    with pytest.raises(TypeError, match="sort: axis must be one int"):
        x.sort(axis=(0, 1))
    with pytest.raises(TypeError, match="cumsum: axis must be one int"):
        x.cumsum(axis=(0,))
    with pytest.raises(gg.ShapeError, match="cumprod: axis -3 is out of range"):
        x.cumprod(axis=-3)
    with pytest.raises(TypeError, match="argmax: axis must be one int or None"):
        gg.argmax(x, axis=(0, 1))
    with pytest.raises(ValueError, match="norm: ord=3 is not supported"):
        x.norm(3, axis=1)
    with pytest.raises(ValueError, match="norm: ord='nuc' is not supported"):
        x.norm("nuc")
    with pytest.raises(ValueError, match=r"norm: ord=2 over two axes of shape \(3, 4\) is a matrix norm"):
        x.norm(2)
    with pytest.raises(ValueError, match="norm: ord='fro' is a matrix norm and needs two axes"):
        x.norm("fro", axis=1)
    with pytest.raises(ValueError, match=r"norm: ord=1 needs one axis"):
        gg.norm(A234, 1)
    with pytest.raises(TypeError, match="np.prod on a Value: dtype not supported"):
        np.prod(x, dtype=np.float32)


@pytest.mark.parametrize("subs,shapes,err,msg", [
    ("ij,jk->ik", [(2, 3)], ValueError, r"name 2 operand\(s\) but 1 were given"),
    ("ij,jk->ik", [(2, 3), (4, 5)], gg.ShapeError, "label 'j' of 'ij,jk->ik' has size 3 in one operand and 4"),
    ("ijk,jk->ik", [(2, 3), (3, 4)], gg.ShapeError, r"term 'ijk' of 'ijk,jk->ik' has 3 letter\(s\) but the operand has shape \(2, 3\)"),
    ("i,jk->ik", [(2, 3), (3, 4)], gg.ShapeError, "use '...' for the remaining axes"),
    ("ij,jk->iz", [(2, 3), (3, 4)], ValueError, "output letter 'z' of 'ij,jk->iz' appears in no operand"),
    ("ij,jk->ii", [(2, 3), (3, 4)], ValueError, "repeats a letter"),
    ("i1,jk->ik", [(2, 3), (3, 4)], ValueError, "has '1'; subscripts are letters"),
    ("ij->i->j", [(2, 3)], ValueError, "more than one '->'"),
    ("...i,...i->i", [(2, 3), (2, 3)], gg.ShapeError, "need a '...' in the output"),
    ("......i", [(2, 3)], ValueError, "more than one '...'"),
    ("ii", [(1, 3)], gg.ShapeError, "label 'i' repeats in term 'ii' of 'ii' with sizes 1 and 3"),
])
def test_einsum_bad_subscripts(subs, shapes, err, msg):
    with pytest.raises(err, match=msg):
        gg.einsum(subs, *[np.ones(s) for s in shapes])


def test_einsum_needs_a_string_and_operands():
    with pytest.raises(TypeError, match="subscripts must be a string"):
        gg.einsum(3, np.ones(2))
    with pytest.raises(ValueError, match="needs at least one operand"):
        gg.einsum("i")


SPECIAL = np.array([[np.inf, 0.0, 2.0, -1.0], [-np.inf, 1.0, 3.0, 0.5], [np.nan, 1.0, 0.0, 2.0],
                    [1e300, 1e300, -2.0, 0.0]])


@pytest.mark.parametrize("gfn,tfn", [
    (lambda a: a.prod(axis=1), lambda a: a.prod(1)), (lambda a: a.cumprod(axis=1), lambda a: a.cumprod(1)),
    (lambda a: a.cumsum(axis=1), lambda a: a.cumsum(1)), (lambda a: a.var(axis=1), lambda a: a.var(1)),
    (lambda a: a.std(axis=1), lambda a: a.std(1)), (lambda a: a.logsumexp(axis=1), lambda a: a.logsumexp(1)),
    (lambda a: a.norm(axis=1), lambda a: T.norm(a, dim=1)), (lambda a: a.norm(1, axis=1), lambda a: T.norm(a, 1, dim=1)),
    (lambda a: a.norm(np.inf, axis=1), lambda a: T.norm(a, float("inf"), dim=1)),
    (lambda a: a.sort(axis=1), lambda a: a.sort(1).values), (lambda a: a.topk(2).values, lambda a: a.topk(2).values),
    (lambda a: gg.einsum("ij,ij->i", a, a), lambda a: torch.einsum("ij,ij->i", a, a)),
])
def test_inf_nan_and_huge_values_like_torch(gfn, tfn):
    # the same numbers, nan, inf and overflow as torch, forward and gradient (nothing skipped)
    x = gg.Value(SPECIAL, requires_grad=True)
    t = torch.tensor(SPECIAL, requires_grad=True)
    with np.errstate(all="ignore"):
        y = gfn(x)
        y.sum().backward()
    ty = tfn(t)
    ty.sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, equal_nan=True)


def test_docstring_examples_run():
    import doctest

    import graphgrad.ops.reduce
    for mod in (graphgrad.ops.reduce,):
        res = doctest.testmod(mod, extraglobs=dict(np=np, gg=gg), report=False)
        assert res.attempted > 0 and res.failed == 0, mod.__name__
