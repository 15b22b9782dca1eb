"""The page as one self-contained HTML file: the data document, the rule table and the
page script inlined (no server, no fetch, no modules: it opens from file:// and offline).

>>> import graphgrad as gg
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> y = x * 3.0; y.backward()
>>> text = page_html(y, title="x times 3")
>>> text.startswith("<!DOCTYPE html>") and "gg-data" in text
True
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from .data import page_data

HERE = Path(__file__).parent

CSS = """
html,body{margin:0;height:100%;font-family:Helvetica,Arial,sans-serif;font-size:13px;overflow:hidden}
#bar{position:fixed;top:0;left:0;right:0;height:38px;display:flex;gap:6px;align-items:center;padding:0 8px;
 background:#fafafa;border-bottom:1px solid #ddd;z-index:2}
#bar b{margin-right:8px} #bar button{font-size:12px} #search{width:150px}
#canvas{position:fixed;top:39px;left:0;width:calc(100% - 330px);height:calc(100% - 39px);background:#fff;cursor:grab}
#side{position:fixed;top:39px;right:0;width:330px;bottom:0;overflow:auto;border-left:1px solid #ddd;
 background:#fcfcfc;padding:8px;box-sizing:border-box}
#narr{min-height:120px} #narr p{margin:4px 0} .muted{color:#757575} .rule{font-family:Courier,monospace}
#tip{position:fixed;display:none;max-width:420px;background:#fff;border:1px solid #999;padding:6px;
 box-shadow:0 2px 6px rgba(0,0,0,.2);z-index:3;pointer-events:none}
.item.box,.cluster .ctitle{cursor:pointer} .item.hit .shape{stroke:#ff6f00;stroke-width:3}
.item.current .shape{fill:#fff59d;stroke:#c62828;stroke-width:2.4}
.item.status-fail .shape{stroke:#d50000;stroke-width:3} .item.status-warn .shape{stroke:#ff8f00;stroke-width:2.4}
.note{color:#d50000} #whatif input{width:64px} #whatif label{white-space:nowrap;margin-right:6px} #whatif input.entry{width:52px}
#expanel{display:none;border:1px solid #1565c0;padding:6px;margin:6px 0} .right{color:#2e7d32} .wrong{color:#c62828}
h4{margin:10px 0 4px 0} path.edge{pointer-events:none}
"""

BODY = """<div id="bar"><b>{title}</b>
<input id="search" placeholder="search name or op" title="Enter: find and open">
<span id="search-status" class="muted"></span>
<button id="fit">fit</button><button id="dir">left to right</button>
<button id="explore">explore</button><button id="prev">&larr;</button><button id="next">step &rarr;</button>
<button id="exercise">exercise</button>
<label class="muted"><input type="checkbox" id="into" checked>step into boxes</label>
<span id="status" class="muted"></span></div>
<svg id="canvas" xmlns="http://www.w3.org/2000/svg"><defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5"
 markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#424242"/></marker></defs>
<g id="vp"></g></svg>
<div id="side"><h4>Narration</h4><div id="narr"></div>
<div id="expanel"><div id="ex-question">Gradient of the next gate's input?</div>
<input id="ex-answer" size="10"> <button id="ex-check">check</button><div id="ex-feedback"></div></div>
<h4>Values</h4><div id="whatif"></div>
<p class="muted">value above each wire (green), gradient below (red); upstream &times; local = downstream.</p></div>
<div id="tip"></div>"""


def _json_for_script(d: dict) -> str:
    # inside <script> only "</" can end the element early; \\u003c keeps every string intact
    return json.dumps(d, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


def document(data: dict) -> str:
    """The HTML text of a page for a page document (see :mod:`viz.page.data`)."""
    title = html.escape(data.get("title") or "graphgrad", quote=True)
    js = (HERE / "rules.js").read_text(encoding="utf-8") + (HERE / "page.js").read_text(encoding="utf-8")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title>"
            "<style>" + CSS + "</style></head><body>" + BODY.replace("{title}", title)
            + '<script type="application/json" id="gg-data">' + _json_for_script(data) + "</script>"
            + "<script>" + js.replace("</script", "<\\/script") + "</script></body></html>\n")


def page_html(source, title: str = "", rankdir: str = "TB", **opts) -> str:
    """The self-contained page of ``source`` (anything :func:`viz.page.data.page_data` reads)."""
    return document(page_data(source, title=title, rankdir=rankdir, **opts))


class Explorer:
    """The interactive page of a graph: ``.to_html(path)`` writes it, and in Jupyter it
    shows inline (an iframe holding the page, so its script and styles stay its own).

    >>> import graphgrad as gg
    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> y = x * 3.0; y.backward()
    >>> Explorer(y).data["nodes"][0]["name"]
    'x'
    """

    def __init__(self, source, title: str = "", rankdir: str = "TB", height: int = 640, **opts):
        if rankdir not in ("TB", "LR"):
            raise ValueError(f"viz.explore: rankdir must be 'TB' or 'LR', got {rankdir!r}")
        self.data = page_data(source, title=title, rankdir=rankdir, **opts)
        self.height = int(height)

    def html(self) -> str:
        """The page's HTML text."""
        return document(self.data)

    def to_html(self, path=None) -> str:
        """Write the page to ``path`` (if given); returns its HTML text."""
        text = self.html()
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ddd"></iframe>')

    def __repr__(self) -> str:
        return f"<viz.explore: {len(self.data['nodes'])} nodes, {len(self.data['steps'])} steps>"


def explore(source, title: str = "", rankdir: str = "TB", **opts) -> Explorer:
    """The interactive page of ``source``: explore, step, what-if and exercise in one
    self-contained HTML file. ``source``: a graphgrad/micrograd Value (``model=`` for
    micrograd groups), a PyTorch tensor or ``viz.record_torch()`` recording, GraphData or
    TraceData.

    >>> import graphgrad as gg
    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> y = x * 3.0; y.backward()
    >>> explore(y)
    <viz.explore: 2 nodes, 1 steps>
    """
    return Explorer(source, title=title, rankdir=rankdir, **opts)
