"""Activations as modules: Sigmoid, Tanh, ReLU, LeakyReLU, PReLU (learnable α), ELU, Maxout, Softmax,
and torch's Softplus, GELU, SiLU, SELU, CELU, Mish, Hardsigmoid, Hardswish, Hardtanh, ReLU6,
LogSigmoid, Softsign, Softmin (same argument names and defaults, checked when built).

>>> act = LeakyReLU(0.1)
>>> act(gg.Value([-1.0, 2.0])).numpy()
array([-0.1,  2. ])
"""
from __future__ import annotations

import numpy as np

from ...ops import activation as _act
from ..._params import number
from .. import functional as F
from .. import init as _init
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
        self.negative_slope = number(negative_slope, "LeakyReLU", "negative_slope")

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
        self.alpha = number(alpha, "ELU", "alpha")

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


class Softmin(Module):
    """Softmin along ``dim`` (default the last axis, like Softmax here; torch's implicit
    dim=None choice is not copied)."""

    def __init__(self, dim: int = -1):
        super().__init__()
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"Softmin: dim must be an int, got {dim!r}")
        self.dim = int(dim)

    def forward(self, x):
        return F.softmin(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softplus(Module):
    """log(1 + e^(βx))/β, linear where βx > threshold.

    >>> Softplus(beta=2.0)
    Softplus(beta=2.0, threshold=20.0)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = _act.check_softplus(beta, threshold, "Softplus")

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """x·Φ(x); ``approximate="tanh"`` for the tanh formula."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = _act.check_gelu(approximate, "GELU")

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class CELU(Module):
    """x if x > 0 else α(e^(x/α) - 1)."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = _act.check_celu(alpha, "CELU")

    def forward(self, x):
        return F.celu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0):
        super().__init__()
        self.min_val, self.max_val = _act.check_hardtanh(min_val, max_val, "Hardtanh")

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


def _plain(name, fn, doc):
    """A parameter-free activation module calling ``fn``."""
    def forward(self, x):
        return fn(x)
    return type(name, (Module,), {"__doc__": doc, "forward": forward, "__module__": __name__})


SiLU = _plain("SiLU", F.silu, "x·σ(x) (swish).")
SELU = _plain("SELU", F.selu, "scale·ELU(x, α) with the self-normalising constants.")
Mish = _plain("Mish", F.mish, "x·tanh(softplus(x)).")
Hardsigmoid = _plain("Hardsigmoid", F.hardsigmoid, "relu6(x + 3)/6.")
Hardswish = _plain("Hardswish", F.hardswish, "x·relu6(x + 3)/6.")
LogSigmoid = _plain("LogSigmoid", F.logsigmoid, "log σ(x), stable for large |x|.")
Softsign = _plain("Softsign", F.softsign, "x/(1 + |x|).")
ReLU6 = _plain("ReLU6", F.relu6, "min(max(x, 0), 6).")
