"""Gradients as graphs: ``graphgrad.grad`` and ``backward(create_graph=True)``.

In a create_graph pass every op's backward runs on Values instead of raw data (its
``ctx.inputs``, ``ctx.out`` and upstream ``g`` are the graph's own Values), so the
gradient it returns is recorded like any forward computation and can be
differentiated again: Hessian-vector products, gradient penalties, gradgradcheck. The
same backward code serves both passes (one definition of each derivative). A fused op
whose backward is numpy for speed declares its expansion instead (``Op.expand``: the same
forward from primitive gates), and the graph pass differentiates that
(:func:`expanded_vjp`). An op with neither (``Op.twice_differentiable`` False, no
``expand``) stops the pass with a "once differentiable" error instead of returning a
silently wrong second derivative.

Both passes run the one loop, ``autograd.propagate`` (``graph=True`` here); this module
holds what only the graph pass needs: constants as leaves, the check of a backward's
Values, hooks that see Values, each leaf's ``grad_value`` and the expansions' VJPs.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .autograd import _bad_grads, _fit_grad, _run_hooks, _who, hook_data, propagate, root_grad, run_pass
from .errors import BackwardError
from .ops.base import data_of
from .value import Value, _CONST_META, new_leaf

_ndarray = np.ndarray


def _const(d) -> Value:
    """Raw data as a constant leaf of the gradient graph."""
    return new_leaf(d, meta=_CONST_META)


def _zero(v, graph):
    d = v._data
    z = 0.0 if d.__class__ is float else np.zeros_like(d)
    return _const(z) if graph else z


def _store_leaf(v, g, graph):
    d = data_of(g)
    if d.__class__ is not float:
        d = np.array(d)                  # its own writable copy: optimisers update .grad in place
    old = v._grad
    v._grad = d if old is None else old + d
    if old is not None:
        from .autograd import note_accumulated
        note_accumulated(v, d)
    if graph:
        if v._meta is None:
            v._meta = {}
        old = v._meta.get("grad_value")
        v._meta["grad_value"] = g if old is None else old + g


def _graph_grads(v, grads):
    """Check a create_graph backward's result: one Value (or constant data) per input,
    each of its input's shape and dtype; constants become constant leaves."""
    op, ins = v._op, v._inputs
    if grads.__class__ is list:
        grads = tuple(grads)
    if grads.__class__ is not tuple or len(grads) != len(ins):
        _bad_grads(v, grads)             # raises the usual count/tuple error
    out = []
    for i, (p, gp) in enumerate(zip(ins, grads)):
        if gp is None or not p.requires_grad:
            out.append(None)
            continue
        if isinstance(gp, Value):
            if gp.shape != p.shape or gp.dtype != p.dtype:
                raise BackwardError(f"{op.name}: backward's gradient for input {i} has shape {gp.shape} "
                                    f"(dtype {gp.dtype}) but the input has shape {p.shape} (dtype {p.dtype})")
        else:
            gp = _const(_fit_grad(gp, p._data, lambda: f"{op.name}: backward's gradient for input {i}"))
        out.append(gp)
    return tuple(out)


def expanded_vjp(v, ctx, g) -> tuple:
    """The gradients of a fused op's node ``v`` in a create_graph pass: its expansion
    (``op.expand(ctx)``, the same forward from primitive gates) rebuilt on the node's own
    input Values, then the one loop over that small graph from upstream ``g`` (a graph
    pass, so what it computes is recorded and can be differentiated again, any order).
    One definition of the op's derivative: the primitive gates' (the fused numpy
    ``backward`` stays the plain pass's fast path).

    >>> import numpy as np, graphgrad as gg
    >>> from graphgrad.nn import functional as F
    >>> x = gg.Value(np.ones((1, 1, 3, 3)), requires_grad=True)
    >>> w = gg.Value(np.ones((1, 1, 2, 2)), requires_grad=True)
    >>> (dw,) = gg.grad(F.conv2d(x, w).sum(), [w], create_graph=True)
    >>> gg.grad((dw * dw).sum(), [x])[0][0, 0]         # 2·Σdw over the windows each x is in
    array([[ 8., 16.,  8.],
           [16., 32., 16.],
           [ 8., 16.,  8.]])
    """
    op, ins = v._op, v._inputs
    out = op.expand(ctx)
    if not isinstance(out, Value) or out.shape != v.shape or out.dtype != v.dtype:
        got = f"shape {out.shape}, dtype {out.dtype}" if isinstance(out, Value) else type(out).__name__
        raise BackwardError(f"{op.name}: expand() must rebuild the node's output as a Value of shape "
                            f"{v.shape}, dtype {v.dtype}; got {got}")
    first: dict = {}                     # id -> first position (a Value given twice gets its total once)
    for i, p in enumerate(ins):
        if p.requires_grad:
            first.setdefault(id(p), i)
    held = [(p, p._g) for i, p in enumerate(ins) if first.get(id(p)) == i]
    for p, _ in held:                    # the outer pass's pending sums, set aside
        p._g = None
    try:
        if out.requires_grad:
            propagate(_order_until(out, first), [out], [g], graph=True, free=False, write=False)
        return tuple([p._g if first.get(id(p)) == i else None for i, p in enumerate(ins)])
    finally:
        for p, old in held:
            p._g = old


def _order_until(root, stop) -> list:
    """The Values between ``root`` and the ids in ``stop`` (those left out) that require
    grad, output first: an iterative post-order walk, as ``autograd._topo`` but bounded."""
    order, seen, stack = [], set(stop), [(root, False)]
    while stack:
        v, finished = stack.pop()
        if finished:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.append((v, True))
        for p in v._inputs or ():
            if p.requires_grad and id(p) not in seen:
                stack.append((p, False))
    order.reverse()
    return order


def _hooks(hooks, g, v, graph):
    """Run ``v``'s hooks; in a graph pass they get (and may return) the gradient as a Value."""
    if not graph:
        return _run_hooks(hooks, g, v)
    for hook in list(hooks):
        r = hook(g)
        if r is None:
            continue
        name = getattr(hook, "__name__", type(hook).__name__)
        who = lambda: f"hook {name} on {_who(v)}"  # noqa: E731
        if not isinstance(r, Value):
            r = _const(hook_data(r, g._data, who))     # constant data: checked as in a plain pass
        elif r.shape != g.shape:
            raise BackwardError(f"{who()} returned a gradient of shape {r.shape} but the Value has shape {g.shape}")
        g = r
    return g


def _values(x, what) -> list:
    if isinstance(x, Value):
        return [x]
    try:
        xs = list(x)
    except TypeError:
        raise TypeError(f"grad: {what} must be a Value or a sequence of Values, got {type(x).__name__}") from None
    for i, v in enumerate(xs):
        if not isinstance(v, Value):
            raise TypeError(f"grad: {what}[{i}] is a {type(v).__name__}, not a Value")
    if not xs:
        raise ValueError(f"grad: {what} is empty; pass at least one Value")
    return xs


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value], grad_outputs=None,
         retain_graph: bool | None = None, create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """d(outputs)/d(inputs), returned (not stored in ``.grad``): one gradient per input.

    ``grad_outputs`` are the upstream gradients of the outputs (needed for outputs with
    more than one element; Values are allowed and, with ``create_graph``, differentiated
    through). With ``create_graph=True`` the gradients are Values recorded as a graph, so
    they can be differentiated again; otherwise they are plain data (like ``.grad``). The
    graph is kept if ``retain_graph`` (default: ``create_graph``). An input that the
    outputs do not depend on is an error, or None with ``allow_unused=True``.

    A Hessian-vector product, as in PyTorch:

    >>> import numpy as np, graphgrad as gg
    >>> w = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    >>> (g,) = gg.grad((w ** 3).sum(), w, create_graph=True)     # 3w²
    >>> gg.grad(g, w, grad_outputs=np.array([1.0, 0.0]))          # H @ [1, 0] = [6w₀, 0]
    (array([6., 0.]),)
    """
    outs = _values(outputs, "outputs")
    ins = _values(inputs, "inputs")
    if grad_outputs is None:
        gos = [None] * len(outs)
    elif isinstance(grad_outputs, (Value, _ndarray, float, int)) or len(outs) == 1 and not isinstance(
            grad_outputs, (list, tuple)):
        gos = [grad_outputs]
    else:
        gos = list(grad_outputs)
    if len(gos) != len(outs):
        raise ValueError(f"grad: {len(gos)} grad_outputs for {len(outs)} outputs; pass one per output")
    for i, x in enumerate(ins):
        if not x.requires_grad and x.dtype.kind != "f":
            raise TypeError(f"grad: inputs[{i}] ({_who(x)}, shape {x.shape}) has dtype {x.dtype}; integer "
                            "and bool Values carry no gradient (indices, masks); ask for the gradient of "
                            "a float Value")
        if not x.requires_grad:
            raise BackwardError(f"grad: inputs[{i}] ({_who(x)}, shape {x.shape}) does not require grad; "
                                "create it with requires_grad=True")
    roots, grads = [], []
    for i, (o, go) in enumerate(zip(outs, gos)):
        if not o.requires_grad and o.dtype.kind != "f":
            raise TypeError(f"grad: outputs[{i}] ({_who(o)}) has dtype {o.dtype}; integer and bool Values "
                            "carry no gradient; differentiate a float Value")
        if not o.requires_grad:
            raise BackwardError(f"grad: outputs[{i}] ({_who(o)}) does not require grad: it does not depend "
                                "on any Value with requires_grad=True (or was computed in no_grad())")
        if isinstance(go, Value):
            if go.shape != o.shape:
                raise BackwardError(f"grad: grad_outputs[{i}] has shape {go.shape} but outputs[{i}] has "
                                    f"shape {o.shape}; pass a gradient of the output's shape")
            if not create_graph:
                go = go._data
        else:
            go = root_grad(o._data, go, "grad", f"outputs[{i}]", f"grad_outputs[{i}]")
        roots.append(o)
        grads.append(go)
    if retain_graph is None:
        retain_graph = create_graph
    want: dict = {}
    for i, x in enumerate(ins):
        want.setdefault(id(x), []).append(i)
    found = run_pass(roots, lambda order: propagate(order, roots, grads, graph=create_graph,
                                                    free=not retain_graph, write=False, want=want))
    result = []
    for i, (x, g) in enumerate(zip(ins, found)):
        if g is None:
            if not allow_unused:
                raise BackwardError(f"grad: inputs[{i}] ({_who(x)}, shape {x.shape}) is not used to compute the "
                                    "outputs; pass allow_unused=True to get None for it")
        elif not create_graph:
            g = np.float64(g) if g.__class__ is float else np.array(g)
        result.append(g)
    return tuple(result)
