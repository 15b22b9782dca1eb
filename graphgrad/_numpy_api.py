"""numpy's protocols on Value: ``np.exp(v)``, ``np.where(m, v, 0)``, ``np.sum(v)`` run graphgrad ops.

np.split, np.squeeze, np.expand_dims, np.flip, np.roll, np.tile, np.repeat, np.tril/triu,
np.diag and np.diagonal are registered with the shape ops, in ops/shape.py.

Attached here (not in value.py) because the handlers need graphgrad's functions, which
import value.py. Each op module may add its own with ``@implements`` (see _dispatch.py).
A numpy function with no graphgrad op refuses a Value (a TypeError naming it) rather than
return a constant that silently has no gradient; shape/dtype queries and boolean tests
(comparisons, isnan, ...), whose results carry no gradient, run on the raw data.
"""
from __future__ import annotations

import numpy as np

from . import ops as _ops
from ._dispatch import HANDLED, RAW_FUNCTIONS, implements, name_of, raw, refuse
from .ops.arithmetic import maximum, minimum, where
from .ops.base import norm_axis
from .ops.shape import concatenate, stack
from .value import Value, as_value


def _raw(x):
    if isinstance(x, Value):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_raw(i) for i in x)
    return x


def _no_graph_op(f) -> TypeError:
    return TypeError(f"{name_of(f)} has no graphgrad op, so a Value cannot pass through it without "
                     "losing its gradient; use a graphgrad function (gg.*, Value methods), or pass "
                     "v.numpy() to compute a constant")


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method != "__call__":
        raise TypeError(f"np.{ufunc.__name__}.{method} is not supported on Values; use the graphgrad "
                        "function (e.g. v.sum() for np.add.reduce) or pass v.numpy()")
    if kwargs.get("out") is not None:
        raise TypeError(f"np.{ufunc.__name__}(..., out=...): a Value cannot be written in place; "
                        "use the returned Value instead")
    fn = HANDLED.get(ufunc)
    if fn is None:
        if ufunc in RAW_FUNCTIONS or (ufunc.types and all(t.endswith("?") for t in ufunc.types)):
            return ufunc(*_raw(inputs), **kwargs)
        raise _no_graph_op(ufunc)
    refuse(ufunc.__name__, **kwargs)       # out= was refused above with its own sentence
    return fn(*inputs)


def _array_function(self, func, types, args, kwargs):
    fn = HANDLED.get(func)
    if fn is not None:
        return fn(*args, **kwargs)
    if func in RAW_FUNCTIONS:
        return func(*_raw(args), **{k: _raw(v) for k, v in kwargs.items()})
    raise _no_graph_op(func)


Value.__array_ufunc__ = _array_ufunc
Value.__array_function__ = _array_function

# ---------------------------------------------------------------- ufuncs
HANDLED.update({
    np.add: lambda a, b: as_value(a) + b, np.subtract: lambda a, b: as_value(a) - b,
    np.multiply: lambda a, b: as_value(a) * b, np.true_divide: lambda a, b: as_value(a) / b,
    np.power: lambda a, b: as_value(a) ** b, np.matmul: lambda a, b: as_value(a) @ b,
    np.negative: lambda a: -a, np.positive: lambda a: a,
    np.square: lambda a: a ** 2, np.reciprocal: lambda a: 1.0 / a,
    np.maximum: maximum, np.minimum: minimum,
    np.fabs: lambda a: as_value(a).abs(),          # |x| of a real number, as np.absolute
})
for _op in _ops.UNARY_METHODS:
    if getattr(_op, "ufunc", None) is not None:
        HANDLED[_op.ufunc] = getattr(Value, _op.method)

# queries whose results carry no gradient: raw data is right (sign, floor, ceil, trunc and rint
# are ops of their own, registered above from their `ufunc`)
raw(np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,   # `array < v`
    np.shape, np.ndim, np.size, np.result_type,
    np.iscomplexobj, np.isrealobj, np.nonzero, np.argmax, np.argmin, np.argsort, np.any, np.all,
    np.isclose, np.allclose, np.array_equal, np.count_nonzero, np.round, np.around, np.flatnonzero)


# ---------------------------------------------------------------- functions
@implements(np.where)
def _where(cond, *xy):
    if not xy:
        return np.where(_raw(cond))
    return where(_raw(cond), *xy)


@implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C":
        raise TypeError("np.reshape on a Value: only order='C' is supported")
    return as_value(a).reshape(shape if shape is not None else newshape)


@implements(np.transpose)
def _transpose(a, axes=None):
    return as_value(a).transpose(*(() if axes is None else (tuple(axes),)))


@implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    a = as_value(a)
    perm = list(range(a.ndim))
    i, j = (norm_axis(ax, a.ndim, "swapaxes")[0] for ax in (axis1, axis2))   # out of range: refused
    perm[i], perm[j] = perm[j], perm[i]
    return a.transpose(tuple(perm))


@implements(np.moveaxis)
def _moveaxis(a, source, destination):
    a = as_value(a)
    np.moveaxis(np.empty(a.shape, dtype=bool), source, destination)   # numpy's own checks
    src = [int(s) % a.ndim for s in np.atleast_1d(source)]
    dst = [int(d) % a.ndim for d in np.atleast_1d(destination)]
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):       # numpy's algorithm: insert each moved axis
        order.insert(d, s)
    return a.transpose(tuple(order))


@implements(np.broadcast_to)
def _broadcast_to(a, shape, subok=False):
    return as_value(a).broadcast_to(tuple(shape) if np.ndim(shape) else (int(shape),))


def _reduction(name):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
        refuse(name, "axis=, keepdims= are", dtype=dtype, out=out, **kw)
        return getattr(as_value(a), name)(axis=axis, keepdims=keepdims)
    return reduce


implements(np.sum)(_reduction("sum"))
implements(np.mean)(_reduction("mean"))
implements(np.max, np.amax)(_reduction("max"))
implements(np.min, np.amin)(_reduction("min"))


def _joiner(name, join):
    def joined(values, axis=0, **kw):
        refuse(name, **kw)
        return join(list(values), axis=axis)
    return joined


implements(np.concatenate)(_joiner("concatenate", concatenate))
implements(np.stack)(_joiner("stack", stack))


def _like(maker):
    def like(a, *args, dtype=None, **kw):
        d = a.numpy() if isinstance(a, Value) else np.asarray(a)
        return maker(d, *args, dtype=dtype, **kw)      # a constant: no dependence on a's values
    return like


implements(np.zeros_like)(_like(np.zeros_like))
implements(np.ones_like)(_like(np.ones_like))
implements(np.empty_like)(_like(np.empty_like))
implements(np.full_like)(_like(np.full_like))


@implements(np.clip)
def _clip(a, a_min=None, a_max=None, **kw):
    refuse("clip", **kw)
    return as_value(a).clip(a_min, a_max)         # Value bounds keep their gradients (torch.clamp)


# np.dot (any dimensions), np.linalg.*, np.outer, np.hstack ... are declared with @export
# beside their functions (graphgrad/numeric.py, graphgrad/linalg.py)


@implements(np.copy)
def _copy(a, *args, **kw):
    return a          # Values are never written in place by graphgrad: no copy needed
