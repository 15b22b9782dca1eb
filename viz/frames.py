"""The stepper's frames as slide builds: one file per step (SVG, PNG or PDF), one
multi-page PDF, an animated GIF or APNG.

Every export starts from :meth:`viz.Stepper.frame_svg` and passes it through
:func:`portable_svg`, which *removes* what the frame hides. The stepper hides gradients
not yet computed with ``fill-opacity="0"``, which browsers honour and some renderers
(ImageMagick) ignore; an element that is not there looks the same everywhere.

>>> import graphgrad as gg
>>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
>>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
>>> from graphgrad import viz
>>> st = viz.Stepper(f)
>>> save_frames(st, "build", format="png")
['build/frame_00.png', 'build/frame_01.png', ...]
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
FORMATS = ("svg", "png", "pdf")


def is_hidden(el) -> bool:
    """True for an element drawn invisibly: opacity 0, display none, visibility hidden,
    or a text whose fill is fully transparent (a text has no stroke to keep).

    >>> import xml.etree.ElementTree as ET
    >>> is_hidden(ET.Element("g", opacity="0")), is_hidden(ET.Element("g"))
    (True, False)
    """
    if el.get("display") == "none" or el.get("visibility") == "hidden":
        return True
    if _zero(el.get("opacity")):
        return True
    style = el.get("style") or ""
    decl = dict(p.split(":", 1) for p in style.replace(" ", "").split(";") if ":" in p)
    if decl.get("display") == "none" or decl.get("visibility") == "hidden" or _zero(decl.get("opacity")):
        return True
    is_text = el.tag in (f"{{{SVG_NS}}}text", "text")
    return is_text and (_zero(el.get("fill-opacity")) or _zero(decl.get("fill-opacity"))
                        or el.get("fill") == "none")


def _zero(v) -> bool:
    try:
        return v is not None and float(v) == 0.0
    except ValueError:
        return False


def strip_hidden(el) -> None:
    """Remove every hidden element below ``el`` (an ElementTree element) in place; iterative,
    so a deep SVG never recurses."""
    stack = [el]
    while stack:
        parent = stack.pop()
        for child in list(parent):
            if is_hidden(child):
                parent.remove(child)
            else:
                stack.append(child)


def portable_svg(svg_text: str) -> str:
    """``svg_text`` with every hidden element removed (see the module docstring), as a
    standalone SVG document.

    >>> s = '<svg xmlns="http://www.w3.org/2000/svg"><text fill-opacity="0">1.00</text><text>x</text></svg>'
    >>> portable_svg(s).count("<text")
    1
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    start = svg_text.find("<svg")
    root = ET.fromstring(svg_text[start if start >= 0 else 0:].encode("utf-8"))
    strip_hidden(root)
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(root, encoding="unicode")


def frame_svgs(st, frames=None) -> list:
    """The portable SVG of each frame (all frames, or the indices in ``frames``), uncaptioned."""
    fd = st.drawing()
    idx = range(len(st)) if frames is None else list(frames)
    return [fd.svg(st[i].index) for i in idx]


def _check_format(format, what):
    fmt = str(format).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{what}: format must be one of {', '.join(FORMATS)}, got {format!r}")
    return fmt


def save_frames(st, directory, format: str = "svg", scale: float | None = None, dpi: float | None = None,
                prefix: str = "frame", max_width: int | None = 3840, **deck) -> list:
    """Write one file per frame into ``directory`` (created if needed): ``frame_00.svg``,
    ``frame_01.svg``, ... with the number zero-padded so the files sort in step order.
    Each is a captioned page (see :mod:`viz.pages`: ``steps``, ``stride``, ``slide``,
    ``min_pt``, ``caption``, ``title``, ``lang``). PNG frames are ``scale`` × 96 dpi (or
    ``dpi``; with ``slide=`` 144 dpi, 1920 × 1080 for 16:9), at most ``max_width``
    pixels wide (None lifts the cap). Returns the paths written.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> from graphgrad import viz
    >>> save_frames(viz.Stepper(f), "build", format="pdf")[:2]
    ['build/frame_00.pdf', 'build/frame_01.pdf']
    """
    from . import pages
    fmt = _check_format(format, "save_frames")
    p = pages.plan(st, who="save_frames", **deck)
    os.makedirs(directory, exist_ok=True)
    width = max(2, len(str(len(st) - 1)))
    if dpi is None and scale is None:
        dpi = 144.0 if p.slide is not None else 192.0
    elif dpi is None:
        dpi = 96.0 * float(scale)
    paths = []
    rasters = pages._rasters(p, dpi, max_width) if fmt == "png" else None
    for n, i in enumerate(p.frames):
        path = os.path.join(os.fspath(directory), f"{prefix}_{i:0{width}d}.{fmt}")
        if fmt == "svg":
            data = p.page_svg(n).encode("utf-8")
        elif fmt == "png":
            data = next(rasters)
        else:
            data = pages.deck_pdf(st, steps=slice(i, i + 1), **{k: v for k, v in deck.items()
                                                              if k not in ("steps", "stride")})
        with open(path, "wb") as fh:
            fh.write(data)
        paths.append(path)
    return paths


def frames_pdf(st, path=None, **deck) -> bytes:
    """One vector PDF, one captioned page per frame (the slide build as a single file).
    ``deck`` options: ``steps``/``stride`` (which frames), ``slide`` ("16:9", "4:3", "a4"),
    ``min_pt`` (14), ``caption`` (True), ``title``, ``lang`` (see :mod:`viz.pages`).
    Writes it to ``path`` when given; returns the bytes.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> from graphgrad import viz
    >>> frames_pdf(viz.Stepper(f), "neuron_steps.pdf")[:5]
    b'%PDF-'
    """
    from .pages import deck_pdf
    return deck_pdf(st, path, **deck)


def animation(st, path, duration: float = 1.2, scale: float | None = None, dpi: float | None = None,
              loop: int = 0, hold_last: float = 2.0, max_width: int | None = 1920,
              max_frames: int | None = 200, **deck) -> str:
    """An animated GIF (``.gif``) or APNG (``.png``/``.apng``) of the captioned frames,
    ``duration`` seconds each, the last frame held ``hold_last`` seconds more, at most
    ``max_width`` pixels wide (None: no cap). ``loop=0`` repeats forever. More than
    ``max_frames`` frames (200) is refused with a message saying how to choose fewer
    (``steps``, ``stride``, a collapsed view). Other ``deck`` options as for :func:`frames_pdf`.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> from graphgrad import viz
    >>> animation(viz.Stepper(f), "neuron.gif")
    'neuron.gif'
    """
    from .pages import deck_animation
    return deck_animation(st, path, duration=duration, loop=loop, hold_last=hold_last, max_frames=max_frames,
                          scale=scale, dpi=dpi, max_width=max_width, **deck)
