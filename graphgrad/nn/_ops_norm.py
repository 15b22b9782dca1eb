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


class BatchNorm(Op):
    name, symbol = "batch_norm", "BN"
    formulas = ("dL/dx = γ/σ·(dy - mean(dy) - x̂·mean(dy·x̂))  [train]; γ/σ·dy  [eval]",
                "dL/dγ = Σ dy·x̂", "dL/dβ = Σ dy")

    def run(self, x, gamma, beta, mean, var, eps, training):
        """Forward. In train mode ``mean``/``var`` are ignored and the batch's are returned."""
        axes = _axes(x.ndim)
        if training:
            m = x.size // x.shape[1]
            mu = x.mean(axis=axes)
            xhat = x - _bshape(x, mu)
            if x.ndim == 2:
                var = np.einsum("ij,ij->j", xhat, xhat) / x.dtype.type(m)
            else:
                var = np.einsum("nchw,nchw->c", xhat, xhat) / x.dtype.type(m)
        else:
            mu = np.asarray(mean, dtype=x.dtype)
            var = np.asarray(var, dtype=x.dtype)
            xhat = x - _bshape(x, mu)
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat *= _bshape(x, inv_std)
        out = xhat * _bshape(x, gamma)
        out += _bshape(x, beta)
        return out, (xhat, inv_std, training), mu, var

    def backward(self, out, g):
        xhat, inv_std, training = out._saved
        ins = out._inputs
        x, gamma = ins[0], ins[1]
        beta = ins[2]
        xd = x._data
        axes = _axes(xd.ndim)
        g = np.asarray(g, dtype=xd.dtype)
        dbeta = g.sum(axis=axes)
        if xd.ndim == 2:
            dgamma = np.einsum("ij,ij->j", g, xhat)
        else:
            dgamma = np.einsum("nchw,nchw->c", g, xhat)
        scale = inv_std * gamma._data
        dx = None
        if x.requires_grad:
            dx = g * _bshape(xd, scale)
            if training:
                m = xd.size // xd.shape[1]
                dx -= _bshape(xd, (dbeta * scale) / xd.dtype.type(m))
                dx -= xhat * _bshape(xd, (dgamma * scale) / xd.dtype.type(m))
        return (dx, dgamma if gamma.requires_grad else None, dbeta if beta.requires_grad else None)

    def label(self, attrs):
        return "BN" if attrs.get("training", True) else "BN(eval)"
