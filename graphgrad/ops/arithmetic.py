"""Arithmetic (scalars and broadcasting tensors): ``+ - * / **``, negation, maximum and
minimum, clip, where; the bases of the elementwise ops (:class:`Unary`, :class:`Binary`);
and the functions ``gg.maximum``, ``gg.minimum``, ``gg.where``, ``gg.clip``, ``gg.select``
at the end.

Each op has a float fast path: when every operand is a Python float the math runs on
floats (~20 ns a multiply) instead of 0-d numpy arrays (~460 ns).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from ..errors import ShapeError
from .base import Op, V, as_data, data_of, div, fit, is_float, power
from .export import export

if TYPE_CHECKING:                      # annotations of the public functions only
    from numpy.typing import ArrayLike

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
        if (g.__class__ is np.ndarray and g.ndim and g.size and not any(g.strides)
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
    """True when array ``g`` holds no inf or nan, in one pass: the sum of g is finite iff g
    is (an inf or nan makes it inf or nan; a huge g whose sum overflows just reads as not
    finite, and callers then take their exact slow path). ``ravel(order="K")`` keeps a
    transposed array a view (no copy).

    numpy's own sum, not a BLAS dot: OpenBLAS runs a dot of more than ~10,000 entries on its
    threads, and waking them while another process holds the other core cost 2.5 ms a call
    (a small CNN's gradient-penalty step took 16 ms with the dot, 5.1 ms with the sum).

    >>> all_finite(np.ones((2, 3)).T), all_finite(np.array([1.0, np.inf]))
    (True, False)
    """
    r = g.ravel(order="K")
    with np.errstate(over="ignore", invalid="ignore"):   # inf - inf, overflow: no warning
        return bool(np.isfinite(np.add.reduce(r, dtype=np.float32 if r.dtype.itemsize < 4 else None)))


def grad_where(g, m):
    """The upstream ``g`` where the boolean mask ``m`` holds and exactly 0 elsewhere: the VJP
    of a gate whose local derivative is 0 off ``m`` (relu, clamps, max). ``g·m`` is the same
    but for an inf/nan upstream, where 0·inf is nan in numpy and PyTorch (which selects) has 0.
    On Values (create_graph) it is a recorded ``where``.

    >>> grad_where(np.array([np.inf, np.inf]), np.array([True, False]))
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
        return V.apply(self, x)


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
        return V.apply_binary(self, V.as_value(a), V.as_value(b))


# ---------------------------------------------------------------- binary ops on the base
class Pow(Binary):
    """x ** y with both operands in the graph (for a constant exponent see PowConst)."""

    name, symbol, elementwise = "pow", "**", True
    twice_differentiable = True
    formulas = ("d(x^y)/dx = y·x^(y-1)", "d(x^y)/dy = x^y·ln x")

    def f(self, a, b):
        return power(a, b)

    def df(self, a, b, o):
        # as PyTorch: d/dx is 0 where the exponent is 0 (not 0·x^-1 = nan at x = 0), and
        # d/dy is 0 where the base is 0 and the exponent >= 0 (not 0·ln 0 = nan)
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
            zero = (a == 0) & (b >= 0)
            # ln of 1, not of 0, under the mask: a create_graph pass differentiates o·ln a
            # too, and 0·ln 0 = 0·-inf would make the second derivative nan (exactly 0 here)
            db = np.where(zero, 0.0, o * np.log(np.where(zero, 1.0, a)))
        dt = np.result_type(a, b)
        return da.astype(dt, copy=False), db.astype(dt, copy=False)


class Maximum(Binary):
    """Elementwise max; on ties the gradient is split evenly (half to each input)."""

    name, symbol, elementwise = "maximum", "max", True
    twice_differentiable = True
    formulas = ("d max(x,y)/dx = 1 if x>y (½ on ties)", "d max(x,y)/dy = 1 if y>x (½ on ties)")

    def f(self, a, b):
        if is_float(a, b):
            return a if a >= b else b
        return np.maximum(a, b)

    def df(self, a, b, o):
        if is_float(a, b):
            return (1.0 if a > b else 0.5 if a == b else 0.0), (1.0 if b > a else 0.5 if a == b else 0.0)
        la = (a > b) + 0.5 * (a == b)
        return la, 1.0 - la

    def backward(self, ctx, g):
        a, b = ctx.inputs
        la, lb = self.df(a, b, ctx.out)
        na, nb = ctx.needs_grad
        # the loser gets exactly 0 (an inf upstream too, as torch), ties half
        if g.__class__ is float and la.__class__ is float:
            return (g * la if la else 0.0), (g * lb if lb else 0.0)
        return ((fit(grad_where(g, la != 0) * la, a) if na else None),
                (fit(grad_where(g, lb != 0) * lb, b) if nb else None))


class Minimum(Maximum):
    """Elementwise min; on ties the gradient is split evenly."""

    name, symbol = "minimum", "min"
    formulas = ("d min(x,y)/dx = 1 if x<y (½ on ties)", "d min(x,y)/dy = 1 if y<x (½ on ties)")

    def f(self, a, b):
        if is_float(a, b):
            return a if a <= b else b
        return np.minimum(a, b)

    def df(self, a, b, o):
        lb, la = Maximum.df(self, a, b, o)   # min routes to the smaller: swap roles
        return la, lb


def safe_math(math_f, np_f):
    """A unary function whose float path goes through ``math`` (fast on Python floats) with
    numpy's semantics (inf/nan, no exception) where math raises; arrays go to ``np_f``.

    >>> import math
    >>> log = safe_math(math.log, np.log)
    >>> log(1.0), log(0.0)
    (0.0, -inf)
    """
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
NEG = Neg()

# every unary op with a public name; value.py makes their methods from it
UNARY_METHODS = tuple(v for v in list(globals().values()) if isinstance(v, Unary) and v.method)

# the ops (graphgrad.ops.<NAME>); the functions below are published as gg.<name>
__all__ = ["ShapeError", "Op", "as_data", "div", "fit", "is_float", "power", "Add",
           "Sub", "Mul", "Div", "Pow", "PowConst", "all_finite", "Maximum", "Minimum", "Unary",
           "Binary", "Neg", "Clip", "Where", "ADD", "SUB", "MUL", "DIV", "POW", "POW_CONST",
           "MAXIMUM", "MINIMUM", "WHERE", "CLIP", "NEG", "UNARY_METHODS"]


# ---------------------------------------------------------------- the functions (gg.maximum, gg.where, gg.clip)

def maximum(a: Operand, b: Operand) -> Value:
    """Elementwise max; on a tie each input gets half the gradient.

    >>> maximum(gg.Value(2.0), gg.Value(-1.0)).item()
    2.0
    """
    return V.apply_binary(MAXIMUM, V.as_value(a), V.as_value(b))


def minimum(a: Operand, b: Operand) -> Value:
    """Elementwise min; on a tie each input gets half the gradient.

    >>> minimum(gg.Value(2.0), gg.Value(-1.0)).item()
    -1.0
    """
    return V.apply_binary(MINIMUM, V.as_value(a), V.as_value(b))


def where(cond: ArrayLike | Value, a: Operand, b: Operand) -> Value:
    """``a`` where ``cond`` holds, else ``b``; ``cond`` is a boolean array (not differentiated).

    >>> where(np.array([True, False]), gg.Value([1., 2.]), 0.0).numpy()
    array([1., 0.])
    """
    cond = np.asarray(data_of(cond), dtype=bool)
    a, b = V.as_value(a), V.as_value(b)
    try:
        data = WHERE.forward(data_of(a), data_of(b), cond=cond)[0]
    except ValueError:
        raise ShapeError(
            f"where: condition {cond.shape}, x {a.shape} and y {b.shape} cannot be broadcast together") from None
    return V.record_node(WHERE, (a, b), data, attrs={"cond": cond})


def clip_values(x: Operand, lo, hi) -> Value:
    """``x.clip(lo, hi)`` where a bound is a Value, with torch.clamp's gradients: x gets 1
    where lo <= x <= hi, ``lo`` 1 per entry clipped up to it, ``hi`` 1 per entry clipped
    down to it (made of ``where`` gates, so it can be differentiated again).

    >>> lo = gg.Value(0.0, requires_grad=True)
    >>> clip_values(gg.Value([-1., 2.]), lo, 1.0).sum().backward(); float(lo.grad)
    1.0
    """
    out = x = V.as_value(x)
    if lo is not None:
        lo = V.as_value(lo)
        out = where(np.asarray(data_of(x) < data_of(lo)), lo, x)
    if hi is not None:
        hi = V.as_value(hi)
        out = where(np.asarray(data_of(out) > data_of(hi)), hi, out)
    return out


def method_function(name: str, doc: str) -> Callable[..., Value]:
    """The function ``gg.<name>(x, ...)`` that calls the Value method ``name`` on ``x`` (lifted
    to a Value first), with the docstring ``doc``.

    >>> flat = method_function("flatten", "x as 1-D.")
    >>> flat(np.ones((2, 2))).shape
    (4,)
    """
    def f(x: Operand, *args, **kwargs) -> Value:
        return getattr(V.as_value(x), name)(*args, **kwargs)
    f.__name__ = name
    f.__doc__ = doc
    return f


# gg.exp, gg.log, ... (one per unary op with a public name) are made in numeric.py from
# the op registry, with the functions of the @export declarations
clip = method_function("clip", "Clamp to [lo, hi]: ``gg.clip(x, 0, 1)``.")


@export(numpy=np.select)
def select(condlist: Sequence, choicelist: Sequence[Operand], default: Operand = 0) -> Value:
    """From ``choicelist[i]`` where ``condlist[i]`` is the first true condition, else
    ``default``, as ``np.select`` (the conditions are constants: no gradient).

    >>> x = gg.Value([-1., 0., 2.])
    >>> select([x.numpy() < 0, x.numpy() > 0], [-x, x * 10]).numpy()
    array([ 1.,  0., 20.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions but {len(choicelist)} choices; give one each")
    if not condlist:
        raise ValueError("select: needs at least one condition")
    out = V.as_value(default)
    for c, v in reversed(list(zip(condlist, choicelist))):
        c = np.asarray(data_of(c))
        if c.dtype != bool:
            raise TypeError(f"select: conditions must be boolean arrays, got dtype {c.dtype}")
        out = where(c, v, out)
    return out
