"""Fused classification losses, each one node: softmax cross-entropy, negative
log-likelihood, the multiclass SVM (hinge) loss and binary cross-entropy (on
probabilities and on logits).

The class axis is axis 1 (``(N, C)`` or ``(N, C, d1, ...)``; an unbatched ``(C,)`` input
is one row). Internally every position is a row of C class scores (:func:`to_rows`).
The labels are not inputs of the graph: they are kept with the node for backward.

A ``create_graph`` pass differentiates each op's expansion (``expand``: the loss from
primitive gates on the input Value, with the constants of ``ctx.saved``: labels, class
coefficients, the margin mask), so the numpy backwards below serve plain passes only.

Binary cross-entropy (the second half), each one node with inputs (prediction, target):
``binary_cross_entropy`` takes probabilities p; PyTorch clamps each log at -100 so a
p of exactly 0 or 1 gives a finite loss, and divides its gradient by max(p(1-p), 1e-12).
``binary_cross_entropy_with_logits`` takes raw scores x and is stable for any x:
loss = (1 - t)·x + (1 + (pw - 1)·t)·softplus(-x) with softplus(-x) = log(1 + e^-x).
Class weights ``weight`` (broadcast against the input) and ``pos_weight`` are constants
kept with the node. In a ``create_graph`` pass ``binary_cross_entropy_with_logits`` is
differentiated through its expansion. ``binary_cross_entropy``'s gradient is PyTorch's own
formula, w·(p - t)/max(p(1-p), 1e-12), not the derivative of its clamped logs at p = 0 or 1,
so it has no expansion: its one backward is written with numpy functions that run on data
and on Values alike.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...ops.activation import SIGMOID
from ...ops.base import Op, fit


def log_softmax_data(s: np.ndarray) -> np.ndarray:
    """Numerically stable log-softmax over the last axis (shift by the row max first)."""
    shifted = s - s.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted


def to_rows(a, ndim: int):
    """(N, C, d...) -> (N·d..., C) with the class axis last; (C,) -> (1, C); (N, C) as is.

    Works on numpy arrays and on Values (``reshape``/``transpose`` only).

    >>> to_rows(np.zeros((2, 3, 4)), 3).shape
    (8, 3)
    """
    if ndim == 2:
        return a
    c = a.shape[0] if ndim == 1 else a.shape[1]
    if ndim == 1:
        return a.reshape(1, c)
    return a.transpose((0,) + tuple(range(2, ndim)) + (1,)).reshape(-1, c)


def from_rows(d, shape: tuple):
    """Inverse of :func:`to_rows`: rows (M, C) back to ``shape`` (arrays or Values).

    >>> from_rows(np.zeros((8, 3)), (2, 3, 4)).shape
    (2, 3, 4)
    """
    nd = len(shape)
    if nd == 2:
        return d
    if nd == 1:
        return d.reshape(shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return d.reshape(moved).transpose((0, nd - 1) + tuple(range(1, nd - 1)))


def out_shape(shape: tuple) -> tuple:
    """The shape of a per-position loss (``reduction="none"``): ``shape`` without the class axis."""
    return () if len(shape) == 1 else (shape[0],) + tuple(shape[2:])


def _reduce(per, reduction, denom, shape, dtype):
    """Per-row losses (M,) to the result of ``reduction`` (0/0 gives nan, as in PyTorch)."""
    if reduction == "none":
        return per.reshape(out_shape(shape)).astype(dtype, copy=False)
    total = per.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = total / denom if reduction == "mean" else total
    return np.asarray(loss, dtype=dtype)


def _upstream_rows(g, reduction, denom):
    """The upstream gradient per row, as a factor that broadcasts against (M, C) rows:
    a scalar for "sum"/"mean" (divided by the mean's denominator), an (M, 1) column for
    "none" (``g`` is then a Value: the raw paths reshape it themselves). A 0 denominator
    (every target ignored) gives a 0 factor: the loss is nan, and PyTorch's gradient is 0."""
    if reduction == "none":
        return g.reshape(-1, 1)
    if reduction == "mean":
        if denom == 0:
            return g * 0.0
        return g / denom
    return g


def _reduced(per, reduction, denom, shape):
    """Per-row losses (a Value (M,)) reduced as ``_reduce`` does, from gates: 0/0 for an
    all-ignored "mean" gives a nan loss (as the fused node) and a 0 gradient, not a nan one."""
    if reduction == "none":
        return per.reshape(out_shape(shape))
    total = per.sum()
    if reduction == "sum":
        return total
    return total + np.nan if denom == 0 else total / float(denom)


class CETerms(NamedTuple):
    """What the cross-entropy backward needs (constants w.r.t. the scores). A tuple, so the
    engine sees the size of its buffers (big ones are released after a plain backward).

    ``probs``  softmax of the rows (raw backward only); ``shift`` the row max (M, 1);
    ``y`` the labels (plain fast path) or ``q`` the (M, C) class coefficients with row sums
    ``total`` (M, 1): loss_row = Σ_c q_c·(-log p_c), so d loss_row/ds = p·total - q;
    ``denom`` the divisor of "mean"; ``shape`` the scores' shape.
    """

    probs: np.ndarray
    shift: np.ndarray
    y: np.ndarray | None
    q: np.ndarray | None
    total: np.ndarray | None
    denom: np.float64
    shape: tuple


class SoftmaxCrossEntropy(Op):
    """L = mean_i [ log Σ_j e^{s_ij} - s_{i,y_i} ]; dL/ds = (softmax(s) - onehot(y)) / N.

    With class weights, label smoothing, ignored targets or probability targets the
    per-row loss is Σ_c q_c·(-log softmax(s)_c) for constant coefficients q, and
    dL/ds = softmax(s)·Σ_c q_c - q (divided by the mean's denominator).
    """

    name, symbol = "softmax_cross_entropy", "softmax-CE"
    formulas = ("dL/ds = (softmax(s) - onehot(y)) / N",)

    def forward(self, s, *, target, reduction="mean"):
        """The Op contract (``gg.apply(op, scores, target=y)``); F.cross_entropy calls ``run``."""
        return self.run(s, np.asarray(target, dtype=np.intp), reduction)

    def run(self, s, y, reduction):
        """The plain fast path: (N, C) scores, labels (N,), no weights or smoothing."""
        n = s.shape[0]
        rows = np.arange(n)
        shift = s.max(axis=1, keepdims=True)
        shifted = s - shift
        e = np.exp(shifted)
        z = e.sum(axis=1, keepdims=True)
        logp_y = shifted[rows, y] - np.log(z[:, 0])
        total = -logp_y.sum()
        loss = total / n if reduction == "mean" else total
        e /= z                                   # the probabilities, kept for backward
        return np.asarray(loss, dtype=s.dtype), CETerms(e, shift, y, None, None, np.float64(n), s.shape)

    def run_general(self, s, q, denom, reduction):
        """Any layout and options: ``q`` holds the (M, C) class coefficients of the rows."""
        rows = to_rows(s, s.ndim)
        shift = rows.max(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):      # an inf score: that row's loss is nan, as numpy says
            logp = rows - shift
        e = np.exp(logp)
        z = e.sum(axis=1, keepdims=True)
        logp -= np.log(z)
        with np.errstate(invalid="ignore"):
            prod = q * logp
        if not np.all(np.isfinite(logp)):        # a -inf score of a class with q = 0 adds 0, not nan
            prod[q == 0] = 0
        per = -prod.sum(axis=1)
        e /= z
        loss = _reduce(per, reduction, denom, s.shape, s.dtype)
        return loss, CETerms(e, shift, None, q, q.sum(axis=1, keepdims=True), denom, s.shape)

    def backward(self, ctx, g):
        t = ctx.saved
        reduction = ctx.attrs.get("reduction", "mean")
        d = t.probs * t.total if t.q is not None else t.probs.copy()   # a copy: retain_graph reruns
        if t.q is None:
            d[np.arange(d.shape[0]), t.y] -= 1
        else:
            d -= t.q
        if reduction == "none":
            d *= np.reshape(g, (-1, 1)).astype(d.dtype, copy=False)
        else:
            d *= d.dtype.type(_upstream_rows(g, reduction, t.denom))
        return (from_rows(d, t.shape),)

    def expand(self, ctx):
        """Σ_c q_c·(-log softmax(s)_c) per row from gates (q: one-hot labels or the saved coefficients)."""
        s, t = ctx.inputs[0], ctx.saved
        q = t.q
        if q is None:
            q = np.zeros((len(t.y), t.shape[-1] if len(t.shape) == 1 else t.shape[1]), dtype=s.dtype)
            q[np.arange(len(t.y)), t.y] = 1
        rows = to_rows(s, s.ndim)
        shifted = rows - t.shift                 # the shift is a constant: softmax ignores it
        logp = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return _reduced(-((logp * q).sum(axis=1)), ctx.attrs.get("reduction", "mean"), t.denom, t.shape)

    def label(self, attrs):
        return "softmax-CE" if attrs.get("reduction", "mean") == "mean" else f"softmax-CE({attrs['reduction']})"


class NLLLoss(Op):
    """L = -Σ_i w_{y_i} x_{i,y_i} / Σ_i w_{y_i} over log-probabilities x (ignored targets skipped)."""

    name, symbol = "nll_loss", "NLL"
    formulas = ("dL/dx_{i,y_i} = -w_{y_i} / Σ w_{y}  (mean; 0 elsewhere)",)

    def run(self, x, y, wy, denom, reduction):
        """``y`` labels per row (ignored rows any valid class), ``wy`` their weights (0 if ignored)."""
        rows = to_rows(x, x.ndim)
        picked = rows[np.arange(rows.shape[0]), y]
        per = np.where(wy != 0, -wy * picked, 0).astype(x.dtype, copy=False)
        return _reduce(per, reduction, denom, x.shape, x.dtype), (y, wy, denom, x.shape)

    def backward(self, ctx, g):
        y, wy, denom, shape = ctx.saved
        reduction = ctx.attrs.get("reduction", "mean")
        dtype = ctx.inputs[0].dtype
        m, c = len(y), (shape[0] if len(shape) == 1 else shape[1])
        # the gradient is constant in x: -w_y at each target, times the upstream
        q = np.zeros((m, c), dtype=dtype)
        q[np.arange(m), y] = -wy
        q *= np.reshape(g, (-1, 1)) if reduction == "none" else _upstream_rows(g, reduction, denom)
        return (from_rows(q, shape),)

    def expand(self, ctx):
        """-w_y·x_y per row: a gather at the labels (ignored rows have weight 0)."""
        x = ctx.inputs[0]
        y, wy, denom, shape = ctx.saved
        per = to_rows(x, x.ndim)[np.arange(len(y)), y] * -wy
        return _reduced(per, ctx.attrs.get("reduction", "mean"), denom, shape)

    def label(self, attrs):
        return "NLL" if attrs.get("reduction", "mean") == "mean" else f"NLL({attrs['reduction']})"


class MultiMargin(Op):
    """cs231n SVM loss L = mean_i Σ_{j≠y_i} max(0, s_ij - s_{i,y_i} + Δ) (PyTorch multi_margin_loss
    divides each row's sum by C as well; see ``divide_by_classes``)."""

    name, symbol = "multi_margin", "SVM"
    formulas = ("dL/ds_ij = 1[margin_ij > 0] (j≠y), dL/ds_iy = -Σ_j 1[margin_ij > 0]",)

    def forward(self, s, *, target, margin=1.0, reduction="mean", by_classes=False):
        return self.run(s, np.asarray(target, dtype=np.intp), margin, reduction, by_classes)

    def run(self, s, y, margin, reduction, by_classes):
        n, c = s.shape
        rows = np.arange(n)
        m = s - s[rows, y][:, None] + margin
        m[rows, y] = 0.0
        pos = m > 0
        total = np.where(pos, m, 0).sum()
        denom = (n if reduction == "mean" else 1) * (c if by_classes else 1)
        return np.asarray(total / denom, dtype=s.dtype), (pos, y, denom)

    def backward(self, ctx, g):
        pos, y, denom = ctx.saved
        n = pos.shape[0]
        d = pos.astype(ctx.inputs[0].dtype)
        d[np.arange(n), y] = -pos.sum(axis=1)
        d *= d.dtype.type(g / denom)
        return (d,)

    def expand(self, ctx):
        """Σ margins over the saved positive mask (max(0, ·) as forward decided it), / denom."""
        s = ctx.inputs[0]
        pos, y, denom = ctx.saved
        m = s - s[np.arange(len(y)), y].reshape(-1, 1) + float(ctx.attrs.get("margin", 1.0))
        return (m * pos.astype(s.dtype)).sum() / float(denom)

    def label(self, attrs):
        return f"SVM(Δ={attrs.get('margin', 1.0):g})"


# ---------------------------------------------------------------- binary cross-entropy
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


def _reduce_each(per, reduction, dtype):
    """Elementwise losses to the result of ``reduction`` (0/0 gives nan, as in PyTorch)."""
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
        return _reduce_each(per, reduction, p.dtype), (w, np.float64(p.size))

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
        return _reduce_each(per, reduction, x.dtype), (w, pw, np.float64(x.size))

    def backward(self, ctx, g):
        x, t = ctx.inputs
        w, pw, n = ctx.saved
        reduction = ctx.attrs.get("reduction", "mean")
        g = _scaled(g, reduction, n)
        nx, nt = ctx.needs_grad
        xa, ta = np.asarray(x), np.asarray(t)
        dx = dt = None
        if nx:
            s = SIGMOID.f(xa)           # the sigmoid gate's own function, on data
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
