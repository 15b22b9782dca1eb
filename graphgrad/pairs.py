"""cs231n-style layers as graphgrad ops: a ``forward -> (out, cache)`` and
``backward(dout, cache) -> grads`` pair becomes one gate of the graph.

The assignments write each layer as two functions (``affine_forward(x, w, b)`` returns
``(out, cache)``; ``affine_backward(dout, cache)`` returns ``(dx, dw, db)``) and check
each by hand with numeric gradients. :func:`layer_from_pair` turns a pair into a callable
on Values, so the layers assemble into a network that ``gradcheck`` checks whole and,
when it fails, gate by gate: the report names the layer whose backward is wrong.

>>> import numpy as np, graphgrad as gg
>>> def relu_forward(x):
...     return np.maximum(0, x), x
>>> def relu_backward(dout, cache):
...     return dout * (cache > 0)
>>> relu = layer_from_pair(relu_forward, relu_backward)
>>> x = gg.Value(np.array([-1.0, 2.0]), requires_grad=True)
>>> relu(x).sum().backward(); x.grad
array([0., 1.])
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .ops.base import Op, fit


def _is_tensor(a) -> bool:
    from .value import Value
    return isinstance(a, (Value, np.ndarray))


class PairOp(Op):
    """The op behind :func:`layer_from_pair`: ``forward`` and ``backward`` are the user's
    functions; non-array arguments (``bn_param``, ``conv_param`` dicts, numbers) ride in
    ``attrs`` at their positions and reach ``forward`` where they were given."""

    def __init__(self, forward: Callable, backward: Callable, name: str):
        self.forward_fn, self.backward_fn = forward, backward
        self.name = name
        self.symbol = name

    def forward(self, *datas, extras=(), n_args=0):
        args = _merge(datas, extras, n_args)
        r = self.forward_fn(*args)
        if not (isinstance(r, tuple) and len(r) == 2):
            raise TypeError(f"{self.name}: the forward function must return (out, cache) as the "
                            f"cs231n layers do, got {type(r).__name__}"
                            + (f" of {len(r)} items" if isinstance(r, tuple) else ""))
        out, cache = r
        return np.asarray(out), cache

    def backward(self, ctx, g):
        grads = self.backward_fn(np.asarray(g), ctx.saved)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(ctx.inputs):
            raise TypeError(f"{self.name}: the backward function returned {len(grads)} gradient(s) for "
                            f"{len(ctx.inputs)} array input(s); return one per array argument of the "
                            "forward function, in order (as affine_backward returns dx, dw, db)")
        out = []
        for i, (gi, x, need) in enumerate(zip(grads, ctx.inputs, ctx.needs_grad)):
            if not need or gi is None:
                out.append(None)
                continue
            gi = np.asarray(gi, dtype=np.float64)
            if gi.shape != np.shape(x):
                raise ValueError(f"{self.name}: the backward function's gradient {i} has shape {gi.shape} "
                                 f"but input {i} has shape {np.shape(x)}")
            out.append(fit(gi, x))
        return tuple(out)

    def label(self, attrs) -> str:
        return self.name


def _merge(datas, extras, n_args):
    """The forward's arguments in their original order: arrays and the extras between them."""
    args, it = [None] * n_args, iter(datas)
    fixed = dict(extras)
    for k in range(n_args):
        args[k] = fixed[k] if k in fixed else (lambda d: np.asarray(d) if d.__class__ is float else d)(next(it))
    return args


def layer_from_pair(forward: Callable[..., tuple], backward: Callable[..., Any],
                    name: str | None = None) -> Callable[..., Any]:
    """A graphgrad layer from a cs231n-style pair: ``forward(*args) -> (out, cache)`` and
    ``backward(dout, cache) -> grads`` (one gradient per array argument, in order; a
    single array for a one-input layer).

    The result is called like ``forward`` but on Values (or arrays, taken as constants),
    and returns a Value recorded as one gate named ``name`` (default: the forward
    function's name without ``_forward``). Non-array arguments (``bn_param``, a dropout
    dict, numbers) are passed through unchanged. The gate's gradient is the user's
    backward, so ``gg.gradcheck`` of a network made of such layers checks them all and,
    when one is wrong, names it with the line that called it.

    >>> import numpy as np, graphgrad as gg
    >>> def affine_forward(x, w, b):
    ...     return x @ w + b, (x, w)
    >>> def affine_backward(dout, cache):
    ...     x, w = cache
    ...     return dout @ w.T, x.T @ dout, dout.sum(axis=0)
    >>> affine = layer_from_pair(affine_forward, affine_backward)
    >>> x = gg.Value(np.ones((2, 3)))
    >>> w = gg.Value(np.ones((3, 4)), requires_grad=True)
    >>> b = gg.Value(np.zeros(4), requires_grad=True)
    >>> gg.gradcheck(lambda w, b: affine(x, w, b).sum(), w, b)
    True
    """
    if not callable(forward) or not callable(backward):
        raise TypeError("layer_from_pair: pass two functions, forward(*inputs) -> (out, cache) and "
                        "backward(dout, cache) -> grads")
    if name is None:
        name = getattr(forward, "__name__", "layer")
        name = name[:-len("_forward")] if name.endswith("_forward") and len(name) > 8 else name
    op = PairOp(forward, backward, name)

    def layer(*args):
        from .value import apply
        tensors = [a for a in args if _is_tensor(a)]
        if not tensors:
            raise TypeError(f"{name}: no array or Value argument; pass the layer's inputs as "
                            "graphgrad Values (requires_grad=True for those to train or check)")
        extras = tuple((k, a) for k, a in enumerate(args) if not _is_tensor(a))
        return apply(op, *tensors, extras=extras, n_args=len(args))

    layer.__name__ = name
    layer.__doc__ = f"The cs231n-style layer {name!r} as a graphgrad op (see graphgrad.layer_from_pair)."
    layer.op = op
    return layer
