"""Fused binary cross-entropy losses, each one node with inputs (prediction, target).

``binary_cross_entropy`` takes probabilities p; PyTorch clamps each log at -100 so a
p of exactly 0 or 1 gives a finite loss, and divides its gradient by max(p(1-p), 1e-12).
``binary_cross_entropy_with_logits`` takes raw scores x and is stable for any x:
loss = (1 - t)·x + (1 + (pw - 1)·t)·softplus(-x) with softplus(-x) = log(1 + e^-x).

Class weights ``weight`` (broadcast against the input) and ``pos_weight`` are constants
kept with the node. In a ``create_graph`` pass ``binary_cross_entropy_with_logits`` is
differentiated through its expansion (``expand``: the loss from primitive gates).
``binary_cross_entropy``'s gradient is PyTorch's own formula, w·(p - t)/max(p(1-p), 1e-12),
not the derivative of its clamped logs at p = 0 or 1, so it has no expansion: its one
backward is written with numpy functions that run on data and on Values alike.
"""
from __future__ import annotations

import numpy as np

from ...ops.base import Op, fit
from ...ops.activation import _sigmoid

_EPS = 1e-12      # PyTorch's floor of p(1-p) in the BCE gradient
_LOG_MIN = -100.0   # PyTorch's floor of log p and log(1-p) in the BCE loss


def _scaled(g, reduction, denom):
    """The upstream gradient, elementwise: divided by the element count for "mean"."""
    if reduction == "mean":
        if denom == 0:            # an empty input: the loss is nan (0/0) and the gradient empty
            return g * 0.0
        return g / denom
    return g


def _weighted(d, w):
    return d if w is None else d * w


def _reduce(per, reduction, dtype):
    if reduction == "none":
        return per.astype(dtype, copy=False)
    total = per.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = total / np.float64(per.size) if reduction == "mean" else total
    return np.asarray(loss, dtype=dtype)


class BinaryCrossEntropy(Op):
    """L = -w·(t·log p + (1-t)·log(1-p)); dL/dp = w·(p - t)/max(p(1-p), 1e-12), dL/dt = w·log((1-p)/p)."""

    name, symbol = "binary_cross_entropy", "BCE"
    formulas = ("dL/dp = w·(p - t) / max(p(1 - p), 1e-12)", "dL/dt = w·(log(1 - p) - log p)")
    twice_differentiable = True

    def run(self, p, t, w, reduction):
        p, t = np.asarray(p), np.asarray(t)
        with np.errstate(divide="ignore"):
            lp = np.maximum(np.log(p), _LOG_MIN)
            l1p = np.maximum(np.log1p(-p), _LOG_MIN)
        per = -_weighted(t * lp + (1 - t) * l1p, w)
        return _reduce(per, reduction, p.dtype), (w, np.float64(p.size))

    def backward(self, ctx, g):
        p, t = ctx.inputs
        w, n = ctx.saved
        reduction = ctx.attrs.get("reduction", "mean")
        g = _scaled(g, reduction, n)
        np_, nt = ctx.needs_grad
        dp = dt = None
        # one backward for both passes: on Values (create_graph) numpy's maximum, log1p and
        # log are graphgrad's ops, so the same formulas are recorded and differentiate again
        if np_:
            dp = fit(_weighted(g * (p - t) / np.maximum((1 - p) * p, _EPS), w), p)
        if nt:
            with np.errstate(divide="ignore"):
                dt = fit(_weighted(g * (np.log1p(-p) - np.log(p)), w), t)
        return dp, dt

    def label(self, attrs):
        return "BCE" if attrs.get("reduction", "mean") == "mean" else f"BCE({attrs['reduction']})"


def _softplus_neg(x):
    """softplus(-x) = log(1 + e^-x) on raw data, stable for any x."""
    return np.logaddexp(0, -x)


class BinaryCrossEntropyWithLogits(Op):
    """L = w·((1 - t)·x + lw·softplus(-x)), lw = 1 + (pw - 1)·t;
    dL/dx = w·(lw·σ(x) - pw·t), dL/dt = w·((pw - 1)·softplus(-x) - x)."""

    name, symbol = "binary_cross_entropy_with_logits", "BCE-logits"
    formulas = ("dL/dx = w·((1 + (pw-1)t)·σ(x) - pw·t)", "dL/dt = w·((pw - 1)·softplus(-x) - x)")

    def run(self, x, t, w, pw, reduction):
        x, t = np.asarray(x), np.asarray(t)
        sp = _softplus_neg(x)
        lw = 1 if pw is None else 1 + (pw - 1) * t
        per = _weighted((1 - t) * x + lw * sp, w)
        return _reduce(per, reduction, x.dtype), (w, pw, np.float64(x.size))

    def backward(self, ctx, g):
        x, t = ctx.inputs
        w, pw, n = ctx.saved
        reduction = ctx.attrs.get("reduction", "mean")
        g = _scaled(g, reduction, n)
        nx, nt = ctx.needs_grad
        xa, ta = np.asarray(x), np.asarray(t)
        dx = dt = None
        if nx:
            s = _sigmoid(xa)
            d = (s - ta) if pw is None else (1 + (pw - 1) * ta) * s - pw * ta
            dx = fit(_weighted(g * d, w), x)
        if nt:
            d = -xa if pw is None else (pw - 1) * _softplus_neg(xa) - xa
            dt = fit(_weighted(g * d, w), t)
        return dx, dt

    def expand(self, ctx):
        """w·((1 - t)·x + lw·softplus(-x)) from gates; softplus(-x) = -log σ(x) (stable)."""
        x, t = ctx.inputs
        w, pw, n = ctx.saved
        sp = -x.logsigmoid()
        per = (1.0 - t) * x + (sp if pw is None else (t * (pw - 1) + 1.0) * sp)
        per = _weighted(per, w)
        reduction = ctx.attrs.get("reduction", "mean")
        if reduction == "none":
            return per
        return per.sum() / float(n) if reduction == "mean" and n else per.sum()

    def label(self, attrs):
        r = attrs.get("reduction", "mean")
        return "BCE-logits" if r == "mean" else f"BCE-logits({r})"
