"""Graph → DOT text in the cs231n style: values on wires (green above, red gradient below),
small round gates with the op inside, left to right, groups as blue clusters.

The text is deterministic (ids from topological position, fixed attribute order) so
golden-file tests can compare it byte for byte, and every user string is escaped.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from . import graph as _graph
from .fmt import DEFAULT_FMT, arithmetic, fmt_number, fmt_shape, resolve_fmt, tensor_lines
from .graphdata import GraphData, Node
from .options import Options

if TYPE_CHECKING:                      # annotations only
    from graphgrad import Value

    from ._types import Collapse, Local

VALUE_COLOR = "#2e7d32"      # hex, never names: "green" differs between PNG and SVG
GRAD_COLOR = "#c62828"
FAIL_FILL = "#ffebee"         # a failing gate's fill (gradcheck reports)
LOCAL_COLOR = "#1565c0"
GROUP_COLOR = "#1565c0"
NAME_COLOR = "#212121"
MUTED_COLOR = "#757575"
FONT = "Helvetica"
MONO = "Courier"
BIG_GRAPH = 2000             # beyond this many nodes, trade layout compactness for speed


def printable(s: str, keep: str = "") -> str:
    r"""``s`` with every control character (C0, DEL, C1), lone surrogate, U+FFFE and U+FFFF
    (which XML, so Graphviz's HTML labels and SVG, refuses) written as a visible escape, so an
    untrusted name can neither break Graphviz's parser nor hide text. ``keep``: control
    characters to leave alone (quote() turns newlines into line breaks itself).

    >>> printable("a\x1b[31mb\x00")
    'a\\x1b[31mb\\x00'
    """
    if s.isprintable():                  # False for every C0, DEL and C1 character
        return s
    out = []
    for ch in s:
        o = ord(ch)
        if (o < 32 or 127 <= o < 160) and ch not in keep:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\x{o:02x}"))
        elif 0xD800 <= o < 0xE000 or o in (0xFFFE, 0xFFFF):
            # not characters to XML (Graphviz's HTML labels, SVG): written as \ufffe
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


def esc(s) -> str:
    """Escape text for an HTML-like DOT label (and for HTML/SVG).

    >>> esc('<script>"}')
    '&lt;script&gt;&quot;}'
    """
    # a backslash would start a Graphviz escape (\\N is the node's name): doubled, it is one literal backslash
    return html.escape(printable(str(s)), quote=True).replace("&#x27;", "&#39;").replace("\\", "&#92;&#92;")


def quote(s) -> str:
    """A DOT double-quoted string; backslashes, quotes and newlines cannot break out.

    >>> quote('a"b')
    '"a\\\\"b"'
    """
    s = printable(str(s), keep="\n\r").replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{s}"'


def to_dot(value: Any, options: Options | None = None, *, grads: dict | None = None,
           **kw: Any) -> str:
    """DOT text of the graph that computed ``value``, cs231n style.

    ``value`` is anything :func:`viz.sources.as_graph` reads (a graphgrad or micrograd
    Value, a PyTorch recording, a GraphData). The drawing choices are a
    :class:`viz.Options` or the same names as keywords: ``show`` ("values", "grads" or
    "both"), ``fmt`` (".2f" as in the slides, "g" for bare integers, or a callable),
    ``local`` (True: every input edge's local gradient and ``upstream × local =
    downstream``; or some nodes, for those gates only), ``collapse`` (group name(s) to
    draw as one box, True for all, False for none; by default groups collapse only when
    the graph has more than ``max_nodes`` nodes), ``max_values`` (tensors up to this many
    entries show their numbers), ``title``, ``rankdir``. ``grads`` overrides gradients
    (``{node id: g}``; the stepper uses it).

    >>> import graphgrad as gg
    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> print(to_dot(x * 3.0).splitlines()[0])
    digraph graphgrad {
    """
    from .sources import as_graph
    o = Options.of(options, who="to_dot", **kw)
    g = as_graph(value, who="to_dot", **o.adapter_options())
    circuit = _graph.build(g, collapse=o.collapse, max_nodes=o.max_nodes)
    return circuit_to_dot(circuit, o, grads=grads)


def circuit_to_dot(c, options=None, grads=None, **kw) -> str:
    """DOT text of an already built :class:`viz.graph.Circuit` (see :func:`to_dot`)."""
    o = Options.of(options, who="to_dot", **kw)
    show, max_values, title, rankdir = o.show, o.max_values, o.title, o.rankdir
    if rankdir == "auto":                # LR, or TB for a long picture (viz.graph.auto_rankdir)
        rankdir = _graph.auto_rankdir(c)
    grad_of = _grad_lookup(grads)
    fmt = resolve_fmt(o.fmt, diagram_numbers(c, grad_of))
    local_for = _local_selector(o.local, c.graph)
    big = c.node_count() > BIG_GRAPH
    out = ["digraph graphgrad {"]
    out.append(f'  graph [rankdir={rankdir} fontname="{FONT}" nodesep=0.3 ranksep=0.4 '
               'bgcolor="#ffffff" pad=0.2 newrank=true'
               + (' mclimit=0.1 nslimit=1 nslimit1=1 remincross=false' if big else "")
               + (f" label=<<B>{esc(title)}</B>> labelloc=t fontsize=16" if title else "") + "];")
    if big:
        out.append(f"  // {c.node_count()} nodes: dot's crossing/ranking passes capped for speed")
    out.append(f'  node [fontname="{FONT}" fontsize=12 margin=0.02];')
    out.append(f'  edge [arrowsize=0.6 color="#424242" penwidth=1.1 fontname="{FONT}"];')

    wire_lines = {w.id: _wire_stmt(w, show, fmt, max_values, grad_of) for w in c.wires}
    gate_lines = {g.id: _gate_stmt(g) for g in c.gates}
    flow = None
    if o.flow is not None:           # the gradient-flow overlay (viz.flow); off: not a byte changes
        from . import flow as _flow
        flow = _flow.styles(c, o.flow)
        gate_lines = {gid: _flow.restyle_gate(st, *flow["gate"][gid]) for gid, st in gate_lines.items()}
    placed = set()
    # clusters: nested subgraphs by group path
    by_cluster: dict = {}
    for w in c.wires:
        by_cluster.setdefault(w.cluster, []).append(w.id)
    for g in c.gates:
        by_cluster.setdefault(g.group, []).append(g.id)
    lines = {**wire_lines, **gate_lines}
    order = {nid: i for i, nid in enumerate([w.id for w in c.wires] + [g.id for g in c.gates])}
    cluster_ids = {p: i for i, p in enumerate(c.clusters)}

    def emit(path, indent):
        for nid in sorted(by_cluster.get(path, []), key=order.get):
            out.append(indent + lines[nid])
            placed.add(nid)
        for child in c.clusters:
            if len(child) == len(path) + 1 and child[:len(path)] == path:
                out.append(f"{indent}subgraph cluster_{cluster_ids[child]} {{")
                out.append(f'{indent}  graph [label=<{esc(child[-1][0])}> fontcolor="{GROUP_COLOR}" '
                           f'color="{GROUP_COLOR}" style="rounded" penwidth=1.3 fontsize=12 '
                           f'labeljust=l margin=10];')
                emit(child, indent + "  ")
                out.append(indent + "}")

    emit((), "  ")
    for nid in sorted(set(lines) - placed, key=order.get):   # nodes of paths with no cluster
        out.append("  " + lines[nid])

    leave, enter = wire_ports(rankdir)
    for g in c.gates:
        for pos, wid in g.inputs:
            attrs = [f'id="e_{wid}_{g.id}"']
            if flow is not None:
                colour, width = flow["wire"][wid]
                attrs.append(f'color="{colour}" penwidth={width:.2f}')
            wrong = g.node.meta.get("fail_inputs", {}).get(pos) if g.node is not None and g.node.meta else None
            if wrong:                # a gradcheck report: what backward sent and what was expected
                attrs.append(f'color="{GRAD_COLOR}" penwidth=2.4 class="fail" '
                             f"label=<{_font(wrong, GRAD_COLOR, size=10)}>")
            elif local_for(g):
                lab = _local_label(g, pos, fmt, grad_of)
                if lab:
                    attrs.append(f"label=<{lab}>")
            out.append(f"  {wid}:{leave} -> {g.id} [{' '.join(attrs)}];")
        for wid in g.outputs:
            out.append(f'  {g.id} -> {wid}:{enter} [id="e_{g.id}_{wid}" arrowhead=none];')
    out.append("}")
    return "\n".join(out) + "\n"


def diagram_numbers(c, grad_of=None):
    """Every number a drawing of circuit ``c`` can show: values, gradients, local gradients."""
    grad_of = grad_of or (lambda n: n.grad)
    for w in c.wires:
        yield w.node.value
        yield grad_of(w.node)
    for g in c.gates:
        if g.node is not None and g.node.local is not None:
            yield from (x for x in g.node.local if x is not None)


# ---------------------------------------------------------------- wires
def wire_ports(rankdir: str = "LR") -> tuple:
    """Where edges leave and enter a wire's line: its right and left ends for a
    left-to-right layout; its bottom and top for top-to-bottom (ends of the line there
    would make every wire step half its width sideways, so a chain drifts diagonally).

    >>> wire_ports("LR"), wire_ports("TB")
    (('r:e', 'r:w'), ('s', 'n'))
    """
    return {"TB": ("s", "n"), "BT": ("n", "s")}.get(rankdir, ("r:e", "r:w"))


def _grad_lookup(grads):
    if grads is None:
        return lambda n: n.grad
    return lambda n: grads.get(n.id)


def shape_dtype(n):
    """(shape, dtype) of a node's value; from ``meta`` for a structure-only node.

    >>> shape_dtype(Node("a", "a", "leaf", value=np.zeros((2, 3), np.float32)))
    ((2, 3), dtype('float32'))
    """
    if n.value is None:
        return tuple(n.meta.get("shape", ())), np.dtype(n.meta.get("dtype", "float64"))
    a = np.asarray(n.value)
    return a.shape, a.dtype


def _cell_lines(data, fmt, max_values) -> list:
    a = np.asarray(data)
    if a.size == 1 and a.ndim == 0:
        return [fmt_number(a, fmt)]
    return tensor_lines(a, fmt, max_values)


def _font(text_lines, color, mono=False, size=11) -> str:
    face = f' FACE="{MONO}"' if mono else ""
    body = "<BR/>".join(esc(t) for t in text_lines)
    return f'<FONT COLOR="{color}" POINT-SIZE="{size}"{face}>{body}</FONT>'


def wire_label(w, show="both", fmt=DEFAULT_FMT, max_values=16, grad_of=None) -> str:
    """The HTML-like label of one wire: [name] value / rule / gradient."""
    n = w.node
    grad_of = grad_of or (lambda x: x.grad)
    shape, dtype = shape_dtype(n)
    tensor = shape != ()
    rows = []
    name = n.name if n.name is not None else ("const" if n.constant else None)
    meta = ""
    if tensor or dtype != np.float64:       # a 0-d float32 (a PyTorch loss) reads "scalar float32"
        meta = fmt_shape(shape) + ("" if dtype == np.float64 else f" {dtype}")
    if show in ("both", "values") and n.value is not None:
        val = _font(_cell_lines(n.value, fmt, max_values), VALUE_COLOR, mono=tensor)
    else:
        val = " "
    g = grad_of(n)
    if show in ("both", "grads") and g is not None:
        grad = _font(_cell_lines(g, fmt, max_values), GRAD_COLOR, mono=tensor)
    else:
        grad = " "
    top = []
    if meta:
        top.append(f'<FONT COLOR="{MUTED_COLOR}" POINT-SIZE="9">{esc(meta)}</FONT>')
    if name is not None and not n.is_leaf:
        top.insert(0, f'<FONT COLOR="{NAME_COLOR}" POINT-SIZE="11"><I>{esc(name)}</I></FONT>')
    value_cell = "<BR/>".join(top + [val]) if top else val
    rows.append(f"<TR>{{name}}<TD>{value_cell}</TD></TR>")
    rows.append('<TR><TD PORT="r" SIDES="B" BORDER="1" HEIGHT="1" CELLPADDING="0" WIDTH="36"></TD></TR>')
    note = n.meta.get("grad_note") if g is not None and show in ("both", "grads") else None
    if note:                             # an honest caveat on the gradient (a hook changed it, ...)
        grad += f'<BR/><FONT COLOR="{GRAD_COLOR}" POINT-SIZE="8"><I>{esc(note)}</I></FONT>'
    rows.append(f"<TR><TD>{grad}</TD></TR>")
    name_cell = ""
    if name is not None and n.is_leaf:
        name_cell = (f'<TD ROWSPAN="3" VALIGN="MIDDLE" ALIGN="RIGHT" CELLPADDING="3"><FONT COLOR="{NAME_COLOR}" '
                     f'POINT-SIZE="13">{esc(name)}</FONT></TD>')
    rows[0] = rows[0].replace("{name}", name_cell)
    return ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>")


def _wire_stmt(w, show, fmt, max_values, grad_of) -> str:
    n = w.node
    if w.bundle > 1:                     # many wires from one box into another: one line, counted
        return (f'{w.id} [shape=plain id="{w.id}" class="wire" tooltip="{w.bundle} wires" '
                f'label=<<FONT COLOR="{MUTED_COLOR}" POINT-SIZE="11">{w.bundle} wires</FONT>>];')
    shape, _ = shape_dtype(n)
    tip = (n.name or "") + (f" {fmt_shape(shape)}" if shape != () else "")
    return (f'{w.id} [shape=plain id="{w.id}" class="wire" tooltip={quote(tip or w.id)} '
            f"label=<{wire_label(w, show, fmt, max_values, grad_of)}>];")


# ---------------------------------------------------------------- gates
def gate_tooltip(n) -> str:
    """A gate's hover text: its adapter's, else the label and the local formulas.

    >>> gate_tooltip(Node("b", "exp", "exp", inputs=("a",), formulas=("d(e^x)/dx = e^x",))).splitlines()
    ['exp', 'd(e^x)/dx = e^x']
    """
    if n.tooltip is not None:
        return n.tooltip
    return "\n".join([n.label] + [f for f in n.formulas if f])


def _gate_stmt(g) -> str:
    label = esc(g.label)
    if g.collapsed:
        tip = f"group {g.label}: {len(g.members)} gates collapsed"
        fail = _failing(g)
        tip = "\n".join([tip] + fail)
        if g.folded:                     # parameters drawn inside the box, not as wires into it
            k = len(g.folded)
            tip += f", {k} {'leaf' if k == 1 else 'leaves'} (parameters, inputs) inside"
            label += (f'<BR/><FONT POINT-SIZE="9" COLOR="{MUTED_COLOR}">{k} '
                      f'{"leaf" if k == 1 else "leaves"} inside</FONT>')
        look = (f'fillcolor="{FAIL_FILL}" color="{GRAD_COLOR}" penwidth=3' if fail
                else f'fillcolor="#e3f2fd" color="{GROUP_COLOR}" penwidth=1.4')
        return (f'{g.id} [shape=box style="rounded,filled" {look} '
                f'id="{g.id}" class="gate group{" fail" if fail else ""}" tooltip={quote(tip)} '
                f"label=<<B>{label}</B>>];")
    tip = gate_tooltip(g.node) if g.node is not None else g.label
    fail = _failing(g)
    if fail:                             # a gradcheck report's failing gate: red, its notes on hover
        tip = "\n".join([tip] + list(fail))
    if len(g.label) > 24:                # a long label is cut: its full text stays in the tooltip
        label = esc(g.label[:23] + "…")
    if len(g.label) <= 3:
        shape = f"shape=circle width={0.42 if len(g.label) <= 2 else 0.5} fixedsize=true"
    else:
        shape = 'shape=box height=0.36 margin="0.08,0.03"'
    look = (f'fillcolor="{FAIL_FILL}" color="{GRAD_COLOR}" penwidth=3 fontcolor="{GRAD_COLOR}"' if fail
            else 'fillcolor="#ffffff"')
    return (f'{g.id} [{shape} {look} style="{"rounded," if "box" in shape else ""}filled" '
            f'id="{g.id}" class="gate{" fail" if fail else ""}" tooltip={quote(tip)} fontsize=14 label=<{label}>];')


def _failing(g) -> list:
    """The notes of a gate a gradcheck report marked failing (``meta["status"] == "fail"``)."""
    notes = []
    for n in (g.members if g.collapsed else [g.node]):   # a collapsed box shows its members' failures
        if n is not None and n.meta and n.meta.get("status") == "fail":
            notes.extend(n.meta.get("notes", ()) or ["gradcheck: this gate fails"])
    return notes


def select_nodes(sel, graph) -> set:
    """Node ids picked by ``sel``: node ids, Nodes, or the engine's own objects (one or a list).

    >>> sorted(select_nodes(["n1", Node("n2", "+", "add")], GraphData(nodes=(), root="n1")))
    ['n1', 'n2']
    """
    wanted = sel if isinstance(sel, (list, tuple, set, frozenset)) else [sel]
    ids = set()
    for x in wanted:
        if isinstance(x, str):
            ids.add(x)
        elif isinstance(x, Node):
            ids.add(x.id)
        elif id(x) in graph.lookup:
            ids.add(graph.lookup[id(x)])
    return ids


def _local_selector(local, graph):
    if local is True:
        return lambda g: not g.collapsed
    if local is None or local is False:
        return lambda g: False
    ids = select_nodes(local, graph)
    return lambda g: (not g.collapsed) and g.node is not None and g.node.id in ids


def _local_label(g, pos, fmt, grad_of) -> str:
    n = g.node
    k = n.slot(pos)
    formula = n.formulas[k] if k < len(n.formulas) else ""
    loc = n.local[k] if n.local is not None and k < len(n.local) else None
    parts = []
    if loc is not None and np.size(loc) == 1:
        lv = float(np.asarray(loc).reshape(()))
        parts.append(f"local {fmt_number(lv, fmt)}")
        up = grad_of(n)
        if up is not None and np.size(up) == 1:
            upf = float(np.asarray(up).reshape(()))
            parts.append(arithmetic(upf, lv, upf * lv, fmt))
    elif formula:
        parts.append(formula.split("=", 1)[-1].strip() if "=" in formula else formula)
    if not parts:
        return ""
    label = _font(parts, LOCAL_COLOR, size=9)
    wrong = n.meta.get("local_disagrees", {}).get(pos)
    if wrong is not None:            # never draw a false equation: say what backward sent
        sent = wrong[1]
        shown = fmt_number(float(np.asarray(sent).reshape(())), fmt) if np.size(sent) == 1 else "other values"
        label += "<BR/>" + _font([f"≠ backward {shown}", "local() and backward disagree"], GRAD_COLOR, size=9)
    return label
