"""The math ops (graphgrad/ops/math.py): gradchecks over several shapes, the float fast
path against numpy, domain edges, dtypes, and PyTorch float64 forward and backward."""
import math

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import ops
from graphgrad.ops import math as mathops
from gradhelp import assert_grads


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _away_from_integers(lo, hi):
    """Sample points of the step functions: between their jumps (integers and halves)."""
    def draw(rng, shape):
        k = rng.integers(lo, hi, size=shape)
        return k + rng.uniform(0.1, 0.4, size=shape) * rng.choice([-1, 1], size=shape)
    return draw


def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, size=shape)


# method -> (torch name, sampler of inputs inside the domain, away from poles and jumps)
UNARY = {
    "exp": ("exp", _uniform(-3, 3)),
    "log": ("log", _uniform(0.1, 5)),
    "sqrt": ("sqrt", _uniform(0.1, 5)),
    "sin": ("sin", _uniform(-4, 4)),
    "cos": ("cos", _uniform(-4, 4)),
    "tan": ("tan", _uniform(-1.3, 1.3)),
    "arcsin": ("asin", _uniform(-0.95, 0.95)),
    "arccos": ("acos", _uniform(-0.95, 0.95)),
    "arctan": ("atan", _uniform(-4, 4)),
    "sinh": ("sinh", _uniform(-3, 3)),
    "cosh": ("cosh", _uniform(-3, 3)),
    "arcsinh": ("asinh", _uniform(-4, 4)),
    "arccosh": ("acosh", _uniform(1.1, 5)),
    "arctanh": ("atanh", _uniform(-0.95, 0.95)),
    "log2": ("log2", _uniform(0.1, 5)),
    "log10": ("log10", _uniform(0.1, 5)),
    "log1p": ("log1p", _uniform(-0.9, 5)),
    "expm1": ("expm1", _uniform(-3, 3)),
    "exp2": ("exp2", _uniform(-3, 3)),
    "erf": ("erf", _uniform(-3, 3)),
    "sign": ("sign", _away_from_integers(-3, 3)),
    "floor": ("floor", _away_from_integers(-3, 3)),
    "ceil": ("ceil", _away_from_integers(-3, 3)),
    "round": ("round", _away_from_integers(-3, 3)),
    "trunc": ("trunc", _away_from_integers(-3, 3)),
}
STEPS = {"sign", "floor", "ceil", "round", "trunc"}
# abs is checked with the core ops (tests/test_engine_ops.py, test_engine_local.py, test_engine_double.py):
# at nan its gradient is nan where torch's is 0
MATH_METHODS = [op.method for op in mathops.UNARY_METHODS if op.method != "abs"]

# the ops' values at the edges of their domains, poles, infinities and nan
SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.0, -2.0, 1e-300, -1e-300,
                    1e-8, 30.0, -30.0, 800.0, -800.0, 1e300, -1e300, np.inf, -np.inf, np.nan])


def test_every_published_math_op_is_in_the_table():
    assert sorted(MATH_METHODS) == sorted(UNARY)
    assert {op.method for op in ops.UNARY_METHODS} >= set(UNARY)


@pytest.mark.parametrize("method", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3)])
def test_unary_gradcheck(method, shape):
    rng = np.random.default_rng(len(shape) + 7)
    a = UNARY[method][1](rng, shape)
    x = gg.Value(float(a) if shape == () else a, requires_grad=True)
    assert_grads(lambda v: getattr(v, method)(), x)


@pytest.mark.parametrize("method", sorted(UNARY))
def test_unary_forward_and_backward_match_torch_float64(method, torch):
    tname, draw = UNARY[method]
    rng = np.random.default_rng(5)
    a = draw(rng, (4, 5))
    up = rng.standard_normal((4, 5))
    x = gg.Value(a, requires_grad=True)
    y = getattr(x, method)()
    (y * up).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    ty = getattr(torch, tname)(tx)
    (ty * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("method", sorted(UNARY))
def test_unary_at_domain_edges_matches_torch_float64(method, torch):
    """0, ±1, poles, huge values, ±inf and nan: the same values and gradients as PyTorch
    (arcsin'(±1) = inf, log1p(-1) = -inf, sign(0) = 0, round(2.5) = 2, ...)."""
    tname = UNARY[method][0]
    x = gg.Value(SPECIAL.copy(), requires_grad=True)
    with np.errstate(all="ignore"):
        y = getattr(x, method)()
        y.backward(np.ones_like(SPECIAL))
    tx = torch.tensor(SPECIAL, requires_grad=True)
    ty = getattr(torch, tname)(tx)
    ty.backward(torch.ones_like(tx))
    want_y, want_g = ty.detach().numpy(), tx.grad.numpy()
    if method == "sign":      # the one deliberate difference: numpy's sign(nan) = nan, torch's 0
        assert np.isnan(y.numpy()[-1]) and want_y[-1] == 0.0
        want_y = np.where(np.isnan(SPECIAL), np.nan, want_y)
    if method == "expm1":     # e^x, not torch's expm1(x) + 1, which is 0 below x = -37
        with np.errstate(over="ignore"):
            want_g = np.exp(SPECIAL)
        assert x.grad[SPECIAL == -30.0] != tx.grad.numpy()[SPECIAL == -30.0]   # torch: rounded
    np.testing.assert_allclose(y.numpy(), want_y, rtol=1e-14, atol=0, equal_nan=True)
    np.testing.assert_allclose(x.grad, want_g, rtol=1e-13, atol=0, equal_nan=True)


@pytest.mark.parametrize("method", sorted(UNARY))
def test_the_float_fast_path_gives_numpys_answers(method):
    """A Python float goes through math; where math raises (log1p(-1), asin(2), floor(inf))
    the answer is numpy's, bit for bit, signed zeros included. So is the gradient."""
    op = getattr(gg.Value(1.0).__class__, method)
    with np.errstate(all="ignore"):
        arr = gg.Value(SPECIAL.copy(), requires_grad=True)
        getattr(arr, method)().backward(np.ones_like(SPECIAL))
        for i, s in enumerate(SPECIAL):
            x = gg.Value(float(s), requires_grad=True)
            y = op(x)
            assert y._data.__class__ is float, (method, s)
            y.backward()
            want = getattr(arr, method)().numpy()[i]
            assert _same(y.item(), want), (method, s, y.item(), want)
            assert _same(float(x.grad), arr.grad[i]), (method, s, x.grad, arr.grad[i])


def _same(a, b):
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b == 0.0:
        return math.copysign(1.0, a) == math.copysign(1.0, b)
    return a == b or abs(a - b) <= 4e-16 * max(abs(a), abs(b))


def test_the_named_edges():
    with np.errstate(all="ignore"):
        x = gg.Value(np.array([-1.0, 1.0]), requires_grad=True)
        x.arcsin().sum().backward()
        np.testing.assert_array_equal(x.grad, [np.inf, np.inf])
        x = gg.Value(-1.0, requires_grad=True)
        y = x.log1p()
        y.backward()
        assert y.item() == -np.inf and x.grad == np.inf
    assert gg.Value(np.array([-0.0, 0.0])).sign().numpy().tolist() == [0.0, 0.0]
    r = gg.round(gg.Value(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5]))).numpy()
    np.testing.assert_array_equal(r, [-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 4.0])
    assert [gg.round(v).item() for v in (0.5, 1.5, 2.5, -2.5)] == [0.0, 2.0, 2.0, -2.0]
    assert math.copysign(1.0, gg.ceil(-0.5).item()) == -1.0          # -0.0, as numpy


@pytest.mark.parametrize("method", sorted(UNARY))
def test_float32_stays_float32(method):
    rng = np.random.default_rng(0)
    a = UNARY[method][1](rng, (3,)).astype(np.float32)
    x = gg.Value(a, requires_grad=True)
    y = getattr(x, method)()
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), getattr(gg.Value(a.astype(np.float64)), method)().numpy(),
                               rtol=1e-6, atol=1e-6)
    x0 = gg.Value(np.float32(a[0]), requires_grad=True)        # a 0-d float32 Value
    y0 = getattr(x0, method)()
    y0.backward()
    assert y0.dtype == np.float32 and x0.grad.dtype == np.float32


@pytest.mark.parametrize("method", sorted(UNARY))
def test_empty_and_0d_arrays(method):
    x = gg.Value(np.zeros((0, 3)), requires_grad=True)
    y = getattr(x, method)()
    assert y.shape == (0, 3)
    y.sum().backward()
    assert x.grad.shape == (0, 3)
    z = getattr(gg, method)(np.array(0.25))
    assert z.shape == ()


@pytest.mark.parametrize("method", sorted(UNARY))
def test_value_method_and_function_agree_with_the_ufunc(method):
    op = next(o for o in mathops.UNARY_METHODS if o.method == method)
    a = UNARY[method][1](np.random.default_rng(1), (6,))
    x = gg.Value(a, requires_grad=True)
    via_method, via_fn = getattr(x, method)(), getattr(gg, method)(x)
    assert via_method.op is op and via_fn.op is op
    np.testing.assert_array_equal(via_method.numpy(), via_fn.numpy())
    if op.ufunc is not None:
        np.testing.assert_array_equal(via_method.numpy(), op.ufunc(a))
    assert op.formulas and op.doc and method in gg.__all__


def test_erf_is_accurate_to_an_ulp_or_two(torch):
    a = np.concatenate([np.linspace(-6, 6, 2001), [1e-300, -1e-20, 1e-8, 27.0, -27.0]])
    ours = gg.erf(a).numpy()
    np.testing.assert_allclose(ours, torch.erf(torch.tensor(a)).numpy(), rtol=1e-15, atol=1e-300)
    np.testing.assert_array_equal(ours, [math.erf(v) for v in a])
    assert gg.erf(np.array([np.inf, -np.inf])).numpy().tolist() == [1.0, -1.0]
    assert math.isnan(gg.erf(np.array([np.nan])).numpy()[0])
    assert gg.erf(np.array([0.5], dtype=np.float32)).dtype == np.float32


# ---------------------------------------------------------------- binary ops
BINARY = {   # name -> (gg function, torch function, sampler of (a, b))
    "logaddexp": (gg.logaddexp, "logaddexp",
                  lambda rng, sa, sb: (rng.uniform(-3, 3, sa), rng.uniform(-3, 3, sb))),
    "arctan2": (gg.arctan2, "atan2",
                lambda rng, sa, sb: (rng.uniform(-3, 3, sa), rng.uniform(-3, 3, sb))),
    # torch's floor_divide has no derivative (backward raises); div(rounding_mode="floor")
    # is the same function with PyTorch's zero gradient
    "floor_divide": (lambda a, b: a // b, lambda a, b: a.div(b, rounding_mode="floor"), None),
    "remainder": (lambda a, b: a % b, "remainder", None),
}
SHAPE_PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((2, 3), ())]


def _draw2(name, rng, sa, sb):
    if BINARY[name][2] is not None:
        return BINARY[name][2](rng, sa, sb)
    # // and %: every quotient a/b (over the broadcast) lies in ±(k+0.14, k+0.7), away
    # from the integers where they jump: |a| in (k+0.3, k+0.7), |b| in (1, 1.05)
    a = (rng.integers(0, 4, size=sa) + rng.uniform(0.3, 0.7, size=sa)) * rng.choice([-1, 1], size=sa)
    b = rng.uniform(1.0, 1.05, size=sb) * rng.choice([-1, 1], size=sb)
    return a, b


def _as_value(a):
    return gg.Value(float(a) if np.ndim(a) == 0 else a, requires_grad=True)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_binary_gradcheck_with_broadcasting(name, sa, sb):
    rng = np.random.default_rng(len(sa) * 3 + len(sb))
    a, b = _draw2(name, rng, sa, sb)
    assert_grads(BINARY[name][0], _as_value(a), _as_value(b))


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS[1:])
def test_binary_forward_and_backward_match_torch_float64(name, sa, sb, torch):
    fn, tname, _ = BINARY[name]
    rng = np.random.default_rng(11)
    a, b = _draw2(name, rng, sa, sb)
    x, y = gg.Value(a, requires_grad=True), gg.Value(b, requires_grad=True)
    out = fn(x, y)
    up = rng.standard_normal(out.shape)
    (out * up).sum().backward()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tout = tname(tx, ty) if callable(tname) else getattr(torch, tname)(tx, ty)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-14, atol=1e-15)
    (tout * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(y.grad, ty.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_floor_divide_and_remainder_have_numpys_signs():
    a = np.array([7.0, -7.0, 7.0, -7.0, 0.5, -0.5, 6.0, -0.0])
    b = np.array([2.0, 2.0, -2.0, -2.0, 1.0, 1.0, 3.0, 1.0])
    x = gg.Value(a)
    np.testing.assert_array_equal((x // b).numpy(), np.floor_divide(a, b))
    np.testing.assert_array_equal((x % b).numpy(), np.remainder(a, b))
    np.testing.assert_array_equal((x % b).numpy(), [1.0, 1.0, -1.0, -1.0, 0.5, 0.5, 0.0, 0.0])
    # reflected operators and the gg functions are the same ops
    assert (7.0 // gg.Value(2.0)).item() == 3.0 and (-7.0 % gg.Value(2.0)).item() == 1.0
    assert gg.floor_divide(-7.0, 2.0).item() == -4.0 and gg.remainder(-7.0, 2.0).item() == 1.0
    x = gg.Value(-7.0, requires_grad=True)
    assert (x // 2).op is ops.FLOOR_DIVIDE and (x % 2).op is ops.REMAINDER
    assert (2 // x).op is ops.FLOOR_DIVIDE and (2 % x).op is ops.REMAINDER


def test_the_float_path_of_floor_divide_and_remainder_is_numpys():
    rng = np.random.default_rng(2)
    pairs = [(float(a), float(b)) for a, b in rng.standard_normal((200, 2)) * 5]
    vals = [0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 1e300, -1e-300, np.inf, -np.inf, np.nan]
    pairs += [(a, b) for a in vals for b in vals]
    with np.errstate(all="ignore"):
        for a, b in pairs:
            for op, np_f in ((ops.FLOOR_DIVIDE, np.floor_divide), (ops.REMAINDER, np.remainder),
                             (ops.LOGADDEXP, np.logaddexp), (ops.ARCTAN2, np.arctan2)):
                got = op.forward(a, b)[0]
                assert got.__class__ is float
                assert _same(got, np_f(np.float64(a), np.float64(b))), (op.name, a, b, got)


def test_remainder_gradient_wrt_the_divisor_is_minus_the_floor_quotient():
    x, y = gg.Value(-7.3, requires_grad=True), gg.Value(2.0, requires_grad=True)
    (x % y).backward()
    assert x.grad == 1.0 and y.grad == 4.0          # -floor(-3.65) = 4
    x, y = gg.Value(5.0, requires_grad=True), gg.Value(0.0, requires_grad=True)
    with np.errstate(all="ignore"):
        out = x // y
        out.backward()
    assert out.item() == np.inf and x.grad == 0.0 and y.grad == 0.0   # zeros, not 0·inf


def test_logaddexp_is_stable_at_large_magnitudes(torch):
    a = np.array([1000.0, -1000.0, 1000.0, 0.0, -np.inf, np.inf, 800.0, -745.0, 710.0])
    b = np.array([1000.0, -1000.0, -1000.0, 1e-300, -np.inf, 3.0, 0.0, -745.0, -710.0])
    x, y = gg.Value(a, requires_grad=True), gg.Value(b, requires_grad=True)
    out = gg.logaddexp(x, y)
    out.backward(np.ones_like(a))
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tout = torch.logaddexp(tx, ty)
    tout.sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-15, equal_nan=True)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-15, equal_nan=True)
    np.testing.assert_allclose(y.grad, ty.grad.numpy(), rtol=1e-15, equal_nan=True)
    assert np.isfinite(out.numpy()[:4]).all() and out.numpy()[0] == 1000.0 + math.log(2)
    # the float path: same values and gradients
    for i in range(len(a)):
        xf, yf = gg.Value(float(a[i]), requires_grad=True), gg.Value(float(b[i]), requires_grad=True)
        o = gg.logaddexp(xf, yf)
        o.backward()
        assert _same(o.item(), out.numpy()[i]) and _same(xf.grad, x.grad[i]) and _same(yf.grad, y.grad[i])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_float32_and_shape_errors(name):
    fn = BINARY[name][0]
    a = np.array([2.5, -1.25, 3.75], dtype=np.float32)
    b = np.array([1.5, 1.5, -2.0], dtype=np.float32)
    x, y = gg.Value(a, requires_grad=True), gg.Value(b, requires_grad=True)
    out = fn(x, y)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float32
    with pytest.raises(gg.ShapeError, match=r"\(2,\).*\(3,\)"):
        fn(gg.Value(np.ones(2)), gg.Value(np.ones(3)))


def test_binary_ops_name_their_ufuncs():
    assert ops.FLOOR_DIVIDE.ufunc is np.floor_divide and ops.REMAINDER.ufunc is np.remainder
    assert ops.LOGADDEXP.ufunc is np.logaddexp and ops.ARCTAN2.ufunc is np.arctan2


# ---------------------------------------------------------------- second derivatives
@pytest.mark.parametrize("method", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (2, 3)])
def test_unary_second_derivative_matches_torch(method, shape, torch):
    tname, draw = UNARY[method]
    a = np.array(draw(np.random.default_rng(len(shape) + 3), shape))
    from gradhelp import assert_double_backward
    # a step function's gradient is a constant 0, so gg.gradgradcheck has no graph to check
    # (it raises "does not require grad"); the comparison with torch still checks the zeros
    assert_double_backward(lambda v: getattr(v, method)(), getattr(torch, tname), a,
                           gradgrad=method not in STEPS)
    op = next(o for o in mathops.UNARY_METHODS if o.method == method)
    assert op.twice_differentiable


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("sa,sb", [((), ()), ((2, 3), (3,)), ((2, 1), (1, 3))])
def test_binary_second_derivative_matches_torch(name, sa, sb, torch):
    fn, tname, _ = BINARY[name]
    a, b = _draw2(name, np.random.default_rng(len(sa) + 5), sa, sb)
    from gradhelp import assert_double_backward
    tfn = tname if callable(tname) else getattr(torch, tname)
    assert_double_backward(fn, tfn, np.array(a), np.array(b), gradgrad=name != "floor_divide")


def test_second_derivatives_through_numpy_ufuncs_on_values():
    """np.sin(v) and friends are the graphgrad ops, so a backward written with them (every
    df here) is differentiable again: d²/dx² sin = -sin, d²/dx² erf = -2x·erf'(x)."""
    x = gg.Value(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    (g,) = gg.grad(np.sin(x).sum(), [x], create_graph=True)
    (h,) = gg.grad(g.sum(), [x])
    np.testing.assert_allclose(h, -np.sin(x.numpy()), rtol=1e-15)
    (g,) = gg.grad(gg.erf(x).sum(), [x], create_graph=True)
    (h,) = gg.grad(g.sum(), [x])
    a = x.numpy()
    np.testing.assert_allclose(h, -2 * a * 2 / np.sqrt(np.pi) * np.exp(-a * a), rtol=1e-14)
    assert np.logaddexp(x, 1.0).op is ops.LOGADDEXP and np.remainder(x, 0.7).op is ops.REMAINDER
    assert np.floor_divide(x, 0.7).op is ops.FLOOR_DIVIDE and np.arctan2(x, 1.0).op is ops.ARCTAN2
    assert np.floor(x).op is ops.FLOOR and np.rint(x).op is ops.ROUND


def test_a_hessian_vector_product_through_math_ops(torch):
    """f(x) = Σ logaddexp(sin x, x²)·arctan(x) + erf(x)·(x % 1.3): H·v against torch."""
    rng = np.random.default_rng(8)
    a, v = rng.uniform(-2, 2, 5), rng.standard_normal(5)

    def f(x, lib):
        if lib is torch:
            return (torch.logaddexp(torch.sin(x), x * x) * torch.atan(x) + torch.erf(x) * (x % 1.3)).sum()
        return (gg.logaddexp(x.sin(), x * x) * x.arctan() + x.erf() * (x % 1.3)).sum()

    x = gg.Value(a, requires_grad=True)
    (g,) = gg.grad(f(x, gg), [x], create_graph=True)
    (hv,) = gg.grad((g * v).sum(), [x])
    tx = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(f(tx, torch), [tx], create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), [tx])
    np.testing.assert_allclose(hv, thv.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("op", mathops.UNARY_METHODS, ids=lambda o: o.method)
def test_the_example_in_each_docstring_holds(op):
    """Each op's doc (Value.<method>.__doc__, gg.<method>.__doc__) ends in a claim
    ``Value(...).<method>().item() == ...``; it must be true."""
    claim = op.doc.split("``")[-2]
    assert f".{op.method}()" in claim and "==" in claim
    assert eval(claim, {"Value": gg.Value}) is True
    assert getattr(gg.Value, op.method).__doc__ == op.doc and op.doc in getattr(gg, op.method).__doc__
