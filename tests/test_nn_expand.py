"""Second derivatives of the fused nn ops through their expansions (issue 27: "fused nn ops get
their second derivative by differentiating their expanded graph, not a second hand-written
backward"). A create_graph pass rebuilds a fused op's forward from primitive gates
(``Op.expand``) on the node's input Values and differentiates that; the plain pass keeps the
fused numpy backward. Every op against PyTorch float64 (first derivative, second derivative
w.r.t. every input and the upstream, and gradgradcheck), a third derivative, the mechanism on
a user's op, and what it must never do (run in a plain pass, lose an outer pending sum)."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.nn.ops import conv as C
from graphgrad.nn import functional as F
from gradhelp import assert_double_backward

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.fixture
def rng():
    return np.random.default_rng(27)


def P(a):
    return gg.Value(np.asarray(a, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------- conv
CONV = [dict(stride=1, padding=0, dilation=1, groups=1),
        dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
        dict(stride=(1, 3), padding=(2, 0), dilation=(2, 1), groups=3)]


@pytest.mark.parametrize("at", CONV)
@pytest.mark.parametrize("bias", [False, True])
def test_conv2d_second_derivatives_match_torch(rng, at, bias):
    g = at["groups"]
    x, w = rng.standard_normal((2, 2 * g, 7, 6)), rng.standard_normal((2 * g, 2, 3, 2))
    arrays = (x, w, rng.standard_normal(2 * g)) if bias else (x, w)
    assert_double_backward(lambda *a: F.conv2d(*a, **at), lambda *a: TF.conv2d(*a, **at), *arrays)


@pytest.mark.parametrize("s,p,d,g", [(1, 0, 1, 1), (2, 1, 2, 2), (3, 2, 1, 2)])
def test_conv1d_second_derivatives_match_torch(rng, s, p, d, g):
    x, w, b = rng.standard_normal((2, 2 * g, 9)), rng.standard_normal((3 * g, 2, 3)), rng.standard_normal(3 * g)
    assert_double_backward(lambda x, w, b: F.conv1d(x, w, b, s, p, d, g),
                           lambda x, w, b: TF.conv1d(x, w, b, s, p, d, g), x, w, b)


TRANSPOSE = [dict(stride=1, padding=0, output_padding=0, groups=1, dilation=1),
             dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=2, dilation=(1, 2)),
             dict(stride=(3, 2), padding=(2, 1), output_padding=(2, 1), groups=1, dilation=1),
             # padding beyond dilation·(k - 1): the expansion crops instead of padding
             dict(stride=2, padding=(3, 2), output_padding=(1, 0), groups=2, dilation=(1, 1))]


@pytest.mark.parametrize("at", TRANSPOSE)
def test_conv_transpose2d_second_derivatives_match_torch(rng, at):
    g = at["groups"]
    y, w, b = rng.standard_normal((2, 2 * g, 4, 4)), rng.standard_normal((2 * g, 3, 3, 2)), rng.standard_normal(3 * g)
    assert_double_backward(lambda y, w, b: F.conv_transpose2d(y, w, b, **at),
                           lambda y, w, b: TF.conv_transpose2d(y, w, b, **at), y, w, b)


# ---------------------------------------------------------------- pooling
POOL = [(2, None, 0, 1, False), (3, 2, 1, 1, True), ((2, 3), (2, 1), (1, 1), (2, 1), True), (3, 3, 1, 1, True)]


@pytest.mark.parametrize("k,s,p,d,ceil", POOL)
def test_max_pool2d_second_derivatives_match_torch(rng, k, s, p, d, ceil):
    x = rng.standard_normal((2, 3, 7, 8))
    assert_double_backward(lambda x: F.max_pool2d(x, k, s, p, d, ceil).tanh(),
                           lambda x: TF.max_pool2d(x, k, s, p, d, ceil).tanh(), x)


@pytest.mark.parametrize("k,s,p,ceil,count_pad,div", [(2, None, 0, False, True, None), (3, 2, 1, True, False, None),
                                                       ((2, 3), (2, 1), (1, 1), True, True, None),
                                                       (3, 2, 1, False, True, 5)])
def test_avg_pool2d_second_derivatives_match_torch(rng, k, s, p, ceil, count_pad, div):
    x = rng.standard_normal((2, 3, 7, 8))
    assert_double_backward(lambda x: F.avg_pool2d(x, k, s, p, ceil, count_pad, div).tanh(),
                           lambda x: TF.avg_pool2d(x, k, s, p, ceil, count_pad, div).tanh(), x)


def test_1d_pooling_second_derivatives_match_torch(rng):
    x = rng.standard_normal((2, 3, 9))
    assert_double_backward(lambda x: F.max_pool1d(x, 3, 2, 1, 2, True).tanh(),
                           lambda x: TF.max_pool1d(x, 3, 2, 1, 2, True).tanh(), x)
    assert_double_backward(lambda x: F.avg_pool1d(x, 3, 2, 1, True, False).tanh(),
                           lambda x: TF.avg_pool1d(x, 3, 2, 1, True, False).tanh(), x)


# ---------------------------------------------------------------- batch norm
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 3)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_second_derivatives_match_torch(rng, shape, training):
    x, gamma, beta = rng.standard_normal(shape) * 2 + 1, rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    assert_double_backward(
        lambda x, g, b: F.batch_norm(x, rm.copy(), rv.copy(), g, b, training=training, eps=1e-3),
        lambda x, g, b: TF.batch_norm(x, torch.tensor(rm), torch.tensor(rv), g, b, training=training, eps=1e-3),
        x, gamma, beta)


# ---------------------------------------------------------------- losses
def _labels(rng, shape, c, ignore):
    y = rng.integers(0, c, shape)
    y.reshape(-1)[::3] = ignore
    return y


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_second_derivatives_match_torch(rng, reduction):
    s, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    assert_double_backward(lambda s: F.cross_entropy(s, y, reduction=reduction),
                           lambda s: TF.cross_entropy(s, torch.tensor(y), reduction=reduction), s)
    s3, y3, w = rng.standard_normal((3, 4, 2)), _labels(rng, (3, 2), 4, 2), rng.uniform(0.5, 2.0, 4)
    assert_double_backward(
        lambda s: F.cross_entropy(s, y3, w, ignore_index=2, label_smoothing=0.1, reduction=reduction),
        lambda s: TF.cross_entropy(s, torch.tensor(y3), torch.tensor(w), ignore_index=2, label_smoothing=0.1,
                                   reduction=reduction), s3)
    t = rng.uniform(size=(3, 4, 2))
    assert_double_backward(lambda s: F.cross_entropy(s, t, w, reduction=reduction),
                           lambda s: TF.cross_entropy(s, torch.tensor(t), torch.tensor(w), reduction=reduction), s3)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_second_derivatives_match_torch(rng, reduction):
    x, y, w = rng.standard_normal((3, 4, 2)), _labels(rng, (3, 2), 4, 1), rng.uniform(0.5, 2.0, 4)
    assert_double_backward(lambda x: F.nll_loss(x.tanh(), y, w, ignore_index=1, reduction=reduction),
                           lambda x: TF.nll_loss(x.tanh(), torch.tensor(y), torch.tensor(w), ignore_index=1,
                                                 reduction=reduction), x)


def test_all_ignored_targets_give_a_nan_loss_and_a_zero_second_derivative(rng):
    s, u = P(rng.standard_normal((3, 4))), P(1.5)
    for loss in (F.cross_entropy(s, [1, 1, 1], ignore_index=1), F.nll_loss(s, [1, 1, 1], ignore_index=1)):
        assert np.isnan(loss.item())
        (g,) = gg.grad(loss, [s], grad_outputs=u, create_graph=True)
        assert np.array_equal(g.numpy(), np.zeros((3, 4)))
        for h in gg.grad((g * g).sum() + g.sum(), [s, u], allow_unused=True):
            assert h is None or not np.any(h)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropies_second_derivatives_match_torch(rng, reduction):
    x, t = rng.standard_normal((3, 4)) * 2, rng.uniform(size=(3, 4))
    w, pw = rng.uniform(0.5, 2, 4), rng.uniform(0.5, 2, 4)
    x[0, 0] = 0.0
    for pos in (None, pw):
        tpos = None if pos is None else torch.tensor(pos)
        assert_double_backward(
            lambda x, t: F.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pos),
            lambda x, t: TF.binary_cross_entropy_with_logits(x, t, torch.tensor(w), reduction=reduction,
                                                             pos_weight=tpos), x, t)
    p = rng.uniform(0.1, 0.9, (3, 4))
    assert_double_backward(lambda p, t: F.binary_cross_entropy(p, t, w, reduction=reduction),
                           lambda p, t: TF.binary_cross_entropy(p, t, torch.tensor(w), reduction=reduction), p, t)


@pytest.mark.parametrize("by_classes", [False, True])
def test_multi_margin_second_derivatives_match_its_definition_in_torch(rng, by_classes):
    # torch has no double backward for multi_margin_loss: its definition from torch ops
    s, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    fn = F.multi_margin_loss if by_classes else F.svm_loss
    assert_double_backward(lambda s: fn(s ** 2, y), lambda s: _margins(s ** 2, y, by_classes), s)


def _margins(s, y, by_classes):
    m = (1.0 - s.gather(1, torch.tensor(y)[:, None]) + s).clamp(min=0)
    m = m * (1 - TF.one_hot(torch.tensor(y), 4).to(torch.float64))
    return m.sum() / (5 * (4 if by_classes else 1))


# ---------------------------------------------------------------- third derivatives, mixed graphs
def test_third_derivative_through_conv_pool_and_batch_norm_matches_torch(rng):
    x, w = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))

    def net(F_, x, w, bn):
        h = F_.max_pool2d(F_.conv2d(x, w, padding=1).tanh(), 2)
        return bn(F_.avg_pool2d(h, 2, 1, 1)).tanh().sum()

    gx, gw = P(x), P(w)
    tx, tw = (torch.tensor(a, requires_grad=True) for a in (x, w))
    (g1,) = gg.grad(net(F, gx, gw, lambda h: F.batch_norm(h, training=True)), [gx], create_graph=True)
    (g2,) = gg.grad((g1 * g1).sum(), [gw], create_graph=True)
    (g3,) = gg.grad((g2 ** 2).sum(), [gx])
    # torch's fused batch_norm is not right at third order (it disagrees with torch's own
    # composite by a few percent): the reference is batch norm from torch ops
    (t1,) = torch.autograd.grad(net(TF, tx, tw, _torch_batch_norm), [tx], create_graph=True)
    (t2,) = torch.autograd.grad((t1 * t1).sum(), [tw], create_graph=True)
    (t3,) = torch.autograd.grad((t2 ** 2).sum(), [tx])
    np.testing.assert_allclose(g2.numpy(), t2.detach().numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(g3, t3.numpy(), rtol=1e-7, atol=1e-10)


def _torch_batch_norm(h):
    xc = h - h.mean(dim=(0, 2, 3), keepdim=True)
    return xc / ((xc ** 2).mean(dim=(0, 2, 3), keepdim=True) + 1e-5).sqrt()


def test_an_input_used_elsewhere_keeps_its_pending_gradient(rng):
    # the expansion's pass sets aside the outer pass's partial sum on the op's input, both orders
    x = rng.standard_normal((1, 2, 4, 4))
    assert_double_backward(lambda x: F.avg_pool2d(x, 1) * x + x.tanh(), lambda x: TF.avg_pool2d(x, 1) * x + x.tanh(), x)
    assert_double_backward(lambda x: x.tanh() + x * F.max_pool2d(x, 1), lambda x: x.tanh() + x * TF.max_pool2d(x, 1), x)


def test_plain_pass_never_builds_an_expansion_and_create_graph_always_does(monkeypatch, rng):
    calls = []
    real = C.Conv2d.expand

    def spy(self, ctx):
        calls.append(ctx.inputs[0].shape)
        return real(self, ctx)
    monkeypatch.setattr(C.Conv2d, "expand", spy)
    x, w = P(rng.standard_normal((1, 2, 5, 5))), P(rng.standard_normal((3, 2, 3, 3)))
    F.conv2d(x, w).tanh().sum().backward()
    assert calls == []
    gg.grad(F.conv2d(x, w).tanh().sum(), [x], create_graph=True)
    assert calls == [(1, 2, 5, 5)]


def test_deep_chain_of_fused_ops_in_a_create_graph_pass(rng):
    x = P(rng.standard_normal((1, 1, 4)))
    w = P(np.array([[[1.0001]]]))
    y = x
    for _ in range(3000):
        y = F.conv1d(y, w)
    (g,) = gg.grad((y * y).sum(), [x], create_graph=True)        # 2·w^6000·x
    (h,) = gg.grad(g.sum(), [w])
    c = 1.0001 ** 6000
    np.testing.assert_allclose(g.numpy(), 2 * c * x.numpy(), rtol=1e-9)
    np.testing.assert_allclose(h, [[[2 * 6000 * c / 1.0001 * x.numpy().sum()]]], rtol=1e-8)


# ---------------------------------------------------------------- the mechanism on a user's op
class Cube(gg.Op):
    """x³ with a numpy-only backward (once differentiable) and an expansion x·x·x."""

    name = "cube"

    def forward(self, a):
        return a ** 3, None

    def backward(self, ctx, g):
        return (g * 3 * np.asarray(ctx.inputs[0]) ** 2,)


class Mul(gg.Op):
    name = "mul3"

    def forward(self, a, b):
        return a * b, None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        return g * b, g * a

    def expand(self, ctx):
        a, b = ctx.inputs
        return a * b


def test_a_users_op_with_an_expansion_double_differentiates_and_without_refuses(rng):
    a = rng.standard_normal(4)
    x = P(a)
    with pytest.raises(gg.BackwardError, match=r"'cube' is once differentiable.*expand\(ctx\)"):
        gg.grad(gg.apply(Cube(), x).sum(), [x], create_graph=True)

    class Expanded(Cube):
        def expand(self, ctx):
            (v,) = ctx.inputs
            return v * v * v
    (g,) = gg.grad(gg.apply(Expanded(), x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.numpy(), 3 * a ** 2)
    (h,) = gg.grad(g.sum(), [x])
    np.testing.assert_allclose(h, 6 * a)
    # the same Value as both inputs: its two gradients are summed once, not twice
    (g,) = gg.grad(gg.apply(Mul(), x, x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.numpy(), 2 * a)
    np.testing.assert_allclose(gg.grad(g.sum(), [x])[0], 2 * np.ones(4))


def test_an_expansion_of_the_wrong_shape_is_one_clear_error(rng):
    class Wrong(Cube):
        name = "wrong"

        def expand(self, ctx):
            return ctx.inputs[0].sum()
    x = P(rng.standard_normal(3))
    with pytest.raises(gg.BackwardError, match=r"wrong: expand\(\) must rebuild the node's output as a Value of "
                                               r"shape \(3,\), dtype float64; got shape \(\), dtype float64"):
        gg.grad(gg.apply(Wrong(), x).sum(), [x], create_graph=True)
    assert x._g is None                       # no partial sum left behind


def test_float32_keeps_its_dtype_through_an_expansion(rng):
    x = gg.Value(rng.standard_normal((1, 2, 5, 5)).astype(np.float32), requires_grad=True)
    w = gg.Value(rng.standard_normal((3, 2, 3, 3)).astype(np.float32), requires_grad=True)
    dx, dw = gg.grad(F.max_pool2d(F.conv2d(x, w, padding=1), 2).sum(), [x, w], create_graph=True)
    assert dx.dtype == dw.dtype == np.float32


def test_every_fused_nn_op_has_one_way_to_a_second_derivative():
    # an expansion (differentiated by the create_graph pass) or a backward that runs on Values
    # (twice_differentiable), never both (two definitions) and never neither (once differentiable)
    import importlib
    import pkgutil
    from graphgrad.nn import ops as nn_ops
    mods = [importlib.import_module(f"graphgrad.nn.ops.{m.name}") for m in pkgutil.iter_modules(nn_ops.__path__)]
    assert {"conv", "pool", "norm", "loss", "activation"} <= {m.__name__.rsplit(".", 1)[1] for m in mods}
    ops = {cls for mod in mods for cls in vars(mod).values()
           if isinstance(cls, type) and issubclass(cls, gg.Op) and cls is not gg.Op and cls.__module__ == mod.__name__
           and getattr(cls, "name", "op") != "op"}
    expanded = {cls.__name__ for cls in ops if cls.expand is not None}
    assert expanded == {"Conv2d", "Conv1d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "MaxPool1d", "AvgPool1d",
                        "BatchNorm", "SoftmaxCrossEntropy", "NLLLoss", "MultiMargin", "BinaryCrossEntropyWithLogits"}
    for cls in ops:
        assert (cls.expand is not None) != bool(cls.twice_differentiable), cls.__name__


def test_leaky_relu_of_a_scalar_value_double_differentiates():
    # was: 'bool' object has no attribute 'astype' (its df ran on a 0-d Value in the graph pass)
    import graphgrad.nn.functional as F
    for x0, want_g, want_h in [(-2.0, 2 * 0.1 * -2.0, 2 * 0.1), (3.0, 2 * 3.0, 2.0)]:
        x = gg.Value(x0, requires_grad=True)
        (g,) = gg.grad(F.leaky_relu(x, 0.1) * x, x, create_graph=True)
        (h,) = gg.grad(g, x)
        assert abs(float(g) - want_g) < 1e-12 and abs(float(h) - want_h) < 1e-12
    xs = gg.Value(np.array([-2.0, 3.0]), requires_grad=True)
    assert gg.gradgradcheck(lambda x: F.leaky_relu(x, 0.1) * x, xs)
