"""The picture of a failed gradcheck: the graph with the failing gate drawn in red.

Reads the plain-data report the engine makes (:class:`graphgrad.GateReport`, from
``graphgrad.check_gates`` or a ``GradcheckError``'s ``report``) and the graph it came
from; the failing gate gets a red border and its input edges say what its backward sent
and what central differences expected (the worst entry, for a tensor).

>>> import numpy as np, graphgrad as gg
>>> class Twice(gg.Op):
...     name = symbol = "twice"
...     def forward(self, a):
...         return 2 * a, None
...     def backward(self, ctx, g):
...         return (3 * g,)                    # wrong on purpose
>>> x = gg.Value(np.array([1.0, -2.0]), requires_grad=True, name="x")
>>> report = gg.check_gates(lambda x: gg.apply(Twice(), x.tanh()).sum(), x)
>>> 'class="gate fail"' in gradcheck_dot(report)
True
"""
from __future__ import annotations

import os
import re
from typing import Any

from .graphdata import GraphData

FAIL_COLOR = "#d32f2f"       # hex, never names: "red" differs between PNG and SVG
FAIL_FILL = "#ffebee"


def failing_nodes(report: Any) -> tuple:
    """``(GraphData, {node id: [GateFailure, ...]})``: the report's graph as plain data and
    the failures of each drawn gate. A report from PyTorch (``viz.torch_check``) carries
    its GraphData and node ids; a graphgrad report its output Value and gate Values."""
    out = getattr(report, "output", None)
    if out is None or not hasattr(report, "failures"):
        raise TypeError(f"gradcheck picture: expected a graphgrad GateReport (GradcheckError.report or "
                        f"graphgrad.check_gates(...)), got {type(report).__name__}")
    if isinstance(out, GraphData):
        g = out
        key = (lambda f: f.node)
    else:
        from .sources import as_graph
        g = as_graph(out)
        key = (lambda f: g.lookup.get(id(f.node)))
    found: dict = {}
    for f in report.failures:
        nid = key(f)
        if nid is not None:
            found.setdefault(nid, []).append(f)
    return g, found


def _num(x) -> str:
    return f"{x:.4g}"


def edge_text(f) -> list:
    """What the failing input's edge says: backward's number and the expected one.

    >>> from graphgrad import GateFailure
    >>> edge_text(GateFailure(0, "mul", "*", (), 1, "backward", (((0,), 8.0, 12.0, 0.2),), 1, 1))
    ['input 1, worst (0,)', 'backward 8', 'expected 12']
    """
    ix, an, ex, _ = f.worst[0]
    where = ix if isinstance(ix, str) else str(tuple(int(i) for i in ix))
    if f.kind == "local":
        return [f"input {f.input}: local() disagrees", f"upstream × local {_num(ex)}", f"backward {_num(an)}"]
    head = f"input {f.input}" + ("" if where == "()" else f", worst {where}")
    if f.kind == "kink":
        head += " (a kink)"
    return [head, f"backward {_num(an)}", f"expected {_num(ex)}"]


def gradcheck_dot(report: Any, options: Any = None, **kw: Any) -> str:
    """DOT text of the report's graph with each failing gate outlined in red and its
    failing input edges labelled with the gradient backward sent and the expected one.
    Drawing choices as :func:`viz.to_dot` (a :class:`viz.Options` or keywords)."""
    from . import graph as _graph
    from .dot import circuit_to_dot, esc, quote
    from .options import Options
    g, found = failing_nodes(report)
    first = report.failures[0].where if report.failures else None
    if "title" not in kw and (options is None or getattr(options, "title", None) is None) and first:
        kw["title"] = f"gradcheck: {len(found)} failing gate(s); first: {first}"
    o = Options.of(options, who="gradcheck_dot", **kw)
    c = _graph.build(g, collapse=o.collapse, max_nodes=o.max_nodes)
    text = circuit_to_dot(c, o)
    gates = {gt.id: gt for gt in c.gates}
    lines = text.split("\n")
    for nid, fails in found.items():
        gid = c.gate_of.get(nid)
        if gid is None:
            continue
        tip = "\n".join(f.describe() for f in fails)
        for k, line in enumerate(lines):
            if f'id="{gid}" class="gate' in line and "->" not in line:
                line = line.replace('fillcolor="#ffffff"', f'fillcolor="{FAIL_FILL}"')
                line = re.sub(r'class="gate( group)?"', lambda m: f'class="gate{m.group(1) or ""} fail" '
                              f'color="{FAIL_COLOR}" penwidth=3 fontcolor="{FAIL_COLOR}"', line, count=1)
                line = re.sub(r'tooltip=("(?:[^"\\]|\\.)*")', lambda m: f"tooltip={quote(tip)}", line, count=1)
                lines[k] = line
        gate = gates[gid]
        for f in fails:
            pos = f.input
            wids = [w for p, w in gate.inputs if p == pos] if not gate.collapsed else []
            for wid in wids:
                edge_id = f'id="e_{wid}_{gid}"'
                body = "<BR/>".join(esc(t) for t in edge_text(f))
                label = f'<FONT COLOR="{FAIL_COLOR}" POINT-SIZE="10">{body}</FONT>'
                for k, line in enumerate(lines):
                    if edge_id in line:
                        line = re.sub(r" label=<.*>\]", "]", line)
                        lines[k] = line.replace(edge_id, f'{edge_id} color="{FAIL_COLOR}" penwidth=2.4 '
                                                f'class="fail" label=<{label}>', 1)
    return "\n".join(lines)


def gradcheck_picture(report: Any, path: str | os.PathLike, format: str | None = None,
                      timeout: float = 60.0, options: Any = None, **kw: Any) -> str:
    """Draw :func:`gradcheck_dot` into ``path`` (svg, png or pdf, from ``format`` or the
    extension); returns the path.

    >>> gradcheck_picture(err.report, "failing.svg")      # doctest: +SKIP
    'failing.svg'
    """
    from .render import dot_to_pdf, run_dot
    path = os.fspath(path)
    fmt = (format or os.path.splitext(path)[1].lstrip(".") or "svg").lower()
    if fmt not in ("svg", "png", "pdf", "dot"):
        raise ValueError(f"gradcheck_picture: cannot write {fmt!r}; use a .svg, .png, .pdf or .dot path")
    text = gradcheck_dot(report, options, **kw)
    data = (text.encode("utf-8") if fmt == "dot" else dot_to_pdf(text, timeout) if fmt == "pdf"
            else run_dot(text, fmt, timeout))
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def page_annotations(report: Any) -> dict:
    """``{node id: {"status": "fail", "notes": [...]}}`` for the interactive page (format of
    ``/work/notes/page-format.md``: a gate marked "fail" is outlined in red, its notes shown
    on hover).

    >>> import graphgrad as gg
    >>> page_annotations(gg.GateReport(failures=(), gates=0, output=GraphData((), "n0")))
    {}
    """
    _, found = failing_nodes(report)
    return {nid: {"status": "fail",
                  "notes": [" ".join(edge_text(f)) for f in fails]
                  + [f"created at {fails[0].site}" if fails[0].site else "source line unknown"]}
            for nid, fails in found.items()}


def annotate_page(data: dict, report: Any) -> dict:
    """Mark the report's failing gates in a page-data document (``viz.page``'s JSON, which
    addresses nodes by their GraphData id): sets ``status`` and ``notes``; returns ``data``.
    The page must be built from the same graph as the report (``report.output``).

    >>> import graphgrad as gg
    >>> annotate_page({"nodes": [{"id": "n0"}]}, gg.GateReport((), 0, GraphData((), "n0")))
    {'nodes': [{'id': 'n0'}]}
    """
    marks = page_annotations(report)
    for node in data.get("nodes", ()):
        m = marks.get(node.get("id"))
        if m is not None:
            node["status"] = m["status"]
            node["notes"] = list(node.get("notes", [])) + m["notes"]
    return data
