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
    """A file format. DOT-based formats give ``from_dot(dot_text, timeout) -> bytes`` (so
    ``render`` can size the layout first); others only ``write(value, options, timeout)``."""

    name: str
    about: str
    from_dot: object = None
    _write: object = None

    def write(self, value, options, timeout) -> bytes:
        """The file's bytes for ``value`` drawn with ``options`` (a :class:`viz.Options`)."""
        if self._write is not None:
            return self._write(value, options, timeout)
        from .dot import to_dot
        return self.from_dot(to_dot(value, options), timeout)


def _dot(text, timeout) -> bytes:
    return text.encode("utf-8")


def _graphviz(kind):
    def from_dot(text, timeout) -> bytes:
        from .render import run_dot
        return run_dot(text, kind, timeout)
    return from_dot


def _pdf(text, timeout) -> bytes:
    from .render import dot_to_pdf
    return dot_to_pdf(text, timeout)


def _json(value, options, timeout) -> bytes:
    from .export import to_json
    return to_json(value, options).encode("utf-8")


FORMATS = {f.name: f for f in (
    Format("svg", "vector image (Graphviz)", _graphviz("svg")),
    Format("png", "raster image (Graphviz)", _graphviz("png")),
    Format("pdf", "vector PDF (from the SVG with the slides extra, or a system Graphviz)", _pdf),
    Format("dot", "the DOT text itself", _dot),
    Format("json", "the drawn nodes and edges as JSON (viz.to_json)", _write=_json),
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
