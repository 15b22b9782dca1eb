"""The text Graphviz drew, read from its SVG, put into its json layout.

viz.dot writes a backslash in a label as two (``&#92;&#92;``: one alone starts a Graphviz
escape such as ``\\N``, the node's name). graphviz-pure's SVG shows the user's text
exactly, but its json (``-Tjson``, the layout :mod:`viz.tikz` reads) keeps the escapes
raw, and after two backslashes in a row drops the object's remaining draw ops. So the json
is laid out from :func:`json_safe` text and its text ops are replaced by the SVG's
``<text>`` of the same object (same ``id``, same order), which every other view shows.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

_NS = "{http://www.w3.org/2000/svg}"
_DRAW_KEYS = ("_draw_", "_ldraw_", "_hdraw_", "_tdraw_", "_hldraw_", "_tldraw_")


def svg_texts(svg: str) -> dict:
    """``{object id: [its drawn texts in order]}``; the graph's own texts (its title) under ``None``.

    >>> svg_texts('<svg xmlns="http://www.w3.org/2000/svg"><g id="graph0"><text>T</text>'
    ...           '<g id="v0"><text>a\\\\b</text></g></g></svg>')
    {None: ['T'], 'v0': ['a\\\\b']}
    """
    root = ET.fromstring(svg[svg.find("<svg"):].encode("utf-8"))
    out: dict = {}
    top = next((g for g in root if g.tag == _NS + "g"), None)
    if top is None:
        return out
    out[None] = [t.text or "" for t in top if t.tag == _NS + "text"]
    for g in top.iter(_NS + "g"):
        gid = g.get("id")
        if g is top or not gid or gid.startswith("a_"):    # a_<id>: the link wrapper inside an object
            continue
        out[gid] = [t.text or "" for t in g.iter(_NS + "text")]
    return out


def json_safe(dot_text: str) -> str:
    """DOT text whose labels draw "/" where they drew a backslash: the same width in
    Helvetica and Courier, so the same layout, and nothing for graphviz-pure's json to garble.

    >>> json_safe("label=<a&#92;&#92;b>")
    'label=<a/b>'
    """
    return dot_text.replace("&#92;&#92;", "/")


def _ops(obj: dict) -> list:
    return [op for key in _DRAW_KEYS for op in obj.get(key, ()) if isinstance(op, dict)
            and op.get("op") in ("T", "t") and isinstance(op.get("text"), str)]


def with_svg_texts(layout: dict, svg: str) -> dict:
    """``layout`` (Graphviz json) with each object's text ops set to what its SVG shows.
    An object whose texts do not pair up one to one keeps the json's text.

    >>> lay = {"objects": [{"id": "v0", "_ldraw_": [{"op": "T", "text": "raw"}]}]}
    >>> svg = '<svg xmlns="http://www.w3.org/2000/svg"><g id="graph0"><g id="v0"><text>drawn</text></g></g></svg>'
    >>> with_svg_texts(lay, svg)["objects"][0]["_ldraw_"][0]["text"]
    'drawn'
    """
    texts = svg_texts(svg)
    items = [(None, layout)] + [(o.get("id"), o) for o in [*layout.get("objects", ()), *layout.get("edges", ())]]
    for oid, obj in items:
        ops = _ops(obj)
        drawn = texts.get(oid)
        if drawn is not None and len(drawn) == len(ops):
            for op, t in zip(ops, drawn):
                op["text"] = t
    return layout

