"""SVG → vector PDF and SVG → PNG at any resolution, with pip packages only.

The SVG is the one graphviz-pure already draws, so no system Graphviz is needed.

* PDF: ``svglib`` parses the SVG into a ReportLab drawing and ``reportlab`` writes it.
  Shapes stay paths and text stays text: in the PDF base font Helvetica (metric-identical
  to what graphviz-pure measured the labels with, so nothing overflows); a text with
  characters outside that font's encoding (``⊙``, ``√``, ``→``, ...) is set in DejaVu Sans,
  which matplotlib ships, embedded as a subset. Both libraries are pure pip wheels: no
  cairo, no system library.
* PNG: ``resvg-py`` (the Rust ``resvg`` renderer as a wheel). It honours the SVG
  standard, including ``display``/``visibility``/``fill-opacity``, and is given
  matplotlib's DejaVu fonts so text draws on a bare machine too.

>>> svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20pt" height="10pt"><text x="1" y="8">hi</text></svg>'
>>> svg_to_pdf(svg)[:5]
b'%PDF-'
"""
from __future__ import annotations

import functools
import importlib.util
import io
import os
import re

_MISSING = ("{what} needs the 'slides' extra: pip install 'graphgrad[slides]' "
            "(svglib, reportlab, resvg-py, pillow)")

# names svglib gives the Helvetica family's faces -> the DejaVu face used when a text
# has characters the base-14 font cannot encode
_DEJAVU_FACES = {"": "DejaVuSans", "-Bold": "DejaVuSans-Bold", "-Oblique": "DejaVuSans-Oblique",
                 "-BoldOblique": "DejaVuSans-BoldOblique"}


class SlidesDependencyError(ImportError):
    """An optional dependency of the slide exporters is not installed."""


def need_module(module: str, what: str):
    """The module ``module``, or a SlidesDependencyError that says which extra ``what`` needs.

    >>> need_module("json", "an example").dumps([1])
    '[1]'
    """
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise SlidesDependencyError(_MISSING.format(what=what)) from None


def font_dir() -> str | None:
    """The folder of matplotlib's bundled TrueType fonts (DejaVu), found without importing
    matplotlib. ``None`` when matplotlib is absent."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = os.path.join(list(spec.submodule_search_locations)[0], "mpl-data", "fonts", "ttf")
    return d if os.path.isdir(d) else None


@functools.lru_cache(maxsize=1)
def register_dejavu() -> bool:
    """Register the DejaVu faces with ReportLab once; False when the files are missing.

    >>> register_dejavu() in (True, False)
    True
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    d = font_dir()
    if d is None:
        return False
    for face in _DEJAVU_FACES.values():
        path = os.path.join(d, face + ".ttf")
        if not os.path.exists(path):
            return False
        pdfmetrics.registerFont(TTFont(face, path))
    return True


def cp1252_encodable(text: str) -> bool:
    """True when ReportLab's standard fonts can draw ``text`` (it fits cp1252).

    >>> cp1252_encodable("dL/dx = 2.0"), cp1252_encodable("∂L/∂x")
    (True, False)
    """
    try:
        text.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def _fix_fonts(drawing) -> None:
    """Texts the base-14 font cannot encode switch to the matching embedded DejaVu face,
    squeezed (down to 70 %) to the width Graphviz laid out for them: graphviz-pure measures
    Helvetica and counts each UTF-8 byte it has no metric for as a space, so a wider face
    would run into the wire next to the label."""
    from reportlab.graphics.shapes import Group, String
    from reportlab.pdfbase.pdfmetrics import stringWidth
    stack = [drawing]
    dejavu = None
    while stack:                                   # iterative: deep groups never recurse
        node = stack.pop()
        contents = getattr(node, "contents", None)
        if not contents:
            continue
        for k, child in enumerate(contents):
            if not isinstance(child, String):
                if isinstance(child, Group) or hasattr(child, "contents"):
                    stack.append(child)
                continue
            if cp1252_encodable(child.text):
                continue
            if dejavu is None:
                dejavu = register_dejavu()
            if not dejavu:
                continue
            base = child.fontName
            space = stringWidth(" ", base, child.fontSize)
            laid = sum(stringWidth(ch, base, child.fontSize) if ch < "\x80" else space * len(ch.encode("utf-8"))
                       for ch in child.text)
            suffix = base.split("Helvetica", 1)[1] if base.startswith("Helvetica") else ""
            child.fontName = _DEJAVU_FACES.get(suffix, "DejaVuSans")
            wide = stringWidth(child.text, child.fontName, child.fontSize)
            if child.textAnchor == "start" and wide > laid * 1.02 and wide > 0:
                sx = max(0.7, laid / wide)
                x = child.x
                # scale about the text's start, so it keeps its place and ends where it was laid out
                contents[k] = Group(child, transform=(sx, 0, 0, 1, x * (1 - sx), 0))


def svg_drawing(svg_text: str):
    """The ReportLab drawing of ``svg_text`` (svglib reads bytes, so encoding is explicit).

    >>> svg_drawing('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"/>').width   # px to pt
    30.0
    """
    need_module("reportlab", "vector PDF")
    svglib = need_module("svglib.svglib", "vector PDF")
    import logging
    # svglib warns about every SVG attribute it does not use (xlink:title tooltips, ...)
    logging.getLogger("svglib.svglib").setLevel(logging.ERROR)
    svg_text = svg_text[svg_text.find("<svg"):] if "<svg" in svg_text else svg_text
    d = svglib.svg2rlg(io.BytesIO(svg_text.encode("utf-8")))
    if d is None:
        raise ValueError("svg_to_pdf: the SVG could not be read (svglib returned nothing)")
    _fix_fonts(d)
    return d


def svgs_to_pdf(svgs) -> bytes:
    """One PDF with one page per SVG (each page the size of its drawing).

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> from graphgrad import viz
    >>> st = viz.Stepper(f)
    >>> pdf = svgs_to_pdf([st.frame_svg(i) for i in range(len(st))])
    """
    need_module("reportlab", "vector PDF")
    from reportlab.graphics import renderPDF
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = None
    for svg in svgs:
        d = svg_drawing(svg)
        if c is None:
            # invariant=1: no creation date or random document id, so the bytes are reproducible
            c = canvas.Canvas(buf, pagesize=(d.width, d.height), invariant=1)
        else:
            c.setPageSize((d.width, d.height))
        renderPDF.draw(d, c, 0, 0)
        c.showPage()
    if c is None:
        raise ValueError("svgs_to_pdf: no SVG given, so there is no page to write")
    c.save()
    return buf.getvalue()


def svg_to_pdf(svg_text: str) -> bytes:
    """A one-page vector PDF of an SVG (text kept as text, shapes as paths).

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> from graphgrad import viz
    >>> svg_to_pdf(viz.run_dot(viz.to_dot(f)).decode())[:5]
    b'%PDF-'
    """
    return svgs_to_pdf([svg_text])


_FAMILY = re.compile(r'font-family="([^"]*)"')


def _font_fallbacks(m) -> str:
    fams = m.group(1)
    low = fams.lower()
    if "courier" in low or "mono" in low:
        extra = "Courier New, Liberation Mono, DejaVu Sans Mono, monospace"
    elif "times" in low or low.strip() == "serif":
        extra = "Times New Roman, Liberation Serif, DejaVu Serif, serif"
    else:
        extra = "Arial, Liberation Sans, DejaVu Sans, sans-serif"
    return f'font-family="{fams}, {extra}"'


def svg_width_pt(svg_text: str) -> float | None:
    """The width of an SVG in points, from its ``width="...pt"`` (None when it has none)."""
    m = re.search(r'<svg[^>]*?\swidth="([\d.]+)(pt|px)?"', svg_text)
    if not m:
        return None
    w = float(m.group(1))
    return w * 0.75 if m.group(2) == "px" else w


def svg_to_png(svg_text: str, scale: float = 1.0, dpi: float | None = None,
               background: str = "#ffffff", max_width: int | None = None) -> bytes:
    """PNG bytes of an SVG. Size: ``dpi`` (points → pixels, 72 dpi = 1 px per pt) or
    ``scale`` times the 96-dpi size graphviz-pure's own PNG has; ``max_width`` (pixels)
    lowers the resolution of a wider image so it fits.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> from graphgrad import viz
    >>> st = viz.Stepper(f)
    >>> png = svg_to_png(st.frame_svg(0), scale=2)
    """
    resvg = need_module("resvg_py", "PNG from SVG")
    if dpi is None:
        dpi = 96.0 * float(scale)
    if not dpi > 0:
        raise ValueError(f"svg_to_png: dpi/scale must be positive, got dpi={dpi!r}")
    svg_text = svg_text[svg_text.find("<svg"):] if "<svg" in svg_text else svg_text
    width = svg_width_pt(svg_text)
    if max_width is not None and width and width * dpi / 72.0 > max_width:
        dpi = max_width * 72.0 / width
    # Graphviz names Helvetica/Courier; few Linux machines have them, so list metric-alike
    # fonts after them and end with DejaVu, which matplotlib always ships
    svg_text = _FAMILY.sub(_font_fallbacks, svg_text)
    d = font_dir()
    fonts = [os.path.join(d, f) for f in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
                                          "DejaVuSansMono.ttf", "DejaVuSerif.ttf")] if d else []
    return bytes(resvg.svg_to_bytes(svg_string=svg_text, dpi=float(dpi), background=background,
                                    font_files=[f for f in fonts + [hangul_font_file() or ""] if os.path.exists(f)]))


# Hangul: a system TrueType font when one is there (Debian: fonts-unfonts-core, which
# texlive-lang-korean pulls in; fonts-nanum; Noto CJK), else ReportLab's built-in CID
# font (not embedded; PDF viewers and pdftotext supply it)
_HANGUL_FONTS = ("/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
                 "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
                 "/usr/share/fonts/truetype/baekmuk/dotum.ttf",
                 "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def hangul_font_file() -> str | None:
    """A TrueType font with Hangul on this machine (``$GRAPHGRAD_HANGUL_FONT`` first), or None."""
    env = os.environ.get("GRAPHGRAD_HANGUL_FONT")
    for path in ((env,) if env else ()) + _HANGUL_FONTS:
        if path and os.path.exists(path):
            return path
    return None


@functools.lru_cache(maxsize=1)
def register_hangul() -> str | None:
    """Register a font that sets Hangul with ReportLab; returns its name (None: none found)."""
    from reportlab.pdfbase import pdfmetrics
    path = hangul_font_file()
    try:
        if path:
            from reportlab.pdfbase.ttfonts import TTFont
            pdfmetrics.registerFont(TTFont("GGHangul", path, subfontIndex=0))
            return "GGHangul"
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        pdfmetrics.registerFont(UnicodeCIDFont("HYGothic-Medium"))
        return "HYGothic-Medium"
    except Exception:                     # a broken font file: fall back to no Hangul face
        return None
