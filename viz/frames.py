"""The stepper's frames as slide builds: one file per step (SVG, PNG or PDF), one
multi-page PDF, an animated GIF or APNG.

Every export starts from :meth:`viz.Stepper.frame_svg` and passes it through
:func:`portable_svg`, which *removes* what the frame hides. The stepper hides gradients
not yet computed with ``fill-opacity="0"``, which browsers honour and some renderers
(ImageMagick) ignore; an element that is not there looks the same everywhere.

>>> st = viz.Stepper(f)                                    # doctest: +SKIP
>>> save_frames(st, "build", format="png")                 # doctest: +SKIP
['build/frame_00.png', 'build/frame_01.png', ...]
"""
from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
FORMATS = ("svg", "png", "pdf")


def _hidden(el) -> bool:
    """True for an element drawn invisibly: opacity 0, display none, visibility hidden,
    or a text whose fill is fully transparent (a text has no stroke to keep)."""
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
    stack = [root]
    while stack:                                  # iterative: deep SVGs never recurse
        parent = stack.pop()
        for child in list(parent):
            if _hidden(child):
                parent.remove(child)
            else:
                stack.append(child)
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(root, encoding="unicode")


def frame_svgs(st, frames=None) -> list:
    """The portable SVG of each frame (all frames, or the indices in ``frames``)."""
    idx = range(len(st)) if frames is None else list(frames)
    return [portable_svg(st.frame_svg(i)) for i in idx]


def _check_format(format, what):
    fmt = str(format).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{what}: format must be one of {', '.join(FORMATS)}, got {format!r}")
    return fmt


def save_frames(st, directory, format: str = "svg", scale: float = 2.0, dpi: float | None = None,
                prefix: str = "frame", max_width: int | None = 3840) -> list:
    """Write one file per frame into ``directory`` (created if needed): ``frame_00.svg``,
    ``frame_01.svg``, ... with the number zero-padded so the files sort in step order.
    PNG frames are ``scale`` × 96 dpi (or ``dpi``), at most ``max_width`` pixels wide (a
    wide graph is 100 inches long; None lifts the cap). Returns the paths written.

    >>> save_frames(viz.Stepper(f), "build", format="pdf")      # doctest: +SKIP
    """
    from . import pdf as _pdf
    fmt = _check_format(format, "save_frames")
    os.makedirs(directory, exist_ok=True)
    width = max(2, len(str(len(st) - 1)))
    paths = []
    for i in range(len(st)):
        svg = portable_svg(st.frame_svg(i))
        path = os.path.join(os.fspath(directory), f"{prefix}_{i:0{width}d}.{fmt}")
        if fmt == "svg":
            data = svg.encode("utf-8")
        elif fmt == "png":
            data = _pdf.svg_to_png(svg, scale=scale, dpi=dpi, max_width=max_width)
        else:
            data = _pdf.svg_to_pdf(svg)
        with open(path, "wb") as fh:
            fh.write(data)
        paths.append(path)
    return paths


def frames_pdf(st, path=None) -> bytes:
    """One vector PDF, one page per frame (the slide build as a single file). Writes it to
    ``path`` when given; returns the bytes.

    >>> frames_pdf(viz.Stepper(f), "neuron_steps.pdf")          # doctest: +SKIP
    """
    from . import pdf as _pdf
    data = _pdf.svgs_to_pdf(frame_svgs(st))
    if path is not None:
        with open(path, "wb") as fh:
            fh.write(data)
    return data


def frame_images(st, scale: float = 1.5, dpi: float | None = None, max_width: int | None = 1920) -> list:
    """Each frame as an RGB ``PIL.Image`` (all the same size, since frames share one layout)."""
    from . import pdf as _pdf
    Image = _pdf._need("PIL.Image", "GIF/APNG animation")
    return [Image.open(io.BytesIO(_pdf.svg_to_png(svg, scale=scale, dpi=dpi, max_width=max_width))).convert("RGB")
            for svg in frame_svgs(st)]


def animation(st, path, duration: float = 1.2, scale: float = 1.5, dpi: float | None = None,
              loop: int = 0, hold_last: float = 2.0, max_width: int | None = 1920) -> str:
    """An animated GIF (``.gif``) or APNG (``.png``/``.apng``) of the frames, ``duration``
    seconds each, the last frame held ``hold_last`` seconds more, at most ``max_width``
    pixels wide (None: no cap). ``loop=0`` repeats forever.

    >>> animation(viz.Stepper(f), "neuron.gif")                 # doctest: +SKIP
    'neuron.gif'
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".gif", ".png", ".apng"):
        raise ValueError(f"animation: the file must end in .gif, .png or .apng, got {path!r}")
    if not duration > 0:
        raise ValueError(f"animation: duration must be positive seconds per frame, got {duration!r}")
    images = frame_images(st, scale=scale, dpi=dpi, max_width=max_width)
    ms = [int(round(duration * 1000))] * len(images)
    ms[-1] += int(round(hold_last * 1000))
    if ext == ".gif":
        # a palette per frame (later frames add colours: the highlight, partial sums), and
        # no dithering: the diagram has few colours, dithering would only add noise
        pal = [im.quantize(colors=255, dither=0) for im in images]
        pal[0].save(path, format="GIF", save_all=True, append_images=pal[1:], duration=ms, loop=loop,
                    optimize=False, disposal=1)
    else:
        images[0].save(path, format="PNG", save_all=True, append_images=images[1:], duration=ms,
                       loop=loop, default_image=False)
    return path
