"""Comparison and logic: ``gg.isnan isinf isfinite isclose any all logical_and
logical_or logical_xor logical_not`` and their Value methods (``v.isnan()``, ``v.any()``...).

Like ``==`` and ``<`` on Values, none of these is differentiable and none makes a node:
they take Values, arrays or numbers and return plain numpy data (``np.bool_`` for a
scalar, a bool array otherwise), which works directly as a mask in ``gg.where``,
``gg.masked_fill`` and ``x[mask]``. Values keep hashing by identity (``__hash__`` is
``object.__hash__``), so the elementwise ``==`` never gets in the way of dict keys.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import HANDLED
from ..errors import ShapeError
from .base import V, data_of, norm_axis
from .export import as_method, value_attr


def _d(x):
    """Raw data of a Value (arrays as they are, a float64 scalar as a 0-d array)."""
    if isinstance(x, V.Value):
        d = data_of(x)
        return np.float64(d) if d.__class__ is float else d
    return x


def _shape(x):
    return np.shape(_d(x))


def isnan(x):
    """Where ``x`` is NaN (a bool array; ``np.bool_`` for a scalar).

    >>> isnan(gg.Value([1., np.nan]))
    array([False,  True])
    """
    return np.isnan(_d(x))


def isinf(x):
    """Where ``x`` is +inf or -inf.

    >>> isinf(gg.Value([1., -np.inf]))
    array([False,  True])
    """
    return np.isinf(_d(x))


def isfinite(x):
    """Where ``x`` is neither NaN nor inf.

    >>> isfinite(gg.Value([1., np.nan, np.inf]))
    array([ True, False, False])
    """
    return np.isfinite(_d(x))


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Where ``|a - b| <= atol + rtol * |b|`` (numpy's and torch's rule and defaults);
    NaNs are equal only with ``equal_nan=True``. Shapes broadcast.

    >>> isclose(gg.Value([1.0, 2.0]), [1.0 + 1e-9, 2.1])
    array([ True, False])
    """
    try:
        return np.isclose(_d(a), _d(b), rtol=rtol, atol=atol, equal_nan=bool(equal_nan))
    except ValueError:
        raise ShapeError(f"isclose: shapes {_shape(a)} and {_shape(b)} cannot be broadcast together") from None


def _reduce(f, x, axis, keepdims, name):
    d = _d(x)
    axis = norm_axis(axis, np.ndim(d), name)
    return f(d, axis=axis, keepdims=bool(keepdims))


def any(x, axis=None, keepdims: bool = False):  # noqa: A001 - numpy's name
    """Whether any entry is nonzero (True), over ``axis`` (all entries by default).

    >>> any(gg.Value([[0., 1.], [0., 0.]]), axis=1)
    array([ True, False])
    """
    return _reduce(np.any, x, axis, keepdims, "any")


def all(x, axis=None, keepdims: bool = False):  # noqa: A001 - numpy's name
    """Whether every entry is nonzero (True), over ``axis`` (all entries by default).

    >>> all(gg.Value([[1., 1.], [0., 1.]]), axis=1)
    array([ True, False])
    """
    return _reduce(np.all, x, axis, keepdims, "all")


def _logical(f, name):
    def g(a, b):
        try:
            return f(_d(a), _d(b))
        except ValueError:
            raise ShapeError(f"{name}: shapes {_shape(a)} and {_shape(b)} cannot be broadcast together") from None
    g.__name__ = g.__qualname__ = name
    return g


logical_and = _logical(np.logical_and, "logical_and")
logical_and.__doc__ = """Elementwise ``a and b`` (nonzero is True).

    >>> logical_and(gg.Value([1., 0., 2.]), [True, True, False])
    array([ True, False, False])
    """
logical_or = _logical(np.logical_or, "logical_or")
logical_or.__doc__ = """Elementwise ``a or b`` (nonzero is True).

    >>> logical_or(gg.Value([1., 0., 0.]), [False, True, False])
    array([ True,  True, False])
    """
logical_xor = _logical(np.logical_xor, "logical_xor")
logical_xor.__doc__ = """Elementwise ``a != b`` as truth values (nonzero is True).

    >>> logical_xor(gg.Value([1., 0., 1.]), [True, True, False])
    array([False,  True,  True])
    """


def logical_not(x):
    """Elementwise ``not x`` (nonzero is True).

    >>> logical_not(gg.Value([1., 0.]))
    array([False,  True])
    """
    return np.logical_not(_d(x))


# ---------------------------------------------------------------- Value methods and operators
def _bitwise(f, sym, reflected=False):
    """``&``, ``|``, ``^`` on Values: numpy's (logical on bools, bitwise on ints), plain data."""
    def op(self, other):
        a, b = (_d(other), _d(self)) if reflected else (_d(self), _d(other))
        try:
            return f(a, b)
        except TypeError:
            raise TypeError(f"'{sym}' needs bool or integer operands, got dtypes "
                            f"{np.result_type(a).name} and {np.result_type(b).name}; for float masks "
                            f"compare first, e.g. (x > 0) {sym} (x < 1), or use gg.logical_*") from None
        except ValueError:
            raise ShapeError(f"'{sym}': shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together") from None
    return op


def _invert(self):
    d = _d(self)
    try:
        return np.invert(d)
    except TypeError:
        raise TypeError(f"'~' needs a bool or integer Value, got dtype {np.result_type(d).name}; "
                        "use gg.logical_not(x) or x == 0") from None


for _f in (isnan, isinf, isfinite, isclose, any, all, logical_and, logical_or, logical_xor, logical_not):
    value_attr(_f.__name__, as_method(_f))
for _name, _ufunc, _sym in (("and", np.bitwise_and, "&"), ("or", np.bitwise_or, "|"),
                            ("xor", np.bitwise_xor, "^")):
    value_attr(f"__{_name}__", _bitwise(_ufunc, _sym), replace=True)
    value_attr(f"__r{_name}__", _bitwise(_ufunc, _sym, reflected=True), replace=True)
value_attr("__invert__", _invert, replace=True)
# numpy's own operators with a Value on the right (np_mask ^ v) come here too: plain data
HANDLED[np.bitwise_and] = _bitwise(np.bitwise_and, "&")
HANDLED[np.bitwise_or] = _bitwise(np.bitwise_or, "|")
HANDLED[np.bitwise_xor] = _bitwise(np.bitwise_xor, "^")
HANDLED[np.invert] = _invert
