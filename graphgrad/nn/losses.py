"""Loss modules and regularisation helpers (cs231n lectures 3-4).

>>> loss_fn = CrossEntropyLoss()
>>> loss = loss_fn(gg.Value([[3.2, 5.1, -1.7]]), [0])
>>> round(loss.item(), 2)
2.04
"""
from __future__ import annotations

from . import functional as F
from .module import Module
from ._node import as_value


class CrossEntropyLoss(Module):
    """Softmax cross-entropy over raw scores, averaged over the batch (fused by default)."""

    def __init__(self, reduction: str = "mean", expand: bool | None = None):
        super().__init__()
        self.reduction, self.expand = reduction, expand

    def forward(self, scores, target):
        return F.cross_entropy(scores, target, self.reduction, expand=self.expand)


SoftmaxLoss = CrossEntropyLoss


class MultiMarginLoss(Module):
    """PyTorch's multiclass hinge loss (row sums divided by the number of classes)."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean"):
        super().__init__()
        self.margin, self.reduction = float(margin), reduction

    def forward(self, scores, target):
        return F.multi_margin_loss(scores, target, self.margin, self.reduction)


class SVMLoss(MultiMarginLoss):
    """cs231n's multiclass SVM loss: Σ_{j≠y} max(0, s_j - s_y + Δ), averaged over the batch."""

    def forward(self, scores, target):
        return F.svm_loss(scores, target, self.margin, self.reduction)


class MSELoss(Module):
    """Mean squared error."""

    def forward(self, pred, target):
        return F.mse_loss(pred, target)


class L1Loss(Module):
    """Mean absolute error."""

    def forward(self, pred, target):
        return F.l1_loss(pred, target)


def l2_regularization(params, reg: float, half: bool = False):
    """``reg · Σ w²`` over ``params`` (``half=True``: ``0.5·reg·Σ w²``, cs231n's convention,
    whose gradient is ``reg·w``). Pass only weights, not biases, as the lecture does.

    >>> l2_regularization([gg.Value([1.0, 2.0])], 0.1).item()
    0.5
    """
    params = [as_value(p) for p in params]
    if not params:
        raise ValueError("l2_regularization: no parameters given")
    total = None
    for p in params:
        s = (p * p).sum()
        total = s if total is None else total + s
    return total * (0.5 * reg if half else float(reg))


def l1_regularization(params, reg: float):
    """``reg · Σ |w|`` over ``params``. ``l1_regularization([gg.Value([1.0, -2.0])], 0.1).item()`` is 0.3."""
    params = [as_value(p) for p in params]
    if not params:
        raise ValueError("l1_regularization: no parameters given")
    total = None
    for p in params:
        s = p.abs().sum()
        total = s if total is None else total + s
    return total * float(reg)
