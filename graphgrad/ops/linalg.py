"""Linear algebra ops (batched over leading axes, on the last two): inv, solve, det,
log|det|, cholesky, eigh, svd, pinv. The public functions are ``graphgrad.linalg``.

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

import numpy as np

from .base import Op, fit, run
from .reduce import _raw, _where as _pick

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
        raise LinAlgError(f"{name}: the gradient at a singular matrix (shape {_raw(a).shape}) is not "
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
    gr = _raw(gaps)
    zero = gr == 0
    n = gr.shape[-1]
    zero |= np.eye(n, dtype=bool)
    off = zero & ~np.eye(n, dtype=bool)
    if np.any(off):
        xr = _raw(x)
        scale = np.max(np.abs(xr)) if xr.size else 0.0
        if np.any(np.abs(xr[np.broadcast_to(off, xr.shape)]) > 1e-12 * max(scale, 1e-300)):
            raise _degenerate(what, name)
    return _pick(zero, 0.0, x / _pick(zero, 1.0, gaps))


class Eigh(Op):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, packed as
    ``out[..., 0, :] = w`` and ``out[..., 1:, :] = V`` (the lower triangle is read, as numpy)."""

    name, symbol = "eigh", "eigh"
    formulas = ("d eigh → V (diag(ḡw) + skew(Vᵀ ḡV)/2 ⊘ (w_j - w_i)) Vᵀ",)
    twice_differentiable = True

    def forward(self, a):
        w, v = np.linalg.eigh(a)
        return np.concatenate([_col(w), v], axis=-2), None

    def backward(self, ctx, g):
        out = ctx.out
        w, v = out[..., 0, :], out[..., 1:, :]
        gw, gv = g[..., 0, :], g[..., 1:, :]
        vgv = mT(v) @ gv
        vgv = 0.5 * (vgv - mT(vgv))
        gaps = _col(w) - np.expand_dims(w, -1)          # gaps[i, j] = w_j - w_i
        inner = _over_gaps(vgv, gaps, "eigh", "eigenvalues")
        n = _raw(w).shape[-1]
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
        shape = _raw(a).shape
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
            zero = _raw(s) == 0
            inv_s = _pick(zero, 0.0, 1.0 / _pick(zero, 1.0, s))
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
        pr = _raw(proj)
        if np.any(np.abs(pr[..., np.broadcast_to(zero, pr.shape[:-2] + zero.shape[-1:])]) > 1e-12):
            raise LinAlgError("svd: a singular value is 0 and the singular vectors of a non-square matrix "
                              "are used, so their derivative does not exist; use only the singular values")


def unpack_svd(packed, m, n, full):
    """(U, S, Vh) from the packed svd output (raw data or a Value)."""
    k = min(m, n)
    mu, nv = (m, n) if full else (k, k)
    lead = _raw(packed).shape[:-1]
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
        m, n = _raw(a).shape[-2:]
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
