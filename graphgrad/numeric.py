"""The rest of numpy on Values: products (outer, inner, kron, tensordot, dot, cross,
trace, diff), stacking (hstack, vstack, column_stack, atleast_1d/2d/3d, append, rot90,
select), and the functions of the elementwise ops declared with ``@export`` (hypot,
fmax, fmin, cbrt, sinc, nan_to_num, deg2rad, rad2deg, logaddexp2).

Each function here is written with recorded ops (reshape, transpose, matmul,
concatenate, flip, where, indexing), so its gradient and its second derivative come
from theirs; ``@export`` beside it says which numpy function runs it on a Value
(``np.outer(v, w)``) and which Value method it is. Complex dtype and ``np.fft`` are not
supported (graphgrad's Values are real).

>>> import graphgrad as gg
>>> gg.outer(gg.Value([1., 2.]), gg.Value([3., 4.])).numpy()
array([[3., 4.],
       [6., 8.]])
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from .errors import ShapeError
from .functions import concatenate, stack, where
from .ops.export import REGISTRY, export
from .shaping import diagonal, flip
from .value import Value, as_value

if TYPE_CHECKING:
    from ._types import Operand


# ---------------------------------------------------------------- products
@export(numpy=np.outer)
def outer(a: Operand, b: Operand) -> Value:
    """Every product a_i·b_j of the flattened inputs, as ``np.outer``.

    >>> outer(Value([1., 2.]), Value([1., 0., -1.])).shape
    (2, 3)
    """
    return as_value(a).reshape(-1, 1) * as_value(b).reshape(1, -1)


def _axes_pair(axes, na: int, nb: int, sa: tuple, sb: tuple):
    """numpy's ``axes`` of tensordot as two lists of non-negative axes."""
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > na or n > nb:
            raise ShapeError(f"tensordot: axes={n} but the inputs have shapes {sa} and {sb}")
        return list(range(na - n, na)), list(range(n))
    try:
        xa, xb = axes
    except (TypeError, ValueError):
        raise TypeError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}") from None
    xa = [xa] if isinstance(xa, (int, np.integer)) else list(xa)
    xb = [xb] if isinstance(xb, (int, np.integer)) else list(xb)
    if len(xa) != len(xb):
        raise ShapeError(f"tensordot: {len(xa)} axes of a but {len(xb)} of b (shapes {sa} and {sb})")
    for x, n, s in ((xa, na, sa), (xb, nb, sb)):
        for i in x:
            if not -n <= i < n:
                raise ShapeError(f"tensordot: axis {i} is out of range for shape {s}")
    return [int(i) % na for i in xa], [int(i) % nb for i in xb]


@export(numpy=np.tensordot)
def tensordot(a: Operand, b: Operand, axes: int | Sequence = 2) -> Value:
    """Sum of products over ``axes`` (a's last ``axes`` with b's first, or two lists),
    as ``np.tensordot``: one transpose, reshape and matmul of each input.

    >>> tensordot(Value(np.ones((2, 3))), Value(np.ones((3, 4))), axes=1).shape
    (2, 4)
    """
    a, b = as_value(a), as_value(b)
    xa, xb = _axes_pair(axes, a.ndim, b.ndim, a.shape, b.shape)
    for i, j in zip(xa, xb):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(f"tensordot: axis {i} of a (shape {a.shape}) has {a.shape[i]} entries but "
                             f"axis {j} of b (shape {b.shape}) has {b.shape[j]}; they must match")
    fa = [i for i in range(a.ndim) if i not in xa]
    fb = [j for j in range(b.ndim) if j not in xb]
    k = int(np.prod([a.shape[i] for i in xa], dtype=np.int64))
    am = a.transpose(tuple(fa + xa)).reshape(-1, k) if a.ndim else a.reshape(1, 1)
    bm = b.transpose(tuple(xb + fb)).reshape(k, -1) if b.ndim else b.reshape(1, 1)
    return (am @ bm).reshape(tuple(a.shape[i] for i in fa) + tuple(b.shape[j] for j in fb))


@export(numpy=np.inner)
def inner(a: Operand, b: Operand) -> Value:
    """Sum of products over the last axis of both, as ``np.inner`` (a product for a scalar).

    >>> inner(Value([1., 2., 3.]), Value([1., 1., 1.])).item()
    6.0
    """
    a, b = as_value(a), as_value(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 1]))


@export(method=True, numpy=np.dot)
def dot(a: Operand, b: Operand) -> Value:
    """``np.dot`` for any dimensions: a product with a scalar, else the sum over a's last
    axis and b's second-to-last (its only one for a vector).

    >>> dot(Value(np.ones((2, 2, 3))), Value(np.ones((4, 3, 5)))).shape
    (2, 2, 4, 5)
    """
    a, b = as_value(a), as_value(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim <= 2 and b.ndim <= 2:
        if a.shape[-1] != b.shape[0]:
            raise ShapeError(f"dot: shapes {a.shape} and {b.shape} not aligned: {a.shape[-1]} (last "
                             f"axis of a) != {b.shape[0]} (first axis of b)")
        return a @ b
    return tensordot(a, b, ([a.ndim - 1], [max(b.ndim - 2, 0)]))


@export(numpy=np.kron)
def kron(a: Operand, b: Operand) -> Value:
    """Kronecker product, as ``np.kron``: every a_ij times the whole of b, in blocks.

    >>> kron(Value(np.eye(2)), Value([[1., 2.]])).numpy()
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    a, b = as_value(a), as_value(b)
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + a.shape
    sb = (1,) * (nd - b.ndim) + b.shape
    ai = a.reshape(tuple(x for n in sa for x in (n, 1)))      # (a0, 1, a1, 1, ...)
    bi = b.reshape(tuple(x for n in sb for x in (1, n)))      # (1, b0, 1, b1, ...)
    return (ai * bi).reshape(tuple(p * q for p, q in zip(sa, sb)))


@export(numpy=np.cross)
def cross(a: Operand, b: Operand, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Value:
    """Cross product of 3-vectors along an axis (the last by default), broadcasting the
    rest, as ``np.cross`` (2-vectors, deprecated in numpy 2, are refused).

    >>> cross(Value([1., 0., 0.]), Value([0., 1., 0.])).numpy()
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = as_value(a), as_value(b)
    for v, ax, nm in ((a, axisa, "a"), (b, axisb, "b")):
        if v.ndim == 0 or not -v.ndim <= ax < v.ndim or v.shape[ax] != 3:
            raise ShapeError(f"cross: {nm} (shape {v.shape}) needs 3 entries along axis {ax}; "
                             "graphgrad's cross is for 3-vectors only")
    a, b = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return np.moveaxis(c, -1, axisc)


@export(method=True, numpy=np.trace)
def trace(a: Operand, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
    """Sum of diagonal ``offset`` of the planes (axis1, axis2), as ``np.trace``.

    >>> trace(Value([[1., 2.], [3., 4.]])).item()
    5.0
    """
    return diagonal(a, offset, axis1, axis2).sum(-1)


@export(numpy=np.diff)
def diff(a: Operand, n: int = 1, axis: int = -1, prepend: Operand | None = None,
         append: Operand | None = None) -> Value:
    """The ``n``-th difference along ``axis`` (out[i] = a[i+1] - a[i], n times), as ``np.diff``.

    >>> diff(Value([1., 4., 9., 16.])).numpy()
    array([3., 5., 7.])
    """
    a = as_value(a)
    if a.ndim == 0:
        raise ShapeError("diff: needs at least one dimension, got a 0-d Value")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: order n must be a non-negative int, got {n!r}")
    ax = int(axis) % a.ndim
    parts = []
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        e = as_value(extra)
        if e.ndim == 0:
            e = e.broadcast_to(a.shape[:ax] + (1,) + a.shape[ax + 1:])
        parts.append(e)
    if parts[0] is not None or parts[1] is not None:
        a = concatenate([p for p in (parts[0], a, parts[1]) if p is not None], axis=ax)
    lo = (slice(None),) * ax
    for _ in range(int(n)):
        a = a[lo + (slice(1, None),)] - a[lo + (slice(None, -1),)]
    return a


# ---------------------------------------------------------------- stacking
def _tuple_or_one(vs):
    return vs[0] if len(vs) == 1 else tuple(vs)


@export(numpy=np.atleast_1d)
def atleast_1d(*arys: Operand):
    """Each input with at least one axis (a 0-d one becomes shape (1,)), as ``np.atleast_1d``.

    >>> atleast_1d(Value(2.0)).shape
    (1,)
    """
    return _tuple_or_one([v.reshape(1) if v.ndim == 0 else v for v in map(as_value, arys)])


@export(numpy=np.atleast_2d)
def atleast_2d(*arys: Operand):
    """Each input with at least two axes (new ones in front), as ``np.atleast_2d``.

    >>> atleast_2d(Value([1., 2.])).shape
    (1, 2)
    """
    return _tuple_or_one([v.reshape((1,) * (2 - v.ndim) + v.shape) if v.ndim < 2 else v
                          for v in map(as_value, arys)])


@export(numpy=np.atleast_3d)
def atleast_3d(*arys: Operand):
    """Each input with at least three axes, as ``np.atleast_3d``: (N,) becomes (1, N, 1) and
    (M, N) becomes (M, N, 1).

    >>> atleast_3d(Value([1., 2.])).shape
    (1, 2, 1)
    """
    out = []
    for v in map(as_value, arys):
        shape = {0: (1, 1, 1), 1: (1,) + v.shape + (1,), 2: v.shape + (1,)}.get(v.ndim, v.shape)
        out.append(v.reshape(shape) if shape != v.shape else v)
    return _tuple_or_one(out)


def _seq(tup, name):
    if isinstance(tup, Value) or not isinstance(tup, (list, tuple)):
        raise TypeError(f"{name}: takes a list or tuple of Values/arrays, got {type(tup).__name__}")
    if not tup:
        raise ValueError(f"{name}: needs at least one array")
    return [as_value(t) for t in tup]


@export(numpy=np.hstack)
def hstack(tup: Sequence[Operand]) -> Value:
    """Join along the second axis (the first for 1-d inputs), as ``np.hstack``.

    >>> hstack([Value([1., 2.]), Value([3.])]).numpy()
    array([1., 2., 3.])
    """
    vs = [atleast_1d(v) for v in _seq(tup, "hstack")]
    return concatenate(vs, axis=0 if vs[0].ndim == 1 else 1)


@export(numpy=(np.vstack, np.row_stack) if hasattr(np, "row_stack") else np.vstack)
def vstack(tup: Sequence[Operand]) -> Value:
    """Join along the first axis, 1-d inputs as rows, as ``np.vstack``.

    >>> vstack([Value([1., 2.]), Value([3., 4.])]).shape
    (2, 2)
    """
    return concatenate([atleast_2d(v) for v in _seq(tup, "vstack")], axis=0)


@export(numpy=np.column_stack)
def column_stack(tup: Sequence[Operand]) -> Value:
    """Join as columns (1-d inputs become columns), as ``np.column_stack``.

    >>> column_stack([Value([1., 2.]), Value([3., 4.])]).numpy()
    array([[1., 3.],
           [2., 4.]])
    """
    return concatenate([v.reshape(-1, 1) if v.ndim < 2 else v for v in _seq(tup, "column_stack")], axis=1)


@export(numpy=np.append)
def append(arr: Operand, values: Operand, axis: int | None = None) -> Value:
    """``arr`` with ``values`` after it: both flattened when ``axis`` is None, as ``np.append``.

    >>> append(Value([1., 2.]), [3.]).numpy()
    array([1., 2., 3.])
    """
    a, v = as_value(arr), as_value(values)
    if axis is None:
        return concatenate([a.reshape(-1), v.reshape(-1)])
    return concatenate([a, v], axis=axis)


@export(numpy=np.rot90)
def rot90(m: Operand, k: int = 1, axes: Sequence[int] = (0, 1)) -> Value:
    """Rotate by 90° ``k`` times in the plane of ``axes`` (from the first towards the
    second), as ``np.rot90``.

    >>> rot90(Value([[1., 2.], [3., 4.]])).numpy()
    array([[2., 4.],
           [1., 3.]])
    """
    m = as_value(m)
    axes = tuple(axes)
    if len(axes) != 2 or m.ndim < 2:
        raise ShapeError(f"rot90: needs two axes and a Value of 2 or more dimensions, got axes={axes} "
                         f"and shape {m.shape}")
    a0, a1 = (int(x) % m.ndim for x in axes)
    if a0 == a1:
        raise ShapeError(f"rot90: the two axes must differ, got {axes}")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(m.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return flip(m, a1).transpose(tuple(perm))
    return flip(m.transpose(tuple(perm)), a1)


@export(numpy=np.select)
def select(condlist: Sequence, choicelist: Sequence[Operand], default: Operand = 0) -> Value:
    """From ``choicelist[i]`` where ``condlist[i]`` is the first true condition, else
    ``default``, as ``np.select`` (the conditions are constants: no gradient).

    >>> x = Value([-1., 0., 2.])
    >>> select([x.numpy() < 0, x.numpy() > 0], [-x, x * 10]).numpy()
    array([ 1.,  0., 20.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions but {len(choicelist)} choices; give one each")
    if not condlist:
        raise ValueError("select: needs at least one condition")
    out = as_value(default)
    for c, v in reversed(list(zip(condlist, choicelist))):
        c = np.asarray(c._data if isinstance(c, Value) else c)
        if c.dtype != bool:
            raise TypeError(f"select: conditions must be boolean arrays, got dtype {c.dtype}")
        out = where(c, v, out)
    return out


# ---------------------------------------------------------------- exported ops' functions
def _function_of(e):
    """A plain function for an exported op (its instance's ``__call__``), with the op's
    docstring: what ``gg.<name>`` is."""
    front = e.front

    def f(*args, **kwargs):
        return front(*args, **kwargs)
    f.__name__ = f.__qualname__ = e.name
    doc = getattr(e.op, "doc", "")
    f.__doc__ = f"``gg.{e.name}(x)``: {doc}" if doc else type(e.op).__doc__
    f.__module__ = __name__
    f.__wrapped__ = front                  # inspect.signature reads the op's own
    return f


for _e in REGISTRY:
    if _e.module == "graphgrad" and _e.op is not None:
        globals()[_e.name] = _e.front = _function_of(_e)

__all__ = [e.name for e in REGISTRY if e.module == "graphgrad"]
