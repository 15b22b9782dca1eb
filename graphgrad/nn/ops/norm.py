"""Fused batch normalisation: one node with cs231n's simplified ("alt") backward.

Statistics are per feature over the batch for (N, D) inputs and per channel over
(N, H, W) for (N, C, H, W) inputs (spatial batchnorm).

Train mode:  x̂ = (x - μ_B) / √(σ²_B + ε),  y = γ x̂ + β,
             dx = γ/σ · (dy - mean(dy) - x̂ · mean(dy · x̂))
Eval mode uses the running statistics, which are constants: dx = γ/σ · dy.

A ``create_graph`` pass differentiates the op's expansion instead (``expand``: the
lecture's graph of primitive gates, ``_expand.batch_norm``, batch statistics
recomputed from x), so the numpy backward below serves plain passes only.
"""
from __future__ import annotations

import numpy as np

from ...ops.base import Op
from . import _expand as E
from ._parallel import parts, run_parts


def _axes(ndim):
    return (0,) if ndim == 2 else (0, 2, 3)


def _bshape(x, v):
    """Reshape a per-feature vector (D,) / (C,) to broadcast against x."""
    return v if x.ndim == 2 else v.reshape(1, -1, 1, 1)


# Elements per block: the 4-5 passes of the dx formula over one block find it (and the
# scratch buffer) in cache. Measured on an Intel Xeon (2 MiB L2 per core), dx of (256, 1024)
# float32: 302 us in one block of 1 MiB, 231 us in blocks of 256 KiB, 260 us in 64 KiB.
_CHUNK = 1 << 16


def _chunks(x):
    """Slices along axis 0 covering ``x`` in blocks of about ``_CHUNK`` elements
    (at least one per thread when the work is split across cores)."""
    n = x.shape[0]
    per = max(1, _CHUNK // max(1, x.size // max(n, 1)))
    k = parts(n, x.size)
    if k > 1:
        per = min(per, -(-n // k))
    return [slice(i, min(i + per, n)) for i in range(0, n, per)]


def _centre(xc, mu_b, tmp):
    """x - μ for one block, written into the scratch buffer."""
    t = tmp[:xc.shape[0]]
    np.subtract(xc, mu_b, out=t)
    return t


_FAR = 8.0             # |μ|/σ above which the centred (slower, exact) forms are used


def _near_zero(mu, inv_std) -> bool:
    """Whether every feature's mean lies within _FAR standard deviations of 0."""
    return bool((np.abs(mu) * inv_std <= _FAR).all())


def _sum_prod(a, b):
    """Σ a·b per feature (axis 1), without an (N, D)-sized temporary."""
    if a.ndim == 2:
        return np.einsum("ij,ij->j", a, b)
    return np.einsum("nchw,nchw->c", a, b)


class BatchNorm(Op):
    name, symbol = "batch_norm", "BN"
    formulas = ("dL/dx = γ/σ·(dy - mean(dy) - x̂·mean(dy·x̂))  [train]; γ/σ·dy  [eval]",
                "dL/dγ = Σ dy·x̂", "dL/dβ = Σ dy")

    # x̂ is never stored, and the output and dx are written as affine maps of x per feature,
    # y = a·x + c and dx = A·dy + B·x + C (as PyTorch's CPU kernel does): fewer full-size
    # passes than the step-by-step formulas and no (N, D) temporaries (numpy cannot fuse
    # elementwise ops; each pass and each fresh buffer costs time). Writing x̂ = (x - μ)/σ
    # implicitly loses about log2(|μ|/σ) bits to cancellation, so when the mean lies more
    # than _FAR standard deviations from 0 the centred block-wise forms are used instead.
    def forward(self, x, gamma, beta, *, training=True, eps=1e-5, mean=None, var=None):
        """The Op contract (``gg.apply(op, x, gamma, beta, training=, eps=)``); F.batch_norm calls ``run``."""
        return self.run(x, gamma, beta, mean, var, eps, training)[:2]

    def run(self, x, gamma, beta, mean, var, eps, training):
        """Forward. In train mode ``mean``/``var`` are ignored and the batch's are returned."""
        chunks = _chunks(x)
        axes = _axes(x.ndim)
        if training:
            m = x.dtype.type(x.size // x.shape[1])
            # (the mean by numpy's own reduce: far from 0 the GEMV's rounding differs by an ulp of μ)
            parts_ = run_parts(lambda cs: [(x[c].sum(axis=axes), _sum_prod(x[c], x[c])) for c in cs],
                               chunks, x.size)
            mu = sum(s for p in parts_ for s, _ in p) / m
            # E[x²] - μ² reads x once more, without centring it first, but it cancels: it
            # loses about log2(1 + μ²/σ²) bits. Where every feature has μ² <= σ² (1 bit at
            # most) it is kept; otherwise the centred sum Σ(x - μ)² is taken in a second pass.
            var = sum(q for p in parts_ for _, q in p) / m - mu * mu
            if not (mu * mu <= var).all():
                mu_b = _bshape(x, mu)

                def var_part(cs):
                    tmp = np.empty_like(x[cs[0]])
                    acc = np.zeros(x.shape[1], dtype=x.dtype)
                    for c in cs:
                        t = _centre(x[c], mu_b, tmp)
                        acc += _sum_prod(t, t)
                    return acc
                var = sum(run_parts(var_part, chunks, x.size)) / m
        else:
            mu = np.asarray(mean, dtype=x.dtype)
            var = np.asarray(var, dtype=x.dtype)
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        a = inv_std * gamma
        out = np.empty_like(x)
        near = _near_zero(mu, inv_std)
        mu_b, a_b, beta_b = _bshape(x, mu), _bshape(x, a), _bshape(x, beta)
        c_b = _bshape(x, beta - mu * a)

        def out_part(cs):
            for c in cs:
                oc = out[c]
                if near:                     # y = a·x + (β - μ·a)
                    np.multiply(x[c], a_b, out=oc)
                    oc += c_b
                else:                        # y = (x - μ)·a + β
                    np.subtract(x[c], mu_b, out=oc)
                    oc *= a_b
                    oc += beta_b
        run_parts(out_part, chunks, x.size)
        return out, (mu, inv_std, training, var, near), mu, var

    def backward(self, ctx, g):
        mu, inv_std, training, _, near = ctx.saved      # near: forward's choice of formulas
        xd, gd, _ = ctx.inputs
        nx, ngamma, nbeta = ctx.needs_grad
        g = np.asarray(g, dtype=xd.dtype)
        chunks = _chunks(xd)
        axes = _axes(xd.ndim)
        mu_b = _bshape(xd, mu)

        def sums_part(cs):                   # Σ dy and Σ dy·(x - μ) (or Σ dy·x when near 0)
            tmp = None if near else np.empty_like(xd[cs[0]])
            sg = np.zeros(xd.shape[1], dtype=xd.dtype)
            sgx = np.zeros(xd.shape[1], dtype=xd.dtype)
            for c in cs:
                gc = g[c]
                # numpy's reduce, not a ones-vector GEMV: that was ~2x faster on an idle machine, but
                # OpenBLAS runs it on its threads, and with another process on the other core a
                # (2048, 2048) one took 5-8 ms where the reduce took 1.4 ms
                sg += gc.sum(axis=axes)
                sgx += _sum_prod(gc, xd[c] if near else _centre(xd[c], mu_b, tmp))
            return sg, sgx
        parts_ = run_parts(sums_part, chunks, xd.size)
        dbeta = sum(p[0] for p in parts_)
        sgx = sum(p[1] for p in parts_)
        if near:
            sgx = sgx - mu * dbeta
        dgamma = sgx * inv_std                          # Σ dy·x̂
        dx = None
        if nx:
            scale = inv_std * gd                        # γ/σ
            A = _bshape(xd, scale)
            dx = np.empty_like(xd)
            if not training:                            # the statistics are constants: dx = γ/σ · dy
                np.multiply(g, A, out=dx)
            else:                                       # dx = γ/σ·(dy - mean(dy) - x̂·mean(dy·x̂))
                m = xd.dtype.type(xd.size // xd.shape[1])
                k = dgamma * scale * inv_std / m        # x̂·mean(dy·x̂)·γ/σ = (x - μ)·k
                B = _bshape(xd, -k)
                C = _bshape(xd, mu * k - dbeta * scale / m) if near else _bshape(xd, -dbeta * scale / m)

                def dx_part(cs):
                    tmp = np.empty_like(xd[cs[0]])
                    for c in cs:
                        dc = dx[c]
                        t = tmp[:dc.shape[0]]
                        if near:
                            np.multiply(xd[c], B, out=t)
                        else:
                            np.subtract(xd[c], mu_b, out=t)
                            t *= B
                        t += C
                        np.multiply(g[c], A, out=dc)
                        dc += t
                run_parts(dx_part, chunks, xd.size)
        return (dx, dgamma if ngamma else None, dbeta if nbeta else None)

    def expand(self, ctx):
        mu, _, training, var, _ = ctx.saved      # eval mode: the running statistics (constants)
        return E.batch_norm(*ctx.inputs, mu, var, float(ctx.attrs.get("eps", 1e-5)), training)[0]

    def label(self, attrs):
        return "BN" if attrs.get("training", True) else "BN(eval)"
