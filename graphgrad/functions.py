"""Ops that take several Values (or are nicer as functions): ``gg.maximum(x, y)``,
``gg.concatenate([a, b])``, ``gg.where(mask, x, y)`` ..."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from . import ops as _ops
from ._params import number
from .value import Value, _raw, apply_binary, as_value, record_node

if TYPE_CHECKING:                      # annotations only: no import cost at run time
    from numpy.typing import ArrayLike

    from ._types import Axis, Operand


def maximum(a: Operand, b: Operand) -> Value:
    """Elementwise max; on a tie each input gets half the gradient.

    >>> maximum(Value(2.0), Value(-1.0)).item()
    2.0
    """
    return apply_binary(_ops.MAXIMUM, as_value(a), as_value(b))


def minimum(a: Operand, b: Operand) -> Value:
    """Elementwise min; on a tie each input gets half the gradient.

    >>> minimum(Value(2.0), Value(-1.0)).item()
    -1.0
    """
    return apply_binary(_ops.MINIMUM, as_value(a), as_value(b))


# logaddexp, floor_divide, remainder and arctan2 are declared on their ops (ops/mathops.py,
# @export): gg.<name> and np.<name> on Values come from there

def where(cond: ArrayLike | Value, a: Operand, b: Operand) -> Value:
    """``a`` where ``cond`` holds, else ``b``; ``cond`` is a boolean array (not differentiated).

    >>> where(np.array([True, False]), Value([1., 2.]), 0.0).numpy()
    array([1., 0.])
    """
    cond = np.asarray(_raw(cond), dtype=bool)
    a, b = as_value(a), as_value(b)
    try:
        data = _ops.WHERE.forward(a._data, b._data, cond=cond)[0]
    except ValueError:
        raise _ops.tensor.ShapeError(
            f"where: condition {cond.shape}, x {a.shape} and y {b.shape} cannot be broadcast together") from None
    return record_node(_ops.WHERE, (a, b), data, attrs={"cond": cond})


def clip_values(x: Operand, lo, hi) -> Value:
    """``x.clip(lo, hi)`` where a bound is a Value, with torch.clamp's gradients: x gets 1
    where lo <= x <= hi, ``lo`` 1 per entry clipped up to it, ``hi`` 1 per entry clipped
    down to it (made of ``where`` gates, so it can be differentiated again).

    >>> lo = Value(0.0, requires_grad=True)
    >>> clip_values(Value([-1., 2.]), lo, 1.0).sum().backward(); float(lo.grad)
    1.0
    """
    out = x = as_value(x)
    if lo is not None:
        lo = as_value(lo)
        out = where(np.asarray(x._data < lo._data), lo, x)
    if hi is not None:
        hi = as_value(hi)
        out = where(np.asarray(out._data > hi._data), hi, out)
    return out


def concatenate(values: Sequence[Operand], axis: int = 0) -> Value:
    """Join Values along an existing axis.

    >>> concatenate([Value([1.]), Value([2., 3.])]).shape
    (3,)
    """
    vs = tuple(as_value(x) for x in values)
    if not vs:
        raise ValueError("concatenate: needs at least one Value")
    if axis is None:                     # numpy: flatten every input first
        vs, axis = tuple(v.reshape(-1) for v in vs), 0
    data = _ops.CONCATENATE.forward(*[v._data for v in vs], axis=axis)[0]
    return record_node(_ops.CONCATENATE, vs, data, attrs={"axis": axis})


def stack(values: Sequence[Operand], axis: int = 0) -> Value:
    """Join same-shaped Values along a new axis.

    >>> stack([Value([1., 2.]), Value([3., 4.])]).shape
    (2, 2)
    """
    vs = tuple(as_value(x) for x in values)
    if not vs:
        raise ValueError("stack: needs at least one Value")
    data = _ops.STACK.forward(*[v._data for v in vs], axis=axis)[0]
    return record_node(_ops.STACK, vs, data, attrs={"axis": axis})


def pad(x: Operand, pad_width: int | Sequence, value: float = 0.0) -> Value:
    """Pad with a constant, as ``np.pad(..., constant_values=value)``.

    >>> pad(Value([1., 2.]), 1).numpy()
    array([0., 1., 2., 0.])
    """
    x = as_value(x)
    value = number(value, "pad", "value")
    pad_width = _pad_width(pad_width)
    data = _ops.PAD.forward(x._data, pad_width=pad_width, value=value)[0]
    return record_node(_ops.PAD, (x,), data, attrs={"pad_width": pad_width, "value": value})


def _pad_width(pw):
    """``pad_width`` as numpy takes it, with whole numbers only (numpy would truncate 1.5)."""
    arr = np.asarray(pw, dtype=object)
    for w in arr.reshape(-1):
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 0:
            raise TypeError(f"pad: pad_width must hold non-negative whole numbers (an int, a (before, after) "
                            f"pair, or one pair per axis), got {pw!r:.60}")
    return pw


def _method(name: str, doc: str) -> Callable[..., Value]:
    def f(x: Operand, *args, **kwargs) -> Value:
        return getattr(as_value(x), name)(*args, **kwargs)
    f.__name__ = name
    f.__doc__ = doc
    return f


# gg.exp, gg.log, ... (one per unary op with a public name) are made in numeric.py from
# the op registry, with the functions of the @export declarations
clip = _method("clip", "Clamp to [lo, hi]: ``gg.clip(x, 0, 1)``.")
reshape = _method("reshape", "``gg.reshape(x, (2, 3))``.")
transpose = _method("transpose", "``gg.transpose(x)`` reverses the axes.")


def matmul(a: Operand, b: Operand) -> Value:
    """``a @ b`` (batched over leading axes). ``matmul(Value([[1., 2.]]), Value([[3.], [4.]])).item() == 11.0``"""
    return as_value(a) @ b


def sum(x: Operand, axis: Axis = None, keepdims: bool = False) -> Value:  # noqa: A001 - mirrors numpy's name
    """``gg.sum(x, axis=0)``."""
    return as_value(x).sum(axis, keepdims)


def mean(x: Operand, axis: Axis = None, keepdims: bool = False) -> Value:
    """``gg.mean(x, axis=0)``."""
    return as_value(x).mean(axis, keepdims)
