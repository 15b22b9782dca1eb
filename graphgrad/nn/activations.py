"""Activations as modules: Sigmoid, Tanh, ReLU, LeakyReLU, PReLU (learnable α), ELU, Maxout, Softmax.

>>> act = LeakyReLU(0.1)
>>> act(gg.Value([-1.0, 2.0])).numpy()
array([-0.1,  2. ])
"""
from __future__ import annotations

import numpy as np

from . import functional as F
from . import init as _init
from .module import Module, Parameter


class ReLU(Module):
    """max(0, x)."""

    def forward(self, x):
        return F.relu(x)


class Sigmoid(Module):
    """σ(x); ``expand=True`` builds the lecture's four-gate version."""

    def __init__(self, expand: bool | None = None):
        super().__init__()
        self.expand = expand

    def forward(self, x):
        return F.sigmoid(x, expand=self.expand)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x):
        return F.tanh(x)


class LeakyReLU(Module):
    """x if x > 0 else slope·x (slope 0.01 by default)."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Leaky ReLU whose slope α is learned: one α, or one per channel (``num_parameters``).

    >>> PReLU(init=0.25)(gg.Value([-2.0])).numpy()
    array([-0.5])
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype=np.float64):
        super().__init__()
        self.weight = Parameter(_init.constant(int(num_parameters), init, dtype), name="alpha", default_name=True)

    def forward(self, x):
        return F.prelu(x, self.weight)


class ELU(Module):
    """x if x > 0 else α(eˣ - 1)."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x):
        return F.elu(x, self.alpha)


class Maxout(Module):
    """Maxout unit layer: ``out_features`` units, each the max of ``pieces`` linear functions.

    >>> Maxout(3, 4, pieces=2, rng=0)(gg.Value(np.ones((5, 3)))).shape
    (5, 4)
    """

    def __init__(self, in_features: int, out_features: int, pieces: int = 2, init="xavier", rng=None,
                 dtype=np.float64):
        super().__init__()
        self.pieces = int(pieces)
        rng = _init.get_rng(rng)
        self.weight = Parameter(_init.by_name(init, (in_features, out_features * pieces), rng, dtype), name="W", default_name=True)
        self.bias = Parameter(_init.zeros(out_features * pieces, dtype), name="b", default_name=True)

    def forward(self, x):
        return F.maxout(x, self.weight, self.bias, self.pieces)


class Softmax(Module):
    """Softmax along ``dim`` (default the last axis)."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)
