"""Gradients of gradients: create_graph passes, graphgrad.grad, gradgradcheck, numpy on Values.

Every op family's second derivative is compared with PyTorch float64
(``torch.autograd.grad(..., create_graph=True)`` twice), through the upstream gradient
too, and checked numerically with gg.gradgradcheck.
"""
import numpy as np
import pytest
import torch

import torch.nn.functional as TF

import graphgrad as gg
import graphgrad.nn.functional as F
from gradhelp import assert_double_backward


def _dropout_mask():
    """graphgrad's dropout mask for this rng, read off a forward of ones (scale included)."""
    return F.dropout(gg.Value(np.ones((3, 4))), 0.5, rng=np.random.default_rng(1)).numpy()

R = np.random.default_rng(0)
A34 = R.standard_normal((3, 4))
B4 = R.standard_normal(4)
B14 = R.standard_normal((1, 4))
POS = R.uniform(0.5, 2.0, (3, 4))

# (name, graphgrad fn, torch fn, inputs): each op family, tensors and broadcasting
CASES = [
    ("add", lambda a, b: (a + b) * a, lambda a, b: (a + b) * a, (A34, B4)),
    ("sub", lambda a, b: (a - b) * b, lambda a, b: (a - b) * b, (A34, B14)),
    ("mul", lambda a, b: a * b * a, lambda a, b: a * b * a, (A34, B4)),
    ("x*x", lambda a: a * a, lambda a: a * a, (A34,)),
    ("div", lambda a, b: a / b, lambda a, b: a / b, (A34, POS)),
    ("pow", lambda a, b: a ** b, lambda a, b: a ** b, (POS, A34)),
    ("pow const", lambda a: a ** 3 + a ** 0.5 * 0, lambda a: a ** 3 + a ** 0.5 * 0, (POS,)),
    ("pow 2", lambda a: a ** 2, lambda a: a ** 2, (A34,)),
    ("neg", lambda a: -a * a, lambda a: -a * a, (A34,)),
    ("exp", lambda a: a.exp(), lambda a: a.exp(), (A34,)),
    ("log", lambda a: a.log(), lambda a: a.log(), (POS,)),
    ("sqrt", lambda a: a.sqrt(), lambda a: a.sqrt(), (POS,)),
    ("abs", lambda a: a.abs() * a, lambda a: a.abs() * a, (A34,)),
    ("tanh", lambda a: a.tanh(), lambda a: a.tanh(), (A34,)),
    ("sigmoid", lambda a: a.sigmoid(), lambda a: a.sigmoid(), (A34,)),
    ("relu", lambda a: a.relu() * a, lambda a: a.relu() * a, (A34,)),
    ("clip", lambda a: a.clip(-0.5, 0.5) * a, lambda a: a.clamp(-0.5, 0.5) * a, (A34,)),
    ("maximum", lambda a, b: gg.maximum(a, b) * a, lambda a, b: torch.maximum(a, b) * a, (A34, B4)),
    ("minimum", lambda a, b: gg.minimum(a, b) * b, lambda a, b: torch.minimum(a, b) * b, (A34, B4)),
    ("where", lambda a, b: gg.where(A34 > 0, a * a, b * a), lambda a, b: torch.where(torch.tensor(A34 > 0), a * a, b * a),
     (A34, B4)),
    ("matmul 2d", lambda a, b: (a @ b).tanh(), lambda a, b: (a @ b).tanh(), (A34, R.standard_normal((4, 2)))),
    ("matmul vec", lambda a, b: (a @ b) ** 2, lambda a, b: (a @ b) ** 2, (A34, B4)),
    ("matmul batch", lambda a, b: (a @ b).sigmoid(), lambda a, b: (a @ b).sigmoid(),
     (R.standard_normal((2, 3, 4)), R.standard_normal((4, 5)))),
    ("sum axis", lambda a: a.sum(axis=0) ** 2, lambda a: a.sum(0) ** 2, (A34,)),
    ("sum all", lambda a: a.sum() ** 3, lambda a: a.sum() ** 3, (A34,)),
    ("mean keepdims", lambda a: a * a.mean(axis=-1, keepdims=True), lambda a: a * a.mean(-1, keepdim=True), (A34,)),
    ("max", lambda a: a.max(axis=1) ** 2, lambda a: a.amax(1) ** 2, (A34,)),
    ("min all", lambda a: a.min() * a, lambda a: a.amin() * a, (A34,)),
    ("reshape", lambda a: a.reshape(2, 6).tanh(), lambda a: a.reshape(2, 6).tanh(), (A34,)),
    ("transpose", lambda a: a.T.exp() * a.T, lambda a: a.T.exp() * a.T, (A34,)),
    ("getitem basic", lambda a: a[1:, ::2] ** 3, lambda a: a[1:, ::2] ** 3, (A34,)),
    ("getitem repeated", lambda a: a[[0, 0, 2]] ** 3, lambda a: a[[0, 0, 2]] ** 3, (A34,)),
    ("concatenate", lambda a, b: gg.concatenate([a, b], axis=0) ** 2, lambda a, b: torch.cat([a, b], 0) ** 2,
     (A34, B14)),
    ("stack", lambda a, b: gg.stack([a, b * a], axis=1) ** 2, lambda a, b: torch.stack([a, b * a], 1) ** 2,
     (A34, A34.copy())),
    ("pad", lambda a: gg.pad(a, 1) ** 3, lambda a: torch.nn.functional.pad(a, (1, 1, 1, 1)) ** 3, (A34,)),
    ("broadcast_to", lambda a: a.broadcast_to(3, 4) * a, lambda a: a.expand(3, 4) * a, (B14,)),
    ("leaky_relu", lambda a: F.leaky_relu(a, 0.1) * a, lambda a: TF.leaky_relu(a, 0.1) * a, (A34,)),
    ("elu", lambda a: F.elu(a, 0.7) * a, lambda a: TF.elu(a, 0.7) * a, (A34,)),
    ("prelu", lambda a, w: F.prelu(a, w) * a, lambda a, w: TF.prelu(a, w) * a,
     (R.standard_normal((3, 4, 2)), np.array([0.2, 0.3, -0.1, 0.5]))),
    ("dropout", lambda a: F.dropout(a, 0.5, rng=np.random.default_rng(1)) * a,
     lambda a: a * torch.tensor(_dropout_mask()) * a, (A34,)),
    ("linear", lambda x, w, b: F.linear(x, w, b).tanh(), lambda x, w, b: TF.linear(x, w.T, b).tanh(),
     (A34, R.standard_normal((4, 2)), R.standard_normal(2))),
    ("float scalars", lambda a, b: (a * b + a.exp()) / b, lambda a, b: (a * b + a.exp()) / b,
     (np.array(0.3), np.array(1.7))),
]


@pytest.mark.parametrize("name,fn,tfn,inputs", CASES, ids=[c[0] for c in CASES])
def test_second_derivatives_match_pytorch(name, fn, tfn, inputs):
    assert_double_backward(fn, tfn, *inputs)


def test_float_fast_path_scalars_get_second_derivatives():
    x = gg.Value(0.7, requires_grad=True)
    y = x * x * x + (x * 2.0).tanh()
    (g,) = gg.grad(y, x, create_graph=True)
    (h,) = gg.grad(g, x)
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(t ** 3 + (2 * t).tanh(), t, create_graph=True)
    (th,) = torch.autograd.grad(tg, t)
    assert abs(g.item() - tg.item()) < 1e-12 and abs(float(h) - th.item()) < 1e-12


def test_hessian_vector_product_of_a_two_layer_net_equals_pytorch():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    W1, b1, W2, b2 = (rng.standard_normal(s) * 0.5 for s in [(4, 6), (6,), (6, 3), (3,)])
    vs = [rng.standard_normal(p.shape) for p in (W1, b1, W2, b2)]

    def loss_gg(W1, b1, W2, b2):
        h = (X @ W1 + b1).tanh()
        s = h @ W2 + b2
        s = s - s.max(axis=1, keepdims=True)
        logp = s - s.exp().sum(axis=1, keepdims=True).log()
        return -logp[np.arange(5), y].mean() + 0.1 * (W1 * W1).sum()

    def loss_t(W1, b1, W2, b2):
        h = torch.tanh(torch.tensor(X) @ W1 + b1)
        return torch.nn.functional.cross_entropy(h @ W2 + b2, torch.tensor(y)) + 0.1 * (W1 * W1).sum()

    ps = [gg.Value(p, requires_grad=True) for p in (W1, b1, W2, b2)]
    gs = gg.grad(loss_gg(*ps), ps, create_graph=True)
    hv = gg.grad(sum((g * v).sum() for g, v in zip(gs, vs)), ps)
    tp = [torch.tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]
    tg = torch.autograd.grad(loss_t(*tp), tp, create_graph=True)
    thv = torch.autograd.grad(sum((g * torch.tensor(v)).sum() for g, v in zip(tg, vs)), tp)
    for a, b in zip(hv, thv):
        assert gg.rel_error(a, b.numpy()) < 1e-9


def test_backward_create_graph_fills_grad_value_and_a_gradient_penalty_trains():
    x = gg.Value(np.array([1.0, -2.0]), requires_grad=True)
    w = gg.Value(np.array([0.5, 1.5]), requires_grad=True)
    out = ((w * x) ** 2).sum()
    out.backward(create_graph=True)
    assert isinstance(x.grad_value, gg.Value)
    np.testing.assert_allclose(x.grad, x.grad_value.numpy())
    np.testing.assert_allclose(x.grad, 2 * w.numpy() ** 2 * x.numpy())
    gx = x.grad_value                            # zero_grad forgets grad_value too (as torch's .grad)
    x.zero_grad(), w.zero_grad()
    assert x.grad_value is None
    penalty = (gx ** 2).sum()                    # a gradient penalty, differentiated again
    penalty.backward()
    tx = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    tw = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    (tgx,) = torch.autograd.grad(((tw * tx) ** 2).sum(), tx, create_graph=True)
    (tgx ** 2).sum().backward()
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


def test_third_derivative():
    x = gg.Value(1.3, requires_grad=True)
    (d1,) = gg.grad(x.sin() if hasattr(x, "sin") else x.tanh(), x, create_graph=True)
    (d2,) = gg.grad(d1, x, create_graph=True)
    (d3,) = gg.grad(d2, x)
    t = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    f = t.sin() if hasattr(x, "sin") else t.tanh()
    (t1,) = torch.autograd.grad(f, t, create_graph=True)
    (t2,) = torch.autograd.grad(t1, t, create_graph=True)
    (t3,) = torch.autograd.grad(t2, t)
    assert abs(float(d3) - t3.item()) < 1e-12


def test_grad_does_not_touch_dot_grad_and_matches_backward():
    a = gg.Value(A34, requires_grad=True)
    out = (a.tanh() * a).sum()
    (g,) = gg.grad(out, a, retain_graph=True)
    assert a.grad is None
    out.backward()
    np.testing.assert_allclose(g, a.grad)


def test_grad_of_several_outputs_and_intermediate_inputs():
    a = gg.Value(A34, requires_grad=True)
    h = a.exp()
    o1, o2 = h.sum(), (h * a).sum()
    ga, gh = gg.grad([o1, o2], [a, h])
    t = torch.tensor(A34, requires_grad=True)
    th = t.exp()
    tga, tgh = torch.autograd.grad([th.sum(), (th * t).sum()], [t, th])
    np.testing.assert_allclose(ga, tga.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gh, tgh.numpy(), rtol=1e-12)


def test_grad_errors_are_one_clear_sentence():
    a = gg.Value(A34, requires_grad=True)
    b = gg.Value(B4, requires_grad=True)
    out = (a * 2).sum()
    with pytest.raises(gg.BackwardError, match=r"inputs\[1\].*not used.*allow_unused=True"):
        gg.grad(out, [a, b], retain_graph=True)
    assert gg.grad(out, [a, b], allow_unused=True, retain_graph=True)[1] is None
    with pytest.raises(gg.BackwardError, match=r"shape \(3, 4\); pass grad_outputs"):
        gg.grad(a * 2, a)
    with pytest.raises(gg.BackwardError, match=r"grad_outputs\[0\] has shape \(4,\)"):
        gg.grad(a * 2, a, grad_outputs=np.ones(4))
    with pytest.raises(gg.BackwardError, match="does not require grad"):
        gg.grad(out, gg.Value(B4))
    with pytest.raises(TypeError, match=r"inputs\[0\] is a ndarray"):
        gg.grad(out, [A34])


def test_an_op_not_written_for_create_graph_says_once_differentiable():
    class Cube(gg.Op):
        name = "cube"

        def forward(self, a):
            return a ** 3, None

        def backward(self, ctx, g):
            return (g * 3 * ctx.inputs[0] ** 2,)

    x = gg.Value(B4, requires_grad=True)
    y = gg.apply(Cube(), x).sum()
    with pytest.raises(gg.BackwardError, match="'cube' is once differentiable.*twice_differentiable = True"):
        gg.grad(y, x, create_graph=True)
    Cube.twice_differentiable = True             # its backward happens to run on Values
    (g,) = gg.grad(y, x, create_graph=True)
    (h,) = gg.grad(g.sum(), x)
    np.testing.assert_allclose(h, 6 * B4)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class Bad(gg.Op):
        name, twice_differentiable = "bad", True

        def forward(self, a):
            return a ** 3, None

        def backward(self, ctx, g):
            # right first derivative, but computed from the raw data: the second is lost
            a = ctx.inputs[0]
            raw = a.numpy() if isinstance(a, gg.Value) else a
            return (g * 3 * raw ** 2,)

    x = gg.Value(B4, requires_grad=True)
    assert gg.gradcheck(lambda x: gg.apply(Bad(), x), x)
    with pytest.raises(gg.GradcheckError):
        gg.gradgradcheck(lambda x: gg.apply(Bad(), x), x)


def test_create_graph_hooks_get_values_and_can_replace_the_gradient():
    x = gg.Value(B4, requires_grad=True)
    y = x * x
    seen = []
    y.register_hook(lambda g: seen.append(type(g)) or g * 2)
    (g,) = gg.grad(y.sum(), x, create_graph=True)
    assert seen == [gg.Value]
    np.testing.assert_allclose(g.numpy(), 4 * B4)
    (h,) = gg.grad(g.sum(), x)
    np.testing.assert_allclose(h, 4 * np.ones(4))


def test_the_gradient_graph_is_a_graph_with_one_group_per_gate():
    x = gg.Value(0.5, requires_grad=True, name="x")
    y = (x * x).tanh()
    (g,) = gg.grad(y, x, create_graph=True)
    groups = set()
    stack, seen = [g], set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        groups.update(v.group)
        stack.extend(v.inputs)
    assert {"∂tanh", "∂mul"} <= groups


def test_create_graph_pass_refuses_data_written_after_the_forward():
    x = gg.Value(B4, requires_grad=True)
    y = (x * x).sum()
    x.data = x.data + 1
    with pytest.raises(gg.BackwardError, match="modified through .data"):
        gg.grad(y, x, create_graph=True)


def test_deep_chain_create_graph_has_no_recursion_limit():
    x = gg.Value(0.1, requires_grad=True)
    y = x
    for _ in range(100000):
        y = y * 1.00001
    c = 1.00001 ** 100000
    (g,) = gg.grad(y * y, x, create_graph=True)          # 2 c² x
    (h,) = gg.grad(g, x)                                 # 2 c²
    assert abs(g.item() - 2 * c * c * 0.1) < 1e-9 * c * c
    assert abs(float(h) - 2 * c * c) < 1e-9 * c * c


# ---------------------------------------------------------------- numpy on Values
def test_numpy_ufuncs_and_functions_run_graphgrad_ops():
    a = gg.Value(A34, requires_grad=True)
    out = np.sum(np.exp(a) * np.where(A34 > 0, a, 0.0), axis=0)
    assert isinstance(out, gg.Value)
    np.testing.assert_allclose(out.numpy(), np.sum(np.exp(A34) * np.where(A34 > 0, A34, 0), axis=0))
    out.sum().backward()
    np.testing.assert_allclose(a.grad, np.exp(A34) * np.where(A34 > 0, A34, 0) + np.exp(A34) * (A34 > 0))
    assert isinstance(np.float32(2) * a, gg.Value) and isinstance(A34 + a, gg.Value)
    assert np.swapaxes(a, 0, 1).shape == (4, 3) and np.moveaxis(a[None], 0, -1).shape == (3, 4, 1)
    assert np.expand_dims(a, 1).shape == (3, 1, 4) and np.squeeze(a[None]).shape == (3, 4)
    assert [p.shape for p in np.split(a, [1, 3], axis=1)] == [(3, 1), (3, 2), (3, 1)]
    assert np.isnan(a).dtype == bool and np.shape(a) == (3, 4) and (a > 0).dtype == bool


def test_numpy_functions_without_an_op_refuse_a_value():
    a = gg.Value(A34, requires_grad=True)
    with pytest.raises(TypeError, match=r"np.fft.fft|fft.*has no graphgrad op"):
        np.fft.fft(a)
    with pytest.raises(TypeError, match="cannot be written in place"):
        np.exp(a, out=np.empty((3, 4)))
    with pytest.raises(TypeError, match=r"np.add.reduce is not supported"):
        np.add.reduce(a)
    with pytest.raises(TypeError, match=r"np.concatenate on a Value: out not supported"):
        np.concatenate([a, a], out=np.empty((6, 4)))
    with pytest.raises(TypeError, match=r"np.stack on a Value: dtype not supported"):
        np.stack([a, a], dtype=np.float32)
    assert np.concatenate([a, a], axis=1).shape == (3, 8)
    with pytest.raises(TypeError, match=r"np.clip on a Value: out not supported"):
        np.clip(a, 0, 1, out=np.empty((3, 4)))


def test_astype_casts_float_differentiably_and_ints_without_grad():
    a = gg.Value(A34, requires_grad=True)
    f = a.astype(np.float32)
    assert f.dtype == np.float32 and f.requires_grad
    (f * f).sum().backward()
    assert a.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad, 2 * A34, rtol=1e-6)
    i = a.astype(np.int64)
    assert i.dtype == np.int64 and not i.requires_grad


def test_broadcast_to_and_expand():
    b = gg.Value(B14, requires_grad=True)
    assert b.expand(3, -1).shape == (3, 4)
    b.broadcast_to((2, 3, 4)).sum().backward()
    np.testing.assert_allclose(b.grad, np.full((1, 4), 6.0))
    with pytest.raises(gg.ShapeError, match=r"broadcast_to: shape \(1, 4\) cannot be broadcast to \(3, 5\)"):
        b.broadcast_to(3, 5)


def test_anomaly_mode_names_the_gate_whose_create_graph_backward_made_a_nan():
    z = gg.Value(np.array([0.0, 1.0]), requires_grad=True)
    with gg.detect_anomaly():
        y = z.sqrt().sum()
        with pytest.raises(gg.AnomalyError, match="the create_graph backward of 'sqrt' produced NaN/Inf"):
            gg.grad(y, z, create_graph=True)


def test_trace_of_a_create_graph_pass_has_plain_numbers():
    y = gg.Value(2.0, requires_grad=True)
    t = (y * y).tanh().backward(create_graph=True, trace=True)
    assert [s.op for s in t] == ["tanh", "mul"]
    assert t[0].upstream == 1.0 and isinstance(t[1].downstream[0], float)
    np.testing.assert_allclose(float(y.grad), 4 * (1 - np.tanh(4.0) ** 2))


def test_a_0d_float32_tensor_times_a_tensor_gets_an_array_gradient():
    # summing a (3, 4) upstream back to a 0-d float32 input gave a numpy scalar, refused as
    # "a float32 of shape ()" by the gradient check
    a = gg.Value(np.ones((3, 4), np.float32), requires_grad=True)
    (a.sum() * a).sum().backward()
    np.testing.assert_allclose(a.grad, np.full((3, 4), 24.0))
    assert a.grad.dtype == np.float32


def test_fit_keeps_a_recorded_gradient_recorded_when_fitted_to_raw_data():
    # an op's backward may fit g to a saved raw array; the result must stay in the graph
    from graphgrad.ops.base import fit
    g = gg.Value(np.ones((3, 4)), requires_grad=True)
    r = fit(g, np.zeros(4))
    assert isinstance(r, gg.Value) and r.shape == (4,) and r.requires_grad
    r32 = fit(g, np.zeros((3, 4), np.float32))
    assert isinstance(r32, gg.Value) and r32.dtype == np.float32


def test_create_graph_hooks_returning_bad_data_get_the_plain_pass_errors():
    x = gg.Value(B4, requires_grad=True)
    y = x * x
    y.register_hook(lambda g: np.array(["a"] * 4))
    with pytest.raises(gg.BackwardError, match="returned data of dtype <U1"):
        gg.grad(y.sum(), x, create_graph=True)
    z = x * x
    z.register_hook(lambda g: np.ones(2))
    with pytest.raises(gg.BackwardError, match=r"returned a gradient of shape \(2,\) but the Value has shape \(4,\)"):
        gg.grad(z.sum(), x, create_graph=True)
    w = x * x
    w.register_hook(lambda g: g[:2])
    with pytest.raises(gg.BackwardError, match=r"returned a gradient of shape \(2,\) but the Value has shape \(4,\)"):
        gg.grad(w.sum(), x, create_graph=True)


def test_a_create_graph_backward_with_the_wrong_number_of_gradients_gets_the_clear_error():
    # the create_graph pass checks an op's gradients as the plain pass does (it once raised
    # NameError: higher.py called the check without importing it)
    class TwoForOne(gg.Op):
        name = symbol = "two_for_one"
        formulas = ("d/dx = 1",)
        twice_differentiable = True

        def forward(self, x):
            return x.copy(), None

        def backward(self, ctx, g):
            return (g, g)

    x = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    y = gg.apply(TwoForOne(), x).sum()
    with pytest.raises(gg.BackwardError, match=r"two_for_one: backward returned 2 gradient\(s\) for 1 input"):
        gg.grad(y, [x], create_graph=True)
