"""The drawn graph as data: a networkx DiGraph or JSON, with the same nodes as the DOT."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from . import graph as _graph
from .fmt import DEFAULT_FMT

if TYPE_CHECKING:                      # annotations only
    import networkx

    from graphgrad import Value

    from ._types import Collapse


def _num(x):
    """numpy/float data as plain JSON-able Python (lists for tensors, None for missing)."""
    if x is None:
        return None
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        f = float(a)
        return f if np.isfinite(f) else str(f)
    return [_num(r) for r in a] if a.ndim > 1 else [float(v) if np.isfinite(v) else str(float(v)) for v in a]


def _records(value, collapse=None, max_nodes=_graph.DEFAULT_MAX_NODES):
    c = _graph.build(value, collapse=collapse, max_nodes=max_nodes)
    nodes, edges = [], []
    for w in c.wires:
        v = w.value
        nodes.append({"id": w.id, "kind": "wire", "name": v.name, "op": None,
                      "shape": list(v.shape), "dtype": str(v.dtype), "value": _num(v.data),
                      "grad": _num(v.grad), "leaf": v.is_leaf, "cluster": [n for n, _ in w.cluster]})
    for g in c.gates:
        loc = None
        if g.value is not None:
            lg = g.value.local_grads()
            if lg is not None:
                loc = [_num(x) for x in lg]
        nodes.append({"id": g.id, "kind": "group" if g.collapsed else "gate", "name": None,
                      "op": g.op, "label": g.label, "group": [n for n, _ in g.group],
                      "formulas": list(g.value.local_formulas()) if g.value is not None else [],
                      "local": loc})
        for pos, wid in g.inputs:
            edges.append({"source": wid, "target": g.id, "input": pos})
        for wid in g.outputs:
            edges.append({"source": g.id, "target": wid, "input": None})
    return nodes, edges


def to_networkx(value: Value, collapse: Collapse = None,
                max_nodes: int | None = _graph.DEFAULT_MAX_NODES) -> networkx.DiGraph:
    """A ``networkx.DiGraph`` with the diagram's nodes (attributes: kind, op, shape, value,
    grad, local) and edges wire→gate→wire.

    >>> G = to_networkx(f)                      # doctest: +SKIP
    >>> G.nodes["v0"]["value"]
    -2.0
    """
    import networkx as nx
    nodes, edges = _records(value, collapse, max_nodes)
    G = nx.DiGraph()
    for n in nodes:
        G.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
    for e in edges:
        G.add_edge(e["source"], e["target"], input=e["input"])
    return G


def to_json(value: Value, collapse: Collapse = None, max_nodes: int | None = _graph.DEFAULT_MAX_NODES,
            fmt: str = DEFAULT_FMT, indent: int | None = 1) -> str:
    """JSON text ``{"nodes": [...], "edges": [...]}`` of the diagram (full-precision numbers).

    >>> json.loads(to_json(f))["nodes"][0]["kind"]    # doctest: +SKIP
    'wire'
    """
    nodes, edges = _records(value, collapse, max_nodes)
    return json.dumps({"nodes": nodes, "edges": edges}, indent=indent, ensure_ascii=False)
