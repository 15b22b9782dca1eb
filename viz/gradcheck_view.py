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

import dataclasses
import os
from typing import Any

from .graphdata import GraphData


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


def as_graph(report: Any, **_opts: Any) -> GraphData:
    """The report's graph as plain data, each failing gate marked in its ``meta``:
    ``status`` "fail", ``notes`` (one line per failure, then the source line) and
    ``fail_inputs`` ({argument position: lines for that input's edge}). Every view that
    reads GraphData draws it (the DOT writer outlines such a gate in red), so
    ``viz.render(report, "f.svg")`` and a gallery script exposing a report work too.

    >>> import graphgrad as gg
    >>> as_graph(gg.GateReport((), 0, GraphData((), "n0"))).nodes
    ()
    """
    g, found = failing_nodes(report)
    if not found:
        return g
    nodes = []
    for n in g.nodes:
        fails = found.get(n.id)
        if fails:
            meta = dict(n.meta)
            meta["status"] = "fail"
            meta["notes"] = [f.describe().strip() for f in fails]
            meta["fail_inputs"] = {f.input: edge_text(f) for f in fails}
            n = dataclasses.replace(n, meta=meta)
        nodes.append(n)
    return GraphData(nodes=tuple(nodes), root=g.root, source=g.source, lookup=g.lookup)


def is_node(obj: Any) -> bool:
    """A gradcheck report is something a script can expose for drawing."""
    return hasattr(obj, "failures") and hasattr(obj, "gates")


def inputs_of(obj: Any) -> tuple:
    return ()


def as_trace(obj: Any, who: str = "viz", **_opts: Any):
    raise TypeError(f"{who}: a gradcheck report is drawn, not stepped; step through its graph "
                    "instead (viz.Stepper(report.output))")


def gradcheck_dot(report: Any, options: Any = None, **kw: Any) -> str:
    """DOT text of the report's graph with each failing gate outlined in red and its
    failing input edges labelled with the gradient backward sent and the expected one.
    Drawing choices as :func:`viz.to_dot` (a :class:`viz.Options` or keywords); the
    title names the first failing gate unless one is given."""
    from .dot import to_dot
    first = report.failures[0].where if getattr(report, "failures", ()) else None
    if "title" not in kw and (options is None or getattr(options, "title", None) is None) and first:
        kw["title"] = f"gradcheck: the first failing gate is {first}"
    return to_dot(as_graph(report), options, **kw)


def gradcheck_picture(report: Any, path: str | os.PathLike, format: str | None = None,
                      timeout: float = 60.0, options: Any = None, **kw: Any) -> str:
    """Draw :func:`gradcheck_dot` into ``path`` (svg, png or pdf, from ``format`` or the
    extension); returns the path.

    >>> import graphgrad as gg, numpy as np
    >>> report = gg.check_gates(lambda x: (x * x).sum(), gg.Value(np.ones(3), requires_grad=True))
    >>> gradcheck_picture(report, "failing.svg")
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
    return {nid: {"status": "fail", "notes": [f.describe().strip() for f in fails]}
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
