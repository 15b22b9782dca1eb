"""Reductions, scans and sorting: sum, mean, max, min, prod, var, std, logsumexp, norm, cumsum,
cumprod, sort, topk (and the gather/scatter pair that sort's and topk's gradients travel by).

Every backward is written once, in numpy terms that also run on Values (operators, ufuncs,
the numpy functions graphgrad dispatches, and ``run(OP, ...)`` for another op), so in a
``create_graph`` pass what it computes is itself a graph and can be differentiated again.
What backward keeps in ``ctx.saved`` is constant w.r.t. the inputs (sort indices, masks).

Axes reaching these ops are already checked and normalised (``tensor.norm_axis``): a tuple
of non-negative ints, or None for all axes. Below the ops, their functions (``gg.prod``,
the methods ``x.prod()``, ``np.prod(v)``) check the arguments.

>>> import graphgrad as gg
>>> x = gg.Value([[1., 2.], [3., 4.]], requires_grad=True)
>>> x.prod(axis=1).numpy(), gg.argmax(x, axis=1)
(array([ 2., 12.]), array([1, 1]))
"""
from __future__ import annotations

from collections import namedtuple
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np

from .._dispatch import implements, refuse
from ..errors import ShapeError
from .base import Op, V, as_data, data_of, fit, is_int, is_value, norm_axis, run, shape_of
from .arithmetic import WHERE, grad_where
from .export import as_method, value_attr

if TYPE_CHECKING:
    from .._types import Axis, Operand
    from ..value import Value

ndarray = np.ndarray


def _kshape(shape, axes):
    """The keepdims shape of reducing ``shape`` over ``axes`` (None: all)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _keep(g, shape, axes):
    """Upstream ``g`` of a reduction with the reduced axes back (size 1), to broadcast."""
    if g.__class__ is float:
        return g
    return np.reshape(g, _kshape(shape, axes))


def _count(shape, axes) -> int:
    """How many entries each output of the reduction combines."""
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[i] for i in axes], dtype=np.int64))


def where_mixed(mask, a, b):
    """``np.where(mask, a, b)`` on raw data; the recorded where op when ``a`` or ``b`` is a
    Value (a create_graph backward), so one backward serves both passes. ``mask`` is a constant.

    >>> where_mixed(np.array([True, False]), 1.0, np.array([5.0, 6.0]))
    array([1., 6.])
    """
    if is_value(a) or is_value(b):
        return run(WHERE, a, b, cond=np.asarray(mask, dtype=bool))
    return np.where(mask, a, b)


def _to_last(x, axes):
    """Move ``axes`` to the end and flatten them into one: (kept..., n), and the undo."""
    shape = shape_of(x) if not is_value(x) else x.shape
    nd = len(shape)
    red = tuple(range(nd)) if axes is None else tuple(sorted(axes))
    kept = tuple(i for i in range(nd) if i not in red)
    perm = kept + red
    moved = x if perm == tuple(range(nd)) else np.transpose(x, perm)
    kshape = tuple(shape[i] for i in kept)
    rshape = tuple(shape[i] for i in red)
    flat = np.reshape(moved, kshape + (int(np.prod(rshape, dtype=np.int64)),))
    inv = tuple(np.argsort(perm))

    def undo(y):
        y = np.reshape(y, kshape + rshape)
        return y if perm == tuple(range(nd)) else np.transpose(y, inv)
    return flat, undo


def _label(name, attrs, *extra):
    parts = [] if attrs.get("axis") is None else [f"axis={_ax(attrs['axis'])}"]
    parts += [e for e in extra if e]
    return f"{name}({', '.join(parts)})" if parts else name


# ---------------------------------------------------------------- the base of reductions
class Reduction(Op):
    """A reduction over axes (``axis`` a tuple of non-negative ints or None, ``keepdims``,
    and any further attributes of the op); subclasses give ``f(a, axis, keepdims, **extra)``
    on an array and ``df(a, out)``, the local derivative d out/d a with ``out`` broadcast back
    (the reduced axes of size 1), and get the VJP ``upstream · df``, the label and the public
    function. Write ``df`` with operators and ufuncs and it also runs on Values
    (create_graph). A float (0-d) input reduces to ``scalar(a)`` (itself by default) and,
    while ``identity_0d`` holds, passes the upstream through. An op whose VJP is not a
    product with a local derivative (masks, zero-safe divisions, attributes) overrides
    ``vjp(a, g, out, attrs)`` instead, with ``g`` and ``out`` broadcast back the same way.

    >>> class SumSquares(Reduction):
    ...     name = symbol = "sumsq"
    ...     def f(self, a, axis, keepdims): return np.sum(a * a, axis=axis, keepdims=keepdims)
    ...     def df(self, a, out): return 2 * a
    >>> op = SumSquares()
    >>> op(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0).numpy()
    array([10., 20.])
    """

    twice_differentiable = True
    identity_0d = True      # a 0-d input: out = a, gradient = upstream (not var, std, norm)

    def forward(self, a, *, axis, keepdims, **extra):
        if a.__class__ is float:
            return self.scalar(a, **extra), None
        return as_data(self.f(a, axis, keepdims, **extra)), None

    def scalar(self, a, **extra):
        """The reduction of a float (a 0-d float64 input)."""
        return a

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        shape = shape_of(a) if not is_value(a) else a.shape
        if not shape and self.identity_0d:
            return (fit(g, a),)
        at = ctx.attrs
        axes = at["axis"]
        return (fit(self.vjp(a, _keep(g, shape, axes), _keep(ctx.out, shape, axes), at), a),)

    def vjp(self, a, g, out, attrs):
        """upstream · d out/d a, ``g`` and ``out`` with the reduced axes back (size 1)."""
        return g * self.df(a, out)

    def label(self, attrs):
        return _label(self.name, attrs)

    def __call__(self, x, axis=None, keepdims: bool = False, **extra):
        """The public function of an exported reduction: ``op(x, axis=None, keepdims=False)``."""
        nd = len(shape_of(data_of(x))) if is_value(x) else np.ndim(x)
        return V.apply(self, x, axis=norm_axis(axis, nd, self.name), keepdims=bool(keepdims), **extra)


# ---------------------------------------------------------------- prod
class Prod(Reduction):
    """Product over axes. Its gradient is the product of the *other* entries, computed
    without dividing by the entry where the input has zeros (one zero or several)."""

    name, symbol = "prod", "prod"
    formulas = ("d prod(x)/dx_i = product of the other entries",)

    def f(self, a, axis, keepdims):
        return np.prod(a, axis=axis, keepdims=keepdims)

    def vjp(self, a, g, out, attrs):
        if not np.any(data_of(a) == 0):
            # no zeros: prod / x_i is the product of the others, exactly
            return g * (out / a)
        return g * _others(a, attrs["axis"])


def _others(a, axes):
    """For every entry, the product of the other entries of its reduction (zero-safe)."""
    flat, undo = _to_last(a, axes)
    n = flat.shape[-1]
    if not is_value(flat):
        # O(n): the product of the entries before times the product of those after
        ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
        before = np.concatenate([ones, np.cumprod(flat[..., :-1], axis=-1)], axis=-1)
        after = np.flip(np.cumprod(np.flip(flat[..., 1:], -1), axis=-1), -1)
        return undo(before * np.concatenate([after, ones], axis=-1))
    # differentiable: row k of M is the input with entry k replaced by 1, and its product
    # (a prod op again, so a further derivative works the same way) omits exactly x_k
    m = where_mixed(np.eye(n, dtype=bool), 1.0, np.reshape(flat, flat.shape[:-1] + (1, n)))
    return undo(run(PROD, m, axis=(flat.ndim,), keepdims=False))


# ---------------------------------------------------------------- var, std
class Var(Reduction):
    """Variance over axes, sum((x - mean)²) / (n - correction)."""

    name, symbol = "var", "var"
    formulas = ("d var(x)/dx = 2 (x - mean) / (n - correction)",)
    identity_0d = False

    def f(self, a, axis, keepdims, correction):
        return np.var(a, axis=axis, ddof=correction, keepdims=keepdims)

    def scalar(self, a, correction):
        return 0.0

    def _centred(self, a, attrs):
        shape = shape_of(a) if not is_value(a) else a.shape
        mean = a if not shape else np.mean(a, axis=attrs["axis"], keepdims=True)
        return a - mean, _count(shape, attrs["axis"]) - attrs["correction"]

    def vjp(self, a, g, out, attrs):
        c, dof = self._centred(a, attrs)
        return g * c * (2.0 / dof)

    def label(self, attrs):
        return _label("var", attrs, _corr(attrs))


def _corr(attrs):
    return "" if attrs["correction"] == 1 else f"correction={attrs['correction']}"


class Std(Var):
    """Standard deviation, sqrt(var); gradient 0 where it is 0 (as PyTorch)."""

    name, symbol = "std", "std"
    formulas = ("d std(x)/dx = (x - mean) / ((n - correction) std)",)

    def f(self, a, axis, keepdims, correction):
        return np.std(a, axis=axis, ddof=correction, keepdims=keepdims)

    def vjp(self, a, g, out, attrs):
        c, dof = self._centred(a, attrs)
        zero = data_of(out) == 0
        if np.any(zero):
            # a safe denominator first, so no inf enters the graph (its gradient would be nan)
            out = where_mixed(zero, 1.0, out)
            g = where_mixed(zero, 0.0, g)
        return g * c / (out * float(dof))

    def label(self, attrs):
        return _label("std", attrs, _corr(attrs))


# ---------------------------------------------------------------- logsumexp
class LogSumExp(Reduction):
    """log(sum(exp(x))) over axes, computed as m + log(sum(exp(x - m))) with m the max."""

    name, symbol = "logsumexp", "logsumexp"
    formulas = ("d logsumexp(x)/dx = softmax(x) = exp(x - logsumexp(x))",)

    def f(self, a, axis, keepdims):
        m = np.max(a, axis=axis, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0.0).astype(a.dtype)   # all -inf (or an inf): shift 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
        if not keepdims:
            out = out.reshape(() if axis is None else tuple(n for i, n in enumerate(a.shape) if i not in axis))
        return out

    def df(self, a, out):
        return np.exp(a - out)


# ---------------------------------------------------------------- norm
class Norm(Reduction):
    """Vector norms over axes: ord 2 (also the Frobenius norm of two axes), 1, inf, -inf, and
    any other p (``gg.linalg.norm``'s, (Σ|x|^p)^(1/p)). Gradient 0 at a zero norm and, for p,
    at a zero entry (as PyTorch, never 0·inf = nan); ±inf: split evenly among tied extremes."""

    name, symbol = "norm", "‖x‖"
    formulas = ("d‖x‖/dx: x/‖x‖ (ord 2), sign(x) (ord 1), sign(x) at the extreme |x| (ord ±inf), "
                "sign(x)·(|x|/‖x‖)^(p-1) (ord p)",)
    identity_0d = False

    def f(self, a, axis, keepdims, ord):
        with np.errstate(over="ignore"):
            if ord == 2:
                return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
            if ord == 1:
                return np.sum(np.abs(a), axis=axis, keepdims=keepdims)
            if ord == np.inf:
                return np.max(np.abs(a), axis=axis, keepdims=keepdims)
            if ord == -np.inf:
                return np.min(np.abs(a), axis=axis, keepdims=keepdims)
        with np.errstate(divide="ignore", over="ignore"):   # p < 0 with a zero entry: inf, then 0
            return np.sum(np.abs(a) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)

    def scalar(self, a, ord):
        return abs(a)

    def vjp(self, a, g, out, attrs):
        ord = attrs["ord"]
        sign = np.sign(data_of(a))             # piecewise constant: no gradient of its own
        if sign.__class__ is ndarray:
            sign = np.where(np.isnan(sign), 0, sign).astype(sign.dtype)   # sign(nan) = 0, as torch's sgn
        if ord == 1 or not np.ndim(sign):
            return g * sign
        if ord == 2:
            zero = data_of(out) == 0
            if np.any(zero):
                out = where_mixed(zero, 1.0, out)   # safe denominator, then 0 where the norm is 0
                g = where_mixed(zero, 0.0, g)
            return a * (g / out)
        if ord not in (np.inf, -np.inf):       # p: sign(x)·|x|^(p-1)·‖x‖^(1-p), 0 where x or ‖x‖ is 0
            ok = (data_of(a) != 0) & (data_of(out) != 0)
            ratio = where_mixed(ok, np.abs(a), 1.0) / where_mixed(ok, out, 1.0)
            return where_mixed(ok, g * sign * ratio ** (ord - 1), 0.0)
        # ±inf: where |x| is the extreme (or nan, as PyTorch), split over the ties
        absa = np.abs(data_of(a))
        mask = (absa == data_of(out)) | np.isnan(absa)
        share = mask / np.maximum(np.sum(mask, axis=attrs["axis"], keepdims=True), 1)
        return g * (sign * share).astype(data_of(a).dtype)

    def label(self, attrs):
        o = attrs["ord"]
        name = "norm" if o == 2 else f"norm(ord={'inf' if o == np.inf else '-inf' if o == -np.inf else o}"
        if o == 2:
            return _label(name, attrs)
        return name + ("" if attrs["axis"] is None else f", axis={_ax(attrs['axis'])}") + ")"


# ---------------------------------------------------------------- scans
class CumSum(Op):
    """Running sum along one axis (``reverse``: from the end); backward is the reversed
    running sum of the upstream, itself a cumsum op."""

    name, symbol = "cumsum", "cumsum"
    formulas = ("d cumsum(x)_i/dx_k = 1 for i >= k: upstream summed from the end",)
    twice_differentiable = True

    def forward(self, a, *, axis, reverse=False):
        if axis is None:                    # a 0-d input: nothing to accumulate
            return a, None
        if reverse:
            return np.flip(np.cumsum(np.flip(a, axis), axis=axis), axis).copy(), None
        return np.cumsum(a, axis=axis), None

    def backward(self, ctx, g):
        at = ctx.attrs
        if at["axis"] is None:
            return (fit(g, ctx.inputs[0]),)
        return (fit(run(CUMSUM, g, axis=at["axis"], reverse=not at.get("reverse", False)),
                    ctx.inputs[0]),)

    def label(self, attrs):
        r = ", reverse" if attrs.get("reverse") else ""
        return "cumsum" if attrs["axis"] is None else f"cumsum(axis={attrs['axis']}{r})"


class CumProd(Op):
    """Running product along one axis; the gradient is exact with zeros in the input."""

    name, symbol = "cumprod", "cumprod"
    formulas = ("d cumprod(x)_i/dx_k = product of x_j for j <= i, j != k (i >= k)",)
    twice_differentiable = True

    def forward(self, a, *, axis):
        if axis is None:
            return a, None
        return np.cumprod(a, axis=axis), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        axis = ctx.attrs["axis"]
        if axis is None:
            return (fit(g, a),)
        if not np.any(data_of(a) == 0):
            # sum_{i>=k} g_i y_i / x_k: a reversed cumsum of g*y, divided by x
            return (fit(run(CUMSUM, g * ctx.out, axis=axis, reverse=True) / a, a),)
        if not is_value(a):
            return (fit(_cumprod_grad_zeros(a, np.asarray(g), ctx.out, axis), a),)
        # differentiable (O(n²) in memory, create_graph only): row k of M is x with x_k
        # replaced by 1; its cumprod holds prod_{j<=i, j!=k} x_j, summed against g for i >= k
        x = np.moveaxis(a, axis, -1)
        n = x.shape[-1]
        m = where_mixed(np.eye(n, dtype=bool), 1.0, np.reshape(x, x.shape[:-1] + (1, n)))
        c = run(CUMPROD, m, axis=x.ndim)
        gr = np.reshape(np.moveaxis(g, axis, -1), x.shape[:-1] + (1, n))
        upper = np.triu(np.ones((n, n), dtype=data_of(a).dtype))     # i >= k
        return (fit(np.moveaxis(np.sum(c * gr * upper, axis=-1), -1, axis), a),)

    def label(self, attrs):
        return "cumprod" if attrs["axis"] is None else f"cumprod(axis={attrs['axis']})"


def _cumprod_grad_zeros(a, g, out, axis):
    """cumprod's gradient with zeros in the input, in O(n) (PyTorch's method). Before the
    first zero z1 it is the usual reversed cumsum over x; at z1 it is the product of the
    entries before z1 times sum_{z1 <= i < z2} g_i prod_{z1 < j <= i} x_j; after z1 it is 0."""
    x, g, y = (np.moveaxis(t, axis, -1) for t in (a, g, out))
    zero = x == 0
    z = np.cumsum(zero, axis=-1)
    before = z == 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = np.where(before, g * y, 0)
        res = np.where(before, np.flip(np.cumsum(np.flip(w, -1), axis=-1), -1) / np.where(before, x, 1), 0)
        first = (z == 1) & zero
        between = (z == 1) & ~zero
        cp = np.cumprod(np.where(between, x, 1), axis=-1)
        s = np.sum(np.where(z == 1, cp * g, 0), axis=-1, keepdims=True)
        prefix = np.prod(np.where(before, x, 1), axis=-1, keepdims=True)
        res = np.where(first, s * prefix, res)
    return np.moveaxis(res, -1, axis).astype(a.dtype, copy=False)


# ---------------------------------------------------------------- sort, topk
class TakeAlong(Op):
    """``np.take_along_axis(x, index, axis)``; backward puts the upstream back (PutAlong).
    The index holds distinct positions along the axis (a sort or a top-k)."""

    name, symbol = "take_along_axis", "take"
    formulas = ("upstream put back at the taken positions",)
    twice_differentiable = True

    def forward(self, a, *, index, axis):
        return np.take_along_axis(a, index, axis=axis), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        n = (shape_of(a) if not is_value(a) else a.shape)[ctx.attrs["axis"]]
        return (fit(run(PUT_ALONG, g, index=ctx.attrs["index"], axis=ctx.attrs["axis"], size=n), a),)


class PutAlong(Op):
    """Zeros with ``size`` entries along ``axis`` and the input placed at ``index`` (distinct
    positions): sort's and topk's backward. Its own backward takes them out again."""

    name, symbol = "put_along_axis", "put"
    formulas = ("upstream taken at the placed positions",)
    twice_differentiable = True

    def forward(self, g, *, index, axis, size):
        g = np.asarray(g)
        shape = list(g.shape)
        shape[axis] = size
        z = np.zeros(shape, dtype=g.dtype)
        np.put_along_axis(z, index, g, axis=axis)
        return z, None

    def backward(self, ctx, g):
        return (fit(run(TAKE_ALONG, g, index=ctx.attrs["index"], axis=ctx.attrs["axis"]),
                    ctx.inputs[0]),)


def sort_indices(a, axis, descending):
    """Stable sort order along ``axis``: equal entries keep their order, and nan sorts as
    the largest (last ascending, first descending), as PyTorch and numpy.

    >>> sort_indices(np.array([1., 3., 1.]), 0, True)
    array([1, 0, 2])
    """
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    # sort the reversed array, reverse the order: descending, ties still in input order
    n = a.shape[axis]
    rev = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return (n - 1) - np.flip(rev, axis)


class Sort(Op):
    """Sorted values along an axis; the gradient goes back to where each value came from."""

    name, symbol = "sort", "sort"
    formulas = ("upstream put back at each value's original position",)
    twice_differentiable = True

    def forward(self, a, *, axis, descending):
        if axis is None:
            return a, None
        idx = sort_indices(a, axis, descending)
        return np.take_along_axis(a, idx, axis=axis), idx

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        axis = ctx.attrs["axis"]
        if axis is None:
            return (fit(g, a),)
        n = (shape_of(a) if not is_value(a) else a.shape)[axis]
        return (fit(run(PUT_ALONG, g, index=ctx.saved, axis=axis, size=n), a),)

    def label(self, attrs):
        d = ", descending" if attrs["descending"] else ""
        return "sort" if attrs["axis"] is None else f"sort(axis={attrs['axis']}{d})"


class TopK(Op):
    """The k largest (or smallest) values along an axis, sorted; gradient as sort's."""

    name, symbol = "topk", "topk"
    formulas = ("upstream put back at each value's original position, 0 elsewhere",)
    twice_differentiable = True

    def forward(self, a, *, k, axis, largest):
        idx = np.take(sort_indices(a, axis, largest), np.arange(k), axis=axis)
        return np.take_along_axis(a, idx, axis=axis), idx

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        axis = ctx.attrs["axis"]
        n = (shape_of(a) if not is_value(a) else a.shape)[axis]
        return (fit(run(PUT_ALONG, g, index=ctx.saved, axis=axis, size=n), a),)

    def label(self, attrs):
        s = "" if attrs["largest"] else ", smallest"
        return f"topk(k={attrs['k']}, axis={attrs['axis']}{s})"


def _expand(g, shape, axis, keepdims):
    """Give a reduced gradient back the reduced axes (size 1) so it broadcasts to ``shape``."""
    if not is_value(g):
        g = np.asarray(g)
    if axis is None:
        return g.reshape((1,) * len(shape)) if not keepdims else g
    if not keepdims:
        g = np.expand_dims(g, axis)
    return g


class Sum(Reduction):
    name, symbol = "sum", "sum"
    formulas = ("d(Σx)/dx = 1 (upstream copied to every summed entry)",)

    def f(self, a, axis, keepdims):
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, ctx, g):
        # its own VJP, not the base's fit: a read-only broadcast view of the upstream, no copy
        a = ctx.inputs[0]
        if a.__class__ is float:
            return (float(g),)
        at = ctx.attrs
        g = _expand(g, a.shape, at["axis"], at["keepdims"])
        if g.dtype != a.dtype:
            g = g.astype(a.dtype)
        # nothing writes into gradients in place
        return (np.broadcast_to(g, a.shape),)


def _ax(axis):
    return axis[0] if len(axis) == 1 else axis


class Mean(Sum):
    name, symbol = "mean", "mean"
    formulas = ("d mean(x)/dx = 1/n",)

    def f(self, a, axis, keepdims):
        return a.mean(axis=axis, keepdims=keepdims)

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        if a.__class__ is float:
            return (float(g),)
        (gs,) = Sum.backward(self, ctx, g)
        n = a.size // max(np.size(ctx.out), 1)
        return (gs / a.dtype.type(n),)


class Max(Reduction):
    """max over axes; ties split the gradient evenly among the maximal entries (a NaN max:
    among the NaNs)."""

    name, symbol = "max", "max"
    formulas = ("d max(x)/dx = 1 at the max (split evenly on ties), 0 elsewhere",)
    _reduce = staticmethod(np.max)

    def f(self, a, axis, keepdims):
        if a.size == 0:
            raise ShapeError(f"{self.name}: cannot reduce an empty tensor of shape {a.shape}")
        return self._reduce(a, axis=axis, keepdims=keepdims)

    def vjp(self, a, g, out, attrs):
        ad, od = data_of(a), data_of(out)
        # where the max is: a constant of the inputs; a NaN max (numpy's max propagates it) is
        # where the NaNs are, as torch.max() and max(dim) route it (not nowhere: all zeros)
        mask = (ad == od) | (np.isnan(ad) & np.isnan(od))
        count = mask.sum(axis=attrs["axis"], keepdims=True)
        # select, not mask·g: the other entries get exactly 0, even for an inf upstream (as torch)
        return grad_where(g / count, mask)


class Min(Max):
    name, symbol = "min", "min"
    formulas = ("d min(x)/dx = 1 at the min (split evenly on ties), 0 elsewhere",)
    _reduce = staticmethod(np.min)


SUM, MEAN, MAX, MIN = Sum(), Mean(), Max(), Min()
PROD, VAR, STD, LOGSUMEXP, NORM = Prod(), Var(), Std(), LogSumExp(), Norm()
CUMSUM, CUMPROD, SORT, TOPK = CumSum(), CumProd(), Sort(), TopK()
TAKE_ALONG, PUT_ALONG = TakeAlong(), PutAlong()

__all__ = ["PROD", "VAR", "STD", "LOGSUMEXP", "NORM", "CUMSUM", "CUMPROD", "SORT", "TOPK",
           "TAKE_ALONG", "PUT_ALONG", "sort_indices",
           "Sum", "Mean", "Max", "Min", "SUM", "MEAN", "MAX", "MIN"]


# ---------------------------------------------------------------- the functions (gg.prod, x.prod, np.prod)
# Names and defaults follow PyTorch where numpy and PyTorch differ in a way that changes the
# number (``var``/``std`` divide by n - 1 by default, ``correction=1``; numpy's ``ddof`` is
# accepted as another name for it), and numpy elsewhere (``axis=``, ``keepdims=``; ``cumsum``
# with no axis runs over the flattened input). ``np.var(v)`` and ``np.std(v)`` keep numpy's
# own default, ``ddof=0``. argmax, argmin, argsort and the indices of sort and topk are not
# differentiable: they return plain numpy integer arrays (``np.intp``), never Values.
#: what ``sort(..., return_indices=True)`` returns (PyTorch's ``values, indices``)
SortResult = namedtuple("SortResult", "values indices")
#: what ``topk`` returns
TopKResult = namedtuple("TopKResult", "values indices")



def sum(x: Operand, axis: Axis = None, keepdims: bool = False) -> Value:  # noqa: A001 - mirrors numpy's name
    """``gg.sum(x, axis=0)``."""
    return V.as_value(x).sum(axis, keepdims)


def mean(x: Operand, axis: Axis = None, keepdims: bool = False) -> Value:
    """``gg.mean(x, axis=0)``."""
    return V.as_value(x).mean(axis, keepdims)


def _reduce(op, x, axis, keepdims, **extra):
    x = V.as_value(x)
    axes = norm_axis(axis, x.ndim, op.name)
    attrs = {"axis": axes, "keepdims": bool(keepdims), **extra}
    return V.apply(op, x, **attrs)


def _float(x, op):
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: needs floating-point data, got dtype {x.dtype}; use .astype(np.float64)")


# ---------------------------------------------------------------- reductions
def prod(x: Operand, axis: Axis = None, keepdims: bool = False) -> Value:
    """Product over ``axis`` (all by default). The gradient is the product of the other
    entries, exact with zeros in the input (one zero or several, as PyTorch).

    >>> prod(gg.Value([2., 0., 3.])).item(), prod(gg.Value([[1., 2.], [3., 4.]]), axis=0).numpy()
    (0.0, array([3., 8.]))
    """
    return _reduce(PROD, x, axis, keepdims)


def _correction(op, correction, ddof):
    if correction is not None and ddof is not None:
        raise TypeError(f"{op}: give correction= or ddof= (numpy's name for it), not both")
    c = ddof if correction is None else correction
    if c is None:
        return 1
    if isinstance(c, (bool, np.bool_)) or not isinstance(c, Real) or not np.isfinite(c) or c < 0:
        raise ValueError(f"{op}: correction must be a number >= 0 (1: divide by n - 1, 0: by n), got {c!r}")
    return int(c) if float(c).is_integer() else float(c)


def _var_like(op, x, axis, keepdims, correction, ddof):
    x = V.as_value(x)
    _float(x, op.name)
    c = _correction(op.name, correction, ddof)
    axes = norm_axis(axis, x.ndim, op.name)
    n = _count(x.shape, axes)
    if n - c <= 0:
        where = "all entries" if axes is None else f"axis {_ax(axes)}"
        raise ValueError(f"{op.name}: {n} entr{'y' if n == 1 else 'ies'} over {where} of shape {x.shape} "
                         f"with correction={c} leave{'s' if n == 1 else ''} {n - c} degrees of freedom "
                         f"(the result would be nan or inf); use correction=0 or more entries")
    attrs = {"axis": axes, "keepdims": bool(keepdims), "correction": c}
    return V.apply(op, x, **attrs)


def var(x: Operand, axis: Axis = None, keepdims: bool = False, *, correction: float | None = None,
        ddof: float | None = None) -> Value:
    """Variance, sum((x - mean)²) / (n - correction); ``correction=1`` by default (PyTorch),
    ``ddof`` is numpy's name for it. Fewer than ``correction + 1`` entries is a ValueError.

    >>> var(gg.Value([1., 2., 3., 4.])).item(), var(gg.Value([1., 2., 3., 4.]), ddof=0).item()
    (1.6666666666666667, 1.25)
    """
    return _var_like(VAR, x, axis, keepdims, correction, ddof)


def std(x: Operand, axis: Axis = None, keepdims: bool = False, *, correction: float | None = None,
        ddof: float | None = None) -> Value:
    """Standard deviation, sqrt(var) (same ``correction``/``ddof``); its gradient is 0 where
    it is 0 (all entries equal), as PyTorch's.

    >>> round(std(gg.Value([1., 2., 3., 4.]), correction=0).item(), 4)
    1.118
    """
    return _var_like(STD, x, axis, keepdims, correction, ddof)


def logsumexp(x: Operand, axis: Axis = None, keepdims: bool = False) -> Value:
    """log(sum(exp(x))) over ``axis``, without overflow (the max is taken out first).
    Its gradient is the softmax of ``x`` along the axis.

    >>> round(logsumexp(gg.Value([1000., 1000.])).item() - 1000.0, 6)
    0.693147
    """
    x = V.as_value(x)
    _float(x, "logsumexp")
    return _reduce(LOGSUMEXP, x, axis, keepdims)


def norm(x: Operand, ord: float | str | None = None, axis: Axis = None, keepdims: bool = False) -> Value:
    """Vector norm over ``axis``, as ``np.linalg.norm`` / ``torch.linalg.norm``.

    ``ord``: None or 2 (Euclidean), 1, ``inf`` (max |x|), ``-inf`` (min |x|), or ``'fro'``
    over two axes (the Frobenius norm, also what ``ord=None`` gives for a matrix). With no
    ``axis``, ``ord=None`` is the 2-norm of all entries; a numeric ``ord`` needs a vector
    there, as numpy. Matrix norms other than Frobenius (spectral, nuclear, max column/row
    sum) and other p are a ValueError here (``gg.linalg.norm`` has them). The gradient at
    a zero norm is 0 (as PyTorch); for ±inf it is split evenly among tied entries.

    >>> norm(gg.Value([3., 4.])).item(), norm(gg.Value([3., -4.]), ord=1).item()
    (5.0, 7.0)
    """
    x = V.as_value(x)
    _float(x, "norm")
    nd = x.ndim
    axes = norm_axis(axis, nd, "norm")
    count = nd if axes is None else len(axes)
    if isinstance(ord, str):
        if ord != "fro":
            raise ValueError(f"norm: ord={ord!r} is not supported; use None, 1, 2, inf, -inf or 'fro' "
                             "(gg.linalg.norm has every ord numpy accepts)")
        if count != 2:
            raise ValueError(f"norm: ord='fro' is a matrix norm and needs two axes, got "
                             f"{'all ' + str(nd) if axes is None else count} axis/axes of shape {x.shape}; "
                             "use ord=None or 2 for a vector")
        o = 2
    elif ord is None:
        o = 2
    else:
        if isinstance(ord, (bool, np.bool_)) or not isinstance(ord, Real) or ord not in (1, 2, np.inf, -np.inf):
            raise ValueError(f"norm: ord={ord!r} is not supported; use None, 1, 2, inf, -inf or 'fro' "
                             "(gg.linalg.norm has every ord numpy accepts)")
        o = float(ord) if ord in (np.inf, -np.inf) else int(ord)
        if count == 2 and nd:
            raise ValueError(f"norm: ord={ord!r} over two axes of shape {x.shape} is a matrix norm (the "
                             "spectral or max column/row-sum norm): use gg.linalg.norm, which has every "
                             "ord numpy accepts; or give one axis= for vector norms, or ord='fro'")
        if count > 2:
            raise ValueError(f"norm: ord={ord!r} needs one axis (or a vector), got shape {x.shape} with "
                             f"{'no axis' if axes is None else 'axis=' + str(axis)}; give axis=, or ord=None "
                             "for the 2-norm of all entries")
    if o in (np.inf, -np.inf) and x.size == 0:
        raise ShapeError(f"norm: ord={ord} of an empty tensor of shape {x.shape} has no maximum/minimum")
    attrs = {"ord": o, "axis": axes, "keepdims": bool(keepdims)}
    return V.apply(NORM, x, **attrs)


# ---------------------------------------------------------------- scans
def _scan(op, x, axis, extra=None):
    x = V.as_value(x)
    if axis is None:                       # numpy: over the flattened input
        x = x.reshape(-1)
        axis = 0
    if not is_int(axis):
        raise TypeError(f"{op.name}: axis must be one int (or None for the flattened input), got {axis!r}")
    axes = norm_axis(axis, x.ndim, op.name)
    attrs = {"axis": None if axes is None else axes[0], **(extra or {})}
    return V.apply(op, x, **attrs)


def cumsum(x: Operand, axis: int | None = None) -> Value:
    """Running sum along ``axis`` (the flattened input for None, as numpy).

    >>> cumsum(gg.Value([1., 2., 3.])).numpy()
    array([1., 3., 6.])
    """
    return _scan(CUMSUM, x, axis, {"reverse": False})


def cumprod(x: Operand, axis: int | None = None) -> Value:
    """Running product along ``axis``; the gradient is exact with zeros in the input.

    >>> cumprod(gg.Value([1., 2., 0., 3.])).numpy()
    array([1., 2., 0., 0.])
    """
    return _scan(CUMPROD, x, axis)


# ---------------------------------------------------------------- argmax, sort, topk
def _data_of(x, op):
    d = x.numpy() if isinstance(x, V.Value) else np.asarray(x)
    if d.dtype.kind not in "biuf":
        raise TypeError(f"{op}: needs numbers, got dtype {d.dtype}")
    return d


def _arg(fn, name, x, axis, keepdims):
    d = _data_of(x, name)
    if d.ndim == 0:
        norm_axis(axis, 0, name)
        return np.zeros((), dtype=np.intp)
    axes = norm_axis(axis, d.ndim, name)
    if axes is not None and len(axes) != 1:
        raise TypeError(f"{name}: axis must be one int or None, got {axis!r}")
    if d.size == 0 and (axes is None or d.shape[axes[0]] == 0):
        raise ShapeError(f"{name}: cannot take the {name[3:]} of an empty tensor of shape {d.shape}"
                         + ("" if axes is None else f" along axis {axes[0]}"))
    return np.asarray(fn(d, axis=None if axes is None else axes[0], keepdims=bool(keepdims)), dtype=np.intp)


def argmax(x: Operand, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the largest entry (the flattened index for ``axis=None``; the first one on
    ties; nan counts as largest). Not differentiable: a plain numpy ``intp`` array (0-d
    for one index), usable for indexing.

    >>> argmax(gg.Value([[1., 5.], [7., 2.]]), axis=1)
    array([1, 0])
    """
    return _arg(np.argmax, "argmax", x, axis, keepdims)


def argmin(x: Operand, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the smallest entry, as :func:`argmax` (a plain numpy ``intp`` array).

    >>> int(argmin(gg.Value([3., 1., 2.])))
    1
    """
    return _arg(np.argmin, "argmin", x, axis, keepdims)


def _one_axis(axis, nd, op):
    if not is_int(axis):
        raise TypeError(f"{op}: axis must be one int, got {axis!r}")
    axes = norm_axis(axis, nd, op)
    return None if axes is None else axes[0]


def argsort(x: Operand, axis: int = -1, descending: bool = False) -> np.ndarray:
    """The order that sorts ``x`` along ``axis`` (stable: ties keep their order; nan sorts
    as the largest). A plain numpy ``intp`` array, not differentiable.

    >>> argsort(gg.Value([3., 1., 2.]), descending=True)
    array([0, 2, 1])
    """
    d = _data_of(x, "argsort")
    ax = _one_axis(axis, d.ndim, "argsort")
    if ax is None:
        return np.zeros((), dtype=np.intp)
    return sort_indices(d, ax, bool(descending)).astype(np.intp, copy=False)


def sort(x: Operand, axis: int = -1, descending: bool = False, return_indices: bool = False, *,
         stable: bool = True):
    """Values sorted along ``axis`` (ascending; ``descending=True`` for largest first;
    always stable, whatever ``stable`` says; nan as the largest). The values are
    differentiable: each gradient goes back to where its value came from.
    ``return_indices=True`` gives ``(values, indices)`` as PyTorch's sort, indices a plain
    numpy array.

    >>> sort(gg.Value([3., 1., 2.])).numpy()
    array([1., 2., 3.])
    >>> sort(gg.Value([3., 1., 2.]), descending=True, return_indices=True).indices
    array([0, 2, 1])
    """
    x = V.as_value(x)
    ax = _one_axis(axis, x.ndim, "sort")
    attrs = {"axis": ax, "descending": bool(descending)}
    data, idx = SORT.forward(data_of(x), **attrs)
    out = V.record_node(SORT, (x,), data, saved=idx, attrs=attrs)
    if not return_indices:
        return out
    return SortResult(out, np.zeros((), dtype=np.intp) if idx is None else idx.astype(np.intp, copy=False))


def topk(x: Operand, k: int, axis: int = -1, largest: bool = True, sorted: bool = True) -> TopKResult:
    """The ``k`` largest (``largest=False``: smallest) values along ``axis`` and their
    indices, as PyTorch's topk: ``(values, indices)``, the values differentiable, the
    indices a plain numpy array. The values always come sorted (``sorted=False`` allows
    any order, so sorted is fine too); ties keep input order; nan counts as largest.

    >>> v, i = topk(gg.Value([1., 4., 2., 8.]), 2)
    >>> v.numpy(), i
    (array([8., 4.]), array([3, 1]))
    """
    x = V.as_value(x)
    if not is_int(k):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    if x.ndim == 0:
        raise ShapeError("topk: needs at least one dimension, got a 0-d Value; use x.reshape(1)")
    ax = _one_axis(axis, x.ndim, "topk")
    n = x.shape[ax]
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for {n} entries along axis {ax} of shape "
                         f"{x.shape} (use 0 <= k <= {n})")
    attrs = {"k": int(k), "axis": ax, "largest": bool(largest)}
    data, idx = TOPK.forward(data_of(x), **attrs)
    return TopKResult(V.record_node(TOPK, (x,), data, saved=idx, attrs=attrs), idx.astype(np.intp, copy=False))


# ---------------------------------------------------------------- Value methods
for _f in (prod, var, std, logsumexp, norm, cumsum, cumprod, argmax, argmin, argsort, sort, topk):
    value_attr(_f.__name__, as_method(_f), replace=True)


# ---------------------------------------------------------------- numpy functions on Values
def refuse_numpy_args(op, **given):
    """Refuse the keywords of ``np.<op>`` that a Value cannot honour (those given as anything
    but None) with one TypeError; graphgrad's reductions take only ``axis=`` and ``keepdims=``.

    >>> refuse_numpy_args("sum", dtype=None, out=None)     # nothing given: fine
    """
    refuse(op, "axis=, keepdims= are", **given)


@implements(np.prod)
def _np_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    refuse_numpy_args("prod", dtype=dtype, out=out, initial=initial, where=where)
    return prod(a, axis, keepdims)


def _np_var_like(fn, name):
    def f(a, axis=None, dtype=None, out=None, ddof=None, keepdims=False, *, where=None, mean=None,
          correction=None):
        refuse_numpy_args(name, dtype=dtype, out=out, where=where, mean=mean)
        if ddof is None and correction is None:
            ddof = 0                        # numpy's default, not PyTorch's
        return fn(a, axis, keepdims, correction=correction, ddof=ddof)
    return f


implements(np.var)(_np_var_like(var, "var"))
implements(np.std)(_np_var_like(std, "std"))


@implements(np.cumsum)
def _np_cumsum(a, axis=None, dtype=None, out=None):
    refuse_numpy_args("cumsum", dtype=dtype, out=out)
    return cumsum(a, axis)


@implements(np.cumprod)
def _np_cumprod(a, axis=None, dtype=None, out=None):
    refuse_numpy_args("cumprod", dtype=dtype, out=out)
    return cumprod(a, axis)


@implements(np.sort)
def _np_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    refuse_numpy_args("sort", order=order)
    if axis is None:
        return sort(V.as_value(a).reshape(-1), 0)
    return sort(a, axis)                   # always stable


# np.linalg.norm on a Value runs graphgrad.linalg.norm (every ord numpy accepts)


# ---------------------------------------------------------------- numpy's statistics on Values
# Built from the ops above (where, sum, max, sort, take_along_axis), so each is twice
# differentiable with no backward of its own. NaN entries get no gradient in the nan* ones.
def _float_value(a, name):
    """``a`` as a Value of floating-point data (one sentence for another dtype)."""
    a = V.as_value(a)
    _float(a, name)
    return a


def _stat_axis(a, axis, name):
    """(Value, axes tuple or None): ``axis`` checked as numpy's reductions take it."""
    a = _float_value(a, name)
    return a, norm_axis(axis, a.ndim, name)


def _nan_mask(a):
    return np.isnan(data_of(a))


def _per_count(count, dtype):
    """1/count as a constant array, NaN where count <= 0 (numpy's answer for a slice with no
    entries or no degrees of freedom left): no division by 0 in either pass, so nothing warns
    or raises under ``np.seterr(all="raise")``."""
    return np.where(count > 0, 1.0 / np.maximum(count, 1), np.nan).astype(dtype)


@implements(np.nansum)
def _np_nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """``np.nansum``: the sum with NaNs as 0 (they get no gradient), as ``torch.nansum``.

    >>> np.nansum(gg.Value([1.0, np.nan, 2.0])).item()
    3.0
    """
    refuse_numpy_args("nansum", dtype=dtype, out=out, initial=initial, where=where)
    a, axes = _stat_axis(a, axis, "nansum")
    return where_mixed(_nan_mask(a), 0.0, a).sum(axis=axes, keepdims=bool(keepdims))


@implements(np.nanmean)
def _np_nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """``np.nanmean``: the mean of the entries that are not NaN (NaN where all are), as
    ``torch.nanmean``.

    >>> np.nanmean(gg.Value([1.0, np.nan, 2.0])).item()
    1.5
    """
    refuse_numpy_args("nanmean", dtype=dtype, out=out, where=where)
    a, axes = _stat_axis(a, axis, "nanmean")
    nan = _nan_mask(a)
    inv = _per_count((~nan).sum(axis=axes, keepdims=bool(keepdims)), a.dtype)
    return where_mixed(nan, 0.0, a).sum(axis=axes, keepdims=bool(keepdims)) * inv


@implements(np.nanprod)
def _np_nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """``np.nanprod``: the product with NaNs as 1 (they get no gradient).

    >>> np.nanprod(gg.Value([2.0, np.nan, 3.0])).item()
    6.0
    """
    refuse_numpy_args("nanprod", dtype=dtype, out=out, initial=initial, where=where)
    a, axes = _stat_axis(a, axis, "nanprod")
    return prod(where_mixed(_nan_mask(a), 1.0, a), axes, bool(keepdims))


@implements(np.nancumsum)
def _np_nancumsum(a, axis=None, dtype=None, out=None):
    """``np.nancumsum``: the running sum with NaNs as 0.

    >>> np.nancumsum(gg.Value([1.0, np.nan, 2.0])).numpy()
    array([1., 1., 3.])
    """
    refuse_numpy_args("nancumsum", dtype=dtype, out=out)
    a = _float_value(a, "nancumsum")
    return cumsum(where_mixed(_nan_mask(a), 0.0, a), axis)


def _np_nanvar_like(root, name):
    def f(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
          correction=None):
        refuse_numpy_args(name, dtype=dtype, out=out, where=where, mean=mean)
        dd = ddof if correction is None else correction
        a, axes = _stat_axis(a, axis, name)
        nan = _nan_mask(a)
        kd = bool(keepdims)
        m = _np_nanmean(a, axis=axes, keepdims=True)
        d = where_mixed(nan, 0.0, a - m)      # the NaNs' deviations are 0 (and get no gradient)
        v = (d * d).sum(axis=axes, keepdims=kd) * _per_count((~nan).sum(axis=axes, keepdims=kd) - dd, a.dtype)
        return v ** 0.5 if root else v
    f.__name__ = f"_np_{name}"
    f.__doc__ = (f"``np.{name}``: the {'standard deviation' if root else 'variance'} of the entries that "
                 "are not NaN (``ddof``, numpy's default 0), NaN where none are left.")
    return f


implements(np.nanvar)(_np_nanvar_like(False, "nanvar"))
implements(np.nanstd)(_np_nanvar_like(True, "nanstd"))


def _nan_extreme(a, axis, keepdims, name, largest):
    """The max (``largest``) or min ignoring NaNs: they are filled with -inf (+inf), so the
    reduction never picks them; an all-NaN slice is NaN, as numpy."""
    a, axes = _stat_axis(a, axis, name)
    nan = _nan_mask(a)
    if a.size == 0:
        raise ShapeError(f"{name}: cannot reduce an empty tensor of shape {a.shape}")
    filled = where_mixed(nan, -np.inf if largest else np.inf, a)
    picked = (filled.max if largest else filled.min)(axis=axes, keepdims=bool(keepdims))
    all_nan = nan.all(axis=axes, keepdims=bool(keepdims))
    return where_mixed(all_nan, np.nan, picked) if np.any(all_nan) else picked   # numpy: NaN there


@implements(np.nanmax)
def _np_nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """``np.nanmax``: the max ignoring NaNs (NaN for an all-NaN slice); the gradient goes to
    the max as for ``max``.

    >>> np.nanmax(gg.Value([1.0, np.nan, 2.0])).item()
    2.0
    """
    refuse_numpy_args("nanmax", out=out, initial=initial, where=where)
    return _nan_extreme(a, axis, keepdims, "nanmax", largest=True)


@implements(np.nanmin)
def _np_nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """``np.nanmin``: the min ignoring NaNs (NaN for an all-NaN slice).

    >>> np.nanmin(gg.Value([1.0, np.nan, 2.0])).item()
    1.0
    """
    refuse_numpy_args("nanmin", out=out, initial=initial, where=where)
    return _nan_extreme(a, axis, keepdims, "nanmin", largest=False)


@implements(np.ptp)
def _np_ptp(a, axis=None, out=None, keepdims=False):
    """``np.ptp``: max - min (peak to peak).

    >>> np.ptp(gg.Value([1.0, 5.0, 2.0])).item()
    4.0
    """
    refuse_numpy_args("ptp", out=out)
    a, axes = _stat_axis(a, axis, "ptp")
    return a.max(axis=axes, keepdims=bool(keepdims)) - a.min(axis=axes, keepdims=bool(keepdims))


@implements(np.average)
def _np_average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """``np.average``: Σ w·a / Σ w over ``axis`` (the mean without weights); ``weights`` may be
    a Value (differentiable in both) of a's shape, or 1-D along a single ``axis``.

    >>> np.average(gg.Value([1.0, 3.0]), weights=[3.0, 1.0]).item()
    1.5
    """
    a, axes = _stat_axis(a, axis, "average")
    kd = bool(keepdims)
    if weights is None:
        avg = a.mean(axis=axes, keepdims=kd)
        # numpy's second result: the count, as the sum of unit weights
        return (avg, V.as_value(np.full(avg.shape, a.size // max(avg.size, 1), dtype=a.dtype))) if returned else avg
    w = V.as_value(weights)
    if w.shape == a.shape:
        total = w.sum(axis=axes, keepdims=kd)
    elif w.ndim == 1 and axes is not None and len(axes) == 1 and w.shape[0] == a.shape[axes[0]]:
        w = w.reshape(tuple(a.shape[i] if i == axes[0] else 1 for i in range(a.ndim)))
        total = w.sum()                       # one number: the weights along the one axis
    else:
        raise ShapeError(f"average: weights of shape {w.shape} do not fit a of shape {a.shape} with "
                         f"axis={axis!r}; give weights of a's shape, or 1-D along one axis")
    if np.any(data_of(total) == 0):
        raise ZeroDivisionError("average: the weights sum to zero along the axis; they cannot be normalised")
    avg = (a * w).sum(axis=axes, keepdims=kd) / total
    if returned:                              # numpy: the sum of the weights, broadcast to avg's shape
        return avg, (total if total.shape == avg.shape else np.broadcast_to(total, avg.shape))
    return avg


def _sorted_points(a, q, axis, keepdims, name):
    """numpy's "linear" quantiles of ``a`` at ``q`` (a number or 1-D, in [0, 1]) over one
    ``axis`` or all (None): interpolation between the sorted neighbours; a NaN in a slice
    makes its quantiles NaN, as numpy. ``name`` "median" takes numpy's median instead."""
    a = _float_value(a, name)
    qs = np.asarray(q, dtype=np.float64)
    if qs.ndim > 1 or not np.all((qs >= 0) & (qs <= 1)):
        raise ValueError(f"{name}: q must be a number or 1-D with values in [0, 1] (percentiles in [0, 100]), "
                         f"got {q!r:.60}")
    if axis is not None and not is_int(axis):
        raise TypeError(f"{name}: axis must be one int or None on a Value, got {axis!r}")
    x = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else norm_axis(axis, a.ndim, name)[0]
    n = x.shape[ax]
    if n == 0:
        raise ShapeError(f"{name}: cannot take a quantile of an empty axis (shape {a.shape})")
    s = sort(x, ax)
    pos = qs.reshape(-1) * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).astype(a.dtype)
    along = tuple(len(frac) if i == ax else 1 for i in range(x.ndim))      # one q per entry of axis ax
    points = s.shape[:ax] + (len(frac),) + s.shape[ax + 1:]

    def take(idx):
        return np.take_along_axis(s, np.broadcast_to(idx.reshape(along), points), axis=ax)
    if name == "median":                      # numpy's median: the middle one, or the mean of two
        out = take(lo) if n % 2 else (take(lo) + take(hi)) * 0.5
    else:                                     # numpy's _lerp: from below for t < 0.5, from above else
        t = frac.reshape(along)
        low, high = take(lo), take(hi)
        diff = high - low
        out = where_mixed(np.broadcast_to(t >= 0.5, diff.shape), high - diff * (1 - t), low + diff * t)
    nan = np.isnan(data_of(x)).any(axis=ax, keepdims=True)
    if np.any(nan):
        out = where_mixed(np.broadcast_to(nan, out.shape), np.nan, out)
    out = np.moveaxis(out, ax, 0)             # numpy puts q's axis first, then a's other axes
    if keepdims:                              # the reduced axis (or every axis, for None) as 1
        kept = (1,) * a.ndim if axis is None else tuple(1 if i == ax else d for i, d in enumerate(a.shape))
        out = out.reshape((len(frac),) + kept)
    return out[0] if qs.ndim == 0 else out


@implements(np.quantile)
def _np_quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
                 weights=None, interpolation=None):
    """``np.quantile`` with numpy's default ``method="linear"`` (as ``torch.quantile``), over
    one axis or all; the gradient goes to the two sorted neighbours, by their weights.

    >>> np.quantile(gg.Value([1.0, 4.0, 2.0, 3.0]), 0.5).item()
    2.5
    """
    refuse_numpy_args("quantile", out=out, weights=weights, interpolation=interpolation)
    if method != "linear":
        raise TypeError(f"np.quantile of a Value: only method='linear' (numpy's default) is supported, got {method!r}")
    return _sorted_points(a, q, axis, keepdims, "quantile")


@implements(np.percentile)
def _np_percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
                   weights=None, interpolation=None):
    """``np.percentile``: ``np.quantile`` at q/100.

    >>> np.percentile(gg.Value([1.0, 4.0, 2.0, 3.0]), 25).item()
    1.75
    """
    refuse_numpy_args("percentile", out=out, weights=weights, interpolation=interpolation)
    if method != "linear":
        raise TypeError(f"np.percentile of a Value: only method='linear' (numpy's default) is supported, got {method!r}")
    return _sorted_points(a, np.asarray(q, dtype=np.float64) / 100.0, axis, keepdims, "percentile")


@implements(np.median)
def _np_median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """``np.median``: the middle of the sorted entries, the mean of the two middle ones for an
    even count (numpy's, not ``torch.median``'s lower one); NaN where a slice has a NaN.

    >>> np.median(gg.Value([1.0, 4.0, 2.0, 3.0])).item()
    2.5
    """
    refuse_numpy_args("median", out=out)
    return _sorted_points(a, 0.5, axis, keepdims, "median")


