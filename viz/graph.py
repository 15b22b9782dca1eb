"""The drawable form of a Value graph: wires (Values) and gates (ops), in a stable order.

This is the one place that walks the engine's graph; DOT, networkx, JSON and the
stepper all read the :class:`Circuit` it builds. The walk is iterative (no recursion
limit) and ordered by the inputs' positions, never by ``id()`` or set order, so the
same graph always gives the same node ids.

cs231n conventions applied here:
* lifted scalar constants (the 1 in ``x + 1``) are folded into their gate's label
  (``+1``, ``*-1``, ``1/x``) instead of being drawn; the engine interns float constants,
  so drawing them as nodes would wrongly join unrelated gates;
* composite ops tagged with ``gg.group(name)`` become clusters, which can be collapsed
  into a single box (by name, or automatically beyond a node budget).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_MAX_NODES = 400


@dataclass
class Wire:
    """One Value drawn as a wire: value above the line, gradient below."""

    id: str
    value: object
    index: int
    producer: str | None = None          # id of the gate (or collapsed box) that made it
    consumers: list = field(default_factory=list)   # ids of gates reading it
    cluster: tuple = ()                  # group path it is drawn inside


@dataclass
class Gate:
    """One applied op (or a collapsed group box)."""

    id: str
    label: str
    op: str
    output: str                          # wire id
    inputs: list                         # [(input position, wire id)], constants left out
    group: tuple = ()                    # group instance path ((name, n), ...)
    value: object = None                 # the output Value (None for a collapsed box)
    collapsed: bool = False
    members: list = field(default_factory=list)   # output Values of the gates inside a box
    outputs: list = field(default_factory=list)   # every output wire id (boxes can have several)


@dataclass
class Circuit:
    """Wires and gates in topological order (inputs before outputs), plus clusters."""

    root: object
    wires: list
    gates: list
    clusters: list                       # group paths drawn as clusters, sorted
    wire_of: dict                        # id(Value) -> wire id
    gate_of: dict                        # id(Value) -> id of the gate or box drawing its op

    def node_count(self) -> int:
        return len(self.wires) + len(self.gates)


def topo_order(root) -> list:
    """Every Value ``root`` depends on, inputs first, deterministic (iterative DFS).

    >>> [v.name for v in topo_order(f)]        # doctest: +SKIP
    ['x', 'y', None, 'z', None]
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
        for p in reversed(v.inputs):
            if id(p) not in seen:
                stack.append((p, False))
    # a Value can be pushed twice before it is visited; keep its first completion only
    out, placed = [], set()
    for v in order:
        if id(v) not in placed:
            placed.add(id(v))
            out.append(v)
    return out


def _foldable(v) -> bool:
    """A lifted scalar constant, drawn inside its gate's label rather than as a node."""
    return v.is_constant and v.size == 1


def _num(c) -> str:
    c = float(np.asarray(c).reshape(()))
    if c.is_integer() and abs(c) < 1e15:
        return str(int(c))
    return f"{c:.4g}"


def gate_label(v) -> str:
    """The gate text with folded constants, as the slides draw it (``+1``, ``*-1``, ``1/x``).

    >>> gate_label(x + 1), gate_label(1 / x), gate_label(-1 * x)   # doctest: +SKIP
    ('+1', '1/x', '*-1')
    """
    ins = v.inputs
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
            sym = v.op.symbol
            return f"{sym}{c}" if i == 1 else f"{c}{sym}x"
    args = [(_num(p.data) if i in consts else "x") for i, p in enumerate(ins)]
    return f"{base}({', '.join(args)})"


def build(root, collapse=None, max_nodes: int | None = DEFAULT_MAX_NODES) -> Circuit:
    """The drawable circuit of ``root``.

    ``collapse``: None (expand every group, unless the graph is larger than
    ``max_nodes``: then groups are collapsed, innermost first, until it fits), True
    (collapse every top-level group), False (never collapse), a group name, or a list
    of names (each collapses the group of that name wherever it appears).

    >>> build(f).node_count()                  # doctest: +SKIP
    7
    """
    if not hasattr(root, "inputs") or not hasattr(root, "is_constant"):
        raise TypeError(f"viz: expected a graphgrad Value to draw, got {type(root).__name__}")
    values = topo_order(root)
    drawn = [v for v in values if not _foldable(v) or v is root]
    inst = _instances(drawn)
    # group instances used by gates, for collapsing
    paths = sorted({inst[id(v)] for v in drawn if not v.is_leaf and inst[id(v)]})
    if collapse is None:
        keys = _auto_collapse(drawn, inst, paths, max_nodes)
    elif collapse is False:
        keys = set()
    elif collapse is True:
        keys = {p[:1] for p in paths}
    else:
        names = [collapse] if isinstance(collapse, str) else list(collapse)
        keys = set()
        for p in paths:
            for k in range(len(p)):
                if p[k][0] in names:
                    keys.add(p[:k + 1])
                    break
    return _assemble(root, drawn, inst, keys)


def _instances(drawn) -> dict:
    """id(Value) -> group *instance* path: ``((name, n), ...)`` per nesting level.

    The engine gives every ``group`` block (every module call) its own instance id, so
    two ``Conv2d`` layers are two clusters even when their gates touch. ``n`` is the
    drawing position of the instance's first gate, which keeps the DOT text stable.
    """
    index = {id(v): i for i, v in enumerate(drawn)}
    gates = [v for v in drawn if not v.is_leaf]
    first = {}
    for v in gates:                          # drawn is topological: first seen = smallest index
        ids = tuple(b for _, b in v.group_instances)
        for k in range(1, len(ids) + 1):
            first.setdefault(ids[:k], index[id(v)])
    inst = {id(v): () for v in drawn}
    for v in gates:
        path = v.group_instances
        ids = tuple(b for _, b in path)
        inst[id(v)] = tuple((path[k - 1][0], first[ids[:k]]) for k in range(1, len(path) + 1))
    return inst


def _box_key(group: tuple, keys) -> tuple | None:
    """The collapsed group (shortest matching prefix) a gate of ``group`` falls in."""
    for k in range(1, len(group) + 1):
        if group[:k] in keys:
            return group[:k]
    return None


def _auto_collapse(drawn, inst, paths, max_nodes):
    """Collapse groups, innermost level first, until the drawing fits ``max_nodes``."""
    if max_nodes is None or not paths or len(drawn) <= max_nodes // 2:
        return set()                     # at most one gate per wire: 2x wires bounds the count
    root = drawn[-1]
    if _assemble(root, drawn, inst, set()).node_count() <= max_nodes:
        return set()
    keys: set = set()
    for d in range(max(len(p) for p in paths), 0, -1):   # keep the outer structure longest
        keys = {p[:d] for p in paths if len(p) >= d}
        if _assemble(root, drawn, inst, keys).node_count() <= max_nodes:
            break
    return keys


def _assemble(root, drawn, inst, keys) -> Circuit:
    index = {id(v): i for i, v in enumerate(drawn)}
    box_of = {}
    for v in drawn:
        if not v.is_leaf and keys:
            k = _box_key(inst[id(v)], keys)
            if k is not None:
                box_of[id(v)] = k
    # which Values are read outside their box (or are the root): those wires stay visible
    read_outside = {id(root)}
    for v in drawn:
        for p in v.inputs:
            if id(p) in index and id(p) in box_of and box_of.get(id(v)) != box_of[id(p)]:
                read_outside.add(id(p))

    wires, gates = [], []
    wire_of, gate_of = {}, {}
    boxes: dict = {}
    for v in drawn:
        i = index[id(v)]
        k = box_of.get(id(v))
        if k is not None and id(v) not in read_outside:
            continue                     # an internal wire of a collapsed group
        wid = f"v{i}"
        wire_of[id(v)] = wid
        cluster = () if v.is_leaf else inst[id(v)]
        if k is not None:
            cluster = k[:-1]
        wires.append(Wire(wid, v, i, cluster=cluster))
    for v in drawn:
        if v.is_leaf:
            continue
        i = index[id(v)]
        k = box_of.get(id(v))
        if k is None:
            gid = f"g{i}"
            ins = [(j, wire_of[id(p)]) for j, p in enumerate(v.inputs) if id(p) in wire_of]
            gates.append(Gate(gid, gate_label(v), v.op.name, wire_of[id(v)], ins, inst[id(v)], v,
                              outputs=[wire_of[id(v)]]))
            gate_of[id(v)] = gid
        else:
            box = boxes.get(k)
            if box is None:
                box = Gate(f"b{i}", k[-1][0], "group", "", [], k[:-1], None, collapsed=True)
                boxes[k] = box
                gates.append(box)
            box.members.append(v)
            gate_of[id(v)] = box.id
            for j, p in enumerate(v.inputs):
                if box_of.get(id(p)) != k and id(p) in wire_of:
                    w = wire_of[id(p)]
                    if w not in [x for _, x in box.inputs]:
                        box.inputs.append((len(box.inputs), w))
            if id(v) in wire_of:
                box.outputs.append(wire_of[id(v)])
                box.output = box.output or wire_of[id(v)]
    wire_by_id = {w.id: w for w in wires}
    for g in gates:
        for w in g.outputs:
            wire_by_id[w].producer = g.id
        for _, w in g.inputs:
            if g.id not in wire_by_id[w].consumers:
                wire_by_id[w].consumers.append(g.id)
    clusters = set()
    for g in gates:
        for k in range(1, len(g.group) + 1):
            clusters.add(g.group[:k])
    return Circuit(root, wires, gates, sorted(clusters), wire_of, gate_of)
