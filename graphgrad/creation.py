"""New leaf Values from a shape or a range: ``gg.zeros``, ``ones``, ``full`` (and their
``_like`` forms), ``eye``, ``arange``, ``linspace``.

All take ``dtype=`` (float64 by default; an explicit integer or bool dtype is kept, as
``Value(..., dtype=...)`` does, and such a Value cannot require grad), ``requires_grad=``
and ``name=``. Sizes must be non-negative integers: ``zeros(2.5)`` or ``zeros(-1)`` raise
one clear sentence instead of numpy's.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ._params import number
from ._dispatch import implements
from .ops.base import as_data, is_int
from .value import Value, as_value, new_leaf

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

_F64 = np.dtype(np.float64)


def _size(n, op: str, what: str = "size") -> int:
    if not is_int(n):
        raise TypeError(f"{op}: {what} must be a non-negative integer, got {n!r}")
    if n < 0:
        raise ValueError(f"{op}: {what} must be non-negative, got {n}")
    return int(n)


def _shape(shape, op: str) -> tuple:
    """``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros([2, 3])`` and ``zeros(3)`` all read as a shape."""
    if len(shape) == 1 and not is_int(shape[0]):
        shape = shape[0]
        if isinstance(shape, Value) or isinstance(shape, np.ndarray) and shape.ndim != 1:
            raise TypeError(f"{op}: the shape must be integers or a tuple of integers, got {shape!r:.60}")
        if is_int(shape):
            shape = (shape,)
        else:
            try:
                shape = tuple(shape)
            except TypeError:
                raise TypeError(f"{op}: the shape must be integers or a tuple of integers, "
                                f"got {shape!r:.60}") from None
    return tuple(_size(n, op, f"every size in the shape {tuple(shape)!r}") for n in shape)


def _dtype(dtype, requires_grad: bool, op: str, default=_F64) -> np.dtype:
    if not isinstance(requires_grad, (bool, np.bool_)):     # bool('False') would be True
        raise TypeError(f"{op}: requires_grad must be True or False, got {requires_grad!r:.40} "
                        f"({type(requires_grad).__name__})")
    try:
        dt = default if dtype is None else np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a numpy dtype (use e.g. np.float32)") from None
    if dt.kind not in "biuf":
        raise TypeError(f"{op}: dtype {dt} is not supported (use a float, integer or bool dtype)")
    if requires_grad and dt.kind != "f":
        raise TypeError(f"{op}: only floating-point data can require grad, got dtype {dt}; "
                        "pass a float dtype (e.g. np.float64) or leave requires_grad=False")
    return dt


def _new(data: np.ndarray, requires_grad: bool, name) -> Value:
    return new_leaf(as_data(data), None if name is None else str(name), bool(requires_grad))


def _number(x, op: str, what: str):
    """A real number argument (a Python or numpy number, or a one-entry Value)."""
    if isinstance(x, Value):
        if x.requires_grad:
            number(x, op, what)          # raises: the result would not depend on x
        if x.size != 1:
            raise TypeError(f"{op}: {what} must be a number, got a Value of shape {x.shape}")
        x = x.item()
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {what} must be a real number, got {x!r:.60}")
    return x


def zeros(*shape, dtype: DTypeLike = None, requires_grad: bool = False, name: str | None = None) -> Value:
    """A Value of zeros; the shape as numpy (``zeros((2, 3))``) or PyTorch (``zeros(2, 3)``) writes it.

    >>> zeros(2, 3).shape, zeros((2,), dtype=np.int64).dtype
    ((2, 3), dtype('int64'))
    """
    dt = _dtype(dtype, requires_grad, "zeros")
    return _new(np.zeros(_shape(shape, "zeros"), dtype=dt), requires_grad, name)


def ones(*shape, dtype: DTypeLike = None, requires_grad: bool = False, name: str | None = None) -> Value:
    """A Value of ones. ``ones(2).numpy()`` is ``array([1., 1.])``.

    >>> ones(2, 2, requires_grad=True).requires_grad
    True
    """
    dt = _dtype(dtype, requires_grad, "ones")
    return _new(np.ones(_shape(shape, "ones"), dtype=dt), requires_grad, name)


def _fill(fill_value, dt: np.dtype, op: str):
    if isinstance(fill_value, (bool, np.bool_)):      # full(shape, True, dtype=bool): a mask
        return bool(fill_value)
    v = _number(fill_value, op, "fill_value")
    if dt.kind in "biu":
        if not math.isfinite(v):
            raise ValueError(f"{op}: fill_value {v} cannot be stored in an integer dtype ({dt})")
        info = np.iinfo(dt) if dt.kind != "b" else None
        if info is not None and not info.min <= v <= info.max:
            raise ValueError(f"{op}: fill_value {v} does not fit dtype {dt} "
                             f"(range {info.min} .. {info.max})")
    return v


def full(shape, fill_value, dtype: DTypeLike = None, requires_grad: bool = False,
         name: str | None = None) -> Value:
    """A Value of ``shape`` with every entry ``fill_value`` (float64 unless ``dtype`` says).

    >>> full((2,), 7).numpy()
    array([7., 7.])
    """
    dt = _dtype(dtype, requires_grad, "full")
    v = _fill(fill_value, dt, "full")
    return _new(np.full(_shape((shape,), "full"), v, dtype=dt), requires_grad, name)


def _like(x, dtype, requires_grad: bool, op: str):
    """Shape and dtype of a Value or array: a Value's dtype is kept; a raw array's float
    dtype too, while its ints and bools become float64 (as ``Value(array)`` would)."""
    if isinstance(x, Value):
        shape, own = x.shape, x.dtype
    else:
        if isinstance(x, (str, bytes)):
            raise TypeError(f"{op}: expected a Value or an array, got the string {x!r:.40}")
        try:
            a = np.asarray(x)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{op}: expected a Value or an array, got {type(x).__name__} ({e})") from None
        if a.dtype.kind not in "biuf":
            raise TypeError(f"{op}: expected numeric data, got an array of dtype {a.dtype}")
        shape, own = a.shape, (a.dtype if a.dtype.kind == "f" else _F64)
    return shape, _dtype(dtype, requires_grad, op, default=own)


def zeros_like(x, dtype: DTypeLike = None, requires_grad: bool = False, name: str | None = None) -> Value:
    """Zeros of ``x``'s shape and (float) dtype; ``x`` a Value or an array.

    >>> zeros_like(Value(np.ones((2, 3), np.float32))).dtype
    dtype('float32')
    """
    shape, dt = _like(x, dtype, requires_grad, "zeros_like")
    return _new(np.zeros(shape, dtype=dt), requires_grad, name)


def ones_like(x, dtype: DTypeLike = None, requires_grad: bool = False, name: str | None = None) -> Value:
    """Ones of ``x``'s shape and (float) dtype. ``ones_like([[1, 2]]).shape == (1, 2)``

    >>> ones_like(np.zeros(3)).numpy()
    array([1., 1., 1.])
    """
    shape, dt = _like(x, dtype, requires_grad, "ones_like")
    return _new(np.ones(shape, dtype=dt), requires_grad, name)


def full_like(x, fill_value, dtype: DTypeLike = None, requires_grad: bool = False,
              name: str | None = None) -> Value:
    """``fill_value`` everywhere, in ``x``'s shape and (float) dtype.

    >>> full_like(np.zeros(2), 0.5).numpy()
    array([0.5, 0.5])
    """
    shape, dt = _like(x, dtype, requires_grad, "full_like")
    v = _fill(fill_value, dt, "full_like")
    return _new(np.full(shape, v, dtype=dt), requires_grad, name)


def eye(n: int, m: int | None = None, k: int = 0, dtype: DTypeLike = None, requires_grad: bool = False,
        name: str | None = None) -> Value:
    """An ``n`` x ``m`` matrix (square by default) with ones on diagonal ``k``.

    >>> eye(2).numpy()
    array([[1., 0.],
           [0., 1.]])
    """
    n = _size(n, "eye", "n (the number of rows)")
    m = n if m is None else _size(m, "eye", "m (the number of columns)")
    if not is_int(k):
        raise TypeError(f"eye: the diagonal k must be an integer, got {k!r}")
    dt = _dtype(dtype, requires_grad, "eye")
    return _new(np.eye(n, m, int(k), dtype=dt), requires_grad, name)


_MAX_ENTRIES = 2 ** 31     # a range this long is a typo (a step of 1e-12), not a tensor


def arange(start, stop=None, step=1, dtype: DTypeLike = None, requires_grad: bool = False,
           name: str | None = None) -> Value:
    """Evenly spaced numbers in [start, stop), as ``np.arange``; float64 unless ``dtype`` says.

    >>> arange(3).numpy(), arange(1, 2, 0.5).numpy()
    (array([0., 1., 2.]), array([1. , 1.5]))
    """
    if stop is None:
        start, stop = 0, start
    start = _number(start, "arange", "start")
    stop = _number(stop, "arange", "stop")
    step = _number(step, "arange", "step")
    for what, v in (("start", start), ("stop", stop), ("step", step)):
        if not math.isfinite(v):
            raise ValueError(f"arange: {what} must be finite, got {v}")
    if step == 0:
        raise ValueError(f"arange: step must not be 0 (start {start}, stop {stop})")
    dt = _dtype(dtype, requires_grad, "arange")
    if dt.kind in "biu" and not all(float(v).is_integer() for v in (start, stop, step)):
        # numpy would compute the length in floats and the entries in ints: arange(0, 1, 0.5,
        # dtype=int) is [0, 0]
        raise ValueError(f"arange: with integer dtype {dt}, start, stop and step must be whole "
                         f"numbers, got {start}, {stop}, {step}")
    count = math.ceil((stop - start) / step)
    if count > _MAX_ENTRIES:
        raise ValueError(f"arange: start {start}, stop {stop}, step {step} make {count} entries; "
                         "check the step")
    return _new(np.arange(start, stop, step, dtype=dt), requires_grad, name)


def linspace(start, stop, num: int = 50, endpoint: bool = True, dtype: DTypeLike = None,
             requires_grad: bool = False, name: str | None = None) -> Value:
    """``num`` evenly spaced numbers from ``start`` to ``stop`` (included unless ``endpoint=False``).

    >>> linspace(0, 1, 5).numpy()
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    start = _number(start, "linspace", "start")
    stop = _number(stop, "linspace", "stop")
    for what, v in (("start", start), ("stop", stop)):
        if not math.isfinite(v):
            raise ValueError(f"linspace: {what} must be finite, got {v}")
    num = _size(num, "linspace", "num (the number of points)")
    dt = _dtype(dtype, requires_grad, "linspace")
    return _new(np.linspace(start, stop, num, endpoint=bool(endpoint), dtype=dt), requires_grad, name)



@implements(np.linspace)
def _linspace_of_values(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0,
                        *, device=None):
    """``np.linspace`` with a Value ``start`` or ``stop``: start + i·step, recorded, so the
    points are differentiable in both ends (the last one is ``stop`` itself, as numpy).

    >>> a = gg.Value(1.0, requires_grad=True)
    >>> np.linspace(a, 2.0, 3).numpy()
    array([1. , 1.5, 2. ])
    >>> np.linspace(gg.Value([0.0, 10.0]), 1.0, 3, axis=-1).shape
    (2, 3)
    """
    from .ops.shape import concatenate
    num = _size(num, "linspace", "num (the number of points)")
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise TypeError(f"np.linspace: dtype={np.dtype(dtype)} of Values has no gradient; pass "
                        "v.numpy() for integer points, or leave dtype out")
    start, stop = as_value(start), as_value(stop)
    shape = np.broadcast_shapes(start.shape, stop.shape)
    nd = len(shape) + 1                      # the result's dimensions: the points' axis and the ends'
    if not is_int(axis) or not -nd <= axis < nd:
        raise np.exceptions.AxisError(f"np.linspace: axis={axis!r} is not an axis of the result, which has "
                                      f"{nd} dimension(s) (ends of shape {shape}); pass -{nd} to {nd - 1}")
    t = np.arange(num, dtype=np.float64).reshape((num,) + (1,) * len(shape))
    div = num - 1 if endpoint else num
    if div > 0:
        step = (stop - start) / div
        y = start + t * step
    else:                                   # one point (or none): start, and numpy's nan step
        step = (stop - start) * np.nan
        y = start + t * 0.0
    if endpoint and num > 1:
        last = stop if stop.shape == shape else stop.broadcast_to(shape)
        y = concatenate([y[:-1], last[None]], axis=0)
    if axis % nd:                            # the points along another axis, as numpy puts them
        y = np.moveaxis(y, 0, int(axis))
    return (y, step) if retstep else y
