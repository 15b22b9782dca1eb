"""Stepper frames drawn in linear time: the layout parsed once, each item styled once per look.

A frame differs from the laid-out drawing (:meth:`viz.Stepper.base_svg`) only in how
each item (a wire, a gate, an edge) looks: gradient hidden, partial or final, the
running gate highlighted, an edge lit. :class:`FrameDrawing` parses the SVG once, gives
every item a small *look key* per frame and styles each (item, look) pair once, so a
deck of ``n`` frames costs one parse plus ``n`` joins of cached fragments instead of
``n`` parses, and a PDF draws each distinct piece once as a reusable form
(:func:`viz.pages.deck_pdf`).

>>> import graphgrad as gg, viz
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> st = viz.Stepper((x * x).exp())
>>> fd = FrameDrawing(st)
>>> fd.svg(0).count("<svg") == 1 and len(fd.items) > 3
True
"""
from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET

from .dot import GRAD_COLOR, LOCAL_COLOR, VALUE_COLOR
from .frames import is_hidden, strip_hidden
from .stepper import HIGHLIGHT_FILL, PARTIAL_COLOR

SVG_NS = "http://www.w3.org/2000/svg"
_T = f"{{{SVG_NS}}}"
_XMLNS = re.compile(r' xmlns(:\w+)?="[^"]*"')


def _register():
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


class FrameDrawing:
    """The laid-out SVG of a :class:`viz.Stepper` split into items, with a cache of each
    item's styled fragment per look (see the module docstring)."""

    def __init__(self, st):
        _register()
        svg = st.base_svg()
        root = ET.fromstring(svg[svg.find("<svg"):].encode("utf-8"))
        self.st = st
        self.width_attr, self.height_attr = root.get("width", ""), root.get("height", "")
        self.viewbox = root.get("viewBox", "")
        graph = next((g for g in root if g.tag == _T + "g"), None)
        if graph is None:
            raise ValueError("Stepper: Graphviz's SVG has no graph group; cannot draw the frames")
        self.transform = graph.get("transform", "")
        self.items = list(graph)
        self.ids = [el.get("id") for el in self.items]
        wires = {w.id for w in st.circuit.wires}
        self.kind = []
        for el in self.items:
            i, cls = el.get("id"), (el.get("class") or "").split()
            self.kind.append("wire" if i in wires else "edge" if "edge" in cls else
                             "node" if "node" in cls else "static")
        self.local = st.options.local is not None and st.options.local is not False
        # the frame from which each edge's local gradient is written (the stepper's local_edges)
        self.local_from = {}
        for f in st:
            if f.phase == "backward":
                for e in f.edges:
                    self.local_from.setdefault(e, f.index)
        self._cache = {}
        self.width_pt, self.height_pt = _pt(self.width_attr), _pt(self.height_attr)

    # ---------------------------------------------------------------- looks
    def looks(self, i: int) -> list:
        """The look key of every item in frame ``i`` (equal keys draw equal fragments)."""
        f = self.st[i]
        values = None if f.values is None else set(f.values)
        edges, fresh = set(f.edges), set(f.fresh)
        out = []
        for el_id, kind in zip(self.ids, self.kind):
            if kind == "wire":
                s = f.grads.get(el_id)
                g = "h" if s is None or (not s[1] and s[0] is None) else ("p", s[0]) if not s[1] else "f"
                out.append((g, el_id in fresh, values is None or el_id in values, el_id == f.node_id))
            elif kind == "edge":
                shown = (not self.local) or self.local_from.get(el_id, len(self.st)) <= f.index
                out.append((el_id in edges, shown))
            elif kind == "node":
                out.append((el_id == f.node_id,))
            else:
                out.append(())
        return out

    def fragment(self, k: int, look, portable: bool = True) -> str:
        """Item ``k`` drawn with ``look``, as SVG text (hidden parts removed when ``portable``)."""
        key = (k, look, portable)
        got = self._cache.get(key)
        if got is None:
            el = copy.deepcopy(self.items[k])
            _style(el, self.kind[k], look)
            if portable:
                strip_hidden(el)
            got = "" if portable and is_hidden(el) else _XMLNS.sub("", ET.tostring(el, encoding="unicode"))
            self._cache[key] = got
        return got

    def body(self, i: int, portable: bool = True) -> str:
        """The graph group of frame ``i`` (``<g transform=...>`` with every item)."""
        parts = [self.fragment(k, look, portable) for k, look in enumerate(self.looks(i))]
        return f'<g id="graph0" class="graph" transform="{self.transform}">' + "".join(parts) + "</g>"

    def svg(self, i: int, portable: bool = True) -> str:
        """Frame ``i`` as one standalone SVG document."""
        return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                f'<svg xmlns="{SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="{self.width_attr}" '
                f'height="{self.height_attr}" viewBox="{self.viewbox}">' + self.body(i, portable) + "</svg>")


def _pt(attr: str) -> float:
    m = re.match(r"([\d.]+)(pt|px)?", attr or "")
    if not m:
        return 0.0
    return float(m.group(1)) * (0.75 if m.group(2) == "px" else 1.0)


def _texts(el, color):
    return [t for t in el.iter(_T + "text") if t.get("fill", "").lower() == color]


def _style(el, kind: str, look) -> None:
    """Restyle one item in place for ``look`` (what :meth:`viz.Stepper.frame_svg` shows)."""
    if kind == "wire":
        g, fresh, values_shown, current = look
        reds = _texts(el, GRAD_COLOR)
        for t in reds:
            if g == "h":
                t.set("fill-opacity", "0")
            elif g != "f":
                t.set("fill", PARTIAL_COLOR)
                if g[1] is not None and len(reds) == 1:
                    t.text = g[1]
        if fresh:
            for line in el.iter(_T + "polyline"):
                line.set("stroke", GRAD_COLOR)
                line.set("stroke-width", "2.5")
        if not values_shown:
            for t in _texts(el, VALUE_COLOR):
                t.set("fill-opacity", "0")
        if current:
            _highlight(el)
    elif kind == "edge":
        lit, local_shown = look
        if not local_shown:
            for t in _texts(el, LOCAL_COLOR):
                t.set("fill-opacity", "0")
        if lit:
            for part in el:
                if part.tag in (_T + "path", _T + "polygon"):
                    part.set("stroke", GRAD_COLOR)
                    part.set("stroke-width", "2.2")
                    if part.tag.endswith("polygon"):
                        part.set("fill", GRAD_COLOR)
    elif kind == "node" and look[0]:
        _highlight(el)


def _highlight(el) -> None:
    for tag in ("ellipse", "path", "polygon"):
        for shape in el.iter(_T + tag):
            shape.set("fill", HIGHLIGHT_FILL)
            shape.set("stroke", GRAD_COLOR)
            shape.set("stroke-width", "2.5")
