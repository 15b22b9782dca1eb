"""Linear algebra on Values, as ``np.linalg`` (and ``np.linalg.inv(v)`` on a Value runs
these): inv, solve, det, slogdet, cholesky, eigh, svd, svdvals, pinv and norm with every
``ord`` numpy accepts. Batched over leading axes; real float dtypes only (complex Values
and ``np.fft`` are not supported). Twice differentiable; see ``graphgrad.ops.linalg``
for the derivatives and for where they are refused (singular, not positive definite,
repeated eigenvalues with eigenvectors used).

>>> import numpy as np, graphgrad as gg
>>> a = gg.Value([[2., 1.], [1., 3.]], requires_grad=True)
>>> d = gg.linalg.det(a)
>>> round(d.item(), 12)
5.0
>>> d.backward(); np.round(a.grad, 12)          # det(A)·A⁻ᵀ
array([[ 3., -1.],
       [-1.,  2.]])
"""
from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .errors import ShapeError
from .ops import linalg as _la
from .ops.export import export
from .ops.tensor import _norm_axis
from .value import Value, apply, as_value

if TYPE_CHECKING:
    from ._types import Axis, Operand

LinAlgError = np.linalg.LinAlgError


def _square(x: Value, name: str) -> Value:
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(f"{name}: needs square matrices in the last two axes, got shape {x.shape}")
    return _matrix(x, name)


def _matrix(x: Value, name: str) -> Value:
    if x.ndim < 2:
        raise ShapeError(f"{name}: needs a matrix (at least 2 dimensions), got shape {x.shape}")
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{name}: needs a real matrix, got dtype {x.dtype} (complex Values are not supported)")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return x


@export(module="graphgrad.linalg", numpy=np.linalg.inv)
def inv(a: Operand) -> Value:
    """The inverse matrix; a singular matrix is a LinAlgError (as numpy), never inf/nan.

    >>> inv(Value([[2., 0.], [0., 4.]])).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return apply(_la.INV, _square(as_value(a), "inv"))


@export(module="graphgrad.linalg", numpy=np.linalg.solve)
def solve(a: Operand, b: Operand) -> Value:
    """x with a @ x = b; b is a vector (1-d) or matrices, as numpy 2's ``np.linalg.solve``.

    >>> solve(Value([[2., 0.], [0., 4.]]), Value([2., 2.])).numpy()
    array([1. , 0.5])
    """
    av, bv = _square(as_value(a), "solve"), as_value(b)
    if bv.dtype.kind != "f":
        bv = bv.astype(np.float64)
    vec = bv.ndim == 1
    bm = bv.reshape(-1, 1) if vec else bv
    if bm.ndim < 2 or bm.shape[-2] != av.shape[-1]:
        raise ShapeError(f"solve: A has shape {av.shape} but b has shape {bv.shape}; b needs {av.shape[-1]} "
                         "rows (a vector of that length, or matrices (..., n, k))")
    x = apply(_la.SOLVE, av, bm)
    return x.reshape(-1) if vec else x


@export(module="graphgrad.linalg", numpy=np.linalg.det)
def det(a: Operand) -> Value:
    """The determinant (its gradient at a singular matrix is a LinAlgError).

    >>> det(Value([[1., 2.], [3., 4.]])).item()
    -2.0000000000000004
    """
    return apply(_la.DET, _square(as_value(a), "det"))


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)``, as numpy's: sign is a constant Value (no gradient)."""

    sign: Value
    logabsdet: Value


@export(module="graphgrad.linalg", numpy=np.linalg.slogdet)
def slogdet(a: Operand) -> SlogdetResult:
    """Sign and log|det| of the determinant, as ``np.linalg.slogdet``; the sign is a
    constant, log|det| is differentiable (gradient A⁻ᵀ; -inf at a singular matrix).

    >>> s, l = slogdet(Value([[-2., 0.], [0., 3.]]))
    >>> s.item(), round(l.item(), 6)
    (-1.0, 1.791759)
    """
    a = _square(as_value(a), "slogdet")
    sign = np.linalg.slogdet(a.numpy())[0]
    return SlogdetResult(Value(sign), apply(_la.LOGABSDET, a))


@export(module="graphgrad.linalg", numpy=np.linalg.cholesky)
def cholesky(a: Operand) -> Value:
    """The lower Cholesky factor L (a = L @ Lᵀ) of a symmetric positive definite matrix;
    reads the lower triangle, as numpy. Not positive definite: a LinAlgError.

    >>> cholesky(Value([[4., 2.], [2., 2.]])).numpy()
    array([[2., 0.],
           [1., 1.]])
    """
    return apply(_la.CHOLESKY, _square(as_value(a), "cholesky"))


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)``, as numpy's."""

    eigenvalues: Value
    eigenvectors: Value


@export(module="graphgrad.linalg", numpy=np.linalg.eigh)
def eigh(a: Operand, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, as
    ``np.linalg.eigh`` (lower triangle read). The eigenvectors' derivative does not exist
    at repeated eigenvalues: using them there is a LinAlgError.

    >>> w, v = eigh(Value([[2., 0.], [0., 1.]]))
    >>> w.numpy()
    array([1., 2.])
    """
    if UPLO != "L":
        raise ValueError(f"eigh: only UPLO='L' is supported, got {UPLO!r}")
    p = apply(_la.EIGH, _square(as_value(a), "eigh"))
    return EighResult(p[..., 0, :], p[..., 1:, :])


@export(module="graphgrad.linalg", numpy=np.linalg.eigvalsh)
def eigvalsh(a: Operand, UPLO: str = "L") -> Value:
    """The eigenvalues of a symmetric matrix, ascending, as ``np.linalg.eigvalsh``.

    >>> eigvalsh(Value([[2., 0.], [0., 1.]])).numpy()
    array([1., 2.])
    """
    return eigh(a, UPLO).eigenvalues


class SVDResult(NamedTuple):
    """``(U, S, Vh)``, as numpy's."""

    U: Value
    S: Value
    Vh: Value


@export(module="graphgrad.linalg", numpy=np.linalg.svd)
def svd(a: Operand, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """Singular value decomposition a = U @ diag(S) @ Vh, as ``np.linalg.svd`` (note
    numpy's default ``full_matrices=True``; the gradient ignores the extra vectors of a
    full SVD, as PyTorch). With ``compute_uv=False``: S alone.

    >>> svd(Value([[3., 0.], [0., -4.]]), compute_uv=False).numpy()
    array([4., 3.])
    """
    a = _matrix(as_value(a), "svd")
    m, n = a.shape[-2:]
    full = bool(full_matrices) and bool(compute_uv)
    p = apply(_la.SVD, a, full_matrices=full)
    u, s, vh = _la.unpack_svd(p, m, n, full)
    return SVDResult(u, s, vh) if compute_uv else s


@export(module="graphgrad.linalg", numpy=np.linalg.svdvals) if hasattr(np.linalg, "svdvals") else (lambda f: f)
def svdvals(x: Operand) -> Value:
    """The singular values, descending, as ``np.linalg.svdvals``.

    >>> svdvals(Value([[3., 0.], [0., -4.]])).numpy()
    array([4., 3.])
    """
    return svd(x, compute_uv=False)


@export(module="graphgrad.linalg", numpy=np.linalg.pinv)
def pinv(a: Operand, rcond: float = 1e-15, hermitian: bool = False) -> Value:
    """The Moore-Penrose pseudo-inverse, as ``np.linalg.pinv`` (its derivative holds where
    the rank does not change, as PyTorch's).

    >>> pinv(Value([[1., 0.], [0., 0.]])).numpy()
    array([[1., 0.],
           [0., 0.]])
    """
    return apply(_la.PINV, _matrix(as_value(a), "pinv"), rcond=float(rcond))


# ---------------------------------------------------------------- norm
_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def _ord_name(o):
    return {np.inf: "inf", -np.inf: "-inf"}.get(o, repr(o))


@export(module="graphgrad.linalg", numpy=np.linalg.norm)
def norm(x: Operand, ord: float | str | None = None, axis: Axis = None, keepdims: bool = False) -> Value:
    """Vector and matrix norms with every ``ord`` numpy accepts, as ``np.linalg.norm``:
    vectors ord = any real p (``sum(|x|^p)^(1/p)``), ±inf, 0 (count of non-zeros, no
    gradient); matrices (two axes) ord = 'fro', 'nuc', ±1, ±2, ±inf. The gradient at a
    zero 2-norm is 0 (as PyTorch).

    >>> a = Value([[1., -2.], [3., 4.]])
    >>> norm(a, 1).item(), norm(a, np.inf).item(), round(norm(a, 'nuc').item(), 6)
    (6.0, 7.0, 7.071068)
    """
    from . import reductions
    xv = as_value(x)
    nd = xv.ndim
    if axis is None and ord is not None and nd > 2:
        raise ShapeError(f"norm: ord={_ord_name(ord)} needs a vector or a matrix, got shape {xv.shape}; "
                         "give axis=")
    axes = _norm_axis(axis, nd, "norm")
    two = (nd == 2 and axes is None) or (axes is not None and len(axes) == 2)
    if isinstance(ord, str) and not two:
        raise ValueError(f"norm: ord={ord!r} is a matrix norm and needs two axes, got shape {xv.shape}")
    if not two:
        if ord is None or (not isinstance(ord, str) and ord in (1, 2, np.inf, -np.inf)):
            return reductions.norm(xv, ord, axis, keepdims)
        if isinstance(ord, (bool, np.bool_)) or not isinstance(ord, Real):
            raise ValueError(f"norm: invalid ord {ord!r} for a vector norm; use a number, inf or -inf")
        ax = axis if axis is None else axes
        if ord == 0:
            return Value((xv.numpy() != 0).sum(axis=ax, keepdims=keepdims).astype(xv.dtype))
        p = float(ord)
        return (xv.abs() ** p).sum(axis=ax, keepdims=keepdims) ** (1.0 / p)
    if ord is None or ord == "fro":
        return reductions.norm(xv, "fro" if axes is not None else None, axis, keepdims)
    if ord not in _MATRIX_ORDS:
        raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm; use 'fro', 'nuc', 1, -1, 2, -2, "
                         "inf or -inf")
    r, c = (nd - 2, nd - 1) if axes is None else axes
    if ord in ("nuc", 2, -2):
        m = np.moveaxis(xv, (r, c), (-2, -1))
        s = svd(m, compute_uv=False)
        out = s.sum(-1) if ord == "nuc" else s.max(-1) if ord == 2 else s.min(-1)
    else:
        sum_ax, red_ax = (r, c) if ord in (1, -1) else (c, r)
        sums = xv.abs().sum(axis=sum_ax, keepdims=True)
        out = sums.max(axis=red_ax, keepdims=True) if ord in (1, np.inf) else sums.min(axis=red_ax, keepdims=True)
        out = out.reshape(tuple(n for i, n in enumerate(out.shape) if i not in (r, c)))
    if keepdims:
        out = out.reshape(tuple(1 if i in (r, c) else n for i, n in enumerate(xv.shape)))
    return out


__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "norm",
           "SlogdetResult", "EighResult", "SVDResult", "LinAlgError"]
