"""Loss modules and regularisation helpers (cs231n lectures 3-4).

>>> loss_fn = CrossEntropyLoss()
>>> loss = loss_fn(gg.Value([[3.2, 5.1, -1.7]]), [0])
>>> round(loss.item(), 2)
2.04
"""
from __future__ import annotations

import numpy as np

from ..._params import number
from .. import functional as F
from ..functional.loss import constant_weights
from .module import Module
from ...value import as_value


def _weight_buffer(module, name, value):
    """A class weight as a buffer (in ``state_dict``, as PyTorch registers it), or None."""
    if value is None:
        object.__setattr__(module, name, None)
        return
    module.register_buffer(name, constant_weights(value, type(module).__name__, name, None))


class CrossEntropyLoss(Module):
    """Softmax cross-entropy over raw scores (classes on axis 1), as ``torch.nn.CrossEntropyLoss``:
    ``weight`` per class, ``ignore_index``, ``reduction``, ``label_smoothing`` (see
    :func:`graphgrad.nn.functional.cross_entropy`). Fused by default; ``expand=True`` for gates."""

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0, expand: bool | None = None):
        super().__init__()
        _weight_buffer(self, "weight", weight)
        self.ignore_index, self.reduction = ignore_index, reduction
        self.label_smoothing, self.expand = label_smoothing, expand
        F.cross_entropy(np.zeros((1, 1)), [0], weight=None, reduction=reduction,   # check the options now
                        label_smoothing=label_smoothing, ignore_index=ignore_index)

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing,
                               expand=self.expand)


class NLLLoss(Module):
    """Negative log-likelihood of log-probabilities, as ``torch.nn.NLLLoss`` (``weight``,
    ``ignore_index``, ``reduction``)."""

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__()
        _weight_buffer(self, "weight", weight)
        self.ignore_index, self.reduction = ignore_index, reduction
        F.nll_loss(np.zeros((1, 1)), [0], reduction=reduction, ignore_index=ignore_index)

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class BCELoss(Module):
    """Binary cross-entropy of probabilities, as ``torch.nn.BCELoss`` (``weight``, ``reduction``)."""

    def __init__(self, weight=None, *, reduction: str = "mean"):
        super().__init__()
        _weight_buffer(self, "weight", weight)
        self.reduction = reduction
        F.check_reduction(reduction, "BCELoss")

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(Module):
    """Binary cross-entropy of raw scores, as ``torch.nn.BCEWithLogitsLoss`` (``weight``,
    ``reduction``, ``pos_weight``)."""

    def __init__(self, weight=None, *, reduction: str = "mean", pos_weight=None):
        super().__init__()
        _weight_buffer(self, "weight", weight)
        _weight_buffer(self, "pos_weight", pos_weight)
        self.reduction = reduction
        F.check_reduction(reduction, "BCEWithLogitsLoss")

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


SoftmaxLoss = CrossEntropyLoss


class MultiMarginLoss(Module):
    """PyTorch's multiclass hinge loss (row sums divided by the number of classes)."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean"):
        super().__init__()
        self.margin, self.reduction = number(margin, "MultiMarginLoss", "margin"), reduction

    def forward(self, scores, target):
        return F.multi_margin_loss(scores, target, self.margin, self.reduction)


class SVMLoss(MultiMarginLoss):
    """cs231n's multiclass SVM loss: Σ_{j≠y} max(0, s_j - s_y + Δ), averaged over the batch."""

    def forward(self, scores, target):
        return F.svm_loss(scores, target, self.margin, self.reduction)


class MSELoss(Module):
    """Mean squared error (``reduction`` "none" | "mean" | "sum")."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, pred, target):
        return F.mse_loss(pred, target, self.reduction)


class L1Loss(Module):
    """Mean absolute error (``reduction`` "none" | "mean" | "sum")."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, pred, target):
        return F.l1_loss(pred, target, self.reduction)


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
    return total * (0.5 * reg if half else reg)      # a Value reg stays differentiable


def l1_regularization(params, reg: float):
    """``reg · Σ |w|`` over ``params``. ``l1_regularization([gg.Value([1.0, -2.0])], 0.1).item()`` is 0.3."""
    params = [as_value(p) for p in params]
    if not params:
        raise ValueError("l1_regularization: no parameters given")
    total = None
    for p in params:
        s = p.abs().sum()
        total = s if total is None else total + s
    return total * reg
