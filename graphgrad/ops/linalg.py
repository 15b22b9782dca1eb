"""Linear algebra ops (batched over leading axes, on the last two): inv, solve, det,
log|det|, cholesky, eigh, svd, pinv, and at the end their functions, published as
``graphgrad.linalg`` (inv, solve, det, slogdet, cholesky, eigh, eigvalsh, svd, svdvals, pinv,
norm with every ``ord`` numpy accepts).

Every backward is PyTorch's formula written in numpy terms that also run on Values
(``@``, ``np.swapaxes``, ``np.tril``, ``run(INV, ...)``), and uses only the inputs and the
output, so a ``create_graph`` pass differentiates it again. eigh and svd have several
outputs; the op returns them packed in one array (eigh: the eigenvalues as row 0 above
the eigenvectors; svd: U, S and Vh flattened one after the other) and the public
function slices them apart, so each piece is an ordinary recorded Value.

Where the derivative does not exist the backward says so instead of returning nan:
singular matrices (inv, solve, det, slogdet), a matrix that is not positive definite
(cholesky), and repeated eigenvalues or singular values when the eigenvectors or
singular vectors are used.

>>> from graphgrad.ops.base import Ctx
>>> a = np.array([[2.0, 0.0], [0.0, 4.0]])
>>> out, _ = INV.forward(a)
>>> INV.backward(Ctx((a,), out=out), np.eye(2))[0]      # -A⁻ᵀ I A⁻ᵀ
array([[-0.25  , -0.    ],
       [-0.    , -0.0625]])
"""
from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .._dispatch import implements
from ..errors import ShapeError
from .base import Op, V, data_of, fit, norm_axis, run
from .export import export
from .reduce import where_mixed

if TYPE_CHECKING:
    from .._types import Axis, Operand
    from ..value import Value

LinAlgError = np.linalg.LinAlgError


def mT(x):
    """The matrix transpose of the last two axes (a recorded op on a Value)."""
    return np.swapaxes(x, -1, -2)


def _col(x):
    """x[..., None, :] (a row to broadcast over a matrix's rows)."""
    return np.expand_dims(x, -2)


def _ev(x):
    return np.expand_dims(np.expand_dims(x, -1), -1)


# ---------------------------------------------------------------- inv, solve
class Inv(Op):
    name, symbol = "inv", "A⁻¹"
    formulas = ("d A⁻¹/dA → -A⁻ᵀ @ upstream @ A⁻ᵀ",)
    twice_differentiable = True

    def forward(self, a):
        try:
            return np.linalg.inv(a), None
        except LinAlgError:
            raise LinAlgError(f"inv: the matrix (shape {a.shape}) is singular and has no inverse; "
                              "use gg.linalg.pinv for the pseudo-inverse") from None

    def backward(self, ctx, g):
        o = mT(ctx.out)
        return (fit(-(o @ g @ o), ctx.inputs[0]),)


class Solve(Op):
    """x with A @ x = b, b a matrix (the public function turns a vector b into a column)."""

    name, symbol = "solve", "A⁻¹b"
    formulas = ("d solve/db → solve(Aᵀ, upstream)", "d solve/dA → -solve(Aᵀ, upstream) @ xᵀ")
    twice_differentiable = True

    def forward(self, a, b):
        try:
            return np.linalg.solve(a, b), None
        except LinAlgError:
            raise LinAlgError(f"solve: the matrix A (shape {a.shape}) is singular, so A x = b has no "
                              "unique solution; use gg.linalg.pinv(A) @ b for the least-squares one") from None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        gb = run(SOLVE, mT(a), g)
        ga = -(gb @ mT(ctx.out)) if na else None
        return (fit(ga, a) if na else None), (fit(gb, b) if nb else None)


# ---------------------------------------------------------------- det, log|det|
def _inv_t(a, name):
    try:
        return mT(run(INV, a))
    except LinAlgError:
        raise LinAlgError(f"{name}: the gradient at a singular matrix (shape {data_of(a).shape}) is not "
                          "supported (it is the adjugate, which graphgrad does not compute); the value "
                          "is fine, only its derivative is refused") from None


class Det(Op):
    name, symbol = "det", "det"
    formulas = ("d det(A)/dA = det(A)·A⁻ᵀ",)
    twice_differentiable = True

    def forward(self, a):
        return np.linalg.det(a), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        return (fit(_ev(g * ctx.out) * _inv_t(a, "det"), a),)


class LogAbsDet(Op):
    name, symbol = "logabsdet", "log|det|"
    formulas = ("d log|det A|/dA = A⁻ᵀ",)
    twice_differentiable = True

    def forward(self, a):
        sign, lad = np.linalg.slogdet(a)
        return lad, None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        return (fit(_ev(g) * _inv_t(a, "slogdet"), a),)


# ---------------------------------------------------------------- cholesky
class Cholesky(Op):
    name, symbol = "cholesky", "chol"
    formulas = ("d chol(A)/dA → L⁻ᵀ Φ(Lᵀ upstream) L⁻¹, Φ: lower triangle, diagonal halved",)
    twice_differentiable = True

    def forward(self, a):
        try:
            return np.linalg.cholesky(a), None
        except LinAlgError:
            raise LinAlgError(f"cholesky: the matrix (shape {a.shape}) is not positive definite; a "
                              "Cholesky factor needs a symmetric matrix with positive eigenvalues") from None

    def backward(self, ctx, g):
        # PyTorch's cholesky_backward: gA = L⁻ᴴ ½(M + tril(M, -1)ᴴ) L⁻¹ with M = tril(Lᴴ gL)
        L = ctx.out
        m = np.tril(mT(L) @ g)
        x = 0.5 * (m + mT(np.tril(m, -1)))
        li = run(INV, L)
        return (fit(mT(li) @ x @ li, ctx.inputs[0]),)


# ---------------------------------------------------------------- eigh
def _degenerate(what, name):
    return LinAlgError(f"{name}: {what} are repeated, so the derivative of the "
                       f"{'eigenvectors' if name == 'eigh' else 'singular vectors'} does not exist there; "
                       "use only the eigenvalues/singular values, or perturb the matrix")


def _over_gaps(x, gaps, name, what):
    """x / gaps off the diagonal, 0 where a gap is 0 (refused if x is not 0 there)."""
    gr = data_of(gaps)
    zero = gr == 0
    n = gr.shape[-1]
    zero |= np.eye(n, dtype=bool)
    off = zero & ~np.eye(n, dtype=bool)
    if np.any(off):
        xr = data_of(x)
        scale = np.max(np.abs(xr)) if xr.size else 0.0
        if np.any(np.abs(xr[np.broadcast_to(off, xr.shape)]) > 1e-12 * max(scale, 1e-300)):
            raise _degenerate(what, name)
    return where_mixed(zero, 0.0, x / where_mixed(zero, 1.0, gaps))


class Eigh(Op):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, packed as
    ``out[..., 0, :] = w`` and ``out[..., 1:, :] = V`` (the lower triangle is read, as numpy)."""

    name, symbol = "eigh", "eigh"
    formulas = ("d eigh → V (diag(ḡw) + skew(Vᵀ ḡV)/2 ⊘ (w_j - w_i)) Vᵀ",)
    twice_differentiable = True

    def forward(self, a, *, UPLO="L"):
        # LAPACK's 'U' may pick other eigenvector signs than 'L' on Aᵀ: numpy's own call, so
        # the vectors are numpy's; the symmetric gradient below is the same for either triangle
        w, v = np.linalg.eigh(a, UPLO)
        return np.concatenate([_col(w), v], axis=-2), None

    def backward(self, ctx, g):
        out = ctx.out
        w, v = out[..., 0, :], out[..., 1:, :]
        gw, gv = g[..., 0, :], g[..., 1:, :]
        vgv = mT(v) @ gv
        vgv = 0.5 * (vgv - mT(vgv))
        gaps = _col(w) - np.expand_dims(w, -1)          # gaps[i, j] = w_j - w_i
        inner = _over_gaps(vgv, gaps, "eigh", "eigenvalues")
        n = data_of(w).shape[-1]
        inner = inner + np.eye(n) * _col(gw)            # the diagonal: the eigenvalues' upstream
        return (fit(v @ inner @ mT(v), ctx.inputs[0]),)


# ---------------------------------------------------------------- svd
class Svd(Op):
    """U, S, Vh of A (numpy's), packed flat: U (m×mu), then S (k), then Vh (nv×n), with
    mu = nv = k = min(m, n) unless full_matrices. The gradient ignores the extra columns
    of U and rows of Vh of a full SVD (as PyTorch)."""

    name, symbol = "svd", "svd"
    formulas = ("d svd → U (skew(Uᵀ ḡU) ⊘ E · S + S · skew(Vᵀ ḡV) ⊘ E + diag(ḡS)) Vᵀ"
                " + projections",)
    twice_differentiable = True

    def forward(self, a, *, full_matrices):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        lead = a.shape[:-2]
        return np.concatenate([u.reshape(lead + (-1,)), s, vh.reshape(lead + (-1,))], axis=-1), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        shape = data_of(a).shape
        lead, (m, n) = shape[:-2], shape[-2:]
        k = min(m, n)
        full = ctx.attrs["full_matrices"]
        u, s, vh = unpack_svd(ctx.out, m, n, full)
        gu, gs, gvh = unpack_svd(g, m, n, full)
        if full:                                       # only the first k vectors matter
            u, gu = u[..., :, :k], gu[..., :, :k]
            vh, gvh = vh[..., :k, :], gvh[..., :k, :]
        v, gv = mT(vh), mT(gvh)
        s2 = s * s
        gaps = _col(s2) - np.expand_dims(s2, -1)       # E[i, j] = s_j² - s_i²
        ugu = mT(u) @ gu
        vgv = mT(v) @ gv
        su = _over_gaps(ugu - mT(ugu), gaps, "svd", "singular values") * _col(s)
        sv = np.expand_dims(s, -1) * _over_gaps(vgv - mT(vgv), gaps, "svd", "singular values")
        inner = su + sv + np.eye(k) * _col(gs)
        ga = u @ inner @ vh
        if m > k or n > k:
            zero = data_of(s) == 0
            inv_s = where_mixed(zero, 0.0, 1.0 / where_mixed(zero, 1.0, s))
            if m > k:
                proj = gu - u @ ugu                    # (I - U Uᵀ) gU
                _refuse_zero(proj, zero)
                ga = ga + (proj * _col(inv_s)) @ vh
            if n > k:
                proj = gv - v @ vgv                    # (I - V Vᵀ) gV
                _refuse_zero(proj, zero)
                ga = ga + u @ mT(proj * _col(inv_s))
        return (fit(ga, a),)

    def label(self, attrs):
        return "svd(full)" if attrs.get("full_matrices") else "svd"


def _refuse_zero(proj, zero):
    if np.any(zero):
        pr = data_of(proj)
        if np.any(np.abs(pr[..., np.broadcast_to(zero, pr.shape[:-2] + zero.shape[-1:])]) > 1e-12):
            raise LinAlgError("svd: a singular value is 0 and the singular vectors of a non-square matrix "
                              "are used, so their derivative does not exist; use only the singular values")


def unpack_svd(packed, m, n, full):
    """(U, S, Vh) from the packed svd output (raw data or a Value)."""
    k = min(m, n)
    mu, nv = (m, n) if full else (k, k)
    lead = data_of(packed).shape[:-1]
    u = np.reshape(packed[..., :m * mu], lead + (m, mu))
    s = packed[..., m * mu:m * mu + k]
    vh = np.reshape(packed[..., m * mu + k:], lead + (nv, n))
    return u, s, vh


# ---------------------------------------------------------------- pinv
class Pinv(Op):
    name, symbol = "pinv", "A⁺"
    formulas = ("d A⁺/dA → PyTorch's pinv_backward (valid where the rank does not change)",)
    twice_differentiable = True

    def forward(self, a, *, rcond):
        return np.linalg.pinv(a, rcond=rcond), None

    def backward(self, ctx, g):
        a, p = ctx.inputs[0], ctx.out
        m, n = data_of(a).shape[-2:]
        ph, gh = mT(p), mT(g)
        if m <= n:
            k = gh @ p
            kph = k @ ph
            ga = -mT(p @ k) + kph - (a @ p) @ kph + (ph @ p) @ (gh - k @ a)
        else:
            k = p @ gh
            phk = ph @ k
            ga = -mT(k @ p) + (gh - a @ k) @ p @ ph + phk - phk @ p @ a
        return (fit(ga, a),)


INV, SOLVE, DET, LOGABSDET, CHOLESKY = Inv(), Solve(), Det(), LogAbsDet(), Cholesky()
EIGH, SVD, PINV = Eigh(), Svd(), Pinv()


# ---------------------------------------------------------------- the functions (graphgrad.linalg)
# Batched over leading axes; real float dtypes only (complex Values and np.fft are not
# supported). graphgrad/linalg.py publishes them as graphgrad.linalg, and @export makes
# np.linalg.inv(v) ... on a Value run them.


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

    >>> inv(gg.Value([[2., 0.], [0., 4.]])).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return V.apply(INV, _square(V.as_value(a), "inv"))


@export(module="graphgrad.linalg", numpy=np.linalg.solve)
def solve(a: Operand, b: Operand) -> Value:
    """x with a @ x = b; b is a vector (1-d) or matrices, as numpy 2's ``np.linalg.solve``.

    >>> solve(gg.Value([[2., 0.], [0., 4.]]), gg.Value([2., 2.])).numpy()
    array([1. , 0.5])
    """
    av, bv = _square(V.as_value(a), "solve"), V.as_value(b)
    if bv.dtype.kind != "f":
        bv = bv.astype(np.float64)
    vec = bv.ndim == 1
    bm = bv.reshape(-1, 1) if vec else bv
    if bm.ndim < 2 or bm.shape[-2] != av.shape[-1]:
        raise ShapeError(f"solve: A has shape {av.shape} but b has shape {bv.shape}; b needs {av.shape[-1]} "
                         "rows (a vector of that length, or matrices (..., n, k))")
    x = V.apply(SOLVE, av, bm)
    return x.reshape(-1) if vec else x


@export(module="graphgrad.linalg", numpy=np.linalg.det)
def det(a: Operand) -> Value:
    """The determinant (its gradient at a singular matrix is a LinAlgError).

    >>> det(gg.Value([[1., 2.], [3., 4.]])).item()
    -2.0000000000000004
    """
    return V.apply(DET, _square(V.as_value(a), "det"))


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)``, as numpy's: sign is a constant Value (no gradient)."""

    sign: Value
    logabsdet: Value


@export(module="graphgrad.linalg", numpy=np.linalg.slogdet)
def slogdet(a: Operand) -> SlogdetResult:
    """Sign and log|det| of the determinant, as ``np.linalg.slogdet``; the sign is a
    constant, log|det| is differentiable (gradient A⁻ᵀ; -inf at a singular matrix).

    >>> s, l = slogdet(gg.Value([[-2., 0.], [0., 3.]]))
    >>> s.item(), round(l.item(), 6)
    (-1.0, 1.791759)
    """
    a = _square(V.as_value(a), "slogdet")
    sign = np.linalg.slogdet(a.numpy())[0]
    return SlogdetResult(V.Value(sign), V.apply(LOGABSDET, a))


@export(module="graphgrad.linalg", numpy=np.linalg.cholesky)
def cholesky(a: Operand) -> Value:
    """The lower Cholesky factor L (a = L @ Lᵀ) of a symmetric positive definite matrix;
    reads the lower triangle, as numpy. Not positive definite: a LinAlgError. The gradient
    is PyTorch's symmetric one (see :func:`eigh`).

    >>> cholesky(gg.Value([[4., 2.], [2., 2.]])).numpy()
    array([[2., 0.],
           [1., 1.]])
    """
    return V.apply(CHOLESKY, _square(V.as_value(a), "cholesky"))


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)``, as numpy's."""

    eigenvalues: Value
    eigenvectors: Value


@export(module="graphgrad.linalg", numpy=np.linalg.eigh)
def eigh(a: Operand, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, as
    ``np.linalg.eigh``: the lower triangle is read (``UPLO="U"``: the upper one). The
    eigenvectors' derivative does not exist at repeated eigenvalues: using them there is a
    LinAlgError.

    The gradient is PyTorch's symmetric one, G (the derivative along symmetric changes of
    A). HIPS autograd differentiates only the triangle read, tril(G) + tril(G, -1); both give
    the same gradient to anything A is built from symmetrically (A = (B + Bᵀ)/2, B Bᵀ).

    >>> w, v = eigh(gg.Value([[2., 0.], [0., 1.]]))
    >>> w.numpy()
    array([1., 2.])
    """
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    p = V.apply(EIGH, _square(V.as_value(a), "eigh"), UPLO=UPLO)
    return EighResult(p[..., 0, :], p[..., 1:, :])


@export(module="graphgrad.linalg", numpy=np.linalg.eigvalsh)
def eigvalsh(a: Operand, UPLO: str = "L") -> Value:
    """The eigenvalues of a symmetric matrix, ascending, as ``np.linalg.eigvalsh``.

    >>> eigvalsh(gg.Value([[2., 0.], [0., 1.]])).numpy()
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

    >>> svd(gg.Value([[3., 0.], [0., -4.]]), compute_uv=False).numpy()
    array([4., 3.])
    """
    a = _matrix(V.as_value(a), "svd")
    m, n = a.shape[-2:]
    full = bool(full_matrices) and bool(compute_uv)
    p = V.apply(SVD, a, full_matrices=full)
    u, s, vh = unpack_svd(p, m, n, full)
    return SVDResult(u, s, vh) if compute_uv else s


@export(module="graphgrad.linalg", numpy=np.linalg.svdvals) if hasattr(np.linalg, "svdvals") else (lambda f: f)
def svdvals(x: Operand) -> Value:
    """The singular values, descending, as ``np.linalg.svdvals``.

    >>> svdvals(gg.Value([[3., 0.], [0., -4.]])).numpy()
    array([4., 3.])
    """
    return svd(x, compute_uv=False)


@export(module="graphgrad.linalg", numpy=np.linalg.pinv)
def pinv(a: Operand, rcond: float = 1e-15, hermitian: bool = False) -> Value:
    """The Moore-Penrose pseudo-inverse, as ``np.linalg.pinv`` (its derivative holds where
    the rank does not change, as PyTorch's).

    >>> pinv(gg.Value([[1., 0.], [0., 0.]])).numpy()
    array([[1., 0.],
           [0., 0.]])
    """
    return V.apply(PINV, _matrix(V.as_value(a), "pinv"), rcond=float(rcond))


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

    >>> a = gg.Value([[1., -2.], [3., 4.]])
    >>> norm(a, 1).item(), norm(a, np.inf).item(), round(norm(a, 'nuc').item(), 6)
    (6.0, 7.0, 7.071068)
    """
    from . import reduce as reductions
    xv = V.as_value(x)
    nd = xv.ndim
    if axis is None and ord is not None and nd > 2:
        raise ShapeError(f"norm: ord={_ord_name(ord)} needs a vector or a matrix, got shape {xv.shape}; "
                         "give axis=")
    axes = norm_axis(axis, nd, "norm")
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
            return V.Value((xv.numpy() != 0).sum(axis=ax, keepdims=keepdims).astype(xv.dtype))
        return reductions.NORM(xv, ax, keepdims, ord=float(ord))
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


@implements(np.linalg.eig, np.linalg.eigvals)
def _eig_refused(a, *args, **kwargs):
    """A general (non-symmetric) matrix's eigenvalues and eigenvectors are complex, and
    complex dtypes are out of graphgrad's scope: said in one sentence, pointing at eigh.

    >>> try:
    ...     np.linalg.eig(gg.Value([[0., 1.], [-1., 0.]]))
    ... except TypeError as e:
    ...     print(str(e).split(";")[0])
    np.linalg.eig: the eigenvalues of a general matrix (shape (2, 2)) are complex, and graphgrad has no complex dtype
    """
    shape = np.shape(data_of(a))
    raise TypeError(f"np.linalg.eig: the eigenvalues of a general matrix (shape {shape}) are complex, "
                    "and graphgrad has no complex dtype; for a symmetric matrix use np.linalg.eigh, "
                    "or pass v.numpy() for a constant result")
