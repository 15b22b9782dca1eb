"""Elementwise math ops: trigonometric, hyperbolic, logs and exps, rounding, erf, and
the binary ``//``, ``%``, ``logaddexp`` and ``arctan2``.

Each op names the numpy ufunc it mirrors (``ufunc``), so ``np.sin(v)`` on a Value runs
the graphgrad op. Python floats take a ``math`` fast path with numpy's answers where
``math`` raises (``log1p(-1.0) == -inf``, not a ValueError). The local derivatives are
PyTorch's float64 ones, domain edges included: ``arcsin'(±1) = inf``, and the rounding
ops (``sign floor ceil round trunc`` and ``//``) have gradient 0 everywhere. Two
deliberate differences: ``sign(nan)`` is nan (numpy's answer; PyTorch says 0), and the
gradient of ``expm1`` is e^x itself (PyTorch's ``expm1(x) + 1`` is 0 below x = -37).

Every ``df`` and ``backward`` is written with operators and ufuncs only, so the same
code runs on Values in a ``create_graph`` pass (gradients of gradients).
"""
from __future__ import annotations

import math

import numpy as np

from .base import Op, div, fit, is_float, is_value
from .elementwise import Unary, _safe

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# one function per ufunc the derivatives use: math on floats, the ufunc otherwise
# (which on a Value, through Value.__array_ufunc__, is a recorded op)
_sin = _safe(math.sin, np.sin)
_cos = _safe(math.cos, np.cos)
_sinh = _safe(math.sinh, np.sinh)
_cosh = _safe(math.cosh, np.cosh)
_exp = _safe(math.exp, np.exp)
_sqrt = _safe(math.sqrt, np.sqrt)


def _one_minus_sq(a):
    """1 - a² as (1-a)(1+a), exact next to ±1 (1 - a·a cancels). In a create_graph pass (``a``
    a Value) the product rule would send inf·0 = nan at exactly ±1, where PyTorch's second
    derivatives of arcsin, arccos and arctanh are ±inf: there it is 1 - a·a (the same 0),
    whose derivative -2a is finite."""
    p = (1.0 - a) * (1.0 + a)
    if is_value(a):
        edge = np.abs(a._data) == 1.0
        if np.any(edge):
            return np.where(edge, 1.0 - a * a, p)        # gg.where on Values
    return p


def _inf_to_zero(r):
    """``r`` with its +inf entries set to 0 (a Value stays a Value: gg.where)."""
    d = r._data if is_value(r) else r
    if d.__class__ is float:
        return 0.0 if d == math.inf else r
    m = np.isinf(d)
    return np.where(m, d.dtype.type(0.0), r) if m.any() else r


def _zero_grad(x):
    """The gradient of a step function: exact zeros of x's kind (0 * an inf upstream
    would be nan; PyTorch gives 0). A constant, also in a create_graph pass (x a Value):
    nothing downstream depends on the inputs."""
    if is_value(x):
        x = x._data
    return 0.0 if x.__class__ is float else np.zeros_like(x)


# ---------------------------------------------------------------- trigonometric
class Sin(Unary):
    name = symbol = method = "sin"
    ufunc = np.sin
    twice_differentiable = True
    doc = 'Sine (radians). ``Value(0.0).sin().item() == 0.0``'
    formulas = ("d sin(x)/dx = cos(x)",)
    f = staticmethod(_sin)

    def df(self, a, o):
        return _cos(a)


class Cos(Unary):
    name = symbol = method = "cos"
    ufunc = np.cos
    twice_differentiable = True
    doc = 'Cosine (radians). ``Value(0.0).cos().item() == 1.0``'
    formulas = ("d cos(x)/dx = -sin(x)",)
    f = staticmethod(_cos)

    def df(self, a, o):
        return -_sin(a)


class Tan(Unary):
    name = symbol = method = "tan"
    ufunc = np.tan
    twice_differentiable = True
    doc = 'Tangent (radians). ``Value(0.0).tan().item() == 0.0``'
    formulas = ("d tan(x)/dx = 1 + tan²(x)",)
    f = staticmethod(_safe(math.tan, np.tan))

    def df(self, a, o):
        return 1.0 + o * o


class Arcsin(Unary):
    name = symbol = method = "arcsin"
    ufunc = np.arcsin
    twice_differentiable = True
    doc = 'Inverse sine; gradient inf at ±1. ``Value(0.0).arcsin().item() == 0.0``'
    formulas = ("d arcsin(x)/dx = 1/√(1-x²)",)
    f = staticmethod(_safe(math.asin, np.arcsin))

    def df(self, a, o):
        # (1-x)(1+x), not 1-x²: no cancellation next to ±1
        return div(1.0, _sqrt(_one_minus_sq(a)))


class Arccos(Unary):
    name = symbol = method = "arccos"
    ufunc = np.arccos
    twice_differentiable = True
    doc = 'Inverse cosine; gradient -inf at ±1. ``Value(1.0).arccos().item() == 0.0``'
    formulas = ("d arccos(x)/dx = -1/√(1-x²)",)
    f = staticmethod(_safe(math.acos, np.arccos))

    def df(self, a, o):
        return div(-1.0, _sqrt(_one_minus_sq(a)))


class Arctan(Unary):
    name = symbol = method = "arctan"
    ufunc = np.arctan
    twice_differentiable = True
    doc = 'Inverse tangent. ``Value(0.0).arctan().item() == 0.0``'
    formulas = ("d arctan(x)/dx = 1/(1+x²)",)
    f = staticmethod(_safe(math.atan, np.arctan))

    def df(self, a, o):
        return div(1.0, 1.0 + a * a)


# ---------------------------------------------------------------- hyperbolic
class Sinh(Unary):
    name = symbol = method = "sinh"
    ufunc = np.sinh
    twice_differentiable = True
    doc = 'Hyperbolic sine. ``Value(0.0).sinh().item() == 0.0``'
    formulas = ("d sinh(x)/dx = cosh(x)",)
    f = staticmethod(_sinh)

    def df(self, a, o):
        return _cosh(a)


class Cosh(Unary):
    name = symbol = method = "cosh"
    ufunc = np.cosh
    twice_differentiable = True
    doc = 'Hyperbolic cosine. ``Value(0.0).cosh().item() == 1.0``'
    formulas = ("d cosh(x)/dx = sinh(x)",)
    f = staticmethod(_cosh)

    def df(self, a, o):
        return _sinh(a)


class Arcsinh(Unary):
    name = symbol = method = "arcsinh"
    ufunc = np.arcsinh
    twice_differentiable = True
    doc = 'Inverse hyperbolic sine. ``Value(0.0).arcsinh().item() == 0.0``'
    formulas = ("d arcsinh(x)/dx = 1/√(x²+1)",)
    f = staticmethod(_safe(math.asinh, np.arcsinh))

    def df(self, a, o):
        return div(1.0, _sqrt(a * a + 1.0))


class Arccosh(Unary):
    name = symbol = method = "arccosh"
    ufunc = np.arccosh
    twice_differentiable = True
    doc = 'Inverse hyperbolic cosine (x >= 1); gradient inf at 1. ``Value(1.0).arccosh().item() == 0.0``'
    formulas = ("d arccosh(x)/dx = 1/√(x²-1)",)
    f = staticmethod(_safe(math.acosh, np.arccosh))

    def df(self, a, o):
        # (x-1)(x+1) is exact next to 1; + 0.0 turns the -0.0 at x = -1 into 0.0, so that
        # the gradient there is +inf, as PyTorch's 1/√(x²-1)
        p = (a - 1.0) * (a + 1.0) + 0.0
        if is_value(a) and np.any(np.abs(a._data) == 1.0):
            # the product rule's inf·0 = nan at ±1 in a create_graph pass (see _one_minus_sq);
            # PyTorch's second derivative there is -inf at 1, +inf at -1
            p = np.where(np.abs(a._data) == 1.0, a * a - 1.0, p)
        return div(1.0, _sqrt(p))


class Arctanh(Unary):
    name = symbol = method = "arctanh"
    ufunc = np.arctanh
    twice_differentiable = True
    doc = 'Inverse hyperbolic tangent (|x| < 1); ±inf at ±1. ``Value(0.0).arctanh().item() == 0.0``'
    formulas = ("d arctanh(x)/dx = 1/(1-x²)",)
    f = staticmethod(_safe(math.atanh, np.arctanh))

    def df(self, a, o):
        return div(1.0, _one_minus_sq(a))


# ---------------------------------------------------------------- logs and exps
class Log2(Unary):
    name = symbol = method = "log2"
    ufunc = np.log2
    twice_differentiable = True
    doc = 'Base-2 log. ``Value(8.0).log2().item() == 3.0``'
    formulas = ("d log₂(x)/dx = 1/(x·ln 2)",)
    f = staticmethod(_safe(math.log2, np.log2))

    def df(self, a, o):
        return div(1.0, a * LN2)


class Log10(Unary):
    name = symbol = method = "log10"
    ufunc = np.log10
    twice_differentiable = True
    doc = 'Base-10 log. ``Value(100.0).log10().item() == 2.0``'
    formulas = ("d log₁₀(x)/dx = 1/(x·ln 10)",)
    f = staticmethod(_safe(math.log10, np.log10))

    def df(self, a, o):
        return div(1.0, a * LN10)


class Log1p(Unary):
    name = symbol = method = "log1p"
    ufunc = np.log1p
    twice_differentiable = True
    doc = 'ln(1+x), exact for tiny x; -inf at -1. ``Value(0.0).log1p().item() == 0.0``'
    formulas = ("d ln(1+x)/dx = 1/(1+x)",)
    f = staticmethod(_safe(math.log1p, np.log1p))

    def df(self, a, o):
        return div(1.0, a + 1.0)


class Expm1(Unary):
    name = symbol = method = "expm1"
    ufunc = np.expm1
    twice_differentiable = True
    doc = 'e**x - 1, exact for tiny x. ``Value(0.0).expm1().item() == 0.0``'
    formulas = ("d(e^x - 1)/dx = e^x",)
    f = staticmethod(_safe(math.expm1, np.expm1))

    def df(self, a, o):
        # e^x itself, not out + 1 (which is 0 once e^x < 1e-16)
        return _exp(a)


def _exp2_float(a):
    return 2.0 ** a         # math.exp2 is Python >= 3.11; OverflowError -> numpy's inf


class Exp2(Unary):
    name = symbol = method = "exp2"
    ufunc = np.exp2
    twice_differentiable = True
    doc = '2**x. ``Value(3.0).exp2().item() == 8.0``'
    formulas = ("d 2^x/dx = 2^x·ln 2",)
    f = staticmethod(_safe(_exp2_float, np.exp2))

    def df(self, a, o):
        return o * LN2


# ---------------------------------------------------------------- erf
_ERF = np.frompyfunc(math.erf, 1, 1)


def _erf(a):
    """erf(x); numpy has none, so arrays run math.erf per element (correct to ~1 ulp)."""
    if a.__class__ is float:
        return math.erf(a)
    dt = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    return np.asarray(_ERF(a.astype(np.float64, copy=False)), dtype=dt)


class Erf(Unary):
    name = symbol = method = "erf"
    ufunc = None            # numpy has no erf ufunc (np.erf does not exist)
    twice_differentiable = True
    doc = 'The error function 2/√π ∫₀ˣ e^(-t²) dt. ``Value(0.0).erf().item() == 0.0``'
    formulas = ("d erf(x)/dx = 2/√π · e^(-x²)",)
    f = staticmethod(_erf)

    def df(self, a, o):
        return TWO_OVER_SQRT_PI * _exp(-(a * a))


# ---------------------------------------------------------------- steps: gradient 0
class _Step(Unary):
    """A piecewise-constant function: its gradient is 0 everywhere (as PyTorch)."""

    def df(self, a, o):
        return _zero_grad(a)

    def backward(self, ctx, g):
        return (_zero_grad(ctx.inputs[0]),)


def _sign_float(a):
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0 if a == 0.0 else a   # ±0 -> 0.0; nan -> nan


def _sign(a):
    return _sign_float(a) if a.__class__ is float else np.sign(a)


def _integral(math_f):
    """floor/ceil/trunc/round on a float, keeping the sign of a zero result (as IEEE and
    numpy: ceil(-0.5) is -0.0); inf and nan raise in math and go to numpy."""
    def f(a):
        return math.copysign(float(math_f(a)), a)
    return f


class Sign(_Step):
    name = symbol = method = "sign"
    ufunc = np.sign
    twice_differentiable = True
    doc = '-1, 0 or 1 (nan for nan); gradient 0. ``Value(-3.0).sign().item() == -1.0``'
    formulas = ("d sign(x)/dx = 0",)
    f = staticmethod(_sign)


class Floor(_Step):
    name = symbol = method = "floor"
    ufunc = np.floor
    twice_differentiable = True
    doc = 'Largest integer <= x; gradient 0. ``Value(-1.5).floor().item() == -2.0``'
    formulas = ("d floor(x)/dx = 0",)
    f = staticmethod(_safe(_integral(math.floor), np.floor))


class Ceil(_Step):
    name = symbol = method = "ceil"
    ufunc = np.ceil
    twice_differentiable = True
    doc = 'Smallest integer >= x; gradient 0. ``Value(-1.5).ceil().item() == -1.0``'
    formulas = ("d ceil(x)/dx = 0",)
    f = staticmethod(_safe(_integral(math.ceil), np.ceil))


class Round(_Step):
    name = symbol = method = "round"
    ufunc = np.rint         # np.round with decimals=0; halves go to the even neighbour
    twice_differentiable = True
    doc = 'Nearest integer, halves to even (2.5 -> 2); gradient 0. ``Value(2.5).round().item() == 2.0``'
    formulas = ("d round(x)/dx = 0",)
    f = staticmethod(_safe(_integral(round), np.rint))   # Python's round is half-to-even too


class Trunc(_Step):
    name = symbol = method = "trunc"
    ufunc = np.trunc
    twice_differentiable = True
    doc = 'x rounded toward 0; gradient 0. ``Value(-1.5).trunc().item() == -1.0``'
    formulas = ("d trunc(x)/dx = 0",)
    f = staticmethod(_safe(_integral(math.trunc), np.trunc))


# ---------------------------------------------------------------- binary
def floor_div(a, b):
    """a // b with numpy's semantics (inf/nan at b = 0, never ZeroDivisionError); on
    Values it is the recorded FloorDivide op."""
    if is_float(a, b):
        try:
            return a // b
        except ZeroDivisionError:
            with np.errstate(all="ignore"):
                return float(np.floor_divide(a, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        return a // b


def _remainder(a, b):
    if is_float(a, b):
        try:
            return a % b                 # Python's float % is numpy's (sign of the divisor)
        except ZeroDivisionError:
            return math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.remainder(a, b)


class FloorDivide(Op):
    """floor(x / y) as numpy's ``//``; piecewise constant, so both gradients are 0."""

    name, symbol, elementwise = "floor_divide", "//", True
    ufunc = np.floor_divide
    twice_differentiable = True
    formulas = ("d(x//y)/dx = 0", "d(x//y)/dy = 0")

    def forward(self, a, b):
        return floor_div(a, b), None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        return (_zero_grad(a) if na else None), (_zero_grad(b) if nb else None)

    def local(self, ctx):
        return 0.0, 0.0


class Remainder(Op):
    """x % y with the sign of y (numpy's and PyTorch's ``remainder``): x - y·floor(x/y)."""

    name, symbol, elementwise = "remainder", "%", True
    ufunc = np.remainder
    twice_differentiable = True
    formulas = ("d(x%y)/dx = 1", "d(x%y)/dy = -floor(x/y)")

    def forward(self, a, b):
        return _remainder(a, b), None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        return (fit(g, a) if na else None), (fit(-g * floor_div(a, b), b) if nb else None)

    def local(self, ctx):
        a, b = ctx.inputs
        return 1.0, -floor_div(a, b)


def _logaddexp(a, b):
    if is_float(a, b):
        # numpy's own formula (npy_logaddexp), so both paths agree to the bit
        if a == b:
            return a + LN2               # also right for ±inf, where a - b is nan
        t = a - b
        if t > 0:
            return a + math.log1p(math.exp(-t))
        if t <= 0:
            return b + math.log1p(math.exp(t))
        return t                         # nan
    return np.logaddexp(a, b)


def _sigmoid_of_diff(a, b):
    """1 / (1 + e^(b-a)): d logaddexp(a, b)/da. Exact at large |a-b| (e^(b-a) overflows
    to inf and the quotient to 0) and at a = inf (not exp(a - out), which is nan there)."""
    if is_float(a, b):
        return 1.0 / (1.0 + _exp(b - a))
    with np.errstate(over="ignore", invalid="ignore"):   # e^710 = inf and inf - inf = nan are the answers
        return 1.0 / (1.0 + np.exp(b - a))


class Logaddexp(Op):
    """log(e^x + e^y) without overflow: max(x, y) + log1p(e^-|x-y|)."""

    name, symbol, elementwise = "logaddexp", "logaddexp", True
    ufunc = np.logaddexp
    twice_differentiable = True
    formulas = ("d logaddexp(x,y)/dx = 1/(1+e^(y-x))", "d logaddexp(x,y)/dy = 1/(1+e^(x-y))")

    def forward(self, a, b):
        return _logaddexp(a, b), None

    def local(self, ctx):
        a, b = ctx.inputs
        return _sigmoid_of_diff(a, b), _sigmoid_of_diff(b, a)

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        return ((fit(g * _sigmoid_of_diff(a, b), a) if na else None),
                (fit(g * _sigmoid_of_diff(b, a), b) if nb else None))


class Arctan2(Op):
    """The angle of the point (x, y): arctan2(y, x), in (-π, π]."""

    name, symbol, elementwise = "arctan2", "arctan2", True
    ufunc = np.arctan2
    twice_differentiable = True
    formulas = ("d arctan2(y,x)/dy = x/(x²+y²)", "d arctan2(y,x)/dx = -y/(x²+y²)")

    def forward(self, y, x):
        if is_float(y, x):
            return math.atan2(y, x), None
        return np.arctan2(y, x), None

    def local(self, ctx):
        y, x = ctx.inputs
        # as PyTorch: 0 once x² overflows, and 0 (not 0·inf = nan) where x² + y² is 0: the
        # origin, or both so small that their squares underflow
        r = _inf_to_zero(div(1.0, x * x + y * y))
        return x * r, -y * r

    def backward(self, ctx, g):
        y, x = ctx.inputs
        dy, dx = self.local(ctx)
        ny, nx = ctx.needs_grad
        return (fit(g * dy, y) if ny else None), (fit(g * dx, x) if nx else None)


SIN, COS, TAN, ARCSIN, ARCCOS, ARCTAN = Sin(), Cos(), Tan(), Arcsin(), Arccos(), Arctan()
SINH, COSH, ARCSINH, ARCCOSH, ARCTANH = Sinh(), Cosh(), Arcsinh(), Arccosh(), Arctanh()
LOG2, LOG10, LOG1P, EXPM1, EXP2, ERF = Log2(), Log10(), Log1p(), Expm1(), Exp2(), Erf()
SIGN, FLOOR, CEIL, ROUND, TRUNC = Sign(), Floor(), Ceil(), Round(), Trunc()
FLOOR_DIVIDE, REMAINDER, LOGADDEXP, ARCTAN2 = FloorDivide(), Remainder(), Logaddexp(), Arctan2()

# the unary ops with a public name: ops/__init__.py adds them to ops.UNARY_METHODS
UNARY_METHODS = tuple(v for v in list(globals().values()) if isinstance(v, Unary) and v.method)
