"""One definition: for every scalar and elementwise op, the local derivative shown on
diagrams and in the stepper (BackwardStep.local, Value.local_grads) is the one backward
used: unbroadcast(upstream × local[i]) == downstream[i], on the float fast path and on
broadcasting arrays."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import ops
from graphgrad.nn.ops import activation as _ops_act
from graphgrad.nn import functional as F
from graphgrad.ops import unbroadcast

COND = np.array([True, False, True])

# name -> (function of the inputs, (lo, hi) per input); the ranges avoid poles and kinks
CASES = {
    ops.Add: (lambda a, b: a + b, [(-2, 2), (-2, 2)]),
    ops.Sub: (lambda a, b: a - b, [(-2, 2), (-2, 2)]),
    ops.Mul: (lambda a, b: a * b, [(-2, 2), (-2, 2)]),
    ops.Div: (lambda a, b: a / b, [(-2, 2), (0.5, 2)]),
    ops.Pow: (lambda a, b: a ** b, [(0.5, 2), (-1.5, 1.5)]),
    ops.PowConst: (lambda a: a ** 3.0, [(-2, 2)]),
    ops.Maximum: (gg.maximum, [(-2, 2), (-2, 2)]),
    ops.Minimum: (gg.minimum, [(-2, 2), (-2, 2)]),
    ops.Where: (lambda a, b: gg.where(COND, a, b), [(-2, 2), (-2, 2)]),
    ops.Neg: (lambda a: -a, [(-2, 2)]),
    ops.Exp: (lambda a: a.exp(), [(-2, 2)]),
    ops.Log: (lambda a: a.log(), [(0.5, 2)]),
    ops.Sqrt: (lambda a: a.sqrt(), [(0.5, 2)]),
    ops.Abs: (lambda a: a.abs(), [(0.2, 2)]),
    ops.Tanh: (lambda a: a.tanh(), [(-2, 2)]),
    ops.Sigmoid: (lambda a: a.sigmoid(), [(-2, 2)]),
    ops.Relu: (lambda a: a.relu(), [(-2, 2)]),
    ops.Clip: (lambda a: a.clip(-0.5, 0.5), [(-2, 2)]),
    ops.Sin: (lambda a: a.sin(), [(-2, 2)]),
    ops.Cos: (lambda a: a.cos(), [(-2, 2)]),
    ops.Tan: (lambda a: a.tan(), [(-1.2, 1.2)]),
    ops.Arcsin: (lambda a: a.arcsin(), [(-0.9, 0.9)]),
    ops.Arccos: (lambda a: a.arccos(), [(-0.9, 0.9)]),
    ops.Arctan: (lambda a: a.arctan(), [(-2, 2)]),
    ops.Sinh: (lambda a: a.sinh(), [(-2, 2)]),
    ops.Cosh: (lambda a: a.cosh(), [(-2, 2)]),
    ops.Arcsinh: (lambda a: a.arcsinh(), [(-2, 2)]),
    ops.Arccosh: (lambda a: a.arccosh(), [(1.2, 3)]),
    ops.Arctanh: (lambda a: a.arctanh(), [(-0.9, 0.9)]),
    ops.Log2: (lambda a: a.log2(), [(0.5, 2)]),
    ops.Log10: (lambda a: a.log10(), [(0.5, 2)]),
    ops.Log1p: (lambda a: a.log1p(), [(-0.5, 2)]),
    ops.Expm1: (lambda a: a.expm1(), [(-2, 2)]),
    ops.Exp2: (lambda a: a.exp2(), [(-2, 2)]),
    ops.Erf: (lambda a: a.erf(), [(-2, 2)]),
    ops.Sign: (lambda a: a.sign(), [(0.2, 2)]),
    ops.Floor: (lambda a: a.floor(), [(0.1, 0.9)]),
    ops.Ceil: (lambda a: a.ceil(), [(0.1, 0.9)]),
    ops.Round: (lambda a: a.round(), [(0.6, 1.4)]),
    ops.Trunc: (lambda a: a.trunc(), [(0.1, 0.9)]),
    ops.FloorDivide: (lambda a, b: a // b, [(2.3, 2.7), (1.0, 1.05)]),
    ops.Remainder: (lambda a, b: a % b, [(2.3, 2.7), (1.0, 1.05)]),
    ops.Logaddexp: (gg.logaddexp, [(-2, 2), (-2, 2)]),
    ops.Arctan2: (gg.arctan2, [(-2, 2), (0.5, 2)]),
    _ops_act.LeakyRelu: (lambda a: F.leaky_relu(a, 0.1), [(-2, 2)]),
    _ops_act.Elu: (lambda a: F.elu(a, 0.7), [(-2, 2)]),
    _ops_act.Prelu: (lambda a, w: gg.apply(_ops_act.PRELU, a, w), [(-2, 2), (0.1, 0.5)]),
    # graphgrad/ops/activation.py (kinks of the hard* ones at 0, ±3, 6 kept out of the ranges)
    ops.Softplus: (lambda a: gg.softplus(a, beta=1.5, threshold=2.0), [(-2, 1)]),
    ops.LogSigmoid: (lambda a: a.logsigmoid(), [(-2, 2)]),
    ops.Silu: (lambda a: a.silu(), [(-2, 2)]),
    ops.Mish: (lambda a: a.mish(), [(-2, 2)]),
    ops.Softsign: (lambda a: a.softsign(), [(0.2, 2)]),
    ops.NormalCdf: (lambda a: gg.apply(ops.NORMAL_CDF, a), [(-2, 2)]),
    ops.Gelu: (lambda a: gg.gelu(a), [(-2, 2)]),
    ops.Selu: (lambda a: a.selu(), [(-2, 2)]),
    ops.Celu: (lambda a: gg.celu(a, 0.7), [(-2, 2)]),
    ops.Hardtanh: (lambda a: gg.hardtanh(a, -0.5, 0.5), [(-2, 2)]),
    ops.Relu6: (lambda a: a.relu6(), [(0.5, 5.5)]),
    ops.Hardsigmoid: (lambda a: a.hardsigmoid(), [(-2.5, 2.5)]),
    ops.Hardswish: (lambda a: a.hardswish(), [(-2.5, 2.5)]),
    # declared with @export (graphgrad/ops/math.py)
    ops.math.Hypot: (gg.hypot, [(0.5, 2), (-2, 2)]),
    ops.math.Fmax: (gg.fmax, [(-2, 2), (-2, 2)]),
    ops.math.Fmin: (gg.fmin, [(-2, 2), (-2, 2)]),
    ops.math.Logaddexp2: (gg.logaddexp2, [(-2, 2), (-2, 2)]),
    ops.math.Cbrt: (gg.cbrt, [(0.5, 2)]),
    ops.math.Sinc: (gg.sinc, [(0.1, 2)]),
    ops.math.Deg2rad: (gg.deg2rad, [(-2, 2)]),
    ops.math.Rad2deg: (gg.rad2deg, [(-2, 2)]),
    ops.math.NanToNum: (gg.nan_to_num, [(-2, 2)]),
    ops.math.Imag: (np.imag, [(-2, 2)]),
    ops.math.Angle: (np.angle, [(-2, -0.2)]),
}
EXTRA = {  # more than one case for an op: other exponents, signs, a repeated input
    "pow_const_0": (lambda a: a ** 0.0, [(-2, 2)]),
    "pow_const_2": (lambda a: a ** 2.0, [(-2, 2)]),
    "pow_const_half": (lambda a: a ** 0.5, [(0.5, 2)]),
    "abs_negative": (lambda a: a.abs(), [(-2, -0.2)]),
    "x_times_x": (lambda a: a * a, [(-2, 2)]),
    "x_plus_x": (lambda a: a + a, [(-2, 2)]),
    "x_over_x": (lambda a: a / a, [(0.5, 2)]),
    "softplus_linear_part": (lambda a: gg.softplus(a, beta=2.0, threshold=1.0), [(0.6, 2)]),
    "softsign_negative": (lambda a: a.softsign(), [(-2, -0.2)]),
    "gelu_tanh": (lambda a: gg.gelu(a, approximate="tanh"), [(-2, 2)]),
    "selu_negative": (lambda a: a.selu(), [(-2, -0.1)]),
    "celu_negative_alpha": (lambda a: gg.celu(a, -1.5), [(-2, -0.1)]),
    "hardswish_outside": (lambda a: a.hardswish(), [(3.5, 5)]),
    "hardsigmoid_outside": (lambda a: a.hardsigmoid(), [(-5, -3.5)]),
    "relu6_saturated": (lambda a: a.relu6(), [(6.5, 8)]),
    "sign_negative": (lambda a: a.sign(), [(-2, -0.2)]),
    "remainder_negative": (lambda a, b: a % b, [(-2.7, -2.3), (1.0, 1.05)]),
    "remainder_negative_divisor": (lambda a, b: a % b, [(2.3, 2.7), (-1.05, -1.0)]),
    "arctan2_left_half": (gg.arctan2, [(-2, 2), (-2, -0.5)]),
}
ALL = {cls.__name__: c for cls, c in CASES.items()} | EXTRA


def _elementwise_op_classes():
    from graphgrad.ops.export import REGISTRY
    found = {type(e.op) for e in REGISTRY if e.op is not None and e.op.elementwise}
    for mod in (ops.arithmetic, ops.math, ops.activation, _ops_act):
        for v in vars(mod).values():
            if isinstance(v, gg.Op) and v.elementwise:
                found.add(type(v))
    return found


def test_every_elementwise_op_is_in_the_table():
    missing = {c.__name__ for c in _elementwise_op_classes()} - {c.__name__ for c in CASES}
    assert not missing, f"add these elementwise ops to CASES: {sorted(missing)}"


SHAPES = {1: [(3,)], 2: [((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((2, 3), ())]}


def _inputs(ranges, shapes, rng):
    vals = []
    for (lo, hi), shape in zip(ranges, shapes):
        a = rng.uniform(lo, hi, size=shape)
        vals.append(gg.Value(float(a) if shape == () else a, requires_grad=True))
    return vals


def _check_steps(trace, root_in_graph):
    checked = 0
    for s in trace:
        if s.local is None:
            continue
        out_shape = np.shape(s.output.data)
        for i, (p, d) in enumerate(zip(s.inputs, s.downstream)):
            if d is None:
                continue
            assert s.local[i] is not None, (s.op, i)
            prod = np.broadcast_to(np.asarray(s.upstream) * np.asarray(s.local[i]), out_shape)
            want = unbroadcast(np.asarray(prod, dtype=np.float64), np.shape(p.data))
            np.testing.assert_allclose(np.asarray(d, dtype=np.float64), want, rtol=1e-12, atol=1e-15,
                                       err_msg=f"{s.op} input {i}: upstream × local != downstream")
            checked += 1
        # what diagrams show is what the step holds
        for a, b in zip(s.output.local_grads(), s.local):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert checked >= 1
    return checked


@pytest.mark.parametrize("name", sorted(ALL))
def test_upstream_times_local_is_downstream_on_the_float_path(name):
    fn, ranges = ALL[name]
    rng = np.random.default_rng(3)
    vals = [gg.Value(float(rng.uniform(lo, hi)), requires_grad=True) for lo, hi in ranges]
    if name == "Where":             # where needs arrays; its float path is the array path
        vals = [gg.Value(np.array([v.item()] * 3), requires_grad=True) for v in vals]
        root = (fn(*vals) * 1.7).sum()
    else:
        root = fn(*vals) * 1.7      # an upstream other than 1
        assert root._data.__class__ is float
    tr = root.backward(trace=True, retain_graph=True)
    _check_steps(tr, root)
    _check_steps(gg.trace_of(root), root)


@pytest.mark.parametrize("name", sorted(ALL))
def test_upstream_times_local_is_downstream_on_broadcasting_arrays(name):
    fn, ranges = ALL[name]
    rng = np.random.default_rng(4)
    n = len(ranges)
    for shapes in SHAPES[n] if n == 2 else [(s,) for s in SHAPES[1]]:
        if name == "Where" and shapes[0] != (2, 3) and shapes[1] != (2, 3):
            continue
        vals = _inputs(ranges, shapes, rng)
        out = fn(*vals)
        w = rng.standard_normal(out.shape)
        root = (out * w).sum()
        tr = root.backward(trace=True)
        _check_steps(tr, root)


def test_a_tensor_x_times_x_shows_x_on_each_edge_and_sums_to_2x():
    x = gg.Value(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * x
    tr = y.backward(grad=np.ones(3), trace=True)
    (s,) = [s for s in tr if s.op == "mul"]
    np.testing.assert_array_equal(s.local[0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(s.downstream[0], [1.0, 2.0, 3.0])    # not [2, 4, 6] on one edge
    np.testing.assert_array_equal(s.downstream[1], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])
    assert s.arithmetic(0, "{:.0f}") == "[1, 1, 1] × [1, 2, 3] = [1, 2, 3]"


def test_each_published_unary_op_gives_a_value_method_and_a_function():
    assert {op.method for op in ops.UNARY_METHODS} >= {"exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu"}
    for op in ops.UNARY_METHODS:
        x = gg.Value(np.array([0.5, 1.5]), requires_grad=True)
        for y in (getattr(x, op.method)(), getattr(gg, op.method)(x)):
            assert y.op is op
            np.testing.assert_allclose(y.numpy(), op.f(x.numpy()))
        assert getattr(gg.Value, op.method).__doc__
