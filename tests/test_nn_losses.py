"""Losses: softmax cross-entropy (fused and expanded), SVM hinge, regularisation."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F
from gradhelp import assert_grads

# cs231n lecture 3: scores for (cat, car, frog) images; labels cat, car, frog
SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LABELS = np.array([0, 1, 2])


def P(a):
    return gg.Value(np.asarray(a, dtype=np.float64), requires_grad=True)


def test_svm_loss_lecture_numbers():
    # per-image hinge losses 2.9, 0, 12.9 -> mean 5.27
    assert abs(F.svm_loss(P(SCORES), LABELS).item() - (2.9 + 0.0 + 12.9) / 3) < 1e-12
    assert abs(F.svm_loss(P(SCORES[:1]), [0]).item() - 2.9) < 1e-12


def test_cross_entropy_lecture_cat():
    # -log softmax(3.2 | 3.2, 5.1, -1.7) = 2.04 (natural log)
    s = P(SCORES[:1])
    loss = F.cross_entropy(s, [0])
    assert abs(loss.item() - 2.0404) < 1e-4
    loss.backward()
    p = np.exp(SCORES[0]) / np.exp(SCORES[0]).sum()
    np.testing.assert_allclose(s.grad[0], p - [1, 0, 0], rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("expand", [False, True])
def test_cross_entropy_gradcheck(rng, reduction, expand):
    s = P(rng.standard_normal((5, 4)))
    y = rng.integers(0, 4, 5)
    assert_grads(lambda s: F.cross_entropy(s, y, reduction=reduction, expand=expand), s)


def test_cross_entropy_fused_equals_expanded(rng):
    data, y = rng.standard_normal((6, 5)) * 10, rng.integers(0, 5, 6)
    res = []
    for expand in (False, True):
        s = P(data)
        loss = F.cross_entropy(s, y, expand=expand)
        loss.backward()
        res.append((loss.item(), s.grad))
    assert abs(res[0][0] - res[1][0]) < 1e-12
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-10, atol=1e-15)


def test_cross_entropy_expanded_group_and_fused_single_node(rng):
    s = P(rng.standard_normal((3, 4)))
    with nn.expanded():
        loss = F.cross_entropy(s, [0, 1, 2])
    assert loss.group == ("softmax_cross_entropy",) and loss.op.name == "mean"
    fused = F.cross_entropy(s, [0, 1, 2])
    assert fused.op.name == "softmax_cross_entropy" and fused.inputs == (s,)


def test_cross_entropy_is_stable_for_huge_scores():
    s = P([[1000.0, 0.0, -1000.0]])
    loss = F.cross_entropy(s, [2])
    assert abs(loss.item() - 2000.0) < 1e-9
    loss.backward()
    assert np.all(np.isfinite(s.grad))


def test_cross_entropy_float32_and_retain_graph(rng):
    s = gg.Value(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(s, [0, 1, 2, 0])
    loss.backward(retain_graph=True)
    g1 = s.grad.copy()
    s.zero_grad()
    loss.backward()
    assert loss.dtype == s.grad.dtype == np.float32
    np.testing.assert_array_equal(g1, s.grad)


@pytest.mark.parametrize("fn", [F.svm_loss, F.multi_margin_loss])
def test_hinge_losses_gradcheck(rng, fn):
    s = P(rng.standard_normal((6, 4)))
    y = rng.integers(0, 4, 6)
    assert_grads(lambda s: fn(s, y), s)


def test_multi_margin_divides_by_classes():
    a = F.multi_margin_loss(P(SCORES), LABELS).item()
    b = F.svm_loss(P(SCORES), LABELS).item()
    assert abs(a - b / 3) < 1e-12


def test_loss_errors_name_function_and_shapes():
    with pytest.raises(gg.ShapeError, match=r"cross_entropy.*\(2,\).*\(3,\)"):
        F.cross_entropy(P(np.ones((2, 3))), [0, 1, 2])
    with pytest.raises(ValueError, match=r"cross_entropy.*class 3.*\[0, 3\)"):
        F.cross_entropy(P(np.ones((2, 3))), [0, 3])
    with pytest.raises(TypeError, match="cross_entropy.*integer"):
        F.cross_entropy(P(np.ones((2, 3))), [0.5, 1.0])
    with pytest.raises(gg.ShapeError, match="svm_loss.*2-D"):
        F.svm_loss(P(np.ones(3)), [0])
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(P(np.ones((2, 3))), [0, 1], reduction="max")


def test_loss_modules():
    s = P(SCORES)
    assert abs(nn.CrossEntropyLoss()(s, LABELS).item() - F.cross_entropy(s, LABELS).item()) < 1e-15
    assert abs(nn.SVMLoss()(s, LABELS).item() - F.svm_loss(s, LABELS).item()) < 1e-15
    assert abs(nn.MultiMarginLoss()(s, LABELS).item() - F.multi_margin_loss(s, LABELS).item()) < 1e-15
    assert nn.MSELoss()(gg.Value([1.0, 2.0]), [1.0, 4.0]).item() == 2.0
    assert nn.L1Loss()(gg.Value([1.0, 2.0]), [1.0, 4.0]).item() == 1.0


def test_regularisation_helpers(rng):
    w1, w2 = P(rng.standard_normal((3, 2))), P(rng.standard_normal(4))
    r = nn.l2_regularization([w1, w2], 0.1, half=True)
    assert abs(r.item() - 0.05 * (np.sum(w1.numpy() ** 2) + np.sum(w2.numpy() ** 2))) < 1e-12
    r.backward()
    np.testing.assert_allclose(w1.grad, 0.1 * w1.numpy())
    l1 = nn.l1_regularization([w1], 0.5)
    assert abs(l1.item() - 0.5 * np.abs(w1.numpy()).sum()) < 1e-12
    assert_grads(lambda a, b: nn.l2_regularization([a, b], 0.3), w1, w2)
    with pytest.raises(ValueError, match="l2_regularization: no parameters"):
        nn.l2_regularization([], 0.1)


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, nn.MSELoss(), nn.L1Loss()],
                         ids=["mse_loss", "l1_loss", "MSELoss", "L1Loss"])
def test_regression_losses_refuse_shapes_that_would_broadcast(loss):
    # (4, 1) against (4,) broadcasts to (4, 4): every prediction against every target.
    name = getattr(loss, "__name__", None) or {"MSELoss": "mse_loss", "L1Loss": "l1_loss"}[type(loss).__name__]
    pred, target = P(np.arange(4.0).reshape(4, 1)), np.arange(4.0) + 1
    with pytest.raises(gg.ShapeError, match=rf"^{name}: prediction of shape \(4, 1\) and target of shape "
                                            r"\(4,\) differ; reshape one to match"):
        loss(pred, target)
    with pytest.raises(gg.ShapeError, match=r"shape \(3,\) and target of shape \(\)"):
        loss(P([1.0, 2.0, 3.0]), 0.0)
    assert loss(pred, target.reshape(4, 1)).item() == 1.0      # matching shapes: each error is 1


@pytest.mark.parametrize("loss, where", [(F.mse_loss, "mse_loss"), (F.l1_loss, "l1_loss")])
def test_regression_losses_check_reduction_and_gradients(loss, where):
    with pytest.raises(ValueError, match=rf"{where}: reduction must be 'none', 'mean' or 'sum', got 'max'"):
        loss(P([1.0, 2.0]), [1.0, 4.0], reduction="max")
    per = loss(P([1.0, 2.0]), [1.0, 4.0], reduction="none").numpy()     # one loss per element
    np.testing.assert_array_equal(per, [0.0, 4.0] if where == "mse_loss" else [0.0, 2.0])
    t = np.array([[0.3, -1.2], [2.0, 0.7]])
    assert_grads(lambda p: loss(p, t), P([[1.0, 2.0], [-0.5, 0.25]]))
    assert_grads(lambda p: loss(p, t, reduction="sum"), P([[1.0, 2.0], [-0.5, 0.25]]))
