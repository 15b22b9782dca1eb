"""The one list of file formats a diagram can be written in (``render``, ``Diagram.save``,
``graphgrad render -f``): each format's name and how to make its bytes.

>>> sorted(FORMATS)
['dot', 'json', 'pdf', 'png', 'svg']
>>> describe()
'svg, png, pdf, dot, json'
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """A file format: ``write(value, options, timeout) -> bytes``."""

    name: str
    write: object
    about: str


def _dot(value, options, timeout) -> bytes:
    from .dot import to_dot
    return to_dot(value, options).encode("utf-8")


def _graphviz(kind):
    def write(value, options, timeout) -> bytes:
        from .dot import to_dot
        from .render import run_dot
        return run_dot(to_dot(value, options), kind, timeout)
    return write


def _pdf(value, options, timeout) -> bytes:
    from .dot import to_dot
    from .render import dot_to_pdf
    return dot_to_pdf(to_dot(value, options), timeout)


def _json(value, options, timeout) -> bytes:
    from .export import to_json
    return to_json(value, options).encode("utf-8")


FORMATS = {f.name: f for f in (
    Format("svg", _graphviz("svg"), "vector image (Graphviz)"),
    Format("png", _graphviz("png"), "raster image (Graphviz)"),
    Format("pdf", _pdf, "vector PDF with a system Graphviz, else a raster PDF"),
    Format("dot", _dot, "the DOT text itself"),
    Format("json", _json, "the drawn nodes and edges as JSON (viz.to_json)"),
)}


def describe() -> str:
    """The format names, comma separated, for messages and help texts."""
    return ", ".join(FORMATS)


def get(name: str, who: str = "render") -> Format:
    """The format called ``name`` (case-insensitive), or a clear ValueError.

    >>> get("SVG").name
    'svg'
    """
    f = FORMATS.get(str(name).lower())
    if f is None:
        raise ValueError(f"{who}: format must be one of {describe()}, got {name!r}")
    return f
