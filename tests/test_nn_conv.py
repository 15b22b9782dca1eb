"""Convolution and pooling (issue 15): conv1d, conv2d with groups/dilation/(h, w) sizes,
conv_transpose2d, pooling with padding/ceil_mode: gradchecks, PyTorch float64 comparisons
(forward and every gradient), the ops that are each other's backward, modules, and clear
errors for hostile input."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn.ops import conv as C, pool as PL
from graphgrad.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(rtol=1e-7, atol=1e-10)


def P(a):
    return gg.Value(np.asarray(a, dtype=np.float64), requires_grad=True)


def grads_ok(fn, *inputs, eps=1e-3, tol=1e-6):
    """gg.gradcheck, then cs231n's rel_error < tol against central differences. The ops here
    are linear in each input (pooling piecewise linear), so a wide step is exact up to rounding
    and keeps rounding noise far below tol."""
    assert gg.gradcheck(fn, *inputs)
    out = fn(*inputs)
    w = np.random.default_rng(1).standard_normal(out.shape)
    for v in inputs:
        v.zero_grad()
    (out * w).sum().backward()
    for i, v in enumerate(inputs):
        def f(_):
            with gg.no_grad():
                return float(np.sum(fn(*inputs).numpy() * w))
        num = gg.numeric_grad(f, v._data, eps=eps)
        err = gg.rel_error(v.grad, num)
        assert err < tol, f"input {i}: rel_error {err:.2e}"


def vs_torch(gg_fn, t_fn, *arrays, seed=0):
    """Forward and the gradient of every input against PyTorch in float64."""
    gs = [P(a) for a in arrays]
    ts = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, tout = gg_fn(*gs), t_fn(*ts)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **TOL)
    G = np.random.default_rng(seed).standard_normal(out.shape)
    (out * G).sum().backward()
    (tout * torch.tensor(G)).sum().backward()
    for i, (g, t) in enumerate(zip(gs, ts)):
        assert g.grad is not None, f"input {i} got no gradient"
        np.testing.assert_allclose(g.grad, t.grad.numpy(), **TOL, err_msg=f"gradient of input {i}")
    return out


# ---------------------------------------------------------------- conv2d
CONV2D_CASES = [(g, d, s, p) for g in (1, 2, 4) for d in (1, 2) for s in (1, (1, 2)) for p in (0, 1)]


@pytest.mark.parametrize("groups,dilation,stride,padding", CONV2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(rng, groups, dilation, stride, padding, bias):
    x = rng.standard_normal((2, 4, 7, 8))
    w = rng.standard_normal((4, 4 // groups, 2, 3))           # a non-square kernel
    arrays = (x, w, rng.standard_normal(4)) if bias else (x, w)
    vs_torch(lambda *a: F.conv2d(*a, stride=stride, padding=padding, dilation=dilation, groups=groups),
             lambda *a: TF.conv2d(*a, stride=stride, padding=padding, dilation=dilation, groups=groups),
             *arrays)


@pytest.mark.parametrize("groups,dilation,stride,padding",
                         [(1, 1, 1, 0), (2, 2, (1, 2), 1), (4, 1, (2, 1), (1, 0)), (2, (2, 1), 2, (0, 1))])
def test_conv2d_gradcheck(rng, groups, dilation, stride, padding):
    x, w, b = P(rng.standard_normal((2, 4, 6, 5))), P(rng.standard_normal((4, 4 // groups, 2, 3))), \
        P(rng.standard_normal(4))
    grads_ok(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), x, w, b)


def test_conv2d_pairs_equal_the_same_ints(rng):
    x, w = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    a = F.conv2d(x, w, None, 2, 1, 1).numpy()
    np.testing.assert_array_equal(a, F.conv2d(x, w, None, (2, 2), [1, 1], (1, 1)).numpy())


@pytest.mark.parametrize("groups,dilation,stride,padding", [(1, 1, 1, 1), (2, 2, (1, 2), (1, 0)), (4, 1, 2, 0)])
def test_conv2d_fused_equals_expanded(rng, groups, dilation, stride, padding):
    data = [rng.standard_normal((2, 4, 7, 6)), rng.standard_normal((8, 4 // groups, 3, 2)),
            rng.standard_normal(8)]
    res = []
    for expand in (False, True):
        vals = [P(d) for d in data]
        out = F.conv2d(*vals, stride=stride, padding=padding, dilation=dilation, groups=groups, expand=expand)
        (out * np.random.default_rng(5).standard_normal(out.shape)).sum().backward()
        res.append([out.numpy()] + [v.grad for v in vals])
        assert (out.op.name == "conv2d") != expand
    for a, e in zip(*res):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_conv2d_float32_kept_for_groups_and_dilation(rng):
    x = gg.Value(rng.standard_normal((2, 4, 6, 6)).astype(np.float32), requires_grad=True)
    w = gg.Value(rng.standard_normal((4, 2, 3, 3)).astype(np.float32), requires_grad=True)
    b = gg.Value(np.zeros(4, np.float32), requires_grad=True)
    out = F.conv2d(x, w, b, padding=2, dilation=2, groups=2)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_conv2d_empty_batch(rng):
    x, w = P(np.zeros((0, 2, 5, 5))), P(rng.standard_normal((3, 2, 3, 3)))
    out = F.conv2d(x, w, padding=1)
    out.sum().backward()
    assert out.shape == (0, 3, 5, 5) and x.grad.shape == x.shape and not w.grad.any()


def test_conv2d_label_shows_the_arguments(rng):
    x, w = P(rng.standard_normal((1, 4, 8, 8))), P(rng.standard_normal((4, 2, 2, 3)))
    assert F.conv2d(x, P(rng.standard_normal((4, 4, 3, 3))), padding=1).label == "conv3×3(p=1)"
    assert F.conv2d(x, w, stride=(1, 2), dilation=2, groups=2).label == "conv2×3(s=1×2, d=2, g=2)"


# ---------------------------------------------------------------- conv1d
@pytest.mark.parametrize("groups,dilation,stride,padding", [(1, 1, 1, 0), (2, 2, 1, 1), (1, 1, 2, 1),
                                                            (4, 2, 2, 2)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv1d_matches_torch(rng, groups, dilation, stride, padding, bias):
    x, w = rng.standard_normal((3, 4, 11)), rng.standard_normal((8, 4 // groups, 3))
    arrays = (x, w, rng.standard_normal(8)) if bias else (x, w)
    out = vs_torch(lambda *a: F.conv1d(*a, stride=stride, padding=padding, dilation=dilation, groups=groups),
                   lambda *a: TF.conv1d(*a, stride=stride, padding=padding, dilation=dilation, groups=groups),
                   *arrays)
    assert out.op.name == "conv1d" and out.label.startswith("conv1d 3")


def test_conv1d_gradcheck_and_expanded(rng):
    x, w, b = P(rng.standard_normal((2, 4, 9))), P(rng.standard_normal((6, 2, 3))), P(rng.standard_normal(6))
    grads_ok(lambda x, w, b: F.conv1d(x, w, b, 2, 1, 2, 2), x, w, b)
    fused = F.conv1d(x, w, b, 2, 1, 2, 2)
    expanded = F.conv1d(x, w, b, 2, 1, 2, 2, expand=True)
    assert expanded.group == ("conv1d",) and expanded.op.name != "conv1d"
    np.testing.assert_allclose(fused.numpy(), expanded.numpy(), rtol=1e-12, atol=1e-12)


def test_conv1d_module_matches_torch_layout(rng):
    conv = nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2, rng=0)
    tconv = torch.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2).double()
    assert conv.weight.shape == tuple(tconv.weight.shape) and repr(conv) == repr(tconv)
    with torch.no_grad():
        tconv.weight.copy_(torch.tensor(conv.weight.numpy()))
        tconv.bias.copy_(torch.tensor(conv.bias.numpy()))
    x = rng.standard_normal((2, 4, 10))
    np.testing.assert_allclose(conv(gg.Value(x)).numpy(), tconv(torch.tensor(x)).detach().numpy(), **TOL)


# ---------------------------------------------------------------- conv_transpose2d
CT_CASES = [(1, 1, 0, 0, 1), (2, 1, 1, 1, 1), (2, 2, 1, 1, 2), ((2, 1), 1, (1, 0), (1, 0), 1),
            (2, 1, 0, 1, 2), (3, 2, 2, 2, 1), (1, 3, 0, 2, 1)]


@pytest.mark.parametrize("stride,dilation,padding,output_padding,groups", CT_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose2d_matches_torch(rng, stride, dilation, padding, output_padding, groups, bias):
    x, w = rng.standard_normal((2, 4, 5, 4)), rng.standard_normal((4, 6 // groups, 3, 2))
    arrays = (x, w, rng.standard_normal(6)) if bias else (x, w)
    kw = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    out = vs_torch(lambda *a: F.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw), *arrays)
    assert out.op.name == "conv_transpose2d"


def test_conv_transpose2d_gradcheck(rng):
    x, w, b = P(rng.standard_normal((2, 4, 3, 4))), P(rng.standard_normal((4, 1, 3, 2))), P(rng.standard_normal(2))
    grads_ok(lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 2), x, w, b)


def test_conv_transpose2d_is_the_input_gradient_of_conv2d(rng):
    # <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>: the two are adjoint
    x, w = rng.standard_normal((2, 4, 9, 8)), rng.standard_normal((6, 2, 3, 3))
    y = rng.standard_normal(F.conv2d(x, w, None, 2, 1, 2, 2).shape)
    op = (0, 1)   # the column conv2d's stride dropped (H: 9 -> 4 -> 9, W: 8 -> 3 -> 7 + 1)
    lhs = np.vdot(F.conv2d(x, w, None, 2, 1, 2, 2).numpy(), y)
    rhs = np.vdot(x, F.conv_transpose2d(y, w, None, 2, 1, op, 2, 2).numpy())
    assert abs(lhs - rhs) < 1e-9 * abs(lhs)


def test_conv_transpose2d_module_matches_torch(rng):
    m = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, rng=0)
    t = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2).double()
    assert m.weight.shape == tuple(t.weight.shape) and repr(m) == repr(t)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(m.weight.numpy()))
        t.bias.copy_(torch.tensor(m.bias.numpy()))
    x = rng.standard_normal((1, 4, 5, 5))
    out = m(gg.Value(x))
    assert out.shape == (1, 6, 10, 10) and out.group == ("ConvTranspose2d",)
    np.testing.assert_allclose(out.numpy(), t(torch.tensor(x)).detach().numpy(), **TOL)


# ---------------------------------------------------------------- the backward ops
ATTRS = [dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1),
         dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)]


@pytest.mark.parametrize("at", ATTRS)
def test_conv2d_weight_data_is_the_weight_gradient(rng, at):
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((4, 4 // at["groups"], 3, 2))
    g = rng.standard_normal(F.conv2d(x, w, **at).shape)
    tw = torch.tensor(w, requires_grad=True)
    (TF.conv2d(torch.tensor(x), tw, **at) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(C.conv2d_weight_data(x, g, (3, 2), **at), tw.grad.numpy(), **TOL)


@pytest.mark.parametrize("at", ATTRS)
def test_conv_ops_backward_through_gg_apply(rng, at):
    x, w = P(rng.standard_normal((2, 4, 6, 5))), P(rng.standard_normal((4, 4 // at["groups"], 2, 3)))
    grads_ok(lambda x, w: gg.apply(C.CONV2D, x, w, **at), x, w)
    y = P(rng.standard_normal((2, 4, 3, 4)))
    grads_ok(lambda y, w: gg.apply(C.CONV_TRANSPOSE2D, y, w, output_padding=(1, 0), **at), y, w)


def test_maxpool_scatter_and_the_create_graph_gradient_match_the_fast_backward(rng):
    # the slow path (argmax positions + a scatter) and the create_graph pass (the expansion: a
    # gather at the same positions) route g as the fast path does: to the first of tied maxima
    for shape, k, s, p, d, ceil in [((2, 3, 7, 6), (2, 3), (2, 1), (1, 1), (1, 1), True),
                                    ((1, 2, 8, 8), (3, 3), (1, 1), (1, 1), (2, 1), False),
                                    ((2, 2, 6, 6), (2, 2), (2, 2), (0, 0), (1, 1), False)]:
        x = rng.integers(-2, 3, shape).astype(float)                 # many ties: the first max wins
        geo = PL.PoolGeom(x.shape, k, s, p, d, ceil)
        pooled, _ = PL.MAXPOOL2D.run(x, k, s, p, d, ceil)
        g = rng.standard_normal(pooled.shape)
        fast = PL.MaxPool2d._scatter(x, g, pooled, geo)
        index, valid = PL.argmax_index(x, geo)
        np.testing.assert_array_equal(x.reshape(-1)[index], pooled)
        np.testing.assert_allclose(PL.maxpool_scatter(g, index, valid, x.shape), fast, rtol=1e-14, atol=1e-14)
        xv, gv = P(x), P(g)
        (dx,) = gg.grad(F.max_pool2d(xv, k, s, p, d, ceil), [xv], grad_outputs=gv, create_graph=True)
        np.testing.assert_allclose(dx.numpy(), fast, rtol=1e-14, atol=1e-14)
        (dg,) = gg.grad((dx * x).sum(), [gv])                        # the scatter's adjoint: a gather
        np.testing.assert_allclose(dg, pooled, rtol=1e-14)


def test_avg_pool_grad_data_is_the_adjoint_of_avg_pool(rng):
    at = dict(kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), ceil_mode=True, count_include_pad=False,
              divisor_override=None)
    x = rng.standard_normal((2, 2, 7, 6))
    y = rng.standard_normal(F.avg_pool2d(x, **at).shape)
    back = PL.avg_pool_grad_data(y, x.shape, x.dtype, **at)
    assert abs(np.vdot(F.avg_pool2d(x, **at).numpy(), y) - np.vdot(x, back)) < 1e-10


# ---------------------------------------------------------------- pooling
MAX_CASES = [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True), ((2, 3), (2, 1), (1, 1), 1, True),
             (2, 1, 1, 2, False), (3, 3, 1, (1, 2), True), (2, 2, 0, 1, True)]


@pytest.mark.parametrize("k,s,p,d,ceil", MAX_CASES)
def test_max_pool2d_matches_torch(rng, k, s, p, d, ceil):
    x = rng.standard_normal((2, 3, 7, 8))        # continuous values: no ties
    vs_torch(lambda x: F.max_pool2d(x, k, s, p, d, ceil), lambda x: TF.max_pool2d(x, k, s, p, d, ceil), x)


@pytest.mark.parametrize("k,s,p,d,ceil", MAX_CASES[1:4])
def test_max_pool2d_gradcheck(rng, k, s, p, d, ceil):
    # spread-out values, so the central differences never cross a tie
    x = P(rng.permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) * 0.1)
    grads_ok(lambda x: F.max_pool2d(x, k, s, p, d, ceil), x)


def test_max_pool2d_nan_and_inf_route_as_torch():
    # a NaN wins its window (the last NaN of several); an all -inf window sends its gradient to
    # its first real cell, never to the padding (fast path and create_graph path alike)
    x = np.arange(2 * 1 * 6 * 6, dtype=float).reshape(2, 1, 6, 6) % 7
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = x[1, 0, 3, 2] = np.nan
    x[1, 0, 4:, 4:] = x[0, 0, 2, 4] = -np.inf
    for args in [(2,), (3, 2, 1), (3, 1, 1, 1, True)]:
        gx, tx = P(x), torch.tensor(x, requires_grad=True)
        out, tout = F.max_pool2d(gx, *args), TF.max_pool2d(tx, *args)
        np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
        G = np.random.default_rng(0).standard_normal(out.shape)
        (out * G).sum().backward()
        (tout * torch.tensor(G)).sum().backward()
        np.testing.assert_allclose(gx.grad, tx.grad.numpy(), rtol=1e-14)
        gx2 = P(x)
        (d,) = gg.grad((F.max_pool2d(gx2, *args) * G).sum(), [gx2], create_graph=True)
        np.testing.assert_allclose(d.numpy(), tx.grad.numpy(), rtol=1e-14)


def test_max_pool2d_window_of_only_padding_is_minus_inf_with_no_gradient():
    # H=1, k=2, dilation 2, padding 1: the one window's rows are -1 and 1, both padding
    x = P(np.array([[[[1.0, 2.0]]]]))
    out = F.max_pool2d(x, 2, (3, 2), 1, 2, True)
    assert out.shape == (1, 1, 1, 2) and (out.numpy() == -np.inf).all()
    (out * 1.0).sum().backward()
    (d,) = gg.grad(F.max_pool2d(x, 2, (3, 2), 1, 2, True).sum(), [x], create_graph=True)
    assert not x.grad.any() and not d.numpy().any()


AVG_CASES = [(2, None, 0, False, True), (3, 2, 1, False, True), (3, 2, 1, True, True), (3, 2, 1, True, False),
             ((2, 3), (2, 1), (1, 1), True, False), ((3, 2), 2, (1, 0), False, False), (2, 2, 1, True, True)]


@pytest.mark.parametrize("k,s,p,ceil,incl", AVG_CASES)
def test_avg_pool2d_matches_torch(rng, k, s, p, ceil, incl):
    x = rng.standard_normal((2, 3, 7, 8))
    vs_torch(lambda x: F.avg_pool2d(x, k, s, p, ceil, incl), lambda x: TF.avg_pool2d(x, k, s, p, ceil, incl), x)


def test_avg_pool2d_divisor_override_and_gradcheck(rng):
    x = rng.standard_normal((1, 2, 5, 5))
    vs_torch(lambda x: F.avg_pool2d(x, 3, 2, 1, True, divisor_override=5),
             lambda x: TF.avg_pool2d(x, 3, 2, 1, True, divisor_override=5), x)
    grads_ok(lambda x: F.avg_pool2d(x, (3, 2), 2, 1, True, False), P(x))


@pytest.mark.parametrize("k,s,p,ceil", [(2, None, 0, False), (3, 2, 1, True), (3, 1, 1, False)])
def test_pool1d_matches_torch(rng, k, s, p, ceil):
    x = rng.standard_normal((2, 3, 9))
    out = vs_torch(lambda x: F.max_pool1d(x, k, s, p, 1, ceil), lambda x: TF.max_pool1d(x, k, s, p, 1, ceil), x)
    assert out.op.name == "max_pool1d"
    out = vs_torch(lambda x: F.avg_pool1d(x, k, s, p, ceil), lambda x: TF.avg_pool1d(x, k, s, p, ceil), x)
    assert out.op.name == "avg_pool1d"
    vs_torch(lambda x: F.max_pool1d(x, 2, 1, 1, dilation=2), lambda x: TF.max_pool1d(x, 2, 1, 1, dilation=2), x)


def test_pooling_keeps_float32_and_labels(rng):
    x = gg.Value(rng.standard_normal((1, 2, 7, 7)).astype(np.float32), requires_grad=True)
    for out in (F.max_pool2d(x, 3, 2, 1, ceil_mode=True), F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)):
        out.sum().backward()
        assert out.dtype == x.grad.dtype == np.float32
    assert F.max_pool2d(x, 2).label == "maxpool 2×2" and F.avg_pool2d(x, (3, 2), 1).label == "avgpool 3×2/1"


def test_pool_modules_match_torch(rng):
    pairs = [(nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
             (nn.MaxPool2d((2, 3), padding=1, ceil_mode=True), torch.nn.MaxPool2d((2, 3), padding=1, ceil_mode=True)),
             (nn.AvgPool2d(3, 2, 1, True, False), torch.nn.AvgPool2d(3, 2, 1, True, False)),
             (nn.MaxPool1d(3, 2), torch.nn.MaxPool1d(3, 2)), (nn.AvgPool1d(2), torch.nn.AvgPool1d(2))]
    for m, t in pairs:
        assert repr(m) == repr(t)
        x = rng.standard_normal((2, 3, 7, 6)[:4 if "2d" in repr(m) else 3])
        out = m(P(x))
        assert out.group == (type(m).__name__,)
        np.testing.assert_allclose(out.numpy(), t(torch.tensor(x)).numpy(), **TOL)


# ---------------------------------------------------------------- modules
def test_conv2d_module_state_and_repr_match_torch(rng):
    for kwargs in (dict(), dict(padding=1), dict(stride=(1, 2), dilation=2, groups=2, bias=False)):
        m = nn.Conv2d(4, 8, (3, 2), rng=0, **kwargs)
        t = torch.nn.Conv2d(4, 8, (3, 2), **kwargs)
        assert repr(m) == repr(t)
        assert {k: v.shape for k, v in m.state_dict().items()} == {k: tuple(v.shape) for k, v in
                                                                   t.state_dict().items()}
        assert (m.kernel_size, m.stride, m.padding, m.dilation, m.groups) == \
            (t.kernel_size, t.stride, t.padding, t.dilation, t.groups)
    m = nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=4, rng=0)
    x = gg.Value(rng.standard_normal((2, 4, 6, 6)))
    np.testing.assert_array_equal(m(x).numpy(), F.conv2d(x, m.weight, m.bias, 2, 1, 1, 4).numpy())


# ---------------------------------------------------------------- hostile input
def one_sentence(excinfo, *words):
    msg = str(excinfo.value)
    assert "\n" not in msg and msg.count(". ") == 0, msg
    for w in words:
        assert w in msg, msg


@pytest.mark.parametrize("call, exc, words", [
    (lambda: F.conv2d(np.ones((1, 6, 5, 5)), np.ones((4, 3, 3, 3)), groups=4), gg.ShapeError,
     ["conv2d", "groups=4", "6 channels"]),
    (lambda: F.conv2d(np.ones((1, 6, 5, 5)), np.ones((3, 2, 3, 3)), groups=2), gg.ShapeError,
     ["conv2d", "groups=2", "3 filters"]),
    (lambda: F.conv2d(np.ones((1, 3, 4, 4)), np.ones((2, 3, 7, 7)), padding=1), gg.ShapeError,
     ["conv2d", "kernel 7×7", "(6×6)"]),
    (lambda: F.conv2d(np.ones((1, 3, 4, 4)), np.ones((2, 3, 3, 3)), dilation=3), gg.ShapeError,
     ["conv2d", "dilation (3, 3)", "7×7"]),
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 4, 3, 3))), gg.ShapeError,
     ["conv2d", "3 channels", "(2, 4, 3, 3)"]),
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3))), gg.ShapeError, ["conv2d", "4-D"]),
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), groups=0), ValueError, ["conv2d", "groups"]),
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), stride=(1, 2, 3)), ValueError,
     ["conv2d", "stride", "2 ints"]),
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), padding=1.5), TypeError,
     ["conv2d", "padding", "1.5"]),
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), padding=(1, -1)), ValueError,
     ["conv2d", "padding", ">= 0"]),
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3), np.float32)), TypeError,
     ["conv2d", "float32", "float64"]),
    (lambda: F.conv1d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3))), gg.ShapeError, ["conv1d", "3-D", "(N, C, L)"]),
    (lambda: F.conv1d(np.ones((1, 3, 2)), np.ones((2, 3, 5))), gg.ShapeError, ["conv1d", "kernel 5", "(2)"]),
    (lambda: F.conv_transpose2d(np.ones((1, 4, 3, 3)), np.ones((4, 2, 3, 3)), stride=2, output_padding=2),
     ValueError, ["conv_transpose2d", "output_padding (2, 2)", "stride (2, 2)"]),
    (lambda: F.conv_transpose2d(np.ones((1, 4, 3, 3)), np.ones((3, 2, 3, 3))), gg.ShapeError,
     ["conv_transpose2d", "4 channels", "(3, 2, 3, 3)"]),
    (lambda: F.conv_transpose2d(np.ones((1, 3, 3, 3)), np.ones((3, 2, 3, 3)), groups=2), gg.ShapeError,
     ["conv_transpose2d", "groups=2", "3 channels"]),
    (lambda: F.conv_transpose2d(np.ones((1, 2, 1, 1)), np.ones((2, 2, 1, 1)), padding=1), gg.ShapeError,
     ["conv_transpose2d", "empty output"]),
    (lambda: F.max_pool2d(np.ones((1, 1, 4, 4)), 2, padding=2), ValueError, ["max_pool2d", "padding", "half"]),
    (lambda: F.max_pool2d(np.ones((1, 1, 4, 4)), 5), gg.ShapeError, ["max_pool2d", "5×5", "(1, 1, 4, 4)"]),
    (lambda: F.avg_pool2d(np.ones((1, 1, 4, 4)), (2, 0)), ValueError, ["avg_pool2d", "kernel_size"]),
    (lambda: F.avg_pool2d(np.ones((1, 1, 4, 4)), 2, divisor_override=0), ValueError, ["divisor_override"]),
    (lambda: F.max_pool2d(np.ones((1, 1, 4, 4)), 2, return_indices=True), ValueError, ["return_indices"]),
    (lambda: F.max_pool1d(np.ones((1, 4, 4, 4)), 2), gg.ShapeError, ["max_pool1d", "3-D"]),
    (lambda: nn.Conv2d(6, 4, 3, groups=4), ValueError, ["Conv2d", "groups=4", "in_channels=6"]),
    (lambda: nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=2), ValueError,
     ["ConvTranspose2d", "output_padding"]),
    (lambda: nn.MaxPool2d(2, return_indices=True), ValueError, ["MaxPool2d", "return_indices"]),
])
def test_hostile_input_gets_one_clear_sentence(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    one_sentence(info, *words)


# ---------------------------------------------------------------- second derivatives
from gradhelp import assert_double_backward  # noqa: E402


@pytest.mark.parametrize("kw", [dict(), dict(stride=(1, 2), padding=1, dilation=(2, 1), groups=2),
                                dict(stride=2, padding=(0, 1), groups=4)])
def test_conv2d_second_derivatives_match_torch(rng, kw):
    groups = kw.get("groups", 1)
    x, w, b = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 4 // groups, 2, 3)), rng.standard_normal(4)
    assert_double_backward(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw),
                           x, w, b)


def test_conv1d_second_derivatives_match_torch(rng):
    kw = dict(stride=2, padding=1, dilation=2, groups=2)
    x, w, b = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    assert_double_backward(lambda x, w, b: F.conv1d(x, w, b, **kw), lambda x, w, b: TF.conv1d(x, w, b, **kw),
                           x, w, b)


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1, output_padding=1, groups=2),
                                dict(stride=1, padding=0, output_padding=1, dilation=2)])
def test_conv_transpose2d_second_derivatives_match_torch(rng, kw):
    groups = kw.get("groups", 1)
    x, w, b = rng.standard_normal((2, 4, 3, 4)), rng.standard_normal((4, 4 // groups, 3, 2)), rng.standard_normal(4)
    assert_double_backward(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
                           lambda x, w, b: TF.conv_transpose2d(x, w, b, **kw), x, w, b)


@pytest.mark.parametrize("args", [(2,), (3, 2, 1, 1, True), ((2, 3), (1, 2), (1, 1), (2, 1), False)])
def test_max_pool2d_second_derivatives_match_torch(rng, args):
    x = rng.permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) * 0.1          # no ties
    assert_double_backward(lambda x: F.max_pool2d(x, *args), lambda x: TF.max_pool2d(x, *args), x)


@pytest.mark.parametrize("args", [(2,), (3, 2, 1, True, False), ((2, 3), (1, 2), (1, 1), True, True)])
def test_avg_pool2d_second_derivatives_match_torch(rng, args):
    x = rng.standard_normal((2, 2, 7, 6))
    assert_double_backward(lambda x: F.avg_pool2d(x, *args), lambda x: TF.avg_pool2d(x, *args), x)


def test_pool1d_second_derivatives_match_torch(rng):
    x = rng.permutation(2 * 3 * 9).reshape(2, 3, 9) * 0.1
    assert_double_backward(lambda x: F.max_pool1d(x, 3, 2, 1, 1, True), lambda x: TF.max_pool1d(x, 3, 2, 1, 1, True), x)
    assert_double_backward(lambda x: F.avg_pool1d(x, 3, 2, 1, True), lambda x: TF.avg_pool1d(x, 3, 2, 1, True), x)


def test_small_cnn_gradient_penalty_matches_torch(rng):
    # d/dθ |dL/dx|²: conv -> tanh -> max-pool -> conv_transpose -> avg-pool, every op's double backward at once
    x, w1, w2 = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((4, 2, 2, 2))

    def gg_net(x, w1, w2):
        h = F.max_pool2d(F.conv2d(x, w1, padding=1).tanh(), 2)
        return F.avg_pool2d(F.conv_transpose2d(h, w2, stride=2), 2, 1, 1)

    def t_net(x, w1, w2):
        h = TF.max_pool2d(TF.conv2d(x, w1, padding=1).tanh(), 2)
        return TF.avg_pool2d(TF.conv_transpose2d(h, w2, stride=2), 2, 1, 1)

    gx, gw1, gw2 = P(x), P(w1), P(w2)
    (dx,) = gg.grad(gg_net(gx, gw1, gw2).sum(), [gx], create_graph=True)
    (dx * dx).sum().backward()
    tx, tw1, tw2 = (torch.tensor(a, requires_grad=True) for a in (x, w1, w2))
    (tdx,) = torch.autograd.grad(t_net(tx, tw1, tw2).sum(), [tx], create_graph=True)
    (tdx * tdx).sum().backward()
    for a, t in ((gw1, tw1), (gw2, tw2)):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-9, atol=1e-12)


FUSED = {"conv2d", "conv1d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d"}


def _ops_under(v, stop) -> set:
    """The op names of the gradient graph between ``v`` and the Values in ``stop``."""
    seen, names, todo = {id(s) for s in stop}, set(), [v]
    while todo:
        u = todo.pop()
        if id(u) in seen or u.op is None:
            continue
        seen.add(id(u))
        names.add(u.op.name)
        todo.extend(u.inputs)
    return names


def test_create_graph_gradients_of_fused_ops_are_primitive_gates(rng):
    # a create_graph pass differentiates each fused op's expansion: the gradient graph holds
    # pad / slice / stack / matmul / gather gates in the op's ∂ group, and no fused node
    x, w = P(rng.standard_normal((1, 2, 5, 5))), P(rng.standard_normal((3, 2, 3, 3)))
    y, x1 = P(rng.standard_normal((1, 3, 3, 3))), P(rng.standard_normal((2, 2, 7)))
    w1 = P(rng.standard_normal((3, 2, 2)))
    cases = [(F.conv2d(x, w, padding=1), [x, w], "∂conv2d"),
             (F.conv1d(x1, w1, stride=2), [x1, w1], "∂conv1d"),
             (F.conv_transpose2d(y, w, stride=2), [y, w], "∂conv_transpose2d"),
             (F.avg_pool2d(x, 2, 1, 1), [x], "∂avg_pool2d"),
             (F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [x], "∂max_pool2d"),
             (F.max_pool1d(x1, 2), [x1], "∂max_pool1d")]
    for out, ins, grp in cases:
        up = P(rng.standard_normal(out.shape))           # a Value upstream: the gradients depend on it
        grads = gg.grad(out, ins, grad_outputs=up, create_graph=True)
        for g in grads:
            names = _ops_under(g, [*ins, up])
            assert not names & FUSED, (grp, names)
            assert names and grp in g.group, (grp, g.group)


# ---------------------------------------------------------------- properties against PyTorch
hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies
pair = st.tuples


@hypothesis.settings(max_examples=30, deadline=None)
@hypothesis.given(g=st.sampled_from([1, 2, 3]), cg=st.integers(1, 2), fg=st.integers(1, 2),
                  hw=pair(st.integers(1, 7), st.integers(1, 7)), k=pair(st.integers(1, 3), st.integers(1, 3)),
                  s=pair(st.integers(1, 3), st.integers(1, 3)), p=pair(st.integers(0, 2), st.integers(0, 2)),
                  d=pair(st.integers(1, 2), st.integers(1, 2)), bias=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_conv2d_and_its_transpose_match_torch_for_any_arguments(g, cg, fg, hw, k, s, p, d, bias, seed):
    hypothesis.assume(all(di * (ki - 1) + 1 <= n + 2 * pi for di, ki, n, pi in zip(d, k, hw, p)))
    r = np.random.default_rng(seed)
    x, w = r.standard_normal((2, g * cg) + hw), r.standard_normal((g * fg, cg) + k)
    arrays = (x, w, r.standard_normal(g * fg)) if bias else (x, w)
    kw = dict(stride=s, padding=p, dilation=d, groups=g)
    vs_torch(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), *arrays, seed=seed)
    # the transpose of the same weight: (C_in = g·fg, C_out/g = cg), any legal output_padding
    op = tuple(int(r.integers(0, max(si, di))) for si, di in zip(s, d))
    y = r.standard_normal((2, g * fg) + hw)
    size = [(n - 1) * si - 2 * pi + di * (ki - 1) + oi + 1 for n, si, pi, di, ki, oi in zip(hw, s, p, d, k, op)]
    hypothesis.assume(min(size) >= 1)
    tkw = dict(stride=s, padding=p, output_padding=op, groups=g, dilation=d)
    arrays = (y, w, r.standard_normal(g * cg)) if bias else (y, w)
    vs_torch(lambda *a: F.conv_transpose2d(*a, **tkw), lambda *a: TF.conv_transpose2d(*a, **tkw), *arrays, seed=seed)


def _every_window_meets_the_input(n, k, s, p, d, ceil):
    # PyTorch 2.x writes out of bounds (a crash) in max_pool2d's backward for a dilated window
    # that holds only padding; graphgrad gives such a window -inf and no gradient
    return all(any(0 <= o * s - p + i * d < n for i in range(k)) for o in range(C.pool_out_size(n, k, s, p, d, ceil)))


@hypothesis.settings(max_examples=30, deadline=None)
@hypothesis.given(hw=pair(st.integers(1, 8), st.integers(1, 8)), k=pair(st.integers(1, 3), st.integers(1, 3)),
                  s=pair(st.integers(1, 3), st.integers(1, 3)), p=pair(st.integers(0, 1), st.integers(0, 1)),
                  d=pair(st.integers(1, 2), st.integers(1, 2)), ceil=st.booleans(), incl=st.booleans(),
                  seed=st.integers(0, 2**31 - 1))
def test_pooling_matches_torch_for_any_arguments(hw, k, s, p, d, ceil, incl, seed):
    r = np.random.default_rng(seed)
    x = r.permutation(2 * 2 * hw[0] * hw[1]).reshape((2, 2) + hw) * 0.5        # no ties
    span = [di * (ki - 1) + 1 for di, ki in zip(d, k)]
    if all(pi <= si // 2 for pi, si in zip(p, span)) and all(
            C.pool_out_size(n, ki, si, pi, di, ceil) >= 1 and _every_window_meets_the_input(n, ki, si, pi, di, ceil)
            for n, ki, si, pi, di in zip(hw, k, s, p, d)):
        vs_torch(lambda x: F.max_pool2d(x, k, s, p, d, ceil), lambda x: TF.max_pool2d(x, k, s, p, d, ceil), x)
    if all(pi <= ki // 2 for pi, ki in zip(p, k)) and all(
            C.pool_out_size(n, ki, si, pi, 1, ceil) >= 1 for n, ki, si, pi in zip(hw, k, s, p)):
        vs_torch(lambda x: F.avg_pool2d(x, k, s, p, ceil, incl), lambda x: TF.avg_pool2d(x, k, s, p, ceil, incl), x)
