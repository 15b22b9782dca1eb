"""Products: matmul (the ``@`` operator, ``gg.matmul``) and the rest of numpy's: outer, inner,
kron, tensordot, dot, cross, trace, diff, and einsum.

>>> gg.outer(gg.Value([1., 2.]), gg.Value([3., 4.])).numpy()
array([[3., 4.],
       [6., 8.]])
"""
from __future__ import annotations

import string
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import ShapeError
from .._dispatch import implements
from .base import Op, V, as_data, data_of, fit, is_int, is_value, norm_axis, run, shape_of
from .export import export
from .reduce import refuse_numpy_args
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


@implements(np.gradient)
def _gradient(f, *varargs, axis=None, edge_order=1):
    """``np.gradient`` of a Value: central differences inside, one-sided at the two ends
    (``edge_order`` 1 or 2); per axis a scalar spacing or an array of coordinates (uneven
    spacing, numpy's second-order formulas; the coordinates are constants); one Value per
    axis (a tuple for several, as numpy). Built from slices, so it is differentiable twice.

    >>> g = np.gradient(gg.Value([1., 4., 9., 16.]))
    >>> g.numpy()
    array([3., 4., 6., 7.])
    >>> np.gradient(gg.Value([1., 4., 9., 16.]), np.array([0., 1., 3., 4.])).numpy()
    array([3.        , 2.83333333, 5.5       , 7.        ])
    """
    f = V.as_value(f)
    nd = f.ndim
    if nd == 0:
        raise ShapeError("np.gradient: a 0-d Value (shape ()) has no axis to take differences along")
    axes = norm_axis(axis, nd, "np.gradient")       # checked: ints in range, none twice
    axes = tuple(range(nd)) if axes is None else axes
    if len(varargs) == 0:
        hs = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(data_of(varargs[0])) == 0:
        hs = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        hs = list(varargs)
    else:
        raise TypeError(f"np.gradient: {len(varargs)} spacings for {len(axes)} axes; give one scalar for "
                        "all, or one scalar or coordinate array per axis")
    if edge_order not in (1, 2):
        raise ValueError(f"np.gradient: edge_order must be 1 or 2, got {edge_order!r}")
    out = []
    for ax, h in zip(axes, hs):
        n = f.shape[ax]
        if n < edge_order + 1:
            raise ShapeError(f"np.gradient: axis {ax} of shape {f.shape} has {n} entries; at least "
                             f"{edge_order + 1} are needed for edge_order={edge_order}")
        dx = _spacings(h, n, ax)
        if dx is not None and (dx == dx[0]).all():
            h, dx = float(dx[0]), None      # evenly spaced coordinates: numpy's even formulas

        def at(sl, ax=ax):
            return f[(slice(None),) * ax + (sl,)]
        if dx is None:                      # a uniform spacing h (a number or a 0-d Value)
            inner = (at(slice(2, None)) - at(slice(None, -2))) / 2.0
            if edge_order == 1:
                first = at(slice(1, 2)) - at(slice(0, 1))
                last = at(slice(n - 1, n)) - at(slice(n - 2, n - 1))
            else:
                first = (-1.5 * at(slice(0, 1)) + 2.0 * at(slice(1, 2)) - 0.5 * at(slice(2, 3)))
                last = (0.5 * at(slice(n - 3, n - 2)) - 2.0 * at(slice(n - 2, n - 1)) + 1.5 * at(slice(n - 1, n)))
            out.append(concatenate([first, inner, last], axis=ax) / h)
            continue
        # uneven coordinates: numpy's weights, a·f[i-1] + b·f[i] + c·f[i+1] inside
        along = [1] * nd
        along[ax] = n - 2

        def w(v):
            return v.reshape(along)
        d1, d2 = dx[:-1], dx[1:]
        inner = (w(-d2 / (d1 * (d1 + d2))) * at(slice(None, -2)) + w((d2 - d1) / (d1 * d2)) * at(slice(1, -1))
                 + w(d1 / (d2 * (d1 + d2))) * at(slice(2, None)))
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / dx[0]
            last = (at(slice(n - 1, n)) - at(slice(n - 2, n - 1))) / dx[-1]
        else:
            d1, d2 = dx[0], dx[1]
            first = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)) * at(slice(0, 1)) + (d1 + d2) / (d1 * d2) * at(slice(1, 2))
                     - d1 / (d2 * (d1 + d2)) * at(slice(2, 3)))
            d1, d2 = dx[-2], dx[-1]
            last = (d2 / (d1 * (d1 + d2)) * at(slice(n - 3, n - 2)) - (d2 + d1) / (d1 * d2) * at(slice(n - 2, n - 1))
                    + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * at(slice(n - 1, n)))
        out.append(concatenate([first, inner, last], axis=ax))
    return out[0] if len(out) == 1 else tuple(out)


def _spacings(h, n, ax):
    """None for a scalar spacing; else the n - 1 differences of the coordinate array ``h`` for
    axis ``ax`` (constants: coordinates that require grad are refused)."""
    if np.ndim(data_of(h)) == 0:
        return None
    if is_value(h) and h.requires_grad:
        raise TypeError("np.gradient: coordinates that require grad are not supported (the spacings are "
                        "constants here); pass h.numpy() for coordinates, or a scalar spacing Value")
    x = np.asarray(data_of(h), dtype=np.float64)
    if x.ndim != 1 or len(x) != n:
        raise ShapeError(f"np.gradient: the coordinates for axis {ax} have shape {x.shape}; they must be "
                         f"1-D with one entry per point ({n})")
    return np.diff(x)


# ---------------------------------------------------------------- einsum
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def parse_einsum(subscripts, shapes):
    """Check ``subscripts`` against the operands' shapes; return them explicit: no
    ellipsis (it becomes unused letters), always ``->``, and the output's shape.

    >>> parse_einsum("ij,jk", [(2, 3), (3, 4)])
    ('ij,jk->ik', (2, 4))
    >>> parse_einsum("...i->...", [(5, 3)])[0]
    'Ai->A'
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string like 'ij,jk->ik', got {type(subscripts).__name__}")
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise ValueError(f"einsum: subscripts {subscripts!r} have more than one '->'")
    lhs, arrow, rhs = s.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s) but "
                         f"{len(shapes)} were given")
    parsed = [_einsum_term(t, subscripts) for t in terms]
    out_term = _einsum_term(rhs, subscripts) if arrow else None
    # the ellipsis: as many axes as the operands have beyond their letters (right-aligned)
    ell = 0
    for (letters, has_ell), shape in zip(parsed, shapes):
        named = len(letters) - has_ell
        extra = len(shape) - named
        if extra < 0 or (extra and not has_ell):
            raise ShapeError(f"einsum: operand term {''.join(letters) or '(empty)'!r} of {subscripts!r} has "
                             f"{named} letter(s) but the operand has shape {tuple(shape)}"
                             + (" (use '...' for the remaining axes)" if extra > 0 else ""))
        if has_ell:
            ell = max(ell, extra)
    used = {c for letters, _ in parsed for c in letters}
    if out_term is not None:
        used |= set(out_term[0])
    free = [c for c in _LETTERS if c not in used]
    if ell > len(free):
        raise ShapeError(f"einsum: {subscripts!r} leaves too few letters for the ellipsis' {ell} axes")
    ell_letters = free[:ell]
    full = []
    for (letters, has_ell), shape in zip(parsed, shapes):
        if has_ell:
            i = letters.index("...")
            d = len(shape) - (len(letters) - 1)
            letters = letters[:i] + ell_letters[ell - d:] + letters[i + 1:]
        full.append("".join(letters))
    sizes: dict = {}
    for term, shape in zip(full, shapes):
        own: dict = {}
        for c, n in zip(term, shape):
            if own.setdefault(c, n) != n:       # a diagonal needs equal sizes (no broadcasting)
                raise ShapeError(f"einsum: label {c!r} repeats in term {term!r} of {subscripts!r} with sizes "
                                 f"{own[c]} and {n} (operand shape {tuple(shape)}); a diagonal needs equal sizes")
            m = sizes.get(c, 1)
            if m != n and m != 1 and n != 1:
                raise ShapeError(f"einsum: label {c!r} of {subscripts!r} has size {m} in one operand and "
                                 f"{n} in another (operand shapes {', '.join(str(tuple(x)) for x in shapes)})")
            sizes[c] = max(m, n)
    if out_term is None:                    # implicit: letters used once, in order; ... first
        counts: dict = {}
        for term in full:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell_letters) + "".join(sorted(c for c, k in counts.items()
                                                    if k == 1 and c not in ell_letters))
    else:
        letters, has_ell = out_term
        if "..." in letters:
            i = letters.index("...")
            letters = letters[:i] + ell_letters + letters[i + 1:]
        elif ell:
            raise ShapeError(f"einsum: {subscripts!r}: the operands' '...' axes need a '...' in the output "
                             "too (to sum them away, use '...' and .sum())")
        out = "".join(letters)
        for c in out:
            if c not in sizes:
                raise ValueError(f"einsum: output letter {c!r} of {subscripts!r} appears in no operand")
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: output {rhs!r} of {subscripts!r} repeats a letter")
    return ",".join(full) + "->" + out, tuple(sizes[c] for c in out)


def _einsum_term(t, whole):
    has_ell = "..." in t
    if t.count("...") > 1:
        raise ValueError(f"einsum: term {t!r} of {whole!r} has more than one '...'")
    letters = []
    rest = t.replace("...", "\0")
    for c in rest:
        if c == "\0":
            letters.append("...")
        elif c in _LETTERS:
            letters.append(c)
        else:
            raise ValueError(f"einsum: {whole!r} has {c!r}; subscripts are letters a-z, A-Z, ',', "
                             "'->' and '...'")
    return letters, has_ell


class Einsum(Op):
    """Einstein summation over any number of operands. The gradient of each operand is
    an einsum of the upstream with the other operands (ones for its own summed-away
    letters, identity matrices for its repeated letters, e.g. a diagonal 'ii')."""

    name, symbol = "einsum", "einsum"
    twice_differentiable = True

    def forward(self, *arrays, subscripts, spec):
        try:
            # numpy's path search (and BLAS) pays off for 3+ operands or big ones; it costs
            # ~0.1 ms, more than a small two-operand einsum itself
            big = len(arrays) > 2 or sum(np.size(a) for a in arrays) > 20_000
            return as_data(np.einsum(subscripts, *arrays, optimize=big)), None
        except ValueError as e:              # parse_einsum checks first; this is a safety net
            shapes = ", ".join(str(shape_of(a)) for a in arrays)
            raise ShapeError(f"einsum: {spec!r} does not fit operands of shape {shapes} ({e})") from None

    def backward(self, ctx, g):
        subs = ctx.attrs["subscripts"]
        lhs, out = subs.split("->")
        terms = lhs.split(",")
        xs = ctx.inputs
        sizes = {}
        for term, x in zip(terms, xs):
            for c, n in zip(term, shape_of(x) if not is_value(x) else x.shape):
                sizes[c] = max(sizes.get(c, 1), n)
        grads = []
        for i, (term, x) in enumerate(zip(terms, xs)):
            if not ctx.needs_grad[i]:
                grads.append(None)
                continue
            grads.append(fit(_einsum_grad(i, terms, out, xs, g, sizes), x))
        return tuple(grads)

    def label(self, attrs):
        return f"einsum {attrs['spec']}"

    def formula(self, i, attrs):
        # e.g. for ij,jk->ik, operand 0: "upstream → einsum ik,jk->ij" (upstream first)
        lhs, out = attrs["subscripts"].split("->")
        terms = lhs.split(",")
        if i >= len(terms):
            return ""
        rest = [out] + [t for j, t in enumerate(terms) if j != i]
        return f"upstream → einsum {','.join(rest)}->{terms[i]}"


def _einsum_grad(i, terms, out, xs, g, sizes):
    term, x = terms[i], xs[i]
    shape = shape_of(x) if not is_value(x) else x.shape
    dtype = data_of(x).dtype if data_of(x).__class__ is not float else np.dtype(np.float64)
    uniq = "".join(dict.fromkeys(term))
    others = [(t, v) for j, (t, v) in enumerate(zip(terms, xs)) if j != i]
    seen = set(out).union(*[set(t) for t, _ in others])
    # letters only this operand has are summed over in forward: the gradient is the same
    # along them, which einsum gets from a ones operand of those letters
    alone = "".join(c for c in uniq if c not in seen)
    ops_terms = [out] + [t for t, _ in others]
    operands = [g] + [v for _, v in others]
    if alone:
        ops_terms.append(alone)
        operands.append(np.ones(tuple(sizes[c] for c in alone), dtype=dtype))
    subs = ",".join(ops_terms) + "->" + uniq
    r = run(EINSUM, *operands, subscripts=subs, spec=subs)
    if len(uniq) != len(term):
        # a repeated letter (a diagonal): each repeat gets a fresh letter tied by an identity
        free = iter(c for c in _LETTERS if c not in term and c not in seen)
        new, eyes, firsts = [], [], set()
        for c in term:
            if c in firsts:
                f = next(free)
                new.append(f)
                eyes.append((c + f, np.eye(sizes[c], dtype=dtype)))
            else:
                firsts.add(c)
                new.append(c)
        subs = ",".join([uniq] + [t for t, _ in eyes]) + "->" + "".join(new)
        r = run(EINSUM, r, *[e for _, e in eyes], subscripts=subs, spec=subs)
    rshape = r.shape if hasattr(r, "shape") else ()
    stretched = tuple(k for k, (n, m) in enumerate(zip(shape, rshape)) if n == 1 and m != 1)
    if stretched:                               # a size-1 axis broadcast against a larger one
        r = np.sum(r, axis=stretched, keepdims=True)
    return r


MATMUL, EINSUM = Matmul(), Einsum()

__all__ = ["Matmul", "MATMUL", "Einsum", "EINSUM", "parse_einsum"]


# ---------------------------------------------------------------- the functions (gg.matmul)

def matmul(a: Operand, b: Operand) -> Value:
    """``a @ b`` (batched over leading axes). ``matmul(V.Value([[1., 2.]]), V.Value([[3.], [4.]])).item() == 11.0``"""
    return V.as_value(a) @ b


# ---------------------------------------------------------------- the rest of numpy's products
# Written with recorded ops (reshape, transpose, matmul, where, indexing), so the gradient and the
# second derivative come from theirs; @export says which numpy function runs each on a Value.
@export(numpy=np.outer)
def outer(a: Operand, b: Operand) -> Value:
    """Every product a_i·b_j of the flattened inputs, as ``np.outer``.

    >>> outer(gg.Value([1., 2.]), gg.Value([1., 0., -1.])).shape
    (2, 3)
    """
    return V.as_value(a).reshape(-1, 1) * V.as_value(b).reshape(1, -1)


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
    a, b = V.as_value(a), V.as_value(b)
    xa, xb = _axes_pair(axes, a.ndim, b.ndim, a.shape, b.shape)
    for i, j in zip(xa, xb):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(f"tensordot: axis {i} of a (shape {a.shape}) has {a.shape[i]} entries but "
                             f"axis {j} of b (shape {b.shape}) has {b.shape[j]}; they must match")
    fa = [i for i in range(a.ndim) if i not in xa]
    fb = [j for j in range(b.ndim) if j not in xb]
    k = int(np.prod([a.shape[i] for i in xa], dtype=np.int64))
    # sizes written out, not -1: with k = 0 (an empty summed axis) -1 is ambiguous
    m = int(np.prod([a.shape[i] for i in fa], dtype=np.int64))
    n = int(np.prod([b.shape[j] for j in fb], dtype=np.int64))
    am = a.transpose(tuple(fa + xa)).reshape(m, k) if a.ndim else a.reshape(1, 1)
    bm = b.transpose(tuple(xb + fb)).reshape(k, n) if b.ndim else b.reshape(1, 1)
    return (am @ bm).reshape(tuple(a.shape[i] for i in fa) + tuple(b.shape[j] for j in fb))


@export(numpy=np.inner)
def inner(a: Operand, b: Operand) -> Value:
    """Sum of products over the last axis of both, as ``np.inner`` (a product for a scalar).

    >>> inner(gg.Value([1., 2., 3.]), gg.Value([1., 1., 1.])).item()
    6.0
    """
    a, b = V.as_value(a), V.as_value(b)
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
    a, b = V.as_value(a), V.as_value(b)
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
    a, b = V.as_value(a), V.as_value(b)
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
    a, b = V.as_value(a), V.as_value(b)
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
    a = V.as_value(a)
    if a.ndim == 0:
        raise ShapeError("diff: needs at least one dimension, got a 0-d Value")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: order n must be a non-negative int, got {n!r}")
    if not is_int(axis):
        raise TypeError(f"diff: axis must be an int, got {axis!r}")
    (ax,) = norm_axis(axis, a.ndim, "diff")      # out of range: one sentence (never taken modulo ndim)
    parts = []
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        e = V.as_value(extra)
        if e.ndim == 0:
            e = e.broadcast_to(a.shape[:ax] + (1,) + a.shape[ax + 1:])
        parts.append(e)
    if parts[0] is not None or parts[1] is not None:
        a = concatenate([p for p in (parts[0], a, parts[1]) if p is not None], axis=ax)
    lo = (slice(None),) * ax
    for _ in range(int(n)):
        a = a[lo + (slice(1, None),)] - a[lo + (slice(None, -1),)]
    return a


# ---------------------------------------------------------------- einsum
def einsum(subscripts: str, *operands: Operand) -> Value:
    """Einstein summation, as ``np.einsum``: any number of operands, implicit output
    (letters used once, in alphabetical order) or explicit ``->``, ``...`` for the
    remaining axes, repeated letters for diagonals. Differentiable in every operand.

    >>> a, b = gg.Value([[1., 2.], [3., 4.]]), gg.Value([[1.], [1.]])
    >>> einsum("ij,jk->ik", a, b).numpy().ravel(), einsum("ii", a).item()
    (array([3., 7.]), 5.0)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)) and not isinstance(subscripts, str):
        raise TypeError("einsum: call it as einsum('ij,jk->ik', a, b)")
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    vs = tuple(V.as_value(o) for o in operands)
    for v in vs:
        if v.dtype.kind not in "biuf":
            raise TypeError(f"einsum: operands need numbers, got dtype {v.dtype}")
    subs, _ = parse_einsum(subscripts, [v.shape for v in vs])
    spec = subscripts.replace(" ", "") if isinstance(subscripts, str) else subscripts
    attrs = {"subscripts": subs, "spec": spec}
    return V.record_node(EINSUM, vs, EINSUM.forward(*[data_of(v) for v in vs], **attrs)[0], attrs=attrs)


@implements(np.einsum)
def _np_einsum(subscripts, *operands, out=None, optimize=False, **kw):
    refuse_numpy_args("einsum", out=out, **kw)
    return einsum(subscripts, *operands)
