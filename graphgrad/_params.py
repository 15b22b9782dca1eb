"""Number parameters of ops (``softplus(beta=)``, ``elu(alpha=)``, ``pad(value=)``, ``eps``, ...).

Such a parameter is a constant of the op's gate: its derivative is not part of the op's
backward (PyTorch takes a plain number there too). A Value that requires grad passed
there would silently become a constant and its gradient would stay None, so it is
refused with one sentence; a Value that does not require grad is just its number.
"""
from __future__ import annotations

import math


def number(x, where: str, what: str) -> float:
    """``x`` as a float for parameter ``what`` of op ``where``, or one clear error.

    >>> number(0.5, "elu", "alpha"), number(2, "pad", "value")
    (0.5, 2.0)
    """
    if getattr(type(x), "__graphgrad_value__", False):
        if x.requires_grad:
            raise TypeError(f"{where}: {what} is a Value that requires grad, but {what} is a constant of the "
                            f"op (its gradient would be silently lost); pass {what}.item() to use its current "
                            f"number, or build the formula from Value ops to learn {what}")
        if x.size != 1:
            raise TypeError(f"{where}: {what} must be one number, got a Value of shape {x.shape}")
        return x.item()
    if isinstance(x, (bool, str, bytes)) or not hasattr(x, "__float__"):
        raise TypeError(f"{where}: {what} must be a real number, got {x!r:.40} ({type(x).__name__})")
    try:
        return float(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{where}: {what} must be one real number, got {type(x).__name__} ({e})") from None


def finite(x, where: str, what: str) -> float:
    """:func:`number`, also refusing nan and ±inf. ``finite(1e-5, "batch_norm", "eps") == 1e-5``"""
    v = number(x, where, what)
    if not math.isfinite(v):
        raise ValueError(f"{where}: {what} must be a finite number, got {v}")
    return v
