"""The drawn graph as data: a networkx DiGraph or JSON, with the same nodes as the DOT."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from . import graph as _graph

if TYPE_CHECKING:                      # annotations only
    import networkx

    from graphgrad import Value

    from ._types import Collapse
    from .options import Options


def _num(x):
    """numpy/float data as plain JSON-able Python (lists for tensors, None for missing)."""
    if x is None:
        return None
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        f = float(a)
        return f if np.isfinite(f) else str(f)
    return [_num(r) for r in a] if a.ndim > 1 else [float(v) if np.isfinite(v) else str(float(v)) for v in a]


def _records(value, options=None, **kw):
    from .dot import shape_dtype
    from .options import Options
    from .sources import as_graph
    o = Options.of(options, who="viz", **kw)
    g = as_graph(value, who="viz", **o.adapter_options())
    c = _graph.build(g, collapse=o.collapse, max_nodes=o.max_nodes)
    nodes, edges = [], []
    for w in c.wires:
        n = w.node
        shape, dtype = shape_dtype(n)
        nodes.append({"id": w.id, "kind": "wire", "name": n.name, "op": None,
                      "shape": list(shape), "dtype": str(dtype), "value": _num(n.value),
                      "grad": _num(n.grad), "leaf": n.is_leaf, "cluster": [name for name, _ in w.cluster]})
    for gt in c.gates:
        n = gt.node
        loc = None
        if n is not None and n.local is not None:
            loc = [_num(x) for x in n.local]
        nodes.append({"id": gt.id, "kind": "group" if gt.collapsed else "gate", "name": None,
                      "op": gt.op, "label": gt.label, "group": [name for name, _ in gt.group],
                      "formulas": list(n.formulas) if n is not None else [],
                      "local": loc})
        for pos, wid in gt.inputs:
            edges.append({"source": wid, "target": gt.id, "input": pos})
        for wid in gt.outputs:
            edges.append({"source": gt.id, "target": wid, "input": None})
    return nodes, edges


def to_networkx(value: Any, options: Options | None = None, **kw: Any) -> networkx.MultiDiGraph:
    """A ``networkx.MultiDiGraph`` with the diagram's nodes (attributes: kind, op, shape,
    value, grad, local) and edges wire→gate→wire (attribute ``input``: the argument
    position). A multigraph, because ``x * x`` reads one wire twice: two edges. ``value``: anything :func:`viz.to_dot` draws;
    ``options``/keywords as for :func:`viz.to_dot` (``collapse``, ``max_nodes``).

    >>> import graphgrad as gg
    >>> f = gg.Value(-2.0, requires_grad=True, name="x") * 3.0
    >>> G = to_networkx(f)
    >>> G.nodes["v0"]["value"]
    -2.0
    """
    import networkx as nx
    nodes, edges = _records(value, options, **kw)
    G = nx.MultiDiGraph()
    for n in nodes:
        G.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
    for e in edges:
        G.add_edge(e["source"], e["target"], input=e["input"])
    return G


def to_json(value: Any, options: Options | None = None, indent: int | None = 1, **kw: Any) -> str:
    """JSON text ``{"nodes": [...], "edges": [...]}`` of the diagram (full-precision numbers).

    A gate's ``local`` and ``formulas`` list one entry per drawn input (folded constants
    left out); each edge's ``input`` is the op's argument position.

    >>> import json
    >>> import graphgrad as gg
    >>> f = gg.Value(-2.0, requires_grad=True, name="x") * 3.0
    >>> json.loads(to_json(f))["nodes"][0]["kind"]
    'wire'
    """
    nodes, edges = _records(value, options, **kw)
    return json.dumps({"nodes": nodes, "edges": edges}, indent=indent, ensure_ascii=False)
