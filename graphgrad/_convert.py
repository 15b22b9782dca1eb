"""User data to graphgrad's two data kinds: a Python float (float64 scalars, the fast path)
or a numpy array, with one clear sentence for anything that is not numbers.

This module only converts and validates; it knows nothing of graphs (``value.py`` builds
nodes, ``ops/`` computes).
"""
from __future__ import annotations

import numpy as np

from .ops.base import data_of

_F64 = np.dtype(np.float64)


def to_data(data, dtype=None, where: str = "Value", keep_int: bool = False, keep_int_arrays: bool = False):
    """Validate and convert user data: floats stay floats, everything else an array.

    Without ``dtype`` (and the two ``keep_*`` flags), integers and booleans become float64. An explicit integer or bool ``dtype`` is kept, as
    numpy would (``Value([1.5], dtype=np.int32)`` holds int32 [1]); such a Value is data,
    not differentiable (``requires_grad=True`` is refused). ``keep_int=True`` keeps the
    integer or bool dtype numpy gives the data (how an array operand of an operator is
    lifted: ``int_value + np.array([1, 2])`` stays integer, as in numpy).
    ``keep_int_arrays=True`` does so for arrays and lists only (what ``Value(data)``
    without ``requires_grad`` does: ``Value([0, 2])`` is int64, ``Value(3)`` float64).

    >>> to_data(2.0), to_data([1, 2]).dtype, to_data([1.5], np.int32)
    (2.0, dtype('float64'), array([1], dtype=int32))
    """
    if getattr(type(data), "__graphgrad_value__", False):
        data = data_of(data)         # np.array below copies it: the new Value owns its data
    if data.__class__ is float and (dtype is None or np.dtype(dtype) == _F64):
        return data
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{where}: expected numbers, got the string {data!r:.40}")
    if type(data).__module__.startswith("numpy.ma"):
        raise TypeError(f"{where}: a numpy masked array's mask would be ignored; pass np.ma.filled(a, fill) "
                        "for plain numbers, or use gg.where(mask, x, fill) to mask a Value")
    try:
        arr = np.array(data, dtype=dtype) if dtype is not None else np.array(data)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{where}: cannot make numeric data from {type(data).__name__} ({e})") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{where}: complex numbers are not supported (got dtype {arr.dtype})")
    if kind in "biu":
        if dtype is not None or keep_int or (keep_int_arrays and arr.ndim):
            return arr
        arr = arr.astype(np.float64)
    elif kind != "f":
        raise TypeError(f"{where}: expected numeric data, got an array of dtype {arr.dtype}"
                        + (" (ragged nested lists or non-numbers)" if kind == "O" else ""))
    if arr.ndim == 0 and arr.dtype == _F64:
        return float(arr)
    return arr
