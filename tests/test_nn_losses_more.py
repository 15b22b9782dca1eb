"""Losses as PyTorch defines them: cross_entropy's options (weight, ignore_index,
label_smoothing, reduction, probability targets, (N, C, d...) inputs), nll_loss and the
binary cross-entropies; forward and gradients against torch in float64, gradcheck, errors."""
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F
from gradhelp import assert_double_backward, assert_grads

F64 = torch.float64


def _check(gg_fn, t_fn, *arrays, rng, tol=1e-6):
    """Forward and gradients (of a random weighting of the output) equal torch's to 1e-9;
    gradcheck and rel_error < ``tol`` against central differences. (Where a gradient entry
    is near 0 -- soft targets, p - t ~ 0 -- the differences' roundoff, about 1e-10 absolute,
    is above 1e-6 relative: those tests pass tol=1e-5; the torch match stays 1e-9.)"""
    gv = [gg.Value(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    tv = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    go, to = gg_fn(*gv), t_fn(*tv)
    assert go.shape == tuple(to.shape)
    np.testing.assert_allclose(go.numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(go.shape)
    (go * gg.Value(w)).sum().backward()
    (to * torch.tensor(w, dtype=F64)).sum().backward()
    for a, b in zip(gv, tv):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert_grads(gg_fn, *[gg.Value(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays], tol=tol)


def _targets(rng, shape, c, ignore):
    """Class indices for an input of ``shape`` (classes on axis 1), a few set to ``ignore``."""
    tshape = () if len(shape) == 1 else (shape[0],) + tuple(shape[2:])
    y = rng.integers(0, c, tshape)
    if ignore is not None and y.size > 1:
        flat = y.reshape(-1)
        flat[::3] = ignore
    return y


SHAPES = [(5, 4), (3, 4, 2, 3), (4,), (2, 3, 5)]
REDUCTIONS = ["none", "mean", "sum"]


# ---------------------------------------------------------------- cross_entropy
@pytest.mark.parametrize("shape, reduction", list(itertools.product(SHAPES, REDUCTIONS)))
@pytest.mark.parametrize("weighted, smoothing, ignore", [(False, 0.0, None), (True, 0.0, None),
                                                         (False, 0.2, None), (False, 0.0, -100),
                                                         (True, 0.3, 2)])
def test_cross_entropy_options_match_torch(rng, shape, reduction, weighted, smoothing, ignore):
    c = shape[0] if len(shape) == 1 else shape[1]
    s = rng.standard_normal(shape)
    y = _targets(rng, shape, c, ignore)
    w = rng.uniform(0.2, 2.0, c) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    ig = {} if ignore is None else {"ignore_index": ignore}
    _check(lambda s: F.cross_entropy(s, y, w, **kw, **ig),
           lambda s: TF.cross_entropy(s, torch.tensor(y), None if w is None else torch.tensor(w), **kw, **ig),
           s, rng=rng)


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 2, 2), (4,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, smoothing", [(False, 0.0), (True, 0.25)])
def test_cross_entropy_probability_targets_match_torch(rng, shape, reduction, weighted, smoothing):
    c = shape[0] if len(shape) == 1 else shape[1]
    s = rng.standard_normal(shape)
    t = rng.uniform(size=shape)
    t /= t.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    w = rng.uniform(0.2, 2.0, c) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    _check(lambda s: F.cross_entropy(s, t, w, **kw),
           lambda s: TF.cross_entropy(s, torch.tensor(t), None if w is None else torch.tensor(w), **kw),
           s, rng=rng, tol=1e-5)


def test_cross_entropy_probability_target_that_needs_a_gradient(rng):
    s, t = rng.standard_normal((4, 3)), rng.uniform(size=(4, 3))
    _check(lambda s, t: F.cross_entropy(s, t, label_smoothing=0.1),
           lambda s, t: TF.cross_entropy(s, t, label_smoothing=0.1), s, t, rng=rng)


@pytest.mark.parametrize("expand", [False, True])
def test_cross_entropy_fused_node_and_gates_agree(rng, expand):
    s = rng.standard_normal((3, 4, 2))
    y = _targets(rng, s.shape, 4, 1)
    w = rng.uniform(0.5, 1.5, 4)
    sv = gg.Value(s, requires_grad=True)
    out = F.cross_entropy(sv, y, w, ignore_index=1, label_smoothing=0.1, reduction="none", expand=expand)
    if expand:
        assert out.group == ("softmax_cross_entropy",)
    else:
        assert out.op.name == "softmax_cross_entropy" and out.inputs == (sv,)
    want = TF.cross_entropy(torch.tensor(s), torch.tensor(y), torch.tensor(w), ignore_index=1,
                            label_smoothing=0.1, reduction="none")
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-12)
    assert_grads(lambda s: F.cross_entropy(s, y, w, ignore_index=1, label_smoothing=0.1,
                                           reduction="none", expand=expand), gg.Value(s, requires_grad=True))


def test_cross_entropy_plain_call_keeps_the_lecture_node(rng):
    s = gg.Value(rng.standard_normal((3, 4)), requires_grad=True)
    loss = F.cross_entropy(s, [0, 1, 2])
    assert loss.attrs == {"reduction": "mean"} and loss.op.label(loss.attrs) == "softmax-CE"


def test_cross_entropy_all_targets_ignored_is_nan_as_torch():
    s = rng_scores = np.random.default_rng(0).standard_normal((3, 4))
    y = np.full(3, -100)
    ours = gg.Value(s, requires_grad=True)
    theirs = torch.tensor(rng_scores, requires_grad=True)
    a, b = F.cross_entropy(ours, y), TF.cross_entropy(theirs, torch.tensor(y))
    assert np.isnan(a.item()) and np.isnan(b.item())
    a.backward()
    b.backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())        # torch: a zero gradient
    np.testing.assert_array_equal(F.cross_entropy(ours, y, reduction="sum").item(), 0.0)
    np.testing.assert_array_equal(F.cross_entropy(ours, y, reduction="none").numpy(), np.zeros(3))


def test_cross_entropy_ignored_rows_may_hold_inf_scores():
    s = np.array([[0.0, 1.0, -np.inf], [np.inf, 0.0, 0.0]])
    ours = F.cross_entropy(gg.Value(s), [1, -100])
    theirs = TF.cross_entropy(torch.tensor(s), torch.tensor([1, -100]))
    assert np.isfinite(ours.item())
    assert abs(ours.item() - theirs.item()) < 1e-12


def test_cross_entropy_float32_keeps_its_dtype(rng):
    s = gg.Value(rng.standard_normal((4, 3, 2)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(s, rng.integers(0, 3, (4, 2)), np.ones(3), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == s.grad.dtype == np.float32


def test_cross_entropy_errors():
    s = gg.Value(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"cross_entropy: target holds class 3, outside \[0, 3\)"):
        F.cross_entropy(s, [0, 3])
    with pytest.raises(ValueError, match=r"class -1, outside \[0, 3\).*ignore_index is -100"):
        F.cross_entropy(s, [-1, 0])
    with pytest.raises(gg.ShapeError, match=r"cross_entropy: input of shape \(2, 3, 4\) needs a target "
                                            r"of class indices of shape \(2, 4\).*got \(2,\)"):
        F.cross_entropy(np.ones((2, 3, 4)), [0, 1])
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(s, [0.5, 1.0])
    with pytest.raises(TypeError, match="probabilities and must be floating point"):
        F.cross_entropy(s, np.ones((2, 3), dtype=int))
    with pytest.raises(gg.ShapeError, match=r"weight must have one entry per class, shape \(3,\)"):
        F.cross_entropy(s, [0, 1], np.ones(2))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got 1.5"):
        F.cross_entropy(s, [0, 1], label_smoothing=1.5)
    with pytest.raises(ValueError, match="reduction must be 'none', 'mean' or 'sum', got 'max'"):
        F.cross_entropy(s, [0, 1], reduction="max")
    with pytest.raises(TypeError, match="string 'sum'.*by keyword"):
        F.cross_entropy(s, [0, 1], "sum")
    with pytest.raises(ValueError, match="weight is a constant"):
        F.cross_entropy(s, [0, 1], gg.Value(np.ones(3), requires_grad=True))
    with pytest.raises(gg.ShapeError, match="0-d"):
        F.cross_entropy(gg.Value(1.0), 0)
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        F.cross_entropy(s, [0, 1], ignore_index=1.5)


# ---------------------------------------------------------------- nll_loss
@pytest.mark.parametrize("shape, reduction", list(itertools.product(SHAPES, REDUCTIONS)))
@pytest.mark.parametrize("weighted, ignore", [(False, None), (True, None), (False, -100), (True, 1)])
def test_nll_loss_matches_torch(rng, shape, reduction, weighted, ignore):
    c = shape[0] if len(shape) == 1 else shape[1]
    x = rng.standard_normal(shape) - 2.0
    y = _targets(rng, shape, c, ignore)
    w = rng.uniform(0.2, 2.0, c) if weighted else None
    ig = {} if ignore is None else {"ignore_index": ignore}
    _check(lambda x: F.nll_loss(x, y, w, reduction=reduction, **ig),
           lambda x: TF.nll_loss(x, torch.tensor(y), None if w is None else torch.tensor(w),
                                 reduction=reduction, **ig), x, rng=rng)


def test_nll_of_log_softmax_is_cross_entropy(rng):
    s = gg.Value(rng.standard_normal((4, 5, 3)), requires_grad=True)
    y = rng.integers(0, 5, (4, 3))
    a = F.nll_loss(F.log_softmax(s, axis=1), y)
    b = F.cross_entropy(s, y)
    assert abs(a.item() - b.item()) < 1e-12


def test_nll_loss_errors():
    with pytest.raises(ValueError, match=r"nll_loss: target holds class 5, outside \[0, 2\)"):
        F.nll_loss(np.zeros((2, 2)), [0, 5])
    with pytest.raises(gg.ShapeError, match=r"nll_loss: input of shape \(2, 2\) needs a target"):
        F.nll_loss(np.zeros((2, 2)), [[0, 1]])
    with pytest.raises(TypeError, match="nll_loss: target must be integer class indices, got dtype bool"):
        F.nll_loss(np.zeros((2, 2)), np.array([True, False]))


# ---------------------------------------------------------------- binary cross-entropy
BCE_SHAPES = [(6,), (3, 4), (2, 3, 4)]


def _weight(rng, kind, shape):
    if kind == "none":
        return None
    return rng.uniform(0.2, 2.0, shape[-1:] if kind == "last" else shape)


@pytest.mark.parametrize("shape, reduction", list(itertools.product(BCE_SHAPES, REDUCTIONS)))
@pytest.mark.parametrize("weight", ["none", "last", "full"])
def test_binary_cross_entropy_matches_torch(rng, shape, reduction, weight):
    p, t = rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    w = _weight(rng, weight, shape)
    tw = None if w is None else torch.tensor(w)
    _check(lambda p, t: F.binary_cross_entropy(p, t, w, reduction=reduction),
           lambda p, t: TF.binary_cross_entropy(p, t, tw, reduction=reduction), p, t, rng=rng)


@pytest.mark.parametrize("shape, reduction", list(itertools.product(BCE_SHAPES, REDUCTIONS)))
@pytest.mark.parametrize("weight, pos_weight", [("none", "none"), ("full", "none"), ("none", "last"),
                                                ("last", "last"), ("none", "full")])
def test_binary_cross_entropy_with_logits_matches_torch(rng, shape, reduction, weight, pos_weight):
    x, t = rng.standard_normal(shape) * 3, rng.uniform(0, 1, shape)
    w, pw = _weight(rng, weight, shape), _weight(rng, pos_weight, shape)
    tw, tpw = (None if a is None else torch.tensor(a) for a in (w, pw))
    _check(lambda x, t: F.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pw),
           lambda x, t: TF.binary_cross_entropy_with_logits(x, t, tw, reduction=reduction, pos_weight=tpw),
           x, t, rng=rng, tol=1e-5)


def test_bce_clamps_the_log_at_minus_100_as_torch():
    p, t = np.array([0.0, 1.0, 0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    ours = F.binary_cross_entropy(gg.Value(p), t, reduction="none").numpy()
    theirs = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none").numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours[0] == 100.0


def test_bce_with_logits_is_stable_for_huge_scores():
    x, t = np.array([1000.0, -1000.0, 800.0, -800.0]), np.array([0.0, 1.0, 1.0, 0.0])
    xv = gg.Value(x, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(xv, t, reduction="sum", pos_weight=np.full(4, 2.0))
    loss.backward()
    xt = torch.tensor(x, requires_grad=True)
    want = TF.binary_cross_entropy_with_logits(xt, torch.tensor(t), reduction="sum", pos_weight=torch.full((4,), 2.0,
                                                                                                            dtype=F64))
    want.backward()
    assert abs(loss.item() - want.item()) < 1e-9 and np.isfinite(loss.item())
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-12)


def test_bce_float32_and_integer_targets(rng):
    p = gg.Value(rng.uniform(0.1, 0.9, (3, 2)).astype(np.float32), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([[1, 0], [0, 1], [1, 1]]))
    loss.backward()
    assert loss.dtype == p.grad.dtype == np.float32
    x = gg.Value(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    F.binary_cross_entropy_with_logits(x, np.array([True, False, True, False])).backward()
    assert x.grad.dtype == np.float32


def test_bce_errors():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities in "
                                         r"\[0, 1\], got 1.5.*with_logits"):
        F.binary_cross_entropy(gg.Value([0.5, 1.5]), [1.0, 0.0])
    with pytest.raises(ValueError, match=r"input must hold probabilities in \[0, 1\], got nan"):
        F.binary_cross_entropy(gg.Value([np.nan, 0.5]), [1.0, 0.0])
    with pytest.raises(ValueError, match=r"target must hold probabilities in \[0, 1\], got 2.0"):
        F.binary_cross_entropy_with_logits(gg.Value([0.5, 1.5]), [2.0, 0.0])
    with pytest.raises(gg.ShapeError, match=r"input of shape \(2,\) and target of shape \(2, 1\) differ"):
        F.binary_cross_entropy(gg.Value([0.5, 0.5]), [[1.0], [0.0]])
    with pytest.raises(gg.ShapeError, match=r"pos_weight of shape \(3,\) does not broadcast to the "
                                            r"input's shape \(2, 2\)"):
        F.binary_cross_entropy_with_logits(gg.Value(np.zeros((2, 2))), np.ones((2, 2)), pos_weight=np.ones(3))
    with pytest.raises(ValueError, match="reduction must be 'none', 'mean' or 'sum'"):
        F.binary_cross_entropy(gg.Value([0.5]), [1.0], reduction="avg")
    with pytest.raises(ValueError, match="weight holds nan or inf"):
        F.binary_cross_entropy(gg.Value([0.5]), [1.0], [np.inf])


# ---------------------------------------------------------------- modules
def test_loss_modules_as_torch(rng):
    s, y = rng.standard_normal((4, 3)), rng.integers(0, 3, 4)
    w = rng.uniform(0.5, 1.5, 3)
    pairs = [
        (nn.CrossEntropyLoss(w, label_smoothing=0.1, reduction="sum"),
         torch.nn.CrossEntropyLoss(torch.tensor(w), label_smoothing=0.1, reduction="sum"), s, y),
        (nn.NLLLoss(w, ignore_index=1), torch.nn.NLLLoss(torch.tensor(w), ignore_index=1), s, y),
        (nn.BCELoss(), torch.nn.BCELoss(), 1 / (1 + np.exp(-s)), (s > 0).astype(float)),
        (nn.BCEWithLogitsLoss(pos_weight=w), torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)),
         s, (s > 0).astype(float)),
        (nn.MSELoss(reduction="none"), torch.nn.MSELoss(reduction="none"), s, s[::-1].copy()),
        (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"), s, s[::-1].copy()),
    ]
    for ours, theirs, a, b in pairs:
        got = ours(gg.Value(a), b).numpy()
        want = theirs(torch.tensor(a), torch.tensor(b)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=type(ours).__name__)
    assert list(nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]     # buffers, as torch
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    with pytest.raises(ValueError, match="CrossEntropyLoss: weight is a constant"):
        nn.CrossEntropyLoss(gg.Value(w, requires_grad=True))
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)


# ---------------------------------------------------------------- the create_graph pass
def _graph_branch_vs_torch(rng, gg_fn, t_fn, *arrays):
    """The fused node's gradient from a create_graph pass (its expansion's, or for BCE its
    one backward run on Values), then <that gradient, v> differentiated with a plain
    backward: the second derivative (w.r.t. every input and the upstream), compared with
    torch's ``autograd.grad(..., create_graph=True)`` twice."""
    vals = [gg.Value(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = gg_fn(*vals)
    assert out.inputs == tuple(vals) and (out.op.twice_differentiable or out.op.expand is not None)
    up = gg.Value(rng.standard_normal(out.shape), requires_grad=True)
    grads = gg.grad(out, vals, grad_outputs=up, create_graph=True)
    vs = [rng.standard_normal(v.shape) for v in vals]
    total = sum(((d * gg.Value(v)).sum() for d, v in zip(grads, vs)), gg.Value(0.0))
    total.backward()
    ts = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    tup = torch.tensor(up.numpy(), requires_grad=True)
    tgrads = torch.autograd.grad(t_fn(*ts), ts, grad_outputs=tup, create_graph=True)
    second = torch.autograd.grad(sum((d * torch.tensor(v)).sum() for d, v in zip(tgrads, vs)), ts + [tup],
                                 allow_unused=True)
    for d, td in zip(grads, tgrads):
        np.testing.assert_allclose(d.numpy(), td.detach().numpy(), rtol=1e-9, atol=1e-12)
    for v, t in zip(vals + [up], second):
        want = np.zeros(v.shape) if t is None else t.numpy()
        np.testing.assert_allclose(np.zeros(v.shape) if v.grad is None else v.grad, want, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_graph_backward(rng, reduction):
    s, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    _graph_branch_vs_torch(rng, lambda s: F.cross_entropy(s, y, reduction=reduction),
                           lambda s: TF.cross_entropy(s, torch.tensor(y), reduction=reduction), s)
    s3, y3 = rng.standard_normal((3, 4, 2)), _targets(rng, (3, 4, 2), 4, -100)
    w = rng.uniform(0.5, 2.0, 4)
    _graph_branch_vs_torch(rng, lambda s: F.cross_entropy(s, y3, w, label_smoothing=0.2, reduction=reduction),
                           lambda s: TF.cross_entropy(s, torch.tensor(y3), torch.tensor(w), label_smoothing=0.2,
                                                      reduction=reduction), s3)
    t3 = rng.uniform(size=(3, 4, 2))
    _graph_branch_vs_torch(rng, lambda s: F.cross_entropy(s, t3, reduction=reduction),
                           lambda s: TF.cross_entropy(s, torch.tensor(t3), reduction=reduction), s3)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_graph_backward(rng, reduction):
    x, y = rng.standard_normal((3, 4, 2)), _targets(rng, (3, 4, 2), 4, 1)
    w = rng.uniform(0.5, 2.0, 4)
    _graph_branch_vs_torch(rng, lambda x: F.nll_loss(x, y, w, ignore_index=1, reduction=reduction),
                           lambda x: TF.nll_loss(x, torch.tensor(y), torch.tensor(w), ignore_index=1,
                                                 reduction=reduction), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropies_graph_backward(rng, reduction):
    p, t, w = rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(size=(3, 4)), rng.uniform(0.5, 2.0, 4)
    _graph_branch_vs_torch(rng, lambda p, t: F.binary_cross_entropy(p, t, w, reduction=reduction),
                           lambda p, t: TF.binary_cross_entropy(p, t, torch.tensor(w), reduction=reduction), p, t)
    x = rng.standard_normal((3, 4)) * 2
    x[0, 0] = 0.0                                   # the softplus's two branches meet here
    for pw in (None, rng.uniform(0.5, 2.0, 4)):
        tpw = None if pw is None else torch.tensor(pw)
        _graph_branch_vs_torch(
            rng, lambda x, t: F.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pw),
            lambda x, t: TF.binary_cross_entropy_with_logits(x, t, torch.tensor(w), reduction=reduction,
                                                             pos_weight=tpw), x, t)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_graph_backward(rng, shape, training):
    x = rng.standard_normal(shape) * 2 + 1
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    _graph_branch_vs_torch(
        rng, lambda x, g, b: F.batch_norm(x, rm.copy(), rv.copy(), g, b, training=training),
        lambda x, g, b: TF.batch_norm(x, torch.tensor(rm), torch.tensor(rv), g, b, training=training), x, gamma, beta)


def test_multi_margin_graph_backward(rng):
    # torch has no double backward for multi_margin_loss: compare with its definition in torch ops
    s, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)

    def theirs(s):
        m = (1.0 - s.gather(1, torch.tensor(y)[:, None]) + s).clamp(min=0)
        m = m * (1 - TF.one_hot(torch.tensor(y), 4).to(F64))
        return m.sum() / (5 * 4)
    _graph_branch_vs_torch(rng, lambda s: F.multi_margin_loss(s, y), theirs, s)


# ---------------------------------------------------------------- second derivatives, end to end
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_double_backward(rng, reduction):
    s, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    assert_double_backward(lambda s, y: F.cross_entropy(s, y, reduction=reduction),
                           lambda s, y: TF.cross_entropy(s, torch.tensor(y), reduction=reduction), s, y)
    s3, y3, w = rng.standard_normal((3, 4, 2)), _targets(rng, (3, 4, 2), 4, 2), rng.uniform(0.5, 2.0, 4)
    assert_double_backward(
        lambda s, y: F.cross_entropy(s, y, w, ignore_index=2, label_smoothing=0.15, reduction=reduction),
        lambda s, y: TF.cross_entropy(s, torch.tensor(y), torch.tensor(w), ignore_index=2, label_smoothing=0.15,
                                      reduction=reduction), s3, y3)


def test_cross_entropy_probability_targets_double_backward(rng):
    # a float target is differentiated too: through the gates (and torch's own formula)
    s, t = rng.standard_normal((4, 3)), rng.uniform(size=(4, 3))
    assert_double_backward(lambda s, t: F.cross_entropy(s, t, label_smoothing=0.1),
                           lambda s, t: TF.cross_entropy(s, t, label_smoothing=0.1), s, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_double_backward(rng, reduction):
    x, y, w = rng.standard_normal((4, 3, 2)), rng.integers(0, 3, (4, 2)), rng.uniform(0.5, 2.0, 3)
    assert_double_backward(lambda x, y: F.nll_loss(x, y, w, reduction=reduction),
                           lambda x, y: TF.nll_loss(x, torch.tensor(y), torch.tensor(w), reduction=reduction), x, y)
    assert_double_backward(lambda x, y: F.nll_loss(F.log_softmax(x, axis=1), y, reduction=reduction),
                           lambda x, y: TF.nll_loss(TF.log_softmax(x, dim=1), torch.tensor(y), reduction=reduction),
                           x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_double_backward(rng, reduction):
    p, t, w = rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(size=(3, 4)), rng.uniform(0.5, 2.0, 4)
    assert_double_backward(lambda p, t: F.binary_cross_entropy(p, t, w, reduction=reduction),
                           lambda p, t: TF.binary_cross_entropy(p, t, torch.tensor(w), reduction=reduction), p, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_binary_cross_entropy_with_logits_double_backward(rng, reduction, with_pos_weight):
    x, t, w = rng.standard_normal((3, 4)) * 2, rng.uniform(size=(3, 4)), rng.uniform(0.5, 2.0, (3, 4))
    pw = rng.uniform(0.5, 3.0, 4) if with_pos_weight else None
    tpw = None if pw is None else torch.tensor(pw)
    assert_double_backward(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pw),
        lambda x, t: TF.binary_cross_entropy_with_logits(x, t, torch.tensor(w), reduction=reduction, pos_weight=tpw),
        x, t)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_double_backward(rng, axis):
    x = rng.standard_normal((3, 4, 2))
    assert_double_backward(lambda x: F.softmax(x, axis=axis), lambda x: TF.softmax(x, dim=axis), x)
    assert_double_backward(lambda x: F.log_softmax(x, axis=axis), lambda x: TF.log_softmax(x, dim=axis), x)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("expand", [False, True])
def test_batch_norm_double_backward(rng, shape, training, expand):
    x = rng.standard_normal(shape) * 2 + 1
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    assert_double_backward(
        lambda x, g, b: F.batch_norm(x, rm.copy(), rv.copy(), g, b, training=training, expand=expand),
        lambda x, g, b: TF.batch_norm(x, torch.tensor(rm), torch.tensor(rv), g, b, training=training), x, gamma, beta)


def test_batch_norm_gradient_penalty_matches_torch(rng):
    # a WGAN-GP style penalty through a train-mode BatchNorm: |d out/d x|² differentiated w.r.t. γ
    x, gamma, beta = rng.standard_normal((6, 3)), rng.standard_normal(3), rng.standard_normal(3)
    xv, gv, bv = (gg.Value(a, requires_grad=True) for a in (x, gamma, beta))
    (dx,) = gg.grad((F.batch_norm(xv, None, None, gv, bv, training=True) ** 3).sum(), [xv], create_graph=True)
    (dx * dx).sum().backward()
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    (dxt,) = torch.autograd.grad((TF.batch_norm(xt, None, None, gt, bt, training=True) ** 3).sum(), [xt],
                                 create_graph=True)
    (dxt * dxt).sum().backward()
    for a, b in ((xv, xt), (gv, gt), (bv, bt)):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_multi_margin_gradgradcheck(rng):
    # torch has no double backward for multi_margin_loss; gradgradcheck against differences
    s, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    assert gg.gradgradcheck(lambda s: F.multi_margin_loss(s, y), gg.Value(s, requires_grad=True))
    assert gg.gradgradcheck(lambda s: F.svm_loss(s, y, reduction="sum"), gg.Value(s, requires_grad=True))
