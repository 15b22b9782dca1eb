"""Every primitive op against central differences (float64, rel. error < 1e-6), over
several shapes including broadcasting."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphgrad as gg
from gradhelp import assert_grads

R = np.random.default_rng(0)


def V(shape, lo=-2.0, hi=2.0, away=0.0):
    """A random leaf; ``away`` keeps entries that far from 0 (kinks, poles)."""
    a = R.uniform(lo, hi, size=shape)
    if away:
        a = np.where(np.abs(a) < away, np.sign(a + 1e-12) * away + a, a)
    return gg.Value(a, requires_grad=True) if shape != () else gg.Value(float(a), requires_grad=True)


BROADCAST_PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4)), ((4, 1, 3), (2, 3)),
                   ((2, 3), ()), ((), (2, 3))]


@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "pow"])
def test_binary_ops(op, sa, sb):
    fns = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "div": lambda a, b: a / b, "maximum": gg.maximum, "minimum": gg.minimum,
           "pow": lambda a, b: a ** b}
    if op == "pow":
        a, b = V(sa, 0.5, 2.0), V(sb, -1.5, 1.5)
    elif op == "div":
        a, b = V(sa), V(sb, away=0.5)
    else:
        a, b = V(sa), V(sb)
    assert_grads(fns[op], a, b)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4)])
@pytest.mark.parametrize("name", ["neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu",
                                  "pow2", "pow3", "powhalf", "rsub", "rdiv", "clip"])
def test_unary_ops(name, shape):
    positive = name in ("log", "sqrt", "powhalf")
    x = V(shape, 0.2, 3.0) if positive else V(shape, away=0.1)
    fns = {"neg": lambda v: -v, "exp": lambda v: v.exp(), "log": lambda v: v.log(),
           "sqrt": lambda v: v.sqrt(), "abs": lambda v: abs(v), "tanh": lambda v: v.tanh(),
           "sigmoid": lambda v: v.sigmoid(), "relu": lambda v: v.relu(), "pow2": lambda v: v ** 2,
           "pow3": lambda v: v ** 3, "powhalf": lambda v: v ** 0.5, "rsub": lambda v: 1 - v,
           "rdiv": lambda v: 2.0 / v, "clip": lambda v: v.clip(-1.0, 1.0)}
    if name == "clip":   # keep away from the clip bounds (kinks)
        x = gg.Value(np.where(np.abs(np.abs(x.numpy()) - 1) < 0.1, 0.5, x.numpy()), requires_grad=True)
    assert_grads(fns[name], x)


@pytest.mark.parametrize("shape,axis,keepdims", [
    ((5,), None, False), ((2, 3), 0, False), ((2, 3), 1, True), ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), -1, True), ((2, 3), None, True)])
@pytest.mark.parametrize("red", ["sum", "mean", "max", "min"])
def test_reductions(red, shape, axis, keepdims):
    x = V(shape)
    assert_grads(lambda v: getattr(v, red)(axis=axis, keepdims=keepdims), x)


def test_max_ties_split_the_gradient_evenly():
    x = gg.Value([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])
    a, b = gg.Value(2.0, requires_grad=True), gg.Value(2.0, requires_grad=True)
    gg.maximum(a, b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)
    a.zero_grad(), b.zero_grad()
    gg.minimum(a, b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)),
                                   ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 2))])
def test_matmul(sa, sb):
    assert_grads(lambda a, b: a @ b, V(sa), V(sb))


def test_matmul_skips_gradient_of_inputs_that_need_none():
    X = gg.Value(R.standard_normal((5, 3)))
    W = gg.Value(R.standard_normal((3, 2)), requires_grad=True)
    (X @ W).sum().backward()
    assert X.grad is None
    np.testing.assert_allclose(W.grad, X.numpy().T @ np.ones((5, 2)))


@pytest.mark.parametrize("case", ["reshape", "flatten", "transpose", "T", "transpose_axes"])
def test_shape_ops(case):
    x = V((2, 3, 4))
    w46, w432 = R.standard_normal((4, 6)), R.standard_normal((4, 3, 2))
    fns = {"reshape": lambda v: v.reshape(4, 6) * w46,
           "flatten": lambda v: v.flatten() ** 2,
           "transpose": lambda v: v.transpose() * w432,
           "T": lambda v: v.T ** 2,
           "transpose_axes": lambda v: v.transpose(1, 0, 2) ** 3}
    assert_grads(fns[case], x)


@pytest.mark.parametrize("index", [1, (0, slice(1, 3)), (Ellipsis, 2), (slice(None), None, 1),
                                   (np.array([0, 1, 1]),), (np.array([0, 1, 1]), np.array([2, 0, 2]))])
def test_getitem(index):
    assert_grads(lambda v: v[index] ** 2, V((2, 3, 4)))


def test_integer_array_indexing_adds_repeated_entries():
    scores = gg.Value(np.arange(6.0).reshape(2, 3), requires_grad=True)
    picked = scores[np.array([0, 1, 1]), np.array([2, 0, 0])]
    np.testing.assert_array_equal(picked.numpy(), [2.0, 3.0, 3.0])
    picked.sum().backward()
    np.testing.assert_array_equal(scores.grad, [[0, 0, 1], [2, 0, 0]])


def test_concatenate_stack_pad_where():
    a, b = V((2, 3)), V((2, 2))
    assert_grads(lambda a, b: gg.concatenate([a, b], axis=1) ** 2, a, b)
    c, d = V((2, 3)), V((2, 3))
    assert_grads(lambda c, d: gg.stack([c, d], axis=1) ** 2, c, d)
    assert_grads(lambda c: gg.pad(c, ((1, 0), (2, 1))) ** 2, c)
    mask = R.uniform(size=(2, 3)) > 0.5
    assert_grads(lambda c, d: gg.where(mask, c, d) ** 2, c, d)
    assert_grads(lambda c: gg.where(mask, c, 0.0) * 3, c)


def test_scalar_value_mixes_with_tensors():
    s = gg.Value(1.5, requires_grad=True)
    t = V((2, 3))
    assert_grads(lambda s, t: (s * t + s) ** 2, s, t)


def test_numbers_mix_on_either_side():
    x = gg.Value(3.0, requires_grad=True)
    y = 2 * x - 1 + 1 / x + 2 ** x - x / 4 + (1 - x)
    y.backward()
    expected = 2 - 1 / 9 + 8 * np.log(2) - 0.25 - 1
    assert float(x.grad) == pytest.approx(expected)
    assert np.float32(2) * gg.Value(np.ones(2, np.float32)) is not None


@settings(max_examples=25, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       op=st.sampled_from(["add", "mul", "sub"]), data=st.data())
def test_hypothesis_broadcasting_binary_ops(shapes, op, data):
    sa, sb = shapes.input_shapes
    elems = st.floats(-3, 3, allow_nan=False)
    a = gg.Value(data.draw(hnp.arrays(np.float64, sa, elements=elems)), requires_grad=True)
    b = gg.Value(data.draw(hnp.arrays(np.float64, sb, elements=elems)), requires_grad=True)
    fn = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b}[op]
    out = fn(a, b)
    assert out.shape == np.broadcast_shapes(sa, sb)
    assert_grads(fn, a, b)


@settings(max_examples=20, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                    elements=st.floats(-3, 3, allow_nan=False)))
def test_hypothesis_smooth_unary_chain(x):
    assert_grads(lambda v: (v.tanh() * v.sigmoid() + (v * 0.5).exp()).sum(axis=0), gg.Value(x, requires_grad=True))


def test_square_by_self_multiplication_and_relu_mask():
    x = V((3, 4))
    assert_grads(lambda v: v * v, x)
    y = gg.Value(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    (y.relu() * np.array([5.0, 5.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 0.0, 5.0])


def test_in_place_data_update_keeps_the_array():
    p = gg.Value(np.ones(3), requires_grad=True)
    buf = p.data
    p.data -= 0.5
    assert p.data is buf and p.data[0] == 0.5


@pytest.mark.parametrize("b", [1e-300, 1e-160, -2.5])
@pytest.mark.parametrize("as_array", [False, True])
def test_div_gradient_of_a_tiny_denominator_does_not_underflow(b, as_array):
    """d(x/y)/dy = -x/y² computed as (x/y)/y: y*y is 0 for |y| < 1e-154, which made x/x
    at 1e-300 send -inf where PyTorch sends 0."""
    torch = pytest.importorskip("torch")
    x = gg.Value(np.array([b]) if as_array else b, requires_grad=True)
    (x / x).sum().backward()
    t = torch.tensor([b], dtype=torch.float64, requires_grad=True)
    (t / t).sum().backward()
    np.testing.assert_allclose(np.ravel(x.grad), t.grad.numpy(), rtol=0, atol=1e-12)
    y = gg.Value(np.array([b]) if as_array else b, requires_grad=True)
    (1.5 / y).sum().backward()
    ty = torch.tensor([b], dtype=torch.float64, requires_grad=True)
    (1.5 / ty).sum().backward()
    np.testing.assert_allclose(np.ravel(y.grad), ty.grad.numpy(), rtol=1e-12)
