"""Fused loss ops: softmax cross-entropy and the multiclass SVM (hinge) loss, each one node.

Both average over the batch (``reduction="mean"``) or sum (``"sum"``). The labels are
not an input of the graph: they are kept with the node for backward.
"""
from __future__ import annotations

import numpy as np

from ..ops.base import Op


def log_softmax_data(s: np.ndarray) -> np.ndarray:
    """Numerically stable log-softmax over the last axis (shift by the row max first)."""
    shifted = s - s.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted


class SoftmaxCrossEntropy(Op):
    """L = mean_i [ log Σ_j e^{s_ij} - s_{i,y_i} ]; dL/ds = (softmax(s) - onehot(y)) / N."""

    name, symbol = "softmax_cross_entropy", "softmax-CE"
    formulas = ("dL/ds = (softmax(s) - onehot(y)) / N",)

    def forward(self, s, *, target, reduction="mean"):
        """The Op contract (``gg.apply(op, scores, target=y)``); F.cross_entropy calls ``run``."""
        return self.run(s, np.asarray(target, dtype=np.intp), reduction)

    def run(self, s, y, reduction):
        n = s.shape[0]
        rows = np.arange(n)
        shifted = s - s.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        z = e.sum(axis=1, keepdims=True)
        logp_y = shifted[rows, y] - np.log(z[:, 0])
        total = -logp_y.sum()
        loss = total / n if reduction == "mean" else total
        e /= z                                   # the probabilities, kept for backward
        return np.asarray(loss, dtype=s.dtype), (e, y)

    def backward(self, ctx, g):
        probs, y = ctx.saved
        n = probs.shape[0]
        d = probs.copy()             # a copy, so retain_graph=True can run backward again
        d[np.arange(n), y] -= 1
        scale = g / n if ctx.attrs.get("reduction", "mean") == "mean" else g
        d *= d.dtype.type(scale)
        return (d,)

    def label(self, attrs):
        return "softmax-CE" if attrs.get("reduction", "mean") == "mean" else "softmax-CE(sum)"


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

    def label(self, attrs):
        return f"SVM(Δ={attrs.get('margin', 1.0):g})"
