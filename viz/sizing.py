"""Size, aspect and resolution options for drawn graphs, as Graphviz graph attributes.

graphviz-pure honours ``size``, ``ratio`` and ``dpi`` like Graphviz (checked by
experiment: ``-Gdpi=300`` gives a 3.1× larger PNG, ``size="20,20!"`` scales up to fit,
``ratio=0.5625`` pads the layout to 16:9), so these only add attributes to the DOT text.

>>> print(with_graph_attrs("digraph g {\\n  a;\\n}\\n", size=size_attr((4, 3))).splitlines()[1])
  graph [size="4,3!"];
"""
from __future__ import annotations

import numbers
import re

PNG_DPI = 96.0          # graphviz-pure's PNG default: scale=1 is the PNG render() always wrote


def _num(x, what):
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not x > 0:
        raise ValueError(f"render: {what} must be a positive number, got {x!r}")
    return float(x)


def size_attr(size) -> str:
    """``(w, h)`` in inches → Graphviz ``size="w,h!"`` (fit inside, scaling up or down).

    >>> size_attr((13.33, 7.5))
    '"13.33,7.5!"'
    """
    try:
        w, h = size
    except (TypeError, ValueError):
        raise ValueError(f"render: size must be (width, height) in inches, e.g. (13.33, 7.5) "
                         f"for a 16:9 slide, got {size!r}") from None
    return f'"{_num(w, "size width"):g},{_num(h, "size height"):g}!"'


def ratio_attr(ratio) -> str:
    """Graphviz ``ratio``: a number (height/width), or "fill", "compress", "expand", "auto".

    >>> ratio_attr(9 / 16)
    '0.5625'
    """
    if isinstance(ratio, str):
        if ratio not in ("fill", "compress", "expand", "auto"):
            raise ValueError(f"render: ratio must be a number (height/width) or one of fill, "
                             f"compress, expand, auto; got {ratio!r}")
        return ratio
    return f"{_num(ratio, 'ratio'):g}"


def png_dpi(scale=None, dpi=None) -> float | None:
    """The PNG resolution asked for: ``dpi`` itself, or ``scale`` × 96; None for neither.

    >>> png_dpi(scale=2), png_dpi(dpi=300), png_dpi()
    (192.0, 300.0, None)
    """
    if scale is not None and dpi is not None:
        raise ValueError("render: give scale= or dpi=, not both (scale=2 is dpi=192)")
    if dpi is not None:
        return _num(dpi, "dpi")
    if scale is not None:
        return PNG_DPI * _num(scale, "scale")
    return None


def with_graph_attrs(dot_text: str, **attrs) -> str:
    """``dot_text`` with one ``graph [...]`` line added after its opening line (attributes
    whose value is None are left out; values are already DOT-quoted where needed)."""
    items = [f"{k}={v}" for k, v in attrs.items() if v is not None]
    if not items:
        return dot_text
    head, sep, rest = dot_text.partition("\n")
    if not head.rstrip().endswith("{"):
        raise ValueError("render: cannot add graph attributes: the DOT text does not open with "
                         "'digraph ... {' on its first line")
    return f"{head}\n  graph [{' '.join(items)}];{sep}{rest}"


_OUT_PORT = re.compile(r"^(\s*\w+):r:e -> ", re.M)
_IN_PORT = re.compile(r" -> (\w+):r:w \[")


def vertical_ports(dot_text: str, rankdir: str = "TB") -> str:
    """For a top-to-bottom layout, wires enter at their top and leave at their bottom.

    The DOT writer now does this itself (:func:`viz.dot.wire_ports`), so to_dot, render,
    the Stepper and to_tikz agree; this rewrites DOT text written with left-to-right
    ports (kept for such text; on the writer's own TB text it changes nothing).

    viz.dot attaches edges to the ends of a wire's line (``v0:r:e``, ``v1:r:w``), right for
    left-to-right; stacked top to bottom, that makes every wire step half its width to the
    right and a chain drifts diagonally. ``:n``/``:s`` keep a chain on one vertical line.

    >>> vertical_ports("  v0:r:e -> g1 [id=x];\\n  g1 -> v2:r:w [id=y];\\n")
    '  v0:s -> g1 [id=x];\\n  g1 -> v2:n [id=y];\\n'
    """
    top, bottom = ("n", "s") if rankdir == "TB" else ("s", "n")
    text = _OUT_PORT.sub(lambda m: f"{m.group(1)}:{bottom} -> ", dot_text)
    return _IN_PORT.sub(lambda m: f" -> {m.group(1)}:{top} [", text)


def pt_below(pt: float) -> str:
    """A text size for a "does not fit" message, rounded down, so that it never reads as
    reaching the minimum it misses (11.96 pt against a 12 pt minimum is "11.9 pt", not "12.0").

    >>> pt_below(11.96), pt_below(10.0)
    ('11.9 pt', '10.0 pt')
    """
    import math
    return f"{math.floor(pt * 10 + 1e-9) / 10:.1f} pt"
