"""The activations with a parameter as functions: ``gg.softplus``, ``gg.gelu``, ``gg.celu``,
``gg.hardtanh``. (The parameter-free ones -- ``gg.silu``, ``gg.selu``, ``gg.mish``,
``gg.hardsigmoid``, ``gg.hardswish``, ``gg.logsigmoid``, ``gg.softsign``, ``gg.relu6`` --
are made from their ops' method names, like ``gg.tanh``.)

Each is one gate whose attributes show on diagrams; arguments are torch's, checked here
so a bad one is one clear sentence rather than a nan later.

>>> import graphgrad as gg
>>> round(gg.softplus(gg.Value(0.0)).item(), 4)
0.6931
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import ops as _ops
from ._params import number
from .value import Value, _lift, _unary

if TYPE_CHECKING:
    from ._types import Operand


def _v(x):
    return x if isinstance(x, Value) else _lift(x)


def _number(x, what: str) -> float:
    """``x`` as a float, or a TypeError naming the argument (bools, strings and Values that
    require grad are refused: see ``_params``). ``what`` is "op: argument"."""
    where, _, name = what.partition(": ")
    return number(x, where, name)


def check_softplus(beta, threshold, where: str = "softplus") -> tuple[float, float]:
    """Validated (beta, threshold): beta finite and nonzero, threshold not nan."""
    b, t = _number(beta, f"{where}: beta"), _number(threshold, f"{where}: threshold")
    if b == 0.0 or not math.isfinite(b):
        raise ValueError(f"{where}: beta must be a finite nonzero number (softplus divides by it), got {beta!r}")
    if math.isnan(t):
        raise ValueError(f"{where}: threshold must be a number, got nan")
    return b, t


def check_celu(alpha, where: str = "celu") -> float:
    """Validated alpha: finite and nonzero (negative is allowed, as in torch)."""
    a = _number(alpha, f"{where}: alpha")
    if a == 0.0 or not math.isfinite(a):
        raise ValueError(f"{where}: alpha must be a finite nonzero number (CELU divides by it), got {alpha!r}")
    return a


def check_gelu(approximate, where: str = "gelu") -> str:
    """Validated approximate: "none" or "tanh"."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{where}: approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate


def check_hardtanh(min_val, max_val, where: str = "hardtanh") -> tuple[float, float]:
    """Validated (min_val, max_val) with min_val < max_val."""
    lo, hi = _number(min_val, f"{where}: min_val"), _number(max_val, f"{where}: max_val")
    if not lo < hi:
        raise ValueError(f"{where}: min_val must be less than max_val, got min_val={min_val!r}, "
                         f"max_val={max_val!r}")
    return lo, hi


def softplus(x: Operand, beta: float = 1.0, threshold: float = 20.0) -> Value:
    """log(1 + e^(βx))/β, and x where βx > threshold (as torch), as one gate.

    >>> softplus(gg.Value([0.0, 30.0])).numpy().round(4)
    array([ 0.6931, 30.    ])
    """
    b, t = check_softplus(beta, threshold)
    return _unary(_ops.SOFTPLUS, _v(x), beta=b, threshold=t)


def gelu(x: Operand, approximate: str = "none") -> Value:
    """x·Φ(x) with Φ the standard normal CDF; ``approximate="tanh"`` is torch's tanh formula.

    >>> round(gelu(gg.Value(1.0)).item(), 4), round(gelu(gg.Value(1.0), approximate="tanh").item(), 4)
    (0.8413, 0.8412)
    """
    return _unary(_ops.GELU, _v(x), approximate=check_gelu(approximate))


def celu(x: Operand, alpha: float = 1.0) -> Value:
    """x if x > 0 else α(e^(x/α) - 1), as one gate ``CELU(α)``.

    >>> round(celu(gg.Value(-1.0), alpha=2.0).item(), 4)
    -0.7869
    """
    return _unary(_ops.CELU, _v(x), alpha=check_celu(alpha))


def hardtanh(x: Operand, min_val: float = -1.0, max_val: float = 1.0) -> Value:
    """clamp(x, min_val, max_val); gradient 1 strictly between the bounds, 0 at them (as torch).

    >>> hardtanh(gg.Value([-2.0, 0.5, 2.0])).numpy()
    array([-1. ,  0.5,  1. ])
    """
    lo, hi = check_hardtanh(min_val, max_val)
    return _unary(_ops.HARDTANH, _v(x), min_val=lo, max_val=hi)
