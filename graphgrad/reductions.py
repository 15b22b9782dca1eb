"""Reductions, scans, sorting and einsum as ``gg.*`` functions and Value methods:
``prod var std logsumexp norm cumsum cumprod argmax argmin sort argsort topk einsum``.

Names and defaults follow PyTorch where numpy and PyTorch differ in a way that changes the
number (``var``/``std`` divide by n - 1 by default, ``correction=1``; numpy's ``ddof`` is
accepted as another name for it), and numpy elsewhere (``axis=``, ``keepdims=``; ``cumsum``
with no axis runs over the flattened input). ``np.var(v)`` and ``np.std(v)`` keep numpy's
own default, ``ddof=0``. argmax, argmin, argsort and the indices of sort and topk are not
differentiable: they return plain numpy integer arrays (``np.intp``), never Values.

>>> import graphgrad as gg
>>> x = gg.Value([[1., 2.], [3., 4.]], requires_grad=True)
>>> x.prod(axis=1).numpy(), gg.argmax(x, axis=1)
(array([ 2., 12.]), array([1, 1]))
"""
from __future__ import annotations

from collections import namedtuple
from numbers import Real
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ._dispatch import implements, refuse
from .errors import ShapeError
from .ops import reduce as _r
from .ops.tensor import _is_int, _norm_axis
from .value import Value, _lift, _make

if TYPE_CHECKING:
    from ._types import Axis, Operand

#: what ``sort(..., return_indices=True)`` returns (PyTorch's ``values, indices``)
SortResult = namedtuple("SortResult", "values indices")
#: what ``topk`` returns
TopKResult = namedtuple("TopKResult", "values indices")


def _v(x) -> Value:
    return x if isinstance(x, Value) else _lift(x)


def _reduce(op, x, axis, keepdims, **extra):
    x = _v(x)
    axes = _norm_axis(axis, x.ndim, op.name)
    attrs = {"axis": axes, "keepdims": bool(keepdims), **extra}
    return _make(op.forward(x._data, **attrs)[0], op, (x,), attrs=attrs)


def _float(x, op):
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: needs floating-point data, got dtype {x.dtype}; use .astype(np.float64)")


# ---------------------------------------------------------------- reductions
def prod(x: Operand, axis: Axis = None, keepdims: bool = False) -> Value:
    """Product over ``axis`` (all by default). The gradient is the product of the other
    entries, exact with zeros in the input (one zero or several, as PyTorch).

    >>> prod(Value([2., 0., 3.])).item(), prod(Value([[1., 2.], [3., 4.]]), axis=0).numpy()
    (0.0, array([3., 8.]))
    """
    return _reduce(_r.PROD, x, axis, keepdims)


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
    x = _v(x)
    _float(x, op.name)
    c = _correction(op.name, correction, ddof)
    axes = _norm_axis(axis, x.ndim, op.name)
    n = _r._count(x.shape, axes)
    if n - c <= 0:
        where = "all entries" if axes is None else f"axis {_r._ax(axes)}"
        raise ValueError(f"{op.name}: {n} entr{'y' if n == 1 else 'ies'} over {where} of shape {x.shape} "
                         f"with correction={c} leave{'s' if n == 1 else ''} {n - c} degrees of freedom "
                         f"(the result would be nan or inf); use correction=0 or more entries")
    attrs = {"axis": axes, "keepdims": bool(keepdims), "correction": c}
    return _make(op.forward(x._data, **attrs)[0], op, (x,), attrs=attrs)


def var(x: Operand, axis: Axis = None, keepdims: bool = False, *, correction: float | None = None,
        ddof: float | None = None) -> Value:
    """Variance, sum((x - mean)²) / (n - correction); ``correction=1`` by default (PyTorch),
    ``ddof`` is numpy's name for it. Fewer than ``correction + 1`` entries is a ValueError.

    >>> var(Value([1., 2., 3., 4.])).item(), var(Value([1., 2., 3., 4.]), ddof=0).item()
    (1.6666666666666667, 1.25)
    """
    return _var_like(_r.VAR, x, axis, keepdims, correction, ddof)


def std(x: Operand, axis: Axis = None, keepdims: bool = False, *, correction: float | None = None,
        ddof: float | None = None) -> Value:
    """Standard deviation, sqrt(var) (same ``correction``/``ddof``); its gradient is 0 where
    it is 0 (all entries equal), as PyTorch's.

    >>> round(std(Value([1., 2., 3., 4.]), correction=0).item(), 4)
    1.118
    """
    return _var_like(_r.STD, x, axis, keepdims, correction, ddof)


def logsumexp(x: Operand, axis: Axis = None, keepdims: bool = False) -> Value:
    """log(sum(exp(x))) over ``axis``, without overflow (the max is taken out first).
    Its gradient is the softmax of ``x`` along the axis.

    >>> round(logsumexp(Value([1000., 1000.])).item() - 1000.0, 6)
    0.693147
    """
    x = _v(x)
    _float(x, "logsumexp")
    return _reduce(_r.LOGSUMEXP, x, axis, keepdims)


def norm(x: Operand, ord: float | str | None = None, axis: Axis = None, keepdims: bool = False) -> Value:
    """Vector norm over ``axis``, as ``np.linalg.norm`` / ``torch.linalg.norm``.

    ``ord``: None or 2 (Euclidean), 1, ``inf`` (max |x|), ``-inf`` (min |x|), or ``'fro'``
    over two axes (the Frobenius norm, also what ``ord=None`` gives for a matrix). With no
    ``axis``, ``ord=None`` is the 2-norm of all entries; a numeric ``ord`` needs a vector
    there, as numpy. Matrix norms other than Frobenius (spectral, nuclear, max column/row
    sum) and other p are a ValueError here (``gg.linalg.norm`` has them). The gradient at
    a zero norm is 0 (as PyTorch); for ±inf it is split evenly among tied entries.

    >>> norm(Value([3., 4.])).item(), norm(Value([3., -4.]), ord=1).item()
    (5.0, 7.0)
    """
    x = _v(x)
    _float(x, "norm")
    nd = x.ndim
    axes = _norm_axis(axis, nd, "norm")
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
    return _make(_r.NORM.forward(x._data, **attrs)[0], _r.NORM, (x,), attrs=attrs)


# ---------------------------------------------------------------- scans
def _scan(op, x, axis, extra=None):
    x = _v(x)
    if axis is None:                       # numpy: over the flattened input
        x = x.reshape(-1)
        axis = 0
    if not _is_int(axis):
        raise TypeError(f"{op.name}: axis must be one int (or None for the flattened input), got {axis!r}")
    axes = _norm_axis(axis, x.ndim, op.name)
    attrs = {"axis": None if axes is None else axes[0], **(extra or {})}
    return _make(op.forward(x._data, **attrs)[0], op, (x,), attrs=attrs)


def cumsum(x: Operand, axis: int | None = None) -> Value:
    """Running sum along ``axis`` (the flattened input for None, as numpy).

    >>> cumsum(Value([1., 2., 3.])).numpy()
    array([1., 3., 6.])
    """
    return _scan(_r.CUMSUM, x, axis, {"reverse": False})


def cumprod(x: Operand, axis: int | None = None) -> Value:
    """Running product along ``axis``; the gradient is exact with zeros in the input.

    >>> cumprod(Value([1., 2., 0., 3.])).numpy()
    array([1., 2., 0., 0.])
    """
    return _scan(_r.CUMPROD, x, axis)


# ---------------------------------------------------------------- argmax, sort, topk
def _data_of(x, op):
    d = x.numpy() if isinstance(x, Value) else np.asarray(x)
    if d.dtype.kind not in "biuf":
        raise TypeError(f"{op}: needs numbers, got dtype {d.dtype}")
    return d


def _arg(fn, name, x, axis, keepdims):
    d = _data_of(x, name)
    if d.ndim == 0:
        _norm_axis(axis, 0, name)
        return np.zeros((), dtype=np.intp)
    axes = _norm_axis(axis, d.ndim, name)
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

    >>> argmax(Value([[1., 5.], [7., 2.]]), axis=1)
    array([1, 0])
    """
    return _arg(np.argmax, "argmax", x, axis, keepdims)


def argmin(x: Operand, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the smallest entry, as :func:`argmax` (a plain numpy ``intp`` array).

    >>> int(argmin(Value([3., 1., 2.])))
    1
    """
    return _arg(np.argmin, "argmin", x, axis, keepdims)


def _one_axis(axis, nd, op):
    if not _is_int(axis):
        raise TypeError(f"{op}: axis must be one int, got {axis!r}")
    axes = _norm_axis(axis, nd, op)
    return None if axes is None else axes[0]


def argsort(x: Operand, axis: int = -1, descending: bool = False) -> np.ndarray:
    """The order that sorts ``x`` along ``axis`` (stable: ties keep their order; nan sorts
    as the largest). A plain numpy ``intp`` array, not differentiable.

    >>> argsort(Value([3., 1., 2.]), descending=True)
    array([0, 2, 1])
    """
    d = _data_of(x, "argsort")
    ax = _one_axis(axis, d.ndim, "argsort")
    if ax is None:
        return np.zeros((), dtype=np.intp)
    return _r.sort_indices(d, ax, bool(descending)).astype(np.intp, copy=False)


def sort(x: Operand, axis: int = -1, descending: bool = False, return_indices: bool = False, *,
         stable: bool = True):
    """Values sorted along ``axis`` (ascending; ``descending=True`` for largest first;
    always stable, whatever ``stable`` says; nan as the largest). The values are
    differentiable: each gradient goes back to where its value came from.
    ``return_indices=True`` gives ``(values, indices)`` as PyTorch's sort, indices a plain
    numpy array.

    >>> sort(Value([3., 1., 2.])).numpy()
    array([1., 2., 3.])
    >>> sort(Value([3., 1., 2.]), descending=True, return_indices=True).indices
    array([0, 2, 1])
    """
    x = _v(x)
    ax = _one_axis(axis, x.ndim, "sort")
    attrs = {"axis": ax, "descending": bool(descending)}
    data, idx = _r.SORT.forward(x._data, **attrs)
    out = _make(data, _r.SORT, (x,), saved=idx, attrs=attrs)
    if not return_indices:
        return out
    return SortResult(out, np.zeros((), dtype=np.intp) if idx is None else idx.astype(np.intp, copy=False))


def topk(x: Operand, k: int, axis: int = -1, largest: bool = True, sorted: bool = True) -> TopKResult:
    """The ``k`` largest (``largest=False``: smallest) values along ``axis`` and their
    indices, as PyTorch's topk: ``(values, indices)``, the values differentiable, the
    indices a plain numpy array. The values always come sorted (``sorted=False`` allows
    any order, so sorted is fine too); ties keep input order; nan counts as largest.

    >>> v, i = topk(Value([1., 4., 2., 8.]), 2)
    >>> v.numpy(), i
    (array([8., 4.]), array([3, 1]))
    """
    x = _v(x)
    if not _is_int(k):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    if x.ndim == 0:
        raise ShapeError("topk: needs at least one dimension, got a 0-d Value; use x.reshape(1)")
    ax = _one_axis(axis, x.ndim, "topk")
    n = x.shape[ax]
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for {n} entries along axis {ax} of shape "
                         f"{x.shape} (use 0 <= k <= {n})")
    attrs = {"k": int(k), "axis": ax, "largest": bool(largest)}
    data, idx = _r.TOPK.forward(x._data, **attrs)
    return TopKResult(_make(data, _r.TOPK, (x,), saved=idx, attrs=attrs), idx.astype(np.intp, copy=False))


# ---------------------------------------------------------------- einsum
def einsum(subscripts: str, *operands: Operand) -> Value:
    """Einstein summation, as ``np.einsum``: any number of operands, implicit output
    (letters used once, in alphabetical order) or explicit ``->``, ``...`` for the
    remaining axes, repeated letters for diagonals. Differentiable in every operand.

    >>> a, b = Value([[1., 2.], [3., 4.]]), Value([[1.], [1.]])
    >>> einsum("ij,jk->ik", a, b).numpy().ravel(), einsum("ii", a).item()
    (array([3., 7.]), 5.0)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)) and not isinstance(subscripts, str):
        raise TypeError("einsum: call it as einsum('ij,jk->ik', a, b)")
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    vs = tuple(_v(o) for o in operands)
    for v in vs:
        if v.dtype.kind not in "biuf":
            raise TypeError(f"einsum: operands need numbers, got dtype {v.dtype}")
    subs, _ = _r.parse_einsum(subscripts, [v.shape for v in vs])
    spec = subscripts.replace(" ", "") if isinstance(subscripts, str) else subscripts
    attrs = {"subscripts": subs, "spec": spec}
    return _make(_r.EINSUM.forward(*[v._data for v in vs], **attrs)[0], _r.EINSUM, vs, attrs=attrs)


# ---------------------------------------------------------------- Value methods
def _attach():
    def method(fn, name):
        def m(self, *args, **kwargs):
            return fn(self, *args, **kwargs)
        m.__name__ = m.__qualname__ = name
        m.__doc__ = fn.__doc__
        m.__wrapped__ = fn     # its signature, for the typed stub (graphgrad/_stubgen.py)
        return m
    for fn in (prod, var, std, logsumexp, norm, cumsum, cumprod, argmax, argmin, argsort, sort, topk):
        setattr(Value, fn.__name__, method(fn, fn.__name__))


_attach()


# ---------------------------------------------------------------- numpy functions on Values
def _no(op, **given):
    refuse(op, "axis=, keepdims= are", **given)


@implements(np.prod)
def _np_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _no("prod", dtype=dtype, out=out, initial=initial, where=where)
    return prod(a, axis, keepdims)


def _np_var_like(fn, name):
    def f(a, axis=None, dtype=None, out=None, ddof=None, keepdims=False, *, where=None, mean=None,
          correction=None):
        _no(name, dtype=dtype, out=out, where=where, mean=mean)
        if ddof is None and correction is None:
            ddof = 0                        # numpy's default, not PyTorch's
        return fn(a, axis, keepdims, correction=correction, ddof=ddof)
    return f


implements(np.var)(_np_var_like(var, "var"))
implements(np.std)(_np_var_like(std, "std"))


@implements(np.cumsum)
def _np_cumsum(a, axis=None, dtype=None, out=None):
    _no("cumsum", dtype=dtype, out=out)
    return cumsum(a, axis)


@implements(np.cumprod)
def _np_cumprod(a, axis=None, dtype=None, out=None):
    _no("cumprod", dtype=dtype, out=out)
    return cumprod(a, axis)


@implements(np.sort)
def _np_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    _no("sort", order=order)
    if axis is None:
        return sort(_v(a).reshape(-1), 0)
    return sort(a, axis)                   # always stable


# np.linalg.norm on a Value runs graphgrad.linalg.norm (every ord numpy accepts)


@implements(np.einsum)
def _np_einsum(subscripts, *operands, out=None, optimize=False, **kw):
    _no("einsum", out=out, **kw)
    return einsum(subscripts, *operands)


__all__ = ["prod", "var", "std", "logsumexp", "norm", "cumsum", "cumprod", "argmax", "argmin",
           "argsort", "sort", "topk", "einsum", "SortResult", "TopKResult"]
