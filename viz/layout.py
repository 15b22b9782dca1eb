"""One layout for a whole deck: node positions fixed once per graph, reused by its variants.

Graphviz lays out each DOT text on its own, so the plain and the ``local=True`` drawing
of one circuit, or its collapsed and expanded forms, come out with nodes in different
places (the local labels change dot's crossing minimisation: w0, x0, x1, w1). A
:class:`Layout` lays the graph out once, in its richest form (every group expanded,
every local gradient written), and any drawing given ``layout=`` keeps those positions:
the same nodes at the same points, edges on the same curves, a collapsed group drawn as
one box exactly where its cluster was (so an "open the box" slide lines up with the
overview). Pinned drawings go through Graphviz's ``neato -n2``, which keeps given
positions and splines.

``order=[w0, x0, w1, x1, w2]`` (Values, names or node ids) pins the order of those
nodes: within each rank (column, for rankdir="LR"), the listed nodes take their rank's
slots top to bottom (left to right for "TB") in the order given.

>>> import graphgrad as gg, viz
>>> a, b = gg.Value(2.0, requires_grad=True, name="a"), gg.Value(3.0, requires_grad=True, name="b")
>>> f = (a * b).tanh(); f.backward()
>>> lay = Layout(f, order=[b, a])
>>> lay.position("v1")[1] > lay.position("v0")[1]       # b (v1) above a (v0)
True
"""
from __future__ import annotations

import json
import re

PIN_ARGS = ("-Kneato", "-n2")
_NODE = re.compile(r"^(\s*)(\w+) \[", re.M)
_EDGE_ID = re.compile(r'\[id="(e_\w+)"')
_CLUSTER = re.compile(r"^(\s*)subgraph (cluster_\d+) \{\n(\s*)graph \[", re.M)


class Layout:
    """Node positions of ``source``'s graph (anything :class:`viz.Stepper` or
    :func:`viz.to_dot` reads, or a Stepper), laid out once; see the module docstring.
    ``rankdir`` as for :class:`viz.Options`; ``order`` pins an order of nodes.

    >>> import graphgrad as gg, viz
    >>> a, b = gg.Value(2.0, requires_grad=True, name="a"), gg.Value(3.0, requires_grad=True, name="b")
    >>> f = a * b; f.backward()
    >>> lay = Layout(f, order=[b, a])
    >>> lay.position("v1")[1] > lay.position("v0")[1]       # b (v1) above a (v0), y up
    True
    >>> st = viz.Stepper(f, layout=lay)                      # every frame keeps these positions
    """

    def __init__(self, source, order=None, rankdir: str = "LR", **options):
        from . import graph as _graph
        from .dot import circuit_to_dot
        from .options import Options
        from .render import run_dot
        from .sources import as_graph
        if hasattr(source, "circuit") and hasattr(source, "trace"):        # a Stepper
            g = source.trace.graph
            grads = source._final
            rankdir = source.options.rankdir if rankdir == "LR" else rankdir
            o = source.options.replace(local=True, collapse=False, title=None, show="both",
                                       layout=None, rankdir=rankdir)
        else:
            o = Options.of(options, who="Layout").replace(local=True, collapse=False, title=None,
                                                         show="both", rankdir=rankdir)
            try:
                g = as_graph(source, who="Layout", **o.adapter_options())
            except TypeError:
                from .sources import as_trace
                g = as_trace(source, who="Layout", **o.adapter_options()).graph
            grads = None
        self.graph = g
        c = _graph.build(g, collapse=False, max_nodes=None)
        self.rankdir = _graph.auto_rankdir(c) if o.rankdir == "auto" else o.rankdir
        dot = circuit_to_dot(c, o, grads=grads)
        laid = json.loads(run_dot(dot, "json").decode("utf-8"))
        self.bb = laid.get("bb")
        self.nodes, self.edges, self.clusters = {}, {}, {}
        for obj in laid.get("objects", []):
            name = str(obj.get("name", ""))
            if name.startswith("cluster_"):
                k = int(name.split("_", 1)[1])
                if k < len(c.clusters) and "bb" in obj:
                    self.clusters[c.clusters[k]] = [float(v) for v in obj["bb"].split(",")]
            elif "pos" in obj:
                self.nodes[name] = tuple(float(v) for v in obj["pos"].split(","))
        for e in laid.get("edges", []):
            if "id" in e and "pos" in e:
                self.edges[e["id"]] = {"pos": e["pos"], "lp": e.get("lp")}
        self.moved = set()
        if order:
            self._pin_order(order, None, c)

    def position(self, node_id: str) -> tuple:
        """``(x, y)`` in points (Graphviz's, y up) of a drawn node (``v3``, ``g4``)."""
        return self.nodes[node_id]

    def _pin_order(self, order, ids, c):
        wires = [c.wire_of[i] for i in _ordered_ids(order, ids, self.graph) if i in c.wire_of]
        axis = 0 if self.rankdir in ("LR", "RL") else 1        # the coordinate that names the rank
        ranks: dict = {}
        for w in wires:
            if w in self.nodes:
                ranks.setdefault(round(self.nodes[w][axis], 1), []).append(w)
        for members in ranks.values():
            other = 1 - axis
            slots = sorted((self.nodes[w][other] for w in members), reverse=(axis == 0))
            for w, v in zip(members, slots):
                p = list(self.nodes[w])
                if p[other] != v:
                    p[other] = v
                    self.nodes[w] = tuple(p)
                    self.moved.add(w)

    def pin(self, dot_text: str, circuit) -> str:
        """``dot_text`` (a drawing of ``circuit``, a variant of this layout's graph) with
        every node, edge and cluster placed where this layout has it; render it with
        :data:`PIN_ARGS` (``neato -n2``)."""
        boxes = {}
        for gate in circuit.gates:
            if gate.collapsed and gate.members:
                path = tuple(gate.members[0].group[:len(gate.group) + 1])
                if path in self.clusters:
                    boxes[gate.id] = self.clusters[path]
        missing = [n for n in re.findall(r"^\s*([vgb]\d+) \[", dot_text, re.M)
                   if n not in self.nodes and n not in boxes]
        if missing:
            raise ValueError(f"layout: node {missing[0]} of this drawing is not in the layout's graph; a "
                             "Layout fits only drawings of the graph it was made from")

        def node(m):
            name = m.group(2)
            if name in boxes:
                x0, y0, x1, y1 = boxes[name]
                return (f'{m.group(1)}{name} [pos="{(x0 + x1) / 2:.2f},{(y0 + y1) / 2:.2f}!" '
                        f'width={(x1 - x0) / 72:.3f} height={(y1 - y0) / 72:.3f} fixedsize=true ')
            if name in self.nodes:
                x, y = self.nodes[name]
                return f'{m.group(1)}{name} [pos="{x:.2f},{y:.2f}!" '
            return m.group(0)

        text = _NODE.sub(node, dot_text)
        cl_paths = {f"cluster_{k}": p for k, p in enumerate(circuit.clusters)}

        def cluster(m):
            bb = self.clusters.get(cl_paths.get(m.group(2)))
            head = m.group(0)
            return head + (f'bb="{",".join(f"{v:.2f}" for v in bb)}" ' if bb else "")

        text = _CLUSTER.sub(cluster, text)
        out = []
        for line in text.split("\n"):
            m = _EDGE_ID.search(line)
            if m and m.group(1) in self.edges and not any(w in line for w in self._moved_refs()):
                e = self.edges[m.group(1)]
                extra = f'pos="{e["pos"]}" ' + (f'lp="{e["lp"]}" ' if e["lp"] and "label=" in line else "")
                line = line.replace(f'[id="{m.group(1)}"', f'[{extra}id="{m.group(1)}"', 1)
            out.append(line)
        text = "\n".join(out)
        if self.bb:                      # two invisible corners keep the bounding box (and so the SVG coordinates)
            x0, y0, x1, y1 = (float(v) for v in self.bb.split(","))
            corners = (f'  pin_lo [shape=point style=invis width=0 height=0 label="" pos="{x0:.2f},{y0:.2f}!"];\n'
                       f'  pin_hi [shape=point style=invis width=0 height=0 label="" pos="{x1:.2f},{y1:.2f}!"];\n')
            k = text.rfind("}")
            text = text[:k] + corners + text[k:]
        return text

    def _moved_refs(self):
        return [f"{w}:" for w in self.moved] + [f"-> {w} " for w in self.moved] + [f"_{w}_" for w in self.moved]


def _ordered_ids(order, ids, graph) -> list:
    """The node ids of ``order`` in its own order (select_nodes gives a set)."""
    from .dot import select_nodes
    pos = {n.id: k for k, n in enumerate(graph.nodes)}
    out = []
    for item in order:
        got = select_nodes([item], graph) & set(pos)
        if isinstance(item, str) and not got:            # a name, not a node id
            got = {n.id for n in graph.nodes if n.name == item}
        if not got:
            raise ValueError(f"Layout: order names {item!r}, which is not a node of this graph "
                             "(give its Value, its name or its node id)")
        out += [n for n in sorted(got, key=pos.get) if n not in out]
    return out


def of(layout, who: str = "viz"):
    """``layout`` as a :class:`Layout` (a Stepper gives its own layout's source), or None."""
    if layout is None or isinstance(layout, Layout):
        return layout
    if hasattr(layout, "circuit") and hasattr(layout, "trace"):
        return Layout(layout)
    raise TypeError(f"{who}: layout must be a viz.Layout (or a Stepper), got {type(layout).__name__}")
