"""Shape functions (``gg.flip(x, 0)``, also the methods ``x.flip(0)``): split, chunk, repeat,
tile, roll, flip, squeeze, unsqueeze / expand_dims, tril, triu, diag, diagonal.

They follow numpy's meaning where numpy has the function (``split`` takes a number of equal
pieces or the cut indices, ``repeat`` is ``np.repeat``, i.e. PyTorch's ``repeat_interleave``),
PyTorch's for ``chunk`` and ``unsqueeze``. Here the arguments are checked and normalised
(negative axes counted from the end) with one clear sentence for a bad one; the math is in
``graphgrad/ops/shape.py``.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from . import ops as _ops
from ._dispatch import implements
from .errors import ShapeError
from .ops.tensor import _is_int
from .value import Value, _lift, _make

if TYPE_CHECKING:
    from ._types import Axis, Operand


def _v(x):
    return x if isinstance(x, Value) else _lift(x)


def _ints(xs, op: str, what: str) -> tuple:
    """An int or a sequence of ints as a tuple of Python ints."""
    if _is_int(xs):
        return (int(xs),)
    if isinstance(xs, np.ndarray) and xs.ndim > 1:
        raise TypeError(f"{op}: {what} must be an int or a sequence of ints, got an array of shape {xs.shape}")
    try:
        items = tuple(xs)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int or a sequence of ints, got {xs!r:.60}") from None
    for i in items:
        if not _is_int(i):
            raise TypeError(f"{op}: {what} must be an int or a sequence of ints, got {xs!r:.60}")
    return tuple(int(i) for i in items)


def _axis1(axis, ndim: int, op: str, shape) -> int:
    """One axis, counted from the end when negative, checked against ``ndim``."""
    if not _is_int(axis):
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of range for shape {shape} "
                         f"(use {-ndim} .. {ndim - 1})" if ndim else
                         f"{op}: a 0-d Value (shape ()) has no axis {axis}")
    return int(axis) % ndim


def _axes(axis, ndim: int, op: str, shape, unique: bool = True) -> tuple:
    axes = tuple(_axis1(a, ndim, op, shape) for a in _ints(axis, op, "axis"))
    if unique and len(set(axes)) != len(axes):
        raise ShapeError(f"{op}: axis {axis} names the same axis twice (shape {shape})")
    return axes


def _node(op, x, attrs):
    return _make(op.forward(x._data, **attrs)[0], op, (x,), attrs=attrs)


# ---------------------------------------------------------------- split / chunk
_MAX_PIECES = 2 ** 20     # more Values than this from one call is a typo, and would take minutes


def _count(n, op):
    if n > _MAX_PIECES:
        raise ValueError(f"{op}: {n} pieces is more than {_MAX_PIECES} (one Value each); cut into fewer")


def _pieces(x, bounds, axis, fn):
    return [_node(_ops.SPLIT_PIECE, x, {"axis": axis, "start": lo, "stop": hi, "piece": i, "fn": fn})
            for i, (lo, hi) in enumerate(bounds)]


def _need_axis(x, op):
    if x.ndim == 0:
        raise ShapeError(f"{op}: a 0-d Value (shape ()) has no axis to cut; reshape it to (1,) first")


def split(x: Operand, indices_or_sections, axis: int = 0) -> list:
    """Cut ``x`` along ``axis`` as ``np.split``: an int ``n`` makes n equal pieces; a list of
    indices gives the cut points (``[2, 5]``: ``x[:2]``, ``x[2:5]``, ``x[5:]``). Returns a
    list of Values; gradients flow back from each piece used.

    >>> [p.shape for p in split(Value(np.arange(6.)), [2, 5])]
    [(2,), (3,), (1,)]
    """
    x = _v(x)
    _need_axis(x, "split")
    ax = _axis1(axis, x.ndim, "split", x.shape)
    n = x.shape[ax]
    s = indices_or_sections
    if _is_int(s):
        if s <= 0:
            raise ValueError(f"split: the number of pieces must be positive, got {s}")
        _count(s, "split")
        if n % s:
            raise ShapeError(f"split: axis {ax} of shape {x.shape} has {n} entries, which do not "
                             f"split into {s} equal pieces (give the cut indices, or use chunk)")
        size = n // s
        bounds = [(i * size, (i + 1) * size) for i in range(s)]
    else:
        if isinstance(s, (float, np.floating, bool, np.bool_)):
            raise TypeError(f"split: indices_or_sections must be an int or a list of ints, got {s!r}")
        cuts = _ints(s, "split", "indices_or_sections")
        bounds = []
        for lo, hi in zip((0,) + cuts, cuts + (n,)):
            # the Python slice x[lo:hi], as numpy cuts (negative indices from the end)
            lo, hi, _ = slice(lo, hi).indices(n)
            bounds.append((lo, max(lo, hi)))
    return _pieces(x, bounds, ax, "split")


def chunk(x: Operand, chunks: int, axis: int = 0) -> list:
    """Cut ``x`` into ``chunks`` pieces along ``axis`` as ``torch.chunk``: each of
    ceil(n / chunks) entries, the last smaller; fewer pieces when that covers ``x`` sooner.

    >>> [p.shape for p in chunk(Value(np.arange(5.)), 2)]
    [(3,), (2,)]
    """
    x = _v(x)
    _need_axis(x, "chunk")
    if not _is_int(chunks):
        raise TypeError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    ax = _axis1(axis, x.ndim, "chunk", x.shape)
    n = x.shape[ax]
    if n == 0:                           # as torch: `chunks` empty pieces
        _count(chunks, "chunk")
        return _pieces(x, [(0, 0)] * chunks, ax, "chunk")
    size = math.ceil(n / chunks)
    bounds = [(lo, min(lo + size, n)) for lo in range(0, n, size)]
    return _pieces(x, bounds, ax, "chunk")


# ---------------------------------------------------------------- repeat / tile
def repeat(x: Operand, repeats, axis: int | None = None) -> Value:
    """``np.repeat``: each entry copied ``repeats`` times (an int, or one count per entry)
    along ``axis``; ``axis=None`` repeats the flattened entries. PyTorch's name is
    ``repeat_interleave`` (PyTorch's ``Tensor.repeat`` is :func:`tile`).

    >>> repeat(Value([1., 2.]), 2).numpy(), repeat(Value([1., 2.]), [1, 3]).numpy()
    (array([1., 1., 2., 2.]), array([1., 2., 2., 2.]))
    """
    x = _v(x)
    if axis is None:
        n, ax = x.size, None
    else:
        ax = _axis1(axis, x.ndim, "repeat", x.shape)
        n = x.shape[ax]
    if isinstance(repeats, Value):
        repeats = repeats._data
    if _is_int(repeats):
        r = int(repeats)
        if r < 0:
            raise ValueError(f"repeat: repeats must be non-negative, got {r}")
    else:
        arr = np.asarray(repeats)
        if arr.dtype.kind not in "iu" or arr.ndim > 1:
            raise TypeError(f"repeat: repeats must be an int or a 1-d sequence of ints, got {repeats!r:.60}")
        where = "the flattened entries" if ax is None else f"axis {ax} of shape {x.shape}"
        if arr.ndim == 0 or arr.size == 1:
            r = int(arr.reshape(-1)[0]) if arr.size else None
        elif arr.size != n:
            raise ShapeError(f"repeat: {arr.size} repeat counts for {n} entries along {where}; "
                             "give one count per entry or a single int")
        else:
            r = None
        if arr.size == 0 and n != 0:
            raise ShapeError(f"repeat: no repeat counts for {n} entries along {where}")
        if (arr < 0).any():
            raise ValueError(f"repeat: repeat counts must be non-negative, got {arr.min()}")
        if r is None:
            arr = arr.astype(np.intp)
            # equal counts take the reshape-and-sum backward
            r = int(arr[0]) if arr.size and (arr == arr[0]).all() else (arr if arr.size else 0)
    return _node(_ops.REPEAT, x, {"repeats": r, "axis": ax})


def tile(x: Operand, reps) -> Value:
    """``np.tile`` (PyTorch's ``tile`` and ``Tensor.repeat``): the whole of ``x`` copied
    ``reps[i]`` times along axis i; more reps than axes adds leading axes.

    >>> tile(Value([1., 2.]), 2).numpy(), tile(Value([1., 2.]), (2, 1)).shape
    (array([1., 2., 1., 2.]), (2, 2))
    """
    x = _v(x)
    reps = _ints(reps, "tile", "reps")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative, got {reps}")
    return _node(_ops.TILE, x, {"reps": reps})


# ---------------------------------------------------------------- roll / flip
def roll(x: Operand, shift, axis: Axis = None) -> Value:
    """``np.roll``: entries shifted cyclically by ``shift`` along ``axis`` (ints or matching
    tuples); ``axis=None`` rolls the flattened entries and keeps the shape.

    >>> roll(Value([1., 2., 3.]), 1).numpy()
    array([3., 1., 2.])
    """
    x = _v(x)
    if axis is None:
        if not _is_int(shift):
            raise TypeError(f"roll: with axis=None the shift must be one integer, got {shift!r:.60}")
        return _node(_ops.ROLL, x, {"shift": int(shift), "axis": None})
    axes = _axes(axis, x.ndim, "roll", x.shape, unique=False)
    shifts = _ints(shift, "roll", "shift")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    elif len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ShapeError(f"roll: {len(shifts)} shifts {tuple(shifts)} for {len(axes)} axes {axis}; "
                         "give one shift per axis")
    return _node(_ops.ROLL, x, {"shift": shifts, "axis": axes})


def flip(x: Operand, axis: Axis = None) -> Value:
    """``np.flip``: entries in reverse order along ``axis`` (every axis by default).

    >>> flip(Value([[1., 2.], [3., 4.]]), -1).numpy()
    array([[2., 1.],
           [4., 3.]])
    """
    x = _v(x)
    axes = None if axis is None else _axes(axis, x.ndim, "flip", x.shape)
    return _node(_ops.FLIP, x, {"axis": axes})


# ---------------------------------------------------------------- squeeze / expand_dims
def squeeze(x: Operand, axis: Axis = None) -> Value:
    """Remove axes of length 1: those named by ``axis``, or all of them by default. Naming
    an axis longer than 1 raises ShapeError (PyTorch would silently keep it).

    >>> squeeze(Value(np.zeros((1, 3, 1)))).shape, squeeze(Value(np.zeros((1, 3))), 0).shape
    ((3,), (3,))
    """
    x = _v(x)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = _axes(axis, x.ndim, "squeeze", x.shape)
        for a in axes:
            if x.shape[a] != 1:
                raise ShapeError(f"squeeze: axis {a} of shape {x.shape} has length {x.shape[a]}, not 1; "
                                 "only axes of length 1 can be removed")
    return _node(_ops.SQUEEZE, x, {"axis": axes})


def expand_dims(x: Operand, axis: Axis) -> Value:
    """``np.expand_dims``: new axes of length 1 at ``axis`` (positions in the result).

    >>> expand_dims(Value([1., 2.]), (0, -1)).shape
    (1, 2, 1)
    """
    x = _v(x)
    out_nd = x.ndim + len(_ints(axis, "expand_dims", "axis"))
    axes = _axes(axis, out_nd, "expand_dims", f"{x.shape} (the result has {out_nd} axes)")
    return _node(_ops.EXPAND_DIMS, x, {"axis": axes})


def unsqueeze(x: Operand, axis: int) -> Value:
    """PyTorch's ``unsqueeze``: one new axis of length 1 at position ``axis`` (-ndim-1 .. ndim).

    >>> unsqueeze(Value([1., 2.]), -1).shape
    (2, 1)
    """
    x = _v(x)
    if not _is_int(axis):
        raise TypeError(f"unsqueeze: axis must be one integer, got {axis!r} (expand_dims takes a tuple)")
    ax = _axis1(axis, x.ndim + 1, "unsqueeze", f"{x.shape} (the result has {x.ndim + 1} axes)")
    return _node(_ops.UNSQUEEZE, x, {"axis": (ax,)})


# ---------------------------------------------------------------- tril / triu / diagonal
def _k(k, op, what="k"):
    if not _is_int(k):
        raise TypeError(f"{op}: the diagonal {what} must be an integer, got {k!r}")
    return int(k)


def _triangle(op, x, k):
    x = _v(x)
    if x.ndim < 2:
        raise ShapeError(f"{op.name}: needs a matrix (or a batch of them, >= 2 dimensions), "
                         f"got shape {x.shape}")
    return _node(op, x, {"k": _k(k, op.name)})


def tril(x: Operand, k: int = 0) -> Value:
    """Lower triangle of the last two axes (on and below diagonal ``k``), zeros above.

    >>> tril(Value(np.ones((2, 2)))).numpy()
    array([[1., 0.],
           [1., 1.]])
    """
    return _triangle(_ops.TRIL, x, k)


def triu(x: Operand, k: int = 0) -> Value:
    """Upper triangle of the last two axes (on and above diagonal ``k``), zeros below.

    >>> triu(Value(np.ones((2, 2))), 1).numpy()
    array([[0., 1.],
           [0., 0.]])
    """
    return _triangle(_ops.TRIU, x, k)


def diag(x: Operand, k: int = 0) -> Value:
    """``np.diag``: a vector becomes a square matrix with it on diagonal ``k``; a matrix
    gives its diagonal ``k`` as a vector.

    >>> diag(Value([1., 2.])).numpy(), diag(Value([[1., 2.], [3., 4.]])).numpy()
    (array([[1., 0.],
           [0., 2.]]), array([1., 4.]))
    """
    x = _v(x)
    k = _k(k, "diag")
    if x.ndim == 1:
        m = x.shape[0] + abs(k)
        return _node(_ops.DIAG_MATRIX, x, {"shape": (m, m), "offset": k, "axis1": 0, "axis2": 1})
    if x.ndim == 2:
        return _node(_ops.DIAG_OF_MATRIX, x, {"offset": k, "axis1": 0, "axis2": 1})
    raise ShapeError(f"diag: needs a vector or a matrix, got shape {x.shape} (use diagonal for "
                     "a batch of matrices)")


def diagonal(x: Operand, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
    """``np.diagonal``: diagonal ``offset`` of the planes (axis1, axis2), as a new last axis.

    >>> diagonal(Value(np.arange(8.).reshape(2, 2, 2)), 0, -2, -1).numpy()
    array([[0., 3.],
           [4., 7.]])
    """
    x = _v(x)
    if x.ndim < 2:
        raise ShapeError(f"diagonal: needs at least 2 dimensions, got shape {x.shape}")
    a1 = _axis1(axis1, x.ndim, "diagonal", x.shape)
    a2 = _axis1(axis2, x.ndim, "diagonal", x.shape)
    if a1 == a2:
        raise ShapeError(f"diagonal: axis1 and axis2 name the same axis {a1} of shape {x.shape}")
    return _node(_ops.DIAGONAL, x, {"offset": _k(offset, "diagonal", "offset"), "axis1": a1, "axis2": a2})


# x.split(2), x.flip(0), ...: the same functions as methods
METHODS = ("split", "chunk", "repeat", "tile", "roll", "flip", "squeeze", "expand_dims", "unsqueeze",
           "tril", "triu", "diag", "diagonal")
for _name in METHODS:
    if _name not in Value.__dict__:
        setattr(Value, _name, globals()[_name])

# np.flip(v, 0), np.tril(v), ... on a Value run the same ops (so backward code written in
# numpy stays differentiable); the signatures are numpy's
for _name in ("split", "repeat", "tile", "roll", "flip", "squeeze", "expand_dims", "tril", "triu",
              "diag", "diagonal"):
    implements(getattr(np, _name))(globals()[_name])


@implements(np.fliplr)
def _fliplr(m):
    return flip(m, 1)


@implements(np.flipud)
def _flipud(m):
    return flip(m, 0)
