"""Activation functions as fused elementwise gates, with PyTorch's float64 numerics.

Parameter-free ones are :class:`Unary` ops with a public ``method`` (``Value.silu()``,
``gg.silu(x)``); the ones with a parameter (softplus β/threshold, CELU α, GELU's
``approximate``, hardtanh's bounds) are ops whose attributes travel with the node and
show on its gate (``Softplus(β=2)``); their functions ``gg.softplus``, ``gg.gelu``,
``gg.celu`` and ``gg.hardtanh`` are at the end of this module.

Numerics follow PyTorch: the same outputs for large |x| without overflow (softplus,
log-sigmoid and mish through ``logaddexp``, exponentials of clamped arguments), and the
same gradient at the kinks of the hard* functions (checked against torch at exactly
±3, the hardtanh bounds and 0). float32 inputs give float32 outputs and gradients.
Where torch's float64 kernel is less exact the exact value is kept: GELU in the far left
tail (0.5·erfc, and x·σ(2u) for the tanh form, instead of 1 + erf / 1 + tanh that cancel),
hardsigmoid's slope 1/6 and CELU's 1/α (torch rounds both to float32).

Every ``df`` is written with operators, numpy ufuncs and ``run(OP, ...)``, so that in a
``create_graph`` pass (``a``, ``o`` are Values) the derivative is itself recorded.

>>> import graphgrad as gg
>>> round(gg.silu(gg.Value(1.0)).item(), 6)
0.731059
>>> round(gg.softplus(gg.Value(0.0)).item(), 4)
0.6931
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .._params import number
from .base import Op, V, fit, run
from .arithmetic import Unary, grad_where, safe_math

if TYPE_CHECKING:
    from .._types import Operand
    from ..value import Value

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_K = math.sqrt(2.0 / math.pi)        # tanh approximation: tanh(k (x + c x³))
_GELU_C = 0.044715
# SELU's constants (Klambauer et al. 2017), as torch spells them
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _floats(a, name):
    """The array as floating point: ints and bools become float64; complex is refused."""
    if a.__class__ is float or a.dtype.kind == "f":
        return a
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    raise TypeError(f"{name}: expected real numbers, got an array of dtype {a.dtype}; "
                    "convert it with .astype(np.float64)")


def _keep(r, a):
    """numpy results in the input's float dtype (float32 stays float32)."""
    return r.astype(a.dtype, copy=False)


_erfc_vec = np.vectorize(math.erfc, otypes=[np.float64])


def _erfc(a):
    """erfc elementwise (math.erfc: correct to the last bits, where 1 - erf would cancel)."""
    if a.__class__ is float:
        return math.erfc(a)
    return _keep(_erfc_vec(a), a)


def _exp_clamped(a, neg):
    """exp(a) where ``neg`` holds, exp(0) = 1 elsewhere: no overflow in the unused branch
    (on Values the clamp is a where-gate, so a second derivative stays exact at the kink)."""
    return np.exp(np.where(neg, a, 0.0))


class Activation(Op):
    """An elementwise op of one input with attributes: ``f(a, **attrs)``, ``df(a, o, **attrs)``."""

    elementwise = True

    def forward(self, a, **attrs):
        return self.f(a, **attrs), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        d = self.df(a, ctx.out, **ctx.attrs)
        if g.__class__ is float and d.__class__ is float:
            return (g * d,)
        return (fit(g * d, a),)

    def local(self, ctx):
        return (self.df(ctx.inputs[0], ctx.out, **ctx.attrs),)


def _real(f):
    """Wrap ``f(self, a, ...)`` so integer and bool arrays are computed as float64 (the
    Value methods call ``op.f`` directly, so the check lives on ``f``, not ``forward``)."""
    def real_f(self, a, *args, **attrs):
        if a.__class__ is not float and a.dtype.kind != "f":
            a = _floats(a, self.name)
        return f(self, a, *args, **attrs)
    real_f.__name__, real_f.__doc__ = f.__name__, f.__doc__
    return real_f


def _g(x):
    return f"{x:g}"


# ---------------------------------------------------------------- smooth: the softplus family
class Softplus(Activation):
    """log(1 + e^(βx))/β, and x itself where βx > threshold (as torch, for speed and exactness)."""

    name, symbol = "softplus", "softplus"
    twice_differentiable = True
    formulas = ("d softplus(x)/dx = σ(βx) (1 where βx > threshold)",)

    @_real
    def f(self, a, *, beta, threshold):
        if a.__class__ is float:
            z = beta * a
            if z > threshold:
                return a
            return (max(z, 0.0) + math.log1p(math.exp(-abs(z)))) / beta
        z = a * beta
        # logaddexp(0, z) = log(1 + e^z) without overflow for large z
        return _keep(np.where(z > threshold, a, np.logaddexp(0.0, z) / beta), a)

    def df(self, a, o, *, beta, threshold):
        if a.__class__ is float:
            z = beta * a
            return 1.0 if z > threshold else _sigmoid(z)
        z = a * beta
        return np.where(z > threshold, 1.0, run(SIGMOID, z))

    def label(self, attrs):
        b, t = attrs["beta"], attrs["threshold"]
        inner = ", ".join(([f"β={_g(b)}"] if b != 1 else []) + ([f"threshold={_g(t)}"] if t != 20 else []))
        return f"Softplus({inner})" if inner else "Softplus"


class LogSigmoid(Unary):
    name, symbol = "logsigmoid", "log σ"
    twice_differentiable = True
    method = "logsigmoid"
    doc = "log σ(x) = -softplus(-x), stable for large |x|. ``round(Value(0.0).logsigmoid().item(), 4) == -0.6931``"
    formulas = ("d log σ(x)/dx = σ(-x) = 1 - σ(x)",)

    @_real
    def f(self, a):
        if a.__class__ is float:
            return -(max(-a, 0.0) + math.log1p(math.exp(-abs(a))))
        return _keep(-np.logaddexp(0.0, -a), a)

    def df(self, a, o):
        if a.__class__ is float:
            return _sigmoid(-a)
        return run(SIGMOID, -a)


class Silu(Unary):
    name, symbol = "silu", "SiLU"
    twice_differentiable = True
    method = "silu"
    doc = "x·σ(x) (swish). ``round(Value(1.0).silu().item(), 4) == 0.7311``"
    formulas = ("d silu(x)/dx = σ(x)(1 + x(1 - σ(x)))",)

    @_real
    def f(self, a):
        return a * _sigmoid(a)

    def df(self, a, o):
        s = _sigmoid(a) if a.__class__ is float else run(SIGMOID, a)
        return s * (1.0 + a * (1.0 - s))


class Mish(Unary):
    name, symbol = "mish", "Mish"
    twice_differentiable = True
    method = "mish"
    doc = "x·tanh(softplus(x)). ``round(Value(1.0).mish().item(), 4) == 0.8651``"
    formulas = ("d mish(x)/dx = tanh(sp(x)) + x σ(x)(1 - tanh²(sp(x)))",)

    @_real
    def f(self, a):
        if a.__class__ is float:
            return a * math.tanh(max(a, 0.0) + math.log1p(math.exp(-abs(a))))
        return _keep(a * np.tanh(np.logaddexp(0.0, a)), a)

    def df(self, a, o):
        if a.__class__ is float:
            t = math.tanh(max(a, 0.0) + math.log1p(math.exp(-abs(a))))
            return t + a * _sigmoid(a) * (1.0 - t * t)
        t = np.tanh(run(SOFTPLUS, a, beta=1.0, threshold=math.inf))
        return t + a * run(SIGMOID, a) * (1.0 - t * t)


class Softsign(Unary):
    name, symbol = "softsign", "softsign"
    twice_differentiable = True
    method = "softsign"
    doc = "x / (1 + |x|). ``Value(1.0).softsign().item() == 0.5``"
    formulas = ("d softsign(x)/dx = 1 / (1 + |x|)²",)

    @_real
    def f(self, a):
        if a.__class__ is float:
            return a / (1.0 + abs(a))
        return a / (1.0 + np.abs(a))

    def df(self, a, o):
        r = 1.0 / (1.0 + abs(a))          # squared after the division: no overflow at 1e300
        return r * r


# ---------------------------------------------------------------- GELU
class NormalCdf(Unary):
    """Φ(x), the standard normal CDF, as 0.5·erfc(-x/√2) (exact in the far left tail, where
    0.5·(1 + erf) would cancel to 0). Private: GELU's derivative uses it so that a second
    derivative can be recorded; the public erf lives with the math ops."""

    name, symbol = "normal_cdf", "Φ"
    twice_differentiable = True
    formulas = ("dΦ(x)/dx = φ(x) = e^(-x²/2)/√(2π)",)

    @_real
    def f(self, a):
        return 0.5 * _erfc(-a * _SQRT_HALF)

    def df(self, a, o):
        if a.__class__ is float:
            return _INV_SQRT_2PI * math.exp(-0.5 * a * a)
        with np.errstate(over="ignore"):
            return _INV_SQRT_2PI * np.exp(-0.5 * (a * a))


class Gelu(Activation):
    """x·Φ(x) (``approximate="none"``) or torch's tanh approximation (``approximate="tanh"``).

    The tanh form is computed as x·σ(2u), u = k(x + c x³), the same function as
    ½x(1 + tanh u) but without the cancellation of 1 + tanh u for x << 0.
    """

    name, symbol = "gelu", "GELU"
    twice_differentiable = True
    formulas = ("d gelu(x)/dx = Φ(x) + x φ(x)",)

    @_real
    def f(self, a, *, approximate):
        if approximate == "tanh":
            if a.__class__ is float:
                return a * _sigmoid(_tanh_arg2(a))
            with np.errstate(over="ignore", invalid="ignore"):
                return a * _sigmoid(_tanh_arg2(a))
        return a * NORMAL_CDF.f(a)

    def df(self, a, o, *, approximate):
        if a.__class__ is float:
            if approximate == "tanh":
                z = _tanh_arg2(a)
                s = _sigmoid(z)
                if not abs(a) <= 1e10:        # far out the second term is exactly 0 (not 0·inf)
                    return s if a == a else a
                # σ(2u) + x·2σ(2u)σ(-2u)·u'  (= ½(1+t) + ½x(1-t²)·u')
                return s + a * 2.0 * s * _sigmoid(-z) * _tanh_arg_d(a)
            return NORMAL_CDF.f(a) + a * NORMAL_CDF.df(a, None)
        with np.errstate(over="ignore", invalid="ignore"):
            if approximate == "tanh":
                z = _tanh_arg2(a)
                s = run(SIGMOID, z)
                near = np.abs(a) <= 1e10      # far out the second term is exactly 0 (not 0·inf)
                ac = np.where(near, a, 0.0)
                return s + ac * 2.0 * s * run(SIGMOID, -z) * _tanh_arg_d(ac)
            return run(NORMAL_CDF, a) + a * NORMAL_CDF.df(a, None)

    def label(self, attrs):
        return "GELU(tanh)" if attrs["approximate"] == "tanh" else "GELU"

    def formula(self, i, attrs):
        if attrs["approximate"] == "tanh":
            return "d gelu(x)/dx = ½(1+t) + ½x(1-t²)·k(1+3c x²), t = tanh(k(x + c x³))"
        return self.formulas[0]


def _tanh_arg2(a):
    """2u = 2k(x + c x³), the argument of σ in the tanh form of GELU."""
    return (2.0 * _GELU_K) * (a + _GELU_C * (a * a * a))


def _tanh_arg_d(a):
    """u' = k(1 + 3c x²)."""
    return _GELU_K * (1.0 + (3.0 * _GELU_C) * (a * a))


# ---------------------------------------------------------------- the ELU family
class Selu(Unary):
    name, symbol = "selu", "SELU"
    twice_differentiable = True
    method = "selu"
    doc = "scale·(x if x > 0 else α(eˣ - 1)) with torch's α, scale. ``Value(0.0).selu().item() == 0.0``"
    formulas = ("d selu(x)/dx = scale if x > 0 else scale·α·eˣ",)

    @_real
    def f(self, a):
        if a.__class__ is float:
            return _SELU_SCALE * (a if a > 0.0 else _SELU_ALPHA * math.expm1(a))
        neg = np.expm1(np.minimum(a, 0.0)) * _SELU_ALPHA    # min(x, 0): no overflow for large x
        return np.where(a > 0, a, neg) * _SELU_SCALE

    def df(self, a, o):
        # at x = 0 the x <= 0 branch, as torch (scale·α, not scale)
        if a.__class__ is float:
            return _SELU_SCALE if a > 0.0 else _SELU_SCALE * _SELU_ALPHA * math.exp(a)
        # ... and, as torch's double backward, a second derivative only for x < 0 (0 at 0)
        return np.where(a > 0, _SELU_SCALE, _exp_clamped(a, a < 0) * (_SELU_SCALE * _SELU_ALPHA))


class Celu(Activation):
    """x if x > 0 else α(e^(x/α) - 1)."""

    name, symbol = "celu", "CELU"
    twice_differentiable = True
    formulas = ("d celu(x)/dx = 1 if x > 0 else e^(x/α)",)

    @_real
    def f(self, a, *, alpha):
        # a negative α (torch allows it) makes x/α positive for x < 0: e^(x/α) may overflow
        # to inf, as it does in torch
        if a.__class__ is float:
            if a > 0.0:
                return a
            try:
                return alpha * math.expm1(a / alpha)
            except OverflowError:
                return alpha * math.inf
        with np.errstate(over="ignore"):
            neg = np.expm1(np.minimum(a, 0.0) / alpha) * alpha
        return np.where(a > 0, a, neg)

    def df(self, a, o, *, alpha):
        if a.__class__ is float:
            if a > 0.0:
                return 1.0
            try:
                return math.exp(a / alpha)
            except OverflowError:
                return math.inf
        # x = 0 takes the x <= 0 branch (e^0 = 1), but as in torch's double backward the
        # second derivative there is 0: the exponential only depends on x for x < 0
        with np.errstate(over="ignore"):
            return np.where(a > 0, 1.0, _exp_clamped(a / alpha, a < 0))

    def label(self, attrs):
        return f"CELU({_g(attrs['alpha'])})"


# ---------------------------------------------------------------- piecewise linear: the hard* family
def _between(a, lo, hi):
    """The open interval lo < x < hi, where torch passes the gradient of a clamp."""
    if a.__class__ is float:
        return lo < a < hi
    return (a > lo) & (a < hi)


class Hardtanh(Activation):
    """clamp(x, min_val, max_val); the gradient is 1 strictly inside and 0 at and beyond the
    bounds (as torch; gg.clip passes it at the bounds)."""

    name, symbol = "hardtanh", "Hardtanh"
    twice_differentiable = True
    formulas = ("d hardtanh(x)/dx = 1 if lo < x < hi else 0",)

    @_real
    def f(self, a, *, min_val, max_val):
        if a.__class__ is float:
            return min(max(a, min_val), max_val)
        return np.clip(a, min_val, max_val)

    def df(self, a, o, *, min_val, max_val):
        m = _between(a, min_val, max_val)
        # a raw mask (a Value of a float compares to a plain bool), as the input's dtype
        return float(m) if a.__class__ is float else np.asarray(m, dtype=a.dtype)

    def backward(self, ctx, g):
        # select, not g·df: exactly 0 at and beyond the bounds, even for an inf upstream (as torch)
        a, at = ctx.inputs[0], ctx.attrs
        return (fit(grad_where(g, _between(a, at["min_val"], at["max_val"])), a),)

    def label(self, attrs):
        lo, hi = attrs["min_val"], attrs["max_val"]
        return "Hardtanh" if (lo, hi) == (-1.0, 1.0) else f"Hardtanh[{_g(lo)}, {_g(hi)}]"


class Relu6(Unary):
    name, symbol = "relu6", "ReLU6"
    twice_differentiable = True
    method = "relu6"
    doc = "min(max(x, 0), 6); gradient 0 at 0 and 6 (as torch). ``Value(7.0).relu6().item() == 6.0``"
    formulas = ("d relu6(x)/dx = 1 if 0 < x < 6 else 0",)

    @_real
    def f(self, a):
        return HARDTANH.f(a, min_val=0.0, max_val=6.0)

    def df(self, a, o):
        return HARDTANH.df(a, o, min_val=0.0, max_val=6.0)

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        return (fit(grad_where(g, _between(a, 0.0, 6.0)), a),)      # 0 outside, inf upstream too


class Hardsigmoid(Unary):
    name, symbol = "hardsigmoid", "hardσ"
    twice_differentiable = True
    method = "hardsigmoid"
    doc = "relu6(x + 3)/6; gradient 1/6 for -3 < x < 3, else 0. ``Value(0.0).hardsigmoid().item() == 0.5``"
    formulas = ("d hardsigmoid(x)/dx = 1/6 if -3 < x < 3 else 0",)

    @_real
    def f(self, a):
        if a.__class__ is float:
            return min(max(a + 3.0, 0.0), 6.0) / 6.0
        return np.clip(a + 3.0, 0.0, 6.0) / 6.0

    def df(self, a, o):
        m = _between(a, -3.0, 3.0)
        if a.__class__ is float:
            return 1.0 / 6.0 if m else 0.0
        return np.asarray(m, dtype=a.dtype) * (1.0 / 6.0)

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        return (fit(grad_where(g, _between(a, -3.0, 3.0)) * (1.0 / 6.0), a),)   # 0 outside, inf too


class Hardswish(Unary):
    name, symbol = "hardswish", "hardswish"
    twice_differentiable = True
    method = "hardswish"
    doc = "x·relu6(x + 3)/6. ``Value(3.0).hardswish().item() == 3.0``"
    formulas = ("d hardswish(x)/dx = 0 if x < -3, x/3 + ½ if x <= 3, else 1",)

    @_real
    def f(self, a):
        if a.__class__ is float:
            return a * min(max(a + 3.0, 0.0), 6.0) / 6.0
        return a * np.clip(a + 3.0, 0.0, 6.0) / 6.0

    def df(self, a, o):
        # as torch: 0 at and below -3, x/3 + 1/2 strictly inside, 1 at and above 3
        if a.__class__ is float:
            return 0.0 if a <= -3.0 else (a / 3.0 + 0.5 if a < 3.0 else 1.0)
        inside = _between(a, -3.0, 3.0)
        const = np.where(a >= 3.0, 1.0, np.where(inside, 0.5, 0.0)).astype(a.dtype)
        # where, not a·inside: ±inf·0 would be nan (torch: 0 at -inf, 1 at +inf)
        return const + np.where(inside, a, 0.0) * (1.0 / 3.0)

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        d = self.df(a, ctx.out)
        if a.__class__ is float:
            return (g * d if a > -3.0 else 0.0,)
        return (fit(grad_where(g, a > -3.0) * d, a),)      # 0 at and below -3, inf upstream too


class Tanh(Unary):
    name, symbol = "tanh", "tanh"
    ufunc = np.tanh
    twice_differentiable = True
    method = 'tanh'
    doc = 'Hyperbolic tangent. ``Value(0.0).tanh().item() == 0.0``'
    formulas = ("d tanh(x)/dx = 1 - tanh²(x)",)
    f = staticmethod(safe_math(math.tanh, np.tanh))

    def df(self, a, o):
        return 1.0 - o * o


def _sigmoid(a):
    if a.__class__ is float:
        if a >= 0:
            return 1.0 / (1.0 + math.exp(-a))
        e = math.exp(a)
        return e / (1.0 + e)
    # exp(-log(1 + e^-x)) is exact for large |x| on both sides (no 1 - tiny cancellation)
    return np.exp(-np.logaddexp(0, -a)).astype(a.dtype, copy=False)


class Sigmoid(Unary):
    name, symbol = "sigmoid", "σ"
    twice_differentiable = True
    method = 'sigmoid'
    doc = 'σ(x) = 1/(1+e^-x) as one fused gate. ``Value(0.0).sigmoid().item() == 0.5``'
    formulas = ("dσ(x)/dx = σ(x)(1 - σ(x))",)
    f = staticmethod(_sigmoid)

    def df(self, a, o):
        return o * (1.0 - o)


class Relu(Unary):
    name, symbol = "relu", "ReLU"
    twice_differentiable = True
    method = 'relu'
    doc = 'max(0, x); gradient 0 at 0. ``Value(-1.0).relu().item() == 0.0``'
    formulas = ("d relu(x)/dx = 1 if x > 0 else 0",)

    def f(self, a):
        if a.__class__ is float:
            return a if a > 0.0 else 0.0
        return np.maximum(a, 0)

    def df(self, a, o):
        if a.__class__ is float:
            return 1.0 if a > 0.0 else 0.0
        return (a > 0).astype(a.dtype)

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        if a.__class__ is float:
            return (g if a > 0.0 else 0.0,)
        return (fit(grad_where(g, a > 0), a),)   # 0 at x <= 0 even for an inf upstream


TANH, SIGMOID, RELU = Tanh(), Sigmoid(), Relu()
SOFTPLUS, LOGSIGMOID, SILU, MISH, SOFTSIGN = Softplus(), LogSigmoid(), Silu(), Mish(), Softsign()
NORMAL_CDF, GELU, SELU, CELU = NormalCdf(), Gelu(), Selu(), Celu()
HARDTANH, RELU6, HARDSIGMOID, HARDSWISH = Hardtanh(), Relu6(), Hardsigmoid(), Hardswish()

# the published unary ops of this module; ops/__init__ adds them to ops.UNARY_METHODS
UNARY_METHODS = tuple(v for v in list(globals().values()) if isinstance(v, Unary) and v.method)

__all__ = ["Activation", "Softplus", "LogSigmoid", "Silu", "Mish", "Softsign", "NormalCdf", "Gelu",
           "Selu", "Celu", "Hardtanh", "Relu6", "Hardsigmoid", "Hardswish",
           "SOFTPLUS", "LOGSIGMOID", "SILU", "MISH", "SOFTSIGN", "NORMAL_CDF", "GELU", "SELU", "CELU",
           "HARDTANH", "RELU6", "HARDSIGMOID", "HARDSWISH",
           "Tanh", "Sigmoid", "Relu", "TANH", "SIGMOID", "RELU"]


# ---------------------------------------------------------------- the functions with a parameter
# gg.softplus, gg.gelu, gg.celu, gg.hardtanh (the parameter-free ones, gg.silu ..., come from
# their ops' method names, like gg.tanh). Arguments are torch's, checked here so a bad one is
# one clear sentence rather than a nan later.

def _number(x, what: str) -> float:
    """``x`` as a float, or a TypeError naming the argument (bools, strings and Values that
    require grad are refused: see ``_params``). ``what`` is "op: argument"."""
    where, _, name = what.partition(": ")
    return number(x, where, name)


def check_softplus(beta, threshold, where: str = "softplus") -> tuple[float, float]:
    """Validated (beta, threshold): beta finite and nonzero, threshold not nan."""
    b, t = _number(beta, f"{where}: beta"), _number(threshold, f"{where}: threshold")
    if b == 0.0 or not math.isfinite(b):
        raise ValueError(f"{where}: beta must be a finite nonzero number (softplus divides by it), got {beta!r}")
    if math.isnan(t):
        raise ValueError(f"{where}: threshold must be a number, got nan")
    return b, t


def check_celu(alpha, where: str = "celu") -> float:
    """Validated alpha: finite and nonzero (negative is allowed, as in torch)."""
    a = _number(alpha, f"{where}: alpha")
    if a == 0.0 or not math.isfinite(a):
        raise ValueError(f"{where}: alpha must be a finite nonzero number (CELU divides by it), got {alpha!r}")
    return a


def check_gelu(approximate, where: str = "gelu") -> str:
    """Validated approximate: "none" or "tanh"."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{where}: approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate


def check_hardtanh(min_val, max_val, where: str = "hardtanh") -> tuple[float, float]:
    """Validated (min_val, max_val) with min_val < max_val."""
    lo, hi = _number(min_val, f"{where}: min_val"), _number(max_val, f"{where}: max_val")
    if not lo < hi:
        raise ValueError(f"{where}: min_val must be less than max_val, got min_val={min_val!r}, "
                         f"max_val={max_val!r}")
    return lo, hi


def softplus(x: Operand, beta: float = 1.0, threshold: float = 20.0) -> Value:
    """log(1 + e^(βx))/β, and x where βx > threshold (as torch), as one gate.

    >>> softplus(gg.Value([0.0, 30.0])).numpy().round(4)
    array([ 0.6931, 30.    ])
    """
    b, t = check_softplus(beta, threshold)
    return V.apply(SOFTPLUS, V.as_value(x), beta=b, threshold=t)


def gelu(x: Operand, approximate: str = "none") -> Value:
    """x·Φ(x) with Φ the standard normal CDF; ``approximate="tanh"`` is torch's tanh formula.

    >>> round(gelu(gg.Value(1.0)).item(), 4), round(gelu(gg.Value(1.0), approximate="tanh").item(), 4)
    (0.8413, 0.8412)
    """
    return V.apply(GELU, V.as_value(x), approximate=check_gelu(approximate))


def celu(x: Operand, alpha: float = 1.0) -> Value:
    """x if x > 0 else α(e^(x/α) - 1), as one gate ``CELU(α)``.

    >>> round(celu(gg.Value(-1.0), alpha=2.0).item(), 4)
    -0.7869
    """
    return V.apply(CELU, V.as_value(x), alpha=check_celu(alpha))


def hardtanh(x: Operand, min_val: float = -1.0, max_val: float = 1.0) -> Value:
    """clamp(x, min_val, max_val); gradient 1 strictly between the bounds, 0 at them (as torch).

    >>> hardtanh(gg.Value([-2.0, 0.5, 2.0])).numpy()
    array([-1. ,  0.5,  1. ])
    """
    lo, hi = check_hardtanh(min_val, max_val)
    return V.apply(HARDTANH, V.as_value(x), min_val=lo, max_val=hi)
