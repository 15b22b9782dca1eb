"""Products: matmul (the ``@`` operator, ``gg.matmul``) and the rest of numpy's: outer, inner,
kron, tensordot, dot, cross, trace, diff (einsum is with the reductions, in ``reduce.py``).

>>> gg.outer(gg.Value([1., 2.]), gg.Value([3., 4.])).numpy()
array([[3., 4.],
       [6., 8.]])
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import ShapeError
from .base import Op, V, as_data, fit, is_value, run, shape_of, unbroadcast
from .export import export
from .shape import concatenate, diagonal, stack

if TYPE_CHECKING:
    from .._types import Operand
    from ..value import Value


class Matmul(Op):
    name, symbol = "matmul", "@"
    formulas = ("d(A@B)/dA → upstream @ Bᵀ", "d(A@B)/dB → Aᵀ @ upstream")
    twice_differentiable = True

    def forward(self, a, b):
        sa, sb = shape_of(a), shape_of(b)
        if not sa or not sb:
            raise ShapeError(f"matmul: {sa} @ {sb}: both operands need at least 1 dimension "
                             "(use * for scalars)")
        if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
            k2 = sb[-2 if len(sb) > 1 else 0]
            raise ShapeError(f"matmul: {sa} @ {sb}: inner dimensions {sa[-1]} and {k2} differ")
        try:
            return a @ b, None
        except ValueError as e:
            raise ShapeError(f"matmul: {sa} @ {sb}: batch dimensions do not broadcast ({e})") from None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        if not is_value(g):
            g = np.asarray(g)
        ga = gb = None
        if a.ndim == 2 and b.ndim == 2:          # the common case, no reshaping
            if na:
                ga = g @ b.T
            if nb:
                gb = a.T @ g
            return ga, gb
        a2 = a[None, :] if a.ndim == 1 else a     # treat vectors as 1×n / n×1 matrices
        b2 = b[:, None] if b.ndim == 1 else b
        # the gradient of the matrix product a2 @ b2, i.e. g with the vector axes put back
        g2 = g.reshape(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1]))
        if na:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            ga = fit(ga[..., 0, :] if a.ndim == 1 else ga, a)
        if nb:
            gb = np.swapaxes(a2, -1, -2) @ g2
            gb = fit(gb[..., :, 0] if b.ndim == 1 else gb, b)
        return ga, gb


MATMUL = Matmul()

__all__ = ["Matmul", "MATMUL"]


# ---------------------------------------------------------------- the functions (gg.matmul)
def _v(x):
    return x if isinstance(x, V.Value) else V._lift(x)


def matmul(a: Operand, b: Operand) -> Value:
    """``a @ b`` (batched over leading axes). ``matmul(V.Value([[1., 2.]]), V.Value([[3.], [4.]])).item() == 11.0``"""
    return _v(a) @ b


# ---------------------------------------------------------------- the rest of numpy's products
# Written with recorded ops (reshape, transpose, matmul, where, indexing), so the gradient and the
# second derivative come from theirs; @export says which numpy function runs each on a Value.
@export(numpy=np.outer)
def outer(a: Operand, b: Operand) -> Value:
    """Every product a_i·b_j of the flattened inputs, as ``np.outer``.

    >>> outer(gg.Value([1., 2.]), gg.Value([1., 0., -1.])).shape
    (2, 3)
    """
    return _v(a).reshape(-1, 1) * _v(b).reshape(1, -1)


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

    >>> tensordot(gg.Value(np.ones((2, 3))), gg.Value(np.ones((3, 4))), axes=1).shape
    (2, 4)
    """
    a, b = _v(a), _v(b)
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

    >>> inner(gg.Value([1., 2., 3.]), gg.Value([1., 1., 1.])).item()
    6.0
    """
    a, b = _v(a), _v(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 1]))


@export(method=True, numpy=np.dot)
def dot(a: Operand, b: Operand) -> Value:
    """``np.dot`` for any dimensions: a product with a scalar, else the sum over a's last
    axis and b's second-to-last (its only one for a vector).

    >>> dot(gg.Value(np.ones((2, 2, 3))), gg.Value(np.ones((4, 3, 5)))).shape
    (2, 2, 4, 5)
    """
    a, b = _v(a), _v(b)
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

    >>> kron(gg.Value(np.eye(2)), gg.Value([[1., 2.]])).numpy()
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    a, b = _v(a), _v(b)
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

    >>> cross(gg.Value([1., 0., 0.]), gg.Value([0., 1., 0.])).numpy()
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _v(a), _v(b)
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

    >>> trace(gg.Value([[1., 2.], [3., 4.]])).item()
    5.0
    """
    return diagonal(a, offset, axis1, axis2).sum(-1)


@export(numpy=np.diff)
def diff(a: Operand, n: int = 1, axis: int = -1, prepend: Operand | None = None,
         append: Operand | None = None) -> Value:
    """The ``n``-th difference along ``axis`` (out[i] = a[i+1] - a[i], n times), as ``np.diff``.

    >>> diff(gg.Value([1., 4., 9., 16.])).numpy()
    array([3., 5., 7.])
    """
    a = _v(a)
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
        e = _v(extra)
        if e.ndim == 0:
            e = e.broadcast_to(a.shape[:ax] + (1,) + a.shape[ax + 1:])
        parts.append(e)
    if parts[0] is not None or parts[1] is not None:
        a = concatenate([p for p in (parts[0], a, parts[1]) if p is not None], axis=ax)
    lo = (slice(None),) * ax
    for _ in range(int(n)):
        a = a[lo + (slice(1, None),)] - a[lo + (slice(None, -1),)]
    return a
