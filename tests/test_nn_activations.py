"""Activations: gradchecks, the lecture's sigmoid neuron fused vs expanded, modules."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F
from gradhelp import assert_grads


def P(a):
    return gg.Value(np.asarray(a, dtype=np.float64), requires_grad=True)


def _away_from_kinks(rng, shape):
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.05, 0.3, x)      # keep central differences off x = 0


@pytest.mark.parametrize("expand", [False, True])
def test_sigmoid_gradcheck(rng, expand):
    assert_grads(lambda x: F.sigmoid(x, expand=expand), P(rng.standard_normal((3, 4))))


def test_sigmoid_neuron_from_the_notes_fused_and_expanded():
    # f = σ(w0·x0 + w1·x1 + w2), w = [2, -3, -3], x = [-1, -2]: f = 0.73, dx = [0.39, -0.59]
    grads = []
    for expand in (False, True):
        w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
        f = F.sigmoid(w0 * x0 + w1 * x1 + w2, expand=expand)
        f.backward()
        assert abs(f.item() - 0.7310585786) < 1e-9
        grads.append([float(v.grad) for v in (w0, x0, w1, x1, w2)])
    np.testing.assert_allclose(grads[0], [-0.19661193324148185, 0.3932238664829637, -0.3932238664829637,
                                          -0.5898357997244456, 0.19661193324148185], rtol=1e-12)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_sigmoid_expansion_has_the_four_lecture_gates():
    x = gg.Value(1.0, requires_grad=True)
    with nn.expanded():
        s = F.sigmoid(x)
    labels, v = [], s
    while not v.is_leaf:
        labels.append(v.op.name)
        assert v.group == ("sigmoid",)
        v = next(i for i in v.inputs if i.requires_grad)
    assert labels == ["div", "add", "exp", "neg"] and v is x
    assert F.sigmoid(x).op.name == "sigmoid"


@pytest.mark.parametrize("fn", [F.relu, F.tanh, lambda x: F.leaky_relu(x, 0.1), lambda x: F.leaky_relu(x, 2.0),
                                lambda x: F.elu(x, 1.5), lambda x: F.softmax(x), lambda x: F.log_softmax(x, 0)],
                         ids=["relu", "tanh", "leaky", "leaky_steep", "elu", "softmax", "log_softmax"])
def test_activation_gradcheck(rng, fn):
    assert_grads(fn, P(_away_from_kinks(rng, (3, 4))))


def test_prelu_gradcheck_shared_and_per_channel(rng):
    x = P(_away_from_kinks(rng, (2, 3, 2, 2)))
    assert_grads(lambda x, a: F.prelu(x, a), x, P(0.25))
    assert_grads(lambda x, a: F.prelu(x, a), x, P([0.1, 0.2, 0.3]))


def test_maxout_gradcheck(rng):
    x, w, b = P(rng.standard_normal((3, 4))), P(rng.standard_normal((4, 6))), P(rng.standard_normal(6))
    assert_grads(lambda x, w, b: F.maxout(x, w, b, 3), x, w, b)


def test_activation_values():
    x = gg.Value([-2.0, 0.5])
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).numpy(), [-0.2, 0.5])
    np.testing.assert_allclose(F.elu(x, 2.0).numpy(), [2.0 * (np.exp(-2.0) - 1), 0.5])
    np.testing.assert_allclose(F.prelu(x, gg.Value(0.3)).numpy(), [-0.6, 0.5])
    np.testing.assert_allclose(F.softmax(gg.Value([1000.0, 1000.0])).numpy(), [0.5, 0.5])   # stable


def test_activation_modules_match_functions(rng):
    x = P(_away_from_kinks(rng, (2, 3)))
    pairs = [(nn.ReLU(), F.relu(x)), (nn.Tanh(), F.tanh(x)), (nn.Sigmoid(), F.sigmoid(x)),
             (nn.LeakyReLU(0.2), F.leaky_relu(x, 0.2)), (nn.ELU(0.5), F.elu(x, 0.5)),
             (nn.Softmax(), F.softmax(x))]
    for mod, ref in pairs:
        out = mod(x)
        np.testing.assert_allclose(out.numpy(), ref.numpy())
        assert out.group[0] == type(mod).__name__


def test_prelu_module_learns_alpha(rng):
    act = nn.PReLU(3, init=0.25)
    x = gg.Value(-np.ones((2, 3)))
    act(x).sum().backward()
    np.testing.assert_allclose(act.weight.grad, [-2.0, -2.0, -2.0])
    assert [n for n, _ in act.named_parameters()] == ["weight"]


def test_maxout_module_shape_and_error():
    m = nn.Maxout(3, 4, pieces=2, rng=0)
    assert m(gg.Value(np.ones((5, 3)))).shape == (5, 4)
    with pytest.raises(gg.ShapeError, match="maxout.*3 pieces"):
        F.maxout(gg.Value(np.ones((2, 3))), gg.Value(np.ones((3, 4))), gg.Value(np.zeros(4)), 3)


def test_prelu_error_names_channels():
    with pytest.raises(gg.ShapeError, match=r"prelu.*\(2,\).*3 channels"):
        F.prelu(gg.Value(np.ones((2, 3))), gg.Value(np.ones(2)))


def test_parametric_activations_are_single_gates_with_local_values():
    x = P([-2.0, 0.0, 3.0])
    for out, label, local in ((F.leaky_relu(x, 0.1), "LeakyReLU(0.1)", [0.1, 0.1, 1.0]),
                              (F.elu(x, 2.0), "ELU(2)", [2 * np.exp(-2.0), 2.0, 1.0])):
        assert out.inputs == (x,) and out.label == label
        np.testing.assert_allclose(out.local_grads()[0], local)
    p = F.prelu(x, P(0.25))
    dx, da = p.local_grads()
    np.testing.assert_allclose(dx, [0.25, 0.25, 1.0])
    np.testing.assert_allclose(da, [-2.0, 0.0, 0.0])


def test_activations_keep_float32_and_scalars(rng):
    x = gg.Value(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    for fn in (lambda v: F.leaky_relu(v, 0.2), F.elu, lambda v: F.prelu(v, gg.Value(np.float32(0.1)))):
        out = fn(x)
        out.sum().backward()
        assert out.dtype == x.grad.dtype == np.float32
        x.zero_grad()
    s = gg.Value(-1.0, requires_grad=True)
    F.leaky_relu(s, 0.5).backward()
    assert float(s.grad) == 0.5
