"""Fused batch normalisation: one node with cs231n's simplified ("alt") backward.

Statistics are per feature over the batch for (N, D) inputs and per channel over
(N, H, W) for (N, C, H, W) inputs (spatial batchnorm).

Train mode:  x̂ = (x - μ_B) / √(σ²_B + ε),  y = γ x̂ + β,
             dx = γ/σ · (dy - mean(dy) - x̂ · mean(dy · x̂))
Eval mode uses the running statistics, which are constants: dx = γ/σ · dy.
"""
from __future__ import annotations

import numpy as np

from ..ops.base import Op


def _axes(ndim):
    return (0,) if ndim == 2 else (0, 2, 3)


def _bshape(x, v):
    """Reshape a per-feature vector (D,) / (C,) to broadcast against x."""
    return v if x.ndim == 2 else v.reshape(1, -1, 1, 1)


_CHUNK = 1 << 16       # elements per block (256 KiB of float32): stays in L2 between passes


def _chunks(x):
    """Slices along axis 0 covering ``x`` in blocks of about ``_CHUNK`` elements."""
    n = x.shape[0]
    per = max(1, _CHUNK // max(1, x.size // max(n, 1)))
    return [slice(i, min(i + per, n)) for i in range(0, n, per)]


def _scratch(x, chunks):
    """One block-sized buffer, reused by every block (the last may be shorter)."""
    return np.empty_like(x[chunks[0]])


def _centre(xc, mu_b, tmp):
    """x - μ for one block, written into the scratch buffer."""
    t = tmp[:xc.shape[0]]
    np.subtract(xc, mu_b, out=t)
    return t


def _sum_prod(a, b):
    """Σ a·b per feature (axis 1), without an (N, D)-sized temporary."""
    if a.ndim == 2:
        return np.einsum("ij,ij->j", a, b)
    return np.einsum("nchw,nchw->c", a, b)


class BatchNorm(Op):
    name, symbol = "batch_norm", "BN"
    formulas = ("dL/dx = γ/σ·(dy - mean(dy) - x̂·mean(dy·x̂))  [train]; γ/σ·dy  [eval]",
                "dL/dγ = Σ dy·x̂", "dL/dβ = Σ dy")

    # x̂ is never stored: each pass recomputes its block of (x - μ)·(1/σ) while the block is in
    # cache, so forward allocates only its output and backward only dx (numpy cannot fuse
    # elementwise ops, and each full-size temporary costs a trip to memory and page faults).
    def run(self, x, gamma, beta, mean, var, eps, training):
        """Forward. In train mode ``mean``/``var`` are ignored and the batch's are returned."""
        chunks = _chunks(x)
        tmp = _scratch(x, chunks)
        if training:
            m = x.size // x.shape[1]
            mu = x.mean(axis=_axes(x.ndim))
            mu_b = _bshape(x, mu)
            var = np.zeros(x.shape[1], dtype=x.dtype)
            for c in chunks:
                t = _centre(x[c], mu_b, tmp)
                var += _sum_prod(t, t)
            var /= x.dtype.type(m)
        else:
            mu = np.asarray(mean, dtype=x.dtype)
            var = np.asarray(var, dtype=x.dtype)
            mu_b = _bshape(x, mu)
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        scale_b, beta_b = _bshape(x, inv_std * gamma), _bshape(x, beta)
        out = np.empty_like(x)
        for c in chunks:
            t = _centre(x[c], mu_b, tmp)
            t *= scale_b
            np.add(t, beta_b, out=out[c])
        return out, (mu, inv_std, training), mu, var

    def backward(self, out, g):
        mu, inv_std, training = out._saved
        x, gamma, beta = out._inputs
        xd = x._data
        g = np.asarray(g, dtype=xd.dtype)
        chunks = _chunks(xd)
        tmp = _scratch(xd, chunks)
        mu_b, inv_b = _bshape(xd, mu), _bshape(xd, inv_std)
        dbeta = g.sum(axis=_axes(xd.ndim))
        dgamma = np.zeros(xd.shape[1], dtype=xd.dtype)          # Σ dy·x̂ = (1/σ)·Σ dy·(x - μ)
        for c in chunks:
            dgamma += _sum_prod(g[c], _centre(xd[c], mu_b, tmp))
        dgamma *= inv_std
        dx = None
        if x.requires_grad:
            scale = inv_std * gamma._data
            scale_b = _bshape(xd, scale)
            dx = np.empty_like(xd)
            if not training:             # the statistics are constants: dx = γ/σ · dy
                np.multiply(g, scale_b, out=dx)
            else:                        # dx = γ/σ·dy - γ/σ·mean(dy) - x̂·γ/σ·mean(dy·x̂)
                m = xd.dtype.type(xd.size // xd.shape[1])
                c1 = _bshape(xd, dbeta * scale / m)
                c2 = _bshape(xd, dgamma * scale * inv_std / m)   # x̂·k = (x - μ)·(k/σ)
                for c in chunks:
                    dc = dx[c]
                    np.multiply(g[c], scale_b, out=dc)
                    t = _centre(xd[c], mu_b, tmp)
                    t *= c2
                    t += c1
                    dc -= t
        return (dx, dgamma if gamma.requires_grad else None, dbeta if beta.requires_grad else None)

    def label(self, attrs):
        return "BN" if attrs.get("training", True) else "BN(eval)"
