"""Elementwise math ops: exp, log, sqrt, abs, trigonometric, hyperbolic, more logs and
exps, rounding, erf, and the binary ``//``, ``%``, ``logaddexp``, ``arctan2``, ``hypot`` ...

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
from typing import TYPE_CHECKING

import numpy as np

from .base import Op, V, data_of, div, fit, is_float, is_value
from .arithmetic import Binary, Unary, grad_where, safe_math
from .export import export
from .reduce import where_mixed

if TYPE_CHECKING:                      # annotations of the public functions only
    from .._types import Operand
    from ..value import Value

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# one function per ufunc the derivatives use: math on floats, the ufunc otherwise
# (which on a Value, through Value.__array_ufunc__, is a recorded op)
_sin = safe_math(math.sin, np.sin)
_cos = safe_math(math.cos, np.cos)
_sinh = safe_math(math.sinh, np.sinh)
_cosh = safe_math(math.cosh, np.cosh)
_exp = safe_math(math.exp, np.exp)
_sqrt = safe_math(math.sqrt, np.sqrt)


def _one_minus_sq(a):
    """1 - a² as (1-a)(1+a), exact next to ±1 (1 - a·a cancels). In a create_graph pass (``a``
    a Value) the product rule would send inf·0 = nan at exactly ±1, where PyTorch's second
    derivatives of arcsin, arccos and arctanh are ±inf: there it is 1 - a·a (the same 0),
    whose derivative -2a is finite."""
    p = (1.0 - a) * (1.0 + a)
    if is_value(a):
        edge = np.abs(data_of(a)) == 1.0
        if np.any(edge):
            return np.where(edge, 1.0 - a * a, p)        # gg.where on Values
    return p


def _inf_to_zero(r):
    """``r`` with its +inf entries set to 0 (a Value stays a Value: gg.where)."""
    d = data_of(r)
    if d.__class__ is float:
        return 0.0 if d == math.inf else r
    m = np.isinf(d)
    return np.where(m, d.dtype.type(0.0), r) if m.any() else r


def _zero_grad(x):
    """The gradient of a step function: exact zeros of x's kind (0 * an inf upstream
    would be nan; PyTorch gives 0). A constant, also in a create_graph pass (x a Value):
    nothing downstream depends on the inputs."""
    if is_value(x):
        x = data_of(x)
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
    f = staticmethod(safe_math(math.tan, np.tan))

    def df(self, a, o):
        return 1.0 + o * o


class Arcsin(Unary):
    name = symbol = method = "arcsin"
    ufunc = np.arcsin
    twice_differentiable = True
    doc = 'Inverse sine; gradient inf at ±1. ``Value(0.0).arcsin().item() == 0.0``'
    formulas = ("d arcsin(x)/dx = 1/√(1-x²)",)
    f = staticmethod(safe_math(math.asin, np.arcsin))

    def df(self, a, o):
        # (1-x)(1+x), not 1-x²: no cancellation next to ±1
        return div(1.0, _sqrt(_one_minus_sq(a)))


class Arccos(Unary):
    name = symbol = method = "arccos"
    ufunc = np.arccos
    twice_differentiable = True
    doc = 'Inverse cosine; gradient -inf at ±1. ``Value(1.0).arccos().item() == 0.0``'
    formulas = ("d arccos(x)/dx = -1/√(1-x²)",)
    f = staticmethod(safe_math(math.acos, np.arccos))

    def df(self, a, o):
        return div(-1.0, _sqrt(_one_minus_sq(a)))


class Arctan(Unary):
    name = symbol = method = "arctan"
    ufunc = np.arctan
    twice_differentiable = True
    doc = 'Inverse tangent. ``Value(0.0).arctan().item() == 0.0``'
    formulas = ("d arctan(x)/dx = 1/(1+x²)",)
    f = staticmethod(safe_math(math.atan, np.arctan))

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
    f = staticmethod(safe_math(math.asinh, np.arcsinh))

    def df(self, a, o):
        return div(1.0, _sqrt(a * a + 1.0))


class Arccosh(Unary):
    name = symbol = method = "arccosh"
    ufunc = np.arccosh
    twice_differentiable = True
    doc = 'Inverse hyperbolic cosine (x >= 1); gradient inf at 1. ``Value(1.0).arccosh().item() == 0.0``'
    formulas = ("d arccosh(x)/dx = 1/√(x²-1)",)
    f = staticmethod(safe_math(math.acosh, np.arccosh))

    def df(self, a, o):
        # (x-1)(x+1) is exact next to 1; + 0.0 turns the -0.0 at x = -1 into 0.0, so that
        # the gradient there is +inf, as PyTorch's 1/√(x²-1)
        p = (a - 1.0) * (a + 1.0) + 0.0
        if is_value(a) and np.any(np.abs(data_of(a)) == 1.0):
            # the product rule's inf·0 = nan at ±1 in a create_graph pass (see _one_minus_sq);
            # PyTorch's second derivative there is -inf at 1, +inf at -1
            p = np.where(np.abs(data_of(a)) == 1.0, a * a - 1.0, p)
        return div(1.0, _sqrt(p))


class Arctanh(Unary):
    name = symbol = method = "arctanh"
    ufunc = np.arctanh
    twice_differentiable = True
    doc = 'Inverse hyperbolic tangent (|x| < 1); ±inf at ±1. ``Value(0.0).arctanh().item() == 0.0``'
    formulas = ("d arctanh(x)/dx = 1/(1-x²)",)
    f = staticmethod(safe_math(math.atanh, np.arctanh))

    def df(self, a, o):
        return div(1.0, _one_minus_sq(a))


# ---------------------------------------------------------------- logs and exps
class Log2(Unary):
    name = symbol = method = "log2"
    ufunc = np.log2
    twice_differentiable = True
    doc = 'Base-2 log. ``Value(8.0).log2().item() == 3.0``'
    formulas = ("d log₂(x)/dx = 1/(x·ln 2)",)
    f = staticmethod(safe_math(math.log2, np.log2))

    def df(self, a, o):
        return div(1.0, a * LN2)


class Log10(Unary):
    name = symbol = method = "log10"
    ufunc = np.log10
    twice_differentiable = True
    doc = 'Base-10 log. ``Value(100.0).log10().item() == 2.0``'
    formulas = ("d log₁₀(x)/dx = 1/(x·ln 10)",)
    f = staticmethod(safe_math(math.log10, np.log10))

    def df(self, a, o):
        return div(1.0, a * LN10)


class Log1p(Unary):
    name = symbol = method = "log1p"
    ufunc = np.log1p
    twice_differentiable = True
    doc = 'ln(1+x), exact for tiny x; -inf at -1. ``Value(0.0).log1p().item() == 0.0``'
    formulas = ("d ln(1+x)/dx = 1/(1+x)",)
    f = staticmethod(safe_math(math.log1p, np.log1p))

    def df(self, a, o):
        return div(1.0, a + 1.0)


class Expm1(Unary):
    name = symbol = method = "expm1"
    ufunc = np.expm1
    twice_differentiable = True
    doc = 'e**x - 1, exact for tiny x. ``Value(0.0).expm1().item() == 0.0``'
    formulas = ("d(e^x - 1)/dx = e^x",)
    f = staticmethod(safe_math(math.expm1, np.expm1))

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
    f = staticmethod(safe_math(_exp2_float, np.exp2))

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
    f = staticmethod(safe_math(_integral(math.floor), np.floor))


class Ceil(_Step):
    name = symbol = method = "ceil"
    ufunc = np.ceil
    twice_differentiable = True
    doc = 'Smallest integer >= x; gradient 0. ``Value(-1.5).ceil().item() == -1.0``'
    formulas = ("d ceil(x)/dx = 0",)
    f = staticmethod(safe_math(_integral(math.ceil), np.ceil))


class Round(_Step):
    name = symbol = method = "round"
    ufunc = np.rint         # np.round with decimals=0; halves go to the even neighbour
    twice_differentiable = True
    doc = 'Nearest integer, halves to even (2.5 -> 2); gradient 0. ``Value(2.5).round().item() == 2.0``'
    formulas = ("d round(x)/dx = 0",)
    f = staticmethod(safe_math(_integral(round), np.rint))   # Python's round is half-to-even too


class Trunc(_Step):
    name = symbol = method = "trunc"
    ufunc = np.trunc
    twice_differentiable = True
    doc = 'x rounded toward 0; gradient 0. ``Value(-1.5).trunc().item() == -1.0``'
    formulas = ("d trunc(x)/dx = 0",)
    f = staticmethod(safe_math(_integral(math.trunc), np.trunc))


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


@export("floor_divide", numpy=np.floor_divide)
class FloorDivide(Binary):
    """``a // b``: floor(a / b) as numpy (inf/nan where b is 0); piecewise constant, so
    both gradients are 0 (exact zeros, also for an inf upstream).

    >>> import graphgrad as gg
    >>> gg.floor_divide(gg.Value(-7.0), 2.0).item()
    -4.0
    """

    name, symbol = "floor_divide", "//"
    ufunc = np.floor_divide
    twice_differentiable = True
    formulas = ("d(x//y)/dx = 0", "d(x//y)/dy = 0")
    f = staticmethod(floor_div)

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        return (_zero_grad(a) if na else None), (_zero_grad(b) if nb else None)

    def local(self, ctx):
        return 0.0, 0.0


@export("remainder", numpy=np.remainder)
class Remainder(Binary):
    """``a % b`` with the sign of ``b`` (numpy's and PyTorch's remainder): a - b·floor(a/b).

    >>> import graphgrad as gg
    >>> gg.remainder(gg.Value(-7.0), 2.0).item()
    1.0
    """

    name, symbol = "remainder", "%"
    ufunc = np.remainder
    twice_differentiable = True
    formulas = ("d(x%y)/dx = 1", "d(x%y)/dy = -floor(x/y)")
    f = staticmethod(_remainder)

    def df(self, a, b, o):
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


@export("logaddexp", numpy=np.logaddexp)
class Logaddexp(Binary):
    """log(e^a + e^b) without overflow, max(a, b) + log1p(e^-|a-b|); broadcasts like ``+``.

    >>> import graphgrad as gg
    >>> gg.logaddexp(gg.Value(1000.0), gg.Value(1000.0)).item()
    1000.6931471805599
    """

    name, symbol = "logaddexp", "logaddexp"
    ufunc = np.logaddexp
    twice_differentiable = True
    formulas = ("d logaddexp(x,y)/dx = 1/(1+e^(y-x))", "d logaddexp(x,y)/dy = 1/(1+e^(x-y))")
    f = staticmethod(_logaddexp)

    def df(self, a, b, o):
        return _sigmoid_of_diff(a, b), _sigmoid_of_diff(b, a)


@export("arctan2", numpy=np.arctan2)
class Arctan2(Binary):
    """The angle of the point (x, y) in (-π, π]: ``arctan2(y, x)`` (y first, as numpy).

    >>> import graphgrad as gg
    >>> gg.arctan2(gg.Value(1.0), gg.Value(-1.0)).item()     # 3π/4
    2.356194490192345
    """

    name, symbol = "arctan2", "arctan2"
    ufunc = np.arctan2
    twice_differentiable = True
    formulas = ("d arctan2(y,x)/dy = x/(x²+y²)", "d arctan2(y,x)/dx = -y/(x²+y²)")

    def f(self, y, x):
        return math.atan2(y, x) if is_float(y, x) else np.arctan2(y, x)

    def df(self, y, x, o):
        # as PyTorch: 0 once x² overflows, and 0 (not 0·inf = nan) where x² + y² is 0: the
        # origin, or both so small that their squares underflow
        r = _inf_to_zero(div(1.0, x * x + y * y))
        return x * r, -y * r


# ---------------------------------------------------------------- declared with @export
# (one class each: the function gg.<name>, the Value method and numpy's ufunc come from it)
def _pick(mask, a, b):
    """where(mask, a, b) with a constant mask (reduce.where_mixed), a float for float operands."""
    if np.ndim(mask) == 0 and not is_value(a) and not is_value(b) and not isinstance(a, np.ndarray) \
            and not isinstance(b, np.ndarray):
        return float(a) if mask else float(b)
    return where_mixed(mask, a, b)


@export("hypot", method=True, numpy=np.hypot)
class Hypot(Binary):
    """√(x² + y²) without overflow; gradient (x, y)/out, and 0 at the origin (as ``norm``;
    PyTorch gives nan there).

    >>> import graphgrad as gg
    >>> gg.hypot(3.0, 4.0).item()
    5.0
    """

    name = symbol = "hypot"
    twice_differentiable = True
    formulas = ("d hypot(x,y)/dx = x/hypot(x,y)", "d hypot(x,y)/dy = y/hypot(x,y)")

    def f(self, a, b):
        return math.hypot(a, b) if is_float(a, b) else np.hypot(a, b)

    def df(self, a, b, o):
        zero = data_of(o) == 0
        if not np.any(zero):
            return a / o, b / o
        safe = _pick(zero, 1.0, o)
        return _pick(zero, 0.0, a / safe), _pick(zero, 0.0, b / safe)


class _FMax(Binary):
    twice_differentiable = True

    def f(self, a, b):
        return self.ufunc(a, b)

    def df(self, a, b, o):
        # as PyTorch: the whole gradient to the input that was picked (x on a tie)
        ad, bd = data_of(a), data_of(b)
        with np.errstate(invalid="ignore"):
            to_a = (self.cmp(ad, bd) | np.isnan(bd)).astype(np.result_type(ad, bd, 1.0))
        if to_a.ndim == 0:
            to_a = float(to_a)
        return to_a, 1.0 - to_a

    def backward(self, ctx, g):
        # select, not g·to_a: the input not picked gets exactly 0, even for an inf upstream (as torch)
        a, b = ctx.inputs
        to_a = self.df(a, b, ctx.out)[0] != 0
        na, nb = ctx.needs_grad
        return ((fit(grad_where(g, to_a), a) if na else None),
                (fit(grad_where(g, np.logical_not(to_a)), b) if nb else None))


@export("fmax", method=True, numpy=np.fmax)
class Fmax(_FMax):
    """Elementwise max ignoring nan (nan only where both are); the gradient goes to the
    larger input (to x on a tie), as PyTorch.

    >>> import graphgrad as gg
    >>> gg.fmax(float("nan"), 2.0).item()
    2.0
    """

    name = symbol = "fmax"
    ufunc = staticmethod(np.fmax)
    cmp = staticmethod(np.greater_equal)
    formulas = ("d fmax(x,y)/dx = 1 where x >= y or y is nan", "d fmax(x,y)/dy = 1 elsewhere")


@export("fmin", method=True, numpy=np.fmin)
class Fmin(_FMax):
    """Elementwise min ignoring nan; the gradient goes to the smaller input (x on a tie).

    >>> import graphgrad as gg
    >>> gg.fmin(1.0, float("nan")).item()
    1.0
    """

    name = symbol = "fmin"
    ufunc = staticmethod(np.fmin)
    cmp = staticmethod(np.less_equal)
    formulas = ("d fmin(x,y)/dx = 1 where x <= y or y is nan", "d fmin(x,y)/dy = 1 elsewhere")


def _log2_sum(a, b):
    if is_float(a, b):
        return float(np.logaddexp2(a, b))
    return np.logaddexp2(a, b)


@export("logaddexp2", method=True, numpy=np.logaddexp2)
class Logaddexp2(Binary):
    """log2(2^x + 2^y) without overflow.

    >>> import graphgrad as gg
    >>> gg.logaddexp2(1.0, 1.0).item()
    2.0
    """

    name = symbol = "logaddexp2"
    twice_differentiable = True
    formulas = ("d logaddexp2(x,y)/dx = 1/(1+2^(y-x))", "d logaddexp2(x,y)/dy = 1/(1+2^(x-y))")

    def f(self, a, b):
        return _log2_sum(a, b)

    def df(self, a, b, o):
        with np.errstate(over="ignore", invalid="ignore"):
            return 1.0 / (1.0 + np.exp2(b - a)), 1.0 / (1.0 + np.exp2(a - b))


@export("cbrt", method=True, numpy=np.cbrt)
class Cbrt(Unary):
    """Cube root, real for negative x too; gradient inf at 0 (as PyTorch).

    >>> import graphgrad as gg
    >>> gg.cbrt(-8.0).item()
    -2.0
    """

    name = symbol = "cbrt"
    twice_differentiable = True
    formulas = ("d cbrt(x)/dx = 1/(3 cbrt(x)²)",)

    def f(self, a):
        return float(np.cbrt(a)) if a.__class__ is float else np.cbrt(a)

    def df(self, a, o):
        with np.errstate(divide="ignore"):
            return div(1.0, 3.0 * o * o)


@export("sinc", method=True, numpy=np.sinc)
class Sinc(Unary):
    """The normalised sinc, sin(πx)/(πx), 1 at 0; gradient 0 at 0 (as PyTorch) and second
    derivative -π²/3 there (PyTorch gives nan).

    >>> import graphgrad as gg
    >>> gg.sinc(0.5).item() == 2 / np.pi
    True
    """

    name = symbol = "sinc"
    twice_differentiable = True
    formulas = ("d sinc(x)/dx = (cos(πx) - sinc(x))/x, 0 at x = 0",)

    def f(self, a):
        return float(np.sinc(a)) if a.__class__ is float else np.sinc(a)

    def df(self, a, o):
        zero = data_of(a) == 0
        if not np.any(zero):
            return (np.cos(math.pi * a) - o) / a
        safe = _pick(zero, 1.0, a)
        # at 0 the slope of sinc' itself, -π²/3·x (0 there): a second derivative stays exact
        return _pick(zero, (-math.pi ** 2 / 3) * a, (np.cos(math.pi * safe) - o) / safe)


class _Scale(Unary):
    twice_differentiable = True

    def f(self, a):
        return a * self.k

    def df(self, a, o):
        return self.k


@export("deg2rad", method=True, numpy=(np.deg2rad, np.radians))
class Deg2rad(_Scale):
    """Degrees to radians, x·π/180.

    >>> import graphgrad as gg
    >>> gg.deg2rad(180.0).item() == np.pi
    True
    """

    name = symbol = "deg2rad"
    k = math.pi / 180.0
    formulas = ("d deg2rad(x)/dx = π/180",)


@export("rad2deg", method=True, numpy=(np.rad2deg, np.degrees))
class Rad2deg(_Scale):
    """Radians to degrees, x·180/π.

    >>> import graphgrad as gg
    >>> gg.rad2deg(np.pi).item()
    180.0
    """

    name = symbol = "rad2deg"
    k = 180.0 / math.pi
    formulas = ("d rad2deg(x)/dx = 180/π",)


@export("nan_to_num", method=True, numpy=np.nan_to_num)
class NanToNum(Unary):
    """nan, inf and -inf replaced by numbers (numpy's defaults: 0 and the largest finite
    float); gradient 1 where x is finite and 0 where it was replaced (as PyTorch).

    >>> import graphgrad as gg
    >>> gg.nan_to_num(gg.Value([1.0, float("nan")])).numpy()
    array([1., 0.])
    """

    name = symbol = "nan_to_num"
    twice_differentiable = True
    formulas = ("d nan_to_num(x)/dx = 1 where x is finite, else 0",)

    def forward(self, a, *, nan=0.0, posinf=None, neginf=None):
        r = np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)
        return (float(r) if a.__class__ is float else r), None

    def df(self, a, o):
        fin = np.isfinite(data_of(a))
        return float(fin) if np.ndim(fin) == 0 and data_of(a).__class__ is float else fin.astype(data_of(a).dtype)

    def __call__(self, x: Operand, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
                 neginf: float | None = None) -> Value:
        """``gg.nan_to_num(x, nan=0.0, posinf=None, neginf=None)`` (numpy's signature)."""
        return V.apply(self, x, nan=float(nan), posinf=None if posinf is None else float(posinf),
                       neginf=None if neginf is None else float(neginf))


# ---------------------------------------------------------------- numpy's complex-number functions
# A Value is never complex (complex dtypes are refused), so on a Value these are the real
# number's: its real part and conjugate are itself, its imaginary part 0, its angle 0 or π.
@export("real", numpy=(np.real, np.real_if_close))
def real(val: Operand, tol: float = 100) -> Value:
    """The real part of ``val``: a Value is real, so ``val`` itself (as ``np.real`` of a
    real array; ``np.real_if_close`` too). Gradient 1.

    >>> import graphgrad as gg
    >>> x = gg.Value([1.0, -2.0])
    >>> gg.real(x) is x
    True
    """
    return V.as_value(val)


@export("conj", numpy=np.conjugate)
def conj(x: Operand) -> Value:
    """The complex conjugate of ``x``: a Value is real, so ``x`` itself (as ``np.conj`` of a
    real array). Gradient 1.

    >>> import graphgrad as gg
    >>> np.conj(gg.Value(3.0)).item()
    3.0
    """
    return V.as_value(x)


@export("imag", numpy=np.imag)
class Imag(_Step):
    """The imaginary part of a real number: 0 (nan too, as ``np.imag``); gradient 0.

    >>> import graphgrad as gg
    >>> np.imag(gg.Value([1.0, -2.0])).numpy()
    array([0., 0.])
    """

    name = symbol = "imag"
    twice_differentiable = True
    formulas = ("d imag(x)/dx = 0",)

    def f(self, a):
        return 0.0 if a.__class__ is float else np.zeros_like(a)


@export("angle", numpy=np.angle)
class Angle(_Step):
    """The angle of a real number in the complex plane: 0 for x >= 0, π for x < 0 (and
    -0.0), nan for nan, as ``np.angle``; gradient 0. ``deg=True`` gives degrees.

    >>> import graphgrad as gg
    >>> np.angle(gg.Value([2.0, -2.0])).numpy()
    array([0.        , 3.14159265])
    """

    name = symbol = "angle"
    twice_differentiable = True
    formulas = ("d angle(x)/dx = 0",)

    def f(self, a):
        r = np.angle(a)
        return float(r) if a.__class__ is float else r

    def __call__(self, z: Operand, deg: bool = False) -> Value:
        """``gg.angle(z, deg=False)`` (numpy's signature)."""
        r = V.apply(self, z)
        return r * (180.0 / math.pi) if deg else r


class Exp(Unary):
    name, symbol = "exp", "exp"
    ufunc = np.exp
    twice_differentiable = True
    method = 'exp'
    doc = 'e**x. ``Value(0.0).exp().item() == 1.0``'
    formulas = ("d(e^x)/dx = e^x",)
    f = staticmethod(safe_math(math.exp, np.exp))

    def df(self, a, o):
        return o


class Log(Unary):
    name, symbol = "log", "log"
    ufunc = np.log
    twice_differentiable = True
    method = 'log'
    doc = 'Natural log. ``Value(1.0).log().item() == 0.0``'
    formulas = ("d(ln x)/dx = 1/x",)
    f = staticmethod(safe_math(math.log, np.log))

    def df(self, a, o):
        return div(1.0, a)


class Sqrt(Unary):
    name, symbol = "sqrt", "√"
    ufunc = np.sqrt
    twice_differentiable = True
    method = 'sqrt'
    doc = 'Square root. ``Value(4.0).sqrt().item() == 2.0``'
    formulas = ("d(√x)/dx = 1/(2√x)",)
    f = staticmethod(safe_math(math.sqrt, np.sqrt))

    def df(self, a, o):
        return div(0.5, o)


class Abs(Unary):
    name, symbol = "abs", "|x|"
    ufunc = np.absolute
    twice_differentiable = True
    method = 'abs'
    doc = '|x|; gradient sign(x), 0 at 0. ``Value(-2.0).abs().item() == 2.0``'
    formulas = ("d|x|/dx = sign(x) (0 at 0)",)

    def f(self, a):
        return abs(a) if a.__class__ is float else np.abs(a)

    def df(self, a, o):
        return float(np.sign(a)) if a.__class__ is float else np.sign(a)


EXP, LOG, SQRT, ABS = Exp(), Log(), Sqrt(), Abs()
SIN, COS, TAN, ARCSIN, ARCCOS, ARCTAN = Sin(), Cos(), Tan(), Arcsin(), Arccos(), Arctan()
SINH, COSH, ARCSINH, ARCCOSH, ARCTANH = Sinh(), Cosh(), Arcsinh(), Arccosh(), Arctanh()
LOG2, LOG10, LOG1P, EXPM1, EXP2, ERF = Log2(), Log10(), Log1p(), Expm1(), Exp2(), Erf()
SIGN, FLOOR, CEIL, ROUND, TRUNC = Sign(), Floor(), Ceil(), Round(), Trunc()
# the one instance each of the @export classes (made by the decorator)
FLOOR_DIVIDE, REMAINDER = FloorDivide.instance, Remainder.instance  # type: ignore[attr-defined]
LOGADDEXP, ARCTAN2 = Logaddexp.instance, Arctan2.instance  # type: ignore[attr-defined]

# the unary ops with a public name: ops/__init__.py adds them to ops.UNARY_METHODS
UNARY_METHODS = tuple(v for v in list(globals().values()) if isinstance(v, Unary) and v.method)
