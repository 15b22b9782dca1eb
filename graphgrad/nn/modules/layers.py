"""Layers: Linear, BatchNorm, Dropout, Flatten, and the conv and pooling layers (from
``modules/conv.py`` and ``modules/pool.py``), with PyTorch names and arguments.

Weights come from :mod:`graphgrad.nn.init` with a seeded generator: pass ``rng=`` (a
Generator or an int seed) or reseed the default with ``nn.init.manual_seed``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ...errors import ShapeError
from .. import functional as F
from .. import init as _init
from .conv import Conv1d, Conv2d, ConvTranspose2d  # noqa: F401
from .pool import AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d  # noqa: F401
from .module import Module, Parameter


def _count(v, name: str, where: str, low: int = 1) -> int:
    """A layer size as an int: one sentence for 0, negatives, floats and bools, where
    ``int()`` would silently truncate 2.5 or numpy would fail later with an odd shape."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        what = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise ValueError(f"{where}: {name} must be {what}, got {v!r}")
    return int(v)


class Linear(Module):
    """``y = x @ W + b`` with ``W`` of shape (in_features, out_features), cs231n's layout.

    ``init`` picks the weight scheme: "kaiming" (default, for ReLU nets), "xavier",
    "xavier_uniform", "small" (0.01·randn) or a callable ``(shape, rng=, dtype=) -> array``.

    >>> fc = Linear(4, 3, rng=0)
    >>> fc(gg.Value(np.ones((2, 4)))).shape, fc.weight.shape
    ((2, 3), (4, 3))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, init="kaiming",
                 rng=None, dtype=np.float64):
        super().__init__()
        self.in_features = _count(in_features, "in_features", "Linear")
        self.out_features = _count(out_features, "out_features", "Linear")
        rng = _init.get_rng(rng)
        self.weight = Parameter(_init.by_name(init, (self.in_features, self.out_features), rng, dtype),
                                name="W", default_name=True)
        self.bias = Parameter(_init.zeros(self.out_features, dtype), name="b", default_name=True) if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class _BatchNorm(Module):
    _ndim = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype=np.float64):
        super().__init__()
        where = type(self).__name__
        d = _count(num_features, "num_features", where)
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < math.inf:
            raise ValueError(f"{where}: eps must be a positive number, got {eps!r}")
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1:
            raise ValueError(f"{where}: momentum must be a number in [0, 1], got {momentum!r}")
        self.num_features, self.eps, self.momentum = d, float(eps), float(momentum)
        self.weight = Parameter(_init.ones(d, dtype), name="gamma", default_name=True) if affine else None
        self.bias = Parameter(_init.zeros(d, dtype), name="beta", default_name=True) if affine else None
        self.register_buffer("running_mean", np.zeros(d, dtype) if track_running_stats else None)
        self.register_buffer("running_var", np.ones(d, dtype) if track_running_stats else None)

    def forward(self, x):
        if getattr(x, "ndim", None) != self._ndim:
            want = "(N, D)" if self._ndim == 2 else "(N, C, H, W)"
            raise ShapeError(f"{type(self).__name__}: expected a {want} input, got shape {getattr(x, 'shape', None)}")
        training = self.training or self.running_mean is None
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            training=training, momentum=self.momentum, eps=self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, D) features, per feature over the batch.

    >>> bn = BatchNorm1d(3)
    >>> bn(gg.Value(np.random.default_rng(0).normal(5, 2, (8, 3)))).shape
    (8, 3)
    """

    _ndim = 2


class BatchNorm2d(_BatchNorm):
    """Spatial batch normalisation of (N, C, H, W), per channel over (N, H, W).

    >>> BatchNorm2d(4)(gg.Value(np.ones((2, 4, 3, 3)) + np.arange(9.).reshape(3, 3))).shape
    (2, 4, 3, 3)
    """

    _ndim = 4


class Dropout(Module):
    """Inverted dropout with drop probability ``p`` in training; the identity in eval mode.

    >>> d = Dropout(0.5, rng=0).eval(); d(gg.Value(np.ones(3))).numpy()
    array([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, rng=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = float(p)
        self.rng = _init.get_rng(rng) if rng is not None else None

    def forward(self, x):
        return F.dropout(x, self.p, self.training, rng=self.rng)

    def extra_repr(self):
        return f"p={self.p}"


class Flatten(Module):
    """Flatten all axes after the first: (N, C, H, W) → (N, C·H·W). ``Flatten()(x)``"""

    def forward(self, x):
        return x.reshape(x.shape[0], -1)


class Identity(Module):
    """Returns its input unchanged."""

    def forward(self, x):
        return x
