"""graphgrad's adapter: a ``Value`` -> :class:`GraphData`, a ``BackwardTrace`` -> :class:`TraceData`.

The display rules that are about graphgrad's ops live here, not in the views:

* lifted scalar constants (the 1 in ``x + 1``) are folded into their gate's label
  (``+1``, ``*-1``, ``1/x``) instead of being drawn; the engine interns float constants,
  so drawing them as nodes would wrongly join unrelated gates;
* each ``gg.group`` block (each module call) is one group instance, numbered by the
  position of its first gate so the drawing is stable from run to run.

>>> import graphgrad as gg
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> g = as_graph(x + 1)
>>> [n.label for n in g.nodes], g.node(g.root).input_pos
(['x', '+1'], (0,))
"""
from __future__ import annotations

import numpy as np

from ..graphdata import GraphData, Node, StepData, TraceData, number_groups
from ._walk import topo_order as _topo


def is_node(obj) -> bool:
    """A graphgrad ``Value`` (what a script exposes for drawing)."""
    return hasattr(obj, "group_instances") and hasattr(obj, "inputs")


def inputs_of(v) -> tuple:
    """The Values ``v`` was computed from, in argument order."""
    return v.inputs


def topo_order(root) -> list:
    """Every Value ``root`` depends on, inputs first, deterministic (iterative DFS).

    >>> import graphgrad as gg
    >>> x, y, z = (gg.Value(v, requires_grad=True, name=n) for v, n in [(-2.0, "x"), (5.0, "y"), (-4.0, "z")])
    >>> f = (x + y) * z
    >>> [v.name for v in topo_order(f)]
    ['x', 'y', None, 'z', None]
    """
    return _topo(root, inputs_of)


def _foldable(v) -> bool:
    """A lifted scalar constant, drawn inside its gate's label rather than as a node."""
    return v.is_constant and np.size(v.data) == 1


def _num(c) -> str:
    c = float(np.asarray(c).reshape(()))
    if c.is_integer() and abs(c) < 1e15:
        return str(int(c))
    return f"{c:.4g}"


def gate_label(v, consts=None) -> str:
    """The gate text with folded constants, as the slides draw it (``+1``, ``*-1``, ``1/x``).

    ``consts``: positions of the folded inputs, when the caller already knows them.

    >>> import graphgrad as gg
    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> gate_label(x + 1), gate_label(1 / x), gate_label(-1 * x)
    ('+1', '1/x', '*-1')
    """
    ins = v.inputs
    if consts is None:
        consts = [i for i, p in enumerate(ins) if _foldable(p)]
    base = v.label
    if not consts or len(consts) == len(ins):
        return base
    name = v.op.name
    if len(ins) == 2 and len(consts) == 1:
        i = consts[0]
        c = _num(ins[i].data)
        if name in ("add", "mul"):
            if name == "add" and c.startswith("-"):
                return c                   # x + (-3) reads "-3"
            return f"{base}{c}"
        if name in ("sub", "div", "pow"):
            sym = getattr(v.op, "symbol", base)
            return f"{sym}{c}" if i == 1 else f"{c}{sym}x"
    args = [(_num(p.data) if i in consts else "x") for i, p in enumerate(ins)]
    return f"{base}({', '.join(args)})"


def _copy(x):
    # a snapshot: an optimizer's in-place update must not change a drawing made earlier
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


def as_graph(value, **_opts) -> GraphData:
    """The graph that computed ``value`` as plain data (folded constants left out).

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> g = as_graph(f); g.node(g.root).label
    '1/x'
    """
    if not is_node(value):
        raise TypeError(f"viz: expected a graphgrad Value to draw, got {type(value).__name__}")
    values = topo_order(value)
    drawn = [v for v in values if not _foldable(v) or v is value]
    nid = {id(v): f"n{i}" for i, v in enumerate(drawn)}
    raw_groups = [() if v.is_leaf else tuple(v.group_instances) for v in drawn]
    groups = number_groups(raw_groups)
    nodes = []
    for i, v in enumerate(drawn):
        grad, honest = _honest_grad(v)
        if v.is_leaf:
            nodes.append(Node(id=nid[id(v)], label=v.name or "", op="leaf", value=_copy(v.data),
                              grad=grad, name=v.name, constant=v.is_constant, meta=honest))
            continue
        ins = v.inputs
        pos = tuple(j for j, p in enumerate(ins) if id(p) in nid)
        label = gate_label(v, [j for j in range(len(ins)) if j not in pos])
        formulas = v.local_formulas()
        loc = v.local_grads()
        meta = _disagreement(v, pos) if loc is not None else {}
        nodes.append(Node(
            id=nid[id(v)], label=label, op=v.op.name,
            inputs=tuple(nid[id(v.inputs[j])] for j in pos), value=_copy(v.data), grad=grad,
            name=v.name, group=groups[i],
            local=None if loc is None else tuple(loc[j] for j in pos),
            formulas=tuple(formulas[j] if j < len(formulas) else "" for j in pos),
            input_pos=pos, constant=v.is_constant,
            tooltip="\n".join([label] + list(formulas)),
            # the folded constants' values, so a page can recompute the gate (viz.page)
            meta={**meta, **honest, **_reduce_attrs(v), **({"consts": [(j, float(np.asarray(ins[j].data).reshape(())))
                                         for j in range(len(ins)) if j not in pos]} if len(pos) < len(ins) else {})}))
    return GraphData(nodes=tuple(nodes), root=nid[id(value)], source="graphgrad", lookup=nid)


def _honest_grad(v) -> tuple:
    """``(gradient to draw, meta)`` for Value ``v``, saying what ``.grad`` alone hides (the
    keys ``viz.graphdata`` documents, as the torch and micrograd sources set them): a hook
    that changed the gradient (the wire shows the hook's result, ``grad_before_hook`` what
    the consumers sent), and a leaf ``.grad`` that adds up several backward passes (the
    wire shows this pass, ``grad_attr`` the attribute). Read from ``Value.grad_notes``."""
    grad = _copy(v.grad)
    notes = getattr(v, "grad_notes", None) or {}
    if grad is None or not notes:
        return grad, {}
    meta, says = {}, []
    if "before_hooks" in notes:
        meta["grad_before_hook"] = _plain(notes["before_hooks"])
        says.append("changed by a hook")
    this = notes.get("this_pass")
    if this is not None and v.is_leaf and not np.allclose(this, grad, rtol=1e-12, atol=0.0):
        meta["grad_attr"], meta["grad_passes"] = _plain(grad), int(notes["passes"])
        grad = _copy(this)
        says.append(f"this pass; .grad holds more (accumulated over {meta['grad_passes']} passes)")
    if says:
        meta["grad_note"] = "; ".join(says)
    return grad, meta


def _plain(a):
    """A number or array as JSON-friendly data for ``Node.meta`` (a float or nested lists)."""
    return a.tolist() if isinstance(a, np.ndarray) else float(a)


def _reduce_attrs(v) -> dict:
    """A sum/mean's axes and keepdims (the page recomputes the reduction from them)."""
    if v.op.name not in ("sum", "mean"):
        return {}
    at = v.attrs
    axis = at.get("axis")
    return {"reduce": {"axis": None if axis is None else [int(a) for a in np.atleast_1d(axis)],
                       "keepdims": bool(at.get("keepdims", False))}}


def _disagreement(v, pos) -> dict:
    """``{"local_disagrees": {argument position: (upstream × local, backward)}}`` for a
    user-written op whose ``local()`` (what the edge label multiplies) and backward (what
    the gradient below reads) differ; graphgrad's own ops are checked by its test suite,
    so only ops defined elsewhere pay for the extra backward call."""
    if type(v.op).__module__.startswith("graphgrad.") or v.grad is None:
        return {}
    from graphgrad.localize import local_disagreement
    found = local_disagreement(v)
    if not found:
        return {}
    return {"local_disagrees": {j: (_copy(found[j][0]), _copy(found[j][1])) for j in pos if j in found}}


def as_trace(source, who: str = "viz", **opts) -> TraceData:
    """A ``BackwardTrace`` as :class:`TraceData`. For a Value after ``backward()`` (a plain
    one will do), the trace of that pass is rebuilt by ``graphgrad.trace_of``; before any
    backward, the pass is run with a trace (``retain_graph=True``), keeping any leaf
    gradients the leaves already had.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> t = as_trace(f.backward(trace=True)); len(t)
    8
    """
    trace = source if _is_trace(source) else _run_backward(source, who)
    g = as_graph(trace.output, **opts)
    steps = []
    for s in trace:
        node = g.node(g.lookup[id(s.output)])
        pos = node.input_pos if node.input_pos is not None else tuple(range(len(node.inputs)))
        down = tuple(s.downstream[j] for j in pos)
        local = None if s.local is None else tuple(s.local[j] for j in pos)
        formulas = tuple(s.formulas[j] if j < len(s.formulas) else "" for j in pos)
        steps.append(StepData(index=s.index, node=node.id, upstream=s.upstream, downstream=down,
                              local=local, formulas=formulas))
    return TraceData(graph=g, steps=tuple(steps))


def _is_trace(obj) -> bool:
    return hasattr(obj, "steps") and hasattr(obj, "output") and not hasattr(obj, "group_instances")


def _run_backward(source, who):
    from graphgrad import BackwardError
    if not is_node(source):
        raise TypeError(f"{who}: expected a graphgrad Value or BackwardTrace, got {type(source).__name__}")
    if not source.requires_grad:
        raise ValueError(f"{who}: this Value does not require grad, so there is no backward pass "
                         "to step through; create its inputs with requires_grad=True")
    if source.grad is not None:
        # backward already ran: rebuild its trace from the grads the graph keeps, changing nothing
        from graphgrad import trace_of
        try:
            return trace_of(source)
        except BackwardError as e:
            raise BackwardError(f"{who}: {e}") from None
    saved = [(v, v.grad) for v in topo_order(source) if v.is_leaf and v.requires_grad]
    try:
        trace = source.backward(trace=True, retain_graph=True)
    except BackwardError as e:
        raise BackwardError(f"{who}: cannot rerun backward ({e}); pass the trace instead: "
                            f"{who}(f.backward(trace=True))") from None
    for v, g in saved:            # leave the user's accumulated leaf gradients as they were
        if g is not None:
            v.grad = g
    return trace
