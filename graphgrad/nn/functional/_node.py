"""How the fused ops of ``graphgrad.nn`` become graph nodes.

``gg.apply`` stores the keyword arguments of ``forward`` as the node's display
attributes; fused layers need forward arguments that are not for display (label
arrays, masks), so they record nodes here: the data is computed first, then the node
is made with the attributes chosen for diagrams and the buffers backward needs.
"""
from __future__ import annotations

import numpy as np

from ..._state import switches
from ...value import Value, _lift, _make
from ...ops.base import as_data


def as_value(x) -> Value:
    """A Value as is; numbers and arrays become constant leaves."""
    return x if isinstance(x, Value) else _lift(x)


def needs_grad(*values) -> bool:
    """True when recording is on and some input requires grad (so saved buffers matter)."""
    if not switches().grad_enabled:
        return False
    for v in values:
        if v is not None and v.requires_grad:
            return True
    return False


def record(op, inputs, data, saved=None, attrs=None) -> Value:
    """Wrap ``data`` computed by ``op`` from ``inputs`` in a Value (records the node if needed)."""
    return _make(as_data(data), op, tuple(inputs), saved, attrs)


def array_of(x, where: str) -> np.ndarray:
    """The numpy data of a Value (or array-like), as an array; ``where`` names the caller."""
    d = x._data if isinstance(x, Value) else x
    if d.__class__ is float:
        return np.asarray(d)
    if not isinstance(d, np.ndarray):
        try:
            d = np.asarray(d, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: expected a Value or numeric array, got {type(x).__name__}") from None
    return d
