"""The one topological walk the adapters share: iterative, deterministic, no recursion.

>>> class N:
...     def __init__(self, name, *ins): self.name, self.ins = name, ins
>>> x = N("x"); y = N("y"); q = N("q", x, y); f = N("f", q, x)
>>> [n.name for n in topo_order(f, lambda n: n.ins)]
['x', 'y', 'q', 'f']
"""
from __future__ import annotations


def topo_order(root, inputs_of) -> list:
    """Every node ``root`` depends on, inputs before the nodes that read them.

    A post-order depth-first search that visits inputs in argument order (first input
    first), with an explicit stack so a 100,000-node chain never meets the recursion
    limit. Nodes are told apart by ``id()``, never by hash or set order, so the same graph
    always gives the same order. ``inputs_of(node)`` returns a node's inputs in order.
    """
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.append((v, True))
        for p in reversed(tuple(inputs_of(v))):
            if id(p) not in seen:
                stack.append((p, False))
    # a node can be pushed twice before it is visited; keep its first completion only
    out, placed = [], set()
    for v in order:
        if id(v) not in placed:
            placed.add(id(v))
            out.append(v)
    return out
