"""The drawable form of a graph: wires (values) and gates (ops), in a stable order.

Every view (DOT, networkx, JSON, the stepper) reads the :class:`Circuit` built here,
and the circuit reads only a :class:`viz.graphdata.GraphData`, whichever engine made
the graph (:func:`viz.sources.as_graph` turns a graphgrad, micrograd or PyTorch object
into one). Wire and gate ids come from the nodes' topological positions (``v3``,
``g3``), never from ``id()`` or set order, so the same graph always gives the same ids.

Groups (module calls, ``gg.group`` blocks) become clusters, which can be collapsed into
a single box (by name, or automatically beyond a node budget).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .graphdata import GraphData, is_output, number_groups, outputs_of
from .options import DEFAULT_MAX_NODES


@dataclass
class Wire:
    """One node drawn as a wire: value above the line, gradient below."""

    id: str
    node: object                         # the graphdata.Node
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
    inputs: list                         # [(argument position, wire id)]
    group: tuple = ()                    # group instance path ((name, n), ...)
    node: object = None                  # the graphdata.Node of its output (None for a box)
    collapsed: bool = False
    members: list = field(default_factory=list)   # Nodes of the gates inside a box
    outputs: list = field(default_factory=list)   # every output wire id (boxes can have several)


@dataclass
class Circuit:
    """Wires and gates in topological order (inputs before outputs), plus clusters."""

    graph: GraphData
    wires: list
    gates: list
    clusters: list                       # group paths drawn as clusters, sorted
    wire_of: dict                        # node id -> wire id
    gate_of: dict                        # node id -> id of the gate or box drawing its op

    @property
    def root(self):
        """The root Node."""
        return self.graph.node(self.graph.root)

    def node_count(self) -> int:
        return len(self.wires) + len(self.gates)


def build(source, collapse=None, max_nodes: int | None = DEFAULT_MAX_NODES, who: str = "viz") -> Circuit:
    """The drawable circuit of ``source`` (a GraphData, or anything :func:`viz.sources.as_graph` reads).

    ``collapse``: None (expand every group, unless the graph is larger than
    ``max_nodes``: then groups are collapsed, innermost first, until it fits), True
    (collapse every top-level group), False (never collapse), a group name, or a list
    of names (each collapses the group of that name wherever it appears).

    >>> build(f).node_count()                  # doctest: +SKIP
    7
    """
    from .sources import as_graph
    g = as_graph(source, who=who)
    _check(g)
    inst = dict(zip((n.id for n in g.nodes), number_groups([() if n.is_leaf else tuple(n.group)
                                                            for n in g.nodes])))
    paths = sorted({inst[n.id] for n in g.nodes if not n.is_leaf and inst[n.id]})
    if collapse is None:
        keys = _auto_collapse(g, inst, paths, max_nodes)
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
    return _assemble(g, inst, keys)


def _check(g: GraphData):
    """A malformed graph from an adapter gets one clear sentence, not a KeyError deep inside."""
    seen = set()
    for n in g.nodes:
        for p in n.inputs:
            if p not in seen:
                raise ValueError(f"viz: the {g.source} graph lists input {p!r} of node {n.id!r} "
                                 "before (or without) that node; nodes must be in topological order")
        seen.add(n.id)
    if g.root not in seen:
        raise ValueError(f"viz: the {g.source} graph's root {g.root!r} is not one of its nodes")


def _box_key(group: tuple, keys) -> tuple | None:
    """The collapsed group (shortest matching prefix) a gate of ``group`` falls in."""
    for k in range(1, len(group) + 1):
        if group[:k] in keys:
            return group[:k]
    return None


def _auto_collapse(g, inst, paths, max_nodes):
    """Collapse groups, innermost level first, until the drawing fits ``max_nodes``."""
    if max_nodes is None or not paths or len(g.nodes) <= max_nodes // 2:
        return set()                     # at most one gate per wire: 2x wires bounds the count
    if _assemble(g, inst, set()).node_count() <= max_nodes:
        return set()
    keys: set = set()
    for d in range(max(len(p) for p in paths), 0, -1):   # keep the outer structure longest
        keys = {p[:d] for p in paths if len(p) >= d}
        if _assemble(g, inst, keys).node_count() <= max_nodes:
            break
    return keys


def _assemble(g, inst, keys) -> Circuit:
    nodes = g.nodes
    box_of = {}
    if keys:
        for n in nodes:
            if not n.is_leaf:
                k = _box_key(inst[n.id], keys)
                if k is not None:
                    box_of[n.id] = k
    # which nodes are read outside their box (or are the root): those wires stay visible
    read_outside = {g.root}
    for n in nodes:
        for p in n.inputs:
            if p in box_of and box_of.get(n.id) != box_of[p]:
                read_outside.add(p)

    wires, gates = [], []
    wire_of, gate_of = {}, {}
    boxes: dict = {}
    for i, n in enumerate(nodes):
        k = box_of.get(n.id)
        if k is not None and n.id not in read_outside:
            continue                     # an internal wire of a collapsed group
        if outputs_of(n):
            continue                     # a multi-output gate: its outputs are its wires
        wid = f"v{i}"
        wire_of[n.id] = wid
        cluster = () if n.is_leaf else inst[n.id]
        if k is not None:
            cluster = k[:-1]
        wires.append(Wire(wid, n, i, cluster=cluster))
    for i, n in enumerate(nodes):
        if n.is_leaf:
            continue
        k = box_of.get(n.id)
        if k is None and is_output(n) and n.meta["output_of"] in gate_of:
            gate_of[n.id] = gate_of[n.meta["output_of"]]     # a wire of its gate, no gate itself
            continue
        if k is None:
            gid = f"g{i}"
            ins = [(j, wire_of[p]) for j, p in zip(n.positions(), n.inputs) if p in wire_of]
            outs = [wire_of[o] for o in outputs_of(n) if o in wire_of] or [wire_of[n.id]]
            gates.append(Gate(gid, n.label, n.op, outs[0], ins, inst[n.id], n, outputs=outs))
            gate_of[n.id] = gid
        else:
            box = boxes.get(k)
            if box is None:
                box = Gate(f"b{i}", k[-1][0], "group", "", [], k[:-1], None, collapsed=True)
                boxes[k] = box
                gates.append(box)
            box.members.append(n)
            gate_of[n.id] = box.id
            for p in n.inputs:
                if box_of.get(p) != k and p in wire_of:
                    w = wire_of[p]
                    if w not in [x for _, x in box.inputs]:
                        box.inputs.append((len(box.inputs), w))
            if n.id in wire_of:
                box.outputs.append(wire_of[n.id])
                box.output = box.output or wire_of[n.id]
    wire_by_id = {w.id: w for w in wires}
    for gt in gates:
        for w in gt.outputs:
            wire_by_id[w].producer = gt.id
        for _, w in gt.inputs:
            if gt.id not in wire_by_id[w].consumers:
                wire_by_id[w].consumers.append(gt.id)
    clusters = set()
    for gt in gates:
        for k in range(1, len(gt.group) + 1):
            clusters.add(gt.group[:k])
    return Circuit(g, wires, gates, sorted(clusters), wire_of, gate_of)
