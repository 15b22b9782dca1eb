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
    bundle: int = 1                      # >1: this wire stands for that many between two boxes


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
    folded: list = field(default_factory=list)    # parameter leaves drawn inside a box
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
    levelled: bool = False               # the default level closed groups to fit a page

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

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> build(f).node_count()
    21
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
    c = _assemble(g, inst, keys, bundle=collapse is None)
    c.levelled = collapse is None and bool(keys)
    return c


PARAM_WORDS = ("weight", "bias", "running_", "num_batches", "gamma", "beta")
MAX_RANKS = 16           # a default picture of a big graph: at most this many gates deep (page-sized)
AUTO_CHAIN = 10          # a big graph's ungrouped region of more gates than this becomes one box


def is_parameter(n, readers_grouped: bool = False) -> bool:
    """True for a leaf that folds into the collapsed boxes reading it: a PyTorch parameter
    or buffer (a dotted or weight/bias/running_* name), or, ``readers_grouped``, an
    unnamed leaf whose readers all sit in groups (micrograd's weights and inputs).

    >>> from viz.graphdata import Node
    >>> is_parameter(Node("n0", "0.weight", "leaf", name="0.weight")), is_parameter(Node("n1", "x", "leaf", name="x"))
    (True, False)
    """
    if not n.is_leaf:
        return False
    if n.meta.get("kind") in ("param", "buffer") or n.meta.get("param"):
        return True
    name = n.name or ""
    last = name.rsplit(".", 1)[-1]
    if "." in name or any(last.startswith(w) for w in PARAM_WORDS):
        return True
    return readers_grouped and n.name is None


def auto_chains(g, inst=None, min_gates: int = AUTO_CHAIN) -> dict:
    """Ungrouped gates of ``g`` in connected regions of more than ``min_gates`` gates:
    ``{node id: (region name, id of its first gate)}`` (micrograd's L2 term, a long loss
    sum), so a big graph can fold each region into one box. The name is the region's two
    commonest gate labels.

    >>> from viz.graphdata import GraphData, Node
    >>> nodes = [Node("n0", "x", "leaf")] + [Node(f"n{i}", "+", "add", inputs=(f"n{i-1}",)) for i in range(1, 5)]
    >>> set(auto_chains(GraphData(tuple(nodes), "n4"), min_gates=3).values())
    {('+ chain', 'n1')}
    """
    loose = [n for n in g.nodes if not n.is_leaf and not (inst[n.id] if inst else n.group)]
    parent = {n.id: n.id for n in loose}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for n in loose:
        for p in n.inputs:
            if p in parent:
                parent[find(p)] = find(n.id)
    comps: dict = {}
    for n in loose:
        comps.setdefault(find(n.id), []).append(n)
    out = {}
    for members in comps.values():
        if len(members) <= min_gates:
            continue
        count: dict = {}
        for n in members:
            count[n.label] = count.get(n.label, 0) + 1
        name = " ".join(lab for lab, _ in sorted(count.items(), key=lambda kv: -kv[1])[:2]) + " chain"
        out.update({n.id: (name, members[0].id) for n in members})
    return out


FOLD_MIN = 3             # repeated sibling blocks fold from this many repetitions
MAX_BREADTH = 24         # ... and at most this many wires side by side


def repeat_runs(sigs, min_reps: int = FOLD_MIN, max_period: int = 6) -> list:
    """Runs of a repeated pattern in the sequence ``sigs`` (block signatures in call order):
    ``[(start, repetitions, period)]``, left to right, not overlapping; the longest cover wins.

    >>> repeat_runs(list("xabcabcabcy")), repeat_runs(list("aab"))
    ([(1, 3, 3)], [])
    """
    out, i = [], 0
    while i < len(sigs):
        best = None
        for p in range(1, max_period + 1):
            reps = 1
            while i + (reps + 1) * p <= len(sigs) and sigs[i + reps * p:i + (reps + 1) * p] == sigs[i:i + p]:
                reps += 1
            if reps >= min_reps and (best is None or reps * p > best[0] * best[1]):
                best = (reps, p)
        if best is None:
            i += 1
            continue
        out.append((i, best[0], best[1]))
        i += best[0] * best[1]
    return out


def fold_repeats(g, inst) -> bool:
    """Give runs of repeated sibling group instances (40 x (Linear, BatchNorm1d, ReLU), 8 calls
    of one MLP) a common parent "Linear·BatchNorm1d·ReLU ×40", by rewriting the instance paths
    in ``inst`` (node id -> path); True when something folded. A block's signature is its name,
    its own gates' ops and its children's signatures.

    >>> from viz.graphdata import GraphData, Node
    >>> ns = [Node("n0", "x", "leaf")] + [Node(f"n{i}", "relu", "relu", inputs=(f"n{i-1}",),
    ...                                        group=(("Block", i),)) for i in range(1, 4)]
    >>> inst = {n.id: n.group for n in ns}
    >>> fold_repeats(GraphData(tuple(ns), "n3"), inst), inst["n2"]
    (True, (('Block ×3', 'fold:1'), ('Block', 2)))
    """
    direct: dict = {}
    children: dict = {}
    seen: set = set()
    for n in g.nodes:
        p = () if n.is_leaf else inst[n.id]
        if not p:
            continue
        direct.setdefault(p, []).append(n.op)
        for d in range(1, len(p) + 1):
            if p[:d] not in seen:
                seen.add(p[:d])
                children.setdefault(p[:d - 1], []).append(p[:d])
    sig: dict = {}
    for key in sorted(seen, key=len, reverse=True):          # children before parents
        sig[key] = hash((key[-1][0], tuple(direct.get(key, ())),
                         tuple(sig[c] for c in children.get(key, ()))))
    fold: dict = {}
    for kids in children.values():
        kids = [k for k in kids if not str(k[-1][1]).startswith("chain:")]   # boxed loose gates are no block
        for start, reps, period in repeat_runs([sig[k] for k in kids]):
            run = kids[start:start + reps * period]
            name = "·".join(k[-1][0] for k in run[:period]) + f" ×{reps}"
            for k in run:
                fold[k] = (name, f"fold:{run[0][-1][1]}")
    if not fold:
        return False
    for nid, p in inst.items():
        if p:
            new = []
            for d in range(len(p)):
                if p[:d + 1] in fold:
                    new.append(fold[p[:d + 1]])
                new.append(p[d])
            inst[nid] = tuple(new)
    return True


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
    """Collapse groups, innermost level first, until the drawing fits ``max_nodes`` and is
    at most MAX_RANKS gates deep (a page, not a 271-inch strip). A big graph's long
    ungrouped regions (micrograd's L2 chain) become boxes first (:func:`auto_chains`)."""
    if max_nodes is None:
        return set()
    # at most one gate per wire: 2x wires bounds the count
    if len(g.nodes) <= max_nodes // 2 or _assemble(g, inst, set()).node_count() <= max_nodes:
        return _long_levels(g, inst, paths)
    chains = auto_chains(g, inst) if paths else {}     # a graph with no groups at all stays as it is
    if chains:                           # each region its own box: ("+ * chain", first gate)
        for nid, (name, first) in chains.items():
            inst[nid] = ((name, f"chain:{first}"),)
    if fold_repeats(g, inst) or chains:
        paths = sorted({inst[n.id] for n in g.nodes if not n.is_leaf and inst[n.id]}, key=repr)
    if not paths:
        return set()
    keys: set = set()
    for d in range(max(len(p) for p in paths), 0, -1):   # keep the outer structure longest
        keys = {p[:d] for p in paths if len(p) >= d}
        c = _assemble(g, inst, keys, bundle=True)
        if c.node_count() <= max_nodes and ranks(c) <= MAX_RANKS and breadth(c) <= MAX_BREADTH:
            break
    return keys


LONG_LR = 6              # a levelled picture deeper than this many gates reads top to bottom


def auto_rankdir(c) -> str:
    """The layout direction of ``rankdir="auto"`` (the default): "LR" as the slides draw,
    "TB" (as torchviz) for a long picture: more than MAX_RANKS gates deep, or one whose
    default level had to close groups and is still more than LONG_LR deep (a recorded
    GPT block: 84 x 8 inches left to right, 3.3 x 18 top to bottom).

    >>> from viz.graphdata import GraphData, Node
    >>> chain = [Node("n0", "x", "leaf")] + [Node(f"n{i}", "exp", "exp", inputs=(f"n{i-1}",)) for i in range(1, 20)]
    >>> auto_rankdir(build(GraphData(tuple(chain[:4]), "n3"))), auto_rankdir(build(GraphData(tuple(chain), "n19")))
    ('LR', 'TB')
    """
    deep = ranks(c)
    return "TB" if deep > MAX_RANKS or (c.levelled and deep > LONG_LR) else "LR"


def _long_levels(g, inst, paths) -> set:
    """A small graph with groups that is more than MAX_RANKS gates deep (a recorded GPT
    block: an 84-inch strip) closes its innermost groups, level by level, until it is
    page-sized; nothing closes when no level is (or the graph fits already)."""
    if not paths or max(len(p) for p in paths) == 0:
        return set()
    if ranks(_assemble(g, inst, set())) <= MAX_RANKS:
        return set()
    for d in range(max(len(p) for p in paths), 0, -1):
        keys = {p[:d] for p in paths if len(p) >= d}
        c = _assemble(g, inst, keys, bundle=True)
        if ranks(c) <= MAX_RANKS and breadth(c) <= MAX_BREADTH:
            return keys
    return set()


def _depths(c) -> dict:
    depth: dict = {w.id: 0 for w in c.wires}
    for gt in c.gates:                   # topological order: producers first
        d = 0
        for _, w in gt.inputs:
            d = max(d, depth.get(w, 0))
        for w in gt.outputs:
            depth[w] = d + 1
    return depth


def ranks(c) -> int:
    """How many gates deep circuit ``c`` is (its longest path, counted in gates and boxes).

    >>> from viz.graphdata import GraphData, Node
    >>> c = build(GraphData((Node("n0", "x", "leaf"), Node("n1", "exp", "exp", inputs=("n0",))), "n1"))
    >>> ranks(c), breadth(c)
    (1, 1)
    """
    return max(_depths(c).values(), default=0)


def breadth(c) -> int:
    """The most wires of circuit ``c`` at one depth (how tall a left-to-right picture gets)."""
    count: dict = {}
    for d in _depths(c).values():
        count[d] = count.get(d, 0) + 1
    return max(count.values(), default=0)


MAX_BUNDLE = 4           # more wires than this from one box to another are drawn as one bundle


def _bundles(nodes, g, box_of, read_outside, readers) -> tuple:
    """Wires from one collapsed box that are all read by one other box, beyond MAX_BUNDLE per
    pair (100 MLP calls into a loss box): ({kept node id: count}, {dropped node ids})."""
    pairs: dict = {}
    for n in nodes:
        a = box_of.get(n.id)
        r = readers.get(n.id)
        if a is None or n.id not in read_outside or n.id == g.root or not r:
            continue
        bs = {box_of.get(x) for x in r}
        if len(bs) == 1 and None not in bs:
            pairs.setdefault((a, bs.pop()), []).append(n.id)
    kept, dropped = {}, set()
    for ids in pairs.values():
        if len(ids) > MAX_BUNDLE:
            kept[ids[0]] = len(ids)
            dropped.update(ids[1:])
    return kept, dropped


def _assemble(g, inst, keys, bundle: bool = False) -> Circuit:
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
    readers: dict = {}
    for n in nodes:
        for p in n.inputs:
            if p in box_of and box_of.get(n.id) != box_of[p]:
                read_outside.add(p)
            if keys:
                readers.setdefault(p, []).append(n.id)
    # parameters read only inside collapsed boxes are drawn inside them (counted on the box)
    folded = set()
    for n in nodes if keys else ():
        r = readers.get(n.id)
        if n.is_leaf and r and n.id != g.root and all(x in box_of for x in r) \
                and is_parameter(n, readers_grouped=all(inst[x] for x in r)):
            folded.add(n.id)

    kept, dropped = _bundles(nodes, g, box_of, read_outside, readers) if bundle and keys else ({}, ())
    wires, gates = [], []
    wire_of, gate_of = {}, {}
    boxes: dict = {}
    for i, n in enumerate(nodes):
        k = box_of.get(n.id)
        if (k is not None and n.id not in read_outside) or n.id in folded or n.id in dropped:
            continue                     # an internal wire of a collapsed group, a folded parameter, a bundled wire
        if outputs_of(n):
            continue                     # a multi-output gate: its outputs are its wires
        wid = f"v{i}"
        wire_of[n.id] = wid
        cluster = () if n.is_leaf else inst[n.id]
        if k is not None:
            cluster = k[:-1]
        wires.append(Wire(wid, n, i, cluster=cluster, bundle=kept.get(n.id, 1)))
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
                if p in folded and p not in box.folded:
                    box.folded.append(p)
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
