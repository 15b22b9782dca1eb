"""Elementwise ops (scalars and broadcasting tensors): arithmetic and activations.

Each op has a float fast path: when every operand is a Python float the math runs on
floats (~20 ns a multiply) instead of 0-d numpy arrays (~460 ns).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ShapeError
from .base import Op, div, fit, is_float, power, record

if TYPE_CHECKING:                      # annotations of the public functions only
    from .._types import Operand
    from ..value import Value


# ---------------------------------------------------------------- binary arithmetic
class Add(Op):
    name, symbol, elementwise = "add", "+", True
    twice_differentiable = True
    formulas = ("d(x+y)/dx = 1", "d(x+y)/dy = 1")

    def forward(self, a, b):
        return a + b, None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        if g.__class__ is float and a.__class__ is float and b.__class__ is float:
            return g, g
        na, nb = ctx.needs_grad
        return (fit(g, a) if na else None), (fit(g, b) if nb else None)

    def local(self, ctx):
        return 1.0, 1.0


class Sub(Op):
    name, symbol, elementwise = "sub", "-", True
    twice_differentiable = True
    formulas = ("d(x-y)/dx = 1", "d(x-y)/dy = -1")

    def forward(self, a, b):
        return a - b, None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        return (fit(g, a) if na else None), (fit(-g, b) if nb else None)

    def local(self, ctx):
        return 1.0, -1.0


class Mul(Op):
    name, symbol, elementwise = "mul", "*", True
    twice_differentiable = True
    formulas = ("d(x*y)/dx = y", "d(x*y)/dy = x")

    def forward(self, a, b):
        return a * b, None

    def backward(self, ctx, g):
        ad, bd = ctx.inputs
        if g.__class__ is float and ad.__class__ is float and bd.__class__ is float:
            return g * bd, g * ad
        if (g.__class__ is np.ndarray and g.ndim and not any(g.strides)
                and getattr(ad, "shape", None) == g.shape == getattr(bd, "shape", None)):
            g = g.flat[0]                    # a broadcast constant (from sum): scale by a number,
            #                                  ~2.5x faster than multiplying by the 0-stride view
        if ad is bd:                         # x * x: one product, sent along both edges
            if ctx.fold:                     # or, both edges reaching one Value, their sum once
                return fit(ad * (2 * g), ad), None
            ga = fit(ad * g, ad)
            return ga, ga                    # upstream × x on each edge; they add up to 2·x·g
        na, nb = ctx.needs_grad
        return (fit(g * bd, ad) if na else None, fit(g * ad, bd) if nb else None)

    def local(self, ctx):
        a, b = ctx.inputs
        return b, a


class Div(Op):
    name, symbol, elementwise = "div", "/", True
    twice_differentiable = True
    formulas = ("d(x/y)/dx = 1/y", "d(x/y)/dy = -x/y²")

    def forward(self, a, b):
        return div(a, b), None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        # -x/y² as (x/y)/y: y*y underflows to 0 for |y| < 1e-154 and would give -inf
        return (fit(div(g, b), a) if na else None), (fit(div(-g * div(a, b), b), b) if nb else None)

    def local(self, ctx):
        a, b = ctx.inputs
        return div(1.0, b), div(-div(a, b), b)


class Pow(Op):
    """x ** y with both operands in the graph (for a constant exponent see PowConst)."""

    name, symbol, elementwise = "pow", "**", True
    twice_differentiable = True
    formulas = ("d(x^y)/dx = y·x^(y-1)", "d(x^y)/dy = x^y·ln x")

    def forward(self, a, b):
        return power(a, b), None

    def backward(self, ctx, g):
        da, db = self.local(ctx)
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        return (fit(g * da, a) if na else None), (fit(g * db, b) if nb else None)

    def local(self, ctx):
        # as PyTorch: d/dx is 0 where the exponent is 0 (not 0·x^-1 = nan at x = 0), and
        # d/dy is 0 where the base is 0 and the exponent >= 0 (not 0·ln 0 = nan)
        (a, b), o = ctx.inputs, ctx.out
        if a.__class__ is float and b.__class__ is float:
            da = 0.0 if b == 0.0 else b * power(a, b - 1)
            if a == 0.0 and b >= 0.0:
                db = 0.0
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    db = o * float(np.log(a))
            return da, db
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            da = np.where(b == 0, 0.0, b * power(a, b - 1))
            db = np.where((a == 0) & (b >= 0), 0.0, o * np.log(a))
        dt = np.result_type(a, b)
        return da.astype(dt, copy=False), db.astype(dt, copy=False)


class PowConst(Op):
    name, symbol, elementwise = "pow", "**", True
    twice_differentiable = True

    def forward(self, a, *, exponent):
        return power(a, exponent), None

    def backward(self, ctx, g):
        (a,) = ctx.inputs
        n = ctx.attrs["exponent"]
        if n == 2:
            return (fit(g * 2.0 * a, a),)
        return (fit(g * self.local(ctx)[0], a),)

    def local(self, ctx):
        (a,) = ctx.inputs
        n = ctx.attrs["exponent"]
        if n == 0:                           # d(x^0)/dx = 0, also at x = 0 (as PyTorch)
            return (0.0 if a.__class__ is float else np.zeros_like(a),)
        return (n * power(a, n - 1),)

    def label(self, attrs):
        return f"**{_num(attrs['exponent'])}"

    def formula(self, i, attrs):
        n = attrs["exponent"]
        return f"d(x^{_num(n)})/dx = {_num(n)}·x^{_num(n - 1)}"


def all_finite(g) -> bool:
    """True when array ``g`` holds no inf or nan, in one BLAS pass: g·g is finite iff g is (it
    only adds squares, so it never warns of inf - inf; a huge g whose squares overflow just
    reads as not finite). ``ravel(order="K")`` keeps a transposed array a view (no copy).

    >>> all_finite(np.ones((2, 3)).T), all_finite(np.array([1.0, np.inf]))
    (True, False)
    """
    r = g.ravel(order="K")
    return bool(np.isfinite(np.vdot(r, r)))


def _select(g, m):
    """The upstream ``g`` where the boolean mask ``m`` holds and exactly 0 elsewhere: the VJP
    of a gate whose local derivative is 0 off ``m`` (relu, clamps, max). ``g·m`` is the same
    but for an inf/nan upstream, where 0·inf is nan in numpy and PyTorch (which selects) has 0.
    On Values (create_graph) it is a recorded ``where``.

    >>> _select(np.array([np.inf, np.inf]), np.array([True, False]))
    array([inf,  0.])
    """
    if g.__class__ is float:
        return g if m else 0.0
    # the common case, a finite upstream: g·m is ~3x faster than np.where, and 0·finite is 0
    if g.__class__ is np.ndarray and all_finite(g):
        return g * m
    return np.where(m, g, 0.0)


def _num(n) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:g}"


class Maximum(Op):
    """Elementwise max; on ties the gradient is split evenly (half to each input)."""

    name, symbol, elementwise = "maximum", "max", True
    twice_differentiable = True
    formulas = ("d max(x,y)/dx = 1 if x>y (½ on ties)", "d max(x,y)/dy = 1 if y>x (½ on ties)")

    def forward(self, a, b):
        if is_float(a, b):
            return (a if a >= b else b), None
        return np.maximum(a, b), None

    def local(self, ctx):
        a, b = ctx.inputs
        if is_float(a, b):
            return (1.0 if a > b else 0.5 if a == b else 0.0), (1.0 if b > a else 0.5 if a == b else 0.0)
        la = (a > b) + 0.5 * (a == b)
        return la, 1.0 - la

    def backward(self, ctx, g):
        a, b = ctx.inputs
        la, lb = self.local(ctx)
        na, nb = ctx.needs_grad
        # the loser gets exactly 0 (an inf upstream too, as torch), ties half
        if g.__class__ is float and la.__class__ is float:
            return (g * la if la else 0.0), (g * lb if lb else 0.0)
        return ((fit(_select(g, la != 0) * la, a) if na else None),
                (fit(_select(g, lb != 0) * lb, b) if nb else None))


class Minimum(Maximum):
    """Elementwise min; on ties the gradient is split evenly."""

    name, symbol = "minimum", "min"
    formulas = ("d min(x,y)/dx = 1 if x<y (½ on ties)", "d min(x,y)/dy = 1 if y<x (½ on ties)")

    def forward(self, a, b):
        if is_float(a, b):
            return (a if a <= b else b), None
        return np.minimum(a, b), None

    def local(self, ctx):
        lb, la = Maximum.local(self, ctx)   # min routes to the smaller: swap roles
        return la, lb


# ---------------------------------------------------------------- unary
class Unary(Op):
    """An elementwise function of one input; subclasses give ``f`` and ``df``.

    Setting ``method`` (and ``doc``) is all it takes to publish one: the Value method of
    that name and the function ``gg.<method>`` are made from the op (see UNARY_METHODS).
    """

    elementwise = True
    method: str | None = None       # the public name: Value.<method>() and gg.<method>()
    doc = ""

    def forward(self, a):
        return self.f(a), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        d = self.df(a, ctx.out)
        if g.__class__ is float and d.__class__ is float:
            return (g * d,)
        return (fit(g * d, a),)

    def local(self, ctx):
        return (self.df(ctx.inputs[0], ctx.out),)

    def __call__(self, x: Operand) -> Value:
        """The public function of an exported unary op: ``op(x)`` records it on ``x``."""
        return record(self, x)


class Binary(Op):
    """An elementwise function of two broadcasting inputs; subclasses give ``f(a, b)`` and
    ``df(a, b, out) -> (d out/da, d out/db)``, and get the VJP, the displayed local
    derivatives and (with ``@export``) the public function, the Value method and numpy's.
    Write ``df`` with operators and ufuncs and it also runs on Values (create_graph).

    >>> class Mul2(Binary):
    ...     name = symbol = "mul2"
    ...     def f(self, a, b): return a * b
    ...     def df(self, a, b, o): return b, a
    >>> Mul2()(2.0, 3.0).item()
    6.0
    """

    elementwise = True
    doc = ""

    def forward(self, a, b):
        return self.f(a, b), None

    def local(self, ctx):
        a, b = ctx.inputs
        return self.df(a, b, ctx.out)

    def backward(self, ctx, g):
        a, b = ctx.inputs
        da, db = self.df(a, b, ctx.out)
        na, nb = ctx.needs_grad
        return (fit(g * da, a) if na else None), (fit(g * db, b) if nb else None)

    def __call__(self, a: Operand, b: Operand) -> Value:
        """The public function of an exported binary op: ``op(a, b)`` records it, on the same
        path as the operators (``a // b``): numbers lifted, numpy's integer result kept for
        integer operands, a shape mismatch said in one sentence."""
        from ..value import _binary, _lift     # value.py imports ops: bound on first use
        return _binary(self, _lift(a), _lift(b))


def _safe(math_f, np_f):
    """Float path through ``math``; numpy's semantics (inf/nan) where math raises."""
    def f(a):
        if a.__class__ is float:
            try:
                return math_f(a)
            except (ValueError, OverflowError):
                with np.errstate(all="ignore"):
                    return float(np_f(a))
        return np_f(a)
    return f


class Neg(Unary):
    name, symbol = "neg", "*-1"
    ufunc = np.negative
    twice_differentiable = True
    formulas = ("d(-x)/dx = -1",)

    def f(self, a):
        return -a

    def df(self, a, o):
        return -1.0

    def backward(self, ctx, g):
        return (-g,)


class Exp(Unary):
    name, symbol = "exp", "exp"
    ufunc = np.exp
    twice_differentiable = True
    method = 'exp'
    doc = 'e**x. ``Value(0.0).exp().item() == 1.0``'
    formulas = ("d(e^x)/dx = e^x",)
    f = staticmethod(_safe(math.exp, np.exp))

    def df(self, a, o):
        return o


class Log(Unary):
    name, symbol = "log", "log"
    ufunc = np.log
    twice_differentiable = True
    method = 'log'
    doc = 'Natural log. ``Value(1.0).log().item() == 0.0``'
    formulas = ("d(ln x)/dx = 1/x",)
    f = staticmethod(_safe(math.log, np.log))

    def df(self, a, o):
        return div(1.0, a)


class Sqrt(Unary):
    name, symbol = "sqrt", "√"
    ufunc = np.sqrt
    twice_differentiable = True
    method = 'sqrt'
    doc = 'Square root. ``Value(4.0).sqrt().item() == 2.0``'
    formulas = ("d(√x)/dx = 1/(2√x)",)
    f = staticmethod(_safe(math.sqrt, np.sqrt))

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


class Tanh(Unary):
    name, symbol = "tanh", "tanh"
    ufunc = np.tanh
    twice_differentiable = True
    method = 'tanh'
    doc = 'Hyperbolic tangent. ``Value(0.0).tanh().item() == 0.0``'
    formulas = ("d tanh(x)/dx = 1 - tanh²(x)",)
    f = staticmethod(_safe(math.tanh, np.tanh))

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
        return (fit(_select(g, a > 0), a),)   # 0 at x <= 0 even for an inf upstream


class Clip(Unary):
    """clip(x, lo, hi); the gradient passes where lo <= x <= hi (as in PyTorch)."""

    name, symbol = "clip", "clip"
    twice_differentiable = True
    formulas = ("d clip(x)/dx = 1 if lo <= x <= hi else 0",)

    def forward(self, a, *, lo, hi):
        if a.__class__ is float:
            r = a
            if lo is not None and r < lo:
                r = float(lo)
            if hi is not None and r > hi:
                r = float(hi)
            return r, None
        return np.clip(a, lo, hi), None

    def _mask(self, a, attrs):
        lo, hi = attrs["lo"], attrs["hi"]
        inside = np.ones(np.shape(a), dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        return inside

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        return (fit(np.where(self._mask(a, ctx.attrs), g, 0.0), a),)     # inf upstream: 0 outside

    def local(self, ctx):
        a = ctx.inputs[0]
        m = self._mask(a, ctx.attrs).astype(np.float64)
        return (float(m) if a.__class__ is float else m,)

    def label(self, attrs):
        return f"clip[{attrs['lo']}, {attrs['hi']}]"


class Where(Op):
    """where(cond, x, y): gradient flows to x where cond holds, to y elsewhere."""

    name, symbol, elementwise = "where", "where", True
    twice_differentiable = True
    formulas = ("d where(c,x,y)/dx = c", "d where(c,x,y)/dy = 1 - c")

    def forward(self, a, b, *, cond):
        return np.where(cond, a, b), None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        c = ctx.attrs["cond"]
        na, nb = ctx.needs_grad
        # where, not g·c: an inf upstream must give 0 to the branch not taken (as torch), not nan
        return (fit(np.where(c, g, 0.0), a) if na else None), (fit(np.where(c, 0.0, g), b) if nb else None)

    def local(self, ctx):
        c = np.asarray(ctx.attrs["cond"], dtype=np.float64)
        return c, 1.0 - c


ADD, SUB, MUL, DIV, POW, POW_CONST = Add(), Sub(), Mul(), Div(), Pow(), PowConst()
MAXIMUM, MINIMUM, WHERE, CLIP = Maximum(), Minimum(), Where(), Clip()
NEG, EXP, LOG, SQRT, ABS, TANH, SIGMOID, RELU = (
    Neg(), Exp(), Log(), Sqrt(), Abs(), Tanh(), Sigmoid(), Relu())

# every unary op with a public name; value.py and functions.py make their methods from it
UNARY_METHODS = tuple(v for v in list(globals().values()) if isinstance(v, Unary) and v.method)
